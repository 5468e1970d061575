"""The result of a check: the banner (colour + icon + words), the identity grid with
differences marked, and the reasons, each with its plain-English message and reference."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from installer_app.ui import icons
from installer_app.ui.presenter import COLUMNS, IdentityRow, ReasonView, VerdictView
from installer_app.ui.style import (
    SEVERITY_GLYPH,
    SEVERITY_ICON,
    VERDICT_GLYPH,
    VERDICT_ICON,
    set_property,
)

BANNER_ICON = 72
REASON_ICON = 30


class VerdictBanner(QFrame):
    """Large enough to read at arm's length; never colour alone: icon and words as well."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("verdictBanner")
        self.setAccessibleName("Verdict")
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(24, 16, 24, 16)
        layout.setSpacing(24)
        self.icon = QLabel()
        self.icon.setFixedSize(BANNER_ICON, BANNER_ICON)
        self.icon.setAccessibleName("Verdict icon")
        layout.addWidget(self.icon, 0, Qt.AlignmentFlag.AlignVCenter)
        words = QVBoxLayout()
        words.setSpacing(2)
        self.title = QLabel()
        self.title.setObjectName("bannerTitle")
        self.reason = QLabel()
        self.reason.setObjectName("bannerReason")
        self.reason.setWordWrap(True)
        self.subtitle = QLabel()
        self.subtitle.setObjectName("bannerSubtitle")
        self.subtitle.setWordWrap(True)
        for widget in (self.title, self.reason, self.subtitle):
            words.addWidget(widget)
        layout.addLayout(words, 1)
        self.verdict = ""

    def show_view(self, view: VerdictView) -> None:
        self.verdict = view.verdict
        set_property(self, "verdict", view.verdict)
        self.icon.setPixmap(icons.pixmap(VERDICT_ICON[view.verdict], BANNER_ICON))
        self.icon.setAccessibleDescription(VERDICT_GLYPH[view.verdict])
        self.title.setText(f"{VERDICT_GLYPH[view.verdict]}  {view.words.upper()}")
        self.reason.setText(view.main_reason)
        self.subtitle.setText(view.subtitle)
        self.setAccessibleName(f"Verdict: {view.words}")
        self.setAccessibleDescription(f"{view.main_reason}. {view.subtitle}")


class IdentityGrid(QFrame):
    """Device-read vs pre-notified vs CPL values side by side; differences marked ≠ and
    highlighted (amber), differences a bilingual PPMID is expected to show dashed blue."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("identityGrid")
        self.setAccessibleName("Device identity: read from device, pre-notified, CPL entry")
        self._grid = QGridLayout(self)
        self._grid.setContentsMargins(10, 8, 10, 8)
        self._grid.setHorizontalSpacing(8)
        self._grid.setVerticalSpacing(4)
        self.cells: dict[tuple[str, int], QLabel] = {}

    def show_rows(self, rows: tuple[IdentityRow, ...]) -> None:
        while self._grid.count():
            item = self._grid.takeAt(0)
            widget = item.widget() if item is not None else None
            if widget is not None:
                widget.deleteLater()
        self.cells.clear()
        corner = QLabel("")
        corner.setProperty("cell", "header")
        self._grid.addWidget(corner, 0, 0)
        for column, title in enumerate(COLUMNS, start=1):
            header = QLabel(title)
            header.setProperty("cell", "header")
            self._grid.addWidget(header, 0, column)
        for line, row in enumerate(rows, start=1):
            name = QLabel(row.name)
            name.setProperty("cell", "rowname")
            self._grid.addWidget(name, line, 0)
            for column, cell in enumerate(row.cells, start=1):
                value = QLabel(cell.text)
                value.setProperty("cell", "value")
                value.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
                if cell.diff:
                    value.setProperty("diff", cell.diff)
                    what = "differs" if cell.diff == "mismatch" else "differs as expected"
                    value.setToolTip(f"{row.name} {what} between the columns")
                    value.setAccessibleDescription(what)
                value.setAccessibleName(f"{row.name}, {COLUMNS[column - 1]}: {cell.text}")
                self._grid.addWidget(value, line, column)
                self.cells[(row.name, column - 1)] = value
        self._grid.setColumnStretch(4, 1)


class ReasonItem(QFrame):
    def __init__(self, reason: ReasonView, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("reason")
        self.setProperty("severity", reason.severity)
        self.code = reason.code
        self.setAccessibleName(f"{reason.severity}: {reason.title}")
        self.setAccessibleDescription(reason.message)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(12, 10, 12, 10)
        layout.setSpacing(12)
        icon = QLabel()
        icon.setPixmap(icons.pixmap(SEVERITY_ICON[reason.severity], REASON_ICON))
        icon.setFixedSize(REASON_ICON, REASON_ICON)
        icon.setAccessibleName(SEVERITY_GLYPH[reason.severity])
        layout.addWidget(icon, 0, Qt.AlignmentFlag.AlignTop)
        text = QVBoxLayout()
        text.setSpacing(4)
        title = QLabel(reason.title)
        title.setObjectName("reasonTitle")
        title.setWordWrap(True)
        message = QLabel(reason.message)
        message.setWordWrap(True)
        message.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        reference = QLabel(f"{reason.reference}  ·  {reason.code}")
        reference.setObjectName("reasonReference")
        reference.setAlignment(Qt.AlignmentFlag.AlignRight)
        reference.setWordWrap(True)
        for widget in (title, message, reference):
            widget.setMinimumWidth(200)
            widget.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        text.addWidget(title)
        text.addWidget(message)
        text.addWidget(reference)
        layout.addLayout(text, 1)
        self.message = message


class ReasonList(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAccessibleName("Why")
        self._layout = QVBoxLayout(self)
        self._layout.setContentsMargins(0, 0, 0, 0)
        self._layout.setSpacing(8)
        self.items: list[ReasonItem] = []

    def show_reasons(self, reasons: tuple[ReasonView, ...]) -> None:
        for item in self.items:
            self._layout.removeWidget(item)
            item.deleteLater()
        self.items = [ReasonItem(reason) for reason in reasons]
        for item in self.items:
            self._layout.addWidget(item)
