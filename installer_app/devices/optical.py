"""IEC 62056-21 mode C client over a :class:`~installer_app.devices.transport.Transport`.

Sign-on at 300 baud 7E1, identification, acknowledgement with the reaction time the standard
requires, baud switch, data readout with BCC verification. A device that never switches speed
is caught in flight (garbage where STX should be: drop back to 300 baud at once) and, if the
block cannot be recovered, read again in a fresh session at 300 baud. All waits are bounded by
the standard's limits and an overall deadline; no fixed sleeps.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from installer_app.devices import iec62056 as proto
from installer_app.devices.errors import (
    ChecksumFailed,
    GarbledAnswer,
    IncompleteReading,
    NoAnswer,
)
from installer_app.devices.profiles import ReaderProfile, ReaderProfiles
from installer_app.devices.transport import Transport
from installer_app.domain.identifiers import (
    normalise_eui64,
    normalise_hex,
    normalise_text_id,
    normalise_version,
)
from installer_app.domain.model import DeviceReading

SOURCE = "iec62056-21"
MARGIN = 0.5
"""Allowance on top of the standard's maximum times for adapter latency and scheduling."""
QUIET_BEFORE_RETRY = 0.5
"""Silence awaited before signing on again (the device must have finished talking)."""

FIRST_BYTE_TIMEOUT = proto.REACTION_TIME_MAX + MARGIN
GAP_TIMEOUT = proto.CHAR_GAP_MAX + MARGIN

_RESTART = None

Progress = Callable[[str], None]


@dataclass(frozen=True, slots=True)
class OpticalReadout:
    """A complete, verified exchange."""

    identification: proto.Identification
    block: proto.DataBlock
    baud: int
    """Speed the data block was read at."""
    fell_back: bool = False
    """True when the device did not switch speed and the block was read at 300 baud."""

    @property
    def raw(self) -> str:
        return self.identification.raw + "\r\n" + self.block.text


def read_optical(
    transport: Transport,
    deadline: float,
    profiles: ReaderProfiles,
    on_progress: Progress | None = None,
) -> OpticalReadout:
    """One full mode C data readout (the port must be open at 300 baud, 7E1)."""
    progress = on_progress or (lambda _: None)
    progress("Waking the device (300 baud)…")
    ident, ident_end, pending = _sign_on(transport, deadline)
    profile = profiles.for_flag(ident.flag)
    baud_char = ident.baud_char if ident.baud_char in proto.MODE_C_BAUDS else "0"
    if not profile.switch_baud:
        baud_char = "0"
    progress(f"Reading {ident.manufacturer_flag} device at {proto.MODE_C_BAUDS[baud_char]} baud…")
    readout = _readout(transport, ident, ident_end, pending, baud_char, deadline)
    if readout is not None:
        return readout
    progress("The device did not change speed: reading again at 300 baud…")
    _wait_quiet(transport, deadline)
    transport.set_baudrate(proto.SIGN_ON_BAUD)
    ident, ident_end, pending = _sign_on(transport, deadline)
    readout = _readout(transport, ident, ident_end, pending, "0", deadline, retried=True)
    if readout is None:  # pragma: no cover - at 300 baud there is no speed to fall back from
        raise _wrong_speed(transport.port)
    return readout


def reading_from_readout(readout: OpticalReadout, profile: ReaderProfile) -> DeviceReading:
    """Pick the identifiers out of the data sets by the profile's addresses, normalised."""
    values = {name: readout.block.value_at(address) for name, address in profile.addresses.items()}
    raw_id = values.get("device_id")
    where = f"address {profile.addresses.get('device_id')} ({profile.key} profile)"
    if not raw_id:
        raise IncompleteReading(
            f"The device answered but sent no Device ID at {where}. Its manufacturer may need "
            "a reader profile: read the Device ID from the label with the barcode scanner."
        )
    try:
        device_id = normalise_eui64(raw_id)
    except ValueError as exc:
        raise IncompleteReading(
            f"The device sent Device ID {raw_id!r} at {where}, which is not an EUI-64. "
            "Read the Device ID from the label with the barcode scanner instead."
        ) from exc
    return DeviceReading(
        device_id=device_id,
        source=SOURCE,
        raw=readout.raw,
        device_type=_lenient(values.get("device_type"), normalise_text_id),
        manufacturer=_lenient(values.get("manufacturer"), _hex_or_text),
        model=_lenient(values.get("model"), _hex_or_text),
        hardware_version=_lenient(values.get("hardware_version"), normalise_version),
        firmware_version=_lenient(values.get("firmware_version"), normalise_version),
    )


def _hex_or_text(value: str) -> str:
    try:
        return normalise_hex(value)
    except ValueError:
        return normalise_text_id(value)


def _lenient(value: str | None, normalise: Callable[[str], str]) -> str | None:
    if value is None:
        return None
    try:
        return normalise(value)
    except ValueError:
        return None


# session steps ----------------------------------------------------------------------


def _sign_on(transport: Transport, deadline: float) -> tuple[proto.Identification, float, bytes]:
    """Send the request (once more if the device stays silent) and read the identification.

    Returns the identification, the time its last byte arrived, and any bytes after it.
    """
    request = proto.sign_on_request()
    for _attempt in range(2):
        transport.write(request)
        found = _read_ident_line(transport, request, deadline)
        if found is not None:
            return found
    raise NoAnswer(
        f"The device on {transport.port} did not answer. Check the optical probe sits squarely "
        "on the device's optical port (cable pointing down) and that the device is powered, "
        "then read again."
    )


def _read_ident_line(
    transport: Transport, request: bytes, deadline: float
) -> tuple[proto.Identification, float, bytes] | None:
    """The identification line; None when nothing at all arrived in the allowed time."""
    buf = bytearray()
    limit = min(deadline, time.monotonic() + FIRST_BYTE_TIMEOUT)
    while True:
        data = transport.read(limit)
        if not data:
            if not buf:
                if time.monotonic() >= deadline:
                    raise _out_of_time(transport.port)
                return None
            raise _garbled(transport.port, bytes(buf))
        now = time.monotonic()
        buf.extend(_strip_parity(data))
        while (newline := buf.find(b"\n")) >= 0:
            line, rest = bytes(buf[: newline + 1]), bytes(buf[newline + 1 :])
            del buf[: newline + 1]
            text = _drop_noise(line)
            if not text.strip() or text.rstrip(b"\r\n") == request.rstrip(b"\r\n"):
                continue  # an empty line, or the probe echoing our request
            try:
                return proto.parse_identification(text), now, rest
            except proto.FrameError as exc:
                raise _garbled(transport.port, line, str(exc)) from exc
        if len(buf) > proto.MAX_IDENT_LINE or not _could_be_ident(bytes(buf)):
            raise _garbled(transport.port, bytes(buf))
        limit = min(deadline, now + GAP_TIMEOUT)


def _readout(
    transport: Transport,
    ident: proto.Identification,
    ident_end: float,
    pending: bytes,
    baud_char: str,
    deadline: float,
    *,
    retried: bool = False,
) -> OpticalReadout | None:
    """Acknowledge, switch speed and read the block; None means sign on again at 300 baud."""
    buf = bytearray(pending)
    # The standard's reaction time: answer no sooner than tr(min) after the identification.
    # Wait by reading, so a device that sends its data unasked (mode A/B) is not missed.
    answer_at = ident_end + ident.reaction_time_min
    while proto.STX not in buf and (data := transport.read(min(answer_at, deadline))):
        buf.extend(_strip_parity(data))
    if proto.STX in buf:
        return _read_block(transport, ident, buf, b"", switched=False, deadline=deadline)
    buf.clear()  # whatever came before our acknowledgement is not the data block
    ack = proto.ack_option_select(baud_char)
    transport.write(ack)
    new_baud = proto.MODE_C_BAUDS[baud_char]
    switched = new_baud != transport.baudrate
    if switched:
        transport.set_baudrate(new_baud)
    readout = _read_block(transport, ident, buf, ack, switched=switched, deadline=deadline)
    if readout is None and retried:
        raise _wrong_speed(transport.port)
    return readout


def _read_block(
    transport: Transport,
    ident: proto.Identification,
    buf: bytearray,
    ack: bytes,
    *,
    switched: bool,
    deadline: float,
) -> OpticalReadout | None:
    """Read ``STX … ETX BCC``. Garbage where STX belongs after a speed switch means the device
    kept its old speed: drop back to 300 baud at once and take the rest of the block, whose
    BCC does not cover the lost STX. None when that cannot recover the block."""
    fell_back = False
    start: int | None = None  # index of the first data byte (just after STX, if seen)
    limit = min(deadline, time.monotonic() + FIRST_BYTE_TIMEOUT)
    got_any = False
    while True:
        if start is None:
            _drop_echo(buf, ack)
            stx = buf.find(proto.STX)
            noise = buf[: stx if stx >= 0 else len(buf)].strip(b"\r\n")
            if ack and buf and ack.startswith(buf):
                noise = bytearray()  # perhaps the start of an echo: wait for the rest
            if noise and switched and not fell_back:
                transport.set_baudrate(proto.SIGN_ON_BAUD)
                fell_back = True
                buf.clear()
                start = 0
            elif stx >= 0:
                start = stx + 1
        if start is not None:
            if fell_back and start == 0 and buf[:1] == bytes([proto.STX]):
                start = 1
            end = proto.find_block_end(buf, start)
            if end is not None:
                return _finish(transport, ident, bytes(buf[start:end]), fell_back, start)
        if len(buf) > proto.MAX_DATA_BLOCK:
            raise _garbled(transport.port, bytes(buf[:64]))
        data = transport.read(limit)
        if not data:
            if time.monotonic() >= deadline:
                raise _out_of_time(transport.port)
            if fell_back or (switched and not got_any):
                return _RESTART
            if not got_any:
                raise NoAnswer(
                    f"The device on {transport.port} identified itself but sent no data. "
                    "Keep the probe still on the optical port and read again."
                )
            raise _garbled(transport.port, bytes(buf[:64]), "the data stopped before its end")
        got_any = True
        buf.extend(_strip_parity(data))
        limit = min(deadline, time.monotonic() + GAP_TIMEOUT)


def _finish(
    transport: Transport,
    ident: proto.Identification,
    body: bytes,
    fell_back: bool,
    start: int,
) -> OpticalReadout | None:
    try:
        text = proto.verify_block(body)
    except proto.ChecksumError as exc:
        if fell_back and start == 0:
            return _RESTART  # the lost STX may have taken data bytes with it
        raise ChecksumFailed(
            f"The data from the device on {transport.port} was corrupted (checksum error: "
            f"{exc}). Hold the probe still on the optical port and read again."
        ) from exc
    except proto.FrameError as exc:
        if fell_back:
            return _RESTART
        raise _garbled(transport.port, body[:64], str(exc)) from exc
    block = proto.DataBlock(data_sets=tuple(proto.parse_data_sets(text)), text=text)
    return OpticalReadout(
        identification=ident, block=block, baud=transport.baudrate, fell_back=fell_back
    )


def _wait_quiet(transport: Transport, deadline: float) -> None:
    """Read and drop bytes until the line has been silent for QUIET_BEFORE_RETRY seconds."""
    while transport.read(min(deadline, time.monotonic() + QUIET_BEFORE_RETRY)):
        pass
    if time.monotonic() >= deadline:
        raise _out_of_time(transport.port)


# helpers ------------------------------------------------------------------------------


def _strip_parity(data: bytes) -> bytes:
    """7E1: the eighth bit is parity (kept by some adapters and bridges), not data."""
    return bytes(b & 0x7F for b in data)


def _drop_noise(line: bytes) -> bytes:
    """Drop idle-line noise (NUL, DEL, stray control bytes) before the '/' of a message."""
    slash = line.find(b"/")
    if slash > 0 and all(b < 0x20 or b == 0x7F for b in line[:slash]):
        return line[slash:]
    return line


def _could_be_ident(partial: bytes) -> bool:
    """False as soon as an unfinished line can no longer become an identification, so
    garbage is reported at once instead of after the inter-character timeout."""
    text = partial.lstrip(bytes(range(0x20)) + b"\x7f")
    if not text:
        return True
    return text.startswith(b"/") and all(0x20 <= b < 0x7F or b == 0x0D for b in text)


def _drop_echo(buf: bytearray, ack: bytes) -> None:
    """Remove the probe's echo of our acknowledgement from the start of ``buf``."""
    if ack and buf.startswith(ack):
        del buf[: len(ack)]


def _garbled(port: str, sample: bytes, why: str = "") -> GarbledAnswer:
    shown = sample[:40].decode("ascii", errors="replace")
    reason = f" ({why})" if why else ""
    return GarbledAnswer(
        f"The device on {port} answered with something unreadable{reason}: {shown!r}. "
        "Check the probe sits squarely on the optical port and that this is an IEC 62056-21 "
        "device, then read again."
    )


def _wrong_speed(port: str) -> GarbledAnswer:
    return GarbledAnswer(
        f"The device on {port} answered at an unexpected speed and could not be read, even at "
        "300 baud. Read again; if it keeps failing, read the label with the barcode scanner."
    )


def _out_of_time(port: str) -> NoAnswer:
    return NoAnswer(
        f"The device on {port} did not finish answering in time. Keep the probe still on the "
        "optical port and read again."
    )
