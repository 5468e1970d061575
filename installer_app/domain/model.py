"""Value types shared by every layer. Pure: no I/O, no Qt, no SQL."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from installer_app.domain.shown import quoted


class Generation(StrEnum):
    SMETS1 = "SMETS1"
    SMETS2 = "SMETS2+"

    @classmethod
    def parse(cls, text: str) -> Generation:
        """Accept the spellings people use for the two generations."""
        key = "".join(ch for ch in text.upper() if ch.isalnum() or ch == "+")
        if key in {"SMETS1", "S1", "1"}:
            return cls.SMETS1
        if key in {"SMETS2", "SMETS2+", "S2", "S2+", "2", "2+", "SMETS2PLUS"}:
            return cls.SMETS2
        raise ValueError(f"{quoted(text)} is not a SMETS generation (use SMETS1 or SMETS2+)")


class Cohort(StrEnum):
    IOC = "IOC"
    MOC = "MOC"
    FOC = "FOC"


DEVICE_TYPES = ("ESME", "GSME", "GPF", "CHF", "HCALCS", "PPMID", "IHD", "CAD")
"""DUIS device types."""

CPL_STATUSES = ("Active", "Cancelled", "Expired", "Withdrawn")

INVENTORY_STATUSES = (
    "Pending",
    "Whitelisted",
    "InstalledNotCommissioned",
    "Commissioned",
    "Decommissioned",
    "Withdrawn",
    "Suspended",
    "Recovery",
    "Recovered",
)


@dataclass(frozen=True, slots=True)
class DeviceReading:
    """What was read from a device (or typed in): identifiers normalised, raw text kept."""

    device_id: str
    source: str  # "iec62056-21" | "barcode" | "manual"
    raw: str = ""
    device_type: str | None = None
    manufacturer: str | None = None
    model: str | None = None
    hardware_version: str | None = None
    firmware_version: str | None = None
    install_code: str | None = None
    install_code_valid: bool | None = None

    def device_json(self) -> dict[str, str | None]:
        return {
            "device_id": self.device_id,
            "device_type": self.device_type,
            "manufacturer": self.manufacturer,
            "model": self.model,
            "hardware_version": self.hardware_version,
            "firmware_version": self.firmware_version,
            "source": self.source,
        }


@dataclass(frozen=True, slots=True)
class CplEntry:
    device_type: str
    manufacturer_id: str
    model_id: str
    hardware_version: str
    firmware_version: str
    smets_generation: Generation
    status: str
    manufacturer_name: str = ""
    model_name: str = ""
    smets_chts_version: str = ""
    gbcs_version: str = ""
    cpa_expiry: str | None = None
    bilingual: bool = False

    @property
    def active(self) -> bool:
        return self.status == "Active"


@dataclass(frozen=True, slots=True)
class EpclRow:
    """One device model in one SMETS1 Eligible Product Combination."""

    combination_id: str
    cohort: Cohort
    device_type: str
    manufacturer_id: str
    model_id: str
    hardware_version: str
    firmware_version: str
    date_added: str | None = None


ADVISORY_CODES = (
    "FIRMWARE_UPGRADE_UNLIKELY",
    "SECURE_THIRD_PARTY_FIRMWARE",
    "UNSUPPORTED_LEGACY_PPMID",
)


@dataclass(frozen=True, slots=True)
class Advisory:
    """A firmware caveat (S1SR 18.63-18.65 annexes) tied to a device model; shown, never blocks."""

    code: str
    reference: str
    device_type: str
    manufacturer_id: str
    model_id: str
    hardware_version: str | None = None
    firmware_version: str | None = None
    cohort: Cohort | None = None
    note: str = ""
