"""Fixtures for the sync tests: real servers on loopback, installers, data, and state checks."""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from installer_app.store.db import Database
from installer_app.store.reference import utc_now
from installer_app.sync.backoffice.store import BackOffice
from installer_app.sync.client import RetryPolicy
from tests.conftest import BASE_CPL, CPL_HEADER, csv_bytes
from tests.integration.sync.harness import FaultProxy, ThreadServer

pytest.importorskip("fastapi")
pytest.importorskip("uvicorn")

FAST = RetryPolicy(attempts=4, base_delay=0.005, max_delay=0.02)
"""Retries as in the field, with waits shortened so the suite stays quick."""
ONCE = RetryPolicy(attempts=1)

PG_ENV = "INSTALLER_APP_TEST_POSTGRES_URL"


@pytest.fixture(autouse=True)
def _no_token_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("INSTALLER_APP_TOKEN", raising=False)
    monkeypatch.delenv("INSTALLER_APP_BACKOFFICE_DB", raising=False)
    monkeypatch.setenv("INSTALLER_APP_LOG_DIR", str(tmp_path / "logs"))


def reset_postgres(url: str) -> None:
    """Drop the back office's tables so each test starts from an empty database."""
    import sqlalchemy as sa

    from installer_app.sync.backoffice.schema import metadata
    from installer_app.sync.backoffice.store import database_url

    engine = sa.create_engine(database_url(url))
    try:
        metadata.drop_all(engine)
    finally:
        engine.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A fresh back office database: SQLite, and PostgreSQL when the CI script set one up."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'backoffice.sqlite'}"
    url = os.environ.get(PG_ENV)
    if not url:
        pytest.skip(f"{PG_ENV} is not set (source build_scripts/ci_postgres.sh)")
    reset_postgres(url)
    return url


@pytest.fixture
def server(tmp_path: Path) -> Iterator[ThreadServer]:
    running = ThreadServer(f"sqlite:///{tmp_path / 'backoffice.sqlite'}")
    yield running
    running.stop()


@pytest.fixture
def proxy(server: ThreadServer) -> Iterator[FaultProxy]:
    relay = FaultProxy(server.port)
    yield relay
    relay.close()


@pytest.fixture(scope="module")
def shared_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ThreadServer]:
    """One back office for a module whose tests each use installers of their own."""
    path = tmp_path_factory.mktemp("shared") / "backoffice.sqlite"
    running = ThreadServer(f"sqlite:///{path}")
    yield running
    running.stop()


@pytest.fixture
def shared_proxy(shared_server: ThreadServer) -> Iterator[FaultProxy]:
    relay = FaultProxy(shared_server.port)
    yield relay
    relay.close()


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8].upper()}"


# --------------------------------------------------------------------------- data


def eui(n: int, kind: int = 0xB0) -> str:
    """A Device ID: 00-DB-12-34-KK-NN-NN-NN."""
    return f"00-DB-12-34-{kind:02X}-{(n >> 16) & 0xFF:02X}-{(n >> 8) & 0xFF:02X}-{n & 0xFF:02X}"


def jobs_document(refs: list[str], *, start: int = 0, address: str = "1 Test Street") -> bytes:
    jobs = []
    for offset, ref in enumerate(refs):
        n = start + offset
        jobs.append(
            {
                "reference": ref,
                "address": f"{n} {address}",
                "installation": "SMETS2+" if n % 2 else "SMETS1",
                "cohort": None if n % 2 else "FOC",
                "comms_hub_id": eui(n, 0xC0),
                "meter_ids": [eui(n, 0xE0)],
                "expected_ppmid_id": eui(n),
                "scheduled_for": "2026-11-24",
            }
        )
    return json.dumps({"jobs": jobs}).encode()


PN_HEADER = [
    "Device ID", "Device Type", "Manufacturer Identifier", "Model Identifier", "Firmware Version",
    "SMETS/CHTS Version", "Status", "S1SP", "CSP Region", "Job Reference",
]  # fmt: skip


def prenotifications_csv(rows: list[tuple[str, str | None]], firmware: str = "00020002") -> bytes:
    """(Device ID, job reference) pairs as a pre-notification CSV of PPMIDs."""
    return csv_bytes(
        [
            PN_HEADER,
            *(
                [
                    device,
                    "PPMID",
                    "10E0",
                    "00090100",
                    firmware,
                    "SMETS V5.0",
                    "Pending",
                    "",
                    "North",
                    ref or "",
                ]
                for device, ref in rows
            ),
        ]
    )


CPL_V1 = csv_bytes([CPL_HEADER, *BASE_CPL])
CPL_V2 = csv_bytes([CPL_HEADER, *BASE_CPL[:-2]])


def write(path: Path, data: bytes) -> str:
    path.write_bytes(data)
    return str(path)


@dataclass
class Installer:
    id: str
    token: str
    data_dir: Path


def new_installer(bo: BackOffice, tmp_path: Path, name: str, *, jobs: int = 0) -> Installer:
    token = bo.create_token(name)
    if jobs:
        refs = [f"{name}-JOB-{i:04d}" for i in range(jobs)]
        bo.load_jobs([write(tmp_path / f"{name}-jobs.json", jobs_document(refs))], name)
    return Installer(name, token, tmp_path / f"device-{name}")


def publish_reference(bo: BackOffice, tmp_path: Path, cpl: bytes = CPL_V1) -> None:
    bo.load_reference(
        "cpl", write(tmp_path / f"cpl-{hashlib.sha256(cpl).hexdigest()[:8]}.csv", cpl)
    )


def queue_records(data_dir: Path, count: int) -> list[str]:
    """``count`` outbox rows as the audit log writes them (check, decision, join request …)."""
    kinds = ("check", "decision", "join_request")
    keys = [str(uuid.uuid4()) for _ in range(count)]
    check_ids = [str(uuid.uuid4()) for _ in range((count + 2) // 3)]
    now = utc_now()
    with Database(data_dir) as db, db.write() as connection:
        connection.executemany(
            "INSERT INTO outbox (kind, idempotency_key, payload, created_at, attempts) "
            "VALUES (?, ?, ?, ?, 0)",
            [
                (
                    kinds[i % 3],
                    key,
                    json.dumps(
                        {"check_id": check_ids[i // 3], "device_id": eui(i), "n": i},
                        sort_keys=True,
                    ),
                    now,
                )
                for i, key in enumerate(keys)
            ],
        )
    return keys


def outbox(data_dir: Path) -> dict[str, str | None]:
    """idempotency key -> sent_at, for every row of the device's outbox."""
    connection = sqlite3.connect(data_dir / "installer.sqlite")
    try:
        return dict(connection.execute("SELECT idempotency_key, sent_at FROM outbox").fetchall())
    finally:
        connection.close()


def local_state(data_dir: Path) -> dict[str, object]:
    """Everything a pull writes, to prove that a failed sync changed nothing."""
    connection = sqlite3.connect(data_dir / "installer.sqlite")
    try:
        state: dict[str, object] = {}
        for table in ("dataset_version", "job", "prenotification", "import_log", "sync_cursor"):
            state[table] = connection.execute(f"SELECT * FROM {table} ORDER BY 1").fetchall()
        for table in ("cpl_entry", "epcl_entry", "advisory"):
            state[table] = connection.execute(
                f"SELECT * FROM {table} ORDER BY 1, 2, 3, 4, 5"
            ).fetchall()
        state["outbox"] = connection.execute(
            "SELECT idempotency_key, sent_at FROM outbox ORDER BY id"
        ).fetchall()
        return state
    finally:
        connection.close()


def assert_exactly_once(bo: BackOffice, installer: Installer, *, all_sent: bool = True) -> None:
    """No acknowledged record lost, none stored twice, nothing stored that was not queued."""
    local = outbox(installer.data_dir)
    stored = [r.idempotency_key for r in bo.records(installer.id)]
    assert len(stored) == len(set(stored)), "a record is stored twice"
    per_check = [(r.kind, r.check_id) for r in bo.records(installer.id)]
    assert len(per_check) == len(set(per_check)), "a check or decision is stored twice"
    assert set(stored) <= set(local), "the back office holds a record this device never queued"
    acknowledged = {key for key, sent in local.items() if sent}
    assert acknowledged <= set(stored), "a record marked sent is missing at the back office"
    if all_sent:
        assert set(stored) == set(local)
        assert all(local.values()), "records left unsent"
