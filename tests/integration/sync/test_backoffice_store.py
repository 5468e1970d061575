"""The back office's rules on each database it supports (SQLite; PostgreSQL when CI starts one)."""

from __future__ import annotations

import json
import threading
import uuid
from collections import Counter
from pathlib import Path

import pytest

from installer_app.errors import UserError
from installer_app.services.sync import sync_now
from installer_app.sync.backoffice.store import BackOffice, PushRecord
from tests.conftest import CPL_HEADER, csv_bytes
from tests.integration.sync.conftest import (
    CPL_V1,
    FAST,
    assert_exactly_once,
    jobs_document,
    new_installer,
    publish_reference,
    queue_records,
    write,
)
from tests.integration.sync.harness import ThreadServer


def records(count: int, kind: str = "decision") -> list[PushRecord]:
    return [
        PushRecord(
            str(uuid.uuid4()), kind, "2026-11-24T08:00:00Z", {"check_id": str(uuid.uuid4()), "n": i}
        )
        for i in range(count)
    ]


def statuses(outcomes: list[object]) -> list[str]:
    return [o.status for o in outcomes]  # type: ignore[attr-defined]


@pytest.fixture
def bo(db_url: str) -> BackOffice:
    office = BackOffice(db_url)
    yield office  # type: ignore[misc]
    office.close()


def test_a_record_is_stored_once_however_often_it_is_sent(bo: BackOffice) -> None:
    batch = records(40)
    bo.create_token("I1")  # the installer exists from its token
    assert statuses(bo.push("I1", batch)) == ["stored"] * 40
    again = bo.push("I1", batch[::-1])
    assert statuses(again) == ["duplicate"] * 40
    assert [o.idempotency_key for o in again] == [r.idempotency_key for r in batch[::-1]]
    assert len(bo.records("I1")) == 40
    # The same record from another installer is that installer's record.
    bo.create_token("I2")
    assert statuses(bo.push("I2", batch[:3])) == ["stored"] * 3
    assert len(bo.records("I2")) == 3 and len(bo.records("I1")) == 40


def test_racing_duplicate_deliveries_store_each_record_once(bo: BackOffice) -> None:
    bo.create_token("RACE")
    batch = records(60)
    results: list[list[str]] = []
    errors: list[BaseException] = []
    start = threading.Barrier(6)

    def deliver() -> None:
        try:
            start.wait(timeout=10)
            results.append(statuses(bo.push("RACE", batch)))
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=deliver) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    assert len(results) == 6
    per_record = [Counter(column) for column in zip(*results, strict=True)]
    assert all(counts == {"stored": 1, "duplicate": 5} for counts in per_record)
    assert len(bo.records("RACE")) == 60


def test_a_key_reused_for_another_record_and_a_second_decision_are_refused(bo: BackOffice) -> None:
    bo.create_token("I1")
    [original] = records(1)
    assert statuses(bo.push("I1", [original])) == ["stored"]
    changed = PushRecord(original.idempotency_key, "decision", "t", {"check_id": "c", "x": 1})
    [outcome] = bo.push("I1", [changed])
    assert outcome.status == "rejected" and "already used" in (outcome.message or "")
    # The same decision for the same check under a new key: the same fact, acknowledged once.
    payload = dict(original.payload)  # type: ignore[call-overload]
    same_fact = PushRecord(str(uuid.uuid4()), "decision", "t", payload)
    assert statuses(bo.push("I1", [same_fact])) == ["duplicate"]
    other_fact = PushRecord(str(uuid.uuid4()), "decision", "t", {**payload, "decision": "joined"})
    [refused] = bo.push("I1", [other_fact])
    assert refused.status == "rejected" and "already stored" in (refused.message or "")
    stored = bo.records("I1")
    assert len(stored) == 1 and stored[0].payload == original.payload


def test_malformed_records_are_refused_one_by_one(bo: BackOffice) -> None:
    bo.create_token("I1")
    good = records(2)
    bad = [
        PushRecord("not-a-uuid", "check", "t", {}),
        PushRecord(str(uuid.uuid4()).upper(), "check", "t", {}),
        PushRecord(str(uuid.uuid4()), "selfie", "t", {}),
        PushRecord(str(uuid.uuid4()), "check", "t", ["not", "an", "object"]),
        PushRecord(str(uuid.uuid4()), "check", 5, {}),
        PushRecord(str(uuid.uuid4()), "check", "t", {"blob": "x" * 70_000}),
    ]
    outcomes = bo.push("I1", [good[0], *bad, good[1]])
    assert statuses(outcomes) == ["stored", *["rejected"] * len(bad), "stored"]
    assert all(o.message for o in outcomes[1:-1])
    assert len(bo.records("I1")) == 2


def test_tokens_authenticate_until_revoked(bo: BackOffice) -> None:
    token = bo.create_token("INST-9")
    principal = bo.authenticate(token)
    assert principal is not None and principal.installer_id == "INST-9"
    token_id, secret = token.split(".")[1:]
    assert bo.authenticate(f"ia1.{token_id}.{secret[:-1]}x") is None
    assert bo.authenticate(f"ia1.{'0' * 16}.{secret}") is None
    assert bo.authenticate("") is None and bo.authenticate("x" * 10_000) is None
    info = bo.revoke_token(token_id)
    assert info.installer_id == "INST-9" and info.revoked_at
    assert bo.authenticate(token) is None
    assert bo.revoke_token(token).revoked_at == info.revoked_at  # revoking twice is harmless
    [listed] = bo.list_tokens()
    assert listed.token_id == token_id and listed.revoked_at == info.revoked_at
    with pytest.raises(UserError):
        bo.revoke_token("f" * 16)
    with pytest.raises(UserError):
        bo.create_token("bad installer id!")


def test_feeds_page_in_order_and_resume_from_a_cursor(bo: BackOffice, tmp_path: Path) -> None:
    refs = [f"J-{i}" for i in range(7)]
    bo.load_jobs([write(tmp_path / "j.json", jobs_document(refs))], "I1")
    pulled: list[str] = []
    cursor = None
    for _ in range(10):
        page = bo.jobs_page("I1", cursor, 3)
        pulled += [item["reference"] for item in page.items]
        cursor = page.next_cursor
        if not page.has_more:
            break
    assert pulled == refs
    assert bo.jobs_page("I1", cursor, 3).items == []
    bo.load_jobs([write(tmp_path / "k.json", jobs_document(["J-2", "J-9"]))], "I1")
    assert [i["reference"] for i in bo.jobs_page("I1", cursor, 3).items] == ["J-2", "J-9"]
    assert bo.jobs_page("I2", None, 3).items == []  # another installer's feed is empty
    assert len(bo.jobs_page("I1", "0000dead.99", 100).items) == 8  # another database's cursor
    with pytest.raises(ValueError):
        bo.jobs_page("I1", f"{bo.epoch}.x", 3)


def test_loads_feed_the_cursor_in_commit_order(bo: BackOffice, tmp_path: Path) -> None:
    """Loads race with a reader paging the feed: the reader never skips a change."""
    files = [
        write(
            tmp_path / f"load-{n}.json", jobs_document([f"L{n}-{i}" for i in range(5)], start=n * 5)
        )
        for n in range(12)
    ]
    seen: list[str] = []
    done = threading.Event()
    errors: list[BaseException] = []

    def loader(mine: list[str]) -> None:
        try:
            for file in mine:
                bo.load_jobs([file], "FEED")
        except BaseException as exc:  # pragma: no cover
            errors.append(exc)

    loaders = [threading.Thread(target=loader, args=(files[k::3],)) for k in range(3)]
    for thread in loaders:
        thread.start()
    cursor = None
    for _ in range(10_000):
        finished = all(not t.is_alive() for t in loaders)
        page = bo.jobs_page("FEED", cursor, 4)
        seen += [item["reference"] for item in page.items]
        cursor = page.next_cursor
        if finished and not page.has_more:
            break
    done.set()
    for thread in loaders:
        thread.join(timeout=60)
    assert errors == []
    assert sorted(seen) == sorted(f"L{n}-{i}" for n in range(12) for i in range(5))


def test_bad_files_load_nothing(bo: BackOffice, tmp_path: Path) -> None:
    bad_cpl = csv_bytes(
        [CPL_HEADER, ["PPMID", "M", "XYZ", "", "1", "1", "1", "SMETS1", "", "Active", ""]]
    )
    with pytest.raises(UserError, match=r"bad\.csv"):
        bo.load_reference("cpl", write(tmp_path / "bad.csv", bad_cpl))
    with pytest.raises(UserError, match="no such file"):
        bo.load_reference("cpl", str(tmp_path / "missing.csv"))
    with pytest.raises(UserError, match=r"jobs\.json"):
        bo.load_jobs([write(tmp_path / "jobs.json", b'{"jobs": [{"reference": "A"}]}')], "I1")
    with pytest.raises(UserError):
        bo.load_prenotifications([write(tmp_path / "pn.csv", b"Device ID\nnonsense\n")])
    assert bo.reference_lists() == []
    counts = bo.counts()
    assert counts["jobs"] == 0 and counts["prenotifications"] == 0
    publish_reference(bo, tmp_path, CPL_V1)
    assert "unchanged" in bo.load_reference("cpl", write(tmp_path / "again.csv", CPL_V1))


def test_a_device_syncs_against_each_database(db_url: str, tmp_path: Path) -> None:
    server = ThreadServer(db_url)
    try:
        bo = server.backoffice
        publish_reference(bo, tmp_path)
        me = new_installer(bo, tmp_path, "INST-DB", jobs=4)
        queue_records(me.data_dir, 25)
        report = sync_now(me.data_dir, server=server.url, token=me.token, retry=FAST, push_batch=10)
        assert report.ok and report.jobs == 4 and report.stored == 25
        assert "imported" in report.reference["cpl"]
        again = sync_now(me.data_dir, retry=FAST)
        assert "HTTP 304" in again.reference["cpl"] and again.sent == 0
        assert_exactly_once(bo, me)
        assert json.dumps(bo.records("INST-DB")[0].payload)
    finally:
        server.stop()
