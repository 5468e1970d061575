"""The About dialog: version, the CPL in use, where the data and the log are (for support)."""

from __future__ import annotations

import platform

from PySide6 import __version__ as pyside_version
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QFormLayout, QLabel, QVBoxLayout, QWidget

from installer_app import __version__
from installer_app.services.browse import VersionInfo
from installer_app.ui import icons
from installer_app.ui.errors import log_path
from installer_app.ui.widgets.status import local_time


class AboutDialog(QDialog):
    def __init__(
        self, data_dir: str, cpl: VersionInfo | None, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("About the installer assistant")
        self.setAccessibleName("About")
        layout = QVBoxLayout(self)
        title = QLabel(f"<b>Installer assistant</b> {__version__}")
        title.setObjectName("aboutTitle")
        layout.addWidget(title)
        form = QFormLayout()
        cpl_text = (
            "none imported yet"
            if cpl is None
            else f"version {cpl.label} · {cpl.rows:,} entries · confirmed "
            f"{local_time(cpl.confirmed_at)} · from {cpl.source}"
        )
        self.fields: dict[str, QLabel] = {}
        for name, value in (
            ("CPL", cpl_text),
            ("Data directory", data_dir),
            ("Log file", str(log_path())),
            (
                "Runs on",
                f"Python {platform.python_version()}, Qt for Python {pyside_version}, "
                f"{platform.system()} {platform.release()}",
            ),
        ):
            label = QLabel(value)
            label.setWordWrap(True)
            label.setAccessibleName(name)
            label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            self.fields[name] = label
            form.addRow(f"{name}:", label)
        layout.addLayout(form)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        buttons.accepted.connect(self.accept)
        layout.addWidget(buttons)
        self.setWindowIcon(icons.icon("app"))
        self.resize(640, self.sizeHint().height())
