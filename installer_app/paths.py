"""Where the app keeps its data and logs (platformdirs), and access to bundled resources."""

from __future__ import annotations

import os
import re
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path

APP_NAME = "installer-app"
APP_AUTHOR = "InstallerApp"


def default_data_dir() -> Path:
    env = os.environ.get("INSTALLER_APP_DATA_DIR")
    if env:
        return Path(env)
    import platformdirs

    return Path(platformdirs.user_data_dir(APP_NAME, APP_AUTHOR))


def log_dir() -> Path:
    env = os.environ.get("INSTALLER_APP_LOG_DIR")
    if env:
        return Path(env)
    import platformdirs

    return Path(platformdirs.user_log_dir(APP_NAME, APP_AUTHOR))


def ensure_private_dir(path: Path) -> Path:
    """Create a directory readable by this user only (data may hold addresses and MPxNs)."""
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    return path


_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def shown_path(path: str | os.PathLike[str]) -> str:
    """A file path as text fit to show and store.

    A name from another system may hold bytes that are not UTF-8 (Python keeps them as lone
    surrogates, which cannot be printed or stored): they become U+FFFD. Control characters
    (a newline in a file name) are written as escapes, so a message stays one honest line.
    Use it only for messages and records: open the file with the path as given.
    """
    text = os.fspath(path)
    text = text.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
    return _CONTROL.sub(lambda m: m.group().encode("unicode_escape").decode("ascii"), text)


def resource(*parts: str) -> Traversable:
    """A bundled file under ``resources/`` (works from source, installed and frozen)."""
    node = resources.files("installer_app.resources")
    for part in parts:
        node = node.joinpath(part)
    return node


def migrations_dir() -> Traversable:
    return resources.files("installer_app.migrations")
