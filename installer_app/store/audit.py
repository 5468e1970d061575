"""The audit log (every check), the installer's decisions, and the outbox for the back office.

Each write is one transaction on a ``synchronous=FULL`` database: once a call returns, the
record survives a crash or a power cut. Outbox rows get their idempotency key here, once, so a
retried upload can never be stored twice by the back office.
"""

from __future__ import annotations

import json
import sqlite3
import uuid
from dataclasses import dataclass, field

from installer_app.errors import UserError
from installer_app.store.db import Database
from installer_app.store.reference import utc_now


class JoinRefused(UserError):
    """``record-join`` for a check whose verdict was block (CLI exit 4)."""


@dataclass(frozen=True, slots=True)
class CheckInput:
    check_id: str
    checked_at: str
    installer_id: str | None
    job_reference: str | None
    installation: str
    cohort: str | None
    device_id: str
    verdict: str
    prenotified_as: str | None
    reason_codes: tuple[str, ...]
    reading: dict[str, object]
    prenotification_id: int | None
    cpl_version_id: int | None
    result: dict[str, object]


def _outbox(connection: sqlite3.Connection, kind: str, payload: dict[str, object]) -> None:
    connection.execute(
        "INSERT INTO outbox (kind, idempotency_key, payload, created_at, attempts) "
        "VALUES (?, ?, ?, ?, 0)",
        (kind, str(uuid.uuid4()), json.dumps(payload, sort_keys=True), utc_now()),
    )


def record_check(db: Database, check: CheckInput) -> None:
    """Store the check and queue it for the back office (before anyone is shown the verdict)."""
    with db.write() as connection:
        connection.execute(
            "INSERT INTO check_record (id, checked_at, installer_id, job_reference, installation, "
            "cohort, device_id, verdict, prenotified_as, reason_codes, reading, "
            "prenotification_id, cpl_version_id, result) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                check.check_id,
                check.checked_at,
                check.installer_id,
                check.job_reference,
                check.installation,
                check.cohort,
                check.device_id,
                check.verdict,
                check.prenotified_as,
                " ".join(check.reason_codes),
                json.dumps(check.reading, sort_keys=True),
                check.prenotification_id,
                check.cpl_version_id,
                json.dumps(check.result, sort_keys=True),
            ),
        )
        _outbox(
            connection,
            "check",
            {**check.result, "job_reference": check.job_reference, "reading": check.reading},
        )


@dataclass(frozen=True, slots=True)
class StoredCheck:
    check_id: str
    checked_at: str
    job_reference: str | None
    device_id: str
    verdict: str
    installation: str
    result: dict[str, object]
    decision: str | None
    decision_reason: str | None
    decided_at: str | None
    seq: int = field(default=0, compare=False)
    """The row's place in the log (SQLite rowid): with ``checked_at``, the key of a page."""

    @property
    def page_key(self) -> tuple[str, int]:
        """Pass as ``after`` to :func:`list_checks` for the checks that follow this one."""
        return (self.checked_at, self.seq)


_CHECK_COLUMNS = (
    "c.id, c.checked_at, c.job_reference, c.device_id, c.verdict, c.installation, c.result, "
    "d.decision, d.reason, d.decided_at, c.rowid"
)


def _stored(row: tuple[object, ...]) -> StoredCheck:
    return StoredCheck(
        check_id=str(row[0]),
        checked_at=str(row[1]),
        job_reference=None if row[2] is None else str(row[2]),
        device_id=str(row[3]),
        verdict=str(row[4]),
        installation=str(row[5]),
        result=json.loads(str(row[6])),
        decision=None if row[7] is None else str(row[7]),
        decision_reason=None if row[8] is None else str(row[8]),
        decided_at=None if row[9] is None else str(row[9]),
        seq=int(row[10]),  # type: ignore[call-overload]
    )


def get_check(connection: sqlite3.Connection, check_id: str) -> StoredCheck | None:
    row = connection.execute(
        f"SELECT {_CHECK_COLUMNS} FROM check_record c LEFT JOIN decision d ON d.check_id = c.id "
        "WHERE c.id = ?",
        (check_id.strip(),),
    ).fetchone()
    return _stored(row) if row else None


def list_checks(
    connection: sqlite3.Connection,
    *,
    verdict: str | None = None,
    job_reference: str | None = None,
    since: str | None = None,
    limit: int = 200,
    after: tuple[str, int] | None = None,
) -> list[StoredCheck]:
    """Newest first, filtered; ``after`` (the last row's :attr:`StoredCheck.page_key`) asks for
    the next page. Keyset paging: page 5,000 costs what page 1 does, where OFFSET would read and
    drop every row before it."""
    clauses: list[str] = []
    params: list[object] = []
    if verdict:
        clauses.append("c.verdict = ?")
        params.append(verdict)
    if job_reference:
        clauses.append("c.job_reference = ?")
        params.append(job_reference)
    if since:
        clauses.append("c.checked_at >= ?")
        params.append(since)
    if after is not None:
        clauses.append("(c.checked_at, c.rowid) < (?, ?)")
        params.extend(after)
    where = f"WHERE {' AND '.join(clauses)}" if clauses else ""
    rows = connection.execute(
        f"SELECT {_CHECK_COLUMNS} FROM check_record c LEFT JOIN decision d ON d.check_id = c.id "
        f"{where} ORDER BY c.checked_at DESC, c.rowid DESC LIMIT ?",
        (*params, limit),
    ).fetchall()
    return [_stored(row) for row in rows]


def record_decision(
    db: Database,
    check_id: str,
    decision: str,
    *,
    reason: str | None = None,
    installer_id: str | None = None,
) -> StoredCheck:
    """Record ``joined`` or ``not-joined`` for a check; one decision per check.

    Raises :class:`JoinRefused` for a join after a blocked check, :class:`UserError` for an
    unknown check or a second decision. Nothing is written in either case.
    """
    assert decision in ("joined", "not-joined")
    with db.write() as connection:
        stored = get_check(connection, check_id)
        if stored is None:
            raise UserError(
                f"there is no check with id {check_id!r}. Use the check_id printed by "
                "'installer-app check' (see the History page)."
            )
        if stored.decision is not None:
            raise UserError(
                f"check {stored.check_id} already has a decision ({stored.decision} at "
                f"{stored.decided_at}); a check takes one decision. Run a new check to decide "
                "again."
            )
        if decision == "joined" and stored.verdict == "block":
            raise JoinRefused(
                f"check {stored.check_id} said DO NOT JOIN for device {stored.device_id}, so a "
                "join cannot be recorded. Fit a PPMID that passes the check, or record it as not "
                "joined with the reason."
            )
        now = utc_now()
        connection.execute(
            "INSERT INTO decision (check_id, decision, reason, decided_at, installer_id) "
            "VALUES (?, ?, ?, ?, ?)",
            (stored.check_id, decision, reason, now, installer_id),
        )
        payload: dict[str, object] = {
            "check_id": stored.check_id,
            "decision": decision,
            "reason": reason,
            "decided_at": now,
            "installer_id": installer_id,
            "device_id": stored.device_id,
            "job_reference": stored.job_reference,
        }
        _outbox(connection, "decision", payload)
        if decision == "joined":
            _outbox(
                connection,
                "join_request",
                {
                    "check_id": stored.check_id,
                    "device_id": stored.device_id,
                    "job_reference": stored.job_reference,
                    "installation": stored.installation,
                    "requested_at": now,
                    "device": stored.result.get("device"),
                },
            )
        result = get_check(connection, stored.check_id)
    assert result is not None
    return result


def pending_outbox(connection: sqlite3.Connection) -> int:
    return int(
        connection.execute("SELECT count(*) FROM outbox WHERE sent_at IS NULL").fetchone()[0]
    )
