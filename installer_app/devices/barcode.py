"""Serial barcode scanners: one scan per line, decoded by pluggable payload parsers.

A scanner (USB CDC or RS-232) sends each scan as a line ended by CR, LF or CRLF. The payload
parsers turn a line into a :class:`Scan`; add one with :func:`register_parser`. Built in: the
ZigBee-style label ``Z:<EUI64>$I:<install code + CRC>`` and a bare EUI-64.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from dataclasses import dataclass

from installer_app.devices.errors import NoAnswer, UnrecognisedScan
from installer_app.devices.transport import Transport
from installer_app.domain.identifiers import (
    install_code_crc_ok,
    normalise_eui64,
    parse_install_code,
)
from installer_app.domain.model import DeviceReading

SOURCE = "barcode"
SCANNER_BAUD = 9600
MAX_LINE = 1024
PARTIAL_LINE_WINDOW = 0.25
"""A first line that starts arriving this soon after opening may be the tail of a scan that
began before the port was open (pyserial drops input on open): an unreadable one is skipped."""

_AIM_PREFIX = re.compile(r"^\][A-Za-z][0-9A-Za-z]")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


@dataclass(frozen=True, slots=True)
class Scan:
    """What a payload parser found in one scanned line."""

    device_id: str
    install_code: str | None = None
    """Install code plus CRC as upper-case hex, as scanned (None when the label has none)."""


PayloadParser = Callable[[str], Scan | None]
"""Returns a Scan, None when the line is not its format, or raises ValueError when the line is
its format but a field is wrong (the message is shown to the user)."""


def parse_zigbee_label(text: str) -> Scan | None:
    """``Z:<EUI64>$I:<install code + CRC>`` (fields in any order, other fields ignored)."""
    if ":" not in text:
        return None
    fields: dict[str, str] = {}
    for part in text.split("$"):
        key, sep, value = part.partition(":")
        if not sep:
            return None
        fields.setdefault(key.strip().upper(), value.strip())
    if "Z" not in fields:
        return None
    device_id = normalise_eui64(fields["Z"])
    code = fields.get("I")
    return Scan(device_id=device_id, install_code=_compact_hex(code) if code else None)


def parse_bare_eui64(text: str) -> Scan | None:
    """A bare EUI-64: 16 hex digits with any separators, either case."""
    try:
        return Scan(device_id=normalise_eui64(text))
    except ValueError:
        return None


_PARSERS: list[tuple[str, PayloadParser]] = [
    ("zigbee-label", parse_zigbee_label),
    ("eui64", parse_bare_eui64),
]


def register_parser(name: str, parser: PayloadParser, *, first: bool = False) -> None:
    """Add a payload parser (tried after the built-in ones unless ``first``)."""
    unregister_parser(name)
    if first:
        _PARSERS.insert(0, (name, parser))
    else:
        _PARSERS.append((name, parser))


def unregister_parser(name: str) -> None:
    _PARSERS[:] = [(n, p) for n, p in _PARSERS if n != name]


def parser_names() -> list[str]:
    return [name for name, _ in _PARSERS]


def clean_line(line: str) -> str:
    """Strip whitespace, control characters and an AIM symbology prefix (``]Q1`` …)."""
    text = _CONTROL.sub("", line).strip()
    return _AIM_PREFIX.sub("", text, count=1).strip()


def parse_scan(line: str) -> DeviceReading:
    """Turn one scanned line into a reading; UnrecognisedScan when no parser takes it."""
    text = clean_line(line)
    problem = ""
    for _name, parser in list(_PARSERS):
        try:
            scan = parser(text)
        except ValueError as exc:
            problem = str(exc)
            continue
        if scan is not None:
            return _reading(scan, line)
    shown = text if len(text) <= 60 else text[:57] + "..."
    detail = f" ({problem})" if problem else ""
    raise UnrecognisedScan(
        f"The scanner sent {shown!r}, which is not a Device ID label{detail}. "
        "Scan the Device ID barcode or QR code on the PPMID's label again."
    )


def _reading(scan: Scan, raw: str) -> DeviceReading:
    valid: bool | None = None
    if scan.install_code is not None:
        try:
            valid = install_code_crc_ok(parse_install_code(scan.install_code))
        except ValueError:
            valid = False
    return DeviceReading(
        device_id=scan.device_id,
        source=SOURCE,
        raw=raw,
        install_code=scan.install_code,
        install_code_valid=valid,
    )


def _compact_hex(text: str) -> str:
    return re.sub(r"[\s:\-._]", "", text).upper()


def split_lines(buffer: bytearray) -> list[bytes]:
    """Remove and return the complete lines in ``buffer`` (CR, LF or CRLF ends a line).

    When the LF of a CRLF arrives after a pause it shows up as an empty line: callers skip those.
    """
    lines: list[bytes] = []
    while True:
        match = re.search(rb"\r\n|\r|\n", bytes(buffer))
        if match is None:
            return lines
        lines.append(bytes(buffer[: match.start()]))
        del buffer[: match.end()]


def read_scan(
    transport: Transport,
    deadline: float,
    *,
    on_progress: Callable[[str], None] | None = None,
) -> DeviceReading:
    """Wait until ``deadline`` for one scan on an open port and decode it."""
    if on_progress:
        on_progress("Waiting for a scan…")
    buffer = bytearray()
    first_byte_at: float | None = None
    skipped: UnrecognisedScan | None = None
    lines_seen = 0
    while True:
        data = transport.read(deadline)
        if not data:
            if skipped is not None:
                raise skipped
            raise NoAnswer(
                f"No scan arrived from {transport.port}. Check the scanner is connected to this "
                "port, scan the PPMID's label, and read again."
            )
        if first_byte_at is None:
            first_byte_at = time.monotonic()
        buffer.extend(data)
        for raw in split_lines(buffer):
            line = raw.decode("utf-8", errors="replace")
            if not clean_line(line):
                continue
            lines_seen += 1
            try:
                return parse_scan(line)
            except UnrecognisedScan as exc:
                early = first_byte_at - transport.opened_at < PARTIAL_LINE_WINDOW
                if lines_seen == 1 and early:
                    skipped = exc
                    continue
                raise
        if len(buffer) > MAX_LINE:
            raise UnrecognisedScan(
                f"The scanner on {transport.port} sent over {MAX_LINE} bytes without ending a "
                "line. Check it is set to end each scan with Enter (CR or LF), then scan again."
            )
