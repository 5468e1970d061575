"""The Settings page: data directory (read-only, open it), installer ID, default port and
protocol, CPL age limit. Saved to settings.json in the data directory, merged with what other
parts of the app keep there."""

from __future__ import annotations

import os

from PySide6.QtCore import Qt, QUrl, Signal
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import (
    QComboBox,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLayout,
    QLineEdit,
    QSizePolicy,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from installer_app import settings
from installer_app.errors import UserError
from installer_app.services import sync as sync_service
from installer_app.ui import ports
from installer_app.ui.appstate import AppState
from installer_app.ui.errors import log_path
from installer_app.ui.widgets.common import MessagePanel, button, label


class _Form:
    """Label + field rows on a grid, labels centred on their (44 px) fields."""

    def __init__(self, parent: QWidget) -> None:
        self.grid = QGridLayout(parent)
        self.grid.setHorizontalSpacing(14)
        self.grid.setVerticalSpacing(10)
        self.grid.setColumnStretch(1, 1)

    def add_row(self, text: str, field: QWidget | QLayout) -> None:
        row = self.grid.rowCount()
        if text:
            self.grid.addWidget(QLabel(text), row, 0, Qt.AlignmentFlag.AlignVCenter)
        if isinstance(field, QLayout):
            self.grid.addLayout(field, row, 1)
        else:
            self.grid.addWidget(field, row, 1)


class SettingsPage(QWidget):
    saved = Signal()
    about_requested = Signal()

    def __init__(self, state: AppState, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("page")
        self.setAccessibleName("Settings page")
        self.state = state
        root = QVBoxLayout(self)
        root.setContentsMargins(16, 12, 16, 8)
        root.setSpacing(10)

        where = QGroupBox("Where things are kept")
        where_form = _Form(where)
        self.data_dir_edit = QLineEdit(str(state.data_dir))
        self.data_dir_edit.setReadOnly(True)
        self.data_dir_edit.setAccessibleName("Data directory")
        self.open_folder_button = button("Open folder", "Open the data directory")
        row = QHBoxLayout()
        row.addWidget(self.data_dir_edit, 1)
        row.addWidget(self.open_folder_button)
        where_form.add_row("Data directory", row)
        self.log_edit = QLineEdit("")
        self.log_edit.setReadOnly(True)
        self.log_edit.setAccessibleName("Log file")
        where_form.add_row("Log file", self.log_edit)
        root.addWidget(where)

        box = QGroupBox("This laptop")
        form = _Form(box)
        self.installer_edit = QLineEdit()
        self.installer_edit.setAccessibleName("Installer ID")
        self.installer_edit.setPlaceholderText("Your installer ID (recorded with every check)")
        self.installer_edit.setMaxLength(64)
        form.add_row("Installer ID", self.installer_edit)
        self.port_edit = QLineEdit()
        self.port_edit.setAccessibleName("Default port")
        self.port_edit.setPlaceholderText("e.g. /dev/ttyUSB0 or COM3 (the Check page remembers "
                                          "the last one used)")  # fmt: skip
        form.add_row("Default port", self.port_edit)
        self.protocol_combo = QComboBox()
        self.protocol_combo.setAccessibleName("Default protocol")
        for key, text in ports.PROTOCOLS:
            self.protocol_combo.addItem(text, key)
        form.add_row("Default protocol", self.protocol_combo)
        self.age_spin = QSpinBox()
        self.age_spin.setAccessibleName("CPL age limit in days")
        self.age_spin.setRange(1, 365)
        self.age_spin.setSuffix(" days")
        form.add_row("CPL age limit", self.age_spin)
        self.age_note = label("", "hint", wrap=True, name="ageNote")
        form.add_row("", self.age_note)
        root.addWidget(box)

        office = QGroupBox("Back office (sync)")
        office_form = _Form(office)
        self.server_edit = QLineEdit()
        self.server_edit.setAccessibleName("Back-office address")
        self.server_edit.setPlaceholderText("https://… (from your back office)")
        office_form.add_row("Address", self.server_edit)
        self.token_edit = QLineEdit()
        self.token_edit.setAccessibleName("Sync token")
        self.token_edit.setEchoMode(QLineEdit.EchoMode.Password)
        office_form.add_row("Token", self.token_edit)
        root.addWidget(office)

        actions = QHBoxLayout()
        self.about_button = button("About…", "Version, CPL version, data directory (F1)")
        self.about_button.clicked.connect(self.about_requested)
        actions.addWidget(self.about_button, 0, Qt.AlignmentFlag.AlignLeft)
        self.message = MessagePanel(name="Settings message")
        self.save_button = button("Save settings", primary=True)
        self.save_button.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Fixed)
        actions.addWidget(self.message, 1)
        actions.addWidget(self.save_button, 0, Qt.AlignmentFlag.AlignRight)
        root.addLayout(actions)
        root.addStretch(1)
        self.save_button.clicked.connect(self.save)
        self.open_folder_button.clicked.connect(self._open_folder)

    def load(self) -> None:
        values = self.state.user_settings()
        self.installer_edit.setText(str(values.get("installer_id") or ""))
        self.port_edit.setText(str(values.get("default_port") or ""))
        index = self.protocol_combo.findData(values.get("default_protocol") or ports.BARCODE)
        self.protocol_combo.setCurrentIndex(max(0, index))
        self.age_spin.setValue(round(settings.cpl_max_age_days(self.state.data_dir)))
        env = os.environ.get("INSTALLER_APP_CPL_MAX_AGE_DAYS")
        self.age_note.setText(
            f"INSTALLER_APP_CPL_MAX_AGE_DAYS={env} is set and takes precedence." if env else
            "A check warns (CPL_STALE) when the CPL is older than this."
        )  # fmt: skip
        self.log_edit.setText(str(log_path()))
        server, has_token = sync_service.connection_settings(self.state.data_dir)
        self.server_edit.setText(server or "")
        self.token_edit.clear()
        self.token_edit.setPlaceholderText(
            "a token is stored (type a new one to replace it)" if has_token
            else "paste the token your back office gave you"
        )  # fmt: skip

    def save(self) -> None:
        port = self.port_edit.text().strip()
        try:
            if port and not port.startswith(ports.SIM_PREFIX):
                port = ports.check_typed_port(port)
            server = self.server_edit.text().strip()
            token = self.token_edit.text().strip()
            if server or token:
                sync_service.configure(self.state.data_dir, server=server, token=token)
        except UserError as exc:
            self.message.show_message("error", str(exc))
            return
        self.token_edit.clear()
        self.state.update_user_settings(
            {
                "installer_id": self.installer_edit.text().strip(),
                "default_port": port,
                "default_protocol": self.protocol_combo.currentData(),
                "cpl_max_age_days": self.age_spin.value(),
            }
        )
        self.message.show_message("success", "Saved.")
        self.saved.emit()

    def _open_folder(self) -> None:
        QDesktopServices.openUrl(QUrl.fromLocalFile(str(self.state.data_dir)))
