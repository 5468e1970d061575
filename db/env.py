"""Alembic environment. Run from code (installer_app.store.migrate), never needs alembic.ini."""

from __future__ import annotations

from alembic import context
from sqlmodel import SQLModel

import installer_app.store.tables  # noqa: F401  (registers the tables on SQLModel.metadata)

config = context.config
target_metadata = SQLModel.metadata


def run_migrations_online() -> None:
    connection = config.attributes["connection"]
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=True,
    )
    with context.begin_transaction():
        context.run_migrations()


run_migrations_online()
