"""The Jobs page: today's imported jobs and where each stands (not started / checked / joined /
not joined). Double-click (or Enter) opens the Check page on that job."""

from __future__ import annotations

from datetime import date

from PySide6.QtCore import QModelIndex, QSize, Signal
from PySide6.QtGui import QIcon, QKeyEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from installer_app.services import browse
from installer_app.services.browse import JobState
from installer_app.ui import icons
from installer_app.ui.appstate import CHECKS, JOBS, AppState
from installer_app.ui.models.rows import Column, RowsModel
from installer_app.ui.operations import OperationContext
from installer_app.ui.presenter import VERDICT_WORDS
from installer_app.ui.widgets.common import button, label

STATE_ICON = {
    "not started": "state-not-started",
    "checked": "state-checked",
    "joined": "severity-allow",
    "not joined": "state-not-joined",
}
STATE_BACKGROUND = {"joined": "#E8F5E9", "not joined": "#ECEFF1", "checked": "#E3F2FD"}


def _state_icon(state: JobState) -> QIcon:
    return icons.icon(STATE_ICON.get(state.state, "state-not-started"))


def _last(state: JobState) -> str:
    return VERDICT_WORDS.get(state.last_verdict or "", "")


def _when(state: JobState) -> str:
    scheduled = state.job.scheduled_for or ""
    return "Today" if scheduled == date.today().isoformat() else scheduled


COLUMNS: tuple[Column[JobState], ...] = (
    Column("Reference", lambda s: s.job.reference),
    Column("Address", lambda s: s.job.address),
    Column("Installation", lambda s: str(s.job.installation_value)),
    Column("Expected PPMID", lambda s: s.job.expected_ppmid_id or "—"),
    Column("Scheduled", _when),
    Column("State", lambda s: s.state.capitalize(), _state_icon,
           lambda s: STATE_BACKGROUND.get(s.state)),
    Column("Last verdict", _last),
)  # fmt: skip


class JobsTable(QTableView):
    activated_row = Signal(int)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        from PySide6.QtCore import Qt

        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and self.currentIndex().isValid():
            self.activated_row.emit(self.currentIndex().row())
            return
        super().keyPressEvent(event)


class JobsPage(QWidget):
    open_job = Signal(str)
    """The installer wants to check this job (reference)."""
    loaded = Signal()

    def __init__(self, state: AppState, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("page")
        self.setAccessibleName("Jobs page")
        self.state = state
        self.model: RowsModel[JobState] = RowsModel(COLUMNS)
        root = QVBoxLayout(self)
        root.setContentsMargins(16, 12, 16, 8)
        top = QHBoxLayout()
        self.summary = label("Loading jobs…", "heading", name="jobsSummary")
        self.open_button = button("Check this job", "Check the selected job", primary=True)
        top.addWidget(self.summary, 1)
        top.addWidget(self.open_button)
        root.addLayout(top)
        root.addWidget(label("Double-click a job (or press Enter) to check its PPMID.", "hint"))
        self.table = JobsTable()
        self.table.setObjectName("jobsTable")
        self.table.setAccessibleName("Jobs")
        self.table.setModel(self.model)
        self.table.setAlternatingRowColors(True)
        self.table.setIconSize(QSize(24, 24))
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().setVisible(False)
        self.table.verticalHeader().setDefaultSectionSize(44)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        root.addWidget(self.table, 1)
        self.table.doubleClicked.connect(self._double_clicked)
        self.table.activated_row.connect(self._open_row)
        self.open_button.clicked.connect(self._open_selected)
        self.state.signals.data_changed.connect(self._data_changed)

    def load(self) -> None:
        def work(_: OperationContext) -> list[JobState]:
            with self.state.open_database() as db:
                return browse.list_jobs(db)

        self.state.runner.run(work, name="jobs page", on_success=self._arrived)

    def _arrived(self, states: list[JobState]) -> None:
        self.model.set_rows(states)
        if not states:
            self.summary.setText("No jobs on this laptop: import today's jobs on the Sync page.")
        else:
            counts = {name: sum(s.state == name for s in states) for name in STATE_ICON}
            self.summary.setText(
                f"{len(states)} job(s): " + ", ".join(f"{n} {k}" for k, n in counts.items() if n)
            )
        self.loaded.emit()

    def _data_changed(self, kind: str) -> None:
        if kind in (JOBS, CHECKS):
            self.load()

    def _double_clicked(self, index: QModelIndex) -> None:
        self._open_row(index.row())

    def _open_selected(self) -> None:
        index = self.table.currentIndex()
        if index.isValid():
            self._open_row(index.row())

    def _open_row(self, row: int) -> None:
        state = self.model.row(row)
        if state is not None:
            self.open_job.emit(state.job.reference)
