"""GUI test fixtures: real widgets offscreen, real SQLite files in tmp dirs, real simulated
PPMIDs on ptys. Every window is closed, its workers cancelled and waited for, and its
simulators stopped in teardown; QSettings and logs go to the test's tmp directory."""

from __future__ import annotations

import os
from pathlib import Path

# Offscreen, on a 1920x1080 virtual screen (the plugin's default is 800x800, smaller than the
# window). Set QT_QPA_PLATFORM to something else (e.g. xcb under Xvfb) to use a real display.
if os.environ.get("QT_QPA_PLATFORM", "offscreen") == "offscreen":
    os.environ["QT_QPA_PLATFORM"] = (
        f"offscreen:configfile={Path(__file__).with_name('offscreen-screen.json')}"
    )

import shutil
from collections.abc import Callable, Iterator

import pytest
from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QApplication, QWidget
from pytestqt.qtbot import QtBot

from installer_app.cli.commands_gui import seed_demo
from installer_app.services import open_database
from installer_app.ui import app as ui_app
from installer_app.ui.main_window import MainWindow

SIM_OPTIONS = {"scan_interval": 0.3}
WAIT_MS = 15_000
MakeWindow = Callable[..., MainWindow]
Shoot = Callable[[QWidget, str], None]


@pytest.fixture(scope="session")
def styled_app(qapp: QApplication) -> QApplication:
    """The test QApplication, styled as the real app is."""
    return ui_app.application()


@pytest.fixture(autouse=True)
def isolated_settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    QSettings.setPath(
        QSettings.Format.IniFormat, QSettings.Scope.UserScope, str(tmp_path / "qsettings")
    )
    monkeypatch.setenv("INSTALLER_APP_LOG_DIR", str(tmp_path / "logs"))
    monkeypatch.delenv("INSTALLER_APP_CPL_MAX_AGE_DAYS", raising=False)
    monkeypatch.delenv("INSTALLER_APP_INSTALLER_ID", raising=False)


@pytest.fixture(scope="session")
def demo_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A data directory seeded with the demo data once; tests get a copy."""
    directory = tmp_path_factory.mktemp("demo-template") / "data"
    with open_database(directory) as db:
        assert seed_demo(db)
    return directory


@pytest.fixture
def demo_dir(tmp_path: Path, demo_template: Path) -> Path:
    target = tmp_path / "demo-data"
    shutil.copytree(demo_template, target)
    return target


@pytest.fixture
def make_window(qtbot: QtBot, styled_app: QApplication) -> Iterator[MakeWindow]:
    """``make_window(data_dir, demo=True)``: shown, started, interactive."""
    windows: list[MainWindow] = []

    def make(
        data_dir: Path, *, demo: bool = True, ready: bool = True, resize: bool = True
    ) -> MainWindow:
        window = ui_app.create_window(data_dir, demo=demo, simulator_options=SIM_OPTIONS)
        qtbot.addWidget(window)
        windows.append(window)
        if resize:
            window.resize(1280, 900)
        with qtbot.waitSignal(window.ready, timeout=WAIT_MS, raising=ready):
            window.show()
            window.start()
        return window

    yield make
    for window in windows:
        window.close()  # saves state, cancels and waits for every worker, stops simulators
        assert not window.runner.active() or window.runner.wait_idle(5_000)
        assert window.runner.pool.activeThreadCount() == 0


@pytest.fixture
def window(make_window: MakeWindow, demo_dir: Path) -> MainWindow:
    return make_window(demo_dir)


@pytest.fixture
def shoot() -> Shoot:
    """Save a PNG of ``widget`` as ``name``.png in $SCREENSHOT_DIR (when it is set)."""
    target = os.environ.get("SCREENSHOT_DIR")

    def save(widget: QWidget, name: str) -> None:
        if not target:
            return
        directory = Path(target)
        directory.mkdir(parents=True, exist_ok=True)
        QApplication.processEvents()
        assert widget.grab().save(str(directory / f"{name}.png"))

    return save
