"""The back office's tables (SQLAlchemy Core; the same schema on SQLite and PostgreSQL).

A metadata of its own, apart from the desktop's ``SQLModel.metadata``: the two databases never
share a table. Text columns have explicit lengths so PostgreSQL enforces them too.

Feeds: every change an installer must pull (a job added or changed, a pre-notification record
delivered to them) gets the next number of one counter (``bo_counter``). The counter's row is
updated first in the writing transaction and stays locked until its commit, so numbers become
visible in the order they were handed out: a reader that sees change N sees every change before
it, and a cursor "after N" never skips a change that commits later.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Column,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)

SCHEMA_VERSION = "1"

metadata = MetaData()

# SQLite only makes INTEGER PRIMARY KEY an auto-increment rowid alias.
BigId = BigInteger().with_variant(Integer(), "sqlite")

bo_meta = Table(
    "bo_meta",
    metadata,
    Column("key", String(64), primary_key=True),
    Column("value", String(200), nullable=False),
)

bo_counter = Table(
    "bo_counter",
    metadata,
    Column("name", String(32), primary_key=True),
    Column("value", BigInteger, nullable=False),
)

bo_installer = Table(
    "bo_installer",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("created_at", String(32), nullable=False),
)

bo_token = Table(
    "bo_token",
    metadata,
    Column("id", String(32), primary_key=True, comment="public part of the token"),
    Column("installer_id", String(64), ForeignKey("bo_installer.id"), nullable=False, index=True),
    Column("secret_sha256", String(64), nullable=False, comment="SHA-256 of the secret part"),
    Column("created_at", String(32), nullable=False),
    Column("revoked_at", String(32), nullable=True),
)

bo_reference_list = Table(
    "bo_reference_list",
    metadata,
    Column("kind", String(16), primary_key=True),
    Column("sha256", String(64), nullable=False),
    Column("rows", Integer, nullable=False),
    Column("source", String(500), nullable=False),
    Column("loaded_at", String(32), nullable=False),
    Column("last_modified", String(40), nullable=False, comment="HTTP date"),
    Column("content", LargeBinary, nullable=False),
    Column("content_gzip", LargeBinary, nullable=False),
)

bo_load = Table(
    "bo_load",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("kind", String(32), nullable=False),
    Column("source", String(2000), nullable=False),
    Column("sha256", String(64), nullable=False),
    Column("rows", Integer, nullable=False),
    Column("installer_id", String(64), nullable=True),
    Column("loaded_at", String(32), nullable=False),
)

bo_job = Table(
    "bo_job",
    metadata,
    Column("installer_id", String(64), ForeignKey("bo_installer.id"), primary_key=True),
    Column("reference", String(100), primary_key=True),
    Column("address", String(500), nullable=False),
    Column("installation", String(16), nullable=False),
    Column("cohort", String(8), nullable=True),
    Column("comms_hub_id", String(23), nullable=True),
    Column("meter_ids", Text, nullable=False, comment="JSON list of Device IDs"),
    Column("expected_ppmid_id", String(23), nullable=True),
    Column("scheduled_for", String(10), nullable=True),
    Column("seq", BigInteger, nullable=False),
    Column("load_id", BigInteger, nullable=False),
    Index("ix_bo_job_feed", "installer_id", "seq"),
    Index("ix_bo_job_reference", "reference"),
)

bo_job_device = Table(
    "bo_job_device",
    metadata,
    Column("installer_id", String(64), primary_key=True),
    Column("reference", String(100), primary_key=True),
    Column("device_id", String(23), primary_key=True),
    Index("ix_bo_job_device_device", "device_id"),
)

bo_prenotification = Table(
    "bo_prenotification",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("device_id", String(23), nullable=False, index=True),
    Column("device_type", String(16), nullable=False),
    Column("manufacturer", String(30), nullable=False),
    Column("model", String(30), nullable=False),
    Column("firmware_version", String(30), nullable=True),
    Column("smets_chts_version", String(30), nullable=True),
    Column("status", String(30), nullable=True),
    Column("s1sp", String(100), nullable=True),
    Column("csp_region", String(30), nullable=True),
    Column("cpl_status", String(30), nullable=True),
    Column("job_reference", String(100), nullable=True, index=True),
    Column("source", String(16), nullable=False),
    Column("source_file", String(200), nullable=False),
    Column(
        "installer_id",
        String(64),
        ForeignKey("bo_installer.id"),
        nullable=True,
        comment="set when loaded with --installer: only that installer receives it",
    ),
    Column("load_id", BigInteger, nullable=False),
)

bo_delivery = Table(
    "bo_delivery",
    metadata,
    Column("installer_id", String(64), primary_key=True),
    Column("prenotification_id", BigInteger, ForeignKey("bo_prenotification.id"), primary_key=True),
    Column("seq", BigInteger, nullable=False),
    Index("ix_bo_delivery_feed", "installer_id", "seq"),
)

bo_record = Table(
    "bo_record",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("installer_id", String(64), ForeignKey("bo_installer.id"), nullable=False),
    Column("idempotency_key", String(36), nullable=False),
    Column("kind", String(16), nullable=False),
    Column("check_id", String(64), nullable=True),
    Column("payload", Text, nullable=False),
    Column("payload_sha256", String(64), nullable=False),
    Column("created_at", String(40), nullable=False, comment="as the device recorded it"),
    Column("received_at", String(32), nullable=False),
    UniqueConstraint("installer_id", "idempotency_key", name="ux_bo_record_key"),
    UniqueConstraint("installer_id", "kind", "check_id", name="ux_bo_record_check"),
)
