"""Importing CPL files through the CLI as CONTRACT.md describes."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.conftest import BASE_CPL, CPL_HEADER, CliResult, csv_bytes

Cli = Callable[..., CliResult]
WriteFile = Callable[[str, bytes], Path]


def find(cli: Cli, *args: str) -> list[dict[str, object]]:
    result = cli("cpl", "find", "--json", *args)
    assert result.code == 0, result.err
    entries: list[dict[str, object]] = json.loads(result.out)
    return entries


def test_import_status_and_find(cli: Cli, write_file: WriteFile) -> None:
    path = write_file("cpl.csv", csv_bytes([CPL_HEADER, *BASE_CPL]))
    result = cli("cpl", "import", str(path))
    assert result.code == 0, result.err
    assert "8 entries" in result.out and result.out.count("\n") == 1

    status = json.loads(cli("cpl", "status", "--json").out)
    assert status["rows"] == 8
    assert status["by_device_type"]["PPMID"] == 4
    assert status["by_generation"] == {"SMETS1": 2, "SMETS2+": 6}
    assert status["source"] == str(path)
    assert status["stale"] is False

    entries = find(cli, "--manufacturer", "10e0", "--model", "00090100")
    assert {e["firmware_version"] for e in entries} == {"00020002", "80020002"}
    assert all(e["bilingual"] is True for e in entries)
    smets1 = next(e for e in entries if e["firmware_version"] == "80020002")
    assert smets1["smets_generation"] == "SMETS1"
    assert set(smets1) >= {
        "device_type", "manufacturer", "model", "hardware_version", "firmware_version",
        "smets_generation", "status", "bilingual", "manufacturer_name", "model_name",
        "smets_chts_version", "gbcs_version",
    }  # fmt: skip
    # SMETS V1.58 is a SMETS2-era specification, never SMETS1.
    (meter,) = find(cli, "--text", "Single Phase")
    assert meter["smets_generation"] == "SMETS2+"
    # A single-generation PPMID model is not bilingual.
    (other,) = find(cli, "--manufacturer", "1063", "--model", "0A110200")
    assert other["bilingual"] is False


def test_status_before_any_import(cli: Cli) -> None:
    result = cli("cpl", "status", "--json")
    assert result.code == 0
    assert json.loads(result.out)["rows"] == 0


def test_other_spellings_orders_bom_crlf_extra_columns_lower_case(
    cli: Cli, write_file: WriteFile
) -> None:
    header = [
        "firmware_version", "MODEL IDENTIFIER", "Status", "device-type", "Manufacturer ID",
        "HW Version", "Notes", "SMETS / CHTS version", "Model Name", "Manufacturer",
    ]  # fmt: skip
    rows = [
        ["00020002", "00090100", "active", "ppmid", "10e0", "0001", "x, y", "SMETS V5.0", "P2", "T"],
        ["80020002", "00090100", "ACTIVE", "PPMID", "10E0", "0001", "", "SMETS1", "P2", "T"],
        [" 0a0b ", "00ab", "Withdrawn", "IHD", "10E0", "1", "", "SMETS V4.2", "D", "T"],
    ]  # fmt: skip
    path = write_file("odd.csv", csv_bytes([header, *rows], crlf=True, bom=True))
    result = cli("cpl", "import", str(path))
    assert result.code == 0, result.err
    entries = find(cli)
    assert len(entries) == 3
    ihd = next(e for e in entries if e["device_type"] == "IHD")
    assert (ihd["model"], ihd["firmware_version"], ihd["status"]) == ("00AB", "0A0B", "Withdrawn")
    assert sum(1 for e in entries if e["bilingual"]) == 2


def test_explicit_generation_column_wins(cli: Cli, write_file: WriteFile) -> None:
    header = ["Device Type", "Manufacturer Identifier", "Model Identifier", "Hardware Version",
              "Firmware Version", "Status", "SMETS Generation", "SMETS/CHTS Version"]  # fmt: skip
    rows = [
        ["PPMID", "1111", "0001", "01", "AA", "Active", "SMETS1", "Proprietary text"],
        ["PPMID", "1111", "0001", "01", "BB", "Active", "SMETS2", ""],
        ["PPMID", "1111", "0002", "01", "CC", "Active", "", "SMETS V4.2"],
    ]
    path = write_file("gen.csv", csv_bytes([header, *rows]))
    assert cli("cpl", "import", str(path)).code == 0
    by_fw = {e["firmware_version"]: e for e in find(cli)}
    assert by_fw["AA"]["smets_generation"] == "SMETS1"
    assert by_fw["BB"]["smets_generation"] == "SMETS2+"
    assert by_fw["CC"]["smets_generation"] == "SMETS2+"
    assert by_fw["AA"]["bilingual"] is True


def test_reimport_of_identical_content_is_a_no_op(
    cli: Cli, write_file: WriteFile, data_dir: Path
) -> None:
    path = write_file("cpl.csv", csv_bytes([CPL_HEADER, *BASE_CPL]))
    assert cli("cpl", "import", str(path)).code == 0
    again = cli("cpl", "import", str(path))
    assert again.code == 0
    assert "unchanged" in again.out
    connection = sqlite3.connect(data_dir / "installer.sqlite")
    assert connection.execute("SELECT count(*) FROM dataset_version").fetchone()[0] == 1


def test_new_version_keeps_history_and_counts_changes(cli: Cli, write_file: WriteFile) -> None:
    first = write_file("v1.csv", csv_bytes([CPL_HEADER, *BASE_CPL]))
    assert cli("cpl", "import", str(first)).code == 0
    changed = [list(r) for r in BASE_CPL[1:]]  # one removed
    changed[0][9] = "Withdrawn"  # one status changed
    changed.append(
        ["CAD", "New", "1234", "Cad", "00000001", "01", "01", "SMETS V5.1", "", "Active", ""]
    )
    second = write_file("v2.csv", csv_bytes([CPL_HEADER, *changed]))
    result = cli("cpl", "import", str(second))
    assert result.code == 0
    assert "1 added, 1 removed, 1 changed" in result.out
    status = json.loads(cli("cpl", "status", "--json").out)
    assert status["changes"] == {"added": 1, "removed": 1, "changed": 1}
    assert status["previous_rows"] == 8
    assert len(find(cli)) == 8


def test_generation_rules_can_be_overridden_in_the_data_dir(
    cli: Cli, write_file: WriteFile, data_dir: Path
) -> None:
    rows = [
        CPL_HEADER,
        ["PPMID", "M", "1111", "X", "01", "01", "01", "Vendor Gen One", "", "Active", ""],
    ]
    path = write_file("cpl.csv", csv_bytes(rows))
    refused = cli("cpl", "import", str(path))
    assert refused.code == 2 and "Vendor Gen One" in refused.err
    data_dir.mkdir(parents=True, exist_ok=True)
    (data_dir / "generation_rules.toml").write_text(
        '[[rule]]\npattern = "Vendor Gen One"\ngeneration = "SMETS1"\n', encoding="utf-8"
    )
    assert cli("cpl", "import", str(path)).code == 0
    assert find(cli)[0]["smets_generation"] == "SMETS1"


@pytest.mark.parametrize("kind", ["epcl", "advisories"])
def test_epcl_and_advisory_lists_import(cli: Cli, write_file: WriteFile, kind: str) -> None:
    files = {
        "epcl": [
            ["Combination ID", "Cohort", "Device Type", "Manufacturer Identifier",
             "Model Identifier", "Hardware Version", "Firmware Version", "Date Added"],
            ["EPC-1", "foc", "PPMID", "10e0", "00090100", "0001", "80020002", "2021-09-10"],
            ["EPC-1", "FOC", "ESME", "1063", "00050101", "0001", "01010101", ""],
        ],
        "advisories": [
            ["Code", "Reference", "Device Type", "Manufacturer Identifier", "Model Identifier",
             "Hardware Version", "Firmware Version", "Cohort", "Note"],
            ["UNSUPPORTED_LEGACY_PPMID", "S1SR", "PPMID", "1072", "00450001", "", "", "", "old"],
            ["FIRMWARE_UPGRADE_UNLIKELY", "S1SR 18.63(d)", "PPMID", "10E0", "00090100", "", "", "FOC", ""],
        ],
    }  # fmt: skip
    path = write_file(f"{kind}.csv", csv_bytes(files[kind]))
    result = cli(kind, "import", str(path))
    assert result.code == 0, result.err
    assert "2 entries" in result.out
    bad = [list(r) for r in files[kind]]
    bad[1][1 if kind == "epcl" else 0] = "NOPE"
    bad_path = write_file(f"{kind}-bad.csv", csv_bytes(bad))
    refused = cli(kind, "import", str(bad_path))
    assert refused.code == 2
    assert "line 2" in refused.err and "NOPE" in refused.err


def test_clean_and_untidy_spellings_of_one_cpl_store_the_same_entries(
    cli: Cli, write_file: WriteFile
) -> None:
    clean = write_file("clean.csv", csv_bytes([CPL_HEADER, *BASE_CPL]))
    untidy_rows = [
        [f" {r[0].lower()}", f"  {r[1]} ", r[2].lower(), f"{r[3]}  ", r[4].lower(), r[5],
         f"{r[6][:4]}.{r[6][4:]}", f" {r[7]} ", r[8], r[9].upper(), r[10]]
        for r in BASE_CPL
    ]  # fmt: skip
    untidy = write_file("untidy.csv", csv_bytes([CPL_HEADER, *untidy_rows], crlf=True))
    assert cli("cpl", "import", str(clean)).code == 0
    expected = find(cli)
    result = cli("cpl", "import", str(untidy))
    assert result.code == 0, result.err
    assert find(cli) == expected


def test_many_distinct_smets_versions(cli: Cli, write_file: WriteFile) -> None:
    rows = [
        ["ESME", "M", "1111", "X", f"{i:08X}", "01", "01", f"SMETS V5.{i}", "", "Active", ""]
        for i in range(100)
    ] + [["PPMID", "M", "1111", "P", "00000001", "01", "AA", "SMETS 1", "", "Active", ""]]
    path = write_file("many.csv", csv_bytes([CPL_HEADER, *rows]))
    assert cli("cpl", "import", str(path)).code == 0
    entries = find(cli)
    assert len(entries) == 101
    assert sum(e["smets_generation"] == "SMETS1" for e in entries) == 1
    assert {e["smets_chts_version"] for e in entries if e["device_type"] == "ESME"} == {
        f"SMETS V5.{i}" for i in range(100)
    }


def test_changed_entries_are_listed_one_by_one(
    cli: Cli, write_file: WriteFile, data_dir: Path
) -> None:
    from installer_app.store.db import Database
    from installer_app.store.reference import cpl_changes, current_version

    assert (
        cli("cpl", "import", str(write_file("v1.csv", csv_bytes([CPL_HEADER, *BASE_CPL])))).code
        == 0
    )
    rows = [list(r) for r in BASE_CPL[1:]]
    rows[0][9] = "Withdrawn"
    assert cli("cpl", "import", str(write_file("v2.csv", csv_bytes([CPL_HEADER, *rows])))).code == 0
    with Database(data_dir) as db, db.read() as connection:
        version = current_version(connection, "cpl")
        assert version is not None and version.previous_id is not None
        changes = cpl_changes(connection, version.id, version.previous_id)
    texts = sorted(c.text() for c in changes)
    assert texts == [
        "changed PPMID 10E0/00090100 hw 0001 fw 80020002: Active · SMETS1 · Prepay P2 → "
        "Withdrawn · SMETS1 · Prepay P2",
        "removed PPMID 10E0/00090100 hw 0001 fw 00020002 (was Active · SMETS2+)",
    ]
