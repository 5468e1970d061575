"""Reader profiles: which IEC 62056-21 address holds which identifier, per manufacturer flag.

The mapping is data (``resources/reader_profiles.toml``), never code: a ``[default]`` table and
``[manufacturers.XXX]`` tables keyed by the 3-letter flag that override some addresses.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from functools import lru_cache
from typing import Any

from installer_app import paths

FIELDS = (
    "device_id",
    "manufacturer",
    "model",
    "hardware_version",
    "firmware_version",
    "device_type",
)
"""DeviceReading fields a profile can map to an address."""

PROFILE_FILE = "reader_profiles.toml"


@dataclass(frozen=True, slots=True)
class ReaderProfile:
    """Addresses for one manufacturer (or the default)."""

    key: str
    name: str = ""
    addresses: Mapping[str, str] = field(default_factory=dict)
    switch_baud: bool = True
    """False for models known never to switch speed: read at 300 baud from the start."""


@dataclass(frozen=True, slots=True)
class ReaderProfiles:
    """The default profile and the per-manufacturer overrides."""

    default: ReaderProfile
    manufacturers: Mapping[str, ReaderProfile]

    def for_flag(self, flag: str) -> ReaderProfile:
        """The profile for a manufacturer flag (any case), or the default one."""
        return self.manufacturers.get(flag.upper(), self.default)


def parse_profiles(data: Mapping[str, Any]) -> ReaderProfiles:
    """Build profiles from the TOML document's tables; ValueError names a bad entry."""
    default_table = data.get("default")
    if not isinstance(default_table, dict):
        raise ValueError(f"{PROFILE_FILE}: a [default] table is required")
    default = _profile("default", default_table, None)
    manufacturers: dict[str, ReaderProfile] = {}
    tables = data.get("manufacturers", {})
    if not isinstance(tables, dict):
        raise ValueError(f"{PROFILE_FILE}: [manufacturers] must be a table of tables")
    for flag, table in tables.items():
        if len(flag) != 3 or not flag.isalpha():
            raise ValueError(f"{PROFILE_FILE}: {flag!r} is not a 3-letter manufacturer flag")
        if not isinstance(table, dict):
            raise ValueError(f"{PROFILE_FILE}: manufacturers.{flag} must be a table")
        manufacturers[flag.upper()] = _profile(flag.upper(), table, default)
    return ReaderProfiles(default=default, manufacturers=manufacturers)


def _profile(key: str, table: Mapping[str, Any], base: ReaderProfile | None) -> ReaderProfile:
    unknown = set(table) - set(FIELDS) - {"name", "switch_baud"}
    if unknown:
        raise ValueError(f"{PROFILE_FILE}: [{key}] has unknown keys {sorted(unknown)}")
    addresses = dict(base.addresses) if base else {}
    for name in FIELDS:
        if name in table:
            value = table[name]
            if not isinstance(value, str) or not value.strip():
                raise ValueError(f"{PROFILE_FILE}: [{key}] {name} must be an address string")
            addresses[name] = value.strip()
    if "device_id" not in addresses:
        raise ValueError(f"{PROFILE_FILE}: [{key}] has no device_id address")
    profile = ReaderProfile(key=key, name=str(table.get("name", "")), addresses=addresses)
    switch = table.get("switch_baud", base.switch_baud if base else True)
    if not isinstance(switch, bool):
        raise ValueError(f"{PROFILE_FILE}: [{key}] switch_baud must be true or false")
    return replace(profile, switch_baud=switch)


@lru_cache(maxsize=1)
def load_profiles() -> ReaderProfiles:
    """The bundled reader profiles (read once)."""
    text = paths.resource(PROFILE_FILE).read_text(encoding="utf-8")
    return parse_profiles(tomllib.loads(text))
