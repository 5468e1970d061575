"""From a simulated PPMID on a real pty to a recorded decision, through the real window:
allow, warn and block; the join refused on block; cancel and unplug mid-read; a barcode scan
starting a check by itself; a typed Device ID."""

from __future__ import annotations

import os
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QMessageBox
from pytestqt.qtbot import QtBot

from installer_app.ui.main_window import MainWindow
from installer_app.ui.widgets.dialogs import NotJoinedDialog
from tests.gui.conftest import Shoot
from tests.gui.helpers import WAIT_MS, job_states, run_check, stored_checks


def shoot_result(qtbot: QtBot, window: MainWindow, shoot: Shoot, name: str) -> None:
    """A verdict screenshot: a window tall enough for the reasons, the status bar updated."""
    if not os.environ.get("SCREENSHOT_DIR"):
        return
    window.resize(1280, 1040)
    qtbot.waitUntil(lambda: "waiting to sync" in window.status_line.pending.text()
                    and "Nothing" not in window.status_line.pending.text())  # fmt: skip
    shoot(window, name)


def reason_codes(window: MainWindow) -> list[str]:
    return [item.code for item in window.check_page.reasons.items]


def test_smets1_ppmid_on_a_smets2_job_says_do_not_join_and_cannot_be_joined(
    qtbot: QtBot, window: MainWindow, demo_dir: Path, shoot: Shoot
) -> None:
    page = window.check_page
    assert run_check(qtbot, window, job="JOB-1001", profile="halden-s1") == "block"
    shoot_result(qtbot, window, shoot, "verdict-do-not-join")

    banner = page.banner
    assert banner.property("verdict") == "block"
    assert "DO NOT JOIN" in banner.title.text() and "✖" in banner.title.text()
    assert not banner.icon.pixmap().isNull()  # colour, icon and words
    assert banner.reason.text().startswith("Wrong installation type")
    assert banner.subtitle.text() == "Pre-notified as SMETS1 · this is a SMETS2+ installation"
    assert page.prenotified_label.text() == "Pre-notified as SMETS1"
    assert "SMETS2+ installation" in page.installation_label.text()
    assert "00-DB-12-34-56-78-B0-01" in page.device_label.text()

    # Read vs pre-notified vs CPL, side by side: the firmware differs as a bilingual PPMID's does.
    read_fw = page.identity.cells[("Firmware", 0)]
    assert read_fw.text().startswith("01020003") and "≠" in read_fw.text()
    assert read_fw.property("diff") == "expected"
    assert page.identity.cells[("Firmware", 1)].text() == "81020003"
    assert page.identity.cells[("Manufacturer", 0)].property("diff") in (None, "")
    assert "01020003" in page.sibling_label.text() and page.sibling_label.isVisibleTo(page)

    assert "WRONG_INSTALLATION_TYPE" in reason_codes(window)
    wrong = next(i for i in page.reasons.items if i.code == "WRONG_INSTALLATION_TYPE")
    assert "re-pre-notify" in wrong.message.text()

    # The join cannot be recorded: the button is disabled and says why.
    assert not page.join_button.isEnabled()
    assert "wrong installation type" in page.join_button.toolTip()
    assert "cannot be recorded" in page.decision_note.text()
    QTest.mouseClick(page.join_button, Qt.MouseButton.LeftButton)
    page.record_join()  # even called directly, nothing is recorded
    assert stored_checks(demo_dir)[0].decision is None

    # "Not joined…" asks why; the wrong-installation reason is offered first.
    page.not_joined_button.click()
    dialog = page.findChild(NotJoinedDialog) or window.findChild(NotJoinedDialog)
    assert dialog is not None and dialog.isVisible()
    shoot(dialog, "dialog-not-joined")
    assert dialog.reason().startswith("Wrong installation type")
    with qtbot.waitSignal(page.decision_recorded, timeout=WAIT_MS) as recorded:
        dialog.ok_button.click()
    assert recorded.args == ["not-joined"]
    (check,) = stored_checks(demo_dir)
    assert check.verdict == "block" and check.decision == "not-joined"
    assert check.decision_reason and check.decision_reason.startswith("Wrong installation type")
    assert job_states(demo_dir)["JOB-1001"] == "not joined"
    assert not page.not_joined_button.isEnabled()


def test_the_same_device_on_a_smets1_job_is_safe_to_join_and_the_join_is_recorded(
    qtbot: QtBot, window: MainWindow, demo_dir: Path, shoot: Shoot
) -> None:
    page = window.check_page
    assert run_check(qtbot, window, job="JOB-1002", profile="halden-s1") == "allow"
    shoot_result(qtbot, window, shoot, "verdict-safe-to-join")
    assert "SAFE TO JOIN" in page.banner.title.text() and "✔" in page.banner.title.text()
    assert page.prenotified_label.text() == "Pre-notified as SMETS1"
    assert "BILINGUAL_FIRMWARE_EXPECTED" in reason_codes(window)
    assert page.join_button.isEnabled()
    assert page.join_button.hasFocus()  # Enter confirms the focused action

    with qtbot.waitSignal(page.decision_recorded, timeout=WAIT_MS) as recorded:
        QTest.keyClick(page.join_button, Qt.Key.Key_Return)
    assert recorded.args == ["joined"]
    (check,) = stored_checks(demo_dir)
    assert (check.verdict, check.decision, check.job_reference) == ("allow", "joined", "JOB-1002")
    assert job_states(demo_dir)["JOB-1002"] == "joined"
    assert "Joined" in page.decision_note.text()
    assert not page.join_button.isEnabled()  # one decision per check
    # check + decision + join request wait for the back office
    qtbot.waitUntil(lambda: "3 records waiting" in window.status_line.pending.text())


def test_an_unexpected_device_says_check_before_joining_and_can_be_joined(
    qtbot: QtBot, window: MainWindow, demo_dir: Path, shoot: Shoot
) -> None:
    page = window.check_page
    assert run_check(qtbot, window, job="JOB-1006", profile="brightwater") == "warn"
    shoot_result(qtbot, window, shoot, "verdict-check-before-joining")
    assert "CHECK BEFORE JOINING" in page.banner.title.text() and "⚠" in page.banner.title.text()
    assert page.banner.property("verdict") == "warn"
    assert "UNEXPECTED_DEVICE" in reason_codes(window)
    assert page.join_button.isEnabled()
    with qtbot.waitSignal(page.decision_recorded, timeout=WAIT_MS):
        page.join_button.click()
    assert stored_checks(demo_dir)[0].decision == "joined"


def test_f5_scans_and_a_new_check_replaces_the_last_result(
    qtbot: QtBot, window: MainWindow, demo_dir: Path
) -> None:
    page = window.check_page
    assert run_check(qtbot, window, job="JOB-1001", profile="halden-s1") == "block"
    page.set_port("sim:halden-s2", "iec62056-21")
    with qtbot.waitSignal(page.result_shown, timeout=WAIT_MS) as blocker:
        QTest.keyClick(window, Qt.Key.Key_F5)
    assert blocker.args == ["allow"]  # halden-s2 was pre-notified as SMETS2+
    assert page.prenotified_label.text() == "Pre-notified as SMETS2+"
    assert len(stored_checks(demo_dir)) == 2
    # A verdict belongs to its job: picking another job takes it off the screen.
    page.select_job("JOB-1002")
    assert not page.result.isVisible() and not page.join_button.isEnabled()
    assert "job changed" in page.placeholder.text()


def test_cancel_mid_read_records_nothing_and_the_page_stays_usable(
    qtbot: QtBot, window: MainWindow, demo_dir: Path
) -> None:
    page = window.check_page
    assert run_check(qtbot, window, job="JOB-1002", profile="halden-s1") == "allow"
    page.set_port("sim:silent", "iec62056-21")  # a device that never answers
    page.scan_button.click()
    assert page.progress.isVisible() and page.busy()
    assert not page.result.isVisible()  # the last verdict is not left on screen while reading
    assert not page.join_button.isEnabled()
    assert not page.scan_button.isEnabled()
    qtbot.waitUntil(lambda: "Waking" in page.progress.detail.text(), timeout=WAIT_MS)
    QTest.keyClick(window, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: not page.busy(), timeout=WAIT_MS)
    assert not page.progress.isVisible()
    assert page.message.isVisible() and page.message.kind == "info"
    assert "cancelled" in page.message.text.text()
    assert len(stored_checks(demo_dir)) == 1
    assert page.scan_button.isEnabled()
    assert run_check(qtbot, window, job="JOB-1002", profile="halden-s1") == "allow"


def test_a_port_unplugged_mid_read_says_what_to_do(
    qtbot: QtBot, window: MainWindow, demo_dir: Path, shoot: Shoot
) -> None:
    page = window.check_page
    page.select_job("JOB-1002")
    page.set_port("sim:unplugged", "iec62056-21")  # vanishes in the middle of the data block
    page.scan_button.click()
    qtbot.waitUntil(lambda: not page.busy(), timeout=WAIT_MS)
    assert page.message.kind == "error" and page.message.isVisible()
    text = page.message.text.text()
    assert "could not be read" in text and "unplugged" in text and "Plug it back in" in text
    assert not any(
        isinstance(w, QMessageBox) and w.isVisible() for w in QApplication.topLevelWidgets()
    )
    shoot(window, "error-port-unplugged")
    assert stored_checks(demo_dir) == []
    assert run_check(qtbot, window, job="JOB-1002", profile="halden-s1") == "allow"


def test_a_barcode_scan_starts_a_check_by_itself_once(
    qtbot: QtBot, window: MainWindow, demo_dir: Path
) -> None:
    page = window.check_page
    page.select_job("JOB-1001")
    with qtbot.waitSignal(page.result_shown, timeout=WAIT_MS) as blocker:
        page.set_port("sim:halden-s1", "barcode")  # the simulated scanner scans every 0.3 s
    assert blocker.args == ["block"]
    assert page.identity.cells[("Firmware", 0)].text() == "—"  # a label gives the ID only
    # The scanner keeps sending the same label: it is not checked again.
    qtbot.wait(1200)
    assert len(stored_checks(demo_dir)) == 1
    # The same label for another job is a new check.
    with qtbot.waitSignal(page.result_shown, timeout=WAIT_MS) as blocker:
        page.select_job("JOB-1002")
    assert blocker.args == ["allow"]
    assert [c.job_reference for c in stored_checks(demo_dir)] == ["JOB-1002", "JOB-1001"]

    # While "Not joined…" asks why, another device's label cannot replace the check on screen.
    page.not_joined_button.click()
    dialog = window.findChild(NotJoinedDialog)
    assert dialog is not None
    page.set_port("sim:halden-s2", "barcode")
    qtbot.wait(1000)
    assert len(stored_checks(demo_dir)) == 2
    dialog.options[3].setChecked(True)
    with (
        qtbot.waitSignal(page.result_shown, timeout=WAIT_MS),  # listening again afterwards
        qtbot.waitSignal(page.decision_recorded, timeout=WAIT_MS),
    ):
        dialog.ok_button.click()
    checks = stored_checks(demo_dir)
    assert checks[1].device_id.endswith("B0-01") and checks[1].decision == "not-joined"
    assert checks[1].decision_reason == "Device faulty or damaged"
    assert checks[0].device_id.endswith("B0-02") and checks[0].decision is None


def test_a_typed_device_id_is_checked_against_a_hand_set_installation(
    qtbot: QtBot, window: MainWindow, demo_dir: Path
) -> None:
    page = window.check_page
    page.select_job(None)
    assert page.installation_combo.isEnabled()
    page.installation_combo.setCurrentIndex(page.installation_combo.findData("SMETS2+"))
    QTest.keyClicks(page.device_id_edit, "00db12345678b001")
    with qtbot.waitSignal(page.result_shown, timeout=WAIT_MS) as blocker:
        QTest.keyClick(page.device_id_edit, Qt.Key.Key_Return)
    assert blocker.args == ["block"]
    assert "set by hand" in page.installation_label.text()
    (check,) = stored_checks(demo_dir)
    assert check.job_reference is None and check.installation == "SMETS2+"
    assert page.device_id_edit.hasFocus()  # ready for the next scan

    page.device_id_edit.setText("not an id")
    page.check_typed()
    assert page.message.kind == "error" and "not a Device ID" in page.message.text.text()
