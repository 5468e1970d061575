"""The main window: big page tabs (Ctrl+1…6), the pages, the always-visible status bar."""

from __future__ import annotations

import logging
from functools import partial

from PySide6.QtCore import QByteArray, Qt, QTimer, Signal
from PySide6.QtGui import QCloseEvent, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QButtonGroup,
    QHBoxLayout,
    QLabel,
    QMainWindow,
    QPushButton,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from installer_app.services import browse, reference_status
from installer_app.ui import errors, icons
from installer_app.ui.about import AboutDialog
from installer_app.ui.appstate import CHECKS, CPL, JOBS, PRENOTIFICATIONS, SETTINGS, AppState
from installer_app.ui.operations import Operation, OperationContext
from installer_app.ui.pages.check import CheckPage
from installer_app.ui.pages.cpl import CplPage
from installer_app.ui.pages.history import HistoryPage
from installer_app.ui.pages.jobs import JobsPage
from installer_app.ui.pages.settings import SettingsPage
from installer_app.ui.pages.sync import SyncPage
from installer_app.ui.widgets.status import StatusLine

log = logging.getLogger(__name__)

PAGES = ("check", "jobs", "cpl", "sync", "history", "settings")
TITLES = {"check": "Check", "jobs": "Jobs", "cpl": "CPL", "sync": "Sync", "history": "History",
          "settings": "Settings"}  # fmt: skip
STATUS_REFRESH_MS = 60_000
PROBE_INTERVAL_MS = 120_000
"""How often the back office's host is tried when the system gives no network information."""
WINDOW_TITLE = "Installer assistant · PPMID check"


class MainWindow(QMainWindow):
    ready = Signal()
    """The window is shown and the Check page has its jobs, ports and the status bar."""
    status_refreshed = Signal()

    def __init__(self, state: AppState) -> None:
        super().__init__()
        self.state = state
        self.runner = state.runner
        self.runner.failure_handler = self._operation_failed
        self._closed = False
        self._loaded: set[str] = set()
        self._waiting_for = {"jobs", "ports", "status"}
        self._network: object | None = None
        self.setWindowTitle(WINDOW_TITLE + (" · DEMO DATA" if state.demo else ""))
        self.setWindowIcon(icons.icon("app"))
        self.setMinimumSize(1024, 700)

        central = QWidget()
        central.setObjectName("page")
        column = QVBoxLayout(central)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(0)
        nav = QWidget()
        nav.setObjectName("navBar")
        nav_layout = QHBoxLayout(nav)
        nav_layout.setContentsMargins(8, 0, 8, 0)
        nav_layout.setSpacing(2)
        self.nav_group = QButtonGroup(self)
        self.nav_group.setExclusive(True)
        self.nav_buttons: dict[str, QPushButton] = {}
        for number, name in enumerate(PAGES, start=1):
            nav_button = QPushButton(TITLES[name])
            nav_button.setObjectName("navButton")
            nav_button.setCheckable(True)
            nav_button.setAccessibleName(f"{TITLES[name]} page")
            nav_button.setToolTip(f"{TITLES[name]} (Ctrl+{number})")
            self.nav_group.addButton(nav_button, number - 1)
            self.nav_buttons[name] = nav_button
            nav_layout.addWidget(nav_button)
        nav_layout.addStretch(1)
        if state.demo:
            badge = QLabel("DEMO DATA · simulated devices")
            badge.setObjectName("demoBadge")
            badge.setAccessibleName("Demo mode")
            nav_layout.addWidget(badge)
        column.addWidget(nav)

        self.stack = QStackedWidget()
        self.check_page = CheckPage(state)
        self.jobs_page = JobsPage(state)
        self.cpl_page = CplPage(state)
        self.sync_page = SyncPage(state)
        self.history_page = HistoryPage(state)
        self.settings_page = SettingsPage(state)
        self.pages: dict[str, QWidget] = {
            "check": self.check_page, "jobs": self.jobs_page, "cpl": self.cpl_page,
            "sync": self.sync_page, "history": self.history_page,
            "settings": self.settings_page,
        }  # fmt: skip
        for name in PAGES:
            self.stack.addWidget(self.pages[name])
        column.addWidget(self.stack, 1)
        self.setCentralWidget(central)
        self.status_line = StatusLine()
        self.sync_page.back_office_reachable.connect(self.status_line.show_online)
        self.setStatusBar(self.status_line)

        self.nav_group.idClicked.connect(self._nav_clicked)
        self.jobs_page.open_job.connect(self.open_job)
        self.check_page.jobs_loaded.connect(partial(self._initial_done, "jobs"))
        self.check_page.ports_loaded.connect(partial(self._initial_done, "ports"))
        self.state.signals.data_changed.connect(self._data_changed)
        for number, name in enumerate(PAGES, start=1):
            shortcut = QShortcut(QKeySequence(f"Ctrl+{number}"), self)
            shortcut.activated.connect(partial(self.show_page, name))
        self.scan_shortcut = QShortcut(QKeySequence(Qt.Key.Key_F5), self)
        self.scan_shortcut.activated.connect(self.scan)
        self.quit_shortcut = QShortcut(QKeySequence(QKeySequence.StandardKey.Quit), self)
        self.quit_shortcut.activated.connect(self.close)
        self.about_shortcut = QShortcut(QKeySequence(Qt.Key.Key_F1), self)
        self.about_shortcut.activated.connect(self.show_about)
        self.settings_page.about_requested.connect(self.show_about)
        self.cancel_shortcut = QShortcut(QKeySequence(Qt.Key.Key_Escape), self)
        self.cancel_shortcut.activated.connect(self.check_page.cancel_read)
        self._status_timer = QTimer(self)
        self._status_timer.setInterval(STATUS_REFRESH_MS)
        self._status_timer.timeout.connect(self.refresh_status)
        self._probe_timer = QTimer(self)
        self._probe_timer.setInterval(PROBE_INTERVAL_MS)
        self._probe_timer.timeout.connect(self.probe_back_office)
        self._restore_geometry()
        self.show_page("check")

    def show_about(self) -> AboutDialog:
        """The About dialog (F1): version, CPL version, data directory, log file."""
        with self.state.open_database() as db:
            cpl = reference_status(db, "cpl")
        dialog = AboutDialog(str(self.state.data_dir), cpl, self)
        dialog.open()
        return dialog

    # ------------------------------------------------------------------ start-up
    def start(self) -> None:
        """Load what the first screen needs, in the background (call after show())."""
        self.check_page.reload_jobs()
        self.check_page.refresh_ports()
        self.refresh_status()
        self._status_timer.start()
        QTimer.singleShot(0, self._start_network_watch)

    def _initial_done(self, what: str) -> None:
        if what in self._waiting_for:
            self._waiting_for.discard(what)
            if not self._waiting_for:
                self.ready.emit()

    @property
    def is_ready(self) -> bool:
        return not self._waiting_for

    # ------------------------------------------------------------------ pages
    def current_page(self) -> str:
        return PAGES[self.stack.currentIndex()]

    def show_page(self, name: str) -> None:
        index = PAGES.index(name)
        self.stack.setCurrentIndex(index)
        self.nav_buttons[name].setChecked(True)
        if name not in self._loaded:
            self._loaded.add(name)
            page = self.pages[name]
            if name != "check":
                load = getattr(page, "load", None)
                if callable(load):
                    load()

    def _nav_clicked(self, index: int) -> None:
        self.show_page(PAGES[index])

    def open_job(self, reference: str) -> None:
        self.show_page("check")
        self.check_page.select_job(reference)
        self.check_page.scan_button.setFocus()

    def scan(self) -> None:
        self.show_page("check")
        self.check_page.scan()

    # ------------------------------------------------------------------ status
    def refresh_status(self) -> Operation:
        def work(_: OperationContext) -> browse.StatusSummary:
            with self.state.open_database() as db:
                return browse.status_summary(db)

        return self.runner.run(work, name="status", on_success=self._status_arrived)

    def _status_arrived(self, summary: browse.StatusSummary) -> None:
        self.status_line.show_summary(summary)
        self._initial_done("status")
        self.status_refreshed.emit()

    def _data_changed(self, kind: str) -> None:
        if kind in (CPL, CHECKS, SETTINGS, JOBS, PRENOTIFICATIONS):
            self.refresh_status()

    def _start_network_watch(self) -> None:
        if self._closed:
            return
        try:
            from PySide6.QtNetwork import QNetworkInformation

            loaded = QNetworkInformation.loadDefaultBackend()
            info = QNetworkInformation.instance() if loaded else None
        except (ImportError, RuntimeError):  # the packaged app leaves QtNetwork out
            info = None
        if info is None:  # no system information: ask the back office's host itself, now and then
            self._probe_timer.start()
            self.probe_back_office()
            return
        self._network = info
        info.reachabilityChanged.connect(self._reachability)
        self._reachability(info.reachability())

    def probe_back_office(self) -> Operation | None:
        """Online/offline from a TCP connection to the remembered back office (in the
        background; "unknown" until an address is set)."""
        if self._closed:
            return None
        data_dir = self.state.data_dir

        def work(_: OperationContext) -> bool | None:
            from installer_app.services.sync import probe_back_office  # httpx: not at start-up

            return probe_back_office(data_dir)

        return self.runner.run(work, name="network", on_success=self.status_line.show_online)

    def _reachability(self, reachability: object) -> None:
        from PySide6.QtNetwork import QNetworkInformation

        value = QNetworkInformation.Reachability
        if reachability == value.Unknown:
            self.status_line.show_online(None)
        else:
            self.status_line.show_online(reachability == value.Online)

    # ------------------------------------------------------------------ failures
    def _operation_failed(self, exc: BaseException, operation: Operation) -> None:
        if self._closed:
            log.info("after close, %s failed: %s", operation.name, exc)
            return
        errors.present(self, exc)

    # ------------------------------------------------------------------ geometry, closing
    def _restore_geometry(self) -> None:
        q = self.state.qsettings
        geometry = q.value("window/geometry")
        if isinstance(geometry, QByteArray) and not geometry.isEmpty():
            self.restoreGeometry(geometry)
        else:
            self.resize(1280, 860)

    def save_state(self) -> None:
        q = self.state.qsettings
        q.setValue("window/geometry", self.saveGeometry())
        q.setValue("window/page", self.current_page())
        self.check_page.save_choices()
        q.sync()

    def shutdown(self) -> None:
        """Stop listening and reading, wait for the workers, stop simulators (idempotent)."""
        if self._closed:
            return
        self._closed = True
        self._status_timer.stop()
        self.check_page.stop_listening()
        self.runner.shutdown()
        if self.state.simulators is not None:
            self.state.simulators.stop_all()

    def closeEvent(self, event: QCloseEvent) -> None:
        self.save_state()
        self.shutdown()
        super().closeEvent(event)
