"""The back office killed (SIGKILL) in the middle of a push, restarted, and the sync repeated.

The server is the real ``installer-app backoffice serve`` process; the kill comes from the
fault proxy at an exact point of the exchange (request in flight, answer committed but not yet
delivered, …). Whatever the point, after the restart and a new sync every record the device
queued is stored once at the back office, none twice, none lost.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from pathlib import Path

import pytest

from installer_app.services.sync import SyncReport, sync_now
from installer_app.sync.backoffice.store import BackOffice
from installer_app.sync.client import SyncError
from tests.integration.sync.conftest import (
    FAST,
    Installer,
    assert_exactly_once,
    outbox,
    publish_reference,
    queue_records,
)
from tests.integration.sync.harness import Fault, FaultProxy, ProcessServer


@pytest.fixture
def process_server(tmp_path: Path) -> Iterator[ProcessServer]:
    server = ProcessServer(f"sqlite:///{tmp_path / 'backoffice.sqlite'}", tmp_path)
    server.start()
    yield server
    server.stop()


@pytest.fixture
def relay(process_server: ProcessServer) -> Iterator[FaultProxy]:
    proxy = FaultProxy(process_server.port)
    yield proxy
    proxy.close()


def sync(me: Installer, url: str, batch: int) -> SyncReport:
    return sync_now(me.data_dir, server=url, token=me.token, retry=FAST, push_batch=batch)


def test_killed_with_a_batch_in_flight_or_just_committed(
    process_server: ProcessServer, relay: FaultProxy, tmp_path: Path
) -> None:
    with BackOffice(process_server.db) as bo:
        publish_reference(bo, tmp_path)
        me = Installer("INST-K", bo.create_token("INST-K"), tmp_path / "device")
        queue_records(me.data_dir, 50)

        # 1. The second batch reaches the server, which is killed at once.
        relay.add(
            Fault("POST", "/api/v1/outbox", "kill_in_flight", skip=1, hook=process_server.kill)
        )
        with pytest.raises(SyncError) as failure:
            sync(me, relay.url, 10)
        assert failure.value.category == "offline", failure.value.message
        assert_exactly_once(bo, me, all_sent=False)
        assert sum(1 for sent in outbox(me.data_dir).values() if sent) == 10

        # 2. After a restart, the third batch is committed and the server dies before answering.
        process_server.start()
        relay.clear()
        relay.add(Fault("POST", "/api/v1/outbox", "drop_after", skip=1, hook=process_server.kill))
        with pytest.raises(SyncError):
            sync(me, relay.url, 10)
        assert_exactly_once(bo, me, all_sent=False)
        stored_before = len(bo.records("INST-K"))

        # 3. Restarted again: the sync finishes; the committed-but-unanswered batch is
        # acknowledged as already stored, never stored twice.
        process_server.start()
        relay.clear()
        report = sync(me, relay.url, 10)
        assert report.ok
        assert report.already_stored >= 10
        assert report.stored + stored_before == 50
        assert_exactly_once(bo, me)
        assert process_server.starts == 3
        assert me.token not in process_server.log()


@pytest.mark.parametrize("seed", [7, 2026])
def test_repeated_syncs_with_the_server_killed_at_random_points(
    process_server: ProcessServer, relay: FaultProxy, tmp_path: Path, seed: int
) -> None:
    rng = random.Random(seed)
    with BackOffice(process_server.db) as bo:
        me = Installer("INST-Z", bo.create_token("INST-Z"), tmp_path / "device")
        queue_records(me.data_dir, 300)
        for _ in range(3):
            action = rng.choice(
                [
                    "kill_in_flight",
                    "drop_after",
                    "drop_before",
                    "drop_request_midway",
                    "drop_response_midway",
                ]
            )
            relay.clear()
            relay.add(
                Fault(
                    "POST",
                    "/api/v1/outbox",
                    action,
                    skip=rng.randrange(0, 4),
                    hook=process_server.kill,
                )
            )
            try:
                sync(me, relay.url, 20)
            except SyncError as exc:
                assert exc.category == "offline", exc.message
            assert_exactly_once(bo, me, all_sent=False)
            process_server.start()
            queue_records(me.data_dir, rng.randrange(0, 30))  # work goes on between syncs
        relay.clear()
        assert sync(me, relay.url, 20).ok
        assert_exactly_once(bo, me)
