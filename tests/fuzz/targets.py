"""Fuzz targets: one function per parser, taking raw bytes.

Each target feeds the bytes to the product's parser and lets through only the documented,
user-facing failures: :class:`~installer_app.errors.UserError` (and its subclasses, e.g.
``ProtocolError``, ``DeviceError``) everywhere, plus ``FrameError`` from the pure IEC 62056-21
parsers, whose contract is "bytes in, values or FrameError out". Anything else escaping is a bug
and the fuzzer reports it as a crash. The targets also check a few promises of a successful
parse, so a wrong answer is a crash too.

No atheris here: ``tests.fuzz.harness`` instruments this module's imports and drives it, and the
unit tests run every target on its seeds (``tests/unit/test_fuzz_targets.py``).
"""

from __future__ import annotations

import contextlib
import re
import time
import tomllib
from collections.abc import Callable
from datetime import date
from functools import cache
from typing import Any

from installer_app import paths
from installer_app.devices import barcode
from installer_app.devices import iec62056 as proto
from installer_app.devices.optical import read_optical, reading_from_readout
from installer_app.devices.profiles import ReaderProfiles, load_profiles
from installer_app.domain.generation import GenerationRules
from installer_app.errors import UserError
from installer_app.store import jobs_file, lists, prenotification_files
from installer_app.store.cpl_file import parse_cpl
from installer_app.store.csv_table import read_csv
from installer_app.sync import protocol

Target = Callable[[bytes], None]

_EUI64 = re.compile(r"[0-9A-F]{2}(-[0-9A-F]{2}){7}")
_HEX4 = re.compile(r"[0-9A-F]{4}")
_SENT_KEYS = ["00000000-0000-0000-0000-00000000000" + str(n) for n in (1, 2, 3)]


@cache
def _rules() -> GenerationRules:
    text = paths.resource("generation_rules.toml").read_text(encoding="utf-8")
    return GenerationRules.from_data(tomllib.loads(text))


@cache
def _profiles() -> ReaderProfiles:
    return load_profiles()


def _real_date(text: str) -> bool:
    if not re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", text):
        return False
    try:
        date.fromisoformat(text)
    except ValueError:
        return False
    return True


def _check(condition: bool, what: str) -> None:
    if not condition:
        raise AssertionError(what)


# --------------------------------------------------------------------------- reference lists


def quoted_first_field(data: bytes) -> bytes | None:
    """The same CSV with its first field in quotes, so that it is read by the ``csv`` module
    rather than the plain-split fast path; None when the file has a quote already."""
    if b'"' in data:
        return None
    bom = b"\xef\xbb\xbf" if data.startswith(b"\xef\xbb\xbf") else b""
    body = data[len(bom) :]
    ends = [i for i in (body.find(b","), body.find(b"\n"), body.find(b"\r")) if i >= 0]
    end = min(ends, default=len(body))
    return bom + b'"' + body[:end] + b'"' + body[end:]


def _read(data: bytes) -> tuple[list[str], list[list[str]], list[int]] | None:
    try:
        table = read_csv(data, "fuzz.csv", "cpl", "CPL")
    except UserError:
        return None
    return table.header, table.rows, list(table.row_lines)


def csv_paths_agree(data: bytes) -> None:
    """Both ways of reading a CSV (plain split, ``csv`` module) give the same rows and lines."""
    quoted = quoted_first_field(data)
    if quoted is not None:
        plain, via_csv = _read(data), _read(quoted)
        _check(plain == via_csv, f"fast path {plain!r:.300} != csv module {via_csv!r:.300}")


def cpl_csv(data: bytes) -> None:
    csv_paths_agree(data)
    try:
        parsed = parse_cpl(data, "fuzz.csv", _rules())
    except UserError:
        return
    fields = parsed.insert_fields()
    for row in parsed.parameter_rows():
        entry = dict(zip(fields, row, strict=True))
        _check(bool(_HEX4.fullmatch(str(entry["manufacturer_id"]))), "manufacturer not 4 hex")
        expiry = entry.get("cpa_expiry")
        _check(expiry in ("", None) or _real_date(str(expiry)), f"expiry {expiry!r} stored")
    parsed.duplicate_keys()


def epcl_csv(data: bytes) -> None:
    try:
        rows = lists.parse_epcl(data, "fuzz.csv")
    except UserError:
        return
    _check(bool(rows) and all(_HEX4.fullmatch(r.manufacturer_id) for r in rows), "bad EPCL row")


def advisories_csv(data: bytes) -> None:
    try:
        rows = lists.parse_advisories(data, "fuzz.csv")
    except UserError:
        return
    _check(bool(rows) and all(_HEX4.fullmatch(r.manufacturer_id) for r in rows), "bad advisory")


# --------------------------------------------------------------------------- pre-notifications, jobs


def _prenotifications(data: bytes) -> None:
    try:
        records = prenotification_files.parse_prenotification_bytes(data, "fuzz")
    except UserError:
        return
    _check(bool(records), "no records and no error")
    for record in records:
        _check(bool(_EUI64.fullmatch(record.device_id)), f"device id {record.device_id!r}")


def prenotification_csv(data: bytes) -> None:
    if prenotification_files.detect_format(data) == "csv":
        _prenotifications(data)


def duis_xml(data: bytes) -> None:
    if prenotification_files.detect_format(data) == "xml":
        _prenotifications(data)


def jobs_json(data: bytes) -> None:
    try:
        jobs = jobs_file.parse_jobs_bytes(data, "fuzz.json")
    except UserError:
        return
    for job in jobs:
        _check(bool(job.reference.strip()), "job without a reference")
        _check(all(_EUI64.fullmatch(m) for m in job.meter_ids), "bad meter id")


# --------------------------------------------------------------------------- devices


class _ScriptedTransport:
    """A port whose device answers each write with the next scripted chunks; no waiting."""

    def __init__(self, replies: list[list[bytes]]) -> None:
        self.port = "fuzz"
        self.opened_at = time.monotonic()
        self.baudrate = 300
        self.replies = replies
        self.pending: list[bytes] = []

    def write(self, data: bytes) -> None:
        if self.replies:
            self.pending.extend(self.replies.pop(0))

    def read(self, deadline: float) -> bytes:
        return self.pending.pop(0) if self.pending else b""

    def set_baudrate(self, baud: int) -> None:
        self.baudrate = baud

    def check_cancel(self) -> None:
        pass

    def discard_input(self) -> None:
        self.pending.clear()


def _split(data: bytes) -> tuple[bytes, bytes]:
    """The identification line and what follows it."""
    newline = data.find(b"\n")
    return (data, b"") if newline < 0 else (data[: newline + 1], data[newline + 1 :])


def iec62056(data: bytes) -> None:
    """The pure parsers on the input, then the whole mode C client over a scripted port."""
    ident, rest = _split(data)
    with contextlib.suppress(proto.FrameError):
        proto.parse_identification(ident)
    try:
        block = proto.parse_data_block(rest)
        block.value_at("0.0.96.1.0")
    except proto.FrameError:
        pass
    proto.parse_data_sets(data.decode("ascii", errors="replace"))
    half = len(rest) // 2
    chunks = [rest[:half], rest[half:]] if len(data) % 2 else [rest]
    transport = _ScriptedTransport([[ident], chunks, [ident], [rest]])
    try:
        readout = read_optical(transport, time.monotonic() + 60, _profiles())  # type: ignore[arg-type]
        profile = _profiles().for_flag(readout.identification.flag)
        reading = reading_from_readout(readout, profile)
    except UserError:
        return
    _check(bool(_EUI64.fullmatch(reading.device_id)), f"device id {reading.device_id!r}")


def barcode_scan(data: bytes) -> None:
    """Line splitting, one scanned line, and a whole read over a scripted port."""
    buffer = bytearray(data)
    lines = barcode.split_lines(buffer)
    _check(b"\r" not in b"".join(lines) and b"\n" not in b"".join(lines), "line end kept")
    try:
        reading = barcode.parse_scan(data.decode("utf-8", errors="replace"))
        _check(bool(_EUI64.fullmatch(reading.device_id)), f"device id {reading.device_id!r}")
    except UserError:
        pass
    transport = _ScriptedTransport([])
    transport.pending = [data[i : i + 64] for i in range(0, len(data), 64)]
    transport.opened_at -= 10  # not a partial line from before the port was opened
    with contextlib.suppress(UserError):
        barcode.read_scan(transport, time.monotonic() + 60)  # type: ignore[arg-type]


# --------------------------------------------------------------------------- sync


def _results(document: Any) -> list[str]:
    if isinstance(document, dict) and isinstance(document.get("results"), list):
        return _SENT_KEYS[: len(document["results"])]
    return _SENT_KEYS[:1]


def sync_protocol(data: bytes) -> None:
    """Every parser of a back-office answer on the same document."""
    try:
        document = protocol.decode_json(data, "fuzz")
    except UserError:
        return
    parsers: list[Callable[[Any], object]] = [
        protocol.parse_identity,
        protocol.parse_reference_index,
        lambda d: protocol.parse_jobs_page(d, protocol.PAGE_LIMIT),
        lambda d: protocol.parse_prenotifications_page(d, protocol.PAGE_LIMIT),
        lambda d: protocol.parse_push_results(d, _results(d)),
    ]
    for parse in parsers:
        with contextlib.suppress(UserError):
            parse(document)
    message = protocol.error_message(document)
    _check(message is None or len(message) <= protocol.MAX_MESSAGE + 1, "message too long")


TARGETS: dict[str, Target] = {
    "cpl": cpl_csv,
    "epcl": epcl_csv,
    "advisories": advisories_csv,
    "prenotification-csv": prenotification_csv,
    "duis-xml": duis_xml,
    "jobs": jobs_json,
    "iec62056": iec62056,
    "barcode": barcode_scan,
    "sync": sync_protocol,
}
