"""The log's safety net: tokens, postcodes, MPxNs and quoted values are masked; the rest kept."""

from __future__ import annotations

import pytest

from installer_app.log_privacy import MASK, redact


@pytest.mark.parametrize(
    ("text", "secret"),
    [
        ("sync with ia1.0123abcd.s3cr3t-_XyZ failed", "s3cr3t-_XyZ"),
        ("Authorization: Bearer abc.def-ghi", "abc.def-ghi"),
        ("job 3: address '12 Mill Lane, Anytown' is longer than 200", "12 Mill Lane"),
        ('job 3: address "Flat 2, 4 High St…', "Flat 2, 4 High St"),
        ("KeyError: 'The Old Barn'", "The Old Barn"),
        ("meter at AB1 2CD", "AB1 2CD"),
        ("postcode sw1a1aa", "sw1a1aa"),
        ("MPAN core 1200023305967", "1200023305967"),
        ("full 001122334455667788990", "001122334455667788990"),
        ("MPRN: 7654321", "7654321"),
        ("mpxn 12 345 678", "12 345 678"),
    ],
)
def test_personal_data_and_secrets_are_masked(text: str, secret: str) -> None:
    shown = redact(text)
    assert secret not in shown
    assert MASK in shown


@pytest.mark.parametrize(
    "text",
    [
        "check 8f3c2a1b-4e5f-4a6b-9c8d-123456789abc: block (WRONG_INSTALLATION_TYPE)",
        "device 00-DB-12-34-B0-00-00-01 read from /dev/pts/3 at 9600 baud",
        "device 00DB123456789012, 100000 rows in 812 ms",
        "2026-11-24 02:51:06,123 INFO installer_app.sync: GET /api/v1/me -> 200 (12 ms)",
        "don't block: the installers' records are safe",
        "firmware SMETS V5.0 from manufacturer 10E0",
        "    raise UserError('a source line of a traceback keeps its quotes')",
    ],
)
def test_what_support_needs_is_kept(text: str) -> None:
    assert redact(text) == text
