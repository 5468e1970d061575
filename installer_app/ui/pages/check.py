"""The Check page: pick the job (or the installation type), pick the port, scan; read the
verdict from across the room; record what was done.

Reading and checking run through the operation runner, never on the GUI thread. With a barcode
scanner the page also *listens* while it is open: a label scanned on the picked port starts a
check by itself (a scan of the device just checked, for the same job, is not checked twice; F5
always reads again). A keyboard scanner, or the installer, can also type the Device ID.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import date
from functools import partial

from PySide6.QtCore import QSignalBlocker, Qt, QTimer, Signal
from PySide6.QtGui import QHideEvent, QResizeEvent, QShowEvent
from PySide6.QtWidgets import (
    QBoxLayout,
    QCheckBox,
    QComboBox,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLineEdit,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from installer_app.domain.model import Cohort, DeviceReading, Generation
from installer_app.domain.prenotification import Installation, Job
from installer_app.errors import UserError
from installer_app.services import browse, checks
from installer_app.services import devices as device_service
from installer_app.services.checks import CheckOutcome
from installer_app.services.devices import NoAnswer, ReadCancelled
from installer_app.ui import icons, ports
from installer_app.ui.appstate import CHECKS, JOBS, AppState
from installer_app.ui.operations import Operation, OperationContext
from installer_app.ui.presenter import VerdictView, present
from installer_app.ui.widgets.common import MessagePanel, button, label
from installer_app.ui.widgets.dialogs import NotJoinedDialog
from installer_app.ui.widgets.progress import ProgressSteps
from installer_app.ui.widgets.status import local_time
from installer_app.ui.widgets.verdict import IdentityGrid, ReasonList, VerdictBanner

log = logging.getLogger(__name__)

INSTALLATIONS: tuple[tuple[str, str], ...] = (
    ("SMETS2+", "SMETS2+"),
    ("SMETS1:FOC", "SMETS1 · FOC"),
    ("SMETS1:MOC", "SMETS1 · MOC (Secure)"),
    ("SMETS1:IOC", "SMETS1 · IOC"),
    ("SMETS1:", "SMETS1 · cohort not known"),
)
LISTEN_RETRY_MS = 3000
SIDE_BY_SIDE_WIDTH = 1180
READ_STEPS = {
    ports.BARCODE: ("Waiting for a scan…", "Reading…", "Checking…"),
    ports.OPTICAL: ("Signing on…", "Reading…", "Checking…"),
}
TYPED_STEPS = ("Typed in", "Read", "Checking…")
PLACEHOLDER = (
    "Pick the job, then scan the PPMID's label, or put the probe on it and press Scan (F5).\n\n"
    "Keys: F5 scan · Enter confirm · Esc cancel a read · Ctrl+1…6 pages"
)


def installation_from_key(key: str) -> Installation:
    generation, _, cohort = key.partition(":")
    return Installation(Generation.parse(generation), Cohort(cohort) if cohort else None)


def installation_key(installation: Installation) -> str:
    if installation.generation is Generation.SMETS2:
        return "SMETS2+"
    return f"SMETS1:{installation.cohort.value if installation.cohort else ''}"


def job_label(job: Job, today: str) -> str:
    street = job.address.split(",")[0].strip()
    when = "today" if job.scheduled_for == today else (job.scheduled_for or "no date")
    return f"{job.reference} · {street} · {job.installation_value} · {when}"


def typed_reading(text: str) -> DeviceReading:
    """A Device ID typed in, or a label payload typed by a keyboard-wedge scanner."""
    text = text.strip()
    if not text:
        raise UserError("Type the Device ID from the PPMID's label, or scan it.")
    if ":" in text or "$" in text:
        return device_service.parse_label(text)
    try:
        return checks.manual_reading(text)
    except UserError:
        raise UserError(
            f"{text!r} is not a Device ID. Type the 16 hex digits printed on the label "
            "(for example 00-DB-12-34-56-78-B0-01), or scan it."
        ) from None


class CheckPage(QWidget):
    result_shown = Signal(str)
    """A verdict ("allow", "warn", "block") is on screen."""
    decision_recorded = Signal(str)
    """"joined" or "not-joined" was recorded for the check on screen."""
    jobs_loaded = Signal()
    ports_loaded = Signal()

    def __init__(self, state: AppState, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("page")
        self.setAccessibleName("Check page")
        self.state = state
        self._jobs: dict[str, Job] = {}
        self._read_op: Operation | None = None
        self._read_explicit = False
        self._read_port: tuple[str, str] | None = None
        self._restart_explicit = False
        self._check_op: Operation | None = None
        self._decision_op: Operation | None = None
        self._last_auto_key: tuple[str, str] | None = None
        self._outcome: CheckOutcome | None = None
        self._view: VerdictView | None = None
        self._decided = False
        self._result_context = ""
        self._dialog: NotJoinedDialog | None = None
        self._dialog_outcome: CheckOutcome | None = None
        self._ports_loaded = False
        self._typed = False
        self._retry = QTimer(self)
        self._retry.setSingleShot(True)
        self._retry.setInterval(LISTEN_RETRY_MS)
        self._retry.timeout.connect(self._sync_listener)
        self._build()
        self._restore_choices()

    # ------------------------------------------------------------------ layout
    def _build(self) -> None:
        root = QVBoxLayout(self)
        root.setContentsMargins(16, 12, 16, 0)
        root.setSpacing(10)

        form = QGridLayout()
        form.setHorizontalSpacing(10)
        form.setVerticalSpacing(8)
        self.job_combo = QComboBox()
        self.job_combo.setAccessibleName("Job")
        self.job_combo.setToolTip("Today's job: its installation type and cohort are used")
        self.job_combo.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.job_combo.setMinimumContentsLength(30)
        self.installation_combo = QComboBox()
        self.installation_combo.setAccessibleName("Installation type")
        for key, text in INSTALLATIONS:
            self.installation_combo.addItem(text, key)
        self.port_combo = QComboBox()
        self.port_combo.setEditable(True)
        self.port_combo.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        self.port_combo.setAccessibleName("Port")
        self.port_combo.setToolTip(
            "The scanner's or probe's port; or type a path (/dev/ttyUSB0, COM3) or a URL "
            "(socket://host:port)"
        )
        self.port_combo.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.port_combo.setMinimumContentsLength(30)
        line = self.port_combo.lineEdit()
        if line is not None:
            line.setPlaceholderText("Pick or type a port")
            line.setAccessibleName("Port (pick or type)")
        self.refresh_ports_button = QPushButton()
        self.refresh_ports_button.setIcon(icons.icon("refresh"))
        self.refresh_ports_button.setAccessibleName("Look for ports again")
        self.refresh_ports_button.setToolTip("Look for plugged-in scanners and probes again")
        self.refresh_ports_button.setFixedWidth(56)
        self.protocol_combo = QComboBox()
        self.protocol_combo.setAccessibleName("Protocol")
        for key, text in ports.PROTOCOLS:
            self.protocol_combo.addItem(text, key)
        self.scan_button = button(
            "Scan   F5",
            "Scan",
            primary=True,
            tooltip="Read the device on the picked port and check it (F5)",
        )
        form.addWidget(label("Job"), 0, 0)
        form.addWidget(self.job_combo, 0, 1, 1, 2)
        form.addWidget(label("Installation"), 0, 3)
        form.addWidget(self.installation_combo, 0, 4)
        form.addWidget(label("Port"), 1, 0)
        form.addWidget(self.port_combo, 1, 1)
        form.addWidget(self.refresh_ports_button, 1, 2)
        form.addWidget(label("Protocol"), 1, 3)
        form.addWidget(self.protocol_combo, 1, 4)
        form.addWidget(self.scan_button, 0, 5, 2, 1)
        self.device_id_edit = QLineEdit()
        self.device_id_edit.setAccessibleName("Device ID")
        self.device_id_edit.setPlaceholderText(
            "…or type (or keyboard-scan) the Device ID and press Enter"
        )
        self.check_typed_button = button("Check ID", "Check the typed Device ID")
        self.listen_check = QCheckBox("Check as soon as a label is scanned")
        self.listen_check.setAccessibleName("Check as soon as a label is scanned")
        self.listen_check.setChecked(True)
        form.addWidget(label("Device"), 2, 0)
        form.addWidget(self.device_id_edit, 2, 1, 1, 2)
        form.addWidget(self.check_typed_button, 2, 3)
        form.addWidget(self.listen_check, 2, 4, 1, 2)
        form.setColumnStretch(1, 3)
        form.setColumnStretch(4, 1)
        root.addLayout(form)

        self.progress = ProgressSteps()
        root.addWidget(self.progress)
        self.listen_hint = label("", "hint", name="listenHint")
        self.listen_hint.hide()
        root.addWidget(self.listen_hint)
        self.message = MessagePanel(name="Check message")
        root.addWidget(self.message)

        self.result_scroll = QScrollArea()
        self.result_scroll.setObjectName("resultScroll")
        self.result_scroll.setWidgetResizable(True)
        self.result_scroll.setFrameShape(QFrame.Shape.NoFrame)
        body = QWidget()
        body.setObjectName("page")
        column = QVBoxLayout(body)
        column.setContentsMargins(0, 0, 8, 8)
        column.setSpacing(10)
        self.placeholder = label(PLACEHOLDER, "placeholder", wrap=True, name="placeholder")
        self.placeholder.setAlignment(Qt.AlignmentFlag.AlignCenter)
        column.addWidget(self.placeholder)
        self.result = QWidget()
        result = QVBoxLayout(self.result)
        result.setContentsMargins(0, 0, 0, 0)
        result.setSpacing(10)
        self.banner = VerdictBanner()
        result.addWidget(self.banner)
        # Identity on the left, reasons on the right when the window is wide enough
        # (stacked otherwise): the whole answer fits on a laptop screen.
        self.details = QBoxLayout(QBoxLayout.Direction.LeftToRight)
        self.details.setSpacing(16)
        left = QVBoxLayout()
        left.setSpacing(8)
        self.prenotified_label = label("", "heading", name="prenotifiedAs")
        self.prenotified_label.setAccessibleName("Pre-notified as")
        self.installation_label = label("", None, wrap=True, name="installationText")
        self.installation_label.setAccessibleName("Installation")
        left.addWidget(self.prenotified_label)
        left.addWidget(self.installation_label)
        self.device_label = label("", "heading", wrap=True, name="deviceLine")
        self.device_label.setAccessibleName("Device")
        left.addWidget(self.device_label)
        self.identity = IdentityGrid()
        left.addWidget(self.identity)
        self.sibling_label = label("", None, wrap=True, name="siblingLine")
        self.sibling_label.setAccessibleName("Bilingual sibling entry")
        left.addWidget(self.sibling_label)
        left.addStretch(1)
        right = QVBoxLayout()
        right.setSpacing(8)
        right.addWidget(label("Why", "heading"))
        self.reasons = ReasonList()
        right.addWidget(self.reasons)
        right.addStretch(1)
        self.details.addLayout(left, 0)
        self.details.addLayout(right, 1)
        result.addLayout(self.details)
        self.result.hide()
        column.addWidget(self.result)
        column.addStretch(1)
        self.result_scroll.setWidget(body)
        root.addWidget(self.result_scroll, 1)

        bar = QFrame()
        bar.setObjectName("decisionBar")
        decisions = QHBoxLayout(bar)
        decisions.setContentsMargins(8, 10, 8, 10)
        decisions.setSpacing(14)
        self.decision_note = label("", "hint", wrap=True, name="decisionNote")
        self.decision_note.setAccessibleName("Decision")
        self.not_joined_button = button(
            "Not joined…", "Not joined", tooltip="Record that the PPMID was not joined, and why"
        )
        self.join_button = button("Record join", primary=True)
        self.join_button.setMinimumWidth(260)
        decisions.addWidget(self.decision_note, 1)
        decisions.addWidget(self.not_joined_button)
        decisions.addWidget(self.join_button)
        root.addWidget(bar)
        self._set_decision_buttons(False, False, "")

        self.job_combo.currentIndexChanged.connect(self._job_changed)
        self.installation_combo.currentIndexChanged.connect(self._choices_changed)
        self.port_combo.currentTextChanged.connect(self._port_changed)
        self.port_combo.currentIndexChanged.connect(self._show_port_start)
        self.protocol_combo.currentIndexChanged.connect(self._port_changed)
        self.listen_check.toggled.connect(self._port_changed)
        self.refresh_ports_button.clicked.connect(self.refresh_ports)
        self.scan_button.clicked.connect(self.scan)
        self.progress.cancel_button.clicked.connect(self.cancel_read)
        self.device_id_edit.returnPressed.connect(self.check_typed)
        self.check_typed_button.clicked.connect(self.check_typed)
        self.join_button.clicked.connect(self.record_join)
        self.not_joined_button.clicked.connect(self.ask_not_joined)
        self.state.signals.data_changed.connect(self._data_changed)

    # ------------------------------------------------------------------ choices
    def _restore_choices(self) -> None:
        q = self.state.qsettings
        blockers = [QSignalBlocker(w) for w in (
            self.protocol_combo, self.installation_combo, self.listen_check
        )]  # fmt: skip
        protocol = str(q.value("check/protocol", "") or "") or str(
            self.state.user_settings().get("default_protocol") or ports.BARCODE
        )
        index = self.protocol_combo.findData(protocol)
        if index >= 0:
            self.protocol_combo.setCurrentIndex(index)
        index = self.installation_combo.findData(str(q.value("check/installation", "") or ""))
        if index >= 0:
            self.installation_combo.setCurrentIndex(index)
        self.listen_check.setChecked(str(q.value("check/listen", "true")).lower() != "false")
        del blockers

    def save_choices(self) -> None:
        q = self.state.qsettings
        if self.job_combo.count():
            q.setValue("check/job", self.job_reference() or "")
        q.setValue("check/installation", self.installation_combo.currentData() or "")
        if self._ports_loaded:
            q.setValue("check/port", self.port_key())
        q.setValue("check/protocol", self.protocol())
        q.setValue("check/listen", "true" if self.listen_check.isChecked() else "false")

    def protocol(self) -> str:
        return str(self.protocol_combo.currentData() or ports.BARCODE)

    def port_key(self) -> str:
        text = self.port_combo.currentText().strip()
        index = self.port_combo.findText(text, Qt.MatchFlag.MatchExactly)
        if index >= 0:
            data = self.port_combo.itemData(index)
            return str(data) if data else text
        return text

    def job_reference(self) -> str | None:
        data = self.job_combo.currentData()
        return str(data) if data else None

    def current_job(self) -> Job | None:
        reference = self.job_reference()
        return self._jobs.get(reference) if reference else None

    def installation_choice(self) -> tuple[Installation | None, str | None]:
        """(installation, None) when set by hand, (None, job reference) for a job."""
        reference = self.job_reference()
        if reference:
            return None, reference
        return installation_from_key(str(self.installation_combo.currentData())), None

    def _context_key(self) -> str:
        reference = self.job_reference()
        return f"job:{reference}" if reference else f"inst:{self.installation_combo.currentData()}"

    def select_job(self, reference: str | None) -> None:
        index = self.job_combo.findData(reference) if reference else 0
        if index >= 0:
            self.job_combo.setCurrentIndex(index)

    def set_port(self, key: str, protocol: str | None = None) -> None:
        """Pick a port by key (path, URL or sim:<profile>), adding a typed one if needed."""
        if protocol is not None:
            index = self.protocol_combo.findData(protocol)
            if index >= 0:
                self.protocol_combo.setCurrentIndex(index)
        index = self.port_combo.findData(key)
        if index < 0:
            self.port_combo.setEditText(key)
        else:
            self.port_combo.setCurrentIndex(index)

    def _show_port_start(self) -> None:
        """Long port descriptions: show their beginning, not their end."""
        line = self.port_combo.lineEdit()
        if line is not None:
            QTimer.singleShot(0, partial(line.setCursorPosition, 0))

    def _job_changed(self) -> None:
        job = self.current_job()
        self.installation_combo.setEnabled(job is None)
        if job is not None:
            index = self.installation_combo.findData(installation_key(job.installation_value))
            with QSignalBlocker(self.installation_combo):
                self.installation_combo.setCurrentIndex(max(0, index))
        self._choices_changed()

    def _choices_changed(self) -> None:
        self.save_choices()
        if (
            self._outcome is not None
            and self._check_op is None
            and self._context_key() != self._result_context
        ):
            # A verdict is about one device *and* one installation: never leave it on screen
            # under another job.
            self.clear_result("The job changed: scan the PPMID again to check it for this job.")

    def _port_changed(self) -> None:
        if not self._ports_loaded:
            return
        self.save_choices()
        self.listen_hint.hide()
        if self._read_op is not None and not self._read_explicit:
            self._read_op.cancel()  # the listener restarts on the new port when it has stopped
        else:
            self._sync_listener()

    # ------------------------------------------------------------------ loading
    def load(self) -> None:
        """Fill the job and port pickers (in the background)."""
        self.reload_jobs()
        self.refresh_ports()

    def reload_jobs(self) -> None:
        def work(_: OperationContext) -> list[browse.JobState]:
            with self.state.open_database() as db:
                return browse.list_jobs(db)

        self.state.runner.run(work, name="load jobs", on_success=self._jobs_arrived)

    def _jobs_arrived(self, states: list[browse.JobState]) -> None:
        wanted = self.job_reference()
        if self.job_combo.count() == 0:
            wanted = str(self.state.qsettings.value("check/job", "") or "") or None
        today = date.today().isoformat()
        jobs = sorted(
            (s.job for s in states),
            key=lambda j: (j.scheduled_for != today, j.scheduled_for or "", j.reference),
        )
        self._jobs = {job.reference: job for job in jobs}
        with QSignalBlocker(self.job_combo):
            self.job_combo.clear()
            self.job_combo.addItem("No job: set the installation type by hand", None)
            for job in jobs:
                self.job_combo.addItem(job_label(job, today), job.reference)
            index = self.job_combo.findData(wanted) if wanted else -1
            if index < 0 and jobs and jobs[0].scheduled_for == today:
                index = 1  # nothing chosen yet, or yesterday's job: today's first job
            self.job_combo.setCurrentIndex(max(0, index))
        self._job_changed()
        self.jobs_loaded.emit()

    def refresh_ports(self) -> None:
        simulators = self.state.simulators

        def work(_: OperationContext) -> list[ports.PortChoice]:
            found = ports.detected_ports()
            if simulators is not None:
                found += simulators.choices()
            return found

        self.refresh_ports_button.setEnabled(False)
        self.state.runner.run(
            work,
            name="list ports",
            on_success=self._ports_arrived,
            on_finished=lambda: self.refresh_ports_button.setEnabled(True),
        )

    def _ports_arrived(self, choices: list[ports.PortChoice]) -> None:
        current = self.port_key() if self._ports_loaded else ""
        if not current:
            current = str(self.state.qsettings.value("check/port", "") or "") or str(
                self.state.user_settings().get("default_port") or ""
            )
        with QSignalBlocker(self.port_combo):
            self.port_combo.clear()
            for choice in choices:
                self.port_combo.addItem(choice.label, choice.key)
                self.port_combo.setItemData(
                    self.port_combo.count() - 1, choice.label, Qt.ItemDataRole.ToolTipRole
                )
            if current:
                index = self.port_combo.findData(current)
                if index >= 0:
                    self.port_combo.setCurrentIndex(index)
                else:
                    self.port_combo.setEditText(current)
            elif choices:
                self.port_combo.setCurrentIndex(0)
            else:
                self.port_combo.setEditText("")
        self._ports_loaded = True
        self._show_port_start()
        self._port_changed()
        self.ports_loaded.emit()

    def _data_changed(self, kind: str) -> None:
        if kind == JOBS:
            self.reload_jobs()

    # ------------------------------------------------------------------ reading
    def busy(self) -> bool:
        return self._check_op is not None or (self._read_op is not None and self._read_explicit)

    def scan(self) -> None:
        """F5 / Scan: read the picked port now and check what it says."""
        if self._check_op is not None or self._decision_op is not None:
            return
        try:
            key = self._checked_port_key()
        except UserError as exc:
            self._show_problem(str(exc))
            return
        protocol = self.protocol()
        if self._read_op is not None:
            if self._read_explicit:
                return
            if self._read_port == (key, protocol):
                self._read_explicit = True  # the listener is already waiting on this port
                self._show_reading(protocol)
                return
            self._restart_explicit = True
            self._read_op.cancel()
            return
        self._start_read(key, protocol, explicit=True)

    def _checked_port_key(self) -> str:
        key = self.port_key()
        if not key:
            raise UserError("Pick the scanner's or probe's port first (or type its path or URL).")
        if not key.startswith(ports.SIM_PREFIX):
            ports.check_typed_port(key)
        return key

    def _start_read(self, key: str, protocol: str, *, explicit: bool) -> None:
        simulators = self.state.simulators
        self._retry.stop()

        def work(ctx: OperationContext) -> DeviceReading:
            path = ports.resolve(key, protocol, simulators)

            def progress(text: str) -> None:
                ctx.report(text, force=True)

            return checks.read_port(path, protocol, cancel=ctx.cancel, on_progress=progress)

        self._read_explicit = explicit
        self._read_port = (key, protocol)
        self._read_op = self.state.runner.run(
            work,
            name="read device" if explicit else "listen for scans",
            on_success=self._read_done,
            on_failure=self._read_failed,
            on_progress=self._read_progress,
        )
        if explicit:
            self._show_reading(protocol)
        else:
            where = self.port_combo.currentText()
            self.listen_hint.setText(f"Ready: scan a PPMID label (scanner on {where}).")
            self.listen_hint.show()

    def _show_reading(self, protocol: str) -> None:
        self.message.clear()
        self.clear_result("Reading the device…")
        self.listen_hint.hide()
        self.progress.start(
            READ_STEPS.get(protocol, READ_STEPS[ports.OPTICAL]),
            f"Reading from {self.port_combo.currentText()}",
        )
        self._update_actions()

    def _read_progress(self, text: object) -> None:
        if not self._read_explicit:
            return
        message = str(text)
        self.progress.set_step(1 if "reading" in message.lower() else 0, message)

    def _read_done(self, reading: DeviceReading) -> None:
        self._read_op = None
        if self._restart_explicit:
            self._restart_explicit = False
            self.scan()
            return
        explicit = self._read_explicit
        if not explicit:
            if (reading.device_id, self._context_key()) == self._last_auto_key:
                self._sync_listener()  # the same label again: already on screen
                return
            self.listen_hint.hide()
            self.clear_result("A label was scanned: checking…")
            self.progress.start(READ_STEPS[ports.BARCODE], "A label was scanned")
        self._read_explicit = True
        self._start_check(reading)

    def _read_failed(self, exc: BaseException) -> bool:
        self._read_op = None
        explicit = self._read_explicit
        self._read_explicit = False
        if self._restart_explicit:
            self._restart_explicit = False
            self.scan()
            return True
        if not explicit:
            if isinstance(exc, UserError):
                if not isinstance(exc, NoAnswer | ReadCancelled):
                    self.listen_hint.setText(f"Scanner: {exc}")
                    self.listen_hint.show()
                    self._retry.start()
                else:
                    self._sync_listener()
                return True
            return False
        self.progress.finish()
        self._update_actions()
        if self._outcome is None:
            self.placeholder.setText(PLACEHOLDER)
        if isinstance(exc, ReadCancelled):
            self.message.show_message(
                "info", "Reading was cancelled; nothing was read or recorded."
            )
        elif isinstance(exc, UserError):
            self._show_problem(f"The device could not be read. {exc}")
        self._sync_listener()
        return isinstance(exc, UserError)

    def cancel_read(self) -> None:
        """Cancel button / Esc: stop the read in progress (a running check finishes)."""
        if self._read_op is not None and self._read_explicit:
            self.progress.set_step(max(0, self.progress.current), "Cancelling…")
            self.progress.cancel_button.setEnabled(False)
            self._read_op.cancel()

    def _should_listen(self) -> bool:
        return (
            self._ports_loaded
            and self.isVisible()
            and self.listen_check.isChecked()
            and self.protocol() == ports.BARCODE
            and bool(self.port_key())
            and self._check_op is None
            and self._decision_op is None
            and self._dialog is None
            and self._read_op is None
            and not self._retry.isActive()
        )

    def _sync_listener(self) -> None:
        if not self._should_listen():
            if self._read_op is None:
                self.listen_hint.hide()
            return
        try:
            key = self._checked_port_key()
        except UserError:
            return
        self._start_read(key, ports.BARCODE, explicit=False)

    def stop_listening(self) -> None:
        self._retry.stop()
        if self._read_op is not None and not self._read_explicit:
            self._read_op.cancel()

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        wide = event.size().width() >= SIDE_BY_SIDE_WIDTH
        self.details.setDirection(
            QBoxLayout.Direction.LeftToRight if wide else QBoxLayout.Direction.TopToBottom
        )

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        QTimer.singleShot(0, self._sync_listener)

    def hideEvent(self, event: QHideEvent) -> None:
        super().hideEvent(event)
        self.stop_listening()

    # ------------------------------------------------------------------ checking
    def check_typed(self) -> None:
        if self.busy():
            return
        try:
            reading = typed_reading(self.device_id_edit.text())
        except UserError as exc:
            self._show_problem(str(exc))
            return
        self.stop_listening()
        self.clear_result("Checking the typed Device ID…")
        self.progress.start(TYPED_STEPS)
        self._typed = True
        self._start_check(reading)

    def _start_check(self, reading: DeviceReading) -> None:
        installation, reference = self.installation_choice()
        job = self.current_job()
        context_key = (reading.device_id, self._context_key())
        self.message.clear()
        self.progress.set_step(2, "Checking against the pre-notifications and the CPL…")
        self.progress.cancel_button.setEnabled(False)
        self.progress.show()

        def work(_: OperationContext) -> CheckOutcome:
            with self.state.open_database() as db:
                return checks.check_reading(
                    db, reading, installation=installation, job_reference=reference
                )

        def done(outcome: CheckOutcome) -> None:
            self._last_auto_key = context_key
            self._check_done(outcome, job)

        self._check_op = self.state.runner.run(
            work, name="check", on_success=done, on_failure=self._check_failed
        )
        self._update_actions()

    def _check_done(self, outcome: CheckOutcome, job: Job | None) -> None:
        self._check_op = None
        self._read_explicit = False
        self.progress.finish()
        typed = self._typed
        self._typed = False
        self.show_outcome(outcome, job)
        log.info("check %s: %s", outcome.check_id, outcome.verdict.verdict)
        self.state.changed(CHECKS)
        self._update_actions()
        if typed:
            self.device_id_edit.selectAll()
            self.device_id_edit.setFocus()
        elif self.join_button.isEnabled():
            self.join_button.setFocus()
        else:
            self.not_joined_button.setFocus()
        self._sync_listener()

    def _check_failed(self, exc: BaseException) -> bool:
        self._check_op = None
        self._read_explicit = False
        self._typed = False
        self.progress.finish()
        self._update_actions()
        if self._outcome is None:
            self.placeholder.setText(PLACEHOLDER)
        if isinstance(exc, UserError):
            self._show_problem(str(exc))
        self._sync_listener()
        return isinstance(exc, UserError)

    def show_outcome(self, outcome: CheckOutcome, job: Job | None) -> None:
        view = present(outcome.verdict, job)
        self._outcome, self._view, self._decided = outcome, view, False
        self._result_context = f"job:{job.reference}" if job else self._context_key()
        self.banner.show_view(view)
        self.prenotified_label.setText(view.prenotified_text)
        self.installation_label.setText(view.installation_text)
        self.device_label.setText(view.device_line)
        self.identity.show_rows(view.rows)
        self.sibling_label.setText(view.sibling_text)
        self.sibling_label.setVisible(bool(view.sibling_text))
        self.reasons.show_reasons(view.reasons)
        self.placeholder.hide()
        self.result.show()
        self.result_scroll.verticalScrollBar().setValue(0)
        if view.join_allowed:
            note = f"Check recorded ({outcome.check_id[:8]}). Record what you did."
        else:
            note = view.join_refusal
        self._set_decision_buttons(view.join_allowed, True, note)
        self.result_shown.emit(view.verdict)

    def clear_result(self, text: str = PLACEHOLDER) -> None:
        """Take the last verdict off the screen (a new read, another job)."""
        self._outcome = self._view = None
        self._decided = False
        self.result.hide()
        self.placeholder.setText(text)
        self.placeholder.show()
        self._set_decision_buttons(False, False, "")

    # ------------------------------------------------------------------ decisions
    def _set_decision_buttons(self, join: bool, not_joined: bool, note: str) -> None:
        self.join_button.setEnabled(join)
        self.not_joined_button.setEnabled(not_joined)
        if self._view is not None and not self._view.join_allowed:
            self.join_button.setToolTip(self._view.join_refusal)
            self.join_button.setAccessibleDescription(self._view.join_refusal)
        elif self._outcome is None:
            self.join_button.setToolTip("Check a device first")
            self.join_button.setAccessibleDescription("Check a device first")
        else:
            self.join_button.setToolTip("Record that this PPMID was joined")
            self.join_button.setAccessibleDescription("")
        self.decision_note.setText(note)

    def record_join(self) -> None:
        outcome = self._outcome
        if outcome is None or self._decided or self._decision_op is not None:
            return
        if outcome.verdict.blocked:  # the button is disabled; the service refuses it as well
            self._show_problem(self._view.join_refusal if self._view else "Join refused.")
            return

        def work(_: OperationContext) -> browse.StoredCheck:
            with self.state.open_database() as db:
                return checks.record_join(db, outcome.check_id)

        self._start_decision(work)

    def ask_not_joined(self) -> None:
        if self._outcome is None or self._decided or self._view is None:
            return
        codes = {r.code for r in self._view.reasons}
        suggested = (
            "Wrong installation type" if "WRONG_INSTALLATION_TYPE" in codes
            else "Not pre-notified" if "NOT_PRENOTIFIED" in codes
            else ""
        )  # fmt: skip
        self.stop_listening()  # no new check may replace this one while the dialog is open
        self._dialog_outcome = self._outcome
        self._dialog = NotJoinedDialog(self.window(), self._view.device_line, suggested)
        self._dialog.accepted.connect(self._not_joined_confirmed)
        self._dialog.rejected.connect(self._not_joined_dismissed)
        self._dialog.open()

    def _not_joined_dismissed(self) -> None:
        if self._dialog is not None:
            self._dialog.deleteLater()
        self._dialog = self._dialog_outcome = None
        self._sync_listener()

    def _not_joined_confirmed(self) -> None:
        dialog, outcome = self._dialog, self._dialog_outcome
        self._dialog = self._dialog_outcome = None
        if dialog is None or outcome is None:
            return
        reason = dialog.reason()
        dialog.deleteLater()

        def work(_: OperationContext) -> browse.StoredCheck:
            with self.state.open_database() as db:
                return checks.record_not_joined(db, outcome.check_id, reason)

        self._start_decision(work)

    def _start_decision(self, work: Callable[[OperationContext], browse.StoredCheck]) -> None:
        self.join_button.setEnabled(False)
        self.not_joined_button.setEnabled(False)
        self._decision_op = self.state.runner.run(
            work,
            name="record decision",
            on_success=self._decision_done,
            on_failure=self._decision_failed,
        )

    def _decision_done(self, stored: browse.StoredCheck) -> None:
        self._decision_op = None
        self._decided = True
        when = local_time(stored.decided_at or "")
        what = "Joined" if stored.decision == "joined" else "Not joined"
        extra = f" ({stored.decision_reason})" if stored.decision_reason else ""
        self.decision_note.setText(f"{what}{extra}: recorded {when}, waiting to sync.")
        self.message.show_message("success", f"Recorded: {what.lower()}, {stored.device_id}.")
        self.state.changed(CHECKS)
        self.decision_recorded.emit(stored.decision or "")
        self.scan_button.setFocus()
        self._sync_listener()

    def _decision_failed(self, exc: BaseException) -> bool:
        self._decision_op = None
        if self._view is not None and not self._decided:
            self._set_decision_buttons(self._view.join_allowed, True, self.decision_note.text())
        if isinstance(exc, UserError):
            self._show_problem(str(exc))
            return True
        return False

    # ------------------------------------------------------------------ helpers
    def _show_problem(self, text: str) -> None:
        self.message.show_message("error", text)

    def _update_actions(self) -> None:
        busy = self.busy()
        self.scan_button.setEnabled(not busy)
        self.check_typed_button.setEnabled(not busy)

    @property
    def outcome(self) -> CheckOutcome | None:
        return self._outcome

    @property
    def view(self) -> VerdictView | None:
        return self._view
