"""The CPL page over a 100,000-entry list: SQLite filters, sorts and pages; the model never
holds more than a few pages; searching never blocks the GUI thread."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from pytestqt.qtbot import QtBot

from installer_app.services import browse, import_reference, open_database
from installer_app.services.browse import FindQuery
from installer_app.ui.main_window import MainWindow
from installer_app.ui.models.cpl import BILINGUAL, LOADING, MAX_PAGES, PAGE_SIZE
from installer_app.ui.pages.cpl import CplPage
from tests.bench.common import write_cpl
from tests.gui.conftest import MakeWindow, Shoot
from tests.gui.helpers import WAIT_MS

ROWS = 100_000


@pytest.fixture(scope="module")
def big_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    work = tmp_path_factory.mktemp("big-cpl")
    source = write_cpl(work / "cpl.csv", ROWS)
    directory = work / "data"
    with open_database(directory) as db:
        import_reference(db, "cpl", str(source))
    return directory


@pytest.fixture
def big_dir(tmp_path: Path, big_template: Path) -> Path:
    target = tmp_path / "big-data"
    shutil.copytree(big_template, target)
    return target


def open_cpl_page(qtbot: QtBot, window: MainWindow) -> CplPage:
    page = window.cpl_page
    with qtbot.waitSignal(page.model.searched, timeout=WAIT_MS):
        QTest.keyClick(window, Qt.Key.Key_3, Qt.KeyboardModifier.ControlModifier)
    assert window.current_page() == "cpl"
    return page


def search(qtbot: QtBot, page: CplPage, **changes: object) -> int:
    with qtbot.waitSignal(page.model.searched, timeout=WAIT_MS) as blocker:
        for name, value in changes.items():
            if name == "text":
                page.search_edit.setText(str(value))
                page.apply_filters()
            elif name == "bilingual":
                page.bilingual_check.setChecked(bool(value))
            else:
                combo = getattr(page, f"{name}_combo")
                combo.setCurrentIndex(combo.findData(value))
        # The search runs in the background: the page says so and the GUI thread is free.
        assert page.model.searching
        assert page.count_label.text() == "Searching…"
    total = blocker.args[0]
    assert isinstance(total, int)
    return total


def direct(
    big_dir: Path, query: FindQuery, offset: int = 0, limit: int = 5
) -> tuple[int, list[str]]:
    with open_database(big_dir) as db:
        result = browse.cpl_search(db, query, limit)
        page = browse.cpl_page(db, query, offset, limit) if offset else result.entries
    return result.total, [f"{e.manufacturer_id}/{e.model_id}/{e.firmware_version}" for e in page]


def shown(page: CplPage, row: int) -> str:
    entry = page.model.entry(row)
    assert entry is not None
    return f"{entry.manufacturer_id}/{entry.model_id}/{entry.firmware_version}"


def test_100k_entries_are_paged_from_sqlite_not_loaded(
    qtbot: QtBot, make_window: MakeWindow, big_dir: Path, shoot: Shoot
) -> None:
    window = make_window(big_dir, demo=False)
    page = open_cpl_page(qtbot, window)
    qtbot.waitUntil(lambda: page.overview is not None)
    assert page.model.rowCount() == ROWS
    assert page.count_label.text() == f"All {ROWS:,} entries"
    assert f"{ROWS:,} entries" in page.version_label.text()
    assert page.model.loaded_rows() <= 2 * PAGE_SIZE
    page.select_row(0)
    qtbot.waitUntil(lambda: page.model_table.rowCount() > 0, timeout=WAIT_MS)
    shoot(window, "page-cpl")
    page.table.clearSelection()

    # Jumping to the end fetches only the last page, in the background; the selected entry's
    # model is shown once its page has arrived.
    last = ROWS - 1
    assert page.model.entry(last) is None
    with qtbot.waitSignal(page.model.page_loaded, timeout=WAIT_MS):
        page.select_row(last)
        assert page.model.data(page.model.index(last, 0)) == LOADING
    assert shown(page, last) == direct(big_dir, FindQuery(), offset=last, limit=1)[1][0]
    entry = page.model.entry(last)
    assert entry is not None
    qtbot.waitUntil(lambda: entry.model_id in page.model_title.text(), timeout=WAIT_MS)
    assert page.model.loaded_rows() <= MAX_PAGES * PAGE_SIZE < ROWS


def test_search_filters_and_sort_run_in_sqlite(
    qtbot: QtBot, make_window: MakeWindow, big_dir: Path
) -> None:
    window = make_window(big_dir, demo=False)
    page = open_cpl_page(qtbot, window)

    total = search(qtbot, page, text="model 4242")
    expected_total, first = direct(big_dir, FindQuery(text="model 4242"))
    assert total == expected_total == page.model.rowCount() > 0
    assert shown(page, 0) == first[0]
    assert page.count_label.text() == f"{total:,} of {ROWS:,} entries"

    search(qtbot, page, text="")
    total = search(qtbot, page, type="PPMID", generation="SMETS1")
    assert total == direct(big_dir, FindQuery(device_type="PPMID", generation="SMETS1"))[0]
    entry = page.model.entry(0)
    assert entry is not None and entry.device_type == "PPMID"
    assert str(entry.smets_generation) == "SMETS1"

    total = search(qtbot, page, bilingual=True)
    assert (
        total
        == direct(
            big_dir, FindQuery(device_type="PPMID", generation="SMETS1", bilingual_only=True)
        )[0]
    )
    assert page.model.data(page.model.index(0, 9)) == BILINGUAL  # bilingual models are marked

    # Sorting a column is an ORDER BY in SQLite, not a proxy model.
    with qtbot.waitSignal(page.model.searched, timeout=WAIT_MS):
        page.table.sortByColumn(6, Qt.SortOrder.DescendingOrder)
    query = FindQuery(
        device_type="PPMID", generation="SMETS1", bilingual_only=True,
        order_by=f"firmware_version DESC, {FindQuery().order_by}",
    )  # fmt: skip
    assert shown(page, 0) == direct(big_dir, query)[1][0]
    assert page.model.loaded_rows() <= PAGE_SIZE


def test_manufacturer_filter_and_the_selected_models_entries(
    qtbot: QtBot, make_window: MakeWindow, big_dir: Path
) -> None:
    window = make_window(big_dir, demo=False)
    page = open_cpl_page(qtbot, window)
    assert page.manufacturer_combo.count() == 1  # the list is walked only when wanted
    page.manufacturer_combo.showPopup()
    qtbot.waitUntil(lambda: page.manufacturer_combo.count() > 100, timeout=WAIT_MS)
    page.manufacturer_combo.hidePopup()
    maker = page.manufacturer_combo.itemData(5)
    total = search(qtbot, page, manufacturer=maker)
    assert total == direct(big_dir, FindQuery(manufacturer=maker))[0]
    entry = page.model.entry(0)
    assert entry is not None and entry.manufacturer_id == maker

    page.select_row(0)
    with open_database(big_dir) as db:
        entries = browse.cpl_model_entries(db, entry.manufacturer_id, entry.model_id)
    qtbot.waitUntil(lambda: page.model_table.rowCount() == len(entries), timeout=WAIT_MS)
    assert entry.model_id in page.model_title.text()


def test_what_changed_since_the_previous_version(
    qtbot: QtBot, make_window: MakeWindow, demo_dir: Path, tmp_path: Path, shoot: Shoot
) -> None:
    window = make_window(demo_dir)
    page = open_cpl_page(qtbot, window)
    assert page.count_label.text() == "All 320 entries"
    page.changes_button.click()
    assert "first CPL imported" in page.changes.text.text()

    newer = write_cpl(tmp_path / "newer.csv", 500)
    with (
        qtbot.waitSignal(page.model.searched, timeout=WAIT_MS),
        qtbot.waitSignal(window.sync_page.import_finished, timeout=WAIT_MS),
    ):
        window.sync_page.start_import("cpl", [str(newer)])
    qtbot.waitUntil(lambda: page.count_label.text() == "All 500 entries", timeout=WAIT_MS)
    text = page.changes.text.text()
    assert "500 added, 320 removed, 0 changed" in text
    # Entry by entry too: 12 of each kind, read from SQLite in the background.
    qtbot.waitUntil(lambda: len(page.changed_entries) == 24, timeout=WAIT_MS)
    assert sum(e.startswith("added ") for e in page.changed_entries) == 12
    assert sum(e.startswith("removed ") for e in page.changed_entries) == 12
    assert "\nremoved PPMID 1063/" in page.changes.text.text()  # PPMIDs first
    shoot(window, "page-cpl-changes")
