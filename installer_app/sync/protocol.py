"""The sync protocol (API v1) as the client sees it: paths, limits, and strict parsers.

Every answer from the back office is treated as possibly hostile: the parsers here check types,
sizes and counts before anything reaches the database, and raise :class:`ProtocolError` (a
:class:`~installer_app.errors.UserError`) naming what was wrong. Pure functions: no HTTP, no SQL.
The server (``installer_app.sync.backoffice``) uses the same constants, so the two agree.

See ``docs/SYNC_API.md`` for the whole API, the conflict rule and the retry design.
"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from installer_app.domain.prenotification import (
    PRENOTIFICATION_SOURCES,
    Job,
    PrenotificationRecord,
)
from installer_app.domain.shown import cut
from installer_app.errors import UserError
from installer_app.json_kind import json_kind

API_PREFIX = "/api/v1"
REFERENCE_KINDS = ("cpl", "epcl", "advisories")
FEEDS = ("jobs", "prenotifications")
OUTBOX_KINDS = ("check", "decision", "join_request")
PUSH_STATUSES = ("stored", "duplicate", "rejected")

PAGE_LIMIT = 500
"""Items the client asks for per feed page."""
MAX_PAGE_LIMIT = 1000
"""The most items the server sends per page (a larger ``limit`` is clamped)."""
MAX_FEED_ITEMS = 200_000
"""The most items one sync accepts per feed (a day's work is a few hundred)."""
MAX_JSON_BYTES = 32 * 1024 * 1024
"""The largest JSON answer the client reads."""
MAX_PUSH_RECORDS = 1000
"""The most records per push request (the server refuses more)."""
PUSH_BATCH = 500
"""Records the client sends per push request."""
MAX_PUSH_BATCH_BYTES = 4 * 1024 * 1024
"""The client starts a new push request before a batch's payloads exceed this."""
MAX_RECORD_BYTES = 64 * 1024
"""The largest payload of one pushed record (canonical JSON)."""
MAX_REQUEST_BYTES = 16 * 1024 * 1024
"""The largest request body the server reads."""
MAX_CURSOR = 100
MAX_MESSAGE = 500
MAX_INSTALLER_ID = 64

CURSOR = re.compile(r"[A-Za-z0-9._:-]{1,100}")
INSTALLER_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._@-]{0,63}")
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]+")


class SyncError(UserError):
    """An expected sync failure; ``category``: offline | token | server | address | cancelled
    | busy (another sync of the same data directory is running)."""

    def __init__(self, message: str, *, category: str) -> None:
        super().__init__(message)
        self.category = category


class ProtocolError(SyncError):
    """The back office answered something this app cannot accept; nothing was written."""

    def __init__(self, message: str) -> None:
        super().__init__(message, category="server")


def _refuse(what: str, problem: str) -> ProtocolError:
    return ProtocolError(
        f"the back office sent an answer this app cannot accept ({what}: {problem}). Nothing "
        "was changed on this device. Try again later; if it keeps happening, tell the back "
        "office support."
    )


def clean_text(value: str, limit: int = MAX_MESSAGE) -> str:
    """Text from the server made safe to show: no control characters, bounded length."""
    return cut(_CONTROL.sub(" ", value).strip(), limit)


def canonical_json(value: object) -> str:
    """The one serialisation both sides hash and compare (sorted keys, no spaces)."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def decode_json(data: bytes, what: str) -> Any:
    if len(data) > MAX_JSON_BYTES:
        raise _refuse(what, f"{len(data):,} bytes, more than {MAX_JSON_BYTES:,} allowed")
    try:
        return json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise _refuse(what, "not valid JSON") from None


def _object(value: object, what: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise _refuse(what, f"expected a JSON object, got {json_kind(value)}")
    return value


def _str(obj: dict[str, Any], key: str, what: str, limit: int, *, optional: bool = False) -> str:
    value = obj.get(key)
    if value is None and optional:
        return ""
    if not isinstance(value, str):
        raise _refuse(what, f"{key!r} must be text, got {json_kind(value)}")
    if len(value) > limit:
        raise _refuse(what, f"{key!r} is longer than {limit} characters")
    return value


def _bool(obj: dict[str, Any], key: str, what: str) -> bool:
    value = obj.get(key)
    if not isinstance(value, bool):
        raise _refuse(what, f"{key!r} must be true or false, got {json_kind(value)}")
    return value


def check_cursor(value: object, what: str) -> str:
    if not isinstance(value, str) or not CURSOR.fullmatch(value):
        raise _refuse(what, "the position in the feed (next_cursor) is missing or malformed")
    return value


# --------------------------------------------------------------------------- /me


@dataclass(frozen=True, slots=True)
class Identity:
    installer_id: str
    token_id: str


def parse_identity(document: object) -> Identity:
    what = "GET /me"
    obj = _object(document, what)
    installer_id = _str(obj, "installer_id", what, MAX_INSTALLER_ID)
    if not INSTALLER_ID.fullmatch(installer_id):
        raise _refuse(what, "the installer ID is malformed")
    return Identity(installer_id, clean_text(_str(obj, "token_id", what, 64), 64))


# --------------------------------------------------------------------------- /reference


@dataclass(frozen=True, slots=True)
class ReferenceInfo:
    kind: str
    etag: str
    sha256: str
    rows: int


def parse_reference_index(document: object) -> list[ReferenceInfo]:
    what = "GET /reference"
    obj = _object(document, what)
    lists = obj.get("lists")
    if not isinstance(lists, list) or len(lists) > len(REFERENCE_KINDS):
        raise _refuse(what, "'lists' must be a list of at most three reference lists")
    result: dict[str, ReferenceInfo] = {}
    for item in lists:
        entry = _object(item, what)
        kind = _str(entry, "kind", what, 20)
        if kind not in REFERENCE_KINDS or kind in result:
            raise _refuse(what, f"unknown or repeated list {clean_text(kind, 20)!r}")
        rows = entry.get("rows")
        if not isinstance(rows, int) or isinstance(rows, bool) or not 0 <= rows <= 10_000_000:
            raise _refuse(what, "'rows' must be a whole number")
        sha = _str(entry, "sha256", what, 64)
        if not re.fullmatch(r"[0-9a-f]{64}", sha):
            raise _refuse(what, "'sha256' is not a SHA-256 digest")
        result[kind] = ReferenceInfo(
            kind, clean_text(_str(entry, "etag", what, 100), 100), sha, rows
        )
    return [result[k] for k in REFERENCE_KINDS if k in result]


# --------------------------------------------------------------------------- feeds


@dataclass(frozen=True, slots=True)
class JobsPage:
    items: list[Job]
    next_cursor: str
    has_more: bool


@dataclass(frozen=True, slots=True)
class PrenotificationsPage:
    items: list[PrenotificationRecord]
    next_cursor: str
    has_more: bool


def _page(document: object, what: str, limit: int) -> tuple[list[Any], str, bool]:
    obj = _object(document, what)
    items = obj.get("items")
    if not isinstance(items, list):
        raise _refuse(what, f"'items' must be a list, got {json_kind(items)}")
    if len(items) > limit:
        raise _refuse(what, f"{len(items)} items in one page, more than the {limit} asked for")
    return items, check_cursor(obj.get("next_cursor"), what), _bool(obj, "has_more", what)


def parse_jobs_page(document: object, limit: int) -> JobsPage:
    """A page of jobs, each validated exactly as a jobs file's entry is (CONTRACT.md)."""
    from installer_app.store import jobs_file

    what = "GET /jobs"
    items, cursor, more = _page(document, what, limit)
    for item in items:
        _object(item, what)
    try:
        jobs = jobs_file.parse_jobs_bytes(
            json.dumps({"jobs": items}).encode("utf-8"), "back office jobs"
        )
    except UserError as exc:
        raise _refuse(what, exc.message.removesuffix(" " + jobs_file._FIX)) from None
    return JobsPage(jobs, cursor, more)


_PRENOTIFICATION_TEXT = {
    "manufacturer": 30,
    "model": 30,
    "firmware_version": 30,
    "smets_chts_version": 30,
    "status": 30,
    "s1sp": 100,
    "csp_region": 30,
    "cpl_status": 30,
    "job_reference": 100,
    "source_file": 200,
}


def parse_prenotification(item: object, where: str) -> PrenotificationRecord:
    """One record from the feed, checked with the same rules as a pre-notification file."""
    from installer_app.store import prenotification_files as pf

    what = "GET /prenotifications"
    obj = _object(item, what)
    text: dict[str, str | None] = {}
    for key in ("device_id", "device_type", *_PRENOTIFICATION_TEXT):
        value = obj.get(key)
        if value is not None and not isinstance(value, str):
            raise _refuse(what, f"{where}: {key!r} must be text or null, got {json_kind(value)}")
        text[key] = value
    source = obj.get("source")
    if source not in PRENOTIFICATION_SOURCES:
        raise _refuse(
            what, f"{where}: 'source' must be one of {', '.join(PRENOTIFICATION_SOURCES)}"
        )
    name = "back office record"
    try:
        source_file = pf.check_free_text(
            text["source_file"], name, where, "source_file", _PRENOTIFICATION_TEXT["source_file"]
        )
        return PrenotificationRecord(
            device_id=pf.check_device_id(text["device_id"], name, where, "device_id"),
            device_type=pf.check_device_type(text["device_type"], name, where, "device_type"),
            manufacturer=pf.check_identifier(text["manufacturer"], name, where, "manufacturer")
            or "",
            model=pf.check_identifier(text["model"], name, where, "model") or "",
            firmware_version=pf.check_identifier(
                text["firmware_version"], name, where, "firmware_version", required=False
            ),
            smets_chts_version=pf.check_free_text(
                text["smets_chts_version"], name, where, "smets_chts_version", 30
            ),
            status=pf.check_status(text["status"], name, where, "status", default=None),
            s1sp=pf.check_free_text(text["s1sp"], name, where, "s1sp", 100),
            csp_region=pf.check_csp_region(text["csp_region"], name, where, "csp_region"),
            cpl_status=pf.check_cpl_status(text["cpl_status"], name, where, "cpl_status"),
            job_reference=pf.check_free_text(
                text["job_reference"], name, where, "job_reference", 100
            ),
            source=str(source),
            source_file=source_file or "back office",
        )
    except UserError as exc:
        raise _refuse(what, exc.message.removesuffix(" " + pf._FIX_FILE)) from None


def parse_prenotifications_page(document: object, limit: int) -> PrenotificationsPage:
    items, cursor, more = _page(document, "GET /prenotifications", limit)
    records = [parse_prenotification(item, f"item {i}") for i, item in enumerate(items, 1)]
    return PrenotificationsPage(records, cursor, more)


# --------------------------------------------------------------------------- push


@dataclass(frozen=True, slots=True)
class PushResult:
    idempotency_key: str
    status: str  # stored | duplicate | rejected
    message: str | None


def check_key(value: str) -> str:
    """An idempotency key: a UUID in its canonical lower-case form."""
    return str(uuid.UUID(value))


def parse_push_results(document: object, sent_keys: Sequence[str]) -> list[PushResult]:
    """The server's answer to a push: exactly one known result per key sent, nothing else."""
    what = "POST /outbox"
    obj = _object(document, what)
    results = obj.get("results")
    if not isinstance(results, list):
        raise _refuse(what, f"'results' must be a list, got {json_kind(results)}")
    if len(results) != len(sent_keys):
        raise _refuse(what, f"{len(results)} results for {len(sent_keys)} records sent")
    expected = set(sent_keys)
    seen: set[str] = set()
    parsed: list[PushResult] = []
    for item in results:
        entry = _object(item, what)
        key = _str(entry, "idempotency_key", what, 40)
        if key not in expected or key in seen:
            raise _refuse(what, "a result for a record that was not sent, or twice")
        seen.add(key)
        status = entry.get("status")
        if status not in PUSH_STATUSES:
            raise _refuse(what, "a result status other than stored, duplicate or rejected")
        message = entry.get("message")
        if message is not None and not isinstance(message, str):
            raise _refuse(what, "a result message that is not text")
        parsed.append(
            PushResult(key, str(status), clean_text(message) if message is not None else None)
        )
    return parsed


def error_message(document: object) -> str | None:
    """The human message of an error answer ``{"error": {"code", "message"}}``, if any."""
    if isinstance(document, dict):
        error = document.get("error")
        if isinstance(error, dict) and isinstance(error.get("message"), str):
            return clean_text(error["message"])
    return None
