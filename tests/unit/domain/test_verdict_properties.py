"""Invariants of the verdict engine over random combinations of records, readings and lists."""

from __future__ import annotations

import json
import tomllib
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from installer_app import paths
from installer_app.domain.generation import GenerationRules
from installer_app.domain.model import Cohort, DeviceReading, Generation
from installer_app.domain.prenotification import Installation, PrenotificationRecord
from installer_app.domain.reasons import REASONS
from installer_app.domain.verdict import assess
from tests.unit.domain.test_verdict_scenarios import ADVISORIES, CPL, CPL_ENTRIES, EPCL

RULES = GenerationRules.from_data(
    tomllib.loads(paths.resource("generation_rules.toml").read_text(encoding="utf-8"))
)
DEVICE_ID = "00-DB-12-34-56-78-B0-01"

MODELS = [*sorted({(e.manufacturer_id, e.model_id) for e in CPL_ENTRIES}), ("FFFF", "12345678")]
FIRMWARE = [*sorted({e.firmware_version for e in CPL_ENTRIES}), "0BADF00D"]
HARDWARE = [*sorted({e.hardware_version for e in CPL_ENTRIES}), "0099"]
STATUSES = ["Pending", "Whitelisted", "Commissioned", "Withdrawn", "Recovered", None]


def maybe(values: list[Any]) -> st.SearchStrategy[Any]:
    return st.sampled_from([None, *values])


records = st.none() | st.builds(
    lambda model, **kw: PrenotificationRecord(
        DEVICE_ID, manufacturer=model[0], model=model[1], **kw
    ),
    st.sampled_from(MODELS),
    device_type=st.sampled_from(["PPMID", "PPMID", "PPMID", "IHD"]),
    firmware_version=maybe(FIRMWARE),
    smets_chts_version=maybe(["SMETS1", "SMETS V5.0", "CHTS V1.4", "mystery"]),
    status=st.sampled_from(STATUSES),
    s1sp=maybe(["FOC S1SP"]),
    csp_region=maybe(["SMETS1", "Central", "Unknown"]),
    cpl_status=maybe(["Active", "Withdrawn"]),
)

readings = st.builds(
    lambda model, **kw: DeviceReading(
        DEVICE_ID.lower(),
        "iec62056-21",
        manufacturer=model[0] if model else None,
        model=model[1] if model else None,
        **kw,
    ),
    maybe(MODELS),
    device_type=maybe(["PPMID", "ESME"]),
    hardware_version=maybe(HARDWARE),
    firmware_version=maybe(FIRMWARE),
)

installations = st.builds(Installation, st.sampled_from(list(Generation)), maybe(list(Cohort)))


@settings(max_examples=600, deadline=None)
@given(
    records,
    readings,
    installations,
    maybe([0.0, 30.0]),
    maybe([DEVICE_ID, "00-DB-12-34-56-78-B0-99"]),
)
def test_invariants(
    record: PrenotificationRecord | None,
    reading: DeviceReading,
    installation: Installation,
    age: float | None,
    expected: str | None,
) -> None:
    verdict = assess(
        reading,
        record,
        cpl=CPL,
        installation=installation,
        rules=RULES,
        epcl=EPCL,
        advisories=ADVISORIES,
        cpl_age_days=age,
        expected_ppmid_id=expected,
    )
    codes = set(verdict.codes)
    assert len(codes) == len(verdict.codes)
    top = max((r.severity.rank for r in verdict.reasons), default=0)
    assert verdict.verdict == ["allow", "warn", "block"][top]
    assert verdict.exit_code == [0, 3, 4][top]

    # pre-notified generation
    if record is None:
        assert "NOT_PRENOTIFIED" in codes and verdict.prenotified_as is None
    else:
        assert "NOT_PRENOTIFIED" not in codes
        undecided = {"PRENOTIFIED_GENERATION_UNKNOWN", "PRENOTIFICATION_INCONSISTENT"} & codes
        assert (verdict.prenotified_as is None) == bool(undecided)
        assert len(undecided) <= 1
    wrong = verdict.prenotified_as is not None and verdict.prenotified_as != installation.generation
    assert ("WRONG_INSTALLATION_TYPE" in codes) == wrong

    # firmware rules
    assert not {"BILINGUAL_FIRMWARE_EXPECTED", "FIRMWARE_MISMATCH"} <= codes
    if record is None or record.firmware_version is None or reading.firmware_version is None:
        assert "FIRMWARE_MISMATCH" not in codes
    if reading.firmware_version is None and reading.hardware_version is None:
        assert "FIRMWARE_NOT_ON_CPL" not in codes
    if "BILINGUAL_FIRMWARE_EXPECTED" in codes:
        assert "BILINGUAL_MODEL" in codes and verdict.sibling_entry is not None

    # SMETS1-only rules
    if installation.generation == Generation.SMETS2:
        assert (
            not {"NOT_IN_EPCL", "FIRMWARE_UPGRADE_UNLIKELY", "SECURE_THIRD_PARTY_FIRMWARE"} & codes
        )

    assert ("CPL_STALE" in codes) == (age is None or age > 14)
    assert ("UNEXPECTED_DEVICE" in codes) == (expected not in (None, DEVICE_ID))
    for reason in verdict.reasons:
        assert reason.severity == REASONS[reason.code].severity
        assert "(unknown)" not in reason.message
    json.dumps(verdict.to_dict("id", "v", "2026-01-01T00:00:00Z"))
