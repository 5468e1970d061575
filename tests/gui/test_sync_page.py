"""The Sync page: imports in the background with progress and cancel; a bad file says what is
wrong and where, and the stored list stays exactly as it was."""

from __future__ import annotations

from pathlib import Path

from pytestqt.qtbot import QtBot

from installer_app.services import open_database, reference_status
from installer_app.ui.main_window import MainWindow
from tests.bench.common import write_cpl
from tests.gui.conftest import Shoot
from tests.gui.helpers import WAIT_MS, job_states


def cpl_rows(data_dir: Path) -> tuple[int, str]:
    with open_database(data_dir) as db:
        info = reference_status(db, "cpl")
    assert info is not None
    return info.rows, info.label


def import_and_wait(qtbot: QtBot, window: MainWindow, kind: str, *sources: Path) -> bool:
    page = window.sync_page
    with qtbot.waitSignal(page.import_finished, timeout=WAIT_MS) as blocker:
        page.start_import(kind, [str(s) for s in sources])
        assert page.busy() and page.progress_widget.isVisible()
        assert not page.file_buttons["cpl"].isEnabled()  # one import at a time
    assert blocker.args[0] == kind
    qtbot.waitUntil(lambda: not page.busy())
    return bool(blocker.args[1])


def test_a_malformed_cpl_shows_its_error_and_keeps_the_old_list(
    qtbot: QtBot, window: MainWindow, demo_dir: Path, tmp_path: Path, shoot: Shoot
) -> None:
    window.show_page("cpl")
    qtbot.waitUntil(lambda: window.cpl_page.model.rowCount() == 320, timeout=WAIT_MS)
    before = cpl_rows(demo_dir)
    good = write_cpl(tmp_path / "good.csv", 20).read_text(encoding="utf-8").splitlines()
    fields = good[3].split(",")
    fields[2] = "XYZ"  # Manufacturer Identifier must be 4 hex digits
    good[3] = ",".join(fields)
    bad = tmp_path / "broken-cpl.csv"
    bad.write_text("\n".join(good) + "\n", encoding="utf-8")

    window.show_page("sync")
    assert import_and_wait(qtbot, window, "cpl", bad) is False
    page = window.sync_page
    assert page.message.isVisible() and page.message.kind == "error"
    text = page.message.text.text()
    assert "broken-cpl.csv" in text and "line 4" in text and "XYZ" in text
    assert "unchanged" in text
    shoot(window, "page-sync-import-error")

    assert cpl_rows(demo_dir) == before
    window.show_page("cpl")
    assert window.cpl_page.model.rowCount() == 320
    assert window.cpl_page.count_label.text() == "All 320 entries"


def test_a_cpl_import_updates_history_status_and_cpl_page(
    qtbot: QtBot, window: MainWindow, demo_dir: Path, tmp_path: Path, shoot: Shoot
) -> None:
    window.show_page("sync")
    qtbot.waitUntil(lambda: window.sync_page.history.rowCount() >= 3, timeout=WAIT_MS)
    old_status = window.status_line.cpl.text()
    source = write_cpl(tmp_path / "cpl-new.csv", 400)
    assert import_and_wait(qtbot, window, "cpl", source) is True
    page = window.sync_page
    assert page.message.kind == "success"
    assert "CPL imported: 400 entries" in page.message.text.text()
    qtbot.waitUntil(lambda: page.history.rowCount() >= 4, timeout=WAIT_MS)
    top = page.history.row(0)
    assert top is not None and top.what.startswith("CPL") and top.rows == "400"
    assert top.source.endswith("cpl-new.csv")
    qtbot.waitUntil(lambda: window.status_line.cpl.text() != old_status, timeout=WAIT_MS)
    assert cpl_rows(demo_dir)[1] in window.status_line.cpl.text()
    shoot(window, "page-sync")


def test_cancelling_an_import_changes_nothing(
    qtbot: QtBot, window: MainWindow, demo_dir: Path, tmp_path: Path
) -> None:
    before = cpl_rows(demo_dir)
    source = write_cpl(tmp_path / "big.csv", 100_000)
    page = window.sync_page
    window.show_page("sync")
    with qtbot.waitSignal(page.import_finished, timeout=30_000) as finished:
        page.start_import("cpl", [str(source)])
        assert page.cancel_button.isEnabled()
        page.cancel_button.click()  # long before 100,000 lines are checked
        assert page.progress_label.text().startswith("Cancelling")
        assert not page.cancel_button.isEnabled()
    assert finished.args == ["cpl", False]
    assert "cancelled" in page.message.text.text()
    assert cpl_rows(demo_dir) == before


def test_jobs_and_prenotifications_import_from_files(
    qtbot: QtBot, window: MainWindow, demo_dir: Path, tmp_path: Path
) -> None:
    jobs = tmp_path / "more-jobs.json"
    jobs.write_text(
        '{"jobs": [{"reference": "JOB-2001", "address": "1 New Street, Anytown", '
        '"installation": "SMETS1", "cohort": "FOC", "expected_ppmid_id": null, '
        '"scheduled_for": "2026-12-01"}]}',
        encoding="utf-8",
    )
    window.show_page("sync")
    assert import_and_wait(qtbot, window, "jobs", jobs) is True
    assert "1 job(s)" in window.sync_page.message.text.text()
    assert job_states(demo_dir)["JOB-2001"] == "not started"
    page = window.check_page
    qtbot.waitUntil(lambda: page.job_combo.findData("JOB-2001") >= 0, timeout=WAIT_MS)

    notes = tmp_path / "pn.csv"
    notes.write_text(
        "Device ID,Device Type,Manufacturer Identifier,Model Identifier,Firmware Version,"
        "SMETS/CHTS Version,Status,S1SP,CSP Region,Job Reference\n"
        "00-DB-12-34-56-78-B0-06,PPMID,10C3,0B140004,02000010,SMETS V4.2,Pending,,Central,\n",
        encoding="utf-8",
    )
    assert import_and_wait(qtbot, window, "prenotifications", notes) is True
    assert "1 record(s)" in window.sync_page.message.text.text()
    qtbot.waitUntil(
        lambda: any(
            (row := window.sync_page.history.row(i)) is not None and row.what == "Pre-notifications"
            for i in range(window.sync_page.history.rowCount())
        ),
        timeout=WAIT_MS,
    )

    bad = tmp_path / "bad.json"
    bad.write_text("{not json", encoding="utf-8")
    assert import_and_wait(qtbot, window, "jobs", bad) is False
    assert window.sync_page.message.kind == "error"
    assert "bad.json" in window.sync_page.message.text.text()
