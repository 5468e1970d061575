"""Process-wide CLI context: the chosen data directory and the log file."""

from __future__ import annotations

import logging
import traceback
from pathlib import Path

from installer_app import paths

_data_dir: Path | None = None
_log_path: Path | None = None


def configure(data_dir: Path | None) -> None:
    global _data_dir
    _data_dir = data_dir


def data_dir() -> Path:
    """The data directory, created private to the user on first use."""
    path = _data_dir if _data_dir is not None else paths.default_data_dir()
    return paths.ensure_private_dir(path)


def setup_logging() -> Path:
    """Log to a rotating file in the log directory; every line passes the privacy redaction."""
    global _log_path
    if _log_path is not None:
        return _log_path
    import logging.handlers  # only when something is to be logged

    from installer_app.log_privacy import RedactingFormatter

    directory = paths.ensure_private_dir(paths.log_dir())
    _log_path = directory / "installer-app.log"
    handler = logging.handlers.RotatingFileHandler(
        _log_path, maxBytes=2_000_000, backupCount=3, encoding="utf-8"
    )
    handler.setFormatter(RedactingFormatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger("installer_app")
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    return _log_path


def log_exception(exc: BaseException) -> Path:
    try:
        path = setup_logging()
        logging.getLogger("installer_app").error(
            "unexpected error\n%s", "".join(traceback.format_exception(exc))
        )
        return path
    except OSError:
        return Path("(log unavailable)")
