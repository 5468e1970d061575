"""Alembic environment. Run from code (installer_app.store.migrate), never needs alembic.ini.

Applying migrations needs only SQLAlchemy and Alembic; the SQLModel table declarations are
imported only to autogenerate a new migration (so the packaged app does not carry SQLModel).
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from alembic import context

config = context.config


def _render_item(type_: str, obj: Any, autogen_context: Any) -> str | bool:
    """Write SQLModel's AutoString as plain sa.String() in generated migrations."""
    if type_ == "type" and type(obj).__name__ == "AutoString":
        return "sa.String()"
    return False


def run_migrations_online() -> None:
    connection = config.attributes["connection"]
    target_metadata: sa.MetaData | None = None
    if config.attributes.get("autogenerate"):
        from sqlmodel import SQLModel

        import installer_app.store.tables  # noqa: F401  (registers the tables)

        target_metadata = SQLModel.metadata
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=True,
        render_item=_render_item,
    )
    with context.begin_transaction():
        context.run_migrations()


run_migrations_online()
