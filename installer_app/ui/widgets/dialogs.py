"""Small dialogs, opened with ``open()`` (never a nested event loop) and read on ``accepted``."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QButtonGroup,
    QDialog,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from installer_app.ui.widgets.common import button, label

NOT_JOINED_REASONS = (
    "Wrong installation type: the PPMID needs re-pre-notifying",
    "Not pre-notified: waiting for the back office",
    "Fitted a different PPMID instead",
    "Device faulty or damaged",
    "Customer refused, or no access",
)
OTHER = "Other (type the reason below)"


class NotJoinedDialog(QDialog):
    """Asks why the PPMID was not joined: common reasons one tap away, or typed."""

    def __init__(self, parent: QWidget | None, device_line: str, suggested: str = "") -> None:
        super().__init__(parent)
        self.setObjectName("notJoinedDialog")
        self.setWindowTitle("Not joined")
        self.setAccessibleName("Why was the PPMID not joined?")
        self.setWindowModality(Qt.WindowModality.WindowModal)
        self.setMinimumWidth(640)
        layout = QVBoxLayout(self)
        layout.setSpacing(6)
        layout.addWidget(label("Why was the PPMID not joined?", "heading"))
        layout.addWidget(label(device_line, "hint", wrap=True))
        self.group = QButtonGroup(self)
        self.options: list[QRadioButton] = []
        for index, text in enumerate((*NOT_JOINED_REASONS, OTHER)):
            option = QRadioButton(text)
            option.setAccessibleName(text)
            self.group.addButton(option, index)
            self.options.append(option)
            layout.addWidget(option)
        self.other = QLineEdit()
        self.other.setPlaceholderText("Type the reason")
        self.other.setAccessibleName("Other reason")
        self.other.setMaxLength(500)
        layout.addWidget(self.other)
        self.problem = QLabel()
        self.problem.setProperty("role", "hint")
        layout.addWidget(self.problem)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        self.cancel_button = button("Cancel", "Cancel, record nothing")
        self.ok_button = button("Record not joined", primary=True)
        self.ok_button.setDefault(True)
        buttons.addWidget(self.cancel_button)
        buttons.addWidget(self.ok_button)
        layout.addLayout(buttons)
        self.cancel_button.clicked.connect(self.reject)
        self.ok_button.clicked.connect(self._confirm)
        self.other.textEdited.connect(self._typed)
        preselect = next(
            (i for i, t in enumerate(NOT_JOINED_REASONS) if suggested and t.startswith(suggested)),
            None,
        )
        if preselect is not None:
            self.options[preselect].setChecked(True)
            self.ok_button.setFocus()
        else:
            self.options[0].setFocus()

    def _typed(self, text: str) -> None:
        if text.strip():
            self.options[-1].setChecked(True)

    def reason(self) -> str:
        index = self.group.checkedId()
        if index < 0:
            return ""
        if index == len(NOT_JOINED_REASONS):
            return self.other.text().strip()
        extra = self.other.text().strip()
        base = NOT_JOINED_REASONS[index]
        return f"{base}: {extra}" if extra else base

    def _confirm(self) -> None:
        if not self.reason():
            self.problem.setText("Pick a reason, or choose Other and type one.")
            return
        self.accept()


class TextDialog(QDialog):
    """One line of text (e.g. a URL to import from)."""

    def __init__(self, parent: QWidget | None, title: str, prompt: str, text: str = "") -> None:
        super().__init__(parent)
        self.setObjectName("textDialog")
        self.setWindowTitle(title)
        self.setWindowModality(Qt.WindowModality.WindowModal)
        self.setMinimumWidth(640)
        layout = QVBoxLayout(self)
        layout.addWidget(label(prompt, "hint", wrap=True))
        self.edit = QLineEdit(text)
        self.edit.setAccessibleName(title)
        layout.addWidget(self.edit)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        cancel = button("Cancel")
        ok = button("OK", primary=True)
        ok.setDefault(True)
        buttons.addWidget(cancel)
        buttons.addWidget(ok)
        layout.addLayout(buttons)
        cancel.clicked.connect(self.reject)
        ok.clicked.connect(self.accept)
        self.edit.returnPressed.connect(self.accept)

    def value(self) -> str:
        return self.edit.text().strip()
