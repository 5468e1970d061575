"""The header alias tables are data: each spelling must mean exactly one field."""

from __future__ import annotations

import pytest

from installer_app.store.csv_table import alias_table, header_key


@pytest.mark.parametrize("kind", ["cpl", "epcl", "advisories", "prenotifications"])
def test_every_spelling_means_one_field(kind: str) -> None:
    table = alias_table(kind)
    owner: dict[str, str] = {}
    for spec in table.fields:
        for alias in spec.aliases:
            assert owner.setdefault(alias, spec.name) == spec.name, (alias, owner[alias], spec.name)
    assert any(spec.required for spec in table.fields)


@pytest.mark.parametrize(
    ("header", "field"),
    [
        ("Manufacturer Identifier", "manufacturer_id"),
        ("manufacturer_identifier", "manufacturer_id"),
        ("MANUFACTURER-ID", "manufacturer_id"),
        ("SMETS/CHTS Version", "smets_chts_version"),
        ("smets chts version", "smets_chts_version"),
        ("FW Version", "firmware_version"),
        ("Hardware Version", "hardware_version"),
        ("CPA Certificate Expiry Date", "cpa_expiry"),
        ("Manufacturer", "manufacturer_name"),
        ("Model", "model_name"),
        ("SMETS Generation", "smets_generation"),
    ],
)
def test_cpl_header_spellings(header: str, field: str) -> None:
    lookup = alias_table("cpl").lookup()
    assert lookup[header_key(header)].name == field
