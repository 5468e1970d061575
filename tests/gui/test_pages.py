"""Jobs, History and Settings pages, the status bar, error presentation, remembered choices,
keyboard flow and the visual rules (sizes, accessible names)."""

from __future__ import annotations

import csv
import json
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QFont, QFontInfo
from PySide6.QtTest import QTest
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractSpinBox,
    QApplication,
    QComboBox,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QWidget,
)
from pytestqt.qtbot import QtBot

from installer_app import settings
from installer_app.errors import UserError
from installer_app.ui import errors
from installer_app.ui.appstate import SETTINGS
from installer_app.ui.main_window import PAGES, MainWindow
from installer_app.ui.operations import OperationContext
from tests.gui.conftest import MakeWindow, Shoot
from tests.gui.helpers import WAIT_MS, run_check


def open_boxes(name: str) -> list[QMessageBox]:
    return [
        w for w in QApplication.topLevelWidgets()
        if isinstance(w, QMessageBox) and w.objectName() == name and w.isVisible()
    ]  # fmt: skip


def test_jobs_page_lists_jobs_with_their_state_and_opens_one_on_the_check_page(
    qtbot: QtBot, window: MainWindow, shoot: Shoot
) -> None:
    assert run_check(qtbot, window, job="JOB-1002", profile="halden-s1") == "allow"
    with qtbot.waitSignal(window.check_page.decision_recorded, timeout=WAIT_MS):
        window.check_page.join_button.click()
    page = window.jobs_page
    with qtbot.waitSignal(page.loaded, timeout=WAIT_MS):
        QTest.keyClick(window, Qt.Key.Key_2, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: page.model.rowCount() == 6 and "1 joined" in page.summary.text())
    states = {page.model.row(i).job.reference: page.model.row(i).state  # type: ignore[union-attr]
              for i in range(page.model.rowCount())}  # fmt: skip
    assert states["JOB-1002"] == "joined" and states["JOB-1001"] == "not started"
    row = next(i for i in range(6) if page.model.row(i).job.reference == "JOB-1004")  # type: ignore[union-attr]
    assert page.model.data(page.model.index(row, 5)) == "Not started"
    assert page.model.data(page.model.index(row, 5), Qt.ItemDataRole.DecorationRole) is not None
    shoot(window, "page-jobs")

    index = page.model.index(row, 0)
    page.table.setCurrentIndex(index)
    QTest.keyClick(page.table, Qt.Key.Key_Return)
    assert window.current_page() == "check"
    assert window.check_page.job_reference() == "JOB-1004"
    assert "SMETS1 · MOC" in window.check_page.installation_combo.currentText()
    assert not window.check_page.installation_combo.isEnabled()


def test_history_lists_filters_and_exports_every_check(
    qtbot: QtBot, window: MainWindow, tmp_path: Path, shoot: Shoot
) -> None:
    run_check(qtbot, window, job="JOB-1001", profile="halden-s1")
    run_check(qtbot, window, job="JOB-1002", profile="halden-s1")
    with qtbot.waitSignal(window.check_page.decision_recorded, timeout=WAIT_MS):
        window.check_page.join_button.click()
    page = window.history_page
    with qtbot.waitSignal(page.loaded, timeout=WAIT_MS):
        window.show_page("history")
    assert page.model.rowCount() == 2
    newest = page.model.row(0)
    assert newest is not None and newest.job_reference == "JOB-1002" and newest.decision == "joined"
    assert page.model.data(page.model.index(0, 5)) == "Safe to join"
    assert page.model.data(page.model.index(1, 6)) == "No decision yet"
    shoot(window, "page-history")

    with qtbot.waitSignal(page.loaded, timeout=WAIT_MS):
        page.verdict_combo.setCurrentIndex(page.verdict_combo.findData("block"))
    assert page.model.rowCount() == 1 and page.model.data(page.model.index(0, 5)) == "Do not join"

    target = tmp_path / "export" / "checks.csv"
    target.parent.mkdir()
    with qtbot.waitSignal(page.exported, timeout=WAIT_MS) as blocker:
        page.export_to(target)
    assert blocker.args == [1]
    rows = list(csv.DictReader(target.open(encoding="utf-8-sig")))
    assert [(r["job_reference"], r["verdict"]) for r in rows] == [("JOB-1001", "block")]
    assert "WRONG_INSTALLATION_TYPE" in rows[0]["reason_codes"]
    assert "Exported 1 check" in page.message.text.text()

    page.verdict_combo.setCurrentIndex(0)
    page.job_edit.setText("JOB-1002")
    with qtbot.waitSignal(page.loaded, timeout=WAIT_MS):
        QTest.keyClick(page.job_edit, Qt.Key.Key_Return)
    assert page.model.rowCount() == 1


def test_history_scrolls_through_more_checks_than_a_page_each_once(
    qtbot: QtBot, make_window: MakeWindow, demo_dir: Path
) -> None:
    from installer_app.domain.model import Generation
    from installer_app.domain.prenotification import Installation
    from installer_app.services import browse, checks, open_database
    from installer_app.ui.pages.history import PAGE

    with open_database(demo_dir) as db:
        for i in range(PAGE * 2 + 30):
            checks.check_reading(
                db,
                checks.manual_reading(f"00DB{i:012X}"),
                installation=Installation(Generation.SMETS2),
            )
        expected = [c.check_id for c in browse.list_checks(db, limit=10_000)]
    window = make_window(demo_dir)
    page = window.history_page
    with qtbot.waitSignal(page.loaded, timeout=WAIT_MS):
        window.show_page("history")
    assert page.model.rowCount() == PAGE and "scroll for more" in page.count_label.text()
    for _ in range(3):  # the view asks for more as it reaches the end
        with qtbot.waitSignal(page.loaded, timeout=WAIT_MS):
            page.table.scrollToBottom()
            if page.model.canFetchMore(page.model.index(-1, -1)):
                page.model.fetchMore(page.model.index(-1, -1))
        if not page.model.more_available:
            break
    shown = [page.model.rows[i].check_id for i in range(page.model.rowCount())]
    assert shown == expected and len(set(shown)) == len(expected)
    assert page.count_label.text() == f"{len(expected)} check(s)"


def test_settings_are_saved_to_the_data_directory_and_used(
    qtbot: QtBot, window: MainWindow, demo_dir: Path, shoot: Shoot
) -> None:
    page = window.settings_page
    window.show_page("settings")
    assert page.data_dir_edit.text() == str(demo_dir) and page.data_dir_edit.isReadOnly()
    assert page.log_edit.text().endswith("installer-app.log")
    shoot(window, "page-settings")
    page.port_edit.setText("ftp://nowhere")
    page.save_button.click()
    assert page.message.kind == "error" and "not a known port URL" in page.message.text.text()

    page.installer_edit.setText("INST-042")
    page.port_edit.setText("/dev/ttyUSB7")
    page.protocol_combo.setCurrentIndex(page.protocol_combo.findData("barcode"))
    page.age_spin.setValue(7)
    with qtbot.waitSignal(window.status_refreshed, timeout=WAIT_MS):
        page.save_button.click()
    values = settings.load(demo_dir)
    assert values["installer_id"] == "INST-042" and values["cpl_max_age_days"] == 7
    assert values["default_port"] == "/dev/ttyUSB7" and values["default_protocol"] == "barcode"
    assert settings.cpl_max_age_days(demo_dir) == 7

    # Keys written by other parts of the app survive; the status bar shows the last sync.
    values["last_sync_at"] = "2026-11-20T08:15:00Z"
    settings.save(demo_dir, values)
    with qtbot.waitSignal(window.status_refreshed, timeout=WAIT_MS):
        window.state.changed(SETTINGS)
    assert window.status_line.last_sync.text().startswith("Last sync: 2026-11-20")
    page.save_button.click()
    assert settings.load(demo_dir)["last_sync_at"] == "2026-11-20T08:15:00Z"


def test_status_bar_on_an_empty_data_directory(
    qtbot: QtBot, make_window: MakeWindow, tmp_path: Path
) -> None:
    window = make_window(tmp_path / "empty", demo=False)
    status = window.status_line
    assert "No CPL" in status.cpl.text() and status.cpl.property("stale") is True
    assert status.pending.text() == "Nothing waiting to sync"
    assert status.last_sync.text() == "Last sync: never"
    qtbot.waitUntil(lambda: status.network.text() != "Network …", timeout=WAIT_MS)
    assert status.network.text() in ("● Online", "○ Offline", "Network: unknown")
    assert window.check_page.job_combo.count() == 1  # no jobs: the installation is set by hand
    assert window.check_page.installation_combo.isEnabled()
    window.show_page("cpl")
    qtbot.waitUntil(lambda: window.cpl_page.overview is not None, timeout=WAIT_MS)
    assert "No CPL on this laptop" in window.cpl_page.version_label.text()


def test_expected_errors_are_plain_messages_and_bugs_name_the_log_file(
    qtbot: QtBot, window: MainWindow
) -> None:
    def expected(_: OperationContext) -> None:
        raise UserError("The file is not a CPL. Pick the CSV the back office sent.")

    def bug(_: OperationContext) -> None:
        raise RuntimeError("boom")

    window.runner.run(expected, name="expected")
    qtbot.waitUntil(lambda: bool(open_boxes("userErrorBox")), timeout=WAIT_MS)
    (box,) = open_boxes("userErrorBox")
    assert box.text() == "The file is not a CPL. Pick the CSV the back office sent."
    box.close()

    window.runner.run(bug, name="bug")
    qtbot.waitUntil(lambda: bool(open_boxes("unexpectedErrorBox")), timeout=WAIT_MS)
    (box,) = open_boxes("unexpectedErrorBox")
    log_file = errors.log_path()
    assert str(log_file) in box.text() and "RuntimeError: boom" in box.text()
    assert "RuntimeError: boom" in log_file.read_text(encoding="utf-8")
    box.close()


def test_window_geometry_and_last_choices_are_remembered(
    qtbot: QtBot, make_window: MakeWindow, demo_dir: Path
) -> None:
    first = make_window(demo_dir)
    page = first.check_page
    page.select_job("JOB-1004")
    page.set_port("/dev/ttyTEST9", "iec62056-21")
    page.listen_check.setChecked(False)
    first.resize(1111, 777)
    first.close()

    second = make_window(demo_dir, resize=False)
    page = second.check_page
    assert page.job_reference() == "JOB-1004"
    assert page.protocol() == "iec62056-21"
    assert page.port_key() == "/dev/ttyTEST9"
    assert not page.listen_check.isChecked()
    assert (second.width(), second.height()) == (1111, 777)


def test_pages_switch_with_ctrl_numbers_and_every_control_is_named_and_large(
    qtbot: QtBot, window: MainWindow, shoot: Shoot
) -> None:
    for number, name in enumerate(PAGES, start=1):
        QTest.keyClick(
            window, getattr(Qt.Key, f"Key_{number}"), Qt.KeyboardModifier.ControlModifier
        )
        assert window.current_page() == name
        assert window.nav_buttons[name].isChecked()
        QApplication.processEvents()
        page = window.pages[name]
        for widget in page.findChildren(QWidget):
            if not widget.isVisible() or isinstance(widget.parentWidget(), QAbstractSpinBox):
                continue  # a spin box's own editor: the spin box carries the name
            if isinstance(widget, QAbstractButton | QComboBox | QLineEdit):
                named = widget.accessibleName() or (
                    isinstance(widget, QAbstractButton) and widget.text()
                )
                assert named, f"{name}: {widget!r} has no accessible name"
            if isinstance(widget, QPushButton | QComboBox | QLineEdit):
                assert widget.height() >= 44, f"{name}: {widget!r} is {widget.height()} px"
        if name == "check":
            shoot(window, "page-check")
    assert QFontInfo(QApplication.font()).pointSize() >= 11


def test_verdict_banner_text_is_large_and_bold(qtbot: QtBot, window: MainWindow) -> None:
    run_check(qtbot, window, job="JOB-1001", profile="halden-s1")
    title: QFont = window.check_page.banner.title.font()
    info = QFontInfo(title)
    assert info.pointSize() >= 24 and info.bold()
    body = QFontInfo(window.check_page.reasons.items[0].message.font())
    assert body.pointSize() >= 11
    join = window.check_page.join_button
    assert join.height() >= max(b.height() for b in window.check_page.findChildren(QPushButton)
                                if b.isVisible() and b is not join) - 1  # fmt: skip


def test_the_demo_settings_pick_the_optical_probe_and_a_simulator(
    window: MainWindow, demo_dir: Path
) -> None:
    values = json.loads((demo_dir / "settings.json").read_text(encoding="utf-8"))
    assert values["default_protocol"] == "iec62056-21"
    page = window.check_page
    assert page.protocol() == "iec62056-21"
    assert page.port_key() == "sim:halden-s1"
    assert page.port_combo.findData("sim:unplugged") >= 0  # fault simulators too


def test_about_shows_the_version_the_cpl_and_where_the_data_is(
    window: MainWindow, demo_dir: Path, shoot: Shoot
) -> None:
    from installer_app import __version__

    dialog = window.show_about()
    try:
        assert dialog.isVisible()
        assert __version__ in dialog.findChild(QLabel, "aboutTitle").text()  # type: ignore[union-attr]
        assert "320 entries" in dialog.fields["CPL"].text()
        assert dialog.fields["Data directory"].text() == str(demo_dir)
        assert dialog.fields["Log file"].text().endswith("installer-app.log")
        shoot(dialog, "dialog-about")
    finally:
        dialog.close()
