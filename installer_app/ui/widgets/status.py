"""The always-visible status bar: CPL age (amber past the limit), online/offline, records
waiting to sync, and the last back-office sync."""

from __future__ import annotations

from datetime import UTC, datetime

from PySide6.QtWidgets import QLabel, QStatusBar, QWidget

from installer_app.services.browse import StatusSummary
from installer_app.ui.style import set_property


def age_text(days: float) -> str:
    if days < 1 / 24:
        return "just now"
    if days < 1:
        hours = int(days * 24)
        return f"{hours} hour{'s' if hours != 1 else ''} old"
    whole = int(days)
    return f"{whole} day{'s' if whole != 1 else ''} old"


def local_time(iso_utc: str) -> str:
    """An ISO UTC timestamp shown in local time, ``2026-11-24 09:30``."""
    try:
        moment = datetime.fromisoformat(iso_utc.replace("Z", "+00:00"))
    except ValueError:
        return iso_utc
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone().strftime("%Y-%m-%d %H:%M")


class StatusLine(QStatusBar):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setSizeGripEnabled(False)
        self.cpl = QLabel("CPL …")
        self.cpl.setObjectName("statusCpl")
        self.network = QLabel("Network …")
        self.network.setObjectName("statusNetwork")
        self.pending = QLabel("")
        self.pending.setObjectName("statusPending")
        self.last_sync = QLabel("")
        self.last_sync.setObjectName("statusLastSync")
        for widget, name in (
            (self.cpl, "CPL age"),
            (self.network, "Network"),
            (self.pending, "Records waiting to sync"),
            (self.last_sync, "Last sync"),
        ):
            widget.setAccessibleName(name)
            self.addPermanentWidget(widget)
        self.addPermanentWidget(QLabel(""), 1)

    def show_summary(self, summary: StatusSummary) -> None:
        cpl = summary.cpl
        if cpl is None:
            text = "No CPL on this laptop: import one (Sync page)"
        else:
            text = f"CPL {cpl.label} · {age_text(cpl.age_days())}"
            if summary.cpl_stale:
                text += f" · older than {summary.max_age_days:g} days: sync soon"
        self.cpl.setText(text)
        self.cpl.setToolTip(
            ""
            if cpl is None
            else f"Imported from {cpl.source}; confirmed {local_time(cpl.confirmed_at)}"
        )
        set_property(self.cpl, "stale", summary.cpl_stale)
        self.cpl.setAccessibleDescription(text)
        count = summary.pending_records
        self.pending.setText(
            "Nothing waiting to sync" if count == 0
            else f"{count} record{'s' if count != 1 else ''} waiting to sync"
        )  # fmt: skip
        self.last_sync.setText(
            f"Last sync: {local_time(summary.last_sync_at)}" if summary.last_sync_at
            else "Last sync: never"
        )  # fmt: skip
        for widget in (self.cpl, self.pending, self.last_sync):
            widget.setMinimumWidth(widget.sizeHint().width())  # never cut short

    def show_online(self, online: bool | None) -> None:
        if online is None:
            self.network.setText("Network: unknown")
        else:
            self.network.setText("● Online" if online else "○ Offline")
        set_property(self.network, "online", "" if online is None else str(online).lower())
