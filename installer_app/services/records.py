"""Pre-notification and job imports: parsed completely first, then stored in one transaction."""

from __future__ import annotations

import contextlib
import hashlib
from collections.abc import Sequence
from pathlib import Path

from installer_app.paths import shown_path
from installer_app.store import field_records
from installer_app.store.db import Database
from installer_app.store.field_records import ImportInfo
from installer_app.store.jobs_file import parse_jobs_file
from installer_app.store.prenotification_files import parse_prenotification_files


def _digest(paths: Sequence[Path]) -> str:
    digest = hashlib.sha256()
    for path in paths:
        with contextlib.suppress(OSError):  # the parser has reported unreadable files
            digest.update(path.read_bytes())
    return digest.hexdigest()


def import_prenotifications(db: Database, files: Sequence[str]) -> ImportInfo:
    """All files in one transaction: one bad file, nothing imported (UserError names it)."""
    records = parse_prenotification_files(files)
    paths = [Path(f) for f in files]
    return field_records.store_prenotifications(
        db, records, ", ".join(shown_path(p) for p in paths), _digest(paths)
    )


def import_jobs(db: Database, file: str) -> ImportInfo:
    jobs = parse_jobs_file(file)
    return field_records.store_jobs(db, jobs, shown_path(file), _digest([Path(file)]))
