"""Barcode payload parsers, line splitting and install-code checks, without a port."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from installer_app.devices import barcode
from installer_app.devices.errors import UnrecognisedScan
from installer_app.domain.identifiers import crc16_x25

GOOD_CODE = "34536EA1CDDAE1E69FBA17D68F0565E7BA99"  # 16 bytes + CRC-16/X-25, low byte first


def _code(length: int) -> str:
    body = bytes(range(1, length + 1))
    return (body + crc16_x25(body).to_bytes(2, "little")).hex().upper()


@pytest.mark.parametrize(
    "line",
    [
        "00DB12345678B001",
        "00db12345678b001",
        "00-DB-12-34-56-78-B0-01",
        "00:db:12:34:56:78:b0:01",
        "00 DB 12 34 56 78 B0 01",
        "00.db.12.34.56.78.b0.01",
        "  00DB12345678B001  ",
        "]Q100DB12345678B001",
        "\x0200DB12345678B001\x03",
    ],
)
def test_bare_eui64_in_any_spelling(line: str) -> None:
    reading = barcode.parse_scan(line)
    assert reading.device_id == "00-DB-12-34-56-78-B0-01"
    assert reading.source == "barcode"
    assert reading.install_code is None and reading.install_code_valid is None
    assert reading.raw == line


def test_zigbee_label_with_good_install_code() -> None:
    line = f"Z:00DB12345678B001$I:{GOOD_CODE}"
    reading = barcode.parse_scan(line)
    assert reading.device_id == "00-DB-12-34-56-78-B0-01"
    assert reading.install_code == GOOD_CODE
    assert reading.install_code_valid is True
    assert reading.raw == line


def test_zigbee_label_fields_in_any_order_case_and_extra_fields() -> None:
    line = f"i:{GOOD_CODE.lower()}$M:HALDEN$z:00-db-12-34-56-78-b0-01"
    reading = barcode.parse_scan(line)
    assert reading.device_id == "00-DB-12-34-56-78-B0-01"
    assert reading.install_code_valid is True


@pytest.mark.parametrize("length", [6, 8, 12, 16])
def test_every_install_code_length_is_checked(length: int) -> None:
    code = _code(length)
    assert barcode.parse_scan(f"Z:00DB12345678B001$I:{code}").install_code_valid is True
    wrong = code[:-2] + format(int(code[-2:], 16) ^ 0x01, "02X")
    assert barcode.parse_scan(f"Z:00DB12345678B001$I:{wrong}").install_code_valid is False


@pytest.mark.parametrize("code", ["1234", "ZZZZ" * 9, _code(10)])
def test_install_codes_of_wrong_shape_are_invalid(code: str) -> None:
    assert barcode.parse_scan(f"Z:00DB12345678B001$I:{code}").install_code_valid is False


@pytest.mark.parametrize("line", ["hello", "00DB12345678B0", "Z:nothex$I:00", "12345", "$$$"])
def test_unrecognised_lines_say_to_rescan(line: str) -> None:
    with pytest.raises(UnrecognisedScan, match="Scan the Device ID"):
        barcode.parse_scan(line)


def test_pluggable_parser() -> None:
    def parse_json(text: str) -> barcode.Scan | None:
        if not text.startswith("{"):
            return None
        import json

        return barcode.Scan(device_id=barcode.normalise_eui64(json.loads(text)["eui"]))

    barcode.register_parser("json", parse_json, first=True)
    try:
        assert "json" in barcode.parser_names()
        assert barcode.parse_scan('{"eui": "00db12345678b009"}').device_id.endswith("B0-09")
    finally:
        barcode.unregister_parser("json")
    assert "json" not in barcode.parser_names()


@pytest.mark.parametrize(
    ("stream", "lines", "rest"),
    [
        (b"a\r\nb\nc\rd", [b"a", b"b", b"c"], b"d"),
        (b"a\r", [b"a"], b""),
        (b"\na\r\n", [b"", b"a"], b""),
        (b"partial", [], b"partial"),
    ],
)
def test_split_lines_on_cr_lf_or_crlf(stream: bytes, lines: list[bytes], rest: bytes) -> None:
    buffer = bytearray(stream)
    assert barcode.split_lines(buffer) == lines
    assert bytes(buffer) == rest


def _chunks(data: bytes, cuts: list[int]) -> Iterator[bytes]:
    start = 0
    for cut in sorted(set(cuts)):
        yield data[start:cut]
        start = cut
    yield data[start:]


@given(st.lists(st.integers(0, 60), max_size=6))
def test_lines_survive_any_chunking(cuts: list[int]) -> None:
    stream = b"one\r\ntwo\nthree\rfour\r\n"
    buffer = bytearray()
    got: list[bytes] = []
    for chunk in _chunks(stream, cuts):
        buffer.extend(chunk)
        got.extend(barcode.split_lines(buffer))
    assert [line for line in got if line] == [b"one", b"two", b"three", b"four"]


@settings(max_examples=400)
@given(st.text(max_size=120))
def test_random_scans_are_read_or_refused_cleanly(line: str) -> None:
    try:
        reading = barcode.parse_scan(line)
    except UnrecognisedScan:
        return
    assert len(reading.device_id) == 23
