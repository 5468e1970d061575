"""Read-only views the desktop app's pages need (CPL paging, jobs, history, status), and the
history CSV export. Thin: every query is a store function; nothing here knows about Qt.

Each function takes an open :class:`~installer_app.store.db.Database`; the GUI opens one per
background task (a connection is never shared between threads at the same time).
"""

from __future__ import annotations

import csv
import threading
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

from installer_app import settings
from installer_app.domain.model import CplEntry
from installer_app.errors import UserError
from installer_app.store import audit, cpl_store, field_records
from installer_app.store.audit import StoredCheck
from installer_app.store.cpl_store import FindQuery
from installer_app.store.db import Database
from installer_app.store.field_records import JobState
from installer_app.store.reference import (
    KINDS,
    CplChange,
    VersionInfo,
    cpl_changes,
    current_version,
    version_history,
)

__all__ = [
    "CplChange",
    "CplOverview",
    "CplSearchResult",
    "FindQuery",
    "JobState",
    "StatusSummary",
    "StoredCheck",
    "VersionInfo",
    "cpl_count",
    "cpl_first_page",
    "cpl_manufacturers",
    "cpl_model_entries",
    "cpl_overview",
    "cpl_page",
    "cpl_search",
    "export_checks_csv",
    "has_field_data",
    "list_checks",
    "list_jobs",
    "reference_history",
    "status_summary",
]


@dataclass(frozen=True, slots=True)
class CplSearchResult:
    """How many entries match a query, and the first page of them."""

    query: FindQuery
    total: int
    entries: list[CplEntry]


def cpl_search(db: Database, query: FindQuery, page_size: int) -> CplSearchResult:
    """Count and first page of ``query`` from one read snapshot (SQLite does the filtering,
    sorting and paging: only ``page_size`` entries are ever built)."""
    with db.read() as connection:
        total = cpl_store.count_entries(connection, query)
        first = cpl_store.find_entries(connection, _paged(query, 0, page_size))
    return CplSearchResult(query, total, first)


def cpl_first_page(db: Database, query: FindQuery, page_size: int) -> CplSearchResult:
    """The first page of ``query`` alone, so it can be shown at once; its ``total`` is exact
    when the page is not full (one pass over the list), else -1: ask :func:`cpl_count`."""
    with db.read() as connection:
        first = cpl_store.find_entries(connection, _paged(query, 0, page_size))
    return CplSearchResult(query, len(first) if len(first) < page_size else -1, first)


def cpl_count(db: Database, query: FindQuery) -> int:
    with db.read() as connection:
        return cpl_store.count_entries(connection, query)


def cpl_page(db: Database, query: FindQuery, offset: int, limit: int) -> list[CplEntry]:
    """One page of ``query``'s entries."""
    with db.read() as connection:
        return cpl_store.find_entries(connection, _paged(query, offset, limit))


def _paged(query: FindQuery, offset: int, limit: int) -> FindQuery:
    return replace(query, limit=limit, offset=offset)


def cpl_model_entries(db: Database, manufacturer_id: str, model_id: str) -> list[CplEntry]:
    """Every current entry of one manufacturer + model, SMETS1 entries first."""
    with db.read() as connection:
        entries = cpl_store.entries_for_model(connection, manufacturer_id, model_id)
    return sorted(
        entries,
        key=lambda e: (e.device_type, e.hardware_version, e.smets_generation, e.firmware_version),
    )


def cpl_manufacturers(
    db: Database, cancel: threading.Event | None = None, chunk: int = 10_000
) -> list[tuple[str, str]]:
    """(identifier, name) of every manufacturer on the current CPL, by identifier.

    Walks the list in key order a chunk at a time, so memory stays small on a 100k list.
    """
    seen: dict[str, str] = {}
    offset = 0
    with db.read() as connection:
        while True:
            if cancel is not None and cancel.is_set():
                break
            page = cpl_store.find_entries(connection, FindQuery(limit=chunk, offset=offset))
            for entry in page:
                seen.setdefault(entry.manufacturer_id, entry.manufacturer_name)
            if len(page) < chunk:
                break
            offset += chunk
    return sorted(seen.items())


@dataclass(frozen=True, slots=True)
class CplOverview:
    """The CPL page's header: the current version, the one before it, and the age limit."""

    current: VersionInfo | None
    previous: VersionInfo | None
    max_age_days: float

    @property
    def stale(self) -> bool:
        return self.current is None or self.current.age_days() > self.max_age_days

    def changes(self) -> dict[str, int] | None:
        if self.current is None:
            return None
        found = self.current.summary.get("changes")
        if not isinstance(found, dict):
            return None
        return {str(k): int(v) for k, v in found.items()}


def cpl_changed_entries(db: Database, limit: int = 100) -> list[CplChange]:
    """What changed from the previous CPL version to the current one, entry by entry."""
    with db.read() as connection:
        current = current_version(connection, "cpl")
        if current is None or current.previous_id is None:
            return []
        return cpl_changes(connection, current.id, current.previous_id, limit)


def cpl_overview(db: Database) -> CplOverview:
    with db.read() as connection:
        current = current_version(connection, "cpl")
        previous = None
        if current is not None and current.previous_id is not None:
            previous = next(
                (v for v in version_history(connection, "cpl") if v.id == current.previous_id),
                None,
            )
    return CplOverview(current, previous, settings.cpl_max_age_days(db.data_dir))


def reference_history(db: Database, limit: int = 50) -> list[VersionInfo]:
    """Every stored version of the CPL, EPCL and advisory list, newest import first."""
    with db.read() as connection:
        versions = [v for kind in KINDS for v in version_history(connection, kind, limit)]
    versions.sort(key=lambda v: (v.imported_at, v.id), reverse=True)
    return versions[:limit]


def list_jobs(db: Database) -> list[JobState]:
    with db.read() as connection:
        return field_records.list_jobs(connection)


def has_field_data(db: Database) -> bool:
    """True when the data directory holds any reference list or job (not a fresh one)."""
    with db.read() as connection:
        if any(current_version(connection, kind) for kind in KINDS):
            return True
        return bool(field_records.list_jobs(connection))


def list_checks(
    db: Database,
    *,
    verdict: str | None = None,
    job_reference: str | None = None,
    since: str | None = None,
    limit: int = 200,
    after: tuple[str, int] | None = None,
) -> list[StoredCheck]:
    """Checks with their decisions, newest first; ``after`` is the previous page's last
    :attr:`StoredCheck.page_key`."""
    with db.read() as connection:
        return audit.list_checks(
            connection,
            verdict=verdict,
            job_reference=job_reference,
            since=since,
            limit=limit,
            after=after,
        )


EXPORT_COLUMNS = (
    "checked_at",
    "job_reference",
    "device_id",
    "installation",
    "prenotified_as",
    "verdict",
    "reason_codes",
    "decision",
    "decision_reason",
    "decided_at",
    "cpl_version",
    "check_id",
)


def _export_row(check: StoredCheck) -> list[str]:
    result = check.result
    reasons = result.get("reasons")
    codes = (
        " ".join(str(r.get("code", "")) for r in reasons if isinstance(r, dict))
        if isinstance(reasons, list)
        else ""
    )
    values: dict[str, object] = {
        "checked_at": check.checked_at,
        "job_reference": check.job_reference,
        "device_id": check.device_id,
        "installation": check.installation,
        "prenotified_as": result.get("prenotified_as"),
        "verdict": check.verdict,
        "reason_codes": codes,
        "decision": check.decision,
        "decision_reason": check.decision_reason,
        "decided_at": check.decided_at,
        "cpl_version": result.get("cpl_version"),
        "check_id": check.check_id,
    }
    return [_cell(values[c]) for c in EXPORT_COLUMNS]


_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _cell(value: object) -> str:
    """A CSV cell that a spreadsheet shows as text: a value that would start a formula
    (``=HYPERLINK(…)`` typed as a reason, or in a job reference from a file) gets a leading
    apostrophe, which spreadsheets hide."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(_FORMULA_START) else text


def export_checks_csv(
    db: Database,
    path: Path,
    *,
    verdict: str | None = None,
    job_reference: str | None = None,
    since: str | None = None,
    cancel: threading.Event | None = None,
    progress: Callable[[int], None] | None = None,
    chunk: int = 1000,
) -> int:
    """Write the filtered checks (newest first) to ``path`` as UTF-8 CSV; returns the count.

    Written to a temporary file first, so a failed or cancelled export leaves no half file.
    """
    temp = path.with_name(path.name + ".part")
    written = 0
    after: tuple[str, int] | None = None
    try:
        # One read snapshot: a check recorded meanwhile cannot shift the pages.
        with temp.open("w", newline="", encoding="utf-8-sig") as handle, db.read() as connection:
            writer = csv.writer(handle)
            writer.writerow(EXPORT_COLUMNS)
            while True:
                if cancel is not None and cancel.is_set():
                    raise UserError("export cancelled; no file was written.")
                rows = audit.list_checks(
                    connection,
                    verdict=verdict,
                    job_reference=job_reference,
                    since=since,
                    limit=chunk,
                    after=after,
                )
                writer.writerows(_export_row(check) for check in rows)
                written += len(rows)
                if rows:
                    after = rows[-1].page_key
                if progress is not None:
                    progress(written)
                if len(rows) < chunk:
                    break
        temp.replace(path)
    except PermissionError:
        temp.unlink(missing_ok=True)
        raise UserError(
            f"cannot write {path}: permission denied. Choose a folder you can write to."
        ) from None
    except OSError as exc:
        temp.unlink(missing_ok=True)
        raise UserError(f"cannot write {path} ({exc.strerror}). Choose another place.") from None
    except BaseException:
        temp.unlink(missing_ok=True)
        raise
    return written


@dataclass(frozen=True, slots=True)
class StatusSummary:
    """What the always-visible status bar shows."""

    cpl: VersionInfo | None
    max_age_days: float
    pending_records: int
    last_sync_at: str | None

    @property
    def cpl_age_days(self) -> float | None:
        return None if self.cpl is None else self.cpl.age_days()

    @property
    def cpl_stale(self) -> bool:
        age = self.cpl_age_days
        return age is None or age > self.max_age_days


def status_summary(db: Database) -> StatusSummary:
    with db.read() as connection:
        cpl = current_version(connection, "cpl")
        pending = audit.pending_outbox(connection)
    values = settings.load(db.data_dir)
    last_sync = values.get("last_sync_at")
    return StatusSummary(
        cpl=cpl,
        max_age_days=settings.cpl_max_age_days(db.data_dir),
        pending_records=pending,
        last_sync_at=str(last_sync) if last_sync else None,
    )
