"""The verdict engine, driven by a table of scenarios.

Each scenario is one check: what the device said, the current pre-notification/inventory record,
the installation (and cohort); and the answer: verdict, exit code, ``prenotified_as`` and the
exact set of reason codes. The reference data (CPL, EPCL, advisories) below is shared by all.

CPL models used (manufacturer/model, hardware):
* 10E0/00090100 hw 0001 — bilingual: 00020002 and 00020003 SMETS2+, 80020002 SMETS1 (the
  differentiating firmware of 00020002); all Active.
* 1063/0A110200 hw 0002 — SMETS2+ only (01000004).
* 1072/00450001 hw 0100 — SMETS1 only (00000107), a legacy model with advisories.
* 106C/00770001 hw 0001 — SMETS2+ only: 00010001 Withdrawn, 00010002 Active.
* 10B7/00330001 hw 0001 — bilingual, SMETS1 entry 80050005 Withdrawn, SMETS2+ 00050005 Active.
* 10B7/00330002 hw 0001 — bilingual, SMETS1 80060006 Active, SMETS2+ sibling 00060006 Expired.
* 10A4/00440001 — hw 0001 SMETS1 only (00010001), hw 0002 SMETS2+ only (00020002).
* 10E0/00090200 hw 0001 — an IHD (SMETS2+).
"""

from __future__ import annotations

import json
import tomllib
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import pytest

from installer_app import paths
from installer_app.domain.generation import GenerationRules
from installer_app.domain.model import (
    Advisory,
    Cohort,
    CplEntry,
    DeviceReading,
    EpclRow,
    Generation,
)
from installer_app.domain.prenotification import Installation, PrenotificationRecord
from installer_app.domain.reasons import REASONS, Severity
from installer_app.domain.verdict import InMemoryCpl, Verdict, assess

S1, S2 = Generation.SMETS1, Generation.SMETS2
DEVICE_ID = "00-DB-12-34-56-78-B0-01"


def _entry(
    mfr: str, model: str, hw: str, fw: str, gen: Generation, status: str = "Active", **kw: Any
) -> CplEntry:
    version = "SMETS1" if gen == S1 else "SMETS V5.0"
    return CplEntry(kw.pop("device_type", "PPMID"), mfr, model, hw, fw, gen, status,
                    smets_chts_version=version, **kw)  # fmt: skip


CPL_ENTRIES = [
    _entry("10E0", "00090100", "0001", "00020002", S2),
    _entry("10E0", "00090100", "0001", "80020002", S1),
    _entry("10E0", "00090100", "0001", "00020003", S2),
    _entry("1063", "0A110200", "0002", "01000004", S2),
    _entry("1072", "00450001", "0100", "00000107", S1),
    _entry("106C", "00770001", "0001", "00010001", S2, "Withdrawn"),
    _entry("106C", "00770001", "0001", "00010002", S2),
    _entry("10B7", "00330001", "0001", "00050005", S2),
    _entry("10B7", "00330001", "0001", "80050005", S1, "Withdrawn"),
    _entry("10B7", "00330002", "0001", "00060006", S2, "Expired"),
    _entry("10B7", "00330002", "0001", "80060006", S1),
    _entry("10A4", "00440001", "0001", "00010001", S1),
    _entry("10A4", "00440001", "0002", "00020002", S2),
    _entry("10E0", "00090200", "0001", "00030001", S2, device_type="IHD"),
    # A CHF and a GPF sharing a model: never taken for a PPMID.
    _entry("1072", "57310102", "0003", "04000007", S2, device_type="CHF"),
    _entry("1072", "57310102", "0003", "04000007", S2, device_type="GPF"),
]
CPL = InMemoryCpl(CPL_ENTRIES)

EPCL = [
    EpclRow("EPC-1", Cohort.FOC, "PPMID", "10E0", "00090100", "0001", "80020002"),
    EpclRow("EPC-1", Cohort.FOC, "ESME", "1063", "00050101", "0001", "01010101"),
    EpclRow("EPC-2", Cohort.MOC, "PPMID", "1072", "00450001", "0100", "00000107"),
    EpclRow("EPC-3", Cohort.IOC, "PPMID", "10B7", "00330001", "0001", "80050005"),
    EpclRow("EPC-4", Cohort.FOC, "PPMID", "10B7", "00330002", "0001", "80060006"),
    EpclRow("EPC-5", Cohort.IOC, "PPMID", "10A4", "00440001", "0001", "00010001"),
]

ADVISORIES = [
    Advisory("FIRMWARE_UPGRADE_UNLIKELY", "S1SR 18.63(d) 18.65(e)", "PPMID", "10E0", "00090100",
             cohort=Cohort.FOC, note="Image size and comms hub metadata limits"),
    Advisory("SECURE_THIRD_PARTY_FIRMWARE", "S1SR 18.63(c) 18.64(b)", "PPMID", "10E0", "00090100",
             cohort=Cohort.MOC, note="Secure S1SP does not upgrade third-party PPMIDs"),
    Advisory("UNSUPPORTED_LEGACY_PPMID", "S1SR Annex F", "PPMID", "1072", "00450001",
             note="No longer supported by its manufacturer"),
    Advisory("FIRMWARE_UPGRADE_UNLIKELY", "", "PPMID", "1072", "00450001"),
    # No cohort on the row: still only about Secure (MOC) installations.
    Advisory("SECURE_THIRD_PARTY_FIRMWARE", "", "PPMID", "10B7", "00330001"),
    # Restricted to a hardware version the 10A4 device with hw 0002 does not have.
    Advisory("UNSUPPORTED_LEGACY_PPMID", "", "PPMID", "10A4", "00440001", hardware_version="0001"),
]  # fmt: skip


@pytest.fixture(scope="module")
def rules() -> GenerationRules:
    text = paths.resource("generation_rules.toml").read_text(encoding="utf-8")
    return GenerationRules.from_data(tomllib.loads(text))


# --------------------------------------------------------------------------- scenario builders


def rec(
    mfr: str,
    model: str,
    fw: str | None = None,
    version: str | None = None,
    *,
    region: str | None = None,
    s1sp: str | None = None,
    status: str | None = "Pending",
    device_type: str = "PPMID",
    cpl_status: str | None = None,
) -> dict[str, Any]:
    return {
        "device_type": device_type,
        "manufacturer": mfr,
        "model": model,
        "firmware_version": fw,
        "smets_chts_version": version,
        "csp_region": region,
        "s1sp": s1sp,
        "status": status,
        "cpl_status": cpl_status,
    }


def probe(
    mfr: str | None, model: str | None, hw: str | None = None, fw: str | None = None, **kw: Any
) -> dict[str, Any]:
    """An optical-probe reading (manufacturer, model, hardware, firmware as read)."""
    return {"manufacturer": mfr, "model": model, "hardware_version": hw, "firmware_version": fw,
            "source": "iec62056-21", **kw}  # fmt: skip


BARCODE: dict[str, Any] = {"source": "barcode"}

# The same physical bilingual PPMID pre-notified three ways.
BI_S1 = rec("10E0", "00090100", "80020002", "SMETS1", region="SMETS1", s1sp="FOC S1SP")
BI_S1_12_2 = rec("10E0", "00090100", "80020002", "SMETS1")
BI_S2 = rec("10E0", "00090100", "00020002", "SMETS V5.0", region="Central")
BI_READ_REAL = probe("10E0", "00090100", "0001", "00020002")


@dataclass(frozen=True)
class Scenario:
    id: str
    installation: tuple[Generation, Cohort | None]
    record: dict[str, Any] | None
    reading: dict[str, Any]
    verdict: str
    prenotified_as: Generation | None
    codes: frozenset[str]
    options: dict[str, Any] = field(default_factory=dict)


def sc(
    id: str,
    installation: tuple[Generation, Cohort | None],
    record: dict[str, Any] | None,
    reading: dict[str, Any],
    verdict: str,
    prenotified_as: Generation | None,
    codes: set[str],
    **options: Any,
) -> Scenario:
    return Scenario(id, installation, record, reading, verdict, prenotified_as,
                    frozenset(codes), options)  # fmt: skip


S1_FOC, S1_MOC, S1_IOC, S1_ANY = (S1, Cohort.FOC), (S1, Cohort.MOC), (S1, Cohort.IOC), (S1, None)
S2_INST = (S2, None)

SCENARIOS = [
    # ---- bilingual PPMID pre-notified as SMETS1 --------------------------------------------
    sc("bilingual-s1-into-smets1-foc-barcode", S1_FOC, BI_S1, BARCODE,
       "allow", S1, {"BILINGUAL_MODEL", "FIRMWARE_UPGRADE_UNLIKELY"}),
    sc("bilingual-s1-into-smets1-foc-reports-sibling-firmware", S1_FOC, BI_S1, BI_READ_REAL,
       "allow", S1, {"BILINGUAL_MODEL", "BILINGUAL_FIRMWARE_EXPECTED",
                     "FIRMWARE_UPGRADE_UNLIKELY"}),
    sc("bilingual-s1-12.2-only-into-smets1-ioc", S1_IOC, BI_S1_12_2, BI_READ_REAL,
       "warn", S1, {"BILINGUAL_MODEL", "BILINGUAL_FIRMWARE_EXPECTED", "NOT_IN_EPCL"}),
    sc("bilingual-s1-into-smets2", S2_INST, BI_S1, BI_READ_REAL,
       "block", S1, {"WRONG_INSTALLATION_TYPE", "BILINGUAL_MODEL",
                     "BILINGUAL_FIRMWARE_EXPECTED"}),
    sc("bilingual-s1-into-smets2-barcode", S2_INST, BI_S1, BARCODE,
       "block", S1, {"WRONG_INSTALLATION_TYPE", "BILINGUAL_MODEL"}),
    sc("bilingual-s1-reports-another-smets2-firmware-is-a-mismatch", S1_FOC, BI_S1,
       probe("10E0", "00090100", "0001", "00020003"),
       "warn", S1, {"BILINGUAL_MODEL", "FIRMWARE_MISMATCH", "FIRMWARE_UPGRADE_UNLIKELY"}),
    sc("bilingual-s1-reports-firmware-on-no-entry", S1_FOC, BI_S1,
       probe("10E0", "00090100", "0001", "00029999"),
       "block", S1, {"BILINGUAL_MODEL", "FIRMWARE_NOT_ON_CPL", "FIRMWARE_MISMATCH",
                     "FIRMWARE_UPGRADE_UNLIKELY"}),
    sc("bilingual-s1-reports-its-differentiating-firmware", S1_FOC, BI_S1,
       probe("10E0", "00090100", "0001", "80020002"),
       "allow", S1, {"BILINGUAL_MODEL", "FIRMWARE_UPGRADE_UNLIKELY"}),
    sc("bilingual-s1-by-inventory-marker-without-firmware", S1_FOC,
       rec("10E0", "00090100", region="SMETS1", s1sp="FOC S1SP"), BI_READ_REAL,
       "allow", S1, {"BILINGUAL_MODEL", "BILINGUAL_FIRMWARE_EXPECTED",
                     "FIRMWARE_UPGRADE_UNLIKELY"}),
    sc("bilingual-s1-by-s1sp-alone", S2_INST, rec("10E0", "00090100", s1sp="FOC S1SP"), BARCODE,
       "block", S1, {"WRONG_INSTALLATION_TYPE", "BILINGUAL_MODEL"}),
    # ---- bilingual PPMID pre-notified as SMETS2+ -------------------------------------------
    sc("bilingual-s2-into-smets2", S2_INST, BI_S2, BI_READ_REAL,
       "allow", S2, {"BILINGUAL_MODEL"}),
    sc("bilingual-s2-into-smets1-foc", S1_FOC, BI_S2, BI_READ_REAL,
       "block", S2, {"WRONG_INSTALLATION_TYPE", "BILINGUAL_MODEL", "FIRMWARE_UPGRADE_UNLIKELY"}),
    sc("bilingual-s2-into-smets1-moc", S1_MOC, BI_S2, BI_READ_REAL,
       "block", S2, {"WRONG_INSTALLATION_TYPE", "BILINGUAL_MODEL", "NOT_IN_EPCL",
                     "SECURE_THIRD_PARTY_FIRMWARE"}),
    sc("bilingual-s2-by-version-text-only", S2_INST, rec("10E0", "00090100", None, "SMETS V5.0"),
       BARCODE, "allow", S2, {"BILINGUAL_MODEL"}),
    sc("bilingual-s2-reports-newer-smets2-firmware", S2_INST, BI_S2,
       probe("10E0", "00090100", "0001", "00020003"),
       "warn", S2, {"BILINGUAL_MODEL", "FIRMWARE_MISMATCH"}),
    sc("bilingual-s2-firmware-never-explained-by-bilingual-rule", S2_INST, BI_S2,
       probe("10E0", "00090100", "0001", "80020002"),
       "warn", S2, {"BILINGUAL_MODEL", "FIRMWARE_MISMATCH"}),
    sc("region-unknown-counts-as-smets2", S2_INST, rec("10E0", "00090100", region="Unknown"),
       BARCODE, "allow", S2, {"BILINGUAL_MODEL"}),
    # ---- generation unknown ------------------------------------------------------------------
    sc("bilingual-no-firmware-no-version-no-marker", S2_INST, rec("10E0", "00090100"), BARCODE,
       "block", None, {"PRENOTIFIED_GENERATION_UNKNOWN", "BILINGUAL_MODEL"}),
    sc("bilingual-unknown-even-into-smets1", S1_FOC, rec("10E0", "00090100"), BI_READ_REAL,
       "block", None, {"PRENOTIFIED_GENERATION_UNKNOWN", "BILINGUAL_MODEL",
                       "FIRMWARE_UPGRADE_UNLIKELY"}),
    sc("bilingual-unrecognised-version-text-is-no-evidence", S2_INST,
       rec("10E0", "00090100", None, "Dual mode v2"), BARCODE,
       "block", None, {"PRENOTIFIED_GENERATION_UNKNOWN", "BILINGUAL_MODEL"}),
    # (hardware unknown: the advisory restricted to hw 0001 may apply, so it is shown)
    sc("generations-split-by-hardware-none-read", S2_INST, rec("10A4", "00440001"), BARCODE,
       "block", None, {"PRENOTIFIED_GENERATION_UNKNOWN", "UNSUPPORTED_LEGACY_PPMID"}),
    sc("generations-split-by-hardware-hardware-read", S2_INST, rec("10A4", "00440001"),
       probe("10A4", "00440001", "0002", "00020002"), "allow", S2, set()),
    sc("model-not-on-cpl-and-no-evidence", S2_INST, rec("FFFF", "12345678"), BARCODE,
       "block", None, {"PRENOTIFIED_MODEL_NOT_ON_CPL", "PRENOTIFIED_GENERATION_UNKNOWN"}),
    # ---- inconsistent records ---------------------------------------------------------------
    sc("inventory-smets1-but-prenotified-entry-smets2", S1_FOC,
       rec("10E0", "00090100", "00020002", region="SMETS1", s1sp="FOC S1SP"), BI_READ_REAL,
       "block", None, {"PRENOTIFICATION_INCONSISTENT", "BILINGUAL_MODEL",
                       "FIRMWARE_UPGRADE_UNLIKELY"}),
    sc("version-text-disagrees-with-prenotified-entry", S2_INST,
       rec("10E0", "00090100", "80020002", "SMETS V5.0"), BARCODE,
       "block", None, {"PRENOTIFICATION_INCONSISTENT", "BILINGUAL_MODEL"}),
    sc("s1sp-with-a-smets2-region", S1_FOC,
       rec("10E0", "00090100", s1sp="FOC S1SP", region="Central"), BARCODE,
       "block", None, {"PRENOTIFICATION_INCONSISTENT", "BILINGUAL_MODEL",
                       "FIRMWARE_UPGRADE_UNLIKELY"}),
    sc("marker-contradicts-single-generation-model", S2_INST,
       rec("1063", "0A110200", region="SMETS1"), BARCODE,
       "block", None, {"PRENOTIFICATION_INCONSISTENT"}),
    sc("version-contradicts-single-generation-model", S1_MOC,
       rec("1072", "00450001", None, "SMETS V4.2"), BARCODE,
       "block", None, {"PRENOTIFICATION_INCONSISTENT", "UNSUPPORTED_LEGACY_PPMID",
                       "FIRMWARE_UPGRADE_UNLIKELY"}),
    # ---- single-generation models -----------------------------------------------------------
    sc("smets2-only-model-without-evidence", S2_INST, rec("1063", "0A110200"), BARCODE,
       "allow", S2, set()),
    sc("smets2-only-model-into-smets1-ioc", S1_IOC, rec("1063", "0A110200", "01000004"),
       BARCODE, "block", S2, {"WRONG_INSTALLATION_TYPE", "NOT_IN_EPCL"}),
    sc("smets1-only-legacy-model-into-smets1-moc", S1_MOC, rec("1072", "00450001"), BARCODE,
       "allow", S1, {"UNSUPPORTED_LEGACY_PPMID", "FIRMWARE_UPGRADE_UNLIKELY"}),
    sc("smets1-only-legacy-model-into-smets2", S2_INST, rec("1072", "00450001", "00000107"),
       BARCODE, "block", S1, {"WRONG_INSTALLATION_TYPE", "UNSUPPORTED_LEGACY_PPMID"}),
    # ---- withdrawn / not active entries ------------------------------------------------------
    sc("prenotified-entry-withdrawn", S2_INST, rec("106C", "00770001", "00010001"),
       probe("106C", "00770001", "0001", "00010001"),
       "block", S2, {"CPL_ENTRY_NOT_ACTIVE"}),
    sc("reported-firmware-entry-withdrawn", S2_INST, rec("106C", "00770001", "00010002"),
       probe("106C", "00770001", "0001", "00010001"),
       "block", S2, {"CPL_ENTRY_NOT_ACTIVE", "FIRMWARE_MISMATCH"}),
    sc("reported-firmware-active-after-upgrade", S2_INST, rec("106C", "00770001", "00010001"),
       probe("106C", "00770001", "0001", "00010002"),
       "block", S2, {"CPL_ENTRY_NOT_ACTIVE", "FIRMWARE_MISMATCH"}),
    sc("bilingual-smets1-entry-withdrawn", S1_IOC,
       rec("10B7", "00330001", "80050005", region="SMETS1", s1sp="IOC S1SP"),
       probe("10B7", "00330001", "0001", "00050005"),
       "block", S1, {"CPL_ENTRY_NOT_ACTIVE", "BILINGUAL_MODEL",
                     "BILINGUAL_FIRMWARE_EXPECTED"}),
    sc("bilingual-expired-sibling-explained-by-bilingual-rule", S1_ANY,
       rec("10B7", "00330002", "80060006", region="SMETS1"),
       probe("10B7", "00330002", "0001", "00060006"),
       "allow", S1, {"BILINGUAL_MODEL", "BILINGUAL_FIRMWARE_EXPECTED"}),
    sc("bilingual-expired-entry-pre-notified-as-smets2", S2_INST,
       rec("10B7", "00330002", "00060006"), BARCODE,
       "block", S2, {"CPL_ENTRY_NOT_ACTIVE", "BILINGUAL_MODEL"}),
    sc("inventory-cpl-status-withdrawn", S2_INST,
       rec("1063", "0A110200", "01000004", cpl_status="Withdrawn"), BARCODE,
       "block", S2, {"CPL_ENTRY_NOT_ACTIVE"}),
    # ---- not pre-notified, not a PPMID, model mismatch ---------------------------------------
    sc("not-prenotified-barcode", S2_INST, None, BARCODE, "block", None, {"NOT_PRENOTIFIED"}),
    sc("not-prenotified-probe-shows-model-facts", S1_FOC, None, BI_READ_REAL,
       "block", None, {"NOT_PRENOTIFIED", "BILINGUAL_MODEL", "FIRMWARE_UPGRADE_UNLIKELY"}),
    sc("not-prenotified-unknown-model", S1_IOC, None, probe("FFFF", "12345678", "01", "01"),
       "block", None, {"NOT_PRENOTIFIED", "FIRMWARE_NOT_ON_CPL", "NOT_IN_EPCL"}),
    sc("record-is-an-ihd", S2_INST, rec("10E0", "00090200", "00030001", "SMETS V5.0",
                                        device_type="IHD"), BARCODE,
       "block", S2, {"NOT_A_PPMID"}),
    sc("device-reports-it-is-an-esme", S2_INST, rec("1063", "0A110200", "01000004"),
       {"source": "iec62056-21", "device_type": "ESME"},
       "block", S2, {"NOT_A_PPMID"}),
    sc("device-manufacturer-differs", S2_INST, rec("1063", "0A110200", "01000004"),
       probe("10E0", "0A110200", "0002", "01000004"),
       "block", S2, {"DEVICE_MODEL_MISMATCH", "FIRMWARE_NOT_ON_CPL"}),
    sc("device-model-differs", S2_INST, rec("1063", "0A110200"),
       probe("1063", "0A110201"), "block", S2, {"DEVICE_MODEL_MISMATCH"}),
    sc("device-model-differs-case-only-is-not-a-mismatch", S2_INST, rec("10E0", "00090100",
       "00020002"), probe("10e0", "00090100"), "allow", S2, {"BILINGUAL_MODEL"}),
    # ---- firmware and model on the CPL -------------------------------------------------------
    sc("prenotified-firmware-on-no-entry", S2_INST, rec("1063", "0A110200", "09999999"), BARCODE,
       "block", S2, {"PRENOTIFIED_MODEL_NOT_ON_CPL"}),
    sc("prenotified-model-not-on-cpl-with-version", S2_INST,
       rec("FFFF", "12345678", None, "SMETS V5.0"), BARCODE,
       "block", S2, {"PRENOTIFIED_MODEL_NOT_ON_CPL"}),
    sc("reported-firmware-on-no-entry", S2_INST, rec("1063", "0A110200", "01000004"),
       probe("1063", "0A110200", "0002", "01000005"),
       "block", S2, {"FIRMWARE_NOT_ON_CPL", "FIRMWARE_MISMATCH"}),
    sc("reported-hardware-on-no-entry", S2_INST, rec("1063", "0A110200", "01000004"),
       probe("1063", "0A110200", "0009", "01000004"),
       "block", S2, {"FIRMWARE_NOT_ON_CPL"}),
    sc("reported-hardware-on-no-entry-firmware-not-read", S2_INST, rec("1063", "0A110200"),
       probe("1063", "0A110200", "0009"), "block", S2, {"FIRMWARE_NOT_ON_CPL"}),
    sc("firmware-compared-as-normalised-strings", S2_INST, rec("1063", "0A110200", "01000004"),
       probe("1063", "0a110200", "00-02", "01.00.00.04"), "allow", S2, set()),
    sc("record-without-firmware-gives-no-mismatch", S2_INST,
       rec("1063", "0A110200", None, "SMETS V4.2"),
       probe("1063", "0A110200", "0002", "01000004"), "allow", S2, set()),
    # ---- inventory statuses -------------------------------------------------------------------
    *[
        sc(f"inventory-status-{status.lower()}-blocks", S2_INST,
           rec("1063", "0A110200", "01000004", status=status), BARCODE,
           "block", S2, {"DEVICE_STATUS_NOT_JOINABLE"})
        for status in ("Commissioned", "Decommissioned", "Withdrawn", "Suspended", "Recovery",
                       "Recovered")
    ],
    *[
        sc(f"inventory-status-{str(status).lower()}-joinable", S2_INST,
           rec("1063", "0A110200", "01000004", status=status), BARCODE, "allow", S2, set())
        for status in ("Pending", "Whitelisted", "InstalledNotCommissioned", None)
    ],
    # ---- EPCL by cohort ------------------------------------------------------------------------
    sc("epcl-cohort-matches", S1_FOC, BI_S1, BARCODE,
       "allow", S1, {"BILINGUAL_MODEL", "FIRMWARE_UPGRADE_UNLIKELY"}),
    sc("epcl-other-cohort-only", S1_MOC, BI_S1, BARCODE,
       "warn", S1, {"BILINGUAL_MODEL", "NOT_IN_EPCL", "SECURE_THIRD_PARTY_FIRMWARE"}),
    sc("epcl-cohort-unknown-any-combination-counts", S1_ANY, BI_S1, BARCODE,
       "allow", S1, {"BILINGUAL_MODEL"}),
    sc("epcl-matched-on-hardware-when-read", S1_FOC, BI_S1,
       probe("10E0", "00090100", "0002", "00020002"),
       "block", S1, {"FIRMWARE_NOT_ON_CPL", "FIRMWARE_MISMATCH", "NOT_IN_EPCL",
                     "FIRMWARE_UPGRADE_UNLIKELY"}),  # hw 0002 is no bilingual group either
    sc("epcl-never-matched-on-firmware", S1_FOC, BI_S1, BI_READ_REAL,
       "allow", S1, {"BILINGUAL_MODEL", "BILINGUAL_FIRMWARE_EXPECTED",
                     "FIRMWARE_UPGRADE_UNLIKELY"}),
    sc("epcl-not-applied-to-smets2-installations", S2_INST, rec("1063", "0A110200"), BARCODE,
       "allow", S2, set()),
    # ---- advisories by cohort and installation -----------------------------------------------
    sc("advisory-with-cohort-needs-the-cohort-known", S1_ANY, BI_S1, BARCODE,
       "allow", S1, {"BILINGUAL_MODEL"}),
    sc("secure-advisory-without-cohort-not-on-foc", S1_FOC,
       rec("10B7", "00330001", "00050005"), BARCODE,
       "block", S2, {"WRONG_INSTALLATION_TYPE", "BILINGUAL_MODEL", "NOT_IN_EPCL"}),
    sc("secure-advisory-without-cohort-on-moc", S1_MOC,
       rec("10B7", "00330001", "80050005", region="SMETS1"), BARCODE,
       "block", S1, {"CPL_ENTRY_NOT_ACTIVE", "BILINGUAL_MODEL", "NOT_IN_EPCL",
                     "SECURE_THIRD_PARTY_FIRMWARE"}),
    sc("smets1-only-advisories-not-on-smets2", S2_INST, BI_S2, BARCODE,
       "allow", S2, {"BILINGUAL_MODEL"}),
    sc("legacy-advisory-on-any-installation", S2_INST, rec("1072", "00450001"), BARCODE,
       "block", S1, {"WRONG_INSTALLATION_TYPE", "UNSUPPORTED_LEGACY_PPMID"}),
    sc("advisory-hardware-restriction", S1_IOC, rec("10A4", "00440001", "00010001"),
       probe("10A4", "00440001", "0001", "00010001"),
       "allow", S1, {"UNSUPPORTED_LEGACY_PPMID"}),
    sc("advisory-hardware-restriction-other-hardware", S2_INST, rec("10A4", "00440001",
       "00020002"), probe("10A4", "00440001", "0002", "00020002"), "allow", S2, set()),
    # ---- CPL age and the job's expected PPMID -------------------------------------------------
    sc("cpl-stale", S2_INST, rec("1063", "0A110200"), BARCODE, "warn", S2, {"CPL_STALE"},
       cpl_age_days=15.5),
    sc("cpl-at-the-limit-is-not-stale", S2_INST, rec("1063", "0A110200"), BARCODE,
       "allow", S2, set(), cpl_age_days=14.0),
    sc("cpl-age-unknown-is-stale", S2_INST, rec("1063", "0A110200"), BARCODE,
       "warn", S2, {"CPL_STALE"}, cpl_age_days=None),
    sc("cpl-limit-is-a-setting", S2_INST, rec("1063", "0A110200"), BARCODE,
       "warn", S2, {"CPL_STALE"}, cpl_age_days=3.0, cpl_max_age_days=2.0),
    sc("unexpected-device", S2_INST, rec("1063", "0A110200"), BARCODE,
       "warn", S2, {"UNEXPECTED_DEVICE"}, expected_ppmid_id="00-DB-12-34-56-78-B0-99"),
    sc("expected-device-in-another-spelling", S2_INST, rec("1063", "0A110200"), BARCODE,
       "allow", S2, set(), expected_ppmid_id="00db12345678b001"),
    sc("everything-at-once-block-wins", S2_INST, BI_S1, BI_READ_REAL,
       "block", S1, {"WRONG_INSTALLATION_TYPE", "BILINGUAL_MODEL", "BILINGUAL_FIRMWARE_EXPECTED",
                     "CPL_STALE", "UNEXPECTED_DEVICE"},
       cpl_age_days=30.0, expected_ppmid_id="00-DB-12-34-56-78-B0-99"),
]  # fmt: skip


def run(scenario: Scenario, rules: GenerationRules) -> Verdict:
    generation, cohort = scenario.installation
    record = None
    if scenario.record is not None:
        record = PrenotificationRecord(device_id=DEVICE_ID, **scenario.record)
    reading_fields = dict(scenario.reading)
    reading = DeviceReading(
        device_id=reading_fields.pop("device_id", DEVICE_ID.lower().replace("-", "")),
        source=reading_fields.pop("source", "manual"),
        **reading_fields,
    )
    options: dict[str, Any] = {"cpl_age_days": 1.0, **scenario.options}
    return assess(
        reading,
        record,
        cpl=CPL,
        installation=Installation(generation, cohort),
        rules=rules,
        epcl=EPCL,
        advisories=ADVISORIES,
        **options,
    )


@pytest.mark.parametrize("scenario", SCENARIOS, ids=[s.id for s in SCENARIOS])
def test_scenario(scenario: Scenario, rules: GenerationRules) -> None:
    verdict = run(scenario, rules)
    assert set(verdict.codes) == scenario.codes
    assert verdict.verdict == scenario.verdict
    assert verdict.exit_code == {"allow": 0, "warn": 3, "block": 4}[scenario.verdict]
    assert verdict.prenotified_as == scenario.prenotified_as
    # Invariants of every verdict.
    assert len(verdict.codes) == len(set(verdict.codes)), "a code appears once"
    severities = [reason.severity.rank for reason in verdict.reasons]
    assert severities == sorted(severities, reverse=True), "most severe first"
    for reason in verdict.reasons:
        assert reason.severity == REASONS[reason.code].severity
        assert reason.reference
        assert "(unknown)" not in reason.message, (reason.code, reason.message)


def test_the_table_produces_every_reason_code(rules: GenerationRules) -> None:
    produced = {code for scenario in SCENARIOS for code in scenario.codes}
    assert produced == set(REASONS)


def test_scenario_ids_are_unique() -> None:
    ids = [s.id for s in SCENARIOS]
    assert len(ids) == len(set(ids))


# --------------------------------------------------------------------------- beyond the codes


def _by_id(scenario_id: str) -> Scenario:
    return next(s for s in SCENARIOS if s.id == scenario_id)


def test_wrong_installation_message_says_what_to_do(rules: GenerationRules) -> None:
    verdict = run(_by_id("bilingual-s1-into-smets2"), rules)
    reason = verdict.reasons[0]
    assert reason.code == "WRONG_INSTALLATION_TYPE"
    assert reason.reference == "SEC A2.13"
    assert "ask the back office to re-pre-notify it against the SMETS2+ CPL entry" in (
        reason.message
    )
    assert "80020002" in reason.message  # the evidence is named


def test_cpl_entry_is_the_prenotified_entry_and_the_sibling_is_shown(
    rules: GenerationRules,
) -> None:
    verdict = run(_by_id("bilingual-s1-into-smets2"), rules)
    assert verdict.cpl_entry is not None and verdict.cpl_entry.firmware_version == "80020002"
    assert verdict.cpl_entry_bilingual
    assert verdict.sibling_entry is not None
    assert verdict.sibling_entry.firmware_version == "00020002"
    assert verdict.reported_entry is not None
    assert verdict.reported_entry.firmware_version == "00020002"


def test_sibling_of_a_smets2_prenotification_is_its_smets1_entry(rules: GenerationRules) -> None:
    verdict = run(_by_id("bilingual-s2-into-smets1-foc"), rules)
    assert verdict.cpl_entry is not None and verdict.cpl_entry.firmware_version == "00020002"
    assert verdict.sibling_entry is not None
    assert verdict.sibling_entry.smets_generation == S1


def test_cpl_entry_from_the_reading_when_the_record_has_no_firmware(
    rules: GenerationRules,
) -> None:
    verdict = run(_by_id("record-without-firmware-gives-no-mismatch"), rules)
    assert verdict.cpl_entry is not None and verdict.cpl_entry.firmware_version == "01000004"
    assert not verdict.cpl_entry_bilingual and verdict.sibling_entry is None


def test_no_cpl_entry_when_nothing_is_known(rules: GenerationRules) -> None:
    verdict = run(_by_id("not-prenotified-barcode"), rules)
    assert verdict.cpl_entry is None
    assert verdict.to_dict("c", None, "2026-01-01T00:00:00Z")["cpl_entry"] is None


def test_verdict_json_has_exactly_the_contract_shape(rules: GenerationRules) -> None:
    verdict = run(_by_id("bilingual-s1-into-smets2"), rules)
    moment = datetime(2026, 11, 20, 9, 30, 5, 123456, tzinfo=UTC)
    document = json.loads(verdict.to_json("7f0c-…", "etag-42", moment))
    assert list(document) == [
        "check_id", "verdict", "installation", "prenotified_as", "device", "cpl_entry",
        "reasons", "cpl_version", "checked_at",
    ]  # fmt: skip
    assert document["check_id"] == "7f0c-…"
    assert document["verdict"] == "block"
    assert document["installation"] == "SMETS2+"
    assert document["prenotified_as"] == "SMETS1"
    assert document["device"] == {
        "device_id": "00-DB-12-34-56-78-B0-01",
        "device_type": None,
        "manufacturer": "10E0",
        "model": "00090100",
        "hardware_version": "0001",
        "firmware_version": "00020002",
        "source": "iec62056-21",
    }
    assert document["cpl_entry"] == {
        "manufacturer": "10E0",
        "model": "00090100",
        "hardware_version": "0001",
        "firmware_version": "80020002",
        "smets_generation": "SMETS1",
        "status": "Active",
        "bilingual": True,
    }
    assert [r["code"] for r in document["reasons"]] == [
        "WRONG_INSTALLATION_TYPE", "BILINGUAL_MODEL", "BILINGUAL_FIRMWARE_EXPECTED",
    ]  # fmt: skip
    for reason in document["reasons"]:
        assert set(reason) == {"code", "severity", "message", "reference"}
        assert reason["severity"] in {"block", "warn", "info"}
    assert document["cpl_version"] == "etag-42"
    assert document["checked_at"] == "2026-11-20T09:30:05Z"


def test_null_prenotified_as_in_json(rules: GenerationRules) -> None:
    verdict = run(_by_id("bilingual-no-firmware-no-version-no-marker"), rules)
    assert verdict.to_dict("c", "v", "2026-11-20T09:30:05Z")["prenotified_as"] is None


def test_naive_checked_at_is_taken_as_utc(rules: GenerationRules) -> None:
    verdict = run(_by_id("not-prenotified-barcode"), rules)
    stamp = verdict.to_dict("c", "v", datetime(2026, 1, 2, 3, 4, 5))["checked_at"]
    assert stamp == "2026-01-02T03:04:05Z"


def test_info_only_is_allow(rules: GenerationRules) -> None:
    verdict = run(_by_id("bilingual-s2-into-smets2"), rules)
    assert {r.severity for r in verdict.reasons} == {Severity.INFO}
    assert verdict.verdict == "allow" and verdict.exit_code == 0 and not verdict.blocked


def test_reading_identifiers_are_normalised_in_the_verdict(rules: GenerationRules) -> None:
    verdict = run(_by_id("firmware-compared-as-normalised-strings"), rules)
    assert verdict.device.device_id == "00-DB-12-34-56-78-B0-01"
    assert verdict.device.model == "0A110200"
    assert verdict.device.firmware_version == "01000004"
    assert verdict.device.hardware_version == "0002"


def test_advisory_reference_and_note_come_from_the_advisory_row(rules: GenerationRules) -> None:
    verdict = run(_by_id("bilingual-s1-into-smets1-foc-barcode"), rules)
    reason = next(r for r in verdict.reasons if r.code == "FIRMWARE_UPGRADE_UNLIKELY")
    assert reason.reference == "S1SR 18.63(d) 18.65(e)"
    assert "Image size and comms hub metadata limits" in reason.message
    legacy = run(_by_id("smets1-only-legacy-model-into-smets1-moc"), rules)
    upgrade = next(r for r in legacy.reasons if r.code == "FIRMWARE_UPGRADE_UNLIKELY")
    assert upgrade.reference == "S1SR 18.63(d)/18.65(e)"  # row without a reference


def test_a_chf_entry_is_never_taken_for_a_ppmid(rules: GenerationRules) -> None:
    verdict = assess(
        DeviceReading(DEVICE_ID, "manual"),
        PrenotificationRecord(DEVICE_ID, "PPMID", "1072", "57310102", "04000007"),
        cpl=CPL,
        installation=Installation(S2),
        rules=rules,
        cpl_age_days=0,
    )
    assert set(verdict.codes) == {"PRENOTIFIED_MODEL_NOT_ON_CPL", "PRENOTIFIED_GENERATION_UNKNOWN"}


def test_assess_is_deterministic_and_leaves_inputs_alone(rules: GenerationRules) -> None:
    scenario = _by_id("everything-at-once-block-wins")
    first, second = run(scenario, rules), run(scenario, rules)
    assert first == second
    assert CPL.entries_for("10e0", "00090100") == CPL_ENTRIES[:3]
