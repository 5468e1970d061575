"""The schema, declared once as SQLModel tables.

Alembic migrations in ``db/`` are written against this metadata and a test checks that a
migrated database matches it. Hot paths (bulk import, lookups during a check) use prebuilt SQL
on the stdlib ``sqlite3`` connection (see ARCHITECTURE.md: ~27 µs against ~577 µs per lookup),
so this module is only imported by migrations, tests and tools.

Reference data (CPL, EPCL, advisories) is versioned: every import creates a ``dataset_version``
row; entries carry their ``version_id``. The current and the previous version's entries are
kept, so "what changed" is one query; older versions keep only their summary.
"""

from __future__ import annotations

from sqlalchemy import Index, text
from sqlmodel import Field, SQLModel


class DatasetVersion(SQLModel, table=True):
    __tablename__ = "dataset_version"

    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(index=True, description="cpl | epcl | advisories")
    source: str
    etag: str | None = None
    last_modified: str | None = None
    sha256: str
    imported_at: str = Field(description="ISO 8601 UTC")
    confirmed_at: str = Field(description="last import or sync that fetched or confirmed it")
    rows: int
    summary: str = Field(description="JSON: counts by type and generation, changes")
    is_current: bool = Field(default=False)
    previous_id: int | None = None


class CplEntryRow(SQLModel, table=True):
    __tablename__ = "cpl_entry"
    __table_args__ = {"sqlite_with_rowid": False}

    version_id: int = Field(foreign_key="dataset_version.id", primary_key=True)
    manufacturer_id: str = Field(primary_key=True)
    model_id: str = Field(primary_key=True)
    hardware_version: str = Field(primary_key=True)
    firmware_version: str = Field(primary_key=True)
    device_type: str = Field(primary_key=True)
    manufacturer_name: str = ""
    model_name: str = ""
    smets_chts_version: str = ""
    gbcs_version: str = ""
    status: str
    cpa_expiry: str | None = None
    smets_generation: str
    bilingual: bool = False


class EpclEntryRow(SQLModel, table=True):
    __tablename__ = "epcl_entry"

    id: int | None = Field(default=None, primary_key=True)
    version_id: int = Field(foreign_key="dataset_version.id", index=True)
    combination_id: str
    cohort: str
    device_type: str
    manufacturer_id: str
    model_id: str
    hardware_version: str
    firmware_version: str
    date_added: str | None = None


class AdvisoryRow(SQLModel, table=True):
    __tablename__ = "advisory"

    id: int | None = Field(default=None, primary_key=True)
    version_id: int = Field(foreign_key="dataset_version.id", index=True)
    code: str
    reference: str
    device_type: str
    manufacturer_id: str
    model_id: str
    hardware_version: str | None = None
    firmware_version: str | None = None
    cohort: str | None = None
    note: str = ""


class ImportLog(SQLModel, table=True):
    """Every import of pre-notifications or jobs (reference lists have dataset_version)."""

    __tablename__ = "import_log"

    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(index=True, description="prenotifications | jobs")
    source: str = Field(description="file names or URL, as given")
    sha256: str
    imported_at: str
    rows: int
    summary: str = "{}"


class PrenotificationRow(SQLModel, table=True):
    """Pre-notification / inventory records. One current record per Device ID; the rest history."""

    __tablename__ = "prenotification"
    __table_args__ = (
        Index(
            "ux_prenotification_current",
            "device_id",
            unique=True,
            sqlite_where=text("is_current"),
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    import_id: int = Field(foreign_key="import_log.id", index=True)
    device_id: str = Field(index=True)
    device_type: str
    manufacturer: str
    model: str
    firmware_version: str | None = None
    smets_chts_version: str | None = None
    status: str | None = None
    s1sp: str | None = None
    csp_region: str | None = None
    cpl_status: str | None = None
    job_reference: str | None = None
    source: str
    source_file: str
    source_line: int | None = None
    source_index: int | None = None
    is_current: bool = True


class JobRow(SQLModel, table=True):
    __tablename__ = "job"

    reference: str = Field(primary_key=True)
    import_id: int = Field(foreign_key="import_log.id")
    address: str
    installation: str = Field(description="SMETS1 | SMETS2+")
    cohort: str | None = None
    comms_hub_id: str | None = None
    meter_ids: str = Field(default="[]", description="JSON list of Device IDs")
    expected_ppmid_id: str | None = None
    scheduled_for: str | None = None


class CheckRow(SQLModel, table=True):
    """The audit log: every check, with its inputs, verdict and reasons, written before shown."""

    __tablename__ = "check_record"
    # The History page filters by verdict or job and shows the newest first: with these, the
    # first page of 1,000,000 checks is an index walk, not a sort.
    __table_args__ = (
        Index("ix_check_record_verdict_checked_at", "verdict", "checked_at"),
        Index("ix_check_record_job_checked_at", "job_reference", "checked_at"),
    )

    id: str = Field(primary_key=True, description="UUID, the check_id")
    checked_at: str = Field(index=True)
    installer_id: str | None = None
    job_reference: str | None = None
    installation: str
    cohort: str | None = None
    device_id: str = Field(index=True)
    verdict: str
    prenotified_as: str | None = None
    reason_codes: str = Field(description="space-separated codes, for filtering")
    reading: str = Field(description="JSON: what the device said, raw text included")
    prenotification_id: int | None = Field(default=None, foreign_key="prenotification.id")
    cpl_version_id: int | None = Field(default=None, foreign_key="dataset_version.id")
    result: str = Field(description="JSON: the verdict exactly as shown")


class DecisionRow(SQLModel, table=True):
    """What the installer did after a check: one decision per check."""

    __tablename__ = "decision"

    id: int | None = Field(default=None, primary_key=True)
    check_id: str = Field(foreign_key="check_record.id", unique=True)
    decision: str = Field(description="joined | not-joined")
    reason: str | None = None
    decided_at: str
    installer_id: str | None = None


class OutboxRow(SQLModel, table=True):
    """Records waiting to be sent to the back office (checks, decisions, join requests)."""

    __tablename__ = "outbox"

    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(description="check | decision | join_request")
    idempotency_key: str = Field(unique=True, description="UUID chosen here, once")
    payload: str = Field(description="JSON")
    created_at: str
    sent_at: str | None = Field(default=None, index=True)
    attempts: int = 0


class SyncCursorRow(SQLModel, table=True):
    """Where the last applied pull of a back-office feed ended (``jobs``, ``prenotifications``).

    Written in the same transaction as the records it covers, so a sync that stops anywhere
    leaves the cursor and the data in step. A cursor is only valid for the back office and the
    installer it came from: a different server or installer starts the feed from the beginning.
    """

    __tablename__ = "sync_cursor"

    feed: str = Field(primary_key=True, description="jobs | prenotifications")
    server: str = Field(description="the back office address (no credentials)")
    installer_id: str
    cursor: str = Field(description="opaque, as the back office sent it")
    updated_at: str
