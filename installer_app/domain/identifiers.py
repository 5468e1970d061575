"""Device identifiers: EUI-64 Device IDs, hex identifiers, version strings, install codes.

Pure functions; no I/O. Every function that can refuse a value raises ``ValueError`` with a
message fit to show a user (the caller adds the file/line/field context).
"""

from __future__ import annotations

import re

from installer_app.domain.shown import quoted

_EUI_SEPARATORS = re.compile(r"[\s:\-._]")
_HEX = re.compile(r"[0-9A-F]+")
_VERSION_SEPARATORS = re.compile(r"[\s.\-:_/]")

INSTALL_CODE_LENGTHS = (6, 8, 12, 16)
"""Install-code lengths in bytes, before the 2-byte CRC."""


def _quoted(text: str) -> str:
    """The refused value for a message: stripped, quoted, cut short (files can be damaged)."""
    return quoted(text.strip())


def normalise_eui64(text: str) -> str:
    """Return a Device ID as ``XX-XX-XX-XX-XX-XX-XX-XX`` (upper-case hex).

    Accepts any of ``-``, ``:``, ``.``, ``_`` or spaces as separators, or none, in either case.
    """
    compact = _EUI_SEPARATORS.sub("", text.strip()).upper()
    if compact.startswith("0X"):
        compact = compact[2:]
    if len(compact) != 16 or not _HEX.fullmatch(compact):
        raise ValueError(
            f"{_quoted(text)} is not a Device ID: expected 16 hex digits "
            "(an EUI-64 such as 00-DB-12-34-56-78-90-A0)"
        )
    return "-".join(compact[i : i + 2] for i in range(0, 16, 2))


def normalise_hex(text: str, *, digits: int | None = None, max_digits: int = 30) -> str:
    """Upper-case a hex identifier, stripping whitespace; check its length."""
    if not text.isascii():  # "ﬀ".upper() is "FF": only ASCII digits and letters count
        raise ValueError(f"{_quoted(text)} is not hexadecimal (digits 0-9 and A-F only)")
    value = text.strip().upper()
    if value.startswith("0X"):
        value = value[2:]
    if not value:
        raise ValueError("is empty")
    if not _HEX.fullmatch(value):
        raise ValueError(f"{_quoted(text)} is not hexadecimal (digits 0-9 and A-F only)")
    if digits is not None and len(value) != digits:
        raise ValueError(f"{_quoted(text)} must be exactly {digits} hex digits")
    if len(value) > max_digits:
        raise ValueError(f"{_quoted(text)} is longer than {max_digits} hex digits")
    return value


def normalise_version(text: str, *, max_length: int = 30) -> str:
    """Normalise a hardware or firmware version for comparison.

    Versions may be BCD or hex depending on the manufacturer, so they are compared as strings:
    upper-case, separators removed, never converted to numbers.
    """
    value = _VERSION_SEPARATORS.sub("", text).upper()
    if not value:
        raise ValueError("is empty")
    if len(value) > max_length:
        raise ValueError(f"{_quoted(text)} is longer than {max_length} characters")
    return value


def normalise_text_id(text: str, *, max_length: int = 30) -> str:
    """An identifier accepted as sent (DUIS manufacturer/model): stripped, upper-cased."""
    value = text.strip().upper()
    if not value:
        raise ValueError("is empty")
    if len(value) > max_length:
        raise ValueError(f"{_quoted(text)} is longer than {max_length} characters")
    return value


def crc16_x25(data: bytes) -> int:
    """CRC-16/X-25 (reflected poly 0x1021, init and xor-out 0xFFFF): the ZigBee install-code CRC."""
    crc = 0xFFFF
    for byte in data:
        crc ^= byte
        for _ in range(8):
            crc = (crc >> 1) ^ 0x8408 if crc & 1 else crc >> 1
    return crc ^ 0xFFFF


def install_code_crc_ok(code_with_crc: bytes) -> bool:
    """True when the last two bytes are the CRC-16/X-25 of the rest, low byte first."""
    if len(code_with_crc) - 2 not in INSTALL_CODE_LENGTHS:
        return False
    body, crc = code_with_crc[:-2], code_with_crc[-2:]
    return crc16_x25(body) == int.from_bytes(crc, "little")


def parse_install_code(text: str) -> bytes:
    """Install code + CRC as hex text (separators allowed) to bytes; checks the length only."""
    compact = _EUI_SEPARATORS.sub("", text.strip()).upper()
    if not compact or not _HEX.fullmatch(compact) or len(compact) % 2:
        raise ValueError(f"{_quoted(text)} is not an install code (pairs of hex digits expected)")
    raw = bytes.fromhex(compact)
    if len(raw) - 2 not in INSTALL_CODE_LENGTHS:
        raise ValueError(
            f"install code is {len(raw)} bytes; expected 6, 8, 12 or 16 bytes plus a 2-byte CRC"
        )
    return raw
