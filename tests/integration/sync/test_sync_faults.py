"""Fault injection: the connection dropped before, during and after every kind of request.

A proxy on loopback sits between the device and the real back office and breaks exactly one
request (or every matching request) in one way. Whatever happens, no decision is lost or stored
twice, the feeds are applied whole or not at all, and each reference list is the old one or the
new one, never a mix.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from installer_app.services.sync import sync_now
from installer_app.sync.backoffice.store import BackOffice
from installer_app.sync.client import SyncError
from tests.integration.sync.conftest import (
    CPL_V1,
    CPL_V2,
    FAST,
    Installer,
    assert_exactly_once,
    eui,
    jobs_document,
    local_state,
    new_installer,
    outbox,
    prenotifications_csv,
    publish_reference,
    queue_records,
    unique,
    write,
)
from tests.integration.sync.harness import Fault, FaultProxy, ThreadServer

TARGETS = {
    "me": ("GET", "/api/v1/me", 0),
    "cpl": ("GET", "/api/v1/reference/cpl", 0),
    "jobs-page-2": ("GET", "/api/v1/jobs", 1),
    "prenotifications": ("GET", "/api/v1/prenotifications", 0),
    "push-batch-2": ("POST", "/api/v1/outbox", 1),
}
PAGE = 2  # jobs per page: 5 jobs make 3 pages
BATCH = 3  # records per push: 7 records make 3 batches
RECORDS = 7


def cpl_rows(data_dir: Path) -> set[tuple[object, ...]]:
    """The current CPL's entries, without the version id."""
    connection = sqlite3.connect(data_dir / "installer.sqlite")
    try:
        return set(
            connection.execute(
                "SELECT manufacturer_id, model_id, hardware_version, firmware_version, "
                "device_type, status FROM cpl_entry WHERE version_id = "
                "(SELECT id FROM dataset_version WHERE kind = 'cpl' AND is_current)"
            ).fetchall()
        )
    finally:
        connection.close()


def job_refs(data_dir: Path) -> set[str]:
    connection = sqlite3.connect(data_dir / "installer.sqlite")
    try:
        return {r for (r,) in connection.execute("SELECT reference FROM job")}
    finally:
        connection.close()


def setup_installer(bo: BackOffice, tmp_path: Path, name: str) -> Installer:
    publish_reference(bo, tmp_path, CPL_V1)
    me = new_installer(bo, tmp_path, name, jobs=5)
    bo.load_prenotifications(
        [write(tmp_path / "pn.csv", prenotifications_csv([(eui(0), None), (eui(3), None)]))]
    )
    queue_records(me.data_dir, RECORDS)
    return me


def sync(me: Installer, url: str) -> object:
    return sync_now(
        me.data_dir, server=url, token=me.token, retry=FAST, page_limit=PAGE, push_batch=BATCH
    )


@pytest.mark.parametrize("target", list(TARGETS))
@pytest.mark.parametrize(
    "action",
    [
        "drop_before",
        "drop_request_midway",
        "drop_after",
        "drop_response_midway",
        "status_503",
        "replay",
    ],
)
def test_one_fault_anywhere_is_retried_and_the_sync_completes_exactly_once(
    shared_server: ThreadServer,
    shared_proxy: FaultProxy,
    tmp_path: Path,
    target: str,
    action: str,
) -> None:
    bo, proxy = shared_server.backoffice, shared_proxy
    me = setup_installer(bo, tmp_path, unique("INST-F"))
    method, path, skip = TARGETS[target]
    proxy.add(Fault(method, path, action, skip=skip))
    report = sync(me, proxy.url)
    assert proxy.fired(action), "the fault was not injected"
    assert report.ok, report.problems  # type: ignore[attr-defined]
    assert_exactly_once(bo, me)
    assert job_refs(me.data_dir) == {f"{me.id}-JOB-{i:04d}" for i in range(5)}
    assert cpl_rows(me.data_dir) == cpl_rows_of(CPL_V1, tmp_path)
    if target == "push-batch-2" and action in ("drop_after", "replay"):
        # The server stored batch 2 and the answer was lost (or it arrived twice): the retry is
        # acknowledged as already stored, not stored again.
        assert report.already_stored == BATCH  # type: ignore[attr-defined]
    assert report.stored + report.already_stored == RECORDS  # type: ignore[attr-defined]


_CPL_CACHE: dict[bytes, set[tuple[object, ...]]] = {}


def cpl_rows_of(content: bytes, tmp_path: Path) -> set[tuple[object, ...]]:
    """The entries a device holds after importing ``content``."""
    if content not in _CPL_CACHE:
        from installer_app import services
        from installer_app.store.db import Database

        data_dir = tmp_path / f"reference-{len(_CPL_CACHE)}"
        with Database(data_dir) as db:
            services.import_reference(db, "cpl", write(tmp_path / "expected.csv", content))
        _CPL_CACHE[content] = cpl_rows(data_dir)
    return _CPL_CACHE[content]


@pytest.mark.parametrize("target", list(TARGETS))
@pytest.mark.parametrize("action", ["drop_before", "drop_response_midway", "drop_after"])
def test_a_fault_that_persists_stops_the_sync_cleanly_and_the_next_sync_finishes(
    shared_server: ThreadServer,
    shared_proxy: FaultProxy,
    tmp_path: Path,
    target: str,
    action: str,
) -> None:
    bo, proxy = shared_server.backoffice, shared_proxy
    me = setup_installer(bo, tmp_path, unique("INST-G"))
    sync(me, shared_server.url)  # the device is up to date …
    # … then the back office publishes a new CPL, changes jobs and records, and the installer
    # records more checks and decisions.
    publish_reference(bo, tmp_path, CPL_V2)
    refs = [f"{me.id}-JOB-{i:04d}" for i in (1, 5, 6, 7)]
    bo.load_jobs([write(tmp_path / "more.json", jobs_document(refs, start=10))], me.id)
    bo.load_prenotifications(
        [write(tmp_path / "more.csv", prenotifications_csv([(eui(11), None)], "00000009"))]
    )
    queue_records(me.data_dir, RECORDS)
    before = local_state(me.data_dir)
    old_cpl, new_cpl = cpl_rows_of(CPL_V1, tmp_path), cpl_rows_of(CPL_V2, tmp_path)

    method, path, skip = TARGETS[target]
    proxy.add(Fault(method, path, action, skip=skip, times=-1))
    with pytest.raises(SyncError) as failure:
        sync(me, proxy.url)
    assert failure.value.category in ("offline", "server"), failure.value.message
    assert "Nothing was changed" in failure.value.message or "nothing was changed" in (
        failure.value.message
    )
    after = local_state(me.data_dir)
    # Reference data: the old list or the new one, never a mix.
    assert cpl_rows(me.data_dir) in (old_cpl, new_cpl)
    if target in ("me", "cpl"):
        assert after == before
    else:  # the lists are in; jobs and records all or nothing with their cursors
        assert cpl_rows(me.data_dir) == new_cpl
    if target != "push-batch-2":
        for table in ("job", "prenotification", "sync_cursor", "outbox"):
            assert after[table] == before[table], table
    else:
        sent = [key for key, at in outbox(me.data_dir).items() if at]
        assert len(sent) == RECORDS + BATCH  # the first sync's records and batch 1
    assert_exactly_once(bo, me, all_sent=False)

    proxy.clear()
    report = sync(me, proxy.url)
    assert report.ok  # type: ignore[attr-defined]
    assert_exactly_once(bo, me)
    assert cpl_rows(me.data_dir) == new_cpl
    assert {f"{me.id}-JOB-0005", f"{me.id}-JOB-0007"} <= job_refs(me.data_dir)
    if target == "push-batch-2" and action == "drop_after":
        assert report.already_stored == BATCH  # type: ignore[attr-defined]
