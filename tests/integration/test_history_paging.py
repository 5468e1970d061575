"""The History list pages by key (checked_at, row): every check appears exactly once, in order,
however many share a timestamp and even when checks are recorded between two pages. The CSV
export writes every check once, and nothing a spreadsheet would run as a formula; a not-joined
reason is kept whole or refused."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from installer_app.domain.model import Generation
from installer_app.domain.prenotification import Installation
from installer_app.errors import UserError
from installer_app.services import browse, checks, open_database
from installer_app.store.audit import StoredCheck


def _record(data_dir: Path, count: int, start: int = 0) -> None:
    with open_database(data_dir) as db:
        for i in range(start, start + count):
            outcome = checks.check_reading(
                db,
                checks.manual_reading(f"00DB{i:012X}"),
                installation=Installation(Generation.SMETS2),
            )
            if i % 3 == 0:
                checks.record_not_joined(db, outcome.check_id, "paging test")


def _all_pages(data_dir: Path, size: int, **filters: str) -> list[StoredCheck]:
    shown: list[StoredCheck] = []
    with open_database(data_dir) as db:
        while True:
            after = shown[-1].page_key if shown else None
            page = browse.list_checks(db, limit=size, after=after, **filters)
            shown.extend(page)
            if len(page) < size:
                return shown


def test_paging_by_key_shows_every_check_once_newest_first(tmp_path: Path) -> None:
    data = tmp_path / "data"
    _record(data, 230)  # recorded in a tight loop: many share a timestamp
    with open_database(data) as db:
        whole = browse.list_checks(db, limit=10_000)
    assert len(whole) == 230
    assert len({c.checked_at for c in whole}) < 230, "no shared timestamps: the tie is untested"
    for size in (1, 7, 100, 230, 500):
        assert [c.check_id for c in _all_pages(data, size)] == [c.check_id for c in whole]
    blocked_or_not = _all_pages(data, 9, verdict=whole[0].verdict)
    assert blocked_or_not == [c for c in whole if c.verdict == whole[0].verdict]
    assert [c.page_key for c in whole] == sorted((c.page_key for c in whole), reverse=True)


def test_a_check_recorded_between_two_pages_neither_repeats_nor_hides_a_row(
    tmp_path: Path,
) -> None:
    data = tmp_path / "data"
    _record(data, 60)
    with open_database(data) as db:
        before = [c.check_id for c in browse.list_checks(db, limit=1000)]
        first = browse.list_checks(db, limit=25)
    _record(data, 5, start=1000)  # newer than every row shown so far
    with open_database(data) as db:
        rest: list[StoredCheck] = []
        while True:
            page = browse.list_checks(db, limit=25, after=(rest or first)[-1].page_key)
            rest.extend(page)
            if len(page) < 25:
                break
    assert [c.check_id for c in first + rest] == before


def test_the_export_writes_every_filtered_check_once(tmp_path: Path) -> None:
    data = tmp_path / "data"
    _record(data, 45)
    out = tmp_path / "checks.csv"
    with open_database(data) as db:
        count = browse.export_checks_csv(db, out, chunk=4)
        whole = browse.list_checks(db, limit=1000)
    with out.open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert count == len(rows) == 45
    assert [r["check_id"] for r in rows] == [c.check_id for c in whole]


def test_the_export_keeps_what_looks_like_a_formula_as_text(tmp_path: Path) -> None:
    data = tmp_path / "data"
    reasons = ['=HYPERLINK("http://evil.example","open")', "@SUM(A1)", "+44 7700", "-1 wrong"]
    with open_database(data) as db:
        for i, reason in enumerate(reasons):
            outcome = checks.check_reading(
                db,
                checks.manual_reading(f"00DB{i:012X}"),
                installation=Installation(Generation.SMETS2),
            )
            checks.record_not_joined(db, outcome.check_id, reason)
        out = tmp_path / "checks.csv"
        browse.export_checks_csv(db, out)
        stored = {c.decision_reason for c in browse.list_checks(db)}
    assert stored == set(reasons)  # stored as typed …
    with out.open(encoding="utf-8-sig", newline="") as handle:
        exported = {row["decision_reason"] for row in csv.DictReader(handle)}
    assert exported == {"'" + r for r in reasons}  # … exported so no spreadsheet runs it


def test_an_over_long_reason_is_refused_whole_not_cut(tmp_path: Path) -> None:
    data = tmp_path / "data"
    with open_database(data) as db:
        outcome = checks.check_reading(
            db,
            checks.manual_reading("00DB000000000001"),
            installation=Installation(Generation.SMETS2),
        )
        with pytest.raises(UserError, match="501 characters"):
            checks.record_not_joined(db, outcome.check_id, "x" * 501)
        assert browse.list_checks(db)[0].decision is None  # nothing recorded
        checks.record_not_joined(db, outcome.check_id, "y" * 500)
        assert browse.list_checks(db)[0].decision_reason == "y" * 500
