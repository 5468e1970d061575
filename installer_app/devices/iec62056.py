"""IEC 62056-21 (formerly IEC 1107) mode C messages: pure builders and parsers.

Nothing here touches a port: every parser takes bytes and returns values or raises
:class:`FrameError`, so the protocol is tested byte for byte without hardware (the
dsmr_parser habit). The client that drives a port is :mod:`installer_app.devices.optical`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

STX = 0x02
ETX = 0x03
ACK = 0x06
CRLF = b"\r\n"

BITS_PER_BYTE = 10
"""7E1 on the wire: start bit, 7 data bits, even parity, stop bit."""

SIGN_ON_BAUD = 300
MODE_C_BAUDS = {"0": 300, "1": 600, "2": 1200, "3": 2400, "4": 4800, "5": 9600, "6": 19200}
"""Mode C baud-rate characters (the ``Z`` of the identification and acknowledgement)."""

REACTION_TIME_MIN = 0.200
"""tr: minimum time between receiving a message and sending the answer."""
REACTION_TIME_MIN_FAST = 0.020
"""tr for a device whose manufacturer flag has a lower-case third letter."""
REACTION_TIME_MAX = 1.500
"""tr: maximum time between receiving a message and sending the answer."""
CHAR_GAP_MAX = 1.500
"""ta: maximum time between two characters of one message."""

MAX_IDENT_LINE = 128
"""Longest identification line accepted (``/XXXZ`` + escapes + 16-character ident + CRLF)."""
MAX_DATA_BLOCK = 16_384
"""Longest data block accepted before the reader gives up on a device that never ends."""

_FLAG = re.compile(rb"[A-Za-z]{3}")
_DATA_SET = re.compile(r"([^()\r\n]*)\(([^()\r\n]*)\)")


class FrameError(ValueError):
    """Bytes that are not the IEC 62056-21 message expected."""


class ChecksumError(FrameError):
    """A data block whose BCC does not match its contents."""


def wire_time(n_bytes: int, baud: int) -> float:
    """Seconds that ``n_bytes`` take on the wire at ``baud`` (7E1: 10 bits a byte)."""
    return n_bytes * BITS_PER_BYTE / baud


def sign_on_request(address: str = "") -> bytes:
    """The request message ``/?<address>!CRLF`` (no address: any device answers)."""
    return b"/?" + address.encode("ascii") + b"!" + CRLF


def ack_option_select(baud_char: str, *, protocol_char: str = "0", mode_char: str = "0") -> bytes:
    """Acknowledgement/option select ``ACK V Z Y CRLF`` (``Y`` = ``0``: data readout)."""
    if baud_char not in MODE_C_BAUDS:
        raise ValueError(f"{baud_char!r} is not a mode C baud-rate character")
    return bytes([ACK]) + (protocol_char + baud_char + mode_char).encode("ascii") + CRLF


def bcc(data: bytes) -> int:
    """Block check character: XOR of ``data`` (the bytes after STX, up to and including ETX)."""
    value = 0
    for byte in data:
        value ^= byte
    return value


@dataclass(frozen=True, slots=True)
class Identification:
    """The device's identification message ``/XXXZ[\\W…]<ident>CRLF``."""

    flag: str
    """3-letter manufacturer flag as sent (a lower-case third letter means a 20 ms reaction)."""
    baud_char: str
    ident: str
    escapes: tuple[str, ...] = ()
    """The ``W`` characters of any ``\\W`` escape pairs, in order."""
    raw: str = ""

    @property
    def manufacturer_flag(self) -> str:
        """The flag upper-cased: the key of the reader profiles."""
        return self.flag.upper()

    @property
    def baud(self) -> int | None:
        """Highest baud rate the device offers in mode C, or None if it offers none."""
        return MODE_C_BAUDS.get(self.baud_char)

    @property
    def reaction_time_min(self) -> float:
        fast = self.flag[2].islower()
        return REACTION_TIME_MIN_FAST if fast else REACTION_TIME_MIN


def parse_identification(line: bytes) -> Identification:
    """Parse ``/XXXZ<ident>CRLF`` (the CRLF may be missing, a lone LF is accepted).

    ``\\W`` escape pairs right after ``Z`` (enhanced capability characters) are collected
    and removed from the ident.
    """
    text = line.rstrip(b"\r\n")
    if not text.startswith(b"/"):
        raise FrameError("identification does not start with '/'")
    if len(text) < 5:
        raise FrameError("identification is too short")
    if len(line) > MAX_IDENT_LINE:
        raise FrameError("identification is too long")
    flag, baud_char = text[1:4], text[4:5]
    if not _FLAG.fullmatch(flag):
        raise FrameError("identification has no 3-letter manufacturer flag")
    if any(b < 0x20 or b > 0x7E for b in text):
        raise FrameError("identification holds non-printable characters")
    rest = text[5:].decode("ascii")
    escapes: list[str] = []
    while len(rest) >= 2 and rest[0] == "\\":
        escapes.append(rest[1])
        rest = rest[2:]
    if "/" in rest or "!" in rest:
        raise FrameError("identification holds a reserved character ('/' or '!')")
    return Identification(
        flag=flag.decode("ascii"),
        baud_char=baud_char.decode("ascii"),
        ident=rest,
        escapes=tuple(escapes),
        raw=text.decode("ascii"),
    )


def build_identification(flag: str, baud_char: str, ident: str) -> bytes:
    """``/XXXZ<ident>CRLF``; ``ident`` may start with ``\\W`` escape pairs."""
    return b"/" + (flag + baud_char + ident).encode("ascii") + CRLF


@dataclass(frozen=True, slots=True)
class DataSet:
    """One ``address(value*unit)`` of a data block."""

    address: str
    value: str
    unit: str = ""


@dataclass(frozen=True, slots=True)
class DataBlock:
    """A verified data block: its data sets and its text (between STX and ETX)."""

    data_sets: tuple[DataSet, ...]
    text: str

    def value_at(self, address: str) -> str | None:
        """The first value whose address matches ``address`` (see :func:`same_address`)."""
        for data_set in self.data_sets:
            if same_address(data_set.address, address):
                return data_set.value
        return None


def build_data_block(lines: list[str], *, corrupt_bcc: bool = False) -> bytes:
    """``STX <lines CRLF> ! CRLF ETX BCC`` (``corrupt_bcc`` for fault simulation)."""
    body = "".join(line + "\r\n" for line in lines).encode("ascii") + b"!" + CRLF + bytes([ETX])
    check = bcc(body) ^ (0x55 if corrupt_bcc else 0)
    return bytes([STX]) + body + bytes([check])


def find_block_end(buffer: bytes | bytearray, start: int = 0) -> int | None:
    """Index just past the BCC of a block whose data starts at ``start``, or None if incomplete."""
    etx = buffer.find(bytes([ETX]), start)
    if etx < 0 or etx + 1 >= len(buffer):
        return None
    return etx + 2


def verify_block(body_and_bcc: bytes) -> str:
    """Check the BCC of ``<data> ETX BCC`` (the bytes after STX); return the data text."""
    if len(body_and_bcc) < 2 or body_and_bcc[-2] != ETX:
        raise FrameError("data block does not end with ETX and a BCC")
    body, check = body_and_bcc[:-1], body_and_bcc[-1]
    if bcc(body) != check:
        raise ChecksumError(f"BCC is {check:#04x}, contents give {bcc(body):#04x}")
    data = body[:-1]
    if any((b < 0x20 or b > 0x7E) and b not in b"\r\n" for b in data):
        raise FrameError("data block holds non-printable characters")
    return data.decode("ascii")


def parse_data_block(frame: bytes) -> DataBlock:
    """Parse a whole ``STX … ETX BCC`` frame: verify the BCC, then read its data sets."""
    if not frame or frame[0] != STX:
        raise FrameError("data block does not start with STX")
    end = find_block_end(frame, 1)
    if end is None:
        raise FrameError("data block is incomplete (no ETX and BCC)")
    if end != len(frame):
        raise FrameError("bytes after the end of the data block")
    text = verify_block(frame[1:])
    return DataBlock(data_sets=tuple(parse_data_sets(text)), text=text)


def parse_data_sets(text: str) -> list[DataSet]:
    """Data sets of a data block's text; the end line ``!`` and blank lines are skipped.

    A data set is ``address(value)`` or ``address(value*unit)``; several may share a line, and
    a data set with several values (``address(v1)(v2)``) gives one DataSet per value.
    """
    found: list[DataSet] = []
    for line in text.splitlines():
        line = line.strip()
        if not line or line == "!":
            continue
        address = ""
        for match in _DATA_SET.finditer(line):
            if match.group(1).strip():
                address = match.group(1).strip()
            value, _, unit = match.group(2).partition("*")
            found.append(DataSet(address=address, value=value.strip(), unit=unit.strip()))
    return found


_GROUP_LETTERS = {"C": "96", "F": "97", "L": "98", "P": "99"}


def address_key(address: str) -> tuple[str, ...]:
    """An address as a tuple of groups: ``0-0:96.1.0*255``, ``0.0.96.1.0``, ``C.1.0`` alike.

    The separators ``-`` ``:`` ``.`` are equivalent, a trailing ``*255``/``&255`` (F group) is
    dropped, and the letter forms ``C F L P`` of group C stand for 96 97 98 99.
    """
    text = address.strip().upper()
    for suffix in ("*255", "&255"):
        if text.endswith(suffix):
            text = text[: -len(suffix)]
    groups = [g for g in re.split(r"[-:.]", text) if g]
    if groups and len(groups) in (3, 5):
        index = len(groups) - 3
        groups[index] = _GROUP_LETTERS.get(groups[index], groups[index])
    return tuple(g.lstrip("0") or "0" if g.isdigit() else g for g in groups)


def same_address(a: str, b: str) -> bool:
    """True when two addresses name the same data set (``96.1.0`` matches ``0.0.96.1.0``)."""
    ka, kb = address_key(a), address_key(b)
    if ka == kb:
        return True
    if {len(ka), len(kb)} == {3, 5}:
        return ka[-3:] == kb[-3:]
    return False
