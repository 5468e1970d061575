"""Property tests (hypothesis) for the sync protocol parsers (``installer_app.sync.protocol``).

Every answer from the back office is hostile until checked: for any bytes and any JSON document
each parser returns a value that keeps the protocol's rules or raises :class:`ProtocolError`
(a ``UserError``, category ``server``) whose text is safe to show; nothing else escapes. A valid
answer, generated, comes back value for value; a valid answer with one part broken (a key
dropped, a value of the wrong type, an item repeated) is refused or still valid.
"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Callable
from datetime import date
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from installer_app.domain.model import Cohort, Generation
from installer_app.domain.prenotification import PRENOTIFICATION_SOURCES, Job
from installer_app.errors import UserError
from installer_app.sync import protocol
from installer_app.sync.protocol import (
    CURSOR,
    INSTALLER_ID,
    MAX_MESSAGE,
    PUSH_STATUSES,
    REFERENCE_KINDS,
    Identity,
    ProtocolError,
    PushResult,
    ReferenceInfo,
)

SLOW = [HealthCheck.too_slow, HealthCheck.data_too_large]
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
HEX = "0123456789ABCDEF"

# --------------------------------------------------------------------------- any JSON

_scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(2**70), 2**70),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=30),
    st.sampled_from(["SMETS1", "SMETS2+", "stored", "cpl", "e.1", "00-DB-12-34-56-78-90-A0"]),
)
json_values = st.recursive(
    _scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4),
        st.dictionaries(
            st.one_of(
                st.sampled_from(
                    [
                        "items",
                        "next_cursor",
                        "has_more",
                        "lists",
                        "kind",
                        "rows",
                        "sha256",
                        "etag",
                        "results",
                        "idempotency_key",
                        "status",
                        "message",
                        "error",
                        "installer_id",
                        "token_id",
                        "reference",
                        "installation",
                        "device_id",
                        "source",
                        "device_type",
                        "manufacturer",
                        "model",
                    ]
                ),
                st.text(max_size=8),
            ),
            inner,
            max_size=5,
        ),
    ),
    max_leaves=25,
)

SENT_KEYS = [str(uuid.UUID(int=n)) for n in (1, 2, 3)]


def parsers() -> dict[str, Callable[[Any], object]]:
    """Every parser of a server answer, called as the client calls it."""
    return {
        "identity": protocol.parse_identity,
        "reference": protocol.parse_reference_index,
        "jobs": lambda d: protocol.parse_jobs_page(d, protocol.PAGE_LIMIT),
        "prenotifications": lambda d: protocol.parse_prenotifications_page(d, protocol.PAGE_LIMIT),
        "push": lambda d: protocol.parse_push_results(d, SENT_KEYS[: _result_count(d)]),
        "error": protocol.error_message,
    }


def _result_count(document: Any) -> int:
    """Send as many keys as the answer has results, so the deeper checks are reached."""
    if isinstance(document, dict) and isinstance(document.get("results"), list):
        return min(len(document["results"]), len(SENT_KEYS))
    return 1


def refused_cleanly(call: Callable[[], object]) -> object | None:
    """The call's result, or None once its ProtocolError is checked fit to show."""
    try:
        return call()
    except ProtocolError as exc:
        assert exc.category == "server"
        assert "Nothing was changed on this device" in exc.message
        assert not _CONTROL.search(exc.message), repr(exc.message)
        return None


def check_result(name: str, result: object) -> None:
    """What any accepted answer must be, whatever was sent."""
    if name == "identity":
        assert isinstance(result, Identity) and INSTALLER_ID.fullmatch(result.installer_id)
        assert not _CONTROL.search(result.token_id) and len(result.token_id) <= 65
    elif name == "reference":
        assert isinstance(result, list) and len(result) <= len(REFERENCE_KINDS)
        assert [i.kind for i in result] == [
            k for k in REFERENCE_KINDS if k in {i.kind for i in result}
        ]
        for info in result:
            assert re.fullmatch(r"[0-9a-f]{64}", info.sha256) and 0 <= info.rows <= 10_000_000
            assert not _CONTROL.search(info.etag)
    elif name in ("jobs", "prenotifications"):
        assert isinstance(result, (protocol.JobsPage, protocol.PrenotificationsPage))
        assert CURSOR.fullmatch(result.next_cursor) and isinstance(result.has_more, bool)
        assert len(result.items) <= protocol.PAGE_LIMIT
        for item in result.items:
            eui = item.expected_ppmid_id if isinstance(item, Job) else item.device_id
            assert eui is None or re.fullmatch(r"[0-9A-F]{2}(-[0-9A-F]{2}){7}", eui)
    elif name == "push":
        assert isinstance(result, list)
        assert len({r.idempotency_key for r in result}) == len(result)
        for push in result:
            assert push.status in PUSH_STATUSES and push.idempotency_key in SENT_KEYS
            assert push.message is None or not _CONTROL.search(push.message)
    else:
        assert result is None or (
            isinstance(result, str) and len(result) <= MAX_MESSAGE + 1
            and not _CONTROL.search(result)
        )  # fmt: skip


@settings(suppress_health_check=SLOW)
@given(st.binary(max_size=400))
def test_any_bytes_are_refused_or_parsed(data: bytes) -> None:
    document = refused_cleanly(lambda: protocol.decode_json(data, "GET /me"))
    if document is None:
        return
    for name, parse in parsers().items():
        result = refused_cleanly(lambda parse=parse, document=document: parse(document))  # type: ignore[misc]
        if result is not None:
            check_result(name, result)


@settings(suppress_health_check=SLOW)
@given(json_values)
def test_any_json_document_is_refused_or_parsed(document: Any) -> None:
    data = json.dumps(document).encode("utf-8")
    decoded = protocol.decode_json(data, "GET /jobs")
    for name, parse in parsers().items():
        result = refused_cleanly(lambda parse=parse: parse(decoded))  # type: ignore[misc]
        if result is not None:
            check_result(name, result)


def test_deeply_nested_answers_are_refused_not_a_crash() -> None:
    for depth in (50, 900, 5_000, 100_000):
        data = (
            b'{"items":[' + b"[" * depth + b"]" * depth + b'],"next_cursor":"c","has_more":false}'
        )
        try:
            document = protocol.decode_json(data, "GET /jobs")
        except ProtocolError:
            continue
        for name, parse in parsers().items():
            result = refused_cleanly(lambda parse=parse, document=document: parse(document))  # type: ignore[misc]
            if result is not None:
                check_result(name, result)


# --------------------------------------------------------------------------- valid answers

installer_ids = st.from_regex(INSTALLER_ID, fullmatch=True)
cursors = st.from_regex(CURSOR, fullmatch=True)
eui64s = st.text(HEX, min_size=16, max_size=16).map(
    lambda h: "-".join(h[i : i + 2] for i in range(0, 16, 2))
)


@given(installer_ids, st.text(max_size=64))
def test_valid_identity_round_trips(installer_id: str, token_id: str) -> None:
    identity = protocol.parse_identity({"installer_id": installer_id, "token_id": token_id})
    assert identity == Identity(installer_id, protocol.clean_text(token_id, 64))


reference_entries = st.builds(
    ReferenceInfo,
    kind=st.sampled_from(REFERENCE_KINDS),
    etag=st.text('abcdef0123456789-"W/', max_size=100),
    sha256=st.text("0123456789abcdef", min_size=64, max_size=64),
    rows=st.integers(0, 10_000_000),
)


@given(st.lists(reference_entries, max_size=3, unique_by=lambda r: r.kind), st.data())
def test_valid_reference_index_round_trips(
    entries: list[ReferenceInfo], data: st.DataObject
) -> None:
    document = {"lists": [_as_dict(e) for e in entries]}
    if data.draw(st.booleans()):
        document["lists"] = [{**item, "extra": 1} for item in document["lists"]]
    got = protocol.parse_reference_index(document)
    assert got == sorted(entries, key=lambda e: REFERENCE_KINDS.index(e.kind))


def _as_dict(info: ReferenceInfo) -> dict[str, Any]:
    return {"kind": info.kind, "etag": info.etag, "sha256": info.sha256, "rows": info.rows}


@st.composite
def jobs(draw: st.DrawFn) -> tuple[dict[str, Any], dict[str, Any]]:
    """(the job as the server sends it, the fields the parsed Job must have)."""
    reference = draw(st.text("ABCJOB-0123456789", min_size=1, max_size=100).filter(str.strip))
    installation = draw(st.sampled_from(["SMETS1", "SMETS2+", "smets2", "S1"]))
    cohort = draw(st.one_of(st.none(), st.sampled_from([c.value for c in Cohort])))
    meters = draw(st.lists(eui64s, max_size=3))
    ppmid = draw(st.one_of(st.none(), eui64s))
    scheduled = draw(st.one_of(st.none(), st.dates(date(2000, 1, 1)).map(date.isoformat)))
    sent = {
        "reference": reference,
        "address": draw(st.text(st.characters(categories=("L", "N", "P", "Zs")), max_size=60)),
        "installation": installation,
        "cohort": cohort,
        "comms_hub_id": None,
        "meter_ids": [m.lower() for m in meters],
        "expected_ppmid_id": ppmid,
        "scheduled_for": scheduled,
    }
    expected = {
        "reference": " ".join(reference.split()),
        "installation": Generation.parse(installation),
        "cohort": Cohort(cohort) if cohort else None,
        "meter_ids": tuple(meters),
        "expected_ppmid_id": ppmid,
        "scheduled_for": scheduled,
    }
    return sent, expected


@settings(suppress_health_check=SLOW)
@given(st.lists(jobs(), max_size=5), cursors, st.booleans())
def test_valid_jobs_page_round_trips(
    items: list[tuple[dict[str, Any], dict[str, Any]]], cursor: str, more: bool
) -> None:
    document = {"items": [sent for sent, _ in items], "next_cursor": cursor, "has_more": more}
    page = protocol.parse_jobs_page(json.loads(json.dumps(document)), protocol.PAGE_LIMIT)
    assert (page.next_cursor, page.has_more) == (cursor, more)
    got = [
        {key: getattr(job, key) for key in expected}
        for job, (_, expected) in zip(page.items, items, strict=True)
    ]
    assert got == [expected for _, expected in items]


@st.composite
def prenotifications(draw: st.DrawFn) -> tuple[dict[str, Any], dict[str, Any]]:
    device_id = draw(eui64s)
    sent: dict[str, Any] = {
        "device_id": device_id.replace("-", draw(st.sampled_from(["-", ":", ""]))).lower(),
        "device_type": draw(st.sampled_from(["PPMID", "ppmid", "ESME", "IHD"])),
        "manufacturer": draw(st.text(HEX, min_size=1, max_size=30)),
        "model": draw(st.text(HEX, min_size=1, max_size=30)),
        "firmware_version": draw(st.one_of(st.none(), st.text(HEX, min_size=1, max_size=30))),
        "status": draw(st.sampled_from([None, "Pending", "Whitelisted"])),
        "csp_region": draw(st.sampled_from([None, "SMETS1", "north", "Somewhere"])),
        "source": draw(st.sampled_from(PRENOTIFICATION_SOURCES)),
        "source_file": draw(st.one_of(st.none(), st.text("abc._-0123", min_size=1, max_size=50))),
    }
    expected = {
        "device_id": device_id,
        "device_type": sent["device_type"].upper(),
        "manufacturer": sent["manufacturer"],
        "model": sent["model"],
        "firmware_version": sent["firmware_version"],
        "status": sent["status"],
        "csp_region": {"north": "North"}.get(sent["csp_region"], sent["csp_region"]),
        "source": sent["source"],
        "source_file": sent["source_file"] or "back office",
    }
    return sent, expected


@settings(suppress_health_check=SLOW)
@given(st.lists(prenotifications(), max_size=5), cursors, st.booleans())
def test_valid_prenotifications_page_round_trips(
    items: list[tuple[dict[str, Any], dict[str, Any]]], cursor: str, more: bool
) -> None:
    document = {"items": [sent for sent, _ in items], "next_cursor": cursor, "has_more": more}
    page = protocol.parse_prenotifications_page(document, protocol.PAGE_LIMIT)
    assert (page.next_cursor, page.has_more) == (cursor, more)
    got = [
        {key: getattr(r, key) for key in expected}
        for r, (_, expected) in zip(page.items, items, strict=True)
    ]
    assert got == [expected for _, expected in items]


@given(
    st.lists(st.uuids().map(str), min_size=1, max_size=6, unique=True),
    st.data(),
)
def test_valid_push_answer_round_trips(keys: list[str], data: st.DataObject) -> None:
    answer = [
        PushResult(
            key,
            data.draw(st.sampled_from(PUSH_STATUSES)),
            data.draw(st.one_of(st.none(), st.text("abc ", max_size=20))),
        )
        for key in data.draw(st.permutations(keys))
    ]
    document = {
        "results": [
            {"idempotency_key": r.idempotency_key, "status": r.status, "message": r.message}
            for r in answer
        ]
    }
    got = protocol.parse_push_results(document, keys)
    assert got == [
        PushResult(
            r.idempotency_key,
            r.status,
            None if r.message is None else protocol.clean_text(r.message),
        )
        for r in answer
    ]


# --------------------------------------------------------------------------- broken answers


@st.composite
def valid_answers(draw: st.DrawFn) -> tuple[str, Any]:
    name = draw(st.sampled_from(["identity", "reference", "jobs", "prenotifications", "push"]))
    cursor = draw(cursors)
    if name == "identity":
        return name, {"installer_id": draw(installer_ids), "token_id": "t-1"}
    if name == "reference":
        entries = draw(
            st.lists(reference_entries, min_size=1, max_size=3, unique_by=lambda r: r.kind)
        )
        return name, {"lists": [_as_dict(e) for e in entries]}
    if name == "jobs":
        items = [sent for sent, _ in draw(st.lists(jobs(), min_size=1, max_size=3))]
        return name, {"items": items, "next_cursor": cursor, "has_more": False}
    if name == "prenotifications":
        items = [sent for sent, _ in draw(st.lists(prenotifications(), min_size=1, max_size=3))]
        return name, {"items": items, "next_cursor": cursor, "has_more": True}
    results = [{"idempotency_key": k, "status": "stored"} for k in SENT_KEYS]
    return name, {"results": results}


def _containers(value: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Paths to every list and object inside ``value`` (itself included)."""
    found: list[tuple[Any, ...]] = []
    if isinstance(value, (dict, list)):
        found.append(path)
        items = value.items() if isinstance(value, dict) else enumerate(value)
        for key, child in items:
            found.extend(_containers(child, (*path, key)))
    return found


def _at(value: Any, path: tuple[Any, ...]) -> Any:
    for key in path:
        value = value[key]
    return value


@settings(suppress_health_check=SLOW)
@given(valid_answers(), st.data())
def test_broken_answers_are_refused_or_still_valid(
    answer: tuple[str, Any], data: st.DataObject
) -> None:
    name, document = answer
    document = json.loads(json.dumps(document))
    for _ in range(data.draw(st.integers(1, 3))):
        path = data.draw(st.sampled_from(_containers(document)))
        target = _at(document, path)
        keys = list(target) if isinstance(target, dict) else list(range(len(target)))
        action = data.draw(st.sampled_from(["drop", "replace", "add", "repeat"]))
        if action == "drop" and keys:
            del target[data.draw(st.sampled_from(keys))]
        elif action == "replace" and keys:
            target[data.draw(st.sampled_from(keys))] = data.draw(json_values)
        elif action == "add":
            if isinstance(target, dict):
                target[data.draw(st.text(max_size=12))] = data.draw(json_values)
            else:
                target.append(data.draw(json_values))
        elif action == "repeat" and isinstance(target, list) and target:
            target.append(json.loads(json.dumps(target[0])))
    result = refused_cleanly(lambda: parsers()[name](document))
    if result is not None:
        check_result(name, result)


@given(st.text(max_size=2000), st.integers(1, 600))
def test_clean_text_is_bounded_and_has_no_control_characters(text: str, limit: int) -> None:
    shown = protocol.clean_text(text, limit)
    assert len(shown) <= limit + 1 and not _CONTROL.search(shown)
    assert shown == shown.strip()


def test_protocol_error_is_the_user_facing_error() -> None:
    assert issubclass(ProtocolError, UserError)
