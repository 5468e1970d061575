"""The Sync page: "Sync now" with the back office (pull reference data, jobs and
pre-notifications, push the records waiting), imports of the CPL, EPCL, advisory list,
pre-notifications and jobs from a file or URL, and the history of imports. Every one of these
runs in the background with progress and cancel; one at a time."""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFileDialog,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QProgressBar,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from installer_app import services
from installer_app.errors import UserError
from installer_app.services import browse, records
from installer_app.services import sync as sync_service
from installer_app.ui.appstate import (
    ADVISORIES,
    CHECKS,
    CPL,
    EPCL,
    JOBS,
    PRENOTIFICATIONS,
    SETTINGS,
    AppState,
)
from installer_app.ui.models.rows import Column, RowsModel
from installer_app.ui.operations import Operation, OperationContext
from installer_app.ui.widgets.common import MessagePanel, button, label
from installer_app.ui.widgets.dialogs import TextDialog
from installer_app.ui.widgets.status import local_time

SYNC_STAGES = {
    "connect": "connecting",
    "cpl": "CPL",
    "epcl": "EPCL",
    "advisories": "firmware advisories",
    "jobs": "jobs",
    "prenotifications": "pre-notifications",
    "apply": "saving",
    "push": "sending records",
}

KINDS: tuple[tuple[str, str, bool], ...] = (
    # kind, what, from a URL too
    (CPL, "CPL (Central Products List)", True),
    (EPCL, "SMETS1 EPCL", True),
    (ADVISORIES, "Firmware advisories", True),
    (PRENOTIFICATIONS, "Pre-notifications", False),
    (JOBS, "Jobs", False),
)
WHAT = {kind: what for kind, what, _ in KINDS}
FILTERS = {
    PRENOTIFICATIONS: "Pre-notifications (*.xml *.csv);;All files (*)",
    JOBS: "Jobs (*.json);;All files (*)",
}
STAGES = {"download": "Downloading", "parse": "Checking every line", "store": "Saving"}


@dataclass(frozen=True, slots=True)
class HistoryRow:
    when: str
    what: str
    source: str
    rows: str
    detail: str


def _version_row(version: browse.VersionInfo) -> HistoryRow:
    changes = version.summary.get("changes")
    detail = f"version {version.label}"
    if isinstance(changes, dict):
        detail += (
            f" · +{changes.get('added', 0)} −{changes.get('removed', 0)} "
            f"~{changes.get('changed', 0)}"
        )
    if version.confirmed_at != version.imported_at:
        detail += f" · confirmed {local_time(version.confirmed_at)}"
    return HistoryRow(
        local_time(version.imported_at), WHAT.get(version.kind, version.kind), version.source,
        f"{version.rows:,}", detail,
    )  # fmt: skip


HISTORY_COLUMNS: tuple[Column[HistoryRow], ...] = (
    Column("When", lambda r: r.when),
    Column("What", lambda r: r.what),
    Column("Entries", lambda r: r.rows),
    Column("Source", lambda r: r.source),
    Column("Result", lambda r: r.detail),
)


class SyncPage(QWidget):
    import_finished = Signal(str, bool)
    """(kind, succeeded) after an import ends, whatever the outcome."""
    sync_finished = Signal(bool)
    """After a back-office sync ends: whether it completed."""
    back_office_reachable = Signal(bool)
    """What a sync learnt of the network: the back office answered, or could not be reached."""
    history_loaded = Signal()

    def __init__(self, state: AppState, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("page")
        self.setAccessibleName("Sync page")
        self.state = state
        self._op: Operation | None = None
        self._session_rows: list[HistoryRow] = []
        self.import_buttons: list[QPushButton] = []
        root = QVBoxLayout(self)
        root.setContentsMargins(16, 12, 16, 8)
        root.setSpacing(10)

        sync_box = QGroupBox("Back-office sync")
        sync_layout = QHBoxLayout(sync_box)
        self.sync_button = button("Sync now", primary=True)
        self.sync_button.setEnabled(False)
        self.sync_button.setToolTip("Set the back-office address and token in Settings first")
        self.sync_button.clicked.connect(self.start_sync)
        self.sync_note = label(
            "The back-office connection is not set up on this laptop yet. Until it is, import "
            "the files the back office sent you below.",
            "hint", wrap=True, name="syncNote",
        )  # fmt: skip
        sync_layout.addWidget(self.sync_note, 1)
        sync_layout.addWidget(self.sync_button)
        root.addWidget(sync_box)

        import_box = QGroupBox("Import from a file or a web address")
        grid = QGridLayout(import_box)
        grid.setHorizontalSpacing(10)
        self.file_buttons: dict[str, QPushButton] = {}
        self.url_buttons: dict[str, QPushButton] = {}
        for row, (kind, what, url) in enumerate(KINDS):
            grid.addWidget(QLabel(what), row, 0)
            many = kind == PRENOTIFICATIONS
            from_file = button("From files…" if many else "From a file…",
                               f"Import {what} from {'files' if many else 'a file'}")  # fmt: skip
            from_file.clicked.connect(partial(self._ask_file, kind))
            grid.addWidget(from_file, row, 1)
            self.file_buttons[kind] = from_file
            self.import_buttons.append(from_file)
            if url:
                from_url = button("From a web address…", f"Import {what} from a web address")
                from_url.clicked.connect(partial(self._ask_url, kind))
                grid.addWidget(from_url, row, 2)
                self.url_buttons[kind] = from_url
                self.import_buttons.append(from_url)
        grid.setColumnStretch(3, 1)
        root.addWidget(import_box)

        progress_row = QHBoxLayout()
        self.progress_label = label("", "hint", name="importProgressText")
        self.progress_bar = QProgressBar()
        self.progress_bar.setAccessibleName("Import progress")
        self.cancel_button = button("Cancel", tooltip="Stop; nothing unfinished is kept")
        progress_row.addWidget(self.progress_label, 1)
        progress_row.addWidget(self.progress_bar, 1)
        progress_row.addWidget(self.cancel_button)
        self.progress_widget = QWidget()
        self.progress_widget.setLayout(progress_row)
        self.progress_widget.hide()
        root.addWidget(self.progress_widget)
        self.message = MessagePanel(name="Import result")
        root.addWidget(self.message)

        root.addWidget(label("Import history", "heading"))
        self.history: RowsModel[HistoryRow] = RowsModel(HISTORY_COLUMNS)
        self.history_table = QTableView()
        self.history_table.setObjectName("importHistory")
        self.history_table.setAccessibleName("Import history")
        self.history_table.setModel(self.history)
        self.history_table.setAlternatingRowColors(True)
        self.history_table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.history_table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.history_table.verticalHeader().setVisible(False)
        self.history_table.verticalHeader().setDefaultSectionSize(40)
        header = self.history_table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setStretchLastSection(True)
        root.addWidget(self.history_table, 1)
        self.cancel_button.clicked.connect(self.cancel_import)
        self.state.signals.data_changed.connect(self._data_changed)

    # ------------------------------------------------------------------ history
    def load(self) -> None:
        def work(_: OperationContext) -> list[browse.VersionInfo]:
            with self.state.open_database() as db:
                return browse.reference_history(db)

        self.state.runner.run(work, name="import history", on_success=self._history_arrived)
        values = self.state.user_settings()
        last, error = values.get("last_sync_at"), values.get("last_sync_error")
        server, has_token = sync_service.connection_settings(self.state.data_dir)
        when = f" Last sync: {local_time(str(last))}." if last else " Last sync: never."
        if server and has_token:
            self.sync_button.setEnabled(self._op is None)
            self.sync_button.setToolTip(f"Pull from and push to {server}")
            text = f"Back office: {server}.{when}"
            if error:
                text += f" Last attempt: {error}"
        else:
            self.sync_button.setEnabled(False)
            text = (
                "The back-office address and token are not set up on this laptop yet (Settings). "
                "Until they are, import the files the back office sent you below." + when
            )
        self.sync_note.setText(text)

    # ------------------------------------------------------------------ back-office sync
    def start_sync(self) -> None:
        """Sync with the back office in the background (pull, then push)."""
        if self._op is not None:
            return

        def work(ctx: OperationContext) -> sync_service.SyncReport:
            def progress(stage: str, done: int, total: int | None) -> None:
                ctx.report((f"sync-{stage}", done, total))

            return sync_service.sync_now(self.state.data_dir, progress=progress, cancel=ctx.cancel)

        self.message.clear()
        self.progress_label.setText("Connecting to the back office…")
        self.progress_bar.setRange(0, 0)
        self.cancel_button.setEnabled(True)
        self.progress_widget.show()
        self.sync_button.setEnabled(False)
        for widget in self.import_buttons:
            widget.setEnabled(False)
        self._op = self.state.runner.run(
            work,
            name="sync",
            on_success=self._synced,
            on_failure=self._sync_failed,
            on_progress=self._progress,
            on_finished=self._sync_finished,
        )

    def _synced(self, report: sync_service.SyncReport) -> None:
        self.back_office_reachable.emit(True)
        self.message.show_message("success" if report.ok else "warn", "\n".join(report.lines()))
        self.sync_finished.emit(True)

    def _sync_failed(self, exc: BaseException) -> bool:
        self.sync_finished.emit(False)
        category = getattr(exc, "category", "")
        if category in ("offline", "token", "server"):
            self.back_office_reachable.emit(category != "offline")
        if isinstance(exc, UserError):
            self.message.show_message("error", f"Sync stopped: {exc} Nothing unfinished was kept.")
            return True
        self.message.show_message(
            "error", "The sync stopped on an unexpected problem; nothing unfinished was kept."
        )
        return False

    def _sync_finished(self) -> None:
        self._finished()
        for kind in (CPL, EPCL, ADVISORIES, JOBS, PRENOTIFICATIONS, CHECKS, SETTINGS):
            self.state.changed(kind)

    def _history_arrived(self, versions: list[browse.VersionInfo]) -> None:
        rows = [*self._session_rows, *(_version_row(v) for v in versions)]
        rows.sort(key=lambda r: r.when, reverse=True)
        self.history.set_rows(rows)
        self.history_loaded.emit()

    def _data_changed(self, kind: str) -> None:
        if kind in (CPL, EPCL, ADVISORIES, PRENOTIFICATIONS, JOBS, SETTINGS):
            self.load()

    # ------------------------------------------------------------------ importing
    def _ask_file(self, kind: str) -> None:
        title = f"Import {WHAT[kind]}"
        if kind == PRENOTIFICATIONS:
            files, _ = QFileDialog.getOpenFileNames(self, title, "", FILTERS[kind])
            if files:
                self.start_import(kind, files)
            return
        path, _ = QFileDialog.getOpenFileName(
            self, title, "", FILTERS.get(kind, "CSV files (*.csv);;All files (*)")
        )
        if path:
            self.start_import(kind, [path])

    def _ask_url(self, kind: str) -> None:
        dialog = TextDialog(
            self.window(), f"Import {WHAT[kind]} from a web address",
            "The https:// address of the file (a redirect or an unchanged file is handled).",
            "https://",
        )  # fmt: skip
        dialog.accepted.connect(partial(self._url_given, kind, dialog))
        dialog.open()

    def _url_given(self, kind: str, dialog: TextDialog) -> None:
        url = dialog.value()
        dialog.deleteLater()
        if url and url != "https://":
            self.start_import(kind, [url])

    def busy(self) -> bool:
        return self._op is not None

    def start_import(self, kind: str, sources: list[str]) -> None:
        """Import ``sources`` as ``kind`` in the background (one import at a time)."""
        if self._op is not None:
            return
        shown = ", ".join(sources)

        def work(ctx: OperationContext) -> tuple[str, HistoryRow | None]:
            def progress(stage: str, done: int, total: int | None) -> None:
                ctx.report((stage, done, total), force=stage != "download")

            with self.state.open_database() as db:
                if kind in (CPL, EPCL, ADVISORIES):
                    result = services.import_reference(
                        db, kind, sources[0], progress=progress, cancel=ctx.cancel
                    )
                    return result.summary_line(), None
                if kind == PRENOTIFICATIONS:
                    info = records.import_prenotifications(db, sources)
                    text = (f"Pre-notifications imported: {info.rows} record(s) for "
                            f"{info.summary.get('devices', '?')} device(s).")  # fmt: skip
                else:
                    info = records.import_jobs(db, sources[0])
                    text = f"Jobs imported: {info.rows} job(s) from {sources[0]}."
                row = HistoryRow(local_time(info.imported_at), WHAT[kind], info.source,
                                 f"{info.rows:,}", "imported")  # fmt: skip
                return text, row

        self.message.clear()
        self.progress_label.setText(f"Importing {WHAT[kind]} from {shown}…")
        self.progress_bar.setRange(0, 0)
        self.cancel_button.setEnabled(kind in (CPL, EPCL, ADVISORIES))
        self.progress_widget.show()
        for widget in self.import_buttons:
            widget.setEnabled(False)
        self._op = self.state.runner.run(
            work,
            name=f"import {kind}",
            on_success=partial(self._imported, kind),
            on_failure=partial(self._failed, kind),
            on_progress=self._progress,
            on_finished=self._finished,
        )

    def _progress(self, payload: object) -> None:
        if not isinstance(payload, tuple) or len(payload) != 3:
            return
        stage, done, total = payload
        if self._op is not None and self._op.cancelled:
            return  # "Cancelling…" stays until the import has stopped
        if str(stage).startswith("sync-"):
            step = SYNC_STAGES.get(str(stage)[5:], str(stage)[5:])
            if isinstance(total, int) and total > 0:
                self.progress_bar.setRange(0, total)
                self.progress_bar.setValue(min(int(done), total))
            else:
                self.progress_bar.setRange(0, 0)
            self.progress_label.setText(f"Sync: {step}…")
            return
        name = STAGES.get(str(stage), str(stage))
        if stage == "download" and isinstance(total, int) and total > 0:
            self.progress_bar.setRange(0, total)
            self.progress_bar.setValue(min(int(done), total))
        else:  # checking and saving report no steps: a busy bar, never a stuck 0 %
            self.progress_bar.setRange(0, 0)
        if stage == "store" and isinstance(total, int):
            self.progress_label.setText(f"{name} {total:,} entries…")
        else:
            self.progress_label.setText(f"{name}…")
        if stage == "store":
            self.cancel_button.setEnabled(False)  # the swap is all-or-nothing and quick

    def cancel_import(self) -> None:
        if self._op is not None:
            self._op.cancel()
            self.cancel_button.setEnabled(False)
            self.progress_label.setText("Cancelling… (nothing is changed)")

    def _imported(self, kind: str, result: tuple[str, HistoryRow | None]) -> None:
        summary, row = result
        if row is not None:
            self._session_rows.append(row)
        self.message.show_message("success", summary)
        self.state.changed(kind)
        self.import_finished.emit(kind, True)

    def _failed(self, kind: str, exc: BaseException) -> bool:
        self.import_finished.emit(kind, False)
        if isinstance(exc, UserError):
            self.message.show_message("error", str(exc))
            return True
        self.message.show_message(
            "error", f"The {WHAT[kind]} import stopped on an unexpected problem; nothing was "
            "changed."
        )  # fmt: skip
        return False

    def _finished(self) -> None:
        self._op = None
        self.progress_widget.hide()
        for widget in self.import_buttons:
            widget.setEnabled(True)
        server, has_token = sync_service.connection_settings(self.state.data_dir)
        self.sync_button.setEnabled(bool(server and has_token))
