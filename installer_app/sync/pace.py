"""A floor under the speed of an answer from a server.

httpx's read timeout starts again with every byte that arrives, so a server that trickles its
answer (one byte every few seconds: "slowloris") could hold a sync or a download for days. Once
the grace period is over, an answer must have arrived at least :data:`MIN_BYTES_PER_S` on average,
or the caller stops reading it.
"""

from __future__ import annotations

import time

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
