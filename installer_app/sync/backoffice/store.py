"""The back office's data and rules, on SQLite (default) or PostgreSQL (``--db postgresql://…``).

Everything the API and the administration commands do goes through :class:`BackOffice`; it
needs SQLAlchemy only (no web framework), so ``backoffice load`` and ``backoffice token`` work
without the optional extra.

Exactly once: a pushed record is inserted with ``ON CONFLICT DO NOTHING`` under the unique
constraint (installer, idempotency key), and a second constraint (installer, kind, check id)
catches the same check or decision sent under another key. A retried or duplicated delivery
finds its record there and is acknowledged as ``duplicate`` without being stored again, whatever
the timing (two deliveries racing on PostgreSQL: the second waits for the first's commit, then
does nothing). The answer goes out only after the commit.

Feeds: see :mod:`installer_app.sync.backoffice.schema`. Every load locks the feed counter first,
so loads are serialised and change numbers become visible in order.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import secrets
import threading
import tomllib
import uuid
from collections import OrderedDict
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from email.utils import formatdate
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from installer_app import paths
from installer_app.domain.generation import GenerationRules
from installer_app.domain.prenotification import PRENOTIFICATION_FIELDS
from installer_app.errors import UserError
from installer_app.store.reference import utc_now
from installer_app.sync import protocol
from installer_app.sync.backoffice import tokens
from installer_app.sync.backoffice.schema import (
    SCHEMA_VERSION,
    bo_counter,
    bo_delivery,
    bo_installer,
    bo_job,
    bo_job_device,
    bo_load,
    bo_meta,
    bo_prenotification,
    bo_record,
    bo_reference_list,
    bo_token,
    metadata,
)

MAX_REFERENCE_FILE_BYTES = 256 * 1024 * 1024
_CHUNK = 500
_SCHEMA_LOCK = 7_411_305  # pg_advisory_xact_lock key: one instance creates the schema at a time
WHAT = {"cpl": "CPL", "epcl": "EPCL", "advisories": "advisory list"}

_PRENOTIFICATION_FIELDS = tuple(
    f for f in PRENOTIFICATION_FIELDS if f not in ("source_line", "source_index")
)
"""What the back office keeps and sends of a record (not where in its file it stood)."""


def database_url(db: str) -> sa.URL:
    """A ``--db`` value as a SQLAlchemy URL: ``postgresql://…``, ``sqlite:///…`` or a file path."""
    text = db.strip()
    if "://" not in text:
        return sa.URL.create("sqlite", database=str(Path(text).expanduser().resolve()))
    try:
        url = sa.make_url(text)
    except sa.exc.ArgumentError:
        raise UserError(
            f"--db {shown_url(text)!r} is not a database address. Use a file path, "
            "sqlite:///PATH or postgresql://USER:PASSWORD@HOST/DBNAME."
        ) from None
    backend = url.get_backend_name()
    if backend == "postgresql":
        return url.set(drivername="postgresql+psycopg")
    if backend == "sqlite":
        return url
    raise UserError(
        f"--db: {backend} databases are not supported. Use SQLite (a file path) or PostgreSQL "
        "(postgresql://USER:PASSWORD@HOST/DBNAME)."
    )


def shown_url(db: str | sa.URL) -> str:
    """The database address fit to print: the password hidden."""
    try:
        url = db if isinstance(db, sa.URL) else sa.make_url(db)
    except sa.exc.ArgumentError:
        return "(unreadable address)"
    return url.render_as_string(hide_password=True)


def _make_engine(url: sa.URL) -> Engine:
    if url.get_backend_name() == "sqlite":
        if url.database and url.database != ":memory:":
            Path(url.database).parent.mkdir(parents=True, exist_ok=True)
        engine = sa.create_engine(
            url, connect_args={"timeout": 30, "check_same_thread": False}, pool_size=8
        )

        @sa.event.listens_for(engine, "connect")
        def _connect(dbapi_connection, _record):  # type: ignore[no-untyped-def]
            dbapi_connection.isolation_level = None  # transactions are begun below
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=FULL")  # stored decisions survive a power cut
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA busy_timeout=30000")
            cursor.close()

        @sa.event.listens_for(engine, "begin")
        def _begin(connection):  # type: ignore[no-untyped-def]
            # Writers take the write lock up front: no deadlock on a read-then-write upgrade.
            write = connection.get_execution_options().get("bo_write", False)
            connection.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")

        return engine
    try:
        return sa.create_engine(url, pool_size=10, max_overflow=20, pool_pre_ping=True)
    except ModuleNotFoundError:
        raise UserError(
            "PostgreSQL needs the back office extra: pip install 'installer-app[backoffice]'."
        ) from None


@dataclass(frozen=True, slots=True)
class Principal:
    """Who a request is from: the installer its token belongs to."""

    installer_id: str
    token_id: str


@dataclass(frozen=True, slots=True)
class ReferenceMeta:
    kind: str
    sha256: str
    rows: int
    last_modified: str
    loaded_at: str

    @property
    def etag(self) -> str:
        return f'"{self.sha256[:32]}"'

    @property
    def etag_gzip(self) -> str:
        return f'"{self.sha256[:32]}-gzip"'


@dataclass(frozen=True, slots=True)
class Page:
    items: list[dict[str, Any]]
    next_cursor: str
    has_more: bool


@dataclass(frozen=True, slots=True)
class PushRecord:
    idempotency_key: object
    kind: object
    created_at: object
    payload: object


@dataclass(frozen=True, slots=True)
class PushOutcome:
    idempotency_key: str
    status: str
    message: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "idempotency_key": self.idempotency_key,
            "status": self.status,
            "message": self.message,
        }


@dataclass(frozen=True, slots=True)
class TokenInfo:
    token_id: str
    installer_id: str
    created_at: str
    revoked_at: str | None


@dataclass(frozen=True, slots=True)
class StoredRecord:
    installer_id: str
    idempotency_key: str
    kind: str
    check_id: str | None
    payload: dict[str, Any]
    created_at: str
    received_at: str


def bundled_rules() -> GenerationRules:
    text = paths.resource("generation_rules.toml").read_text(encoding="utf-8")
    return GenerationRules.from_data(tomllib.loads(text))


def check_installer_id(installer_id: str) -> str:
    value = installer_id.strip()
    if not protocol.INSTALLER_ID.fullmatch(value):
        raise UserError(
            f"{installer_id!r} is not a usable installer ID: use 1 to 64 letters, digits and . _ "
            "@ - (starting with a letter or digit), e.g. INST-0042."
        )
    return value


def _chunks(values: Sequence[Any], size: int = _CHUNK) -> Iterator[Sequence[Any]]:
    for start in range(0, len(values), size):
        yield values[start : start + size]


class BackOffice:
    """One back-office database. Thread-safe: every call takes its own connection."""

    def __init__(self, db: str) -> None:
        self.url = database_url(db)
        self.shown = shown_url(self.url)
        self.dialect = self.url.get_backend_name()
        self.engine = _make_engine(self.url)
        self._cache: OrderedDict[tuple[str, str, bool], bytes] = OrderedDict()
        self._cache_lock = threading.Lock()
        try:
            self.epoch = self._ensure_schema()
        except sa.exc.OperationalError as exc:
            self.engine.dispose()
            raise UserError(
                f"cannot open the back office database {self.shown}: "
                f"{str(exc.orig).strip().splitlines()[0] if exc.orig else exc}. Check the "
                "address, that the database server runs, and the user's rights."
            ) from None

    def close(self) -> None:
        self.engine.dispose()

    def __enter__(self) -> BackOffice:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ------------------------------------------------------------------ plumbing

    @contextmanager
    def _write(self) -> Iterator[Connection]:
        with self.engine.connect() as connection:
            connection.execution_options(bo_write=True)
            with connection.begin():
                yield connection

    @contextmanager
    def _read(self) -> Iterator[Connection]:
        with self.engine.connect() as connection, connection.begin():
            yield connection

    def _insert(self, table: sa.Table) -> Any:
        if self.dialect == "postgresql":
            from sqlalchemy.dialects.postgresql import insert as pg_insert

            return pg_insert(table)
        from sqlalchemy.dialects.sqlite import insert as sqlite_insert

        return sqlite_insert(table)

    def _ensure_schema(self) -> str:
        with self._write() as connection:
            if self.dialect == "postgresql":
                connection.execute(sa.text(f"SELECT pg_advisory_xact_lock({_SCHEMA_LOCK})"))
            metadata.create_all(connection)
            values = dict(connection.execute(sa.select(bo_meta.c.key, bo_meta.c.value)).all())
            if "schema_version" not in values:
                values = {"schema_version": SCHEMA_VERSION, "feed_epoch": secrets.token_hex(4)}
                connection.execute(
                    sa.insert(bo_meta), [{"key": k, "value": v} for k, v in values.items()]
                )
                connection.execute(sa.insert(bo_counter).values(name="feed", value=0))
            if values["schema_version"] != SCHEMA_VERSION:
                raise UserError(
                    f"the back office database {self.shown} has schema "
                    f"{values['schema_version']}, which this version does not know (expected "
                    f"{SCHEMA_VERSION}). Use the matching version of installer-app."
                )
            return str(values["feed_epoch"])

    def _lock_feed(self, connection: Connection) -> None:
        """Serialise loads (SQLite's BEGIN IMMEDIATE already does; PostgreSQL: a row lock)."""
        if self.dialect == "postgresql":
            connection.execute(
                sa.select(bo_counter.c.value).where(bo_counter.c.name == "feed").with_for_update()
            )

    def _allocate(self, connection: Connection, count: int) -> int:
        """Reserve ``count`` consecutive change numbers; returns the first."""
        new_value = connection.execute(
            sa.update(bo_counter)
            .where(bo_counter.c.name == "feed")
            .values(value=bo_counter.c.value + count)
            .returning(bo_counter.c.value)
        ).scalar_one()
        return int(new_value) - count + 1

    def _ensure_installer(self, connection: Connection, installer_id: str) -> None:
        connection.execute(
            self._insert(bo_installer)
            .values(id=installer_id, created_at=utc_now())
            .on_conflict_do_nothing()
        )

    def _log_load(
        self,
        connection: Connection,
        kind: str,
        source: str,
        sha256: str,
        rows: int,
        installer_id: str | None,
    ) -> int:
        return int(
            connection.execute(
                sa.insert(bo_load)
                .values(
                    kind=kind,
                    source=source[:2000],
                    sha256=sha256,
                    rows=rows,
                    installer_id=installer_id,
                    loaded_at=utc_now(),
                )
                .returning(bo_load.c.id)
            ).scalar_one()
        )

    # ------------------------------------------------------------------ tokens

    def create_token(self, installer_id: str) -> str:
        installer_id = check_installer_id(installer_id)
        token, token_id, digest = tokens.new_token()
        with self._write() as connection:
            self._ensure_installer(connection, installer_id)
            connection.execute(
                sa.insert(bo_token).values(
                    id=token_id,
                    installer_id=installer_id,
                    secret_sha256=digest,
                    created_at=utc_now(),
                    revoked_at=None,
                )
            )
        return token

    def revoke_token(self, token_or_id: str) -> TokenInfo:
        token_id = tokens.token_id_of(token_or_id)
        if token_id is None:
            raise UserError(
                "that is neither a token nor a token id (16 hex digits, as 'backoffice token "
                "list' shows). Check what you pasted."
            )
        with self._write() as connection:
            row = connection.execute(
                sa.select(bo_token).where(bo_token.c.id == token_id)
            ).one_or_none()
            if row is None:
                raise UserError(
                    f"there is no token {token_id} in {self.shown}; 'backoffice token list' "
                    "shows the tokens."
                )
            revoked_at = row.revoked_at or utc_now()
            if row.revoked_at is None:
                connection.execute(
                    sa.update(bo_token)
                    .where(bo_token.c.id == token_id)
                    .values(revoked_at=revoked_at)
                )
        return TokenInfo(token_id, row.installer_id, row.created_at, revoked_at)

    def list_tokens(self) -> list[TokenInfo]:
        with self._read() as connection:
            rows = connection.execute(sa.select(bo_token).order_by(bo_token.c.created_at)).all()
        return [TokenInfo(r.id, r.installer_id, r.created_at, r.revoked_at) for r in rows]

    def authenticate(self, token: str) -> Principal | None:
        """The installer of a valid, unrevoked token; None for anything else (same cost)."""
        parsed = tokens.parse(token) if len(token) <= 512 else None
        token_id, secret = parsed if parsed else ("", None)
        row = None
        if parsed:
            with self._read() as connection:
                row = connection.execute(
                    sa.select(
                        bo_token.c.installer_id, bo_token.c.secret_sha256, bo_token.c.revoked_at
                    ).where(bo_token.c.id == token_id)
                ).one_or_none()
        matches = tokens.secret_matches(secret, row.secret_sha256 if row else None)
        if row is None or not matches or row.revoked_at is not None:
            return None
        return Principal(row.installer_id, token_id)

    # ------------------------------------------------------------------ reference lists

    def load_reference(self, kind: str, file: str) -> str:
        if kind not in WHAT:
            raise ValueError(kind)
        data, name = _read_file(file, MAX_REFERENCE_FILE_BYTES)
        rows = _validate_reference(kind, data, name)
        digest = hashlib.sha256(data).hexdigest()
        with self._write() as connection:
            current = connection.execute(
                sa.select(bo_reference_list.c.sha256).where(bo_reference_list.c.kind == kind)
            ).scalar_one_or_none()
            if current == digest:
                return (
                    f"{WHAT[kind]} unchanged (same content as version {digest[:12]}): "
                    f"{rows} entries"
                )
            values = {
                "sha256": digest,
                "rows": rows,
                "source": name[:500],
                "loaded_at": utc_now(),
                "last_modified": formatdate(usegmt=True),
                "content": data,
                "content_gzip": gzip.compress(data, compresslevel=6, mtime=0),
            }
            if current is None:
                connection.execute(sa.insert(bo_reference_list).values(kind=kind, **values))
            else:
                connection.execute(
                    sa.update(bo_reference_list)
                    .where(bo_reference_list.c.kind == kind)
                    .values(**values)
                )
            self._log_load(connection, kind, name, digest, rows, None)
        return f"{WHAT[kind]} loaded: {rows} entries, version {digest[:12]}, from {name}"

    def reference_lists(self) -> list[ReferenceMeta]:
        with self._read() as connection:
            rows = connection.execute(
                sa.select(
                    bo_reference_list.c.kind,
                    bo_reference_list.c.sha256,
                    bo_reference_list.c.rows,
                    bo_reference_list.c.last_modified,
                    bo_reference_list.c.loaded_at,
                ).order_by(bo_reference_list.c.kind)
            ).all()
        return [ReferenceMeta(*row) for row in rows]

    def reference_meta(self, kind: str) -> ReferenceMeta | None:
        for meta in self.reference_lists():
            if meta.kind == kind:
                return meta
        return None

    def reference_content(self, meta: ReferenceMeta, *, gzipped: bool) -> bytes | None:
        """The list's bytes (gzip-compressed if asked), from a small in-process cache."""
        key = (meta.kind, meta.sha256, gzipped)
        with self._cache_lock:
            cached = self._cache.get(key)
            if cached is not None:
                self._cache.move_to_end(key)
                return cached
        column = bo_reference_list.c.content_gzip if gzipped else bo_reference_list.c.content
        with self._read() as connection:
            row = connection.execute(
                sa.select(column, bo_reference_list.c.sha256).where(
                    bo_reference_list.c.kind == meta.kind
                )
            ).one_or_none()
        if row is None or row[1] != meta.sha256:
            return None  # replaced meanwhile: the caller answers from the new version
        content = bytes(row[0])
        with self._cache_lock:
            self._cache[key] = content
            while len(self._cache) > 6:
                self._cache.popitem(last=False)
        return content

    # ------------------------------------------------------------------ jobs, pre-notifications

    def load_jobs(self, files: Sequence[str], installer_id: str) -> str:
        from installer_app.store.jobs_file import parse_jobs_file

        installer_id = check_installer_id(installer_id)
        parsed = [job for file in files for job in parse_jobs_file(file)]
        latest = {job.reference: job for job in parsed}
        jobs = list(latest.values())
        devices = {
            job.reference: sorted(
                {d for d in (job.expected_ppmid_id, job.comms_hub_id, *job.meter_ids) if d}
            )
            for job in jobs
        }
        digest = _digest_files(files)
        with self._write() as connection:
            self._lock_feed(connection)
            self._ensure_installer(connection, installer_id)
            load_id = self._log_load(
                connection, "jobs", ", ".join(files), digest, len(jobs), installer_id
            )
            all_devices = sorted({d for ids in devices.values() for d in ids})
            linked = self._linked_records(connection, installer_id, list(latest), all_devices)
            first = self._allocate(connection, len(jobs) + len(linked))
            for start, chunk in enumerate(_chunks(jobs)):
                rows = [
                    {
                        "installer_id": installer_id,
                        "reference": job.reference,
                        "address": job.address,
                        "installation": job.installation.value,
                        "cohort": job.cohort.value if job.cohort else None,
                        "comms_hub_id": job.comms_hub_id,
                        "meter_ids": json.dumps(list(job.meter_ids)),
                        "expected_ppmid_id": job.expected_ppmid_id,
                        "scheduled_for": job.scheduled_for,
                        "seq": first + start * _CHUNK + i,
                        "load_id": load_id,
                    }
                    for i, job in enumerate(chunk)
                ]
                insert = self._insert(bo_job)
                connection.execute(
                    insert.on_conflict_do_update(
                        index_elements=["installer_id", "reference"],
                        set_={
                            name: insert.excluded[name]
                            for name in rows[0]
                            if name not in ("installer_id", "reference")
                        },
                    ),
                    rows,
                )
            for chunk in _chunks(list(latest)):
                connection.execute(
                    sa.delete(bo_job_device).where(
                        bo_job_device.c.installer_id == installer_id,
                        bo_job_device.c.reference.in_(chunk),
                    )
                )
            device_rows = [
                {"installer_id": installer_id, "reference": ref, "device_id": device}
                for ref, ids in devices.items()
                for device in ids
            ]
            if device_rows:
                connection.execute(sa.insert(bo_job_device), device_rows)
            self._deliver(connection, [(installer_id, pid) for pid in linked], first + len(jobs))
        extra = f", {len(linked)} pre-notification record(s) linked to them" if linked else ""
        return f"jobs loaded for {installer_id}: {len(jobs)}{extra}"

    def _linked_records(
        self, connection: Connection, installer_id: str, refs: list[str], devices: list[str]
    ) -> list[int]:
        """The newest record per device that the jobs point at, not yet sent to the installer."""
        p = bo_prenotification
        visible = sa.or_(p.c.installer_id.is_(None), p.c.installer_id == installer_id)
        wanted = set(devices)
        for chunk in _chunks(refs):
            wanted.update(
                connection.execute(
                    sa.select(p.c.device_id).where(visible, p.c.job_reference.in_(chunk))
                ).scalars()
            )
        newest: list[int] = []
        for chunk in _chunks(sorted(wanted)):
            newest.extend(
                connection.execute(
                    sa.select(sa.func.max(p.c.id))
                    .where(visible, p.c.device_id.in_(chunk))
                    .group_by(p.c.device_id)
                ).scalars()
            )
        if not newest:
            return []
        delivered: set[int] = set()
        for chunk in _chunks(newest):
            delivered.update(
                connection.execute(
                    sa.select(bo_delivery.c.prenotification_id).where(
                        bo_delivery.c.installer_id == installer_id,
                        bo_delivery.c.prenotification_id.in_(chunk),
                    )
                ).scalars()
            )
        return sorted(i for i in newest if i not in delivered)

    def _deliver(
        self, connection: Connection, deliveries: list[tuple[str, int]], first_seq: int
    ) -> None:
        rows = [
            {"installer_id": installer, "prenotification_id": pid, "seq": first_seq + i}
            for i, (installer, pid) in enumerate(deliveries)
        ]
        for chunk in _chunks(rows):
            connection.execute(sa.insert(bo_delivery), list(chunk))

    def load_prenotifications(self, files: Sequence[str], installer_id: str | None = None) -> str:
        from installer_app.store.prenotification_files import parse_prenotification_files

        if installer_id is not None:
            installer_id = check_installer_id(installer_id)
        records = parse_prenotification_files(files)
        if not records:
            raise UserError("the files hold no pre-notification records; nothing was loaded.")
        digest = _digest_files(files)
        with self._write() as connection:
            self._lock_feed(connection)
            if installer_id is not None:
                self._ensure_installer(connection, installer_id)
            load_id = self._log_load(
                connection, "prenotifications", ", ".join(files), digest, len(records), installer_id
            )
            ids: list[int] = []
            for chunk in _chunks(records):
                ids.extend(
                    connection.execute(
                        sa.insert(bo_prenotification).returning(
                            bo_prenotification.c.id, sort_by_parameter_order=True
                        ),
                        [
                            {
                                **{f: getattr(r, f) for f in _PRENOTIFICATION_FIELDS},
                                "installer_id": installer_id,
                                "load_id": load_id,
                            }
                            for r in chunk
                        ],
                    ).scalars()
                )
            if installer_id is not None:
                deliveries = [(installer_id, pid) for pid in ids]
            else:
                deliveries = self._targets(connection, records, ids)
            first = self._allocate(connection, len(deliveries)) if deliveries else 0
            self._deliver(connection, deliveries, first)
        installers = len({installer for installer, _ in deliveries})
        return (
            f"pre-notification records loaded: {len(records)}; sent to {installers} "
            f"installer(s) ({len(deliveries)} deliveries)"
        )

    def _targets(
        self, connection: Connection, records: Sequence[Any], ids: list[int]
    ) -> list[tuple[str, int]]:
        """Which installers each shared record goes to: those with a job that names it."""
        refs = sorted({r.job_reference for r in records if r.job_reference})
        devices = sorted({r.device_id for r in records})
        by_ref: dict[str, set[str]] = {}
        by_device: dict[str, set[str]] = {}
        for chunk in _chunks(refs):
            for installer, ref in connection.execute(
                sa.select(bo_job.c.installer_id, bo_job.c.reference).where(
                    bo_job.c.reference.in_(chunk)
                )
            ):
                by_ref.setdefault(ref, set()).add(installer)
        for chunk in _chunks(devices):
            for installer, device in connection.execute(
                sa.select(bo_job_device.c.installer_id, bo_job_device.c.device_id).where(
                    bo_job_device.c.device_id.in_(chunk)
                )
            ):
                by_device.setdefault(device, set()).add(installer)
        deliveries: list[tuple[str, int]] = []
        for record, pid in zip(records, ids, strict=True):
            installers = by_ref.get(record.job_reference or "", set()) | by_device.get(
                record.device_id, set()
            )
            deliveries.extend((installer, pid) for installer in sorted(installers))
        return deliveries

    # ------------------------------------------------------------------ feeds

    def _since(self, cursor: str | None) -> int:
        if cursor is None or cursor == "":
            return 0
        epoch, _, number = cursor.partition(".")
        if not number.isdigit() or len(number) > 18:
            raise ValueError("the cursor is not one this back office gave out")
        if epoch != self.epoch:
            return 0  # another database (restored or rebuilt): send everything again
        return int(number)

    def _cursor(self, seq: int) -> str:
        return f"{self.epoch}.{seq}"

    def jobs_page(self, installer_id: str, since: str | None, limit: int) -> Page:
        start = self._since(since)
        limit = max(1, min(limit, protocol.MAX_PAGE_LIMIT))
        with self._read() as connection:
            rows = connection.execute(
                sa.select(bo_job)
                .where(bo_job.c.installer_id == installer_id, bo_job.c.seq > start)
                .order_by(bo_job.c.seq)
                .limit(limit + 1)
            ).all()
        more = len(rows) > limit
        rows = rows[:limit]
        items = [
            {
                "reference": r.reference,
                "address": r.address,
                "installation": r.installation,
                "cohort": r.cohort,
                "comms_hub_id": r.comms_hub_id,
                "meter_ids": json.loads(r.meter_ids),
                "expected_ppmid_id": r.expected_ppmid_id,
                "scheduled_for": r.scheduled_for,
            }
            for r in rows
        ]
        return Page(items, self._cursor(rows[-1].seq if rows else start), more)

    def prenotifications_page(self, installer_id: str, since: str | None, limit: int) -> Page:
        start = self._since(since)
        limit = max(1, min(limit, protocol.MAX_PAGE_LIMIT))
        p = bo_prenotification
        with self._read() as connection:
            rows = connection.execute(
                sa.select(bo_delivery.c.seq, *(p.c[f] for f in _PRENOTIFICATION_FIELDS))
                .join(p, p.c.id == bo_delivery.c.prenotification_id)
                .where(bo_delivery.c.installer_id == installer_id, bo_delivery.c.seq > start)
                .order_by(bo_delivery.c.seq)
                .limit(limit + 1)
            ).all()
        more = len(rows) > limit
        rows = rows[:limit]
        items = [dict(zip(_PRENOTIFICATION_FIELDS, r[1:], strict=True)) for r in rows]
        return Page(items, self._cursor(rows[-1].seq if rows else start), more)

    # ------------------------------------------------------------------ push

    def push(self, installer_id: str, records: Sequence[PushRecord]) -> list[PushOutcome]:
        """Store each record once; one outcome per record, in order, after the commit."""
        outcomes: list[PushOutcome | None] = [None] * len(records)
        candidates: dict[str, tuple[int, dict[str, Any]]] = {}
        now = utc_now()
        for index, record in enumerate(records):
            checked = _check_record(record)
            if isinstance(checked, PushOutcome):
                outcomes[index] = checked
                continue
            key = checked["idempotency_key"]
            first = candidates.get(key)
            if first is None:
                candidates[key] = (index, checked)
            else:  # the same key twice in one batch: the later one is a repeat
                same = first[1]["payload_sha256"] == checked["payload_sha256"]
                outcomes[index] = PushOutcome(key, "duplicate") if same else _different(key)
        keys = list(candidates)
        with self._write() as connection:
            existing = self._existing(connection, installer_id, keys)
            new_rows = [  # in key order: concurrent pushes take row locks in the same order
                {**row, "installer_id": installer_id, "received_at": now}
                for key, (_, row) in sorted(candidates.items())
                if key not in existing
            ]
            inserted: set[str] = set()
            for chunk in _chunks(new_rows):
                inserted.update(self._insert_records(connection, list(chunk)))
            missed = [k for k in keys if k not in existing and k not in inserted]
            if missed:  # raced with another delivery, or the check id is taken
                existing.update(self._existing(connection, installer_id, missed))
            for key, (index, row) in candidates.items():
                if key in inserted:
                    outcomes[index] = PushOutcome(key, "stored")
                elif key in existing:
                    same = existing[key] == row["payload_sha256"]
                    outcomes[index] = PushOutcome(key, "duplicate") if same else _different(key)
                else:
                    outcomes[index] = self._check_id_taken(connection, installer_id, key, row)
        return [o for o in outcomes if o is not None]

    def _insert_records(self, connection: Connection, rows: list[dict[str, Any]]) -> list[str]:
        """Insert, skipping any row a unique constraint already holds; the keys inserted."""
        if self.dialect == "postgresql":
            # One statement with one array per column: far fewer parameters to send and parse
            # than a multi-row VALUES list (about 4x faster for a 500-record batch).
            columns = list(rows[0])
            arrays = ", ".join(f"CAST(:{c} AS TEXT[])" for c in columns)
            statement = sa.text(
                f"INSERT INTO bo_record ({', '.join(columns)}) SELECT * FROM unnest({arrays}) "
                "ON CONFLICT DO NOTHING RETURNING idempotency_key"
            )
            values = {c: [row[c] for row in rows] for c in columns}
            return [str(key) for key in connection.execute(statement, values).scalars()]
        statement = (
            self._insert(bo_record).on_conflict_do_nothing().returning(bo_record.c.idempotency_key)
        )
        return [str(key) for key in connection.execute(statement, rows).scalars()]

    def _keys_in(self, keys: Sequence[str]) -> sa.ColumnElement[bool]:
        if self.dialect == "postgresql":
            return sa.text("bo_record.idempotency_key = ANY(CAST(:keys AS TEXT[]))").bindparams(
                keys=list(keys)
            )  # type: ignore[return-value]
        return bo_record.c.idempotency_key.in_(keys)

    def _existing(
        self, connection: Connection, installer_id: str, keys: list[str]
    ) -> dict[str, str]:
        found: dict[str, str] = {}
        for chunk in _chunks(keys):
            rows = connection.execute(
                sa.select(bo_record.c.idempotency_key, bo_record.c.payload_sha256).where(
                    bo_record.c.installer_id == installer_id, self._keys_in(chunk)
                )
            ).all()
            found.update({str(key): str(digest) for key, digest in rows})
        return found

    def _check_id_taken(
        self, connection: Connection, installer_id: str, key: str, row: dict[str, Any]
    ) -> PushOutcome:
        stored = connection.execute(
            sa.select(bo_record.c.payload_sha256).where(
                bo_record.c.installer_id == installer_id,
                bo_record.c.kind == row["kind"],
                bo_record.c.check_id == row["check_id"],
            )
        ).scalar_one_or_none()
        if stored == row["payload_sha256"]:
            return PushOutcome(key, "duplicate")
        return PushOutcome(
            key,
            "rejected",
            f"a different {row['kind']} for check {row['check_id']} is already stored from "
            "this installer; a check has one of each",
        )

    def records(
        self, installer_id: str | None = None, kind: str | None = None
    ) -> list[StoredRecord]:
        query = sa.select(bo_record).order_by(bo_record.c.id)
        if installer_id is not None:
            query = query.where(bo_record.c.installer_id == installer_id)
        if kind is not None:
            query = query.where(bo_record.c.kind == kind)
        with self._read() as connection:
            rows = connection.execute(query).all()
        return [
            StoredRecord(
                r.installer_id,
                r.idempotency_key,
                r.kind,
                r.check_id,
                json.loads(r.payload),
                r.created_at,
                r.received_at,
            )
            for r in rows
        ]

    def counts(self) -> dict[str, int]:
        """Rows per table, for ``backoffice status`` and tests."""
        tables = {
            "installers": bo_installer,
            "tokens": bo_token,
            "jobs": bo_job,
            "prenotifications": bo_prenotification,
            "records": bo_record,
        }
        with self._read() as connection:
            return {
                name: int(
                    connection.execute(sa.select(sa.func.count()).select_from(t)).scalar_one()
                )
                for name, t in tables.items()
            }


def _different(key: str) -> PushOutcome:
    return PushOutcome(
        key,
        "rejected",
        "this idempotency key was already used for a different record; the first one is kept",
    )


def _check_record(record: PushRecord) -> dict[str, Any] | PushOutcome:
    """A pushed record checked and made ready to store, or the reason it is refused."""
    raw_key = record.idempotency_key
    key = raw_key if isinstance(raw_key, str) else ""
    try:
        if key != str(uuid.UUID(key)):
            raise ValueError
    except ValueError:
        return PushOutcome(
            protocol.clean_text(key, 40) or "?",
            "rejected",
            "idempotency_key must be a UUID in lower case",
        )
    if record.kind not in protocol.OUTBOX_KINDS:
        return PushOutcome(
            key, "rejected", f"kind must be one of {', '.join(protocol.OUTBOX_KINDS)}"
        )
    if not isinstance(record.payload, dict):
        return PushOutcome(key, "rejected", "payload must be a JSON object")
    created_at = record.created_at
    if not isinstance(created_at, str) or not 0 < len(created_at) <= 40:
        return PushOutcome(key, "rejected", "created_at must be a time stamp")
    payload = protocol.canonical_json(record.payload)
    if len(payload.encode("utf-8")) > protocol.MAX_RECORD_BYTES:
        return PushOutcome(
            key, "rejected", f"payload larger than {protocol.MAX_RECORD_BYTES} bytes"
        )
    check_id = record.payload.get("check_id")
    if not isinstance(check_id, str) or not 0 < len(check_id) <= 64:
        check_id = None
    return {
        "idempotency_key": key,
        "kind": record.kind,
        "check_id": check_id,
        "payload": payload,
        "payload_sha256": hashlib.sha256(payload.encode("utf-8")).hexdigest(),
        "created_at": created_at,
    }


def _read_file(file: str, limit: int) -> tuple[bytes, str]:
    path = Path(file)
    shown = paths.shown_path(file)
    try:
        if not path.is_file():
            raise UserError(f"{shown}: no such file. Check the path and try again.")
        if path.stat().st_size > limit:
            raise UserError(f"{shown} is larger than {limit // 1_000_000} MB; check the file.")
        return path.read_bytes(), paths.shown_path(path.name)
    except PermissionError:
        raise UserError(f"{shown}: permission denied. Check that you can read it.") from None
    except OSError as exc:
        raise UserError(f"{shown}: cannot be read ({exc.strerror}).") from None


def _validate_reference(kind: str, data: bytes, name: str) -> int:
    """Parse the list exactly as a device will; the number of entries, or UserError."""
    from installer_app.store import lists
    from installer_app.store.cpl_file import parse_cpl

    if kind == "cpl":
        parsed = parse_cpl(data, name, bundled_rules())
        duplicates = parsed.duplicate_keys()
        if duplicates:
            first, line, _ = duplicates[0]
            raise UserError(
                f"{name}: line {line} repeats the entry of line {first} ({len(duplicates)} "
                "duplicate(s)); nothing was loaded. Each entry may appear once."
            )
        return len(parsed)
    if kind == "epcl":
        return len(lists.parse_epcl(data, name))
    return len(lists.parse_advisories(data, name))


def _digest_files(files: Iterable[str]) -> str:
    digest = hashlib.sha256()
    for file in files:
        with suppress(OSError):
            digest.update(Path(file).read_bytes())
    return digest.hexdigest()
