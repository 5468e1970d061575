"""The database itself: migrations from empty, and readers never see a half-swapped list."""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path

import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlmodel import SQLModel

import installer_app.store.tables  # noqa: F401
from installer_app import services
from installer_app.store import migrate
from installer_app.store.db import HEAD_REVISION, Database
from tests.conftest import CPL_HEADER, csv_bytes


def test_head_revision_constant_matches_the_migrations() -> None:
    assert migrate.head_revision() == HEAD_REVISION


def test_migrations_from_empty_match_the_declared_tables(tmp_path: Path) -> None:
    Database(tmp_path).close()
    engine = sa.create_engine(f"sqlite:///{tmp_path / 'installer.sqlite'}")
    with engine.connect() as connection:
        diff = compare_metadata(MigrationContext.configure(connection), SQLModel.metadata)
    engine.dispose()
    assert diff == []


def test_new_data_dir_is_private_and_uses_wal(tmp_path: Path) -> None:
    data_dir = tmp_path / "new" / "dir"
    with Database(data_dir) as db:
        assert db.connection.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert db.connection.execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL
        assert db.connection.execute("PRAGMA foreign_keys").fetchone()[0] == 1
    assert data_dir.stat().st_mode & 0o077 == 0


def test_a_damaged_database_is_a_clear_error(tmp_path: Path) -> None:
    (tmp_path / "installer.sqlite").write_bytes(b"this is not a database" * 100)
    try:
        Database(tmp_path)
    except services.UserError as exc:
        assert "installer.sqlite" in str(exc)
    else:  # pragma: no cover
        raise AssertionError("opened a damaged database")


def _cpl(marker: str, count: int) -> bytes:
    rows = [
        ["PPMID", "M", "1111", "X", f"{i:08X}", "01", marker, "SMETS V5.0", "", "Active", ""]
        for i in range(count)
    ]
    return csv_bytes([CPL_HEADER, *rows])


def test_reader_during_import_sees_old_or_new_never_a_mix(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    old_file, new_file = tmp_path / "old.csv", tmp_path / "new.csv"
    old_file.write_bytes(_cpl("AAAA", 20_000))
    new_file.write_bytes(_cpl("BBBB", 30_000))
    with Database(data_dir) as db:
        services.import_reference(db, "cpl", str(old_file))

    seen: set[tuple[int, str, int]] = set()
    errors: list[str] = []
    stop = threading.Event()

    def reader() -> None:
        connection = sqlite3.connect(data_dir / "installer.sqlite", isolation_level=None)
        while not stop.is_set():
            connection.execute("BEGIN")
            version = connection.execute(
                "SELECT id, rows FROM dataset_version WHERE kind = 'cpl' AND is_current"
            ).fetchone()
            rows = connection.execute(
                "SELECT count(*), group_concat(DISTINCT firmware_version) FROM cpl_entry "
                "WHERE version_id = ?",
                (version[0],),
            ).fetchone()
            connection.execute("COMMIT")
            if rows[0] != version[1]:
                errors.append(f"version says {version[1]} rows, table has {rows[0]}")
            seen.add((rows[0], rows[1], version[0]))
        connection.close()

    thread = threading.Thread(target=reader)
    thread.start()
    try:
        with Database(data_dir) as db:
            services.import_reference(db, "cpl", str(new_file))
            services.import_reference(db, "cpl", str(old_file))
    finally:
        stop.set()
        thread.join()
    assert errors == []
    assert {(count, marker) for count, marker, _ in seen} <= {(20_000, "AAAA"), (30_000, "BBBB")}
    assert len(seen) >= 1
