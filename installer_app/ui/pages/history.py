"""The History page: every check and its decision, newest first, filtered by date, job and
verdict, loaded a page at a time; export the filtered list to CSV."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from PySide6.QtCore import QSize, Signal
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLineEdit,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from installer_app.services import browse
from installer_app.services.browse import StoredCheck
from installer_app.ui import icons
from installer_app.ui.appstate import CHECKS, AppState
from installer_app.ui.models.rows import Column, RowsModel
from installer_app.ui.operations import OperationContext
from installer_app.ui.presenter import VERDICT_WORDS
from installer_app.ui.style import SEVERITY_ICON
from installer_app.ui.widgets.common import MessagePanel, button, label
from installer_app.ui.widgets.status import local_time

PAGE = 200
VERDICT_BACKGROUND = {"allow": "#E8F5E9", "warn": "#FFF3D6", "block": "#FDECEA"}
SINCE = (("Any date", None), ("Today", 0), ("Last 7 days", 7), ("Last 30 days", 30))


def _verdict_icon(check: StoredCheck) -> QIcon:
    name = "severity-allow" if check.verdict == "allow" else SEVERITY_ICON.get(check.verdict, "")
    return icons.icon(name) if name else QIcon()


def _decision(check: StoredCheck) -> str:
    if check.decision == "joined":
        return "Joined"
    if check.decision == "not-joined":
        return "Not joined"
    return "No decision yet"


def _reasons(check: StoredCheck) -> str:
    reasons = check.result.get("reasons")
    if not isinstance(reasons, list):
        return ""
    return ", ".join(str(r.get("code")) for r in reasons if isinstance(r, dict))


COLUMNS: tuple[Column[StoredCheck], ...] = (
    Column("When", lambda c: local_time(c.checked_at)),
    Column("Job", lambda c: c.job_reference or "—"),
    Column("Device", lambda c: c.device_id),
    Column("Installation", lambda c: c.installation),
    Column("Pre-notified as", lambda c: str(c.result.get("prenotified_as") or "unknown")),
    Column("Verdict", lambda c: VERDICT_WORDS.get(c.verdict, c.verdict), _verdict_icon,
           lambda c: VERDICT_BACKGROUND.get(c.verdict), _reasons),
    Column("Decision", _decision),
    Column("Why not joined", lambda c: c.decision_reason or ""),
)  # fmt: skip


def since_iso(days: int | None, now: datetime | None = None) -> str | None:
    """The UTC timestamp from which to show checks: local midnight ``days`` days ago."""
    if days is None:
        return None
    local_now = (now or datetime.now(UTC)).astimezone()
    start = local_now.replace(hour=0, minute=0, second=0, microsecond=0) - timedelta(days=days)
    return start.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


class HistoryPage(QWidget):
    loaded = Signal()
    exported = Signal(int)

    def __init__(self, state: AppState, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("page")
        self.setAccessibleName("History page")
        self.state = state
        self.model: RowsModel[StoredCheck] = RowsModel(COLUMNS)
        self.model.fetch_more_requested = self._fetch_more
        self._generation = 0
        root = QVBoxLayout(self)
        root.setContentsMargins(16, 12, 16, 8)
        filters = QHBoxLayout()
        self.since_combo = QComboBox()
        self.since_combo.setAccessibleName("Date")
        for text, days in SINCE:
            self.since_combo.addItem(text, days)
        self.job_edit = QLineEdit()
        self.job_edit.setPlaceholderText("Job reference (all jobs)")
        self.job_edit.setAccessibleName("Job reference")
        self.job_edit.setClearButtonEnabled(True)
        self.verdict_combo = QComboBox()
        self.verdict_combo.setAccessibleName("Verdict")
        self.verdict_combo.addItem("Every verdict", None)
        for key, words in VERDICT_WORDS.items():
            self.verdict_combo.addItem(words, key)
        self.export_button = button("Export CSV…", "Export the listed checks to a CSV file")
        filters.addWidget(label("Show"))
        filters.addWidget(self.since_combo)
        filters.addWidget(self.job_edit, 1)
        filters.addWidget(self.verdict_combo)
        filters.addWidget(self.export_button)
        root.addLayout(filters)
        self.message = MessagePanel(name="History message")
        root.addWidget(self.message)
        self.count_label = label("", "hint", name="historyCount")
        root.addWidget(self.count_label)
        self.table = QTableView()
        self.table.setObjectName("historyTable")
        self.table.setAccessibleName("Checks and decisions")
        self.table.setModel(self.model)
        self.table.setAlternatingRowColors(True)
        self.table.setIconSize(QSize(24, 24))
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().setVisible(False)
        self.table.verticalHeader().setDefaultSectionSize(44)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setStretchLastSection(True)
        root.addWidget(self.table, 1)
        self.since_combo.currentIndexChanged.connect(self.load)
        self.verdict_combo.currentIndexChanged.connect(self.load)
        self.job_edit.returnPressed.connect(self.load)
        self.job_edit.textChanged.connect(self._job_text_changed)
        self.export_button.clicked.connect(self._ask_export)
        self.state.signals.data_changed.connect(self._data_changed)

    def filters(self) -> dict[str, str | None]:
        return {
            "verdict": self.verdict_combo.currentData(),
            "job_reference": self.job_edit.text().strip() or None,
            "since": since_iso(self.since_combo.currentData()),
        }

    def load(self) -> None:
        self._generation += 1
        self._fetch(None, self._generation)

    def _fetch(self, after: tuple[str, int] | None, generation: int) -> None:
        filters = self.filters()

        def work(_: OperationContext) -> list[StoredCheck]:
            with self.state.open_database() as db:
                return browse.list_checks(
                    db,
                    verdict=filters["verdict"],
                    job_reference=filters["job_reference"],
                    since=filters["since"],
                    limit=PAGE,
                    after=after,
                )

        def arrived(rows: list[StoredCheck]) -> None:
            if generation != self._generation:
                return
            more = len(rows) == PAGE
            if after is None:
                self.model.set_rows(rows, more=more)
            else:
                self.model.append_rows(rows, more=more)
            shown = len(self.model.rows)
            self.count_label.setText(
                "No checks match." if shown == 0
                else f"{shown} check(s){' so far: scroll for more' if more else ''}"
            )  # fmt: skip
            self.loaded.emit()

        self.state.runner.run(work, name="history", on_success=arrived)

    def _fetch_more(self) -> None:
        rows = self.model.rows
        self._fetch(rows[-1].page_key if rows else None, self._generation)

    def _job_text_changed(self, text: str) -> None:
        if not text:
            self.load()

    def _data_changed(self, kind: str) -> None:
        if kind == CHECKS:
            self.load()

    def _ask_export(self) -> None:
        name = f"checks-{datetime.now().strftime('%Y%m%d-%H%M')}.csv"
        path, _ = QFileDialog.getSaveFileName(
            self, "Export checks", str(Path.home() / name), "CSV files (*.csv)"
        )
        if path:
            self.export_to(Path(path))

    def export_to(self, path: Path) -> None:
        filters = self.filters()
        self.export_button.setEnabled(False)

        def work(ctx: OperationContext) -> int:
            with self.state.open_database() as db:
                return browse.export_checks_csv(
                    db,
                    path,
                    verdict=filters["verdict"],
                    job_reference=filters["job_reference"],
                    since=filters["since"],
                    cancel=ctx.cancel,
                )

        def done(count: int) -> None:
            self.message.show_message("success", f"Exported {count} check(s) to {path}.")
            self.exported.emit(count)

        def failed(exc: BaseException) -> bool:
            from installer_app.errors import UserError

            if isinstance(exc, UserError):
                self.message.show_message("error", str(exc))
                return True
            return False

        self.state.runner.run(
            work,
            name="export history",
            on_success=done,
            on_failure=failed,
            on_finished=lambda: self.export_button.setEnabled(True),
        )
