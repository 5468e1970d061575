"""Sync with the back office: pull reference lists and this installer's work, then push records.

The order and the guarantees (docs/SYNC_API.md has the full design):

1. ``GET /me`` checks the address and the token before anything else.
2. Each reference list (CPL, EPCL, advisories) goes through :func:`import_reference` with the
   token header: a conditional GET (304 only confirms), then the same validate-then-swap as a
   file import, so each list is the old one or the new one, never a mix.
3. Jobs and pre-notification records are pulled since the stored cursor, every page, validated,
   and then applied in ONE transaction together with the new cursors. A sync that stops before
   that commit applies nothing and pulls the same pages again next time.
4. Unsent outbox rows (checks, decisions, join requests) are pushed in batches, each record with
   the idempotency key it was given when it was recorded; ``sent_at`` is set only for the keys
   the back office acknowledged (stored now, or already stored by an earlier try).

Conflict rule: the back office owns reference data and jobs (what it sends replaces what is
here); the device owns its checks and decisions (a pull never touches them, and the back office
stores the first copy of each and acknowledges repeats without changing it).

Transient failures (no network, a dropped connection, a timeout, HTTP 5xx/429) are retried a
bounded number of times with backoff; then the sync stops with a plain message and everything not
yet committed is left exactly as it was. Running the sync again finishes the job.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import re
import socket
import sqlite3
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from installer_app import paths, settings
from installer_app.errors import UserError
from installer_app.services.reference import (
    WHAT,
    ImportResult,
    import_reference,
    open_database,
)
from installer_app.store import audit, dir_lock, field_records
from installer_app.store.db import Database
from installer_app.store.reference import utc_now
from installer_app.sync import credentials, protocol
from installer_app.sync.client import RetryPolicy, SyncClient, SyncError, cancelled, server_root

log = logging.getLogger("installer_app.sync")

Progress = Callable[[str, int, int | None], None]
"""progress(stage, done, total): stage is connect, cpl, epcl, advisories, jobs,
prenotifications, apply or push; ``total`` is None when not known."""

SETTING_SERVER = "sync_server"
SETTING_LAST_SYNC = "last_sync_at"
SETTING_LAST_ERROR = "last_sync_error"
SETTING_LAST_ATTEMPT = "last_sync_attempt_at"


@dataclass
class SyncReport:
    """What one sync did. ``problems`` lists what could not be done (the rest was done)."""

    server: str
    installer_id: str = ""
    started_at: str = field(default_factory=utc_now)
    finished_at: str = ""
    reference: dict[str, str] = field(default_factory=dict)
    jobs: int = 0
    prenotifications: int = 0
    stored: int = 0
    already_stored: int = 0
    rejected: list[str] = field(default_factory=list)
    pending: int = 0
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def sent(self) -> int:
        return self.stored + self.already_stored

    def lines(self) -> list[str]:
        head = f"Synced with {self.server} as installer {self.installer_id} at {self.finished_at}"
        if not self.ok:
            head = (
                f"Sync with {self.server} as installer {self.installer_id} finished with "
                f"problems at {self.finished_at}"
            )
        lines = [head]
        for kind in protocol.REFERENCE_KINDS:
            if kind in self.reference:
                lines.append(f"  {self.reference[kind]}")
        lines.append(
            f"  jobs received: {self.jobs}; pre-notification records received: "
            f"{self.prenotifications}"
        )
        lines.append(
            f"  records sent: {self.sent} ({self.stored} new at the back office, "
            f"{self.already_stored} it already had); waiting to be sent: {self.pending}"
        )
        lines.extend(f"  problem: {p}" for p in self.problems)
        return lines


@dataclass(frozen=True, slots=True)
class SyncStatus:
    """For the status bar: the last successful sync and the records waiting to be sent."""

    server: str | None
    last_sync_at: str | None
    pending: int
    last_error: str | None


def sync_status(data_dir: Path, db: Database | None = None) -> SyncStatus:
    values = settings.load(data_dir)
    if db is None:
        with open_database(data_dir) as own, own.read() as connection:
            pending = audit.pending_outbox(connection)
    else:
        with db.read() as connection:
            pending = audit.pending_outbox(connection)

    def text(key: str) -> str | None:
        value = values.get(key)
        return value if isinstance(value, str) and value else None

    return SyncStatus(
        text(SETTING_SERVER), text(SETTING_LAST_SYNC), pending, text(SETTING_LAST_ERROR)
    )


def sync_now(
    data_dir: Path,
    *,
    server: str | None = None,
    token: str | None = None,
    progress: Progress | None = None,
    cancel: threading.Event | None = None,
    retry: RetryPolicy | None = None,
    page_limit: int = protocol.PAGE_LIMIT,
    push_batch: int = protocol.PUSH_BATCH,
) -> SyncReport:
    """Pull, then push. Raises :class:`SyncError` when the sync had to stop (nothing unfinished
    was applied); returns a report otherwise (``report.problems`` lists what was refused)."""
    values = settings.load(data_dir)
    chosen_server = server or values.get(SETTING_SERVER)
    if not isinstance(chosen_server, str) or not chosen_server.strip():
        raise SyncError(
            "there is no back office address yet. Run once: installer-app sync --server "
            "https://YOUR-BACK-OFFICE --token YOUR-TOKEN (your back office gives you both).",
            category="address",
        )
    chosen_token = token.strip() if token else credentials.current_token(data_dir)
    if not chosen_token:
        raise SyncError(
            "there is no sync token yet. Ask your back office for one and run: installer-app "
            f"sync --token YOUR-TOKEN (or set {credentials.TOKEN_ENV}).",
            category="token",
        )
    report = SyncReport(server="")
    try:
        with (
            SyncClient(chosen_server, chosen_token, retry=retry, cancel=cancel) as client,
            _one_at_a_time(data_dir),
        ):
            report.server = client.shown
            with open_database(data_dir) as db:
                _stage(progress, "connect", 0, None)
                identity = protocol.parse_identity(client.get_json("/me"))
                report.installer_id = identity.installer_id
                _remember(data_dir, client.root if server else None, token)
                _pull_reference(db, client, report, progress, cancel)
                _pull_feeds(db, client, report, progress, cancel, page_limit)
                _push(db, client, report, progress, cancel, push_batch)
                with db.read() as connection:
                    report.pending = audit.pending_outbox(connection)
    except UserError as exc:
        _note_failure(data_dir, exc.message)
        raise
    report.finished_at = utc_now()
    _note_result(data_dir, report)
    return report


@contextlib.contextmanager
def _one_at_a_time(data_dir: Path) -> Iterator[None]:
    """One sync per data directory: a second one (the app and the command line at once) stops
    before it does anything."""
    try:
        with dir_lock.exclusive(paths.ensure_private_dir(data_dir) / "sync.lock"):
            yield
    except dir_lock.LockHeld:
        raise SyncError(
            "another sync of this laptop's data is running (in the app or a terminal). Wait for "
            "it to finish; nothing was changed by this one.",
            category="busy",
        ) from None


def _stage(progress: Progress | None, stage: str, done: int, total: int | None) -> None:
    if progress is not None:
        progress(stage, done, total)


def _check(cancel: threading.Event | None) -> None:
    if cancel is not None and cancel.is_set():
        raise cancelled()


def configure(data_dir: Path, *, server: str | None = None, token: str | None = None) -> str | None:
    """Remember the back-office address and/or token (the Settings page); returns the address
    as it will be used. A bad address raises :class:`SyncError` and nothing is saved."""
    root = server_root(server) if server and server.strip() else None
    _remember(data_dir, root, token.strip() if token and token.strip() else None)
    return root


PROBE_TIMEOUT_S = 3.0


def probe_back_office(data_dir: Path, timeout: float = PROBE_TIMEOUT_S) -> bool | None:
    """Can this laptop reach the remembered back office right now? A TCP connection to its
    host and port, nothing sent (no token, no request): True, False, or None when no address
    is set yet. For the status bar where the system's own network information is missing."""
    server = settings.load(data_dir).get(SETTING_SERVER)
    if not isinstance(server, str) or not server.strip():
        return None
    try:
        parts = urlsplit(server_root(server))
        port = parts.port or (443 if parts.scheme == "https" else 80)
        host = parts.hostname or ""
    except (UserError, ValueError):
        return None
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False


def connection_settings(data_dir: Path) -> tuple[str | None, bool]:
    """(the remembered back-office address, whether a token is available)."""
    server = settings.load(data_dir).get(SETTING_SERVER)
    return (server if isinstance(server, str) and server else None), bool(
        credentials.current_token(data_dir)
    )


def _remember(data_dir: Path, server: str | None, token: str | None) -> None:
    """Remember an address or token given on this run, now that the back office accepted it."""
    if token:
        credentials.save_token(data_dir, token)
    if server:
        values = settings.load(data_dir)
        if values.get(SETTING_SERVER) != server:
            values[SETTING_SERVER] = server
            settings.save(data_dir, values)


def _note_failure(data_dir: Path, message: str) -> None:
    try:
        values = settings.load(data_dir)
        values[SETTING_LAST_ERROR] = message
        values[SETTING_LAST_ATTEMPT] = utc_now()
        settings.save(data_dir, values)
    except OSError:  # the failure being reported matters more than this note
        log.warning("could not note the sync failure in the settings")


def _note_result(data_dir: Path, report: SyncReport) -> None:
    values = settings.load(data_dir)
    values[SETTING_LAST_ATTEMPT] = report.finished_at
    if report.ok:
        values[SETTING_LAST_SYNC] = report.finished_at
        values.pop(SETTING_LAST_ERROR, None)
    else:
        values[SETTING_LAST_ERROR] = "; ".join(report.problems)
    settings.save(data_dir, values)


# --------------------------------------------------------------------------- reference lists


def _pull_reference(
    db: Database,
    client: SyncClient,
    report: SyncReport,
    progress: Progress | None,
    cancel: threading.Event | None,
) -> None:
    index = protocol.parse_reference_index(client.get_json("/reference"))
    available = {info.kind for info in index}
    for kind in protocol.REFERENCE_KINDS:
        _check(cancel)
        if kind not in available:
            report.reference[kind] = f"{WHAT[kind]}: the back office has not published one yet"
            continue
        _stage(progress, kind, 0, None)
        try:
            result = _with_retries(_importer(db, client, kind, progress, cancel), client, cancel)
        except _DataProblem as exc:
            report.problems.append(exc.message)
            report.reference[kind] = f"{WHAT[kind]}: not updated (see the problem below)"
            continue
        report.reference[kind] = result.summary_line()


def _importer(
    db: Database,
    client: SyncClient,
    kind: str,
    progress: Progress | None,
    cancel: threading.Event | None,
) -> Callable[[], ImportResult]:
    def step(stage: str, done: int, total: int | None) -> None:
        if stage == "download":
            _stage(progress, kind, done, total)

    def run() -> ImportResult:
        return import_reference(
            db,
            kind,
            client.url(f"/reference/{kind}"),
            progress=step,
            cancel=cancel,
            headers=client.auth_headers,
        )

    return run


class _DataProblem(UserError):
    pass


_HTTP_STATUS = re.compile(r"answered HTTP (\d{3})")


def _failure_kind(exc: UserError) -> str:
    """How an :func:`import_reference` failure is handled: transient, token, cancelled, data.

    ``download.fetch`` raises :class:`UserError` ``from None`` inside its ``except`` blocks, so
    the httpx exception is still on ``__context__``; an HTTP status is in its message.
    """
    import httpx

    seen: BaseException | None = exc
    for _ in range(10):
        if seen is None:
            break
        if isinstance(seen, httpx.TransportError):
            text = str(seen)
            if "CERTIFICATE_VERIFY_FAILED" in text or "certificate" in text.lower():
                return "fatal"
            return "transient"
        seen = seen.__cause__ or seen.__context__
    match = _HTTP_STATUS.search(exc.message)
    if match:
        status = int(match.group(1))
        if status >= 500 or status == 429:
            return "transient"
        if status in (401, 403):
            return "token"
        return "fatal"
    if "cancelled" in exc.message:
        return "cancelled"
    if any(t in exc.message for t in ("did not answer in time", "was interrupted", "too slowly")):
        return "transient"
    return "data"


def _with_retries(
    action: Callable[[], ImportResult], client: SyncClient, cancel: threading.Event | None
) -> ImportResult:
    policy = client.retry
    for attempt in range(max(1, policy.attempts)):
        _check(cancel)
        try:
            return action()
        except UserError as exc:
            kind = _failure_kind(exc)
            if kind == "cancelled":
                raise cancelled() from None
            if kind == "token":
                raise SyncError(
                    "the back office refused the sync token while sending a reference list. "
                    "Ask the back office for a new token and run 'installer-app sync --token "
                    "NEW_TOKEN'. Nothing was changed on this device by the unfinished step.",
                    category="token",
                ) from None
            if kind == "data":
                raise _DataProblem(exc.message) from None
            if kind == "fatal":
                raise SyncError(exc.message, category="server") from None
            if attempt + 1 >= policy.attempts:
                category = "server" if _HTTP_STATUS.search(exc.message) else "offline"
                raise SyncError(
                    f"{exc.message} (tried {policy.attempts} times; everything on site keeps "
                    "working, sync again when you have a steady signal)",
                    category=category,
                ) from None
            delay = policy.delay(attempt)
            log.info("sync: reference download failed; retry %d in %.1f s", attempt + 1, delay)
            policy.sleep(delay, cancel)
    raise AssertionError("unreachable")  # pragma: no cover


# --------------------------------------------------------------------------- jobs, records


def _stored_cursor(
    connection: sqlite3.Connection, feed: str, server: str, installer_id: str
) -> str | None:
    row = connection.execute(
        "SELECT server, installer_id, cursor FROM sync_cursor WHERE feed = ?", (feed,)
    ).fetchone()
    if row is None or row[0] != server or row[1] != installer_id:
        return None  # another back office or installer: start the feed from the beginning
    return str(row[2])


def _pull_pages(
    client: SyncClient,
    feed: str,
    since: str | None,
    limit: int,
    progress: Progress | None,
    cancel: threading.Event | None,
) -> tuple[list[Any], str]:
    """Every page of ``feed`` after ``since``; (validated items, the cursor after the last)."""
    limit = max(1, min(limit, protocol.MAX_PAGE_LIMIT))
    parse = protocol.parse_jobs_page if feed == "jobs" else protocol.parse_prenotifications_page
    items: list[Any] = []
    cursor = since
    max_pages = protocol.MAX_FEED_ITEMS // limit + 2
    for _ in range(max_pages):
        _check(cancel)
        params: dict[str, str | int] = {"limit": limit}
        if cursor is not None:
            params["since"] = cursor
        page = parse(client.get_json(f"/{feed}", params), limit)
        items.extend(page.items)
        if len(items) > protocol.MAX_FEED_ITEMS:
            raise protocol.ProtocolError(
                f"the back office offers more than {protocol.MAX_FEED_ITEMS:,} {feed} at once, "
                "more than any day's work. Nothing was changed on this device; tell the back "
                "office support."
            )
        _stage(progress, feed, len(items), None)
        if not page.has_more:
            return items, page.next_cursor
        if page.next_cursor == cursor or not page.items:
            raise protocol.ProtocolError(
                f"the back office's {feed} feed did not move on from one page to the next. "
                "Nothing was changed on this device; tell the back office support."
            )
        cursor = page.next_cursor
    raise protocol.ProtocolError(
        f"the back office's {feed} feed did not end after {max_pages} pages. Nothing was "
        "changed on this device; tell the back office support."
    )


def _digest(items: list[Any]) -> str:
    return hashlib.sha256(repr(items).encode("utf-8")).hexdigest()


def _pull_feeds(
    db: Database,
    client: SyncClient,
    report: SyncReport,
    progress: Progress | None,
    cancel: threading.Event | None,
    page_limit: int,
) -> None:
    installer = report.installer_id
    with db.read() as connection:
        since = {
            feed: _stored_cursor(connection, feed, client.root, installer)
            for feed in protocol.FEEDS
        }
    pulled = {
        feed: _pull_pages(client, feed, since[feed], page_limit, progress, cancel)
        for feed in protocol.FEEDS
    }
    _check(cancel)
    jobs, jobs_cursor = pulled["jobs"]
    records, records_cursor = pulled["prenotifications"]
    _stage(progress, "apply", 0, len(jobs) + len(records))
    source = f"sync {client.shown}"
    now = utc_now()
    with db.write() as connection:
        if jobs:
            field_records.add_jobs(connection, jobs, source, _digest(jobs))
        if records:
            field_records.add_prenotifications(connection, records, source, _digest(records))
        for feed, cursor in (("jobs", jobs_cursor), ("prenotifications", records_cursor)):
            connection.execute(
                "INSERT INTO sync_cursor (feed, server, installer_id, cursor, updated_at) "
                "VALUES (?, ?, ?, ?, ?) ON CONFLICT (feed) DO UPDATE SET server = excluded.server, "
                "installer_id = excluded.installer_id, cursor = excluded.cursor, "
                "updated_at = excluded.updated_at",
                (feed, client.root, installer, cursor, now),
            )
    report.jobs = len(jobs)
    report.prenotifications = len(records)
    _stage(progress, "apply", len(jobs) + len(records), len(jobs) + len(records))


# --------------------------------------------------------------------------- push

_COUNT_ATTEMPT = "UPDATE outbox SET attempts = attempts + 1 WHERE id = ?"


def _push(
    db: Database,
    client: SyncClient,
    report: SyncReport,
    progress: Progress | None,
    cancel: threading.Event | None,
    batch_size: int,
) -> None:
    batch_size = max(1, min(batch_size, protocol.MAX_PUSH_RECORDS))
    with db.read() as connection:
        last_id, total = connection.execute(
            "SELECT max(id), count(*) FROM outbox WHERE sent_at IS NULL"
        ).fetchone()
    if not total:
        return
    after = 0
    done = 0
    _stage(progress, "push", 0, total)
    for _ in range(int(total) + 1):  # every round sends at least one record
        _check(cancel)
        with db.read() as connection:
            rows = connection.execute(
                "SELECT id, idempotency_key, kind, payload, created_at FROM outbox "
                "WHERE sent_at IS NULL AND id > ? AND id <= ? ORDER BY id LIMIT ?",
                (after, last_id, batch_size),
            ).fetchall()
        if not rows:
            break
        records: list[dict[str, object]] = []
        ids: list[int] = []
        size = 0
        for row_id, key, kind, payload, created_at in rows:
            if records and size + len(payload) > protocol.MAX_PUSH_BATCH_BYTES:
                break
            after = int(row_id)
            try:
                body = json.loads(payload)
            except ValueError:
                report.rejected.append(f"{kind} {key}: damaged on this device (not JSON)")
                continue
            size += len(payload)
            ids.append(after)
            records.append(
                {"idempotency_key": key, "kind": kind, "created_at": created_at, "payload": body}
            )
        if not records:
            continue
        keys = [str(r["idempotency_key"]) for r in records]
        attempted = [(i,) for i in ids]
        try:
            results = protocol.parse_push_results(
                client.post_json("/outbox", {"records": records}), keys
            )
        except UserError:
            with db.write() as connection:
                connection.executemany(_COUNT_ATTEMPT, attempted)
            raise
        acknowledged = [r.idempotency_key for r in results if r.status != "rejected"]
        now = utc_now()
        with db.write() as connection:  # one commit per batch: attempts, and what was received
            connection.executemany(_COUNT_ATTEMPT, attempted)
            connection.executemany(
                "UPDATE outbox SET sent_at = ? WHERE idempotency_key = ? AND sent_at IS NULL",
                [(now, key) for key in acknowledged],
            )
        for result, record in zip(results, records, strict=True):
            if result.status == "stored":
                report.stored += 1
            elif result.status == "duplicate":
                report.already_stored += 1
            else:
                report.rejected.append(
                    f"{record['kind']} {result.idempotency_key}: {result.message or 'refused'}"
                )
        done += len(records)
        _stage(progress, "push", done, total)
    if report.rejected:
        report.problems.append(
            f"{len(report.rejected)} record(s) could not be sent and stay on this device "
            f"(first: {report.rejected[0]}). Tell the back office support; nothing was lost."
        )
