"""Small building blocks shared by the pages: labels with a role, buttons, a message panel."""

from __future__ import annotations

from typing import ClassVar

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QSizePolicy, QWidget

from installer_app.ui import icons
from installer_app.ui.style import set_property


def label(text: str = "", role: str | None = None, *, wrap: bool = False, name: str = "") -> QLabel:
    widget = QLabel(text)
    if role:
        widget.setProperty("role", role)
    if wrap:
        widget.setWordWrap(True)
    if name:
        widget.setObjectName(name)
    widget.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    return widget


def button(
    text: str,
    accessible: str = "",
    *,
    primary: bool = False,
    tooltip: str = "",
    name: str = "",
) -> QPushButton:
    widget = QPushButton(text)
    widget.setAccessibleName(accessible or text.replace("&", "").rstrip("…. "))
    widget.setAutoDefault(True)  # Enter on a focused button presses it
    if primary:
        widget.setProperty("primary", True)
    if tooltip:
        widget.setToolTip(tooltip)
    if name:
        widget.setObjectName(name)
    return widget


class MessagePanel(QFrame):
    """A plain message in the page (not a dialog): error, info or success, icon + words."""

    _ICON: ClassVar[dict[str, str]] = {
        "error": "severity-block", "info": "severity-info", "success": "severity-allow",
        "warn": "severity-warn",
    }  # fmt: skip

    def __init__(self, parent: QWidget | None = None, name: str = "messagePanel") -> None:
        super().__init__(parent)
        self.setObjectName("messagePanel")
        self.setAccessibleName(name)
        self.kind = "info"
        layout = QHBoxLayout(self)
        layout.setContentsMargins(12, 8, 12, 8)
        layout.setSpacing(12)
        self._icon = QLabel()
        self._icon.setFixedSize(32, 32)
        self._icon.setAlignment(Qt.AlignmentFlag.AlignTop)
        self.text = QLabel()
        self.text.setWordWrap(True)
        self.text.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.text.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        layout.addWidget(self._icon, 0, Qt.AlignmentFlag.AlignTop)
        layout.addWidget(self.text, 1)
        self.hide()

    def show_message(self, kind: str, text: str) -> None:
        self.kind = kind
        set_property(self, "kind", kind)
        self._icon.setPixmap(icons.pixmap(self._ICON.get(kind, "severity-info"), 32))
        self.text.setText(text)
        self.setAccessibleDescription(text)
        self.show()

    def clear(self) -> None:
        self.text.setText("")
        self.hide()
