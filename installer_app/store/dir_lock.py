"""An exclusive, non-blocking lock on a file in the data directory, for work that must not run
twice at once (a sync from the app and one from the command line, say).

The operating system holds the lock for the process: it ends when the process does, however it
ends (a crash or SIGKILL leaves no stale lock to clear by hand).
"""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Iterator
from pathlib import Path


class LockHeld(Exception):
    """Another process holds the lock."""


@contextlib.contextmanager
def exclusive(path: Path) -> Iterator[None]:
    """Hold the lock on ``path`` (created if missing) for the ``with`` block, or raise
    :class:`LockHeld` at once when another process holds it."""
    with path.open("a+b") as handle:
        if sys.platform == "win32":
            import msvcrt

            try:
                msvcrt.locking(handle.fileno(), msvcrt.LK_NBLCK, 1)
            except OSError:
                raise LockHeld(str(path)) from None
            try:
                yield
            finally:
                handle.seek(0)
                msvcrt.locking(handle.fileno(), msvcrt.LK_UNLCK, 1)
        else:
            import fcntl

            try:
                fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                raise LockHeld(str(path)) from None
            yield  # closing the file releases the lock
