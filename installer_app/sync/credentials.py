"""The remembered sync token: a file of its own in the data directory, readable by this user only.

Kept out of ``settings.json`` so that settings can be shown, copied or attached to a support
request without leaking the token. ``INSTALLER_APP_TOKEN`` overrides the file (and is never
written to it).
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

TOKEN_FILE = "sync_token"
TOKEN_ENV = "INSTALLER_APP_TOKEN"


def token_path(data_dir: Path) -> Path:
    return data_dir / TOKEN_FILE


def stored_token(data_dir: Path) -> str | None:
    try:
        text = token_path(data_dir).read_text(encoding="utf-8").strip()
    except (OSError, UnicodeDecodeError):
        return None
    return text or None


def current_token(data_dir: Path) -> str | None:
    """The token to use: ``INSTALLER_APP_TOKEN`` if set, else the remembered one."""
    env = os.environ.get(TOKEN_ENV, "").strip()
    return env or stored_token(data_dir)


def save_token(data_dir: Path, token: str) -> None:
    """Write the token atomically to a file created with mode 0600 (never world-readable)."""
    data_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    target = token_path(data_dir)
    temp = target.with_name(f".{TOKEN_FILE}.{os.getpid()}.tmp")
    fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            if hasattr(os, "fchmod"):
                os.fchmod(handle.fileno(), 0o600)
            handle.write(token.strip() + "\n")
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temp, target)
    finally:
        with contextlib.suppress(FileNotFoundError):
            temp.unlink()


def forget_token(data_dir: Path) -> None:
    with contextlib.suppress(FileNotFoundError):
        token_path(data_dir).unlink()
