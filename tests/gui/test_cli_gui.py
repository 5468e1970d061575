"""``installer-app gui [--demo]`` and ``installer-app`` alone open the app; --demo seeds an
empty data directory through the services and never touches one that holds data."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from installer_app.cli import context
from installer_app.cli.commands_gui import seed_demo
from installer_app.cli.main import main
from installer_app.services import open_database, reference_status
from installer_app.ui import app as ui_app
from tests.gui.helpers import job_states


@pytest.fixture
def opened(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[tuple[Path, bool]]]:
    """Record what the app would open instead of running the event loop."""
    calls: list[tuple[Path, bool]] = []

    def fake_run(data_dir: Path, *, demo: bool = False) -> int:
        calls.append((data_dir, demo))
        return 0

    monkeypatch.setattr(ui_app, "run", fake_run)
    yield calls
    context.configure(None)


def test_gui_demo_seeds_an_empty_data_directory_and_opens_the_app(
    opened: list[tuple[Path, bool]], tmp_path: Path
) -> None:
    data = tmp_path / "fresh"
    assert main(["--data-dir", str(data), "gui", "--demo"]) == 0
    assert opened == [(data, True)]
    with open_database(data) as db:
        cpl = reference_status(db, "cpl")
    assert cpl is not None and cpl.rows == 320
    assert set(job_states(data)) == {f"JOB-100{i}" for i in range(1, 7)}


def test_no_sub_command_opens_the_app_without_demo(
    opened: list[tuple[Path, bool]], tmp_path: Path
) -> None:
    data = tmp_path / "plain"
    assert main(["--data-dir", str(data)]) == 0
    assert opened == [(data, False)]
    with open_database(data) as db:
        assert reference_status(db, "cpl") is None  # nothing seeded without --demo


def test_demo_never_reseeds_a_data_directory_that_holds_data(demo_dir: Path) -> None:
    with open_database(demo_dir) as db:
        before = reference_status(db, "cpl")
        assert seed_demo(db) == []
        assert reference_status(db, "cpl") == before


def test_gui_help_mentions_demo(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["gui", "--help"]) == 0
    assert "--demo" in capsys.readouterr().out


def test_no_screen_is_a_plain_message_not_a_crash(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(sys, "platform", "linux")
    for name in ("QT_QPA_PLATFORM", "DISPLAY", "WAYLAND_DISPLAY"):
        monkeypatch.delenv(name, raising=False)
    assert main(["--data-dir", str(tmp_path / "d"), "gui"]) == 2
    assert "xvfb-run" in capsys.readouterr().err
    context.configure(None)


def test_the_real_app_opens_offscreen_and_closes_cleanly(tmp_path: Path) -> None:
    """The whole process, as the packaged smoke test runs it: open, become ready, close."""
    import os
    import subprocess

    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "INSTALLER_APP_QUIT_AFTER_MS": "200"}
    env["INSTALLER_APP_LOG_DIR"] = str(tmp_path / "logs")
    data = tmp_path / "data"
    result = subprocess.run(
        [sys.executable, "-m", "installer_app", "--data-dir", str(data), "gui", "--demo"],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
    )
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    with open_database(data) as db:
        cpl = reference_status(db, "cpl")
    assert cpl is not None and cpl.rows == 320
