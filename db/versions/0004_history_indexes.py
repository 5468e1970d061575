"""history indexes: verdict and job with time

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-24 02:24:08.040577
"""

from __future__ import annotations

from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("check_record", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_check_record_job_reference"))
        batch_op.drop_index(batch_op.f("ix_check_record_verdict"))
        batch_op.create_index(
            "ix_check_record_job_checked_at", ["job_reference", "checked_at"], unique=False
        )
        batch_op.create_index(
            "ix_check_record_verdict_checked_at", ["verdict", "checked_at"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("check_record", schema=None) as batch_op:
        batch_op.drop_index("ix_check_record_verdict_checked_at")
        batch_op.drop_index("ix_check_record_job_checked_at")
        batch_op.create_index(batch_op.f("ix_check_record_verdict"), ["verdict"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_check_record_job_reference"), ["job_reference"], unique=False
        )
