"""User settings kept in the data directory (``settings.json``), with environment overrides."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

DEFAULT_CPL_MAX_AGE_DAYS = 14.0
SETTINGS_FILE = "settings.json"


def load(data_dir: Path) -> dict[str, Any]:
    try:
        data = json.loads((data_dir / SETTINGS_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def save(data_dir: Path, values: dict[str, Any]) -> None:
    """Write atomically: a crash mid-write keeps the old settings."""
    target = data_dir / SETTINGS_FILE
    temp = target.with_suffix(".tmp")
    temp.write_text(json.dumps(values, indent=2, sort_keys=True), encoding="utf-8")
    os.replace(temp, target)


def cpl_max_age_days(data_dir: Path) -> float:
    env = os.environ.get("INSTALLER_APP_CPL_MAX_AGE_DAYS")
    for candidate in (env, load(data_dir).get("cpl_max_age_days")):
        try:
            if candidate is not None and float(candidate) > 0:
                return float(candidate)
        except (TypeError, ValueError):
            continue
    return DEFAULT_CPL_MAX_AGE_DAYS
