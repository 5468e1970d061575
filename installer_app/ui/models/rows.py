"""A small read-only table model over a list of records (jobs, checks, import history).

Columns are (title, text function[, decoration function]). Lists that can grow long (history) are
loaded a page at a time by their page through ``canFetchMore``/``fetchMore``, in the background.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QBrush, QColor, QIcon

T = TypeVar("T")
_INDEX = QModelIndex | QPersistentModelIndex


@dataclass(frozen=True)
class Column(Generic[T]):
    title: str
    text: Callable[[T], str]
    icon: Callable[[T], QIcon | None] | None = None
    background: Callable[[T], str | None] | None = None
    tooltip: Callable[[T], str] | None = None


class RowsModel(QAbstractTableModel, Generic[T]):
    def __init__(self, columns: Sequence[Column[T]]) -> None:
        super().__init__()
        self.columns = list(columns)
        self.rows: list[T] = []
        self.more_available = False
        self.fetch_more_requested: Callable[[], None] | None = None

    def set_rows(self, rows: Sequence[T], *, more: bool = False) -> None:
        self.beginResetModel()
        self.rows = list(rows)
        self.more_available = more
        self.endResetModel()

    def append_rows(self, rows: Sequence[T], *, more: bool) -> None:
        self.more_available = more
        if not rows:
            return
        start = len(self.rows)
        self.beginInsertRows(QModelIndex(), start, start + len(rows) - 1)
        self.rows.extend(rows)
        self.endInsertRows()

    def row(self, index: int) -> T | None:
        return self.rows[index] if 0 <= index < len(self.rows) else None

    def rowCount(self, parent: _INDEX = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent: _INDEX = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.columns)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if (
            role == Qt.ItemDataRole.DisplayRole
            and orientation == Qt.Orientation.Horizontal
            and 0 <= section < len(self.columns)
        ):
            return self.columns[section].title
        return None

    def data(self, index: _INDEX, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self.rows):
            return None
        item, column = self.rows[index.row()], self.columns[index.column()]
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.AccessibleTextRole):
            return column.text(item)
        if role == Qt.ItemDataRole.DecorationRole and column.icon is not None:
            return column.icon(item)
        if role == Qt.ItemDataRole.BackgroundRole and column.background is not None:
            colour = column.background(item)
            return QBrush(QColor(colour)) if colour else None
        if role == Qt.ItemDataRole.ToolTipRole and column.tooltip is not None:
            return column.tooltip(item)
        return None

    def canFetchMore(self, parent: _INDEX) -> bool:
        return not parent.isValid() and self.more_available

    def fetchMore(self, parent: _INDEX) -> None:
        if self.more_available and self.fetch_more_requested is not None:
            self.more_available = False  # until the next page says otherwise
            self.fetch_more_requested()
