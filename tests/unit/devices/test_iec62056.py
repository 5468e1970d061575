"""IEC 62056-21 messages byte for byte, and parsers that never crash or hang on bad input."""

from __future__ import annotations

import contextlib
import functools
import operator

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from installer_app.devices import iec62056 as proto

FRAME = (
    b"\x02"
    b"0.0.96.1.0(00DB12345678B001)\r\n"
    b"1.0.0.2.0(01020003)\r\n"
    b"!\r\n"
    b"\x03"
    b"e"
)  # fmt: skip
"""A data block whose BCC (0x65, 'e') is the XOR of every byte after STX up to ETX."""


def test_frame_constant_has_the_right_bcc() -> None:
    assert functools.reduce(operator.xor, FRAME[1:-1]) == FRAME[-1] == 0x65


def test_sign_on_request_is_byte_exact() -> None:
    assert proto.sign_on_request() == b"/?!\r\n"
    assert proto.sign_on_request("12345678") == b"/?12345678!\r\n"


def test_acknowledgement_selects_speed_and_readout_mode() -> None:
    assert proto.ack_option_select("5") == b"\x06050\r\n"
    assert proto.ack_option_select("0") == b"\x06000\r\n"
    with pytest.raises(ValueError):
        proto.ack_option_select("9")


def test_wire_time_counts_ten_bits_a_byte() -> None:
    assert proto.wire_time(30, 300) == pytest.approx(1.0)
    assert proto.wire_time(960, 9600) == pytest.approx(1.0)


def test_build_data_block_is_byte_exact() -> None:
    lines = ["0.0.96.1.0(00DB12345678B001)", "1.0.0.2.0(01020003)"]
    assert proto.build_data_block(lines) == FRAME
    corrupt = proto.build_data_block(lines, corrupt_bcc=True)
    assert corrupt[:-1] == FRAME[:-1] and corrupt[-1] != FRAME[-1]


def test_parse_data_block_reads_data_sets() -> None:
    block = proto.parse_data_block(FRAME)
    assert block.data_sets == (
        proto.DataSet("0.0.96.1.0", "00DB12345678B001"),
        proto.DataSet("1.0.0.2.0", "01020003"),
    )
    assert block.value_at("0.0.96.1.0") == "00DB12345678B001"
    assert block.value_at("0.0.96.1.9") is None


def test_bcc_error_is_reported_as_checksum_error() -> None:
    bad = FRAME[:-1] + bytes([FRAME[-1] ^ 0x01])
    with pytest.raises(proto.ChecksumError):
        proto.parse_data_block(bad)


def test_a_changed_data_byte_fails_the_bcc() -> None:
    bad = FRAME.replace(b"B001", b"B002")
    with pytest.raises(proto.ChecksumError):
        proto.parse_data_block(bad)


@pytest.mark.parametrize(
    "frame",
    [b"", b"0.0.96.1.0(1)\r\n!\r\n\x03\x00", b"\x02no end", FRAME + b"x"],
)
def test_malformed_blocks_are_frame_errors(frame: bytes) -> None:
    with pytest.raises(proto.FrameError):
        proto.parse_data_block(frame)


def test_data_sets_with_units_several_per_line_and_several_values() -> None:
    text = "1.8.0(001234.5*kWh)0.9.1(101530)\r\nC.1.0(42)\r\nP.98(1)(2)\r\n!\r\n"
    assert proto.parse_data_sets(text) == [
        proto.DataSet("1.8.0", "001234.5", "kWh"),
        proto.DataSet("0.9.1", "101530"),
        proto.DataSet("C.1.0", "42"),
        proto.DataSet("P.98", "1"),
        proto.DataSet("P.98", "2"),
    ]


def test_identification_plain() -> None:
    ident = proto.parse_identification(b"/HLD5PPMID-HS1\r\n")
    assert (ident.flag, ident.baud_char, ident.ident, ident.escapes) == (
        "HLD",
        "5",
        "PPMID-HS1",
        (),
    )
    assert ident.baud == 9600
    assert ident.reaction_time_min == proto.REACTION_TIME_MIN


def test_identification_with_escape_pairs() -> None:
    ident = proto.parse_identification(b"/HLD5\\2\\@PPMID-HS1\r\n")
    assert ident.ident == "PPMID-HS1"
    assert ident.escapes == ("2", "@")
    assert ident.raw == "/HLD5\\2\\@PPMID-HS1"


def test_lower_case_third_flag_letter_means_fast_reaction() -> None:
    ident = proto.parse_identification(b"/CVd5CORVID\r\n")
    assert ident.manufacturer_flag == "CVD"
    assert ident.reaction_time_min == proto.REACTION_TIME_MIN_FAST


def test_identification_round_trip() -> None:
    line = proto.build_identification("PEN", "4", "PNT460")
    assert line == b"/PEN4PNT460\r\n"
    assert proto.parse_identification(line).baud == 4800


@pytest.mark.parametrize(
    "line",
    [b"HLD5X\r\n", b"/H\r\n", b"/12Z5X\r\n", b"/HLD5\x01X\r\n", b"/HLD5A/B\r\n", b"/?!\r\n"],
)
def test_bad_identifications_are_frame_errors(line: bytes) -> None:
    with pytest.raises(proto.FrameError):
        proto.parse_identification(line)


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("0.0.96.1.0", "0-0:96.1.0*255"),
        ("0.0.96.1.0", "96.1.0"),
        ("0.0.96.1.0", "C.1.0"),
        ("1.0.0.2.0", "1-0:0.2.0"),
    ],
)
def test_address_spellings_match(a: str, b: str) -> None:
    assert proto.same_address(a, b)


@pytest.mark.parametrize(("a", "b"), [("0.0.96.1.0", "0.0.96.1.1"), ("0.0.96.1.0", "1.0.96.1.0")])
def test_different_addresses_do_not_match(a: str, b: str) -> None:
    assert not proto.same_address(a, b)


# property-based: random and mutated input never crashes or hangs the parsers ----------


@settings(max_examples=400)
@given(st.binary(max_size=300))
def test_random_identifications_only_raise_frame_errors(data: bytes) -> None:
    with contextlib.suppress(proto.FrameError):
        proto.parse_identification(data)


@settings(max_examples=400)
@given(st.binary(max_size=600))
def test_random_blocks_only_raise_frame_errors(data: bytes) -> None:
    with contextlib.suppress(proto.FrameError):
        proto.parse_data_block(data)


@settings(max_examples=400)
@given(st.data())
def test_mutated_frames_parse_or_fail_cleanly(data: st.DataObject) -> None:
    frame = bytearray(FRAME)
    for _ in range(data.draw(st.integers(1, 4))):
        index = data.draw(st.integers(0, len(frame) - 1))
        action = data.draw(st.sampled_from(["flip", "drop", "insert"]))
        if action == "flip":
            frame[index] ^= data.draw(st.integers(1, 255))
        elif action == "drop" and len(frame) > 1:
            del frame[index]
        else:
            frame.insert(index, data.draw(st.integers(0, 255)))
    try:
        block = proto.parse_data_block(bytes(frame))
    except proto.FrameError:
        return
    # A mutation that still passes the BCC must still give well-formed data sets.
    assert all(isinstance(d.value, str) for d in block.data_sets)


@given(st.integers(0, len(FRAME) - 3), st.integers(1, 127))
def test_any_single_data_byte_change_fails_the_bcc(index: int, flip: int) -> None:
    frame = bytearray(FRAME)
    frame[1 + index] ^= flip
    with pytest.raises(proto.FrameError):
        proto.parse_data_block(bytes(frame))


@settings(max_examples=300)
@given(st.text(max_size=200))
def test_random_data_text_never_crashes(text: str) -> None:
    for data_set in proto.parse_data_sets(text):
        assert "(" not in data_set.value


@given(st.text(max_size=40), st.text(max_size=40))
def test_address_matching_is_total(a: str, b: str) -> None:
    assert proto.same_address(a, b) == proto.same_address(b, a)
