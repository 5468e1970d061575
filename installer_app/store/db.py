"""The local SQLite database: one file in the data directory, opened with stdlib ``sqlite3``.

Pragmas (ARCHITECTURE.md): WAL so readers keep their snapshot while an import swaps a list in;
foreign keys on; ``synchronous=FULL`` because the same file holds recorded decisions, which
must survive a power cut (in WAL mode that costs one fsync per commit, nothing per row).
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from installer_app.errors import UserError

DB_FILENAME = "installer.sqlite"

HEAD_REVISION = "0004"
"""The newest migration in ``db/versions``; a test keeps this equal to Alembic's head."""

_migrate_lock = threading.Lock()


def _connect(path: Path) -> sqlite3.Connection:
    connection = sqlite3.connect(path, isolation_level=None, check_same_thread=False, timeout=15)
    # 16 KiB pages (takes effect on a new file only): ~7% faster bulk CPL import, fewer
    # b-tree levels for 100k-row lists; a check's audit write touches a handful of pages.
    connection.execute("PRAGMA page_size=16384")
    connection.execute("PRAGMA journal_mode=WAL")
    connection.execute("PRAGMA foreign_keys=ON")
    connection.execute("PRAGMA synchronous=FULL")
    connection.execute("PRAGMA busy_timeout=15000")
    connection.execute("PRAGMA temp_store=MEMORY")
    connection.execute("PRAGMA cache_size=-32000")
    return connection


def _revision(connection: sqlite3.Connection) -> str | None:
    try:
        row = connection.execute("SELECT version_num FROM alembic_version").fetchone()
    except sqlite3.OperationalError:
        return None
    return str(row[0]) if row else None


class Database:
    """A connection to the data directory's database, migrated to :data:`HEAD_REVISION`.

    One connection per thread of work: the GUI's workers open their own. Write transactions
    go through :meth:`write`, which takes the write lock up front (``BEGIN IMMEDIATE``).
    """

    def __init__(self, data_dir: Path) -> None:
        self.data_dir = data_dir
        self.path = data_dir / DB_FILENAME
        try:
            data_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
            self.connection = _connect(self.path)
            self._migrate_if_needed()
        except sqlite3.DatabaseError as exc:
            raise UserError(
                f"cannot open the database {self.path}: {exc}. If the file was damaged, move it "
                "aside and sync again; support can recover decisions from it."
            ) from exc
        except PermissionError as exc:
            raise UserError(
                f"cannot open the data directory {data_dir}: permission denied. Choose a "
                "directory you can write to (--data-dir) or fix its permissions."
            ) from exc

    def _migrate_if_needed(self) -> None:
        if _revision(self.connection) == HEAD_REVISION:
            return
        with _migrate_lock:
            if _revision(self.connection) == HEAD_REVISION:
                return
            from installer_app.store import migrate

            migrate.upgrade(self.path)
        if _revision(self.connection) != HEAD_REVISION:
            raise UserError(
                f"the database {self.path} has schema {_revision(self.connection)!r}, which this "
                f"version of the app does not know (expected {HEAD_REVISION}). Install the newer "
                "version of the app, or use another data directory."
            )

    @contextmanager
    def write(self) -> Iterator[sqlite3.Connection]:
        """One write transaction: committed on success, rolled back on any exception."""
        connection = self.connection
        connection.execute("BEGIN IMMEDIATE")
        try:
            yield connection
        except BaseException:
            connection.execute("ROLLBACK")
            raise
        connection.execute("COMMIT")

    @contextmanager
    def read(self) -> Iterator[sqlite3.Connection]:
        """A consistent read snapshot across several queries."""
        connection = self.connection
        connection.execute("BEGIN")
        try:
            yield connection
        finally:
            connection.execute("COMMIT")

    def close(self) -> None:
        self.connection.close()

    def __enter__(self) -> Database:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
