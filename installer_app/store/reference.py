"""Versioned reference lists (CPL, EPCL, advisories) and their atomic replacement.

A new list is validated completely before anything is written, then swapped in inside one
``BEGIN IMMEDIATE`` transaction: its rows are inserted under a new version id, the current-version
flag moves, and rows older than the previous version are deleted. Readers (WAL) keep seeing the
old list until the commit, then the new one; any error rolls the whole swap back.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from installer_app.errors import UserError
from installer_app.store.db import Database

KINDS = ("cpl", "epcl", "advisories")
ENTRY_TABLE = {"cpl": "cpl_entry", "epcl": "epcl_entry", "advisories": "advisory"}


def utc_now() -> str:
    return datetime.now(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


@dataclass(frozen=True, slots=True)
class SourceMeta:
    source: str
    sha256: str
    etag: str | None = None
    last_modified: str | None = None


@dataclass(frozen=True, slots=True)
class VersionInfo:
    id: int
    kind: str
    source: str
    etag: str | None
    last_modified: str | None
    sha256: str
    imported_at: str
    confirmed_at: str
    rows: int
    summary: dict[str, object]
    previous_id: int | None

    @property
    def label(self) -> str:
        """Short, stable name of this content: the start of its SHA-256."""
        return self.sha256[:12]

    def age_days(self, now: datetime | None = None) -> float:
        confirmed = datetime.fromisoformat(self.confirmed_at.replace("Z", "+00:00"))
        return ((now or datetime.now(UTC)) - confirmed).total_seconds() / 86400

    def to_json(self) -> dict[str, object]:
        return {
            "version": self.label,
            "version_id": self.id,
            "source": self.source,
            "etag": self.etag,
            "last_modified": self.last_modified,
            "sha256": self.sha256,
            "imported_at": self.imported_at,
            "confirmed_at": self.confirmed_at,
            "rows": self.rows,
            **{k: v for k, v in self.summary.items() if k != "rows"},
        }


_VERSION_COLUMNS = (
    "id, kind, source, etag, last_modified, sha256, imported_at, confirmed_at, rows, summary, "
    "previous_id"
)


def _version(row: tuple[object, ...]) -> VersionInfo:
    summary = json.loads(str(row[9])) if row[9] else {}
    return VersionInfo(
        id=int(str(row[0])),
        kind=str(row[1]),
        source=str(row[2]),
        etag=None if row[3] is None else str(row[3]),
        last_modified=None if row[4] is None else str(row[4]),
        sha256=str(row[5]),
        imported_at=str(row[6]),
        confirmed_at=str(row[7]),
        rows=int(str(row[8])),
        summary=summary,
        previous_id=None if row[10] is None else int(str(row[10])),
    )


def current_version(connection: sqlite3.Connection, kind: str) -> VersionInfo | None:
    row = connection.execute(
        f"SELECT {_VERSION_COLUMNS} FROM dataset_version WHERE kind = ? AND is_current",
        (kind,),
    ).fetchone()
    return _version(row) if row else None


def version_history(
    connection: sqlite3.Connection, kind: str, limit: int = 50
) -> list[VersionInfo]:
    rows = connection.execute(
        f"SELECT {_VERSION_COLUMNS} FROM dataset_version WHERE kind = ? ORDER BY id DESC LIMIT ?",
        (kind, limit),
    ).fetchall()
    return [_version(row) for row in rows]


def confirm_current(db: Database, kind: str, meta: SourceMeta | None) -> VersionInfo:
    """Record that the source was checked and still holds the current list (e.g. HTTP 304)."""
    with db.write() as connection:
        current = current_version(connection, kind)
        if current is None:
            raise UserError(f"there is no {kind} to confirm; import one first.")
        now = utc_now()
        if meta is not None:
            connection.execute(
                "UPDATE dataset_version SET confirmed_at = ?, source = ?, "
                "etag = coalesce(?, etag), last_modified = coalesce(?, last_modified) "
                "WHERE id = ?",
                (now, meta.source, meta.etag, meta.last_modified, current.id),
            )
        else:
            connection.execute(
                "UPDATE dataset_version SET confirmed_at = ? WHERE id = ?", (now, current.id)
            )
        refreshed = current_version(connection, kind)
    assert refreshed is not None
    return refreshed


_CPL_KEY_MATCH = (
    "o.manufacturer_id = n.manufacturer_id AND o.model_id = n.model_id AND "
    "o.hardware_version = n.hardware_version AND o.firmware_version = n.firmware_version AND "
    "o.device_type = n.device_type"
)


def cpl_change_counts(connection: sqlite3.Connection, new: int, old: int) -> dict[str, int]:
    """Entries added, removed, and changed (status, generation or names) between two versions."""
    added, removed, changed = connection.execute(
        f"""
        SELECT
          (SELECT count(*) FROM cpl_entry n WHERE n.version_id = :new AND NOT EXISTS
             (SELECT 1 FROM cpl_entry o WHERE o.version_id = :old AND {_CPL_KEY_MATCH})),
          (SELECT count(*) FROM cpl_entry o WHERE o.version_id = :old AND NOT EXISTS
             (SELECT 1 FROM cpl_entry n WHERE n.version_id = :new AND {_CPL_KEY_MATCH})),
          (SELECT count(*) FROM cpl_entry n JOIN cpl_entry o
             ON o.version_id = :old AND {_CPL_KEY_MATCH}
           WHERE n.version_id = :new AND (o.status <> n.status
             OR o.smets_generation <> n.smets_generation
             OR o.manufacturer_name <> n.manufacturer_name OR o.model_name <> n.model_name
             OR o.smets_chts_version <> n.smets_chts_version
             OR o.gbcs_version <> n.gbcs_version
             OR coalesce(o.cpa_expiry, '') <> coalesce(n.cpa_expiry, '')))
        """,
        {"new": new, "old": old},
    ).fetchone()
    return {"added": int(added), "removed": int(removed), "changed": int(changed)}


@dataclass(frozen=True, slots=True)
class CplChange:
    """One entry that differs between two CPL versions."""

    change: str  # "added" | "removed" | "changed"
    device_type: str
    manufacturer_id: str
    model_id: str
    hardware_version: str
    firmware_version: str
    before: str | None  # "status · generation" in the older version
    after: str | None  # the same in the newer version

    def text(self) -> str:
        key = (
            f"{self.device_type} {self.manufacturer_id}/{self.model_id} "
            f"hw {self.hardware_version} fw {self.firmware_version}"
        )
        if self.change == "added":
            return f"added {key} ({self.after})"
        if self.change == "removed":
            return f"removed {key} (was {self.before})"
        return f"changed {key}: {self.before} → {self.after}"


def cpl_changes(
    connection: sqlite3.Connection, new: int, old: int, limit: int = 100
) -> list[CplChange]:
    """The entries added, removed and changed from version ``old`` to ``new`` (up to
    ``limit`` of each kind, PPMIDs first), for the CPL page's "what changed"."""
    key = "device_type, manufacturer_id, model_id, hardware_version, firmware_version"
    state = "status || ' · ' || smets_generation"
    rows = connection.execute(
        f"""
        SELECT * FROM (SELECT 'added', {key}, NULL, {state} FROM cpl_entry n
          WHERE n.version_id = :new AND NOT EXISTS
            (SELECT 1 FROM cpl_entry o WHERE o.version_id = :old AND {_CPL_KEY_MATCH})
          ORDER BY device_type <> 'PPMID', {key} LIMIT :limit)
        UNION ALL
        SELECT * FROM (SELECT 'removed', {key}, {state}, NULL FROM cpl_entry o
          WHERE o.version_id = :old AND NOT EXISTS
            (SELECT 1 FROM cpl_entry n WHERE n.version_id = :new AND {_CPL_KEY_MATCH})
          ORDER BY device_type <> 'PPMID', {key} LIMIT :limit)
        UNION ALL
        SELECT * FROM (SELECT 'changed', n.device_type, n.manufacturer_id, n.model_id,
            n.hardware_version, n.firmware_version,
            o.status || ' · ' || o.smets_generation || ' · ' || o.model_name,
            n.status || ' · ' || n.smets_generation || ' · ' || n.model_name
          FROM cpl_entry n JOIN cpl_entry o ON o.version_id = :old AND {_CPL_KEY_MATCH}
          WHERE n.version_id = :new AND (o.status <> n.status
            OR o.smets_generation <> n.smets_generation
            OR o.manufacturer_name <> n.manufacturer_name OR o.model_name <> n.model_name
            OR o.smets_chts_version <> n.smets_chts_version
            OR o.gbcs_version <> n.gbcs_version
            OR coalesce(o.cpa_expiry, '') <> coalesce(n.cpa_expiry, ''))
          ORDER BY n.device_type <> 'PPMID', n.manufacturer_id, n.model_id LIMIT :limit)
        """,
        {"new": new, "old": old, "limit": limit},
    ).fetchall()
    return [CplChange(*row) for row in rows]


def replace_list(
    db: Database,
    kind: str,
    meta: SourceMeta,
    insert_rows: Callable[[sqlite3.Connection, int], None],
    count: int,
    summary: dict[str, object],
) -> VersionInfo:
    """Swap in a validated list; ``insert_rows(connection, version_id)`` writes its rows."""
    assert kind in KINDS
    table = ENTRY_TABLE[kind]
    now = utc_now()
    with db.write() as connection:
        previous = current_version(connection, kind)
        cursor = connection.execute(
            "INSERT INTO dataset_version (kind, source, etag, last_modified, sha256, "
            "imported_at, confirmed_at, rows, summary, is_current, previous_id) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, '{}', 0, ?)",
            (
                kind,
                meta.source,
                meta.etag,
                meta.last_modified,
                meta.sha256,
                now,
                now,
                count,
                previous.id if previous else None,
            ),
        )
        version_id = cursor.lastrowid
        assert version_id is not None
        insert_rows(connection, version_id)
        full_summary = dict(summary)
        if previous is not None:
            if kind == "cpl":
                full_summary["changes"] = cpl_change_counts(connection, version_id, previous.id)
            full_summary["previous_rows"] = previous.rows
        keep = (version_id,) if previous is None else (version_id, previous.id)
        marks = ",".join("?" * len(keep))
        connection.execute(
            f"DELETE FROM {table} WHERE version_id IN (SELECT id FROM dataset_version "
            f"WHERE kind = ? AND id NOT IN ({marks}))",
            (kind, *keep),
        )
        connection.execute(
            "UPDATE dataset_version SET is_current = (id = ?) WHERE kind = ?", (version_id, kind)
        )
        connection.execute(
            "UPDATE dataset_version SET summary = ? WHERE id = ?",
            (json.dumps(full_summary, sort_keys=True), version_id),
        )
        info = current_version(connection, kind)
    assert info is not None
    return info
