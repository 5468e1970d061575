"""sync cursors: where the last applied pull of each back-office feed ended

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-24 00:53:38.179561
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "sync_cursor",
        sa.Column("feed", sa.String(), nullable=False),
        sa.Column("server", sa.String(), nullable=False),
        sa.Column("installer_id", sa.String(), nullable=False),
        sa.Column("cursor", sa.String(), nullable=False),
        sa.Column("updated_at", sa.String(), nullable=False),
        sa.PrimaryKeyConstraint("feed"),
    )


def downgrade() -> None:
    op.drop_table("sync_cursor")
