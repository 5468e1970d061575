"""Every malformed CPL is refused with a message naming what is wrong, and nothing stored changes."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from tests.conftest import BASE_CPL, CPL_HEADER, CliResult, csv_bytes, dump_reference

Cli = Callable[..., CliResult]
GOOD = csv_bytes([CPL_HEADER, *BASE_CPL])


def _with(row_index: int, column: int, value: str) -> bytes:
    rows = [list(r) for r in BASE_CPL]
    rows[row_index][column] = value
    return csv_bytes([CPL_HEADER, *rows])


MALFORMED: dict[str, tuple[bytes, list[str]]] = {
    # name: (file content, fragments the error message must contain)
    "missing required column": (
        csv_bytes([CPL_HEADER[:6] + CPL_HEADER[7:], *[r[:6] + r[7:] for r in BASE_CPL]]),
        ["Firmware Version", "missing"],
    ),
    "bad hex manufacturer": (_with(2, 2, "10G3"), ["line 4", "Manufacturer Identifier", "10G3"]),
    "manufacturer too short": (_with(0, 2, "10E"), ["line 2", "10E", "4 hex digits"]),
    "bad hex model": (_with(1, 4, "XYZ"), ["line 3", "Model Identifier", "XYZ"]),
    "unknown status": (_with(3, 9, "Retired"), ["line 5", "Status", "Retired", "Active"]),
    "unknown device type": (_with(4, 0, "TOASTER"), ["line 6", "TOASTER"]),
    "unmatched SMETS version": (_with(5, 7, "V9"), ["line 7", "V9", "SMETS Generation"]),
    "bad date": (_with(0, 10, "30/08/2031"), ["line 2", "30/08/2031", "YYYY-MM-DD"]),
    "empty firmware": (_with(6, 6, "  "), ["line 8", "Firmware Version", "empty"]),
    "firmware too long": (_with(6, 6, "F" * 31), ["line 8", "30"]),
    "duplicate key": (
        csv_bytes([CPL_HEADER, *BASE_CPL, BASE_CPL[2]]),
        ["line 10", "line 4", "duplicate"],
    ),
    "duplicate key after normalising": (
        csv_bytes(
            [CPL_HEADER, *BASE_CPL, [*BASE_CPL[2][:2], "1063", "x", "0a110200", *BASE_CPL[2][5:]]]
        ),
        ["line 10", "line 4"],
    ),
    "too many fields": (
        GOOD + b"PPMID,a,10E0,b,0001,01,01,SMETS1,,Active,,EXTRA\n",
        ["line 10", "12 fields", "11"],
    ),
    "too few fields": (GOOD + b"PPMID,a,10E0\n", ["line 10", "3 fields"]),
    "empty file": (b"", ["empty"]),
    "only white space": (b"\n\n  \n", ["empty"]),
    "header only": (csv_bytes([CPL_HEADER]), ["no entries", "unchanged"]),
    "truncated quote": (
        GOOD + b'PPMID,"Unfinished maker,10E0,x,0001,01,01,SMETS1,,Active,\n',
        ["line 10", "quot"],
    ),
    "binary": (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)), ["not a CSV"]),
    "latin-1 encoding": (
        GOOD + "PPMID,Société,10E0,x,0001,01,02,SMETS1,,Active,\n".encode("latin-1"),
        ["line 10", "UTF-8"],
    ),
    "utf-16": ("\ufeff".encode("utf-16-le") + GOOD.decode().encode("utf-16-le"), ["UTF-16"]),
    "not a CPL at all": (csv_bytes([["Name", "Address"], ["Ann", "1 High St"]]), ["missing"]),
    "two columns for one field": (
        csv_bytes([[*CPL_HEADER, "Firmware"], *[[*r, r[6]] for r in BASE_CPL]]),
        ["Firmware", "both"],
    ),
}


@pytest.mark.parametrize("name", sorted(MALFORMED))
def test_malformed_cpl_is_refused_and_stored_cpl_is_unchanged(
    name: str, cli: Cli, write_file: Callable[[str, bytes], Path], data_dir: Path
) -> None:
    good = write_file("good.csv", GOOD)
    assert cli("cpl", "import", str(good)).code == 0
    before = dump_reference(data_dir / "installer.sqlite")

    content, fragments = MALFORMED[name]
    bad = write_file("bad.csv", content)
    result = cli("cpl", "import", str(bad))

    assert result.code == 2, result
    assert "Traceback" not in result.err
    assert str(bad) in result.err or "bad.csv" in result.err
    for fragment in fragments:
        assert fragment.lower() in result.err.lower(), (fragment, result.err)
    assert dump_reference(data_dir / "installer.sqlite") == before
    assert result.out == ""


def test_missing_file_and_folder_are_clear_errors(cli: Cli, tmp_path: Path) -> None:
    missing = cli("cpl", "import", str(tmp_path / "nope.csv"))
    assert missing.code == 2 and "no such file" in missing.err
    folder = cli("cpl", "import", str(tmp_path))
    assert folder.code == 2 and "not a file" in folder.err


def test_every_bad_row_is_listed_up_to_a_limit(
    cli: Cli, write_file: Callable[[str, bytes], Path]
) -> None:
    rows = [list(r) for r in BASE_CPL] * 1
    bad_rows = [[*rows[0][:2], "ZZZZ", *rows[0][3:6], f"{i:04X}", *rows[0][7:]] for i in range(30)]
    result = cli("cpl", "import", str(write_file("bad.csv", csv_bytes([CPL_HEADER, *bad_rows]))))
    assert result.code == 2
    assert "30 problem(s)" in result.err
    assert "line 2:" in result.err and "line 21:" in result.err
    assert "and 10 more" in result.err
