"""Reference lists (CPL, EPCL, advisories): import from a file or URL, and their status."""

from __future__ import annotations

import hashlib
import stat
import threading
import tomllib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from installer_app import paths
from installer_app.domain.generation import GenerationRules
from installer_app.domain.model import CplEntry
from installer_app.errors import UserError
from installer_app.store import cpl_store, lists
from installer_app.store.cpl_file import parse_cpl
from installer_app.store.csv_table import no_gc
from installer_app.store.db import Database
from installer_app.store.reference import (
    SourceMeta,
    VersionInfo,
    confirm_current,
    current_version,
)
from installer_app.sync import urls

Progress = Callable[[str, int, int | None], None]
"""progress(stage, done, total): stage is "download", "parse" or "store"."""

WHAT = {"cpl": "CPL", "epcl": "EPCL", "advisories": "advisory list"}
MAX_LOCAL_FILE_BYTES = 256 * 1024 * 1024


def open_database(data_dir: Path) -> Database:
    return Database(data_dir)


def generation_rules(data_dir: Path) -> GenerationRules:
    """The data directory's ``generation_rules.toml`` if present, else the bundled rules."""
    local = data_dir / "generation_rules.toml"
    try:
        if local.is_file():
            text = local.read_text(encoding="utf-8")
            where = str(local)
        else:
            text = paths.resource("generation_rules.toml").read_text(encoding="utf-8")
            where = "the bundled generation_rules.toml"
        return GenerationRules.from_data(tomllib.loads(text))
    except (tomllib.TOMLDecodeError, ValueError, UnicodeDecodeError) as exc:
        raise UserError(f"{where}: {exc}. Fix or remove the file.") from None


@dataclass(frozen=True, slots=True)
class ImportResult:
    kind: str
    outcome: str  # "imported" | "unchanged" | "not-modified"
    version: VersionInfo
    previous: VersionInfo | None = None
    notes: list[str] = field(default_factory=list)

    def summary_line(self) -> str:
        what = WHAT[self.kind]
        v = self.version
        if self.outcome == "not-modified":
            return f"{what} unchanged on the server (HTTP 304): {v.rows} entries, version {v.label}"
        if self.outcome == "unchanged":
            return f"{what} unchanged (same content as version {v.label}): {v.rows} entries"
        changes = v.summary.get("changes")
        extra = ""
        if isinstance(changes, dict):
            extra = (
                f" ({changes['added']} added, {changes['removed']} removed, "
                f"{changes['changed']} changed)"
            )
        return f"{what} imported: {v.rows} entries{extra}, version {v.label}, from {v.source}"


def _read_local(source: str) -> tuple[bytes, str]:
    """The file's content and its name as shown and stored (see :func:`paths.shown_path`)."""
    if not source.strip():
        raise UserError("no file was given. Give the path of a CSV file.")
    path = Path(source)
    shown = paths.shown_path(path)
    try:
        info = path.stat()
        if stat.S_ISDIR(info.st_mode):
            raise UserError(f"{shown} is a folder, not a file. Give the path of a CSV file.")
        if not stat.S_ISREG(info.st_mode):
            raise UserError(
                f"{shown} is not a regular file (a device or a pipe). Give the path of a saved "
                "CSV file."
            )
        size = info.st_size
        if size > MAX_LOCAL_FILE_BYTES:
            raise UserError(
                f"{shown} is {size // 1_000_000} MB, larger than any reference list can be. "
                "Check that you picked the right file."
            )
        return path.read_bytes(), shown
    except FileNotFoundError:
        raise UserError(f"{shown}: no such file. Check the path and try again.") from None
    except PermissionError:
        raise UserError(f"{shown}: permission denied. Check that you can read the file.") from None
    except IsADirectoryError:
        raise UserError(f"{shown} is a folder, not a file.") from None
    except OSError as exc:
        raise UserError(f"{shown}: cannot be read ({exc.strerror}).") from None


def import_reference(
    db: Database,
    kind: str,
    source: str,
    *,
    progress: Progress | None = None,
    cancel: threading.Event | None = None,
    headers: dict[str, str] | None = None,
) -> ImportResult:
    """Import a CPL, EPCL or advisory list from a file path or an http(s) URL.

    The stored list is replaced atomically, or not at all. Identical content (by SHA-256) and
    HTTP 304 only confirm the current version. ``headers`` are sent with a URL's request (the
    sync's bearer token); they are never stored or shown.
    """
    if kind not in WHAT:
        raise ValueError(kind)
    with db.read() as connection:
        previous = current_version(connection, kind)
    etag = last_modified = None
    temp: Path | None = None
    try:
        if urls.is_url(source):
            from installer_app.sync import download

            same_source = previous is not None and previous.source == urls.display_url(source)
            fetched = download.fetch(
                source,
                db.data_dir,
                etag=previous.etag if same_source and previous else None,
                last_modified=previous.last_modified if same_source and previous else None,
                progress=(lambda done, total: progress("download", done, total))
                if progress
                else None,
                cancel=cancel,
                headers=headers,
            )
            shown = urls.display_url(source)
            if fetched.not_modified:
                info = confirm_current(
                    db, kind, SourceMeta(shown, previous.sha256 if previous else "")
                )
                return ImportResult(kind, "not-modified", info, previous)
            assert fetched.path is not None
            temp = fetched.path
            data = temp.read_bytes()
            name = shown
            etag, last_modified = fetched.etag, fetched.last_modified
        else:
            data, name = _read_local(source)
        if cancel is not None and cancel.is_set():
            raise UserError("import cancelled; nothing was changed.")
        digest = hashlib.sha256(data).hexdigest()
        meta = SourceMeta(name, digest, etag, last_modified)
        if previous is not None and previous.sha256 == digest:
            info = confirm_current(db, kind, meta)
            return ImportResult(kind, "unchanged", info, previous)
        if progress:
            progress("parse", 0, None)
        if kind == "cpl":
            # No cyclic GC while 100,000s of row lists exist (they hold no cycles): they are
            # freed by reference counting before it runs again, so it never walks them.
            with no_gc():
                parsed = parse_cpl(data, name, generation_rules(db.data_dir))
                del data
                if cancel is not None and cancel.is_set():
                    raise UserError("import cancelled; nothing was changed.")
                if progress:
                    progress("store", 0, len(parsed))
                info = cpl_store.store_cpl(db, parsed, meta, name)
                del parsed
        elif kind == "epcl":
            info = lists.store_epcl(db, lists.parse_epcl(data, name), meta)
        else:
            info = lists.store_advisories(db, lists.parse_advisories(data, name), meta)
        return ImportResult(kind, "imported", info, previous)
    except UserError as exc:
        text = exc.message.lower()
        if "unchanged" in text or "nothing was changed" in text:
            raise
        raise UserError(
            f"{exc.message} The stored {WHAT[kind]} is unchanged.", details=exc.details
        ) from None
    finally:
        if temp is not None:
            temp.unlink(missing_ok=True)


def reference_status(db: Database, kind: str) -> VersionInfo | None:
    with db.read() as connection:
        return current_version(connection, kind)


def find_cpl(db: Database, query: cpl_store.FindQuery) -> list[CplEntry]:
    """CPL entries matching ``query`` (filtered, sorted and paged in SQLite)."""
    with db.read() as connection:
        return cpl_store.find_entries(connection, query)
