"""The reason codes a verdict can carry, kept as one table of data.

Codes are stable (CONTRACT.md "Reason codes": add new ones, never rename). Each entry has a
severity (``block`` / ``warn`` / ``info``), a regulatory reference shown small at the end, a short
title for lists and banners, and a message template in plain English that says, in this order,
what happened, why it matters on this visit and what to do next.

Templates are ``str.format`` strings over a context the verdict engine supplies; a missing key is
shown as ``(unknown)`` instead of failing, so a message can never stop a check.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from types import MappingProxyType


class Severity(StrEnum):
    BLOCK = "block"
    WARN = "warn"
    INFO = "info"

    @property
    def rank(self) -> int:
        """Higher is more severe: block 2, warn 1, info 0."""
        return _RANK[self]


_RANK = {Severity.BLOCK: 2, Severity.WARN: 1, Severity.INFO: 0}


@dataclass(frozen=True, slots=True)
class ReasonSpec:
    """One row of the reason table."""

    code: str
    severity: Severity
    reference: str
    title: str
    template: str


@dataclass(frozen=True, slots=True)
class Reason:
    """A reason attached to one verdict: the code, its severity, the filled-in message, the ref."""

    code: str
    severity: Severity
    message: str
    reference: str

    def to_json(self) -> dict[str, str]:
        return {
            "code": self.code,
            "severity": str(self.severity),
            "message": self.message,
            "reference": self.reference,
        }


_B, _W, _I = Severity.BLOCK, Severity.WARN, Severity.INFO

_TABLE: tuple[ReasonSpec, ...] = (
    ReasonSpec(
        "NOT_PRENOTIFIED",
        _B,
        "SEC H5; DUIS SR 12.2",
        "Not pre-notified",
        "There is no pre-notification or inventory record for device {device_id} on this laptop. "
        "DCC will refuse to add a device that was not pre-notified, so a join now would fail. "
        "Do not join it: sync to fetch the latest pre-notifications and check again; if it is "
        "still missing, ask the back office to pre-notify it (DUIS SR 12.2) or fit a PPMID that "
        "has been pre-notified.",
    ),
    ReasonSpec(
        "WRONG_INSTALLATION_TYPE",
        _B,
        "SEC A2.13",
        "Wrong installation type",
        "This PPMID was pre-notified as {prenotified_as} ({evidence}), but this is a "
        "{installation} installation. Joined here it will not receive any service requests and "
        "the customer's prepayment display will not work. Do not join it: ask the back office to "
        "re-pre-notify it against the {installation} CPL entry, or fit a PPMID pre-notified as "
        "{installation}.",
    ),
    ReasonSpec(
        "PRENOTIFIED_GENERATION_UNKNOWN",
        _B,
        "SEC A2.13",
        "Pre-notified generation unknown",
        "The records cannot say whether device {device_id} was pre-notified as SMETS1 or "
        "SMETS2+ ({why}). If it was pre-notified as the other generation, a join to this "
        "{installation} installation leaves the prepayment display dead. Do not join it yet: "
        "ask the back office which CPL entry it was pre-notified against (an SR 8.2 Read "
        "Inventory shows it), import that record and check again.",
    ),
    ReasonSpec(
        "PRENOTIFICATION_INCONSISTENT",
        _B,
        "SEC A2.13",
        "Pre-notification records disagree",
        "The records for device {device_id} disagree about its SMETS generation: {evidence}. "
        "Until they agree nobody can tell which kind of installation it will work with. Do not "
        "join it: ask the back office to correct the pre-notification (or send a fresh SR 8.2 "
        "Read Inventory), import it and check again.",
    ),
    ReasonSpec(
        "NOT_A_PPMID",
        _B,
        "DUIS SR 12.2 (DeviceType)",
        "Not a PPMID",
        "{what} {device_type_phrase}, not a PPMID. Joining it as the customer's prepayment "
        "device would leave them without a working PPMID. Check that you scanned the right "
        "device; if the record is wrong, ask the back office to correct the pre-notification.",
    ),
    ReasonSpec(
        "DEVICE_MODEL_MISMATCH",
        _B,
        "SEC H5; DUIS SR 12.2",
        "Device model differs from the pre-notification",
        "The device reports {read_model} but it was pre-notified as {prenotified_model}. DCC "
        "checks the device against its pre-notification, so the join would fail. Check that you "
        "scanned the right device; if you did, ask the back office to re-pre-notify it with the "
        "manufacturer and model the device reports.",
    ),
    ReasonSpec(
        "PRENOTIFIED_MODEL_NOT_ON_CPL",
        _B,
        "SEC F2 (Central Products List)",
        "Pre-notified model not on the CPL",
        "{detail} A device can only be commissioned while its Device Model is on the CPL, so "
        "the join would fail. Sync to update the CPL and check again; if it is still missing, "
        "ask the back office to re-pre-notify the device against a CPL entry.",
    ),
    ReasonSpec(
        "CPL_ENTRY_NOT_ACTIVE",
        _B,
        "SEC F2 (Central Products List)",
        "CPL entry not active",
        "{detail} A device whose CPL entry is not Active cannot be commissioned. Do not join it: "
        "sync to check the CPL is current, then fit a device with an Active entry or ask the back "
        "office how to proceed.",
    ),
    ReasonSpec(
        "DEVICE_STATUS_NOT_JOINABLE",
        _B,
        "SEC H5; DUIS SR 8.2",
        "Inventory status does not allow a join",
        "The Smart Metering Inventory shows device {device_id} as {status}. A device in that "
        "state cannot be whitelisted and joined to a new installation. Do not join it: ask the "
        "back office to resolve the device's status, or fit a device that is Pending.",
    ),
    ReasonSpec(
        "FIRMWARE_NOT_ON_CPL",
        _B,
        "SEC F2 (Central Products List)",
        "Device model or firmware not on the CPL",
        "The device reports {read_model}, which is on no CPL entry for its model. DCC will not "
        "accept a device whose Device Model is not on the CPL, so the join would fail. Sync to "
        "update the CPL and check again; if it is still missing, fit a different device and "
        "tell the back office.",
    ),
    ReasonSpec(
        "FIRMWARE_MISMATCH",
        _W,
        "SEC F2; DUIS SR 12.2",
        "Firmware differs from the pre-notification",
        "The device reports firmware {read_firmware} but was pre-notified with firmware "
        "{prenotified_firmware}, and the bilingual rule does not explain the difference. The "
        "join may still work, but later firmware updates may fail. You may join it; tell the "
        "back office so they can update the pre-notification.",
    ),
    ReasonSpec(
        "NOT_IN_EPCL",
        _W,
        "SMETS1 EPCL (SEC F2)",
        "Not in an EPCL combination",
        "This PPMID model ({model}) is in no SMETS1 Eligible Product Combination{cohort_part}. "
        "DCC has not tested it with this kind of SMETS1 installation, so it may not work "
        "properly. Join only if the back office confirms it, and note it on the job.",
    ),
    ReasonSpec(
        "CPL_STALE",
        _W,
        "SEC F2 (Central Products List)",
        "CPL out of date",
        "The CPL on this laptop {age_text}, and the limit is {max_age} days. Entries may have "
        "been added, withdrawn or changed since. Sync as soon as you have a signal and "
        "check again before relying on this answer.",
    ),
    ReasonSpec(
        "UNEXPECTED_DEVICE",
        _W,
        "Job record",
        "Not the job's expected PPMID",
        "Device {device_id} is not the PPMID this job expects ({expected_id}). Fitting a "
        "different device may leave the back office records wrong. Check that you scanned the "
        "right device; if the swap is intended, tell the back office.",
    ),
    ReasonSpec(
        "BILINGUAL_MODEL",
        _I,
        "SEC A2.13",
        "Bilingual model",
        "This PPMID model ({model}) has both SMETS1 and SMETS2+ CPL entries: it only works with "
        "the installation type it was pre-notified as.{sibling_part}",
    ),
    ReasonSpec(
        "BILINGUAL_FIRMWARE_EXPECTED",
        _I,
        "S1SR 18.64(c); SEC A2.13",
        "Firmware differs as expected",
        "The device reports firmware {read_firmware}, the firmware of the SMETS2+ sibling of "
        "the SMETS1 entry it was pre-notified against{prenotified_firmware_part}. That is "
        "expected for a bilingual PPMID: nothing to do.",
    ),
    ReasonSpec(
        "FIRMWARE_UPGRADE_UNLIKELY",
        _I,
        "S1SR 18.63(d)/18.65(e)",
        "Firmware upgrades may fail",
        "Firmware upgrades to this PPMID model on a SMETS1 installation may fail (comms hub "
        "image size and hub-specific image data).{note_part} No action needed to join.",
    ),
    ReasonSpec(
        "SECURE_THIRD_PARTY_FIRMWARE",
        _I,
        "S1SR 18.63(c)/18.64(b)",
        "Third-party PPMID on a Secure installation",
        "On a Secure (MOC) installation, firmware upgrades and firmware reads for this "
        "third-party PPMID model will fail.{note_part} No action needed to join.",
    ),
    ReasonSpec(
        "UNSUPPORTED_LEGACY_PPMID",
        _I,
        "S1SR 18.65",
        "Legacy PPMID no longer supported",
        "The advisory list marks this PPMID model as no longer supported by its manufacturer: "
        "the outcome of any firmware upgrade is uncertain.{note_part} No action needed to join.",
    ),
)

REASONS: Mapping[str, ReasonSpec] = MappingProxyType({spec.code: spec for spec in _TABLE})
"""Every reason code, by code, in table order (block, warn, info)."""

_ORDER = {spec.code: index for index, spec in enumerate(_TABLE)}


class _Context(dict[str, object]):
    def __missing__(self, key: str) -> str:
        return "(unknown)"


def make_reason(code: str, reference: str | None = None, **context: object) -> Reason:
    """Fill in the template for ``code``; ``reference`` replaces the table's when given.

    Raises KeyError for an unknown code (a programming error, never a user one).
    """
    spec = REASONS[code]
    ctx = _Context(context)
    message = spec.template.format_map(ctx)
    ref = reference if reference else spec.reference.format_map(ctx)
    return Reason(code, spec.severity, message, ref)


def sort_key(reason: Reason) -> tuple[int, int]:
    """Most severe first, then in table order."""
    return (-reason.severity.rank, _ORDER.get(reason.code, len(_ORDER)))
