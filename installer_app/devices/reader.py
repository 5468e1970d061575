"""The one entry point for reading a PPMID: ``read_device(port, protocol)`` → DeviceReading.

The CLI, the ``check`` use case and the GUI all call :func:`read_device`. It opens the port,
reads one device within a bounded time, always closes the port, and raises only
:class:`~installer_app.devices.errors.DeviceError` (a UserError) for anything a real device or
port can do. Pass a ``threading.Event`` as ``cancel`` to stop a read from another thread.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from installer_app.devices import barcode, iec62056, optical
from installer_app.devices.errors import DeviceError
from installer_app.devices.profiles import ReaderProfiles, load_profiles
from installer_app.devices.transport import Transport
from installer_app.domain.model import DeviceReading

BARCODE = "barcode"
IEC62056_21 = "iec62056-21"
PROTOCOLS = (BARCODE, IEC62056_21)
DEFAULT_PROTOCOL = BARCODE

DEFAULT_TIMEOUTS = {BARCODE: 15.0, IEC62056_21: 20.0}
"""Overall limit in seconds: time to scan a label; a full optical readout even at 300 baud.
A silent optical device is reported much sooner (the standard's reaction time, twice)."""

RESCAN_MESSAGE = (
    "The install code on the label did not pass its check (CRC-16/X-25), so it was misread "
    "or the label is damaged. Rescan the label; if it fails again, type the install code in."
)


def read_device(
    port: str,
    protocol: str = DEFAULT_PROTOCOL,
    *,
    timeout: float | None = None,
    cancel: threading.Event | None = None,
    profiles: ReaderProfiles | None = None,
    on_progress: Callable[[str], None] | None = None,
) -> DeviceReading:
    """Read one device on ``port`` (path or pyserial URL) with ``protocol``.

    ``timeout`` is the overall limit in seconds (default per protocol, DEFAULT_TIMEOUTS).
    A barcode reading whose install code fails its CRC is returned with
    ``install_code_valid=False``: callers decide (see :func:`install_code_problem`).
    """
    if protocol not in PROTOCOLS:
        raise DeviceError(f"Unknown protocol {protocol!r}: use one of {', '.join(PROTOCOLS)}.")
    limit = DEFAULT_TIMEOUTS[protocol] if timeout is None else timeout
    if limit <= 0:
        raise DeviceError("The read timeout must be a positive number of seconds.")
    if protocol == BARCODE:
        with Transport.open(port, baudrate=barcode.SCANNER_BAUD, cancel=cancel) as link:
            return barcode.read_scan(link, time.monotonic() + limit, on_progress=on_progress)
    chosen = profiles or load_profiles()
    with Transport.open(
        port,
        baudrate=iec62056.SIGN_ON_BAUD,
        bytesize=7,
        parity="E",
        stopbits=1,
        cancel=cancel,
    ) as link:
        readout = optical.read_optical(link, time.monotonic() + limit, chosen, on_progress)
    profile = chosen.for_flag(readout.identification.flag)
    return optical.reading_from_readout(readout, profile)


def install_code_problem(reading: DeviceReading) -> str | None:
    """The message to show when the reading's install code failed its CRC, else None."""
    if reading.install_code_valid is False:
        return RESCAN_MESSAGE
    return None
