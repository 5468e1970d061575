"""Pre-notification records and jobs in the database: stored, replaced with history, looked up."""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass

from installer_app.domain.model import Cohort, Generation
from installer_app.domain.prenotification import (
    PRENOTIFICATION_FIELDS,
    Job,
    PrenotificationRecord,
)
from installer_app.store.db import Database
from installer_app.store.reference import utc_now

_RECORD_FIELDS = PRENOTIFICATION_FIELDS
_RECORD_COLUMNS = ", ".join(_RECORD_FIELDS)


@dataclass(frozen=True, slots=True)
class ImportInfo:
    id: int
    kind: str
    source: str
    imported_at: str
    rows: int
    summary: dict[str, object]


def _log_import(
    connection: sqlite3.Connection,
    kind: str,
    source: str,
    sha256: str,
    rows: int,
    summary: dict[str, object],
) -> ImportInfo:
    now = utc_now()
    cursor = connection.execute(
        "INSERT INTO import_log (kind, source, sha256, imported_at, rows, summary) "
        "VALUES (?, ?, ?, ?, ?, ?)",
        (kind, source, sha256, now, rows, json.dumps(summary, sort_keys=True)),
    )
    assert cursor.lastrowid is not None
    return ImportInfo(cursor.lastrowid, kind, source, now, rows, summary)


def store_prenotifications(
    db: Database, records: list[PrenotificationRecord], source: str, sha256: str
) -> ImportInfo:
    """Add records in one transaction; each becomes the current record for its Device ID.

    Records are applied in order, so within one import the later record for a Device ID wins;
    the earlier ones stay as history.
    """
    with db.write() as connection:
        return add_prenotifications(connection, records, source, sha256)


def add_prenotifications(
    connection: sqlite3.Connection, records: list[PrenotificationRecord], source: str, sha256: str
) -> ImportInfo:
    """:func:`store_prenotifications` inside the caller's write transaction (e.g. a sync)."""
    latest: dict[str, PrenotificationRecord] = {}
    for record in records:
        latest[record.device_id] = record
    summary: dict[str, object] = {"devices": len(latest), "records": len(records)}
    info = _log_import(connection, "prenotifications", source, sha256, len(records), summary)
    device_ids = [(device_id,) for device_id in latest]
    connection.executemany(
        "UPDATE prenotification SET is_current = 0 WHERE device_id = ? AND is_current",
        device_ids,
    )
    connection.executemany(
        f"INSERT INTO prenotification (import_id, {_RECORD_COLUMNS}, is_current) "
        f"VALUES (?, {', '.join('?' * len(_RECORD_FIELDS))}, ?)",
        (
            (info.id, *(getattr(r, name) for name in _RECORD_FIELDS), latest[r.device_id] is r)
            for r in records
        ),
    )
    return info


def _record(row: tuple[object, ...]) -> PrenotificationRecord:
    values = dict(zip(_RECORD_FIELDS, row, strict=True))
    return PrenotificationRecord(**values)  # type: ignore[arg-type]


def current_prenotification(
    connection: sqlite3.Connection, device_id: str
) -> tuple[int, PrenotificationRecord] | None:
    row = connection.execute(
        f"SELECT id, {_RECORD_COLUMNS} FROM prenotification WHERE device_id = ? AND is_current",
        (device_id,),
    ).fetchone()
    return (int(row[0]), _record(row[1:])) if row else None


_JOB_COLUMNS = (
    "reference, address, installation, cohort, comms_hub_id, meter_ids, expected_ppmid_id, "
    "scheduled_for"
)


def store_jobs(db: Database, jobs: list[Job], source: str, sha256: str) -> ImportInfo:
    """Add or replace jobs by reference, in one transaction."""
    with db.write() as connection:
        return add_jobs(connection, jobs, source, sha256)


def add_jobs(
    connection: sqlite3.Connection, jobs: list[Job], source: str, sha256: str
) -> ImportInfo:
    """:func:`store_jobs` inside the caller's write transaction (e.g. a sync)."""
    info = _log_import(connection, "jobs", source, sha256, len(jobs), {"jobs": len(jobs)})
    connection.executemany(
        f"INSERT OR REPLACE INTO job (import_id, {_JOB_COLUMNS}) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            (
                info.id,
                job.reference,
                job.address,
                job.installation.value,
                job.cohort.value if job.cohort else None,
                job.comms_hub_id,
                json.dumps(list(job.meter_ids)),
                job.expected_ppmid_id,
                job.scheduled_for,
            )
            for job in jobs
        ),
    )
    return info


def _job(row: tuple[object, ...]) -> Job:
    meter_ids = json.loads(str(row[5])) if row[5] else []
    return Job(
        reference=str(row[0]),
        address=str(row[1]),
        installation=Generation(str(row[2])),
        cohort=Cohort(str(row[3])) if row[3] else None,
        comms_hub_id=None if row[4] is None else str(row[4]),
        meter_ids=tuple(str(m) for m in meter_ids),
        expected_ppmid_id=None if row[6] is None else str(row[6]),
        scheduled_for=None if row[7] is None else str(row[7]),
    )


def get_job(connection: sqlite3.Connection, reference: str) -> Job | None:
    row = connection.execute(
        f"SELECT {_JOB_COLUMNS} FROM job WHERE reference = ?", (reference.strip(),)
    ).fetchone()
    return _job(row) if row else None


@dataclass(frozen=True, slots=True)
class JobState:
    job: Job
    state: str  # "not started" | "checked" | "joined" | "not joined"
    last_check_id: str | None
    last_verdict: str | None


def list_jobs(connection: sqlite3.Connection) -> list[JobState]:
    """Jobs with their state from the newest check and decision for each."""
    rows = connection.execute(
        f"""
        SELECT {", ".join("j." + c.strip() for c in _JOB_COLUMNS.split(","))},
               c.id, c.verdict, d.decision
        FROM job j
        LEFT JOIN check_record c ON c.id = (
            SELECT id FROM check_record WHERE job_reference = j.reference
            ORDER BY checked_at DESC, rowid DESC LIMIT 1)
        LEFT JOIN decision d ON d.check_id = (
            SELECT x.id FROM check_record x JOIN decision y ON y.check_id = x.id
            WHERE x.job_reference = j.reference ORDER BY y.id DESC LIMIT 1)
        ORDER BY j.scheduled_for, j.reference
        """
    ).fetchall()
    states = []
    for row in rows:
        decision = row[10]
        if decision == "joined":
            state = "joined"
        elif decision == "not-joined":
            state = "not joined"
        elif row[8]:
            state = "checked"
        else:
            state = "not started"
        states.append(JobState(_job(row[:8]), state, row[8], row[9]))
    return states
