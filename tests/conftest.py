"""Shared fixtures: a fresh data directory per test, the CLI run in process, CSV builders."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import csv
import io
import sqlite3
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import pytest
from hypothesis import settings

from installer_app.cli import context
from installer_app.cli.main import main
from installer_app.store.db import Database

# The default run is reproducible (CI must not pass or fail by chance); `--hypothesis-profile
# fuzz` explores with fresh random examples and many more of them.
settings.register_profile("default", derandomize=True, deadline=None)
# `derandomize=False` said explicitly: a new profile inherits the loaded one's settings, and a
# derandomized "fuzz" run would try the same examples every time.
settings.register_profile("fuzz", max_examples=5_000, deadline=None, derandomize=False)
settings.load_profile("default")

CPL_HEADER = [
    "Device Type", "Manufacturer", "Manufacturer Identifier", "Model", "Model Identifier",
    "Hardware Version", "Firmware Version", "SMETS/CHTS Version", "GBCS Version", "Status",
    "CPA Certificate Expiry Date",
]  # fmt: skip

BASE_CPL = [
    ["PPMID", "Test Maker", "10E0", "Prepay P2", "00090100", "0001", "00020002", "SMETS V5.0", "4.2", "Active", "2031-08-30"],
    ["PPMID", "Test Maker", "10E0", "Prepay P2", "00090100", "0001", "80020002", "SMETS1", "", "Active", "2031-08-30"],
    ["PPMID", "Other Maker", "1063", "Pay Point", "0A110200", "0002", "01000004", "SMETS V4.2", "4.2", "Active", ""],
    ["PPMID", "Old Maker", "1072", "Pebble", "00450001", "0100", "00000107", "SMETS1", "", "Withdrawn", ""],
    ["IHD", "Test Maker", "10E0", "Home Display", "00090200", "0001", "00030001", "SMETS V5.0", "4.2", "Active", "2031-08-30"],
    ["CHF", "Old Maker", "1072", "Hub 4G", "57310102", "0003", "04000007", "CHTS V1.4", "4.2", "Active", "2031-08-30"],
    ["GPF", "Old Maker", "1072", "Hub 4G", "57310102", "0003", "04000007", "CHTS V1.4", "4.2", "Active", "2031-08-30"],
    ["ESME", "Other Maker", "1063", "Single Phase", "00050203", "0001", "38040404", "SMETS V1.58", "3.2", "Active", ""],
]  # fmt: skip


def csv_bytes(rows: Sequence[Sequence[str]], *, crlf: bool = False, bom: bool = False) -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n" if crlf else "\n").writerows(rows)
    data = buffer.getvalue().encode("utf-8")
    return (b"\xef\xbb\xbf" + data) if bom else data


@dataclass
class CliResult:
    code: int
    out: str
    err: str


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    return tmp_path / "data"


@pytest.fixture
def db(data_dir: Path) -> Iterator[Database]:
    database = Database(data_dir)
    yield database
    database.close()


@pytest.fixture
def cli(
    data_dir: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> Callable[..., CliResult]:
    """Run ``installer-app --data-dir <tmp> ARGS…`` in process; returns code, stdout, stderr."""
    monkeypatch.setenv("INSTALLER_APP_LOG_DIR", str(data_dir.parent / "logs"))

    def run(*args: str) -> CliResult:
        capsys.readouterr()
        code = main(["--data-dir", str(data_dir), *args])
        captured = capsys.readouterr()
        context.configure(None)
        return CliResult(code, captured.out, captured.err)

    return run


@pytest.fixture
def write_file(tmp_path: Path) -> Callable[[str, bytes], Path]:
    def write(name: str, data: bytes) -> Path:
        path = tmp_path / name
        path.write_bytes(data)
        return path

    return write


def dump_reference(db_path: Path) -> tuple[list[tuple[object, ...]], list[tuple[object, ...]]]:
    """Everything stored about reference data, to prove a failed import changed nothing."""
    connection = sqlite3.connect(db_path)
    try:
        entries = connection.execute("SELECT * FROM cpl_entry ORDER BY 1, 2, 3, 4, 5, 6").fetchall()
        versions = connection.execute("SELECT * FROM dataset_version ORDER BY id").fetchall()
    finally:
        connection.close()
    return entries, versions
