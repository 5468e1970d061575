"""The device killed (SIGKILL) at random points during ``installer-app sync``, then reopened.

Each round the back office has something new of every kind: the other CPL version, more
pre-notification records, and the device has more records to send. A real ``installer-app
sync`` process is killed at a seeded random moment of the whole sync (connect, CPL download and
swap, feed pull and apply, push batches), just after a chosen stage starts, or exactly as the
back office receives a push request (before or after storing it). After every kill:

* ``PRAGMA integrity_check`` is ok;
* the CPL is wholly the old or the new version (never a mix, exactly one current);
* the pre-notification records from the back office are all applied or none (one transaction);
* the outbox and the back office agree: nothing stored twice, nothing marked sent that the back
  office does not have, nothing at the back office that the device did not queue.

A last sync then finishes: every record queued is at the back office exactly once.
``INSTALLER_APP_CRASH_POINTS`` raises the number of kills (default 50);
``INSTALLER_APP_CRASH_SEED`` picks other kill points.
"""

from __future__ import annotations

import hashlib
import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path

import pytest

from installer_app.sync.backoffice.store import BackOffice, PushOutcome, PushRecord
from tests.conftest import CPL_HEADER, csv_bytes
from tests.integration.sync.conftest import (
    Installer,
    assert_exactly_once,
    eui,
    outbox,
    prenotifications_csv,
    queue_records,
    write,
)
from tests.integration.sync.harness import ThreadServer

POINTS = int(os.environ.get("INSTALLER_APP_CRASH_POINTS", "50"))
SEED = int(os.environ.get("INSTALLER_APP_CRASH_SEED", "0"))
"""Added to each test's fixed seed: another value gives a held-back run of new kill points."""
CPL_ROWS = 10_000
NEW_RECORDS = 600
"""Pre-notification records the back office gains each round."""
NEW_QUEUED = 1200
"""Records the device queues each round (the push sends them 500 to a request)."""

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL")


def _cpl(marker: str) -> bytes:
    return csv_bytes(
        [CPL_HEADER]
        + [
            ["PPMID", "M", "1111", "X", f"{i:08X}", "01", marker, "SMETS V5.0", "", "Active", ""]
            for i in range(CPL_ROWS)
        ]
    )


def _device(data_dir: Path) -> tuple[str | None, int]:
    """(the current CPL's marker, synced pre-notification records), after checking integrity."""
    connection = sqlite3.connect(data_dir / "installer.sqlite")
    try:
        assert connection.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        current = connection.execute(
            "SELECT id, rows FROM dataset_version WHERE kind = 'cpl' AND is_current"
        ).fetchall()
        marker = None
        if current:
            assert len(current) == 1, "two current CPL versions"
            version_id, rows = current[0]
            count, markers = connection.execute(
                "SELECT count(*), group_concat(DISTINCT firmware_version) FROM cpl_entry "
                "WHERE version_id = ?",
                (version_id,),
            ).fetchone()
            assert count == rows == CPL_ROWS, (count, rows)
            assert markers in ("AAAA", "BBBB"), markers
            marker = markers
        records = connection.execute(
            "SELECT count(*) FROM prenotification WHERE is_current"
        ).fetchone()[0]
        return marker, int(records)
    finally:
        connection.close()


STAGES = (
    "sync: CPL",
    "sync: pre-notification records",
    "sync: saving jobs and records",
    "sync: sending checks and decisions",
)
"""Progress lines the CLI prints as each stage starts (the kill can wait for one)."""


class _PushTrap:
    """Wraps the back office's ``push``: kills the device when push request ``at`` arrives
    (``after`` False: before the back office stores it; True: stored, before it answers)."""

    def __init__(self, bo: BackOffice) -> None:
        self.original = bo.push
        self.pid = 0
        self.at = 0
        self.after = False
        self.calls = 0
        bo.push = self  # type: ignore[method-assign]

    def arm(self, pid: int, at: int, after: bool) -> None:
        self.pid, self.at, self.after, self.calls = pid, at, after, 0

    def __call__(self, installer_id: str, records: Sequence[PushRecord]) -> list[PushOutcome]:
        self.calls += 1
        hit = self.pid and self.calls == self.at
        if hit and not self.after:
            os.kill(self.pid, signal.SIGKILL)
        outcomes = self.original(installer_id, records)
        if hit and self.after:
            os.kill(self.pid, signal.SIGKILL)
        return outcomes


def _kill_during(
    command: list[str],
    env: dict[str, str],
    rng: random.Random,
    duration: float,
    trap: _PushTrap,
) -> None:
    """SIGKILL the sync at a random point of one of three kinds: anywhere in the run; within
    40 ms after a chosen stage starts (so short commits are hit too); or exactly when the back
    office receives push request 1–3, before or after storing it."""
    process = subprocess.Popen(
        command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True
    )
    assert process.stderr is not None
    kind = rng.random()
    if kind < 0.4:
        time.sleep(rng.uniform(0.0, duration * 1.3))
    elif kind < 0.7:
        stage = rng.choice(STAGES)
        for line in process.stderr:
            if line.startswith(stage):
                break
        time.sleep(rng.uniform(0.0, 0.04))
    else:
        trap.arm(process.pid, rng.randint(1, 3), rng.random() < 0.5)
        try:
            process.wait(60)  # killed by the trap (or finished before request ``at``)
        finally:
            trap.arm(0, 0, False)
    process.send_signal(signal.SIGKILL)
    process.wait(30)
    process.stderr.close()


def test_sync_killed_anywhere_loses_nothing_and_doubles_nothing(tmp_path: Path) -> None:
    server = ThreadServer(f"sqlite:///{tmp_path / 'backoffice.sqlite'}")
    try:
        bo = server.backoffice
        trap = _PushTrap(bo)
        me = Installer("INST-KILL", bo.create_token("INST-KILL"), tmp_path / "device")
        files = {m: write(tmp_path / f"cpl-{m}.csv", _cpl(m)) for m in ("AAAA", "BBBB")}
        env = {
            **os.environ,
            "INSTALLER_APP_LOG_DIR": str(tmp_path / "logs"),
            "INSTALLER_APP_TOKEN": me.token,
        }
        command = [sys.executable, "-m", "installer_app", "--data-dir", str(me.data_dir), "sync"]
        published = 0

        def publish_more() -> None:
            nonlocal published
            rows: list[tuple[str, str | None]] = [
                (eui(published + i, 0xB1), None) for i in range(NEW_RECORDS)
            ]
            name = write(tmp_path / f"pn-{published}.csv", prenotifications_csv(rows))
            bo.load_prenotifications([name], me.id)
            published += NEW_RECORDS

        # A whole sync, timed: the kills land anywhere in 1.3 times that.
        bo.load_reference("cpl", files["AAAA"])
        publish_more()
        queue_records(me.data_dir, NEW_QUEUED)
        started = time.perf_counter()
        first = subprocess.run(
            [*command, "--server", server.url], env=env, capture_output=True, timeout=120
        )
        duration = time.perf_counter() - started
        assert first.returncode == 0, first.stderr.decode()
        assert _device(me.data_dir) == ("AAAA", published)

        rng = random.Random(SEED + 20261124)
        seen_cpl: set[str] = set()
        records_outcomes: set[bool] = set()
        push_outcomes: set[str] = set()
        for _ in range(POINTS):
            marker, before = _device(me.data_dir)
            assert marker is not None
            bo.load_reference("cpl", files["BBBB" if marker == "AAAA" else "AAAA"])
            publish_more()
            queued = queue_records(me.data_dir, NEW_QUEUED)

            _kill_during(command, env, rng, duration, trap)

            marker_after, records = _device(me.data_dir)
            assert marker_after in ("AAAA", "BBBB")
            seen_cpl.add("new" if marker_after != marker else "old")
            assert records in (before, published), "a partly applied pre-notification pull"
            records_outcomes.add(records == published)
            assert_exactly_once(bo, me, all_sent=False)
            local = outbox(me.data_dir)
            sent = sum(1 for key in queued if local[key])
            push_outcomes.add("none" if not sent else "all" if sent == len(queued) else "some")

        final = subprocess.run(command, env=env, capture_output=True, timeout=120)
        assert final.returncode == 0, final.stderr.decode()
        assert_exactly_once(bo, me, all_sent=True)
        latest = bo.reference_meta("cpl")
        assert latest is not None
        marker, records = _device(me.data_dir)
        assert records == published
        assert marker == ("AAAA" if latest.sha256 == _sha(files["AAAA"]) else "BBBB")
    finally:
        server.stop()
    # The kills must have landed on both sides of each commit, or the test tested nothing.
    assert seen_cpl == {"old", "new"}, seen_cpl
    assert records_outcomes == {True, False}, records_outcomes
    assert "some" in push_outcomes, push_outcomes  # killed between two push batches


def _sha(path: str) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()
