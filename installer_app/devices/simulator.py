"""A simulated PPMID on a pty: a barcode scanner or an IEC 62056-21 optical port.

``Simulator(profile, protocol).start()`` returns the pty path a reader opens like any serial
port; the device is served by a background thread until :meth:`Simulator.stop`. It behaves like
hardware: the scanner repeats its scan every 2 s; the optical device waits for a sign-on,
keeps the standard's reaction time, switches speed on the acknowledgement, and (``paced``)
takes the wire time of every byte at the current baud in both directions. A pty does not
enforce baud rates, so the simulator checks the reader's line speed (termios) and turns every
byte sent at a different speed into garbage, as a real UART would.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import logging
import os
import pty
import random
import re
import select
import signal
import string
import struct
import termios
import threading
import time
import tty
from collections.abc import Callable
from types import TracebackType

from installer_app.devices import iec62056 as proto
from installer_app.devices.simulator_profiles import (
    DEFAULT_PROFILE,
    SimulatedDevice,
    simulated_device,
)

log = logging.getLogger(__name__)

BARCODE = "barcode"
IEC62056_21 = "iec62056-21"
PROTOCOLS = (BARCODE, IEC62056_21)
SCAN_INTERVAL = 2.0
SCANNER_BAUD = 9600
SLOW_REACTION = 1.4
SLOW_PAUSE = 1.3
STALE_INPUT_LIMIT = 1024

_SIGN_ON = re.compile(rb"/\?([^!\r\n]*)!\r\n")
_ACK = re.compile(rb"\x06([0-9])([0-9A-Z])([0-9])\r\n")
_SPEEDS = {
    getattr(termios, f"B{baud}"): baud
    for baud in (300, 600, 1200, 2400, 4800, 9600, 19200, 38400, 57600, 115200)
}


class _Stopped(Exception):
    """The simulator was asked to stop (or unplugged itself)."""


class Simulator:
    """A simulated PPMID served from a background thread; use as a context manager or
    call :meth:`start` and :meth:`stop`."""

    def __init__(
        self,
        profile: str = DEFAULT_PROFILE,
        protocol: str = BARCODE,
        *,
        paced: bool = False,
        scan_interval: float = SCAN_INTERVAL,
        check_line_speed: bool = True,
        seed: int = 62056,
    ) -> None:
        if protocol not in PROTOCOLS:
            raise ValueError(f"unknown protocol {protocol!r}; use one of {', '.join(PROTOCOLS)}")
        self.device: SimulatedDevice = simulated_device(profile)
        self.protocol = protocol
        self.paced = paced
        self.scan_interval = scan_interval
        self.check_line_speed = check_line_speed
        self._rng = random.Random(seed)
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._master = self._slave = -1
        self._wake_r = self._wake_w = -1
        self._pty_lock = threading.Lock()
        self.path = ""
        self.unplugged = False

    # lifecycle ----------------------------------------------------------------------
    def start(self) -> str:
        """Open the pty, start serving, return the path a reader should open."""
        if self._thread is not None:
            raise RuntimeError("simulator already started")
        self._master, self._slave = pty.openpty()
        tty.setraw(self._slave)  # no echo of our own output before a reader configures it
        os.set_blocking(self._master, False)
        self._wake_r, self._wake_w = os.pipe()
        self.path = os.ttyname(self._slave)
        self._thread = threading.Thread(
            target=self._run, name=f"ppmid-simulator-{self.device.name}", daemon=True
        )
        self._thread.start()
        return self.path

    def stop(self, timeout: float = 5.0) -> None:
        """Stop serving and close the pty (a reader still reading sees the port vanish)."""
        self._stop.set()
        if self._wake_w >= 0:
            with contextlib.suppress(OSError):
                os.write(self._wake_w, b"x")
        if self._thread is not None:
            self._thread.join(timeout)
        self._close_pty()
        for fd in (self._wake_r, self._wake_w):
            if fd >= 0:
                with contextlib.suppress(OSError):
                    os.close(fd)
        self._wake_r = self._wake_w = -1

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def wait(self, timeout: float | None = None) -> bool:
        """Wait for the serving thread to end; True if it has."""
        if self._thread is None:
            return True
        self._thread.join(timeout)
        return not self._thread.is_alive()

    def __enter__(self) -> Simulator:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    # serving --------------------------------------------------------------------------
    def _run(self) -> None:
        try:
            if self.protocol == BARCODE:
                self._serve_barcode()
            else:
                self._serve_iec()
        except _Stopped:
            pass
        except OSError as exc:  # the pty went away under us: nothing left to serve
            log.info("simulator %s stopped: %s", self.device.name, exc)

    def _serve_barcode(self) -> None:
        fault = self.device.fault
        next_scan = time.monotonic()
        if fault == "unplugged":  # give a reader time to open the port before vanishing
            next_scan += self.scan_interval
        while True:
            ready = self._wait_input(max(0.0, next_scan - time.monotonic()))
            if ready:
                self._read_input()  # a scanner ignores what it is sent
            if time.monotonic() < next_scan:
                continue
            next_scan = max(next_scan + self.scan_interval, time.monotonic())
            if fault == "silent":
                continue
            self._drop_stale_input()
            line = self._garbage_line() if fault == "garbage" else self.device.scan_line()
            payload = line.encode("ascii") + b"\r\n"
            if fault == "unplugged":
                self._send(payload[: len(payload) // 2], SCANNER_BAUD)
                self._unplug()
            self._send(payload, SCANNER_BAUD)

    def _serve_iec(self) -> None:
        fault = self.device.fault
        buf = bytearray()
        awaiting_ack = False
        rx_done = 0.0
        while True:
            self._wait_input(None)
            data = self._read_input()
            if not data:
                continue
            # Paced: a message has arrived only once its last byte has crossed the wire.
            rx_done = max(rx_done, time.monotonic()) + self._wire_time(len(data))
            buf.extend(b & 0x7F for b in data)
            while True:
                sign_on = _SIGN_ON.search(buf)
                ack = _ACK.search(buf) if awaiting_ack else None
                match = min(
                    (m for m in (sign_on, ack) if m is not None),
                    key=lambda m: m.start(),
                    default=None,
                )
                if match is None:
                    del buf[: max(0, len(buf) - 64)]  # keep only a possible partial message
                    break
                received = rx_done - self._wire_time(len(buf) - match.end())
                is_sign_on, groups = match is sign_on, match.groups()
                del buf[: match.end()]  # (a match's groups would follow the buffer's changes)
                if is_sign_on:
                    awaiting_ack = self._answer_sign_on(received, fault)
                else:
                    awaiting_ack = False
                    self._answer_ack(groups[1].decode(), groups[2].decode(), received, fault)

    def _wire_time(self, n_bytes: int) -> float:
        """Time the reader's bytes take to reach the device (it talks at 300 baud)."""
        return proto.wire_time(n_bytes, proto.SIGN_ON_BAUD) if self.paced else 0.0

    def _reaction(self, fault: str | None) -> float:
        if fault == "slow":
            return SLOW_REACTION
        fast = self.device.flag[2].islower()
        return proto.REACTION_TIME_MIN_FAST if fast else proto.REACTION_TIME_MIN

    def _answer_sign_on(self, received: float, fault: str | None) -> bool:
        """Answer a sign-on; True when the device now waits for an acknowledgement."""
        if fault == "silent":
            return False
        self._sleep_until(received + self._reaction(fault))
        if fault == "garbage":
            self._send(bytes(self._rng.randrange(256) for _ in range(48)), 300)
            return False
        self._send(self.device.identification(), 300)
        return True

    def _answer_ack(self, baud_char: str, mode: str, received: float, fault: str | None) -> None:
        if mode != "0":
            return  # programming mode is not simulated: stay silent, as a read-only device
        offered = self.device.baud_char
        if baud_char not in proto.MODE_C_BAUDS or baud_char > offered:
            baud_char = offered if offered in proto.MODE_C_BAUDS else "0"
        baud = 300 if fault == "no-baud-switch" else proto.MODE_C_BAUDS[baud_char]
        self._sleep_until(received + self._reaction(fault))
        block = proto.build_data_block(self.device.data_lines(), corrupt_bcc=fault == "bad-bcc")
        half = len(block) // 2
        if fault == "unplugged":
            self._send(block[:half], baud)
            self._unplug()
        if fault == "slow":
            self._send(block[:half], baud)
            self._sleep_until(time.monotonic() + SLOW_PAUSE)
            self._send(block[half:], baud)
            return
        self._send(block, baud)

    # wire -------------------------------------------------------------------------------
    def _send(self, data: bytes, baud: int) -> None:
        """Write ``data`` as a device at ``baud`` would; each byte lands once it has fully
        crossed the wire when paced. Bytes at a speed the reader is not set to are garbled."""
        if not self.paced:
            self._write(data if self._line_matches(baud) else _garble(data))
            return
        byte_time = proto.wire_time(1, baud)
        start = time.monotonic()
        sent = 0
        while sent < len(data):
            self._sleep_until(start + (sent + 1) * byte_time)
            due = min(len(data), int((time.monotonic() - start) / byte_time))
            chunk = data[sent : max(due, sent + 1)]
            self._write(chunk if self._line_matches(baud) else _garble(chunk))
            sent += len(chunk)

    def _line_matches(self, baud: int) -> bool:
        if not self.check_line_speed:
            return True
        try:
            speed = termios.tcgetattr(self._slave)[4]
        except (termios.error, OSError):
            return True
        return _SPEEDS.get(speed) == baud

    def _write(self, data: bytes) -> None:
        view = memoryview(data)
        while view:
            if self._stop.is_set():
                raise _Stopped
            try:
                written = os.write(self._master, view)
            except BlockingIOError:
                _, writable, _ = select.select([self._wake_r], [self._master], [], 0.5)
                if not writable:
                    return  # nobody is reading and the buffer is full: the bytes are lost
                continue
            view = view[written:]

    def _wait_input(self, timeout: float | None) -> bool:
        ready, _, _ = select.select([self._master, self._wake_r], [], [], timeout)
        if self._stop.is_set():
            raise _Stopped
        return self._master in ready

    def _read_input(self) -> bytes:
        try:
            return os.read(self._master, 4096)
        except BlockingIOError:
            return b""
        except OSError as exc:
            if exc.errno == errno.EIO:  # no reader has the port open: nothing to read
                return b""
            raise

    def _sleep_until(self, when: float) -> None:
        delay = when - time.monotonic()
        if delay > 0 and self._stop.wait(delay):
            raise _Stopped

    def _drop_stale_input(self) -> None:
        """A scanner whose scans nobody reads loses them: keep the pty buffer from filling."""
        try:
            waiting = struct.unpack("I", fcntl.ioctl(self._slave, termios.FIONREAD, b"\0" * 4))[0]
            if waiting > STALE_INPUT_LIMIT:
                termios.tcflush(self._slave, termios.TCIFLUSH)
        except (OSError, termios.error):
            pass

    def _garbage_line(self) -> str:
        alphabet = string.ascii_letters + string.digits + "#%&*+<>?@^~"
        return "".join(self._rng.choice(alphabet) for _ in range(24))

    def _unplug(self) -> None:
        self.unplugged = True
        self._close_pty()
        raise _Stopped

    def _close_pty(self) -> None:
        with self._pty_lock:
            for fd in (self._master, self._slave):
                if fd >= 0:
                    with contextlib.suppress(OSError):
                        os.close(fd)
            self._master = self._slave = -1


def _garble(data: bytes) -> bytes:
    """What a UART set to another speed makes of ``data``: framing errors read as NULs."""
    return b"\x00" * len(data)


def serve(
    profile: str = DEFAULT_PROFILE,
    protocol: str = BARCODE,
    *,
    paced: bool = False,
    announce: Callable[[str], None] = print,
    stop: threading.Event | None = None,
) -> int:
    """Run a simulator until ``stop`` is set, SIGTERM/SIGINT arrives or the device unplugs
    itself; ``announce`` gets the pty path first. Returns 0."""
    stop = stop or threading.Event()
    simulator = Simulator(profile, protocol, paced=paced)
    previous = None
    if threading.current_thread() is threading.main_thread():
        previous = signal.signal(signal.SIGTERM, lambda *_: stop.set())
    try:
        announce(simulator.start())
        while not stop.wait(0.5) and simulator.running:
            pass
    except KeyboardInterrupt:
        pass
    finally:
        simulator.stop()
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)
    return 0


def main(argv: list[str] | None = None) -> int:
    """``python -m installer_app.devices.simulator [PROFILE] [PROTOCOL] [--paced]``."""
    import sys

    args = list(sys.argv[1:] if argv is None else argv)
    paced = "--paced" in args
    args = [a for a in args if a != "--paced"]
    profile = args[0] if args else DEFAULT_PROFILE
    protocol = args[1] if len(args) > 1 else BARCODE
    return serve(profile, protocol, paced=paced, announce=lambda p: print(p, flush=True))


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
