"""reference data: versions, CPL, EPCL, advisories

Revision ID: 0001
Revises:
Create Date: 2026-11-24 00:34:15.095642
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "dataset_version",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(), nullable=False),
        sa.Column("source", sa.String(), nullable=False),
        sa.Column("etag", sa.String(), nullable=True),
        sa.Column("last_modified", sa.String(), nullable=True),
        sa.Column("sha256", sa.String(), nullable=False),
        sa.Column("imported_at", sa.String(), nullable=False),
        sa.Column("confirmed_at", sa.String(), nullable=False),
        sa.Column("rows", sa.Integer(), nullable=False),
        sa.Column("summary", sa.String(), nullable=False),
        sa.Column("is_current", sa.Boolean(), nullable=False),
        sa.Column("previous_id", sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("dataset_version", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_dataset_version_kind"), ["kind"], unique=False)

    op.create_table(
        "advisory",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("version_id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(), nullable=False),
        sa.Column("reference", sa.String(), nullable=False),
        sa.Column("device_type", sa.String(), nullable=False),
        sa.Column("manufacturer_id", sa.String(), nullable=False),
        sa.Column("model_id", sa.String(), nullable=False),
        sa.Column("hardware_version", sa.String(), nullable=True),
        sa.Column("firmware_version", sa.String(), nullable=True),
        sa.Column("cohort", sa.String(), nullable=True),
        sa.Column("note", sa.String(), nullable=False),
        sa.ForeignKeyConstraint(
            ["version_id"],
            ["dataset_version.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("advisory", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_advisory_version_id"), ["version_id"], unique=False)

    op.create_table(
        "cpl_entry",
        sa.Column("version_id", sa.Integer(), nullable=False),
        sa.Column("manufacturer_id", sa.String(), nullable=False),
        sa.Column("model_id", sa.String(), nullable=False),
        sa.Column("hardware_version", sa.String(), nullable=False),
        sa.Column("firmware_version", sa.String(), nullable=False),
        sa.Column("device_type", sa.String(), nullable=False),
        sa.Column("manufacturer_name", sa.String(), nullable=False),
        sa.Column("model_name", sa.String(), nullable=False),
        sa.Column("smets_chts_version", sa.String(), nullable=False),
        sa.Column("gbcs_version", sa.String(), nullable=False),
        sa.Column("status", sa.String(), nullable=False),
        sa.Column("cpa_expiry", sa.String(), nullable=True),
        sa.Column("smets_generation", sa.String(), nullable=False),
        sa.Column("bilingual", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["version_id"],
            ["dataset_version.id"],
        ),
        sa.PrimaryKeyConstraint(
            "version_id",
            "manufacturer_id",
            "model_id",
            "hardware_version",
            "firmware_version",
            "device_type",
        ),
        sqlite_with_rowid=False,
    )
    op.create_table(
        "epcl_entry",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("version_id", sa.Integer(), nullable=False),
        sa.Column("combination_id", sa.String(), nullable=False),
        sa.Column("cohort", sa.String(), nullable=False),
        sa.Column("device_type", sa.String(), nullable=False),
        sa.Column("manufacturer_id", sa.String(), nullable=False),
        sa.Column("model_id", sa.String(), nullable=False),
        sa.Column("hardware_version", sa.String(), nullable=False),
        sa.Column("firmware_version", sa.String(), nullable=False),
        sa.Column("date_added", sa.String(), nullable=True),
        sa.ForeignKeyConstraint(
            ["version_id"],
            ["dataset_version.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("epcl_entry", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_epcl_entry_version_id"), ["version_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("epcl_entry", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_epcl_entry_version_id"))

    op.drop_table("epcl_entry")
    op.drop_table("cpl_entry")
    with op.batch_alter_table("advisory", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_advisory_version_id"))

    op.drop_table("advisory")
    with op.batch_alter_table("dataset_version", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_dataset_version_kind"))

    op.drop_table("dataset_version")
