"""The CPL page: search and filter the whole list (SQLite does the work), see a model's entries
side by side, and the list's version, source, age and what changed since the previous one."""

from __future__ import annotations

from PySide6.QtCore import QItemSelection, QModelIndex, QSignalBlocker, Qt, QTimer, Signal
from PySide6.QtGui import QFocusEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLineEdit,
    QSplitter,
    QTableView,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from installer_app.domain.model import CPL_STATUSES, CplEntry
from installer_app.services import browse
from installer_app.services.browse import CplOverview, FindQuery
from installer_app.ui.appstate import CPL, SETTINGS, AppState
from installer_app.ui.models.cpl import COLUMNS, CplTableModel
from installer_app.ui.operations import OperationContext
from installer_app.ui.style import set_property
from installer_app.ui.widgets.common import MessagePanel, button, label
from installer_app.ui.widgets.status import age_text, local_time

CHANGES_SHOWN = 12
"""Entries listed under \"What changed?\" (of each kind: added, removed, changed)."""

SEARCH_DELAY_MS = 250


class LazyComboBox(QComboBox):
    """A combo box that asks for its items when first opened or focused (the manufacturer
    list takes a walk over the whole CPL: it is not worth doing until someone wants it)."""

    wanted = Signal()

    def showPopup(self) -> None:
        self.wanted.emit()
        super().showPopup()

    def focusInEvent(self, event: QFocusEvent) -> None:
        self.wanted.emit()
        super().focusInEvent(event)


COLUMN_WIDTHS = (90, 170, 90, 200, 120, 110, 120, 120, 110, 130)


class CplPage(QWidget):
    overview_loaded = Signal()

    def __init__(self, state: AppState, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("page")
        self.setAccessibleName("CPL page")
        self.state = state
        self.model = CplTableModel(state)
        self.overview: CplOverview | None = None
        self._loaded_version: int | None = None
        self._makers_version = -1
        self._selected_row: int | None = None
        self._build()

    def _build(self) -> None:
        root = QVBoxLayout(self)
        root.setContentsMargins(16, 12, 16, 8)
        root.setSpacing(8)
        header = QHBoxLayout()
        self.version_label = label("CPL: loading…", "heading", wrap=True, name="cplVersion")
        self.version_label.setAccessibleName("CPL version")
        self.changes_button = button("What changed?", "What changed since the previous version")
        self.changes_button.setCheckable(True)
        header.addWidget(self.version_label, 1)
        header.addWidget(self.changes_button)
        root.addLayout(header)
        self.changes = MessagePanel(name="What changed")
        self.changed_entries: list[str] = []
        root.addWidget(self.changes)

        filters = QHBoxLayout()
        filters.setSpacing(8)
        self.search_edit = QLineEdit()
        self.search_edit.setPlaceholderText("Search manufacturer, model, name or firmware")
        self.search_edit.setAccessibleName("Search the CPL")
        self.search_edit.setClearButtonEnabled(True)
        self.type_combo = QComboBox()
        self.type_combo.setAccessibleName("Device type")
        self.type_combo.addItem("All device types", None)
        self.manufacturer_combo = LazyComboBox()
        self.manufacturer_combo.setAccessibleName("Manufacturer")
        self.manufacturer_combo.addItem("All manufacturers", None)
        self.manufacturer_combo.setMinimumContentsLength(18)
        self.generation_combo = QComboBox()
        self.generation_combo.setAccessibleName("SMETS generation")
        for text, value in (("Any generation", None), ("SMETS1", "SMETS1"), ("SMETS2+", "SMETS2+")):
            self.generation_combo.addItem(text, value)
        self.status_combo = QComboBox()
        self.status_combo.setAccessibleName("Status")
        self.status_combo.addItem("Any status", None)
        for status in CPL_STATUSES:
            self.status_combo.addItem(status, status)
        self.bilingual_check = QCheckBox("Bilingual only")
        self.bilingual_check.setAccessibleName("Bilingual models only")
        self.count_label = label("", "hint", name="cplCount")
        self.count_label.setAccessibleName("Matching entries")
        self.count_label.setMinimumWidth(220)
        search_row = QHBoxLayout()
        search_row.addWidget(self.search_edit, 1)
        search_row.addWidget(self.bilingual_check)
        search_row.addWidget(self.count_label)
        root.addLayout(search_row)
        for widget in (self.type_combo, self.manufacturer_combo, self.generation_combo,
                       self.status_combo):  # fmt: skip
            filters.addWidget(widget, 1)
        root.addLayout(filters)

        splitter = QSplitter(Qt.Orientation.Vertical)
        self.table = QTableView()
        self.table.setObjectName("cplTable")
        self.table.setAccessibleName("CPL entries")
        self.table.setModel(self.model)
        self.table.setAlternatingRowColors(True)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.table.setWordWrap(False)
        vertical = self.table.verticalHeader()
        vertical.setVisible(False)
        vertical.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        vertical.setDefaultSectionSize(40)
        horizontal = self.table.horizontalHeader()
        horizontal.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        horizontal.setStretchLastSection(True)
        horizontal.setSortIndicator(self.model.sort_column, self.model.sort_order)
        horizontal.setSortIndicatorShown(True)
        for column, width in enumerate(COLUMN_WIDTHS[: len(COLUMNS)]):
            self.table.setColumnWidth(column, width)
        self.table.setSortingEnabled(True)
        splitter.addWidget(self.table)

        side = QWidget()
        side_layout = QVBoxLayout(side)
        side_layout.setContentsMargins(0, 6, 0, 0)
        self.model_title = label("Pick an entry to see every entry of its model side by side",
                                 "heading", wrap=True, name="modelTitle")  # fmt: skip
        self.model_table = QTableWidget(0, 5)
        self.model_table.setObjectName("modelEntries")
        self.model_table.setAccessibleName("Entries of the selected model")
        self.model_table.setHorizontalHeaderLabels(
            ["Type", "Hardware", "Firmware", "Generation", "Status"]
        )
        self.model_table.verticalHeader().setVisible(False)
        self.model_table.verticalHeader().setDefaultSectionSize(40)
        self.model_table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.model_table.horizontalHeader().setSectionResizeMode(
            QHeaderView.ResizeMode.ResizeToContents
        )
        self.model_table.horizontalHeader().setStretchLastSection(True)
        self.model_note = label("", "hint", wrap=True, name="modelNote")
        side_layout.addWidget(self.model_title)
        side_layout.addWidget(self.model_table, 1)
        side_layout.addWidget(self.model_note)
        splitter.addWidget(side)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 1)
        splitter.setSizes([560, 200])
        root.addWidget(splitter, 1)

        self._search_timer = QTimer(self)
        self._search_timer.setSingleShot(True)
        self._search_timer.setInterval(SEARCH_DELAY_MS)
        self._search_timer.timeout.connect(self.apply_filters)
        self.search_edit.textChanged.connect(self._search_timer.start)
        self.search_edit.returnPressed.connect(self.apply_filters)
        for combo in (self.type_combo, self.manufacturer_combo, self.generation_combo,
                      self.status_combo):  # fmt: skip
            combo.currentIndexChanged.connect(self.apply_filters)
        self.bilingual_check.toggled.connect(self.apply_filters)
        self.manufacturer_combo.wanted.connect(self._load_manufacturers)
        self.changes_button.toggled.connect(self._toggle_changes)
        self.model.searched.connect(self._searched)
        self.model.first_page_shown.connect(self._first_page_shown)
        self.model.page_loaded.connect(self._page_loaded)
        self.model.modelReset.connect(self._forget_selection)
        self.model.search_started.connect(self._search_started)
        selection = self.table.selectionModel()
        selection.selectionChanged.connect(self._selection_changed)
        self.state.signals.data_changed.connect(self._data_changed)

    # ------------------------------------------------------------------ loading
    def load(self) -> None:
        """Header, filter lists and the first page (all in the background)."""

        def work(_: OperationContext) -> CplOverview:
            with self.state.open_database() as db:
                return browse.cpl_overview(db)

        self.state.runner.run(work, name="cpl overview", on_success=self._overview_arrived)

    def ensure_loaded(self) -> None:
        if self.overview is None and not self.model.searching:
            self.load()

    def _data_changed(self, kind: str) -> None:
        if kind == CPL or (kind == SETTINGS and self.overview is not None):
            self.load()

    def _overview_arrived(self, overview: CplOverview) -> None:
        self.overview = overview
        self._show_header(overview)
        current = overview.current
        version = current.id if current else None
        if version != self._loaded_version or self.model.total == 0:
            self._loaded_version = version
            found = current.summary.get("by_device_type") if current else None
            types: dict[str, int] = found if isinstance(found, dict) else {}
            with QSignalBlocker(self.type_combo):
                wanted = self.type_combo.currentData()
                self.type_combo.clear()
                self.type_combo.addItem("All device types", None)
                for name in sorted(types):
                    self.type_combo.addItem(f"{name} ({int(types[name]):,})", name)
                self.type_combo.setCurrentIndex(max(0, self.type_combo.findData(wanted)))
            self._makers_version = -1  # reloaded when the list is next opened
            self.apply_filters()
        self.overview_loaded.emit()

    def _load_manufacturers(self) -> None:
        version = self._loaded_version or 0
        if self._makers_version == version:
            return
        self._makers_version = version

        def work(ctx: OperationContext) -> list[tuple[str, str]]:
            with self.state.open_database() as db:
                return browse.cpl_manufacturers(db, ctx.cancel)

        self.state.runner.run(work, name="cpl manufacturers", on_success=self._manufacturers)

    def _manufacturers(self, makers: list[tuple[str, str]]) -> None:
        with QSignalBlocker(self.manufacturer_combo):
            wanted = self.manufacturer_combo.currentData()
            self.manufacturer_combo.clear()
            self.manufacturer_combo.addItem("All manufacturers", None)
            for ident, name in makers:
                self.manufacturer_combo.addItem(f"{name} · {ident}" if name else ident, ident)
            self.manufacturer_combo.setCurrentIndex(
                max(0, self.manufacturer_combo.findData(wanted))
            )

    def _show_header(self, overview: CplOverview) -> None:
        current = overview.current
        if current is None:
            self.version_label.setText("No CPL on this laptop yet: import one on the Sync page.")
            set_property(self.version_label, "stale", True)
            self.changes_button.setEnabled(False)
            return
        age = age_text(current.age_days())
        stale = " — older than the limit, sync soon" if overview.stale else ""
        self.version_label.setText(
            f"CPL version {current.label} · {current.rows:,} entries · from {current.source} · "
            f"imported {local_time(current.imported_at)} · {age}{stale}"
        )
        self.changes_button.setEnabled(True)
        self._toggle_changes(self.changes_button.isChecked())

    def changes_text(self) -> str:
        overview = self.overview
        if overview is None or overview.current is None:
            return ""
        current, previous, changes = overview.current, overview.previous, overview.changes()
        summary = current.summary
        gens = summary.get("by_generation", {})
        parts = []
        if isinstance(gens, dict) and gens:
            parts.append(", ".join(f"{k} {v:,}" for k, v in sorted(gens.items())))
        bilingual = summary.get("bilingual_models")
        if bilingual is not None:
            parts.append(f"{bilingual} bilingual PPMID model(s)")
        this = f"This version: {current.rows:,} entries ({'; '.join(parts)})."
        if previous is None or changes is None:
            return f"{this} It is the first CPL imported on this laptop: nothing to compare with."
        return (
            f"{this} Since the previous version ({previous.label}, imported "
            f"{local_time(previous.imported_at)}, {previous.rows:,} entries): "
            f"{changes.get('added', 0):,} added, {changes.get('removed', 0):,} removed, "
            f"{changes.get('changed', 0):,} changed (status, generation or names)."
        )

    def _toggle_changes(self, shown: bool) -> None:
        if not (shown and self.changes_text()):
            self.changes.clear()
            return
        self.changes.show_message("info", self.changes_text())
        overview = self.overview
        if overview is None or overview.previous is None:
            return

        def work(_: OperationContext) -> list[browse.CplChange]:
            with self.state.open_database() as db:
                return browse.cpl_changed_entries(db, CHANGES_SHOWN)

        self.state.runner.run(work, name="cpl changes", on_success=self._changes_arrived)

    def _changes_arrived(self, changes: list[browse.CplChange]) -> None:
        if not self.changes_button.isChecked() or not changes:
            return
        lines = [change.text() for change in changes]
        self.changed_entries = lines
        self.changes.show_message("info", "\n".join([self.changes_text(), *lines]))

    # ------------------------------------------------------------------ searching
    def current_query(self) -> FindQuery:
        text = self.search_edit.text().strip()
        return FindQuery(
            text=text or None,
            device_type=self.type_combo.currentData(),
            manufacturer=self.manufacturer_combo.currentData(),
            generation=self.generation_combo.currentData(),
            status=self.status_combo.currentData(),
            bilingual_only=self.bilingual_check.isChecked(),
            order_by=self.model.query.order_by,
        )

    def apply_filters(self) -> None:
        self._search_timer.stop()
        self.model.search(self.current_query())

    def _search_started(self) -> None:
        self.count_label.setText("Searching…")

    def _first_page_shown(self) -> None:
        if self.model.counting:
            self.count_label.setText(f"{self.model.total:,}+ entries, counting…")

    def _searched(self, total: int) -> None:
        if self.overview is not None and self.overview.current is not None:
            of = self.overview.current.rows
            self.count_label.setText(
                f"{total:,} of {of:,} entries" if total != of else f"All {total:,} entries"
            )
        else:
            self.count_label.setText(f"{total:,} entries")

    # ------------------------------------------------------------------ the model panel
    def _selection_changed(self, selected: QItemSelection, _: QItemSelection) -> None:
        indexes = selected.indexes()
        if not indexes:
            return
        row = indexes[0].row()
        entry = self.model.entry(row)
        if entry is not None:
            self._selected_row = None
            self.show_model(entry)
        else:  # its page is on its way: show the model when it arrives
            self._selected_row = row
            self.model_title.setText("Loading the entry…")

    def _page_loaded(self, _page: int) -> None:
        if self._selected_row is None:
            return
        entry = self.model.entry(self._selected_row)
        if entry is not None:
            self._selected_row = None
            self.show_model(entry)

    def _forget_selection(self) -> None:
        self._selected_row = None

    def select_row(self, row: int) -> None:
        self.table.selectRow(row)
        self.table.scrollTo(self.model.index(row, 0))

    def show_model(self, entry: CplEntry) -> None:
        maker, model = entry.manufacturer_id, entry.model_id

        def work(_: OperationContext) -> list[CplEntry]:
            with self.state.open_database() as db:
                return browse.cpl_model_entries(db, maker, model)

        self.model_title.setText(
            f"{entry.manufacturer_name} {entry.model_name}  ({maker} / {model})".strip()
        )
        self.state.runner.run(work, name="cpl model", on_success=self._model_entries)

    def _model_entries(self, entries: list[CplEntry]) -> None:
        self.model_table.setRowCount(len(entries))
        for row, entry in enumerate(entries):
            values = (entry.device_type, entry.hardware_version, entry.firmware_version,
                      str(entry.smets_generation), entry.status)  # fmt: skip
            for column, value in enumerate(values):
                item = QTableWidgetItem(value)
                if column == 4 and not entry.active:
                    item.setForeground(Qt.GlobalColor.darkRed)
                self.model_table.setItem(row, column, item)
        if any(e.bilingual for e in entries):
            self.model_note.setText(
                "⇄ Bilingual model: it has SMETS1 and SMETS2+ entries. A PPMID works only as "
                "the generation it was pre-notified as; the SMETS1 entry's firmware is a "
                "differentiating value the device never reports."
            )
        else:
            self.model_note.setText("")

    def row_index(self, row: int, column: int = 0) -> QModelIndex:
        return self.model.index(row, column)
