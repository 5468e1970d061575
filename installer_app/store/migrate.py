"""Apply the Alembic migrations in ``db/`` from code (source, installed and frozen alike).

Imported only when the database is behind :data:`installer_app.store.db.HEAD_REVISION`, so
ordinary start-ups never pay for importing Alembic and SQLAlchemy.
"""

from __future__ import annotations

from contextlib import ExitStack
from importlib import resources
from pathlib import Path

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from alembic.script import ScriptDirectory

from installer_app import paths


def _config(stack: ExitStack) -> Config:
    location = stack.enter_context(resources.as_file(paths.migrations_dir()))
    config = Config()
    config.set_main_option("script_location", str(location))
    return config


def head_revision() -> str:
    with ExitStack() as stack:
        head = ScriptDirectory.from_config(_config(stack)).get_current_head()
        assert head is not None
        return head


def upgrade(db_path: Path) -> None:
    """Bring the database at ``db_path`` to the newest schema."""
    engine = sa.create_engine(f"sqlite:///{db_path}")

    @sa.event.listens_for(engine, "connect")
    def _pragmas(dbapi_connection, _record):  # type: ignore[no-untyped-def]
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=FULL")
        cursor.execute("PRAGMA busy_timeout=15000")
        cursor.close()

    try:
        with ExitStack() as stack, engine.begin() as connection:
            config = _config(stack)
            config.attributes["connection"] = connection
            command.upgrade(config, "head")
    finally:
        engine.dispose()


def autogenerate(db_path: Path, message: str) -> None:  # pragma: no cover - developer tool
    """Write a new migration from the difference between ``tables.py`` and the database."""
    engine = sa.create_engine(f"sqlite:///{db_path}")
    with ExitStack() as stack, engine.begin() as connection:
        config = _config(stack)
        config.attributes["connection"] = connection
        config.attributes["autogenerate"] = True
        command.revision(config, message=message, autogenerate=True)
