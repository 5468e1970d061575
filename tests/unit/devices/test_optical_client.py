"""The mode C client's decisions, byte for byte, over a scripted transport (no port, no waits)."""

from __future__ import annotations

import contextlib
import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from installer_app.devices import errors
from installer_app.devices import iec62056 as proto
from installer_app.devices.optical import read_optical, reading_from_readout
from installer_app.devices.profiles import load_profiles

IDENT = b"/HLD5PPMID-HS1\r\n"
LINES = [
    "0.0.96.1.0(00DB12345678B001)",
    "0.0.96.1.1(10F1)",
    "0.0.96.1.2(00A20100)",
    "0.0.96.1.3(0002)",
    "1.0.0.2.0(01020003)",
    "0.0.96.1.4(PPMID)",
]
FRAME = proto.build_data_block(LINES)


class ScriptedTransport:
    """Each write makes the next list of chunks readable; an empty read is a timeout."""

    def __init__(self, replies: list[list[bytes]]) -> None:
        self.port = "scripted"
        self.opened_at = time.monotonic()
        self.baudrate = 300
        self.replies = list(replies)
        self.pending: list[bytes] = []
        self.written: list[bytes] = []
        self.bauds: list[int] = []

    def write(self, data: bytes) -> None:
        self.written.append(data)
        if self.replies:
            self.pending.extend(self.replies.pop(0))

    def read(self, deadline: float) -> bytes:
        return self.pending.pop(0) if self.pending else b""

    def set_baudrate(self, baud: int) -> None:
        if baud != self.baudrate:
            self.baudrate = baud
            self.bauds.append(baud)

    def check_cancel(self) -> None:
        pass


def _read(transport: ScriptedTransport):  # type: ignore[no-untyped-def]
    profiles = load_profiles()
    readout = read_optical(transport, time.monotonic() + 20, profiles)  # type: ignore[arg-type]
    return readout, reading_from_readout(readout, profiles.for_flag(readout.identification.flag))


def test_normal_readout_is_byte_exact() -> None:
    link = ScriptedTransport([[IDENT], [FRAME]])
    readout, reading = _read(link)
    assert link.written == [b"/?!\r\n", b"\x06050\r\n"]
    assert link.bauds == [9600]
    assert readout.baud == 9600 and not readout.fell_back
    assert reading.device_id == "00-DB-12-34-56-78-B0-01"
    assert (reading.manufacturer, reading.model) == ("10F1", "00A20100")
    assert (reading.hardware_version, reading.firmware_version) == ("0002", "01020003")
    assert reading.device_type == "PPMID" and reading.source == "iec62056-21"
    assert reading.raw.startswith("/HLD5PPMID-HS1\r\n0.0.96.1.0(00DB12345678B001)")


def test_bytes_split_anywhere_still_read() -> None:
    chunks = [FRAME[i : i + 3] for i in range(0, len(FRAME), 3)]
    link = ScriptedTransport([[IDENT[:4], IDENT[4:]], chunks])
    assert _read(link)[1].device_id == "00-DB-12-34-56-78-B0-01"


def test_escaped_identification_and_probe_echo_are_accepted() -> None:
    link = ScriptedTransport(
        [[b"/?!\r\n", b"\x00/HLD5\\2\\@PPMID-HS1\r\n"], [b"\x06050\r\n", FRAME]]
    )
    readout, reading = _read(link)
    assert readout.identification.escapes == ("2", "@")
    assert reading.firmware_version == "01020003"


def test_device_that_sends_data_unasked_is_read_without_acknowledgement() -> None:
    link = ScriptedTransport([[IDENT + FRAME]])
    _read(link)
    assert link.written == [b"/?!\r\n"]


def test_wrong_speed_after_switch_falls_back_in_flight() -> None:
    # The device kept 300 baud: its STX reads as NULs at 9600, the rest at 300 is intact.
    link = ScriptedTransport([[IDENT], [b"\x00\x00\x00", FRAME[1:]]])
    readout, reading = _read(link)
    assert link.bauds == [9600, 300]
    assert readout.fell_back and readout.baud == 300
    assert reading.device_id == "00-DB-12-34-56-78-B0-01"


def test_device_that_never_switches_is_read_again_at_300_baud() -> None:
    link = ScriptedTransport([[IDENT], [b"\x00" * 60], [IDENT], [FRAME]])
    readout, _ = _read(link)
    assert link.written == [b"/?!\r\n", b"\x06050\r\n", b"/?!\r\n", b"\x06000\r\n"]
    assert readout.baud == 300


def test_profile_without_baud_switch_stays_at_300() -> None:
    from installer_app.devices.profiles import parse_profiles

    profiles = parse_profiles(
        {"default": {"device_id": "0.0.96.1.0"}, "manufacturers": {"HLD": {"switch_baud": False}}}
    )
    link = ScriptedTransport([[IDENT], [FRAME]])
    read_optical(link, time.monotonic() + 20, profiles)  # type: ignore[arg-type]
    assert link.written[1] == b"\x06000\r\n" and link.bauds == []


def test_bad_bcc_is_a_checksum_error() -> None:
    link = ScriptedTransport([[IDENT], [proto.build_data_block(LINES, corrupt_bcc=True)]])
    with pytest.raises(errors.ChecksumFailed, match="checksum"):
        _read(link)


def test_silent_device_is_asked_twice_then_reported() -> None:
    link = ScriptedTransport([])
    with pytest.raises(errors.NoAnswer, match="did not answer"):
        _read(link)
    assert link.written == [b"/?!\r\n", b"/?!\r\n"]


def test_garbage_answer_is_reported() -> None:
    link = ScriptedTransport([[b"\x8f\x12garbage\xff\n"]])
    with pytest.raises(errors.GarbledAnswer, match="unreadable"):
        _read(link)


def test_missing_device_id_is_reported() -> None:
    frame = proto.build_data_block(["0.0.96.1.1(10F1)"])
    with pytest.raises(errors.IncompleteReading, match="no Device ID"):
        _read(ScriptedTransport([[IDENT], [frame]]))


replies = st.lists(st.lists(st.binary(max_size=80), max_size=4), max_size=5)


@settings(max_examples=300)
@given(replies)
def test_random_device_answers_never_crash_or_hang(script: list[list[bytes]]) -> None:
    with contextlib.suppress(errors.DeviceError):
        _read(ScriptedTransport(script))


@settings(max_examples=300)
@given(st.data())
def test_mutated_exchanges_read_or_fail_cleanly(data: st.DataObject) -> None:
    frame = bytearray(FRAME)
    ident = bytearray(IDENT)
    for target in (frame, ident):
        for _ in range(data.draw(st.integers(0, 3))):
            index = data.draw(st.integers(0, len(target) - 1))
            target[index] = data.draw(st.integers(0, 255))
    cut = data.draw(st.integers(0, len(frame)))
    link = ScriptedTransport([[bytes(ident)], [bytes(frame[:cut]), bytes(frame[cut:])]])
    try:
        _, reading = _read(link)
    except errors.DeviceError:
        return
    assert len(reading.device_id) == 23
