"""pre-notifications, jobs, audit log, decisions, outbox

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-24 00:45:33.471824
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "import_log",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(), nullable=False),
        sa.Column("source", sa.String(), nullable=False),
        sa.Column("sha256", sa.String(), nullable=False),
        sa.Column("imported_at", sa.String(), nullable=False),
        sa.Column("rows", sa.Integer(), nullable=False),
        sa.Column("summary", sa.String(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("import_log", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_import_log_kind"), ["kind"], unique=False)

    op.create_table(
        "outbox",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(), nullable=False),
        sa.Column("idempotency_key", sa.String(), nullable=False),
        sa.Column("payload", sa.String(), nullable=False),
        sa.Column("created_at", sa.String(), nullable=False),
        sa.Column("sent_at", sa.String(), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("idempotency_key"),
    )
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_outbox_sent_at"), ["sent_at"], unique=False)

    op.create_table(
        "job",
        sa.Column("reference", sa.String(), nullable=False),
        sa.Column("import_id", sa.Integer(), nullable=False),
        sa.Column("address", sa.String(), nullable=False),
        sa.Column("installation", sa.String(), nullable=False),
        sa.Column("cohort", sa.String(), nullable=True),
        sa.Column("comms_hub_id", sa.String(), nullable=True),
        sa.Column("meter_ids", sa.String(), nullable=False),
        sa.Column("expected_ppmid_id", sa.String(), nullable=True),
        sa.Column("scheduled_for", sa.String(), nullable=True),
        sa.ForeignKeyConstraint(
            ["import_id"],
            ["import_log.id"],
        ),
        sa.PrimaryKeyConstraint("reference"),
    )
    op.create_table(
        "prenotification",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("import_id", sa.Integer(), nullable=False),
        sa.Column("device_id", sa.String(), nullable=False),
        sa.Column("device_type", sa.String(), nullable=False),
        sa.Column("manufacturer", sa.String(), nullable=False),
        sa.Column("model", sa.String(), nullable=False),
        sa.Column("firmware_version", sa.String(), nullable=True),
        sa.Column("smets_chts_version", sa.String(), nullable=True),
        sa.Column("status", sa.String(), nullable=True),
        sa.Column("s1sp", sa.String(), nullable=True),
        sa.Column("csp_region", sa.String(), nullable=True),
        sa.Column("cpl_status", sa.String(), nullable=True),
        sa.Column("job_reference", sa.String(), nullable=True),
        sa.Column("source", sa.String(), nullable=False),
        sa.Column("source_file", sa.String(), nullable=False),
        sa.Column("source_line", sa.Integer(), nullable=True),
        sa.Column("source_index", sa.Integer(), nullable=True),
        sa.Column("is_current", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["import_id"],
            ["import_log.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("prenotification", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_prenotification_device_id"), ["device_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_prenotification_import_id"), ["import_id"], unique=False
        )
        batch_op.create_index(
            "ux_prenotification_current",
            ["device_id"],
            unique=True,
            sqlite_where=sa.text("is_current"),
        )

    op.create_table(
        "check_record",
        sa.Column("id", sa.String(), nullable=False),
        sa.Column("checked_at", sa.String(), nullable=False),
        sa.Column("installer_id", sa.String(), nullable=True),
        sa.Column("job_reference", sa.String(), nullable=True),
        sa.Column("installation", sa.String(), nullable=False),
        sa.Column("cohort", sa.String(), nullable=True),
        sa.Column("device_id", sa.String(), nullable=False),
        sa.Column("verdict", sa.String(), nullable=False),
        sa.Column("prenotified_as", sa.String(), nullable=True),
        sa.Column("reason_codes", sa.String(), nullable=False),
        sa.Column("reading", sa.String(), nullable=False),
        sa.Column("prenotification_id", sa.Integer(), nullable=True),
        sa.Column("cpl_version_id", sa.Integer(), nullable=True),
        sa.Column("result", sa.String(), nullable=False),
        sa.ForeignKeyConstraint(
            ["cpl_version_id"],
            ["dataset_version.id"],
        ),
        sa.ForeignKeyConstraint(
            ["prenotification_id"],
            ["prenotification.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("check_record", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_check_record_checked_at"), ["checked_at"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_check_record_device_id"), ["device_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_check_record_job_reference"), ["job_reference"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_check_record_verdict"), ["verdict"], unique=False)

    op.create_table(
        "decision",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("check_id", sa.String(), nullable=False),
        sa.Column("decision", sa.String(), nullable=False),
        sa.Column("reason", sa.String(), nullable=True),
        sa.Column("decided_at", sa.String(), nullable=False),
        sa.Column("installer_id", sa.String(), nullable=True),
        sa.ForeignKeyConstraint(
            ["check_id"],
            ["check_record.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("check_id"),
    )


def downgrade() -> None:
    op.drop_table("decision")
    with op.batch_alter_table("check_record", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_check_record_verdict"))
        batch_op.drop_index(batch_op.f("ix_check_record_job_reference"))
        batch_op.drop_index(batch_op.f("ix_check_record_device_id"))
        batch_op.drop_index(batch_op.f("ix_check_record_checked_at"))

    op.drop_table("check_record")
    with op.batch_alter_table("prenotification", schema=None) as batch_op:
        batch_op.drop_index("ux_prenotification_current", sqlite_where=sa.text("is_current"))
        batch_op.drop_index(batch_op.f("ix_prenotification_import_id"))
        batch_op.drop_index(batch_op.f("ix_prenotification_device_id"))

    op.drop_table("prenotification")
    op.drop_table("job")
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_outbox_sent_at"))

    op.drop_table("outbox")
    with op.batch_alter_table("import_log", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_import_log_kind"))

    op.drop_table("import_log")
