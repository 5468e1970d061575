"""Profiles of simulated PPMIDs (``resources/simulator_profiles.toml``): identity, IEC 62056-21
identification, served addresses and an optional fault."""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from installer_app import paths
from installer_app.devices import iec62056 as proto
from installer_app.devices.profiles import FIELDS

PROFILE_FILE = "simulator_profiles.toml"
DEFAULT_PROFILE = "halden-s1"
FAULTS = ("silent", "bad-bcc", "garbage", "no-baud-switch", "slow", "unplugged")
IDENTITY_FIELDS = FIELDS
"""What a simulated device can say about itself: the reading fields a reader profile maps."""


@dataclass(frozen=True, slots=True)
class SimulatedDevice:
    """Everything a simulated PPMID says."""

    name: str
    description: str
    flag: str
    baud_char: str
    ident: str
    addresses: Mapping[str, str]
    identity: Mapping[str, str]
    install_code: str
    fault: str | None = None

    @property
    def device_id(self) -> str:
        return self.identity["device_id"]

    def scan_line(self) -> str:
        """The label's ZigBee-style payload: ``Z:<EUI64>$I:<install code + CRC>``."""
        return f"Z:{self.device_id.replace('-', '')}$I:{self.install_code}"

    def data_lines(self) -> list[str]:
        """The data sets of the readout, ``address(value)``, one a line."""
        lines = []
        for name in IDENTITY_FIELDS:
            address = self.addresses.get(name)
            if address and name in self.identity:
                value = self.identity[name]
                if name == "device_id":
                    value = value.replace("-", "")
                lines.append(f"{address}({value})")
        return lines

    def identification(self) -> bytes:
        return proto.build_identification(self.flag, self.baud_char, self.ident)


def parse_simulator_profiles(data: Mapping[str, Any]) -> dict[str, SimulatedDevice]:
    """All profiles of the TOML document, fault profiles resolved against their base."""
    address_maps = data.get("addresses", {})
    tables: Mapping[str, Mapping[str, Any]] = data.get("profiles", {})
    devices: dict[str, SimulatedDevice] = {}

    def resolve(name: str, seen: tuple[str, ...] = ()) -> dict[str, Any]:
        if name not in tables:
            raise ValueError(f"{PROFILE_FILE}: no profile {name!r}")
        if name in seen:
            raise ValueError(f"{PROFILE_FILE}: profile {name!r} is its own base")
        table = dict(tables[name])
        base = table.pop("base", None)
        merged = resolve(str(base), (*seen, name)) if base else {}
        merged.update(table)
        return merged

    for name in tables:
        table = resolve(name)
        fault = table.get("fault")
        if fault is not None and fault not in FAULTS:
            raise ValueError(f"{PROFILE_FILE}: [{name}] fault must be one of {FAULTS}")
        map_name = table.get("addresses", "default")
        if map_name not in address_maps:
            raise ValueError(f"{PROFILE_FILE}: [{name}] uses unknown addresses {map_name!r}")
        missing = [k for k in ("flag", "baud_char", "ident", "install_code") if k not in table]
        if missing or "device_id" not in table:
            raise ValueError(f"{PROFILE_FILE}: [{name}] lacks {missing or ['device_id']}")
        devices[name] = SimulatedDevice(
            name=name,
            description=str(table.get("description", "")),
            flag=str(table["flag"]),
            baud_char=str(table["baud_char"]),
            ident=str(table["ident"]),
            addresses=dict(address_maps[map_name]),
            identity={k: str(table[k]) for k in IDENTITY_FIELDS if k in table},
            install_code=str(table["install_code"]),
            fault=fault,
        )
    return devices


@lru_cache(maxsize=1)
def load_simulator_profiles() -> dict[str, SimulatedDevice]:
    text = paths.resource(PROFILE_FILE).read_text(encoding="utf-8")
    return parse_simulator_profiles(tomllib.loads(text))


def simulated_device(name: str) -> SimulatedDevice:
    """The named profile; ValueError listing the known names otherwise."""
    devices = load_simulator_profiles()
    if name not in devices:
        raise ValueError(f"no simulator profile {name!r}; known: {', '.join(devices)}")
    return devices[name]
