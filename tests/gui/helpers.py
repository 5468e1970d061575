"""Small helpers for the GUI tests: drive the Check page, read what was stored."""

from __future__ import annotations

from pathlib import Path

from pytestqt.qtbot import QtBot

from installer_app.services import browse, open_database
from installer_app.services.browse import StoredCheck
from installer_app.ui.main_window import MainWindow

WAIT_MS = 15_000


def run_check(
    qtbot: QtBot,
    window: MainWindow,
    *,
    job: str | None,
    profile: str,
    protocol: str = "iec62056-21",
) -> str:
    """Pick the job and the simulated device, press Scan, wait for the verdict on screen."""
    page = window.check_page
    window.show_page("check")
    page.select_job(job)
    page.set_port(f"sim:{profile}", protocol)
    with qtbot.waitSignal(page.result_shown, timeout=WAIT_MS) as blocker:
        page.scan_button.click()
    verdict = blocker.args[0]
    assert isinstance(verdict, str)
    return verdict


def stored_checks(data_dir: Path) -> list[StoredCheck]:
    with open_database(data_dir) as db:
        return browse.list_checks(db, limit=1000)


def job_states(data_dir: Path) -> dict[str, str]:
    with open_database(data_dir) as db:
        return {s.job.reference: s.state for s in browse.list_jobs(db)}
