"""What every page shares: the data directory, the operation runner, the ports, the settings
(``settings.json`` in the data directory for user settings; QSettings for window geometry and
last choices), and one signal saying which kind of data just changed."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, QSettings, Signal

from installer_app import settings
from installer_app.services import Database, open_database
from installer_app.ui.operations import OperationRunner
from installer_app.ui.ports import SimulatorPorts

ORGANISATION = "InstallerApp"
APPLICATION = "installer-app"

# Kinds announced through AppSignals.data_changed.
CPL, EPCL, ADVISORIES = "cpl", "epcl", "advisories"
PRENOTIFICATIONS, JOBS, CHECKS, SETTINGS = "prenotifications", "jobs", "checks", "settings"


class AppSignals(QObject):
    data_changed = Signal(str)
    """A kind of data changed (one of the constants above); pages refresh what shows it."""


def ui_settings() -> QSettings:
    """Window geometry and last choices (an INI file in the user's config location)."""
    return QSettings(
        QSettings.Format.IniFormat, QSettings.Scope.UserScope, ORGANISATION, APPLICATION
    )


@dataclass
class AppState:
    data_dir: Path
    runner: OperationRunner
    signals: AppSignals
    qsettings: QSettings
    simulators: SimulatorPorts | None = None

    @property
    def demo(self) -> bool:
        return self.simulators is not None

    def open_database(self) -> Database:
        """A new connection: call on the thread that uses it (one per background task)."""
        return open_database(self.data_dir)

    def user_settings(self) -> dict[str, Any]:
        return settings.load(self.data_dir)

    def update_user_settings(self, values: dict[str, Any]) -> None:
        """Merge ``values`` into settings.json (keys written by others, e.g. sync, are kept)."""
        merged = settings.load(self.data_dir)
        for key, value in values.items():
            if value is None or value == "":
                merged.pop(key, None)
            else:
                merged[key] = value
        settings.save(self.data_dir, merged)
        self.signals.data_changed.emit(SETTINGS)

    def changed(self, kind: str) -> None:
        self.signals.data_changed.emit(kind)
