"""The CPL table: a window onto SQLite, never a copy of the list.

SQLite filters, sorts and counts (``services.browse``); the model knows only the row count and
the pages of ``PAGE_SIZE`` entries that the view has asked for, fetched in the background and
kept in a small LRU cache. A row whose page has not arrived yet shows "…" for a moment. Sorting a
column re-runs the query with a new ORDER BY. There is no proxy model anywhere.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import replace
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QPersistentModelIndex,
    Qt,
    Signal,
)
from PySide6.QtGui import QBrush, QColor, QFont

from installer_app.domain.model import CplEntry
from installer_app.services import browse
from installer_app.services.browse import FindQuery
from installer_app.ui.appstate import AppState
from installer_app.ui.operations import Operation, OperationContext

PAGE_SIZE = 200
MAX_PAGES = 24
"""At most this many pages (4,800 entries) are held; the least recently used go first."""
LOADING = "…"
BILINGUAL = "⇄ Bilingual"

COLUMNS: tuple[tuple[str, str | None], ...] = (
    ("Type", "device_type"),
    ("Manufacturer", "manufacturer_name"),
    ("Mfr ID", "manufacturer_id"),
    ("Model", "model_name"),
    ("Model ID", "model_id"),
    ("Hardware", "hardware_version"),
    ("Firmware", "firmware_version"),
    ("Generation", "smets_generation"),
    ("Status", "status"),
    ("Bilingual", None),
)
DEFAULT_ORDER = FindQuery().order_by
_INDEX = QModelIndex | QPersistentModelIndex


def _cell(entry: CplEntry, field: str | None) -> str:
    if field is None:
        return BILINGUAL if entry.bilingual else ""
    return str(getattr(entry, field))


class CplTableModel(QAbstractTableModel):
    searched = Signal(int)
    """A search finished: the number of matching entries is known (and shown)."""
    first_page_shown = Signal()
    """A search's first page is on screen (its count may still be coming)."""
    search_started = Signal()
    page_loaded = Signal(int)

    def __init__(self, state: AppState) -> None:
        super().__init__()
        self.state = state
        self.query = FindQuery()
        self.total = 0
        self._pages: OrderedDict[int, list[CplEntry]] = OrderedDict()
        self._pending: set[int] = set()
        self._generation = 0
        self._search_op: Operation | None = None
        self._count_op: Operation | None = None
        self.searching = False
        self.counting = False
        self.sort_column = 2
        self.sort_order = Qt.SortOrder.AscendingOrder

    # -- Qt model API -------------------------------------------------------------------
    def rowCount(self, parent: _INDEX = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else self.total

    def columnCount(self, parent: _INDEX = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation == Qt.Orientation.Horizontal and 0 <= section < len(COLUMNS):
            if role == Qt.ItemDataRole.DisplayRole:
                return COLUMNS[section][0]
            if role == Qt.ItemDataRole.ToolTipRole and COLUMNS[section][1] is not None:
                return f"Sort by {COLUMNS[section][0].lower()}"
        return None

    def data(self, index: _INDEX, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < self.total:
            return None
        entry = self.entry(index.row())
        field = COLUMNS[index.column()][1]
        if entry is None:
            if role == Qt.ItemDataRole.DisplayRole:
                self._request(index.row() // PAGE_SIZE)
                return LOADING
            return None
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.AccessibleTextRole):
            return _cell(entry, field)
        if role == Qt.ItemDataRole.ToolTipRole:
            if field is None and entry.bilingual:
                return "This model has both SMETS1 and SMETS2+ entries"
            if field == "status" and not entry.active:
                return f"{entry.status}: a PPMID on this entry cannot be joined"
            return None
        if role == Qt.ItemDataRole.ForegroundRole:
            if field == "status" and not entry.active:
                return QBrush(QColor("#8E1616"))
            if field is None:
                return QBrush(QColor("#4A148C"))
            return None
        if role == Qt.ItemDataRole.FontRole and (
            field is None or (field == "status" and not entry.active)
        ):
            font = QFont()
            font.setBold(True)
            return font
        return None

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        field = COLUMNS[column][1] if 0 <= column < len(COLUMNS) else None
        if field is None:
            return
        if (column, order) == (self.sort_column, self.sort_order):
            return
        self.sort_column, self.sort_order = column, order
        descending = order == Qt.SortOrder.DescendingOrder
        # A stable tie-break on the entry key keeps paging deterministic.
        order_by = f"{field} {'DESC' if descending else 'ASC'}, {DEFAULT_ORDER}"
        self.search(replace(self.query, order_by=order_by))

    # -- paging ---------------------------------------------------------------------------
    def entry(self, row: int) -> CplEntry | None:
        page_number = row // PAGE_SIZE
        page = self._pages.get(page_number)
        if page is None:
            return None
        self._pages.move_to_end(page_number)
        offset = row - page_number * PAGE_SIZE
        return page[offset] if offset < len(page) else None

    def loaded_rows(self) -> int:
        """How many entries the model holds (a few pages at most, never the whole list)."""
        return sum(len(page) for page in self._pages.values())

    def _request(self, page_number: int) -> None:
        if page_number in self._pending:
            return
        self._pending.add(page_number)
        generation, query = self._generation, self.query

        def work(_: OperationContext) -> list[CplEntry]:
            with self.state.open_database() as db:
                return browse.cpl_page(db, query, page_number * PAGE_SIZE, PAGE_SIZE)

        def arrived(entries: list[CplEntry]) -> None:
            self._page_arrived(generation, page_number, entries)

        def failed(_: BaseException) -> bool:
            self._pending.discard(page_number)
            return False

        self.state.runner.run(work, name="cpl page", on_success=arrived, on_failure=failed)

    def _page_arrived(self, generation: int, page_number: int, entries: list[CplEntry]) -> None:
        if generation != self._generation:
            return  # a newer search replaced this one
        self._pending.discard(page_number)
        self._store(page_number, entries)
        first = page_number * PAGE_SIZE
        last = min(self.total, first + PAGE_SIZE) - 1
        if last >= first:
            self.dataChanged.emit(self.index(first, 0), self.index(last, len(COLUMNS) - 1))
        self.page_loaded.emit(page_number)

    def _store(self, page_number: int, entries: list[CplEntry]) -> None:
        self._pages[page_number] = entries
        self._pages.move_to_end(page_number)
        while len(self._pages) > MAX_PAGES:
            self._pages.popitem(last=False)

    # -- searching ------------------------------------------------------------------------
    def search(self, query: FindQuery) -> None:
        """Run ``query`` in SQLite and show its first page as soon as it arrives; the number
        of matches follows from a second query when the first page is full."""
        self._generation += 1
        generation = self._generation
        self.query = replace(query, limit=None, offset=0)
        for operation in (self._search_op, self._count_op):
            if operation is not None:
                operation.cancel()
        self.searching = True
        self.counting = True
        self.search_started.emit()
        wanted = self.query

        def work(_: OperationContext) -> browse.CplSearchResult:
            with self.state.open_database() as db:
                return browse.cpl_first_page(db, wanted, PAGE_SIZE)

        def arrived(result: browse.CplSearchResult) -> None:
            if generation != self._generation:
                return
            self._search_op = None
            self.searching = False
            self.beginResetModel()
            self.total = len(result.entries)
            self._pages.clear()
            self._pending.clear()
            self._store(0, result.entries)
            self.endResetModel()
            self.first_page_shown.emit()
            if result.total >= 0:
                self._counted(generation, result.total)
            else:
                self._count(generation, wanted)

        def failed(_: BaseException) -> bool:
            if generation == self._generation:
                self._search_op = None
                self.searching = self.counting = False
            return False

        self._search_op = self.state.runner.run(
            work, name="cpl search", on_success=arrived, on_failure=failed
        )

    def _count(self, generation: int, query: FindQuery) -> None:
        def work(_: OperationContext) -> int:
            with self.state.open_database() as db:
                return browse.cpl_count(db, query)

        def failed(_: BaseException) -> bool:
            if generation == self._generation:
                self._count_op = None
                self.counting = False
            return False

        self._count_op = self.state.runner.run(
            work,
            name="cpl count",
            on_success=lambda total: self._counted(generation, total),
            on_failure=failed,
        )

    def _counted(self, generation: int, total: int) -> None:
        if generation != self._generation:
            return
        self._count_op = None
        self.counting = False
        if total > self.total:
            self.beginInsertRows(QModelIndex(), self.total, total - 1)
            self.total = total
            self.endInsertRows()
        self.searched.emit(total)
