from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from installer_app.domain.identifiers import (
    crc16_x25,
    install_code_crc_ok,
    normalise_eui64,
    normalise_hex,
    normalise_version,
    parse_install_code,
)


@pytest.mark.parametrize(
    "text",
    [
        "00-DB-12-34-56-78-90-A0",
        "00db1234567890a0",
        "00:db:12:34:56:78:90:a0",
        " 00 DB 12 34 56 78 90 A0 ",
        "00DB.1234.5678.90A0",
    ],
)
def test_device_id_accepted_in_any_spelling_and_shown_hyphenated(text: str) -> None:
    assert normalise_eui64(text) == "00-DB-12-34-56-78-90-A0"


@pytest.mark.parametrize("text", ["", "00-DB-12", "00DB1234567890A0FF", "00DB1234567890AG", "GEO"])
def test_bad_device_ids_are_refused_with_the_value_in_the_message(text: str) -> None:
    with pytest.raises(ValueError, match="Device ID"):
        normalise_eui64(text)


@given(st.binary(min_size=8, max_size=8), st.sampled_from(["-", ":", "", " "]), st.booleans())
def test_any_eui64_round_trips(raw: bytes, sep: str, lower: bool) -> None:
    text = sep.join(f"{b:02X}" for b in raw)
    if lower:
        text = text.lower()
    assert normalise_eui64(text) == "-".join(f"{b:02X}" for b in raw)


def test_hex_identifiers_are_upper_cased_and_checked() -> None:
    assert normalise_hex(" 10e0 ", digits=4) == "10E0"
    with pytest.raises(ValueError, match="4 hex digits"):
        normalise_hex("10E", digits=4)
    with pytest.raises(ValueError, match="not hexadecimal"):
        normalise_hex("10G0")
    for lookalike in ("\ufb00\ufb0010", "１０Ｅ０", "10e\u0660"):  # ligature, full-width, Arabic 0
        with pytest.raises(ValueError, match="not hexadecimal"):
            normalise_hex(lookalike)


def test_versions_compare_as_strings_never_numbers() -> None:
    assert normalise_version("00.02.00.02") == "00020002"
    assert normalise_version("0a-1b") == "0A1B"
    # Leading zeros matter: BCD and hex firmware are different strings.
    assert normalise_version("0002") != normalise_version("2")
    with pytest.raises(ValueError):
        normalise_version(" ")


def test_crc16_x25_check_value() -> None:
    # The catalogue check value of CRC-16/X-25 for "123456789".
    assert crc16_x25(b"123456789") == 0x906E


def test_install_code_crc_is_low_byte_first() -> None:
    body = bytes.fromhex("83FED3407A939723A5C639B26916D505")
    crc = crc16_x25(body)
    good = body + crc.to_bytes(2, "little")
    assert install_code_crc_ok(good)
    assert not install_code_crc_ok(body + crc.to_bytes(2, "big"))
    assert parse_install_code(good.hex()) == good
    with pytest.raises(ValueError, match="6, 8, 12 or 16"):
        parse_install_code("0011223344")
