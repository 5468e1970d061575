"""Serial transports over pyserial's ``serial_for_url``: bounded, cancellable byte I/O.

A port is a device path (``/dev/ttyUSB0``, ``COM3``, a pty) or a pyserial URL (``socket://``,
``rfc2217://``, ``loop://``). Every failure a real port produces becomes a
:class:`~installer_app.devices.errors.DeviceError` that says what to do; the port is always
closed when the ``with`` block ends.
"""

from __future__ import annotations

import contextlib
import errno
import os
import select
import sys
import threading
import time
from types import TracebackType
from typing import Any

import serial

from installer_app.devices.errors import (
    DeviceError,
    PortBusy,
    PortNotFound,
    PortPermissionDenied,
    PortVanished,
    ReadCancelled,
)

CANCEL_SLICE = 0.1
"""Longest a read waits before looking at the cancel flag again (data wakes it at once)."""
WRITE_TIMEOUT = 3.0

try:
    import termios

    _TERMIOS_ERRORS: tuple[type[BaseException], ...] = (termios.error,)
except ImportError:  # Windows
    _TERMIOS_ERRORS = ()
_PORT_ERRORS = (serial.SerialException, OSError, *_TERMIOS_ERRORS)

_NOT_FOUND = {errno.ENOENT, errno.ENODEV, errno.ENXIO}
_DENIED = {errno.EACCES, errno.EPERM}
_BUSY = {errno.EBUSY, errno.EAGAIN, errno.EWOULDBLOCK}


def is_url(port: str) -> bool:
    """True for a pyserial URL such as ``socket://host:port``, false for a device path."""
    return "://" in port


def open_error(port: str, exc: BaseException) -> DeviceError:
    """Translate a failure to open ``port`` into a message a field installer can act on."""
    code = getattr(exc, "errno", None)
    text = str(exc)
    windows = sys.platform == "win32"
    if isinstance(exc, ValueError):
        return DeviceError(
            f"{port!r} is not a port this app can open: {text}. Give a device path such as "
            "/dev/ttyUSB0 or COM3, or a URL such as socket://host:port."
        )
    if code in _NOT_FOUND or "FileNotFoundError" in text:
        return PortNotFound(
            f"Port {port} was not found. Check the probe or scanner is plugged in, "
            "then pick its port again from the list."
        )
    if code in _BUSY or (windows and ("Access is denied" in text or "PermissionError" in text)):
        return PortBusy(
            f"Port {port} is in use by another program (another reading window or a terminal "
            "program?). Close that program and try again."
        )
    if code in _DENIED:
        return PortPermissionDenied(
            f"Permission denied opening {port}. Add your user to the 'dialout' group with "
            "`sudo usermod -aG dialout $USER`, log out and back in, then try again."
        )
    return DeviceError(
        f"Could not open {port}: {text}. Check the port name and the cable, then try again."
    )


def vanished_error(port: str, exc: BaseException | None = None) -> PortVanished:
    detail = f" ({exc})" if exc is not None and str(exc) else ""
    return PortVanished(
        f"The connection to {port} was lost during the read{detail}: was the probe or scanner "
        "unplugged? Plug it back in and read again."
    )


class Transport:
    """One open port. Use :meth:`open` in a ``with`` block; reads never wait past a deadline."""

    def __init__(self, port: str, link: Any, cancel: threading.Event | None) -> None:
        self.port = port
        self._link = link
        self._cancel = cancel
        self._fileno: int | None = None
        self.opened_at = time.monotonic()
        if os.name == "posix":
            try:
                self._fileno = int(link.fileno())
            except (AttributeError, OSError, ValueError):
                self._fileno = None
        if self._fileno is None:
            link.timeout = CANCEL_SLICE

    @classmethod
    def open(
        cls,
        port: str,
        *,
        baudrate: int,
        bytesize: int = 8,
        parity: str = "N",
        stopbits: float = 1,
        cancel: threading.Event | None = None,
    ) -> Transport:
        """Open ``port`` with these line settings (exclusively, where the platform allows)."""
        if not port.strip():
            raise DeviceError("No port given: pick the probe's or scanner's port first.")
        if cancel is not None and cancel.is_set():
            raise ReadCancelled()
        options: dict[str, Any] = {
            "baudrate": baudrate,
            "bytesize": bytesize,
            "parity": parity,
            "stopbits": stopbits,
            "timeout": 0,
            "write_timeout": WRITE_TIMEOUT,
            "do_not_open": True,
        }
        if os.name == "posix" and not is_url(port):
            options["exclusive"] = True
        try:
            link = _open_link(port, options)
        except (*_PORT_ERRORS, ValueError) as exc:
            raise open_error(port, exc) from exc
        try:
            return cls(port, link, cancel)
        except BaseException:
            _close_quietly(link)
            raise

    # context management -------------------------------------------------------------
    def __enter__(self) -> Transport:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        """Close the port; a port that vanished closes without complaint."""
        _close_quietly(self._link)

    # I/O ----------------------------------------------------------------------------
    @property
    def baudrate(self) -> int:
        return int(self._link.baudrate)

    def set_baudrate(self, baud: int) -> None:
        if baud == self.baudrate:
            return
        try:
            self._link.baudrate = baud
        except _PORT_ERRORS as exc:
            raise vanished_error(self.port, exc) from exc

    def check_cancel(self) -> None:
        if self._cancel is not None and self._cancel.is_set():
            raise ReadCancelled()

    def write(self, data: bytes) -> None:
        """Send ``data`` and wait until it has left the port (tcdrain on POSIX)."""
        self.check_cancel()
        try:
            self._link.write(data)
            self._link.flush()
        except serial.SerialTimeoutException as exc:
            raise DeviceError(
                f"Could not send to {self.port}: the port did not accept data. "
                "Unplug the probe, plug it back in and try again."
            ) from exc
        except _PORT_ERRORS as exc:
            raise vanished_error(self.port, exc) from exc

    def read(self, deadline: float) -> bytes:
        """Bytes as soon as any arrive; ``b""`` once ``deadline`` (monotonic) has passed."""
        while True:
            self.check_cancel()
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return b""
            wait = min(remaining, CANCEL_SLICE)
            try:
                if self._fileno is not None:
                    ready, _, _ = select.select([self._fileno], [], [], wait)
                    if not ready:
                        continue
                    data = bytes(self._link.read(4096))
                    if not data:
                        raise vanished_error(self.port)
                else:
                    data = bytes(self._link.read(max(1, int(self._link.in_waiting))))
            except _PORT_ERRORS as exc:
                raise vanished_error(self.port, exc) from exc
            if data:
                return data

    def discard_input(self) -> None:
        """Drop whatever the port has received and not yet been read."""
        try:
            self._link.reset_input_buffer()
        except _PORT_ERRORS as exc:
            raise vanished_error(self.port, exc) from exc


def _open_link(port: str, options: dict[str, Any]) -> Any:
    """``serial_for_url`` + open. A pty accepts no 7-bit or parity framing and (on Linux)
    refuses a change of only those with EINVAL: open it 8N1 instead; readers strip parity."""
    link = serial.serial_for_url(port, **options)
    try:
        link.open()
    except _TERMIOS_ERRORS as exc:
        if exc.args[:1] != (errno.EINVAL,) or (options["bytesize"], options["parity"]) == (8, "N"):
            raise
        link = serial.serial_for_url(port, **{**options, "bytesize": 8, "parity": "N"})
        link.open()
    return link


def _close_quietly(link: Any) -> None:
    with contextlib.suppress(*_PORT_ERRORS):
        link.close()
