"""Start the desktop app: QApplication, style, logging, the main window, the event loop."""

from __future__ import annotations

import logging
import os
import signal
import sys
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from PySide6.QtCore import QCoreApplication, QTimer
from PySide6.QtWidgets import QApplication

from installer_app import __version__
from installer_app.ui import errors, icons, style
from installer_app.ui.appstate import APPLICATION, ORGANISATION, AppSignals, AppState, ui_settings
from installer_app.ui.main_window import MainWindow
from installer_app.ui.operations import OperationRunner
from installer_app.ui.ports import SimulatorPorts

log = logging.getLogger(__name__)

ready_hooks: list[Callable[[MainWindow], None]] = []
"""Called with the window once it is interactive (the launch benchmark uses this)."""


def application(argv: list[str] | None = None) -> QApplication:
    """The QApplication (created once), styled."""
    QCoreApplication.setOrganizationName(ORGANISATION)
    QCoreApplication.setApplicationName(APPLICATION)
    QCoreApplication.setApplicationVersion(__version__)
    existing = QApplication.instance()
    app = existing if isinstance(existing, QApplication) else QApplication(argv or sys.argv[:1])
    app.setApplicationDisplayName("Installer assistant")
    app.setDesktopFileName(APPLICATION)
    style.apply(app)
    app.setWindowIcon(icons.icon("app"))
    return app


def create_window(
    data_dir: Path, *, demo: bool = False, simulator_options: Mapping[str, Any] | None = None
) -> MainWindow:
    """The main window over ``data_dir`` (not shown yet; call ``show()`` then ``start()``)."""
    state = AppState(
        data_dir=data_dir,
        runner=OperationRunner(),
        signals=AppSignals(),
        qsettings=ui_settings(),
        simulators=SimulatorPorts(simulator_options) if demo else None,
    )
    return MainWindow(state)


def run(data_dir: Path, *, demo: bool = False) -> int:
    """Open the app on ``data_dir`` and run until the window closes; returns the exit code."""
    log_file = errors.log_path()
    log.info("installer-app %s GUI on %s (demo=%s), log %s", __version__, data_dir, demo, log_file)
    app = application()
    errors.install_excepthook()
    window = create_window(data_dir, demo=demo)
    for hook in ready_hooks:
        window.ready.connect(_caller(hook, window))
    quit_after = os.environ.get("INSTALLER_APP_QUIT_AFTER_MS", "")
    if quit_after.isdigit():
        # For smoke tests of the packaged app: open, become interactive, close cleanly.
        window.ready.connect(_caller(_close_later(int(quit_after)), window))
    window.show()
    window.start()
    # Ctrl+C in the terminal, or SIGTERM: close the window properly (state saved, workers
    # stopped). Python only sees a signal when it runs, so wake it up now and then.
    previous = {sig: signal.signal(sig, _closer(window)) for sig in (signal.SIGINT, signal.SIGTERM)}
    wake = QTimer()
    wake.start(300)
    wake.timeout.connect(_nothing)
    try:
        return app.exec()
    finally:
        wake.stop()
        window.shutdown()
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def _close_later(milliseconds: int) -> Callable[[MainWindow], None]:
    def close(window: MainWindow) -> None:
        print("installer-app: window ready", file=sys.stderr, flush=True)
        QTimer.singleShot(milliseconds, window.close)

    return close


def _nothing() -> None:
    """A slot that lets the interpreter run its signal handlers."""


def _closer(window: MainWindow) -> Callable[[int, object], None]:
    def close(_signal: int, _frame: object) -> None:
        log.info("signal %s: closing the window", _signal)
        window.close()

    return close


def _caller(hook: Callable[[MainWindow], None], window: MainWindow) -> Callable[[], None]:
    def call() -> None:
        hook(window)

    return call
