"""Load: 1,000,000 audit records (checks, each queued in the outbox) beside a 100,000-entry CPL.

Does the app still start within its budget, do the History page and the status bar stay quick,
and does a sync page through the records waiting (100,000 of them: a tenth of the outbox)?
Side by side with the same data directory holding the CPL alone, and with the raw sqlite3 query
(issue 8's load goals: the same launch budget, under 1 s; History and CPL pages responsive; sync
pages through them).
"""

from __future__ import annotations

import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

from installer_app.services import browse, import_reference, open_database
from installer_app.services.sync import sync_now
from installer_app.store.cpl_store import FindQuery
from installer_app.sync.backoffice.store import BackOffice
from tests.bench.bench_frozen_launch import READY, _until_ready
from tests.bench.bench_gui_launch import _environment
from tests.bench.common import table, write_cpl
from tests.integration.sync.harness import ProcessServer

CHECKS = 1_000_000
RUNS = 5

_FILL = """
WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i + 1 < :count)
INSERT INTO check_record (id, checked_at, installer_id, job_reference, installation, cohort,
    device_id, verdict, prenotified_as, reason_codes, reading, prenotification_id,
    cpl_version_id, result)
SELECT printf('00000000-0000-4000-8000-%012d', i),
       strftime('%Y-%m-%dT%H:%M:%SZ', '2026-01-01', '+' || (i * 20) || ' seconds'),
       'INST-1', 'JOB-' || (i % 5000), CASE i % 3 WHEN 0 THEN 'SMETS1' ELSE 'SMETS2+' END, NULL,
       printf('00-DB-%02X-%02X-%02X-%02X-%02X-%02X', i % 256, (i / 256) % 256,
              (i / 65536) % 256, 0, 0, 1),
       CASE i % 7 WHEN 0 THEN 'block' WHEN 1 THEN 'warn' ELSE 'allow' END, 'SMETS2+',
       'BILINGUAL_MODEL', '{"raw": ""}', NULL, NULL,
       '{"verdict": "allow", "reasons": [], "device": {"device_id": "x"}}'
FROM n;
INSERT INTO outbox (kind, idempotency_key, payload, created_at, sent_at, attempts)
SELECT 'check', id, json_object('check_id', id, 'device_id', device_id, 'verdict', verdict),
       checked_at,
       CASE WHEN rowid % 10 = 0 THEN NULL ELSE checked_at END, 0
FROM check_record;
"""


def _median_ms(fn: object, runs: int = 9) -> float:
    assert callable(fn)
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def _sync_pending(work: Path, data_dir: Path) -> tuple[float, int]:
    """Push every waiting record to a real back office process; (seconds, records stored)."""
    server = ProcessServer(f"sqlite:///{work / 'backoffice.sqlite'}", work / "server")
    server.start()
    try:
        with BackOffice(server.db) as bo:
            token = bo.create_token("INST-1")
        started = time.perf_counter()
        report = sync_now(data_dir, server=server.url, token=token)
        seconds = time.perf_counter() - started
        if not report.ok or report.pending:
            raise RuntimeError(f"the sync did not finish: {report.lines()}")
        return seconds, report.stored
    finally:
        server.stop()


def main() -> str:
    work = Path(tempfile.mkdtemp(prefix="bench-load-"))
    try:
        plain, loaded = work / "plain", work / "loaded"
        cpl = write_cpl(work / "cpl.csv", 100_000)
        for data_dir in (plain, loaded):
            with open_database(data_dir) as db:
                import_reference(db, "cpl", str(cpl))
        started = time.perf_counter()
        with open_database(loaded) as db, db.write() as connection:
            for statement in _FILL.split(";\n"):
                if statement.strip():
                    connection.execute(
                        statement, {"count": CHECKS} if ":count" in statement else {}
                    )
        fill = time.perf_counter() - started
        size_mb = (loaded / "installer.sqlite").stat().st_size / 1e6

        env = {**_environment(work), "INSTALLER_APP_QUIT_AFTER_MS": "100"}
        args = [sys.executable, "-m", "installer_app", "--data-dir"]
        launches = {}
        for name, data_dir in (("plain", plain), ("loaded", loaded)):
            _until_ready([*args, str(data_dir), "gui"], env, READY)  # warm the cache
            launches[name] = [
                _until_ready([*args, str(data_dir), "gui"], env, READY)[0] for _ in range(RUNS)
            ]
        with open_database(loaded) as db:
            history = _median_ms(lambda: browse.list_checks(db, limit=200))
            with db.read() as connection:
                key = connection.execute(
                    "SELECT checked_at, rowid FROM check_record "
                    "ORDER BY checked_at DESC, rowid DESC LIMIT 1 OFFSET 499999"
                ).fetchone()
                deep_offset = _median_ms(
                    lambda: connection.execute(
                        "SELECT * FROM check_record ORDER BY checked_at DESC, rowid DESC "
                        "LIMIT 200 OFFSET 500000"
                    ).fetchall()
                )
            history_deep = _median_ms(
                lambda: browse.list_checks(db, limit=200, after=(key[0], key[1]))
            )
            filtered = _median_ms(lambda: browse.list_checks(db, verdict="block", limit=200))
            status = _median_ms(lambda: browse.status_summary(db))
            pending = browse.status_summary(db).pending_records
            cpl_first = _median_ms(lambda: browse.cpl_first_page(db, FindQuery(), 200))
            cpl_search = _median_ms(
                lambda: browse.cpl_first_page(db, FindQuery(text="Maker 10A"), 200)
            )
        push_seconds, pushed = _sync_pending(work, loaded)
    finally:
        shutil.rmtree(work, ignore_errors=True)

    def ms(seconds: float) -> str:
        return f"{seconds * 1000:.0f} ms"

    rows = [
        ["launch to interactive window, 100k CPL only (baseline)",
         ms(statistics.median(launches["plain"])), "< 1 s"],
        [f"launch to interactive window, 100k CPL + {CHECKS:,} audit records",
         ms(statistics.median(launches["loaded"])), "< 1 s"],
        ["History page: first 200 checks, newest first", f"{history:.1f} ms", "< 100 ms"],
        ["History page: the 200 checks after the 500,000th (keyset)", f"{history_deep:.1f} ms",
         "< 100 ms"],
        ["  baseline: raw sqlite3, the same page by OFFSET 500,000", f"{deep_offset:.1f} ms", ""],
        ["History page: first 200 blocked checks", f"{filtered:.1f} ms", "< 100 ms"],
        [f"status bar: CPL, age, {pending:,} records waiting", f"{status:.1f} ms", "< 100 ms"],
        ["CPL page: first 200 entries", f"{cpl_first:.1f} ms", "< 100 ms"],
        ["CPL page: search, first 200 matches", f"{cpl_search:.1f} ms", "< 100 ms"],
        [f"sync: push the {pushed:,} waiting records (real back office, SQLite)",
         ms(push_seconds), "pages through"],
    ]  # fmt: skip
    return (
        f"Load: {CHECKS:,} audit records + outbox rows ({size_mb:.0f} MB database, filled in "
        f"{fill:.1f} s) beside a 100,000-entry CPL; launches median of {RUNS}, queries median "
        "of 9\n\n" + table(["measurement", "time", "goal"], rows)
    )


if __name__ == "__main__":
    print(main())
