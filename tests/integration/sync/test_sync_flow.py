"""Sync against the real back office on loopback: pull, push, conditional GET, cursors, tokens."""

from __future__ import annotations

import json
import sqlite3
import threading
from pathlib import Path

import httpx
import pytest

from installer_app import settings
from installer_app.services.sync import sync_now, sync_status
from installer_app.store import audit
from installer_app.store.audit import CheckInput
from installer_app.store.db import Database
from installer_app.store.reference import utc_now
from installer_app.sync import credentials
from installer_app.sync.client import SyncError
from tests.integration.sync.conftest import (
    CPL_V1,
    CPL_V2,
    FAST,
    assert_exactly_once,
    eui,
    jobs_document,
    local_state,
    new_installer,
    outbox,
    prenotifications_csv,
    publish_reference,
    queue_records,
    write,
)
from tests.integration.sync.harness import ThreadServer


def jobs_here(data_dir: Path) -> dict[str, str]:
    connection = sqlite3.connect(data_dir / "installer.sqlite")
    try:
        return dict(connection.execute("SELECT reference, address FROM job").fetchall())
    finally:
        connection.close()


def current_devices(data_dir: Path) -> dict[str, str | None]:
    connection = sqlite3.connect(data_dir / "installer.sqlite")
    try:
        return dict(
            connection.execute(
                "SELECT device_id, firmware_version FROM prenotification WHERE is_current"
            ).fetchall()
        )
    finally:
        connection.close()


def test_first_sync_pulls_everything_then_pushes_real_decisions(
    server: ThreadServer, tmp_path: Path
) -> None:
    bo = server.backoffice
    publish_reference(bo, tmp_path)
    bo.load_reference("epcl", str(Path("resources/demo/epcl.csv").resolve()))
    me = new_installer(bo, tmp_path, "INST-A", jobs=3)
    bo.load_prenotifications(
        [
            write(
                tmp_path / "pn.csv",
                prenotifications_csv([(eui(0), "INST-A-JOB-0000"), (eui(1), None)]),
            )
        ]
    )
    stages: list[str] = []
    report = sync_now(
        me.data_dir,
        server=server.url,
        token=me.token,
        retry=FAST,
        progress=lambda stage, done, total: stages.append(stage),
    )
    assert report.ok, report.problems
    assert report.installer_id == "INST-A"
    assert report.jobs == 3 and report.prenotifications == 2
    assert "imported" in report.reference["cpl"] and "imported" in report.reference["epcl"]
    assert "not published" in report.reference["advisories"]
    assert set(jobs_here(me.data_dir)) == {"INST-A-JOB-0000", "INST-A-JOB-0001", "INST-A-JOB-0002"}
    assert set(current_devices(me.data_dir)) == {eui(0), eui(1)}
    assert stages[0] == "connect" and {"cpl", "jobs", "apply"} <= set(stages)

    # Checks and decisions recorded on site, exactly as the check command records them.
    with Database(me.data_dir) as db:
        for n in range(2):
            check_id = f"00000000-0000-4000-8000-00000000000{n}"
            audit.record_check(
                db,
                CheckInput(
                    check_id=check_id, checked_at=utc_now(), installer_id=None,
                    job_reference="INST-A-JOB-0000", installation="SMETS1", cohort="FOC",
                    device_id=eui(n), verdict="allow", prenotified_as="SMETS1",
                    reason_codes=(), reading={"raw": "x"}, prenotification_id=None,
                    cpl_version_id=None, result={"check_id": check_id, "verdict": "allow"},
                ),
            )  # fmt: skip
            audit.record_decision(db, check_id, "joined" if n else "not-joined", reason="test")
    report = sync_now(me.data_dir, retry=FAST)  # address and token remembered
    assert report.ok and report.stored == 5 and report.pending == 0
    assert report.jobs == 0 and report.prenotifications == 0
    assert "HTTP 304" in report.reference["cpl"]
    assert_exactly_once(bo, me)
    decisions = bo.records("INST-A", "decision")
    assert sorted(r.payload["decision"] for r in decisions) == ["joined", "not-joined"]

    status = sync_status(me.data_dir)
    assert status.pending == 0 and status.last_sync_at == report.finished_at
    assert status.server == server.url and status.last_error is None
    assert credentials.token_path(me.data_dir).stat().st_mode & 0o077 == 0
    assert me.token not in json.dumps(settings.load(me.data_dir))


def test_incremental_pull_gets_only_what_changed_over_many_pages(
    server: ThreadServer, tmp_path: Path
) -> None:
    bo = server.backoffice
    me = new_installer(bo, tmp_path, "INST-P", jobs=23)
    first = sync_now(me.data_dir, server=server.url, token=me.token, retry=FAST, page_limit=4)
    assert first.jobs == 23 and len(jobs_here(me.data_dir)) == 23

    # Two jobs change, three are new; a record arrives for a job's expected PPMID.
    changed = [f"INST-P-JOB-{i:04d}" for i in (3, 7)] + [f"INST-P-NEW-{i}" for i in range(3)]
    bo.load_jobs(
        [write(tmp_path / "more.json", jobs_document(changed, address="Changed Road"))], "INST-P"
    )
    bo.load_prenotifications([write(tmp_path / "pn.csv", prenotifications_csv([(eui(0), None)]))])
    second = sync_now(me.data_dir, retry=FAST, page_limit=4)
    assert (second.jobs, second.prenotifications) == (5, 1)
    local = jobs_here(me.data_dir)
    assert len(local) == 26
    assert local["INST-P-JOB-0003"].endswith("Changed Road")
    assert local["INST-P-JOB-0004"].endswith("Test Street")
    third = sync_now(me.data_dir, retry=FAST, page_limit=4)
    assert (third.jobs, third.prenotifications) == (0, 0)


def test_a_newer_record_replaces_the_current_one_and_a_later_job_brings_older_records(
    server: ThreadServer, tmp_path: Path
) -> None:
    bo = server.backoffice
    # Records loaded before any job names them are held until a job does.
    bo.load_prenotifications(
        [write(tmp_path / "early.csv", prenotifications_csv([(eui(5), "LATE-JOB")], "00000001"))]
    )
    me = new_installer(bo, tmp_path, "INST-L")
    sync_now(me.data_dir, server=server.url, token=me.token, retry=FAST)
    assert current_devices(me.data_dir) == {}
    bo.load_jobs([write(tmp_path / "late.json", jobs_document(["LATE-JOB"], start=77))], "INST-L")
    report = sync_now(me.data_dir, retry=FAST)
    assert report.jobs == 1 and report.prenotifications == 1
    assert current_devices(me.data_dir) == {eui(5): "00000001"}
    bo.load_prenotifications(
        [write(tmp_path / "new.csv", prenotifications_csv([(eui(5), "LATE-JOB")], "00000002"))]
    )
    sync_now(me.data_dir, retry=FAST)
    assert current_devices(me.data_dir) == {eui(5): "00000002"}


def test_each_installer_sees_only_its_own_jobs_and_records(
    server: ThreadServer, tmp_path: Path
) -> None:
    bo = server.backoffice
    alice = new_installer(bo, tmp_path, "ALICE", jobs=2)
    bob = new_installer(bo, tmp_path, "BOB")
    bo.load_jobs([write(tmp_path / "bob.json", jobs_document(["BOB-1"], start=50))], "BOB")
    # Shared records go to whoever's job names them; --installer records to that installer only.
    bo.load_prenotifications(
        [write(tmp_path / "shared.csv", prenotifications_csv([(eui(0), None), (eui(50), None)]))]
    )
    bo.load_prenotifications(
        [write(tmp_path / "bob-only.csv", prenotifications_csv([(eui(1), "ALICE-JOB-0001")]))],
        "BOB",
    )
    for who in (alice, bob):
        assert sync_now(who.data_dir, server=server.url, token=who.token, retry=FAST).ok
    assert set(jobs_here(alice.data_dir)) == {"ALICE-JOB-0000", "ALICE-JOB-0001"}
    assert set(jobs_here(bob.data_dir)) == {"BOB-1"}
    assert set(current_devices(alice.data_dir)) == {eui(0)}
    assert set(current_devices(bob.data_dir)) == {eui(50), eui(1)}

    # Alice's records are filed under Alice whatever the payload claims.
    queue_records(alice.data_dir, 3)
    with Database(alice.data_dir) as db, db.write() as connection:
        connection.execute("UPDATE outbox SET payload = json_set(payload, '$.installer_id', 'BOB')")
    assert sync_now(alice.data_dir, retry=FAST).stored == 3
    assert len(bo.records("ALICE")) == 3 and bo.records("BOB") == []

    # The API takes no installer: Bob's token reads Bob's feed, whatever he asks for.
    headers = {"Authorization": f"Bearer {bob.token}"}
    page = httpx.get(
        f"{server.url}/api/v1/jobs", params={"installer_id": "ALICE"}, headers=headers
    ).json()
    assert [job["reference"] for job in page["items"]] == ["BOB-1"]


def test_revoked_unknown_and_malformed_tokens_are_refused_and_change_nothing(
    server: ThreadServer, tmp_path: Path
) -> None:
    bo = server.backoffice
    publish_reference(bo, tmp_path)
    me = new_installer(bo, tmp_path, "INST-R", jobs=1)
    assert sync_now(me.data_dir, server=server.url, token=me.token, retry=FAST).ok
    queue_records(me.data_dir, 2)
    publish_reference(bo, tmp_path, CPL_V2)
    bo.load_jobs([write(tmp_path / "j.json", jobs_document(["INST-R-X"]))], "INST-R")
    before = local_state(me.data_dir)
    bo.revoke_token(me.token)
    token_id = me.token.split(".")[1]
    forged = f"ia1.{token_id}.{'A' * 43}"
    for token in (me.token, forged, "ia1.0000000000000000." + "B" * 43, "not-a-token-at-all"):
        with pytest.raises(SyncError) as failure:
            sync_now(me.data_dir, token=token, retry=FAST)
        assert failure.value.category == "token", failure.value.message
        assert "token" in failure.value.message and token not in failure.value.message
        assert local_state(me.data_dir) == before
    assert bo.records("INST-R") == []
    assert settings.load(me.data_dir)["last_sync_error"].startswith("the back office refused")

    for headers in ({}, {"Authorization": "Bearer"}, {"Authorization": f"Basic {me.token}"}):
        answer = httpx.get(f"{server.url}/api/v1/me", headers=headers)
        assert answer.status_code == 401 and answer.headers["WWW-Authenticate"] == "Bearer"
        assert answer.json()["error"]["code"] == "token_missing"

    fresh = bo.create_token("INST-R")
    assert sync_now(me.data_dir, token=fresh, retry=FAST).stored == 2


def test_tokens_are_stored_hashed(server: ThreadServer, tmp_path: Path) -> None:
    token = server.backoffice.create_token("INST-H")
    secret = token.split(".")[2]
    database = (tmp_path / "backoffice.sqlite").read_bytes()
    wal = tmp_path / "backoffice.sqlite-wal"
    content = database + (wal.read_bytes() if wal.exists() else b"")
    assert secret.encode() not in content
    assert token.split(".")[1].encode() in content


def test_offline_sync_says_so_and_changes_nothing(server: ThreadServer, tmp_path: Path) -> None:
    bo = server.backoffice
    me = new_installer(bo, tmp_path, "INST-O", jobs=1)
    ok = sync_now(me.data_dir, server=server.url, token=me.token, retry=FAST)
    queue_records(me.data_dir, 4)
    before = local_state(me.data_dir)
    server.stop()
    with pytest.raises(SyncError) as failure:
        sync_now(me.data_dir, retry=FAST)
    assert failure.value.category == "offline"
    assert "offline" in failure.value.message and "Nothing was changed" in failure.value.message
    assert local_state(me.data_dir) == before
    status = sync_status(me.data_dir)
    assert status.last_sync_at == ok.finished_at and status.pending == 4
    assert status.last_error == failure.value.message


def test_a_reader_during_sync_sees_the_old_or_the_new_cpl_never_a_mix(
    server: ThreadServer, tmp_path: Path
) -> None:
    from tests.integration.test_store_consistency import _cpl

    bo = server.backoffice
    bo.load_reference("cpl", write(tmp_path / "old.csv", _cpl("AAAA", 8_000)))
    me = new_installer(bo, tmp_path, "INST-M")
    sync_now(me.data_dir, server=server.url, token=me.token, retry=FAST)
    bo.load_reference("cpl", write(tmp_path / "new.csv", _cpl("BBBB", 12_000)))
    seen: set[tuple[int, str]] = set()
    stop = threading.Event()

    def reader() -> None:
        connection = sqlite3.connect(me.data_dir / "installer.sqlite", isolation_level=None)
        while not stop.is_set():
            connection.execute("BEGIN")
            count, markers = connection.execute(
                "SELECT count(*), group_concat(DISTINCT firmware_version) FROM cpl_entry WHERE "
                "version_id = (SELECT id FROM dataset_version WHERE kind = 'cpl' AND is_current)"
            ).fetchone()
            connection.execute("COMMIT")
            seen.add((count, markers))
        connection.close()

    thread = threading.Thread(target=reader)
    thread.start()
    try:
        assert "imported" in sync_now(me.data_dir, retry=FAST).reference["cpl"]
    finally:
        stop.set()
        thread.join()
    assert seen and seen <= {(8_000, "AAAA"), (12_000, "BBBB")}
    connection = sqlite3.connect(me.data_dir / "installer.sqlite")
    current = connection.execute(
        "SELECT count(*), group_concat(DISTINCT firmware_version) FROM cpl_entry WHERE "
        "version_id = (SELECT id FROM dataset_version WHERE kind = 'cpl' AND is_current)"
    ).fetchone()
    connection.close()
    assert current == (12_000, "BBBB")


def test_a_new_back_office_database_restarts_the_feeds(tmp_path: Path) -> None:
    first = ThreadServer(f"sqlite:///{tmp_path / 'one.sqlite'}")
    try:
        me = new_installer(first.backoffice, tmp_path, "INST-N", jobs=2)
        assert sync_now(me.data_dir, server=first.url, token=me.token, retry=FAST).jobs == 2
    finally:
        first.stop()
    second = ThreadServer(f"sqlite:///{tmp_path / 'two.sqlite'}")
    try:
        token = second.backoffice.create_token("INST-N")
        second.backoffice.load_jobs(
            [write(tmp_path / "j.json", jobs_document(["ONLY-HERE"]))], "INST-N"
        )
        report = sync_now(me.data_dir, server=second.url, token=token, retry=FAST)
        assert report.jobs == 1 and "ONLY-HERE" in jobs_here(me.data_dir)
    finally:
        second.stop()


def test_cpl_v1_to_v2(server: ThreadServer, tmp_path: Path) -> None:
    bo = server.backoffice
    publish_reference(bo, tmp_path, CPL_V1)
    me = new_installer(bo, tmp_path, "INST-V")
    sync_now(me.data_dir, server=server.url, token=me.token, retry=FAST)
    publish_reference(bo, tmp_path, CPL_V2)
    report = sync_now(me.data_dir, retry=FAST)
    assert "imported" in report.reference["cpl"] and "2 removed" in report.reference["cpl"]
    assert outbox(me.data_dir) == {}


def test_cancel_stops_between_batches_and_the_next_sync_finishes(
    server: ThreadServer, tmp_path: Path
) -> None:
    bo = server.backoffice
    me = new_installer(bo, tmp_path, "INST-C", jobs=2)
    queue_records(me.data_dir, 30)
    cancel = threading.Event()

    def progress(stage: str, done: int, total: int | None) -> None:
        if stage == "push" and done >= 10:
            cancel.set()

    with pytest.raises(SyncError) as failure:
        sync_now(
            me.data_dir,
            server=server.url,
            token=me.token,
            retry=FAST,
            progress=progress,
            cancel=cancel,
            push_batch=10,
        )
    assert failure.value.category == "cancelled"
    sent = [key for key, at in outbox(me.data_dir).items() if at]
    assert len(sent) == 10 and len(jobs_here(me.data_dir)) == 2
    assert_exactly_once(bo, me, all_sent=False)
    report = sync_now(me.data_dir, retry=FAST, push_batch=10)
    assert report.ok and report.stored == 20
    assert_exactly_once(bo, me)
