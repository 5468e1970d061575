"""Sync against the back office on loopback: push 10,000 records, pull a 100,000-entry CPL.

Goals (issue 6): each under 5 s on this kind of machine. The server is the real ``installer-app
backoffice serve`` process (SQLite; PostgreSQL too when INSTALLER_APP_TEST_POSTGRES_URL is set).
Baselines measured in the same run: the raw HTTP transfer of the same bytes with httpx (to a
do-nothing sink for the push, from the back office itself for the CPL), and the file import of
the same CPL. Run: ``python -m tests.bench.run sync``.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
import threading
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx

from installer_app import services
from installer_app.services.sync import sync_now
from installer_app.store.db import Database
from installer_app.sync import protocol
from installer_app.sync.backoffice.store import BackOffice, PushRecord
from tests.bench.common import median_of, table, write_cpl
from tests.integration.sync.conftest import queue_records, reset_postgres
from tests.integration.sync.harness import ProcessServer

RECORDS = 10_000
CPL_ROWS = 100_000
RUNS = 3


class _Sink:
    """Reads a request body and answers ``{}``: the transfer without any work."""

    def __init__(self) -> None:
        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: object) -> None:
                pass

            def do_POST(self) -> None:
                self.rfile.read(int(self.headers["Content-Length"]))
                # One write: headers and body apart would meet Nagle + delayed ACK (40 ms).
                self.wfile.write(
                    b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                    b"Content-Length: 2\r\n\r\n{}"
                )

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/sink"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


def _bodies(data_dir: Path) -> list[bytes]:
    """The push requests the client sends for the queued outbox, batch by batch."""
    import sqlite3

    connection = sqlite3.connect(data_dir / "installer.sqlite")
    rows = connection.execute(
        "SELECT idempotency_key, kind, payload, created_at FROM outbox ORDER BY id"
    ).fetchall()
    connection.close()
    bodies = []
    for start in range(0, len(rows), protocol.PUSH_BATCH):
        records = [
            {"idempotency_key": k, "kind": kind, "created_at": c, "payload": json.loads(p)}
            for k, kind, p, c in rows[start : start + protocol.PUSH_BATCH]
        ]
        bodies.append(json.dumps({"records": records}, separators=(",", ":")).encode())
    return bodies


def _measure(db: str, work: Path, cpl: Path, label: str) -> list[list[str]]:
    server = ProcessServer(db, work)
    server.start()
    sink = _Sink()
    admin = BackOffice(db)
    try:
        state: dict[str, object] = {}
        counter = iter(range(1_000_000))

        def fresh_push() -> None:
            name = f"BENCH-{next(counter)}"
            device = work / f"device-{name}"
            queue_records(device, RECORDS)
            state.update(device=device, token=admin.create_token(name))

        def push() -> None:
            report = sync_now(
                state["device"],  # type: ignore[arg-type]
                server=server.url,
                token=str(state["token"]),
            )
            assert report.ok and report.stored == RECORDS, report.lines()

        push_time = median_of(RUNS, push, fresh_push)

        fresh_push()
        bodies = _bodies(state["device"])  # type: ignore[arg-type]
        size_mb = sum(map(len, bodies)) / 1e6

        def raw_push() -> None:
            with httpx.Client() as client:
                for body in bodies:
                    client.post(
                        sink.url, content=body, headers={"Content-Type": "application/json"}
                    ).raise_for_status()

        raw_push_time = median_of(RUNS, raw_push)

        batches = [
            [
                PushRecord(r["idempotency_key"], r["kind"], r["created_at"], r["payload"])
                for r in json.loads(body)["records"]
            ]
            for body in bodies
        ]

        def fresh_installer() -> None:
            name = f"BENCH-{next(counter)}"
            admin.create_token(name)
            state["name"] = name

        def store_only() -> None:
            for batch in batches:
                admin.push(str(state["name"]), batch)

        store_time = median_of(RUNS, store_only, fresh_installer)

        admin.load_reference("cpl", str(cpl))
        token = admin.create_token("BENCH-CPL")

        def fresh_device() -> None:
            device = work / f"cpl-{next(counter)}"
            Database(device).close()  # migrated, empty: migrations are not what is measured
            state["device"] = device

        def pull() -> None:
            report = sync_now(state["device"], server=server.url, token=token)  # type: ignore[arg-type]
            assert report.ok and "imported" in report.reference["cpl"], report.lines()

        pull_time = median_of(RUNS, pull, fresh_device)

        def pull_unchanged() -> None:
            report = sync_now(state["device"], server=server.url, token=token)  # type: ignore[arg-type]
            assert report.ok and "304" in report.reference["cpl"], report.lines()

        unchanged_time = median_of(RUNS, pull_unchanged)

        def raw_pull() -> None:
            with httpx.Client() as client:
                client.get(
                    f"{server.url}/api/v1/reference/cpl",
                    headers={"Authorization": f"Bearer {token}"},
                ).raise_for_status()

        raw_pull_time = median_of(RUNS, raw_pull)

        def file_import() -> None:
            with Database(state["device"]) as db:  # type: ignore[arg-type]
                services.import_reference(db, "cpl", str(cpl))

        file_time = median_of(RUNS, file_import, fresh_device)
    finally:
        admin.close()
        sink.close()
        server.stop()

    def s(seconds: float) -> str:
        return f"{seconds:.2f} s"

    def x(value: float, base: float) -> str:
        return f"{value / base:.1f}x"

    return [
        [f"{label}: `sync` pushing {RECORDS:,} queued records ({size_mb:.1f} MB JSON)", s(push_time), x(push_time, raw_push_time), "< 5 s"],
        [f"{label}: raw httpx POST of the same bodies to a sink (baseline)", s(raw_push_time), "1.0x", ""],
        [f"{label}: the back office storing the same batches in process, no HTTP", s(store_time), x(store_time, raw_push_time), ""],
        [f"{label}: `sync` pulling a {CPL_ROWS:,}-entry CPL into a fresh device", s(pull_time), x(pull_time, file_time), "< 5 s"],
        [f"{label}: local file import of the same CPL (baseline)", s(file_time), "1.0x", ""],
        [f"{label}: raw httpx GET of the same CPL from the back office (transfer only)", s(raw_pull_time), "", ""],
        [f"{label}: `sync` again, nothing changed (CPL 304)", s(unchanged_time), "", ""],
    ]  # fmt: skip


def main() -> str:
    work = Path(tempfile.mkdtemp(prefix="bench-sync-"))
    try:
        cpl = write_cpl(work / "cpl.csv", CPL_ROWS)
        size_mb = cpl.stat().st_size / 1e6
        rows = _measure(
            f"sqlite:///{work / 'sqlite' / 'backoffice.sqlite'}", work / "sqlite", cpl, "SQLite"
        )
        postgres = os.environ.get("INSTALLER_APP_TEST_POSTGRES_URL")
        if postgres:
            reset_postgres(postgres)
            (work / "pg").mkdir()
            rows += _measure(postgres, work / "pg", cpl, "PostgreSQL")
    finally:
        shutil.rmtree(work, ignore_errors=True)
    note: Callable[[], str] = lambda: (  # noqa: E731
        ""
        if postgres
        else "\n\n(PostgreSQL rows: set INSTALLER_APP_TEST_POSTGRES_URL, e.g. via build_scripts/ci_postgres.sh)"
    )
    return (
        f"Sync on loopback, real `backoffice serve` process, CPL {size_mb:.1f} MB CSV, median of {RUNS} runs\n\n"
        + table(["measurement", "time", "vs baseline", "goal"], rows)
        + note()
    )


if __name__ == "__main__":
    print(main())
