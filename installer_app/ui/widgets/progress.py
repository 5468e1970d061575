"""The Check page's progress row: ▸ Signing on… ▸ Reading… ▸ Checking…, a detail line, Cancel."""

from __future__ import annotations

from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QProgressBar, QVBoxLayout, QWidget

from installer_app.ui.style import set_property
from installer_app.ui.widgets.common import button


class ProgressSteps(QFrame):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("progressRow")
        self.setAccessibleName("Progress")
        outer = QHBoxLayout(self)
        outer.setContentsMargins(14, 8, 14, 8)
        outer.setSpacing(16)
        column = QVBoxLayout()
        column.setSpacing(4)
        steps_row = QHBoxLayout()
        steps_row.setSpacing(20)
        self.steps: list[QLabel] = []
        for _ in range(3):
            step = QLabel()
            step.setProperty("step", "pending")
            self.steps.append(step)
            steps_row.addWidget(step)
        steps_row.addStretch(1)
        column.addLayout(steps_row)
        self.detail = QLabel()
        self.detail.setProperty("role", "hint")
        self.detail.setWordWrap(True)
        column.addWidget(self.detail)
        outer.addLayout(column, 1)
        self.busy = QProgressBar()
        self.busy.setRange(0, 0)
        self.busy.setFixedWidth(140)
        self.busy.setTextVisible(False)
        self.busy.setAccessibleName("Working")
        outer.addWidget(self.busy)
        self.cancel_button = button("Cancel  Esc", "Cancel the read", tooltip="Stop reading (Esc)")
        outer.addWidget(self.cancel_button)
        self.current = -1
        self.set_names(("Signing on…", "Reading…", "Checking…"))
        self.hide()

    def set_names(self, names: tuple[str, str, str]) -> None:
        for step, name in zip(self.steps, names, strict=True):
            step.setText(f"▸ {name}")
            step.setAccessibleName(name)

    def start(self, names: tuple[str, str, str], detail: str = "") -> None:
        self.set_names(names)
        self.set_step(0, detail)
        self.cancel_button.setEnabled(True)
        self.show()

    def set_step(self, index: int, detail: str = "") -> None:
        self.current = index
        for i, step in enumerate(self.steps):
            name = "done" if i < index else "active" if i == index else "pending"
            set_property(step, "step", name)
        if detail:
            self.detail.setText(detail)
        active = self.steps[index].accessibleName() if 0 <= index < 3 else ""
        self.setAccessibleDescription(f"{active} {detail}".strip())

    def finish(self) -> None:
        self.current = -1
        self.hide()
