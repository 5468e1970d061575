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
