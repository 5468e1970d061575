"""The reason table: every CONTRACT.md code, with the contract's severity, and usable messages."""

from __future__ import annotations

import string

import pytest

from installer_app.domain.model import ADVISORY_CODES
from installer_app.domain.reasons import REASONS, Reason, Severity, make_reason, sort_key
from installer_app.domain.verdict import RULES

# CONTRACT.md "Reason codes (stable; add new ones, never rename)": code -> severity.
CONTRACT_CODES = {
    "NOT_PRENOTIFIED": "block",
    "WRONG_INSTALLATION_TYPE": "block",
    "PRENOTIFIED_GENERATION_UNKNOWN": "block",
    "PRENOTIFICATION_INCONSISTENT": "block",
    "NOT_A_PPMID": "block",
    "DEVICE_MODEL_MISMATCH": "block",
    "PRENOTIFIED_MODEL_NOT_ON_CPL": "block",
    "CPL_ENTRY_NOT_ACTIVE": "block",
    "DEVICE_STATUS_NOT_JOINABLE": "block",
    "FIRMWARE_NOT_ON_CPL": "block",
    "FIRMWARE_MISMATCH": "warn",
    "NOT_IN_EPCL": "warn",
    "CPL_STALE": "warn",
    "UNEXPECTED_DEVICE": "warn",
    "BILINGUAL_MODEL": "info",
    "BILINGUAL_FIRMWARE_EXPECTED": "info",
    "FIRMWARE_UPGRADE_UNLIKELY": "info",
    "SECURE_THIRD_PARTY_FIRMWARE": "info",
    "UNSUPPORTED_LEGACY_PPMID": "info",
}


@pytest.mark.parametrize(("code", "severity"), sorted(CONTRACT_CODES.items()))
def test_every_contract_code_is_in_the_table_with_its_severity(code: str, severity: str) -> None:
    spec = REASONS[code]
    assert spec.code == code
    assert spec.severity == Severity(severity)
    assert str(spec.severity) == severity


def test_the_table_holds_no_code_outside_the_contract() -> None:
    # A new code must be added to CONTRACT.md first (and then to this test).
    assert set(REASONS) == set(CONTRACT_CODES)


def test_every_code_has_a_rule_in_the_engine_and_advisory_codes_are_reasons() -> None:
    assert [code for code, _ in RULES] == list(REASONS)
    assert set(ADVISORY_CODES) <= set(REASONS)


@pytest.mark.parametrize("code", sorted(CONTRACT_CODES))
def test_every_entry_has_reference_title_and_a_plain_english_message(code: str) -> None:
    spec = REASONS[code]
    assert spec.reference.strip()
    assert spec.title.strip()
    fields = {name for _, name, _, _ in string.Formatter().parse(spec.template) if name}
    reason = make_reason(
        code, **{name: "" if name.endswith("_part") else f"<{name}>" for name in fields}
    )
    assert reason.code == code and reason.severity == spec.severity
    assert "(unknown)" not in reason.message
    assert reason.message.endswith(".")
    assert len(reason.message) > 60


@pytest.mark.parametrize(
    "code", [code for code, severity in CONTRACT_CODES.items() if severity != "info"]
)
def test_block_and_warn_messages_say_what_to_do(code: str) -> None:
    text = REASONS[code].template.lower()
    assert any(
        verb in text
        for verb in (
            "do not join",
            "ask the back office",
            "tell the back office",
            "check that",
            "sync",
            "join only",
        )
    ), code


def test_wrong_installation_type_tells_the_installer_to_re_prenotify() -> None:
    reason = make_reason(
        "WRONG_INSTALLATION_TYPE",
        prenotified_as="SMETS1",
        installation="SMETS2+",
        evidence="inventory CSP Region SMETS1",
    )
    assert reason.reference == "SEC A2.13"
    assert "re-pre-notify it against the SMETS2+ CPL entry" in reason.message
    assert "pre-notified as SMETS1" in reason.message


def test_missing_context_never_breaks_a_message() -> None:
    reason = make_reason("WRONG_INSTALLATION_TYPE")
    assert "(unknown)" in reason.message


def test_reference_can_be_overridden_by_the_advisory_row() -> None:
    reason = make_reason("FIRMWARE_UPGRADE_UNLIKELY", reference="S1SR Annex C", note_part="")
    assert reason.reference == "S1SR Annex C"
    assert make_reason("FIRMWARE_UPGRADE_UNLIKELY").reference == "S1SR 18.63(d)/18.65(e)"


def test_unknown_code_is_a_programming_error() -> None:
    with pytest.raises(KeyError):
        make_reason("NO_SUCH_CODE")


def test_sort_key_orders_block_warn_info_then_table_order() -> None:
    reasons = [
        Reason("BILINGUAL_MODEL", Severity.INFO, "", ""),
        Reason("CPL_STALE", Severity.WARN, "", ""),
        Reason("NOT_A_PPMID", Severity.BLOCK, "", ""),
        Reason("NOT_PRENOTIFIED", Severity.BLOCK, "", ""),
    ]
    ordered = [r.code for r in sorted(reasons, key=sort_key)]
    assert ordered == ["NOT_PRENOTIFIED", "NOT_A_PPMID", "CPL_STALE", "BILINGUAL_MODEL"]


def test_reason_json_shape() -> None:
    reason = Reason("CPL_STALE", Severity.WARN, "msg", "ref")
    assert reason.to_json() == {
        "code": "CPL_STALE",
        "severity": "warn",
        "message": "msg",
        "reference": "ref",
    }
