"""A floor under the speed of an answer from a server.

httpx's read timeout starts again with every byte that arrives, so a server that trickles its
answer (one byte every few seconds: "slowloris") could hold a sync or a download for days. Once
the grace period is over, an answer must have arrived at least :data:`MIN_BYTES_PER_S` on average,
or the caller stops reading it.
"""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from typing import Any

GRACE_S = 60.0
"""The first minute of an answer is never judged (a slow start, a busy server, a weak signal)."""
MIN_BYTES_PER_S = 512.0
"""After that, the least average speed accepted (a poor GPRS signal still manages ~5 KB/s)."""


class Pace:
    """Started when an answer's headers have arrived; ask :meth:`too_slow` after each chunk."""

    def __init__(self) -> None:
        self.grace_s = GRACE_S
        self.min_bytes_per_s = MIN_BYTES_PER_S
        self.started = time.monotonic()

    @property
    def elapsed(self) -> float:
        return time.monotonic() - self.started

    def too_slow(self, received: int) -> bool:
        elapsed = self.elapsed
        return elapsed > self.grace_s and received < self.min_bytes_per_s * elapsed


HEADERS_DEADLINE_S = 90.0
"""From sending a request to the last header of its answer (the back office answers in a second
or two; the read timeout already stops a server that sends nothing for a minute)."""


class HeaderDeadline:
    """Cuts a connection whose answer's headers have not all arrived in time.

    The read timeout starts again with every byte, and the headers arrive before the body speed
    is judged, so a server that trickles its *headers* would otherwise be stopped only by the
    16 KB header limit. Pass :meth:`trace` as httpx's ``trace`` extension: it learns the socket
    when a connection is made (requests then run one at a time on it), arms a timer when a
    request has been sent and disarms it when the headers are in; the timer shuts the socket,
    the read fails, and :attr:`fired` tells the caller why.
    """

    def __init__(self, seconds: float | None = None) -> None:
        self.seconds = HEADERS_DEADLINE_S if seconds is None else seconds
        self.fired = False
        self._socket: socket.socket | None = None
        self._timer: threading.Timer | None = None

    def trace(self, event: str, info: dict[str, Any]) -> None:
        if event in ("connection.connect_tcp.complete", "connection.start_tls.complete"):
            stream = info.get("return_value")
            sock = stream.get_extra_info("socket") if stream is not None else None
            self._socket = sock if isinstance(sock, socket.socket) else None
        elif event == "http11.receive_response_headers.started":
            self.disarm()
            self.fired = False
            self._timer = threading.Timer(self.seconds, self._cut)
            self._timer.daemon = True
            self._timer.start()
        elif event.startswith("http11.receive_response_headers."):
            self.disarm()

    def disarm(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None

    def _cut(self) -> None:
        sock = self._socket
        if sock is None:
            return
        self.fired = True
        with contextlib.suppress(OSError):
            sock.shutdown(socket.SHUT_RDWR)
