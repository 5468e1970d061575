"""Hostile input through the real command line (issue 8, "hostile input").

Every file import of CONTRACT.md (``cpl``/``epcl``/``advisories import``, ``prenotifications
import`` of CSV and DUIS XML, ``jobs import``) is run against a data directory that already
holds the demo data, with files that are too big, hold NUL bytes, come in the wrong encoding,
are not files at all, or carry SQL metacharacters in every text field. A refusal must exit 2 with
one short message naming the file (and the line and field where there is one) and no traceback,
and must leave every stored row and the schema exactly as they were. What is accepted must come
back byte for byte (after the normalising the contract documents). The history CSV export's
output path and the CLI's own text arguments get the same treatment.
"""

from __future__ import annotations

import contextlib
import csv
import io
import json
import os
import resource
import shutil
import sqlite3
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from xml.sax.saxutils import escape as xml_escape

import pytest

from installer_app.cli import context
from installer_app.cli.commands_gui import seed_demo
from installer_app.cli.main import main
from installer_app.domain.identifiers import normalise_version
from installer_app.errors import UserError
from installer_app.services import browse
from installer_app.services.browse import FindQuery
from installer_app.services.reference import MAX_LOCAL_FILE_BYTES
from installer_app.store.csv_table import MAX_FIELD_CHARS
from installer_app.store.db import Database
from installer_app.store.jobs_file import MAX_JOBS_BYTES
from installer_app.store.prenotification_files import DUIS_NAMESPACE, MAX_CSV_BYTES, MAX_XML_BYTES
from tests.conftest import BASE_CPL, CPL_HEADER, CliResult, csv_bytes

Cli = Callable[..., CliResult]
MB = 1_000_000

EVIL = [
    "'",
    '"',
    ";",
    "--",
    "%",
    "_",
    "\\",
    "' OR '1'='1",
    "'); DROP TABLE cpl_entry; --",
    "Robert'); DROP TABLE job;--",
    "%_\\%",
    "{0} %s",
]
"""SQL metacharacters (and two format-string ones): stored and given back literally, or refused."""

HALDEN_S1 = "00-DB-12-34-56-78-B0-01"
"""A demo PPMID pre-notified as SMETS1 (10F1 / 00A20100, firmware 81020003) for job JOB-1002."""
HALDEN_READING = ("--manufacturer", "10F1", "--model", "00A20100", "--firmware-version", "81020003")


# --------------------------------------------------------------------------- the data directory


@pytest.fixture(scope="module")
def demo_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A data directory with the demo data imported, made once and copied for each test."""
    path = tmp_path_factory.mktemp("demo") / "data"
    with Database(path) as db:
        assert seed_demo(db)
    return path


@pytest.fixture(autouse=True)
def demo(demo_template: Path, data_dir: Path) -> Path:
    shutil.copytree(demo_template, data_dir)
    return data_dir


def snapshot(data_dir: Path) -> dict[str, object]:
    """The schema, every row of every table, the settings and the directory's files."""
    connection = sqlite3.connect(data_dir / "installer.sqlite")
    try:
        schema = connection.execute(
            "SELECT type, name, tbl_name, sql FROM sqlite_master ORDER BY type, name"
        ).fetchall()
        tables = {
            name: sorted(connection.execute(f'SELECT * FROM "{name}"').fetchall(), key=repr)
            for kind, name, _, _ in schema
            if kind == "table"
        }
        assert connection.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    finally:
        connection.close()
    files = sorted(p.name for p in data_dir.iterdir() if not p.name.endswith(("-wal", "-shm")))
    return {
        "schema": schema,
        "tables": tables,
        "files": files,
        "settings": (data_dir / "settings.json").read_bytes(),
    }


def schema(data_dir: Path) -> list[tuple[object, ...]]:
    connection = sqlite3.connect(data_dir / "installer.sqlite")
    try:
        return connection.execute(
            "SELECT type, name, tbl_name, sql FROM sqlite_master ORDER BY type, name"
        ).fetchall()
    finally:
        connection.close()


def query(data_dir: Path, sql: str, *params: object) -> list[tuple[object, ...]]:
    connection = sqlite3.connect(data_dir / "installer.sqlite")
    try:
        return connection.execute(sql, params).fetchall()
    finally:
        connection.close()


def current(kind: str) -> str:
    return f"(SELECT id FROM dataset_version WHERE kind = '{kind}' AND is_current)"


def refused(result: CliResult, *fragments: str, file: Path | None = None) -> None:
    """Exit 2, one short plain message holding every fragment, nothing on stdout, no traceback;
    with ``file``, the message names it (and the fragments are looked for in the rest)."""
    assert result.code == 2, result
    assert "Traceback" not in result.err + result.out, result.err
    assert result.out == "", result.out
    assert len(result.err) < 3000, f"a {len(result.err):,}-character message"
    message = result.err
    if file is not None:
        assert file.name in message, (file.name, message)
        message = message.replace(str(file), "FILE").replace(file.name, "FILE")
    for fragment in fragments:
        assert fragment.lower() in message.lower(), (fragment, result.err)


def accepted(result: CliResult) -> None:
    assert result.code == 0, result
    assert "Traceback" not in result.err + result.out


# --------------------------------------------------------------------------- the entry points

PLACE = b"@@V@@"


@dataclass(frozen=True)
class Entry:
    """One file import, a good file for it with a placeholder in one text field, and a way to
    read back what that field now holds."""

    name: str
    command: tuple[str, ...]
    suffix: str
    kind: str  # "csv" | "xml" | "json"
    cap: int
    template: bytes
    field: str
    escape: Callable[[str], str]
    stored_sql: str
    ok_value: str

    def with_bytes(self, value: bytes) -> bytes:
        assert self.template.count(PLACE) == 1
        return self.template.replace(PLACE, value)

    def with_text(self, value: str) -> bytes:
        return self.with_bytes(self.escape(value).encode("utf-8"))

    @property
    def value_line(self) -> int:
        return self.template[: self.template.index(PLACE)].count(b"\n") + 1

    def stored(self, data_dir: Path) -> set[object]:
        return {row[0] for row in query(data_dir, self.stored_sql)}


def _csv_template(rows: list[list[str]]) -> bytes:
    return csv_bytes(rows).replace(b"@@V@@", PLACE)


EPCL_HEADER = [
    "Combination ID", "Cohort", "Device Type", "Manufacturer Identifier", "Model Identifier",
    "Hardware Version", "Firmware Version", "Date Added",
]  # fmt: skip
ADVISORY_HEADER = [
    "Code", "Reference", "Device Type", "Manufacturer Identifier", "Model Identifier",
    "Hardware Version", "Firmware Version", "Cohort", "Note",
]  # fmt: skip
PN_HEADER = [
    "Device ID", "Device Type", "Manufacturer Identifier", "Model Identifier", "Firmware Version",
    "SMETS/CHTS Version", "Status", "S1SP", "CSP Region", "Job Reference",
]  # fmt: skip


def request_12_2(fields: dict[str, str]) -> str:
    """A DUIS SR 12.2 Device Pre-notification request, one element per line."""
    inner = "".join(f"\n      <sr:{k}>{v}</sr:{k}>" for k, v in fields.items())
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<sr:Request xmlns:sr="{DUIS_NAMESPACE}" schemaVersion="5.4">\n'
        "  <sr:Header>\n"
        "    <sr:RequestID>90-B3-D5-1F-30-01-00-00:90-B3-D5-1F-30-00-00-02:1</sr:RequestID>\n"
        "    <sr:CommandVariant>8</sr:CommandVariant>\n"
        "    <sr:ServiceReference>12.2</sr:ServiceReference>\n"
        "    <sr:ServiceReferenceVariant>12.2</sr:ServiceReferenceVariant>\n"
        "  </sr:Header>\n"
        f"  <sr:Body>\n    <sr:DevicePrenotification>{inner}\n    </sr:DevicePrenotification>\n"
        "  </sr:Body>\n</sr:Request>\n"
    )


def response_8_2(devices: list[dict[str, str]]) -> str:
    """A DUIS SR 8.2 Read Inventory response listing ``devices``."""
    body = "".join(
        "\n      <sr:Device>"
        + "".join(f"\n        <sr:{k}>{v}</sr:{k}>" for k, v in device.items())
        + "\n      </sr:Device>"
        for device in devices
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<sr:Response xmlns:sr="{DUIS_NAMESPACE}" schemaVersion="5.4">\n'
        "  <sr:Header><sr:ResponseCode>I0</sr:ResponseCode>"
        "<sr:ResponseDateTime>2026-11-20T09:15:02Z</sr:ResponseDateTime></sr:Header>\n"
        "  <sr:Body><sr:ResponseMessage><sr:ServiceReference>8.2</sr:ServiceReference>"
        "<sr:ServiceReferenceVariant>8.2</sr:ServiceReferenceVariant>\n"
        f"    <sr:DSPInventory>{body}\n    </sr:DSPInventory>\n"
        "  </sr:ResponseMessage></sr:Body>\n</sr:Response>\n"
    )


def job(reference: str, address: str, **changes: object) -> dict[str, object]:
    return {
        "reference": reference, "address": address, "installation": "SMETS1", "cohort": "FOC",
        "comms_hub_id": None, "meter_ids": [], "expected_ppmid_id": HALDEN_S1,
        "scheduled_for": "2026-11-24", **changes,
    }  # fmt: skip


def jobs_document(jobs: list[dict[str, object]]) -> str:
    return '{"jobs": [\n' + ",\n".join(json.dumps(j) for j in jobs) + "\n]}\n"


def _same(value: str) -> str:
    return value


def _json_escape(value: str) -> str:
    return json.dumps(value)[1:-1]


ENTRIES = {
    entry.name: entry
    for entry in (
        Entry(
            "cpl", ("cpl", "import"), ".csv", "csv", MAX_LOCAL_FILE_BYTES,
            _csv_template([CPL_HEADER, ["PPMID", "@@V@@", *BASE_CPL[0][2:]], *BASE_CPL[1:]]),
            "Manufacturer", _same,
            f"SELECT manufacturer_name FROM cpl_entry WHERE version_id = {current('cpl')}",
            "Accepted Maker Ltd",
        ),
        Entry(
            "epcl", ("epcl", "import"), ".csv", "csv", MAX_LOCAL_FILE_BYTES,
            _csv_template([
                EPCL_HEADER,
                ["@@V@@", "FOC", "PPMID", "10F1", "00A20100", "0002", "81020003", "2022-03-14"],
                ["HX-EPC-2", "MOC", "PPMID", "1077", "00460002", "0100", "00000210", "2021-07-01"],
            ]),
            "Combination ID", _same,
            f"SELECT combination_id FROM epcl_entry WHERE version_id = {current('epcl')}",
            "HX-EPC-ACCEPTED",
        ),
        Entry(
            "advisories", ("advisories", "import"), ".csv", "csv", MAX_LOCAL_FILE_BYTES,
            _csv_template([
                ADVISORY_HEADER,
                ["FIRMWARE_UPGRADE_UNLIKELY", "S1SR 18.63(d)", "PPMID", "10F1", "00A20100", "",
                 "", "FOC", "@@V@@"],
                ["UNSUPPORTED_LEGACY_PPMID", "S1SR 18.65(e)", "PPMID", "1077", "00460002", "", "",
                 "", "No longer supported"],
            ]),
            "Note", _same,
            f"SELECT note FROM advisory WHERE version_id = {current('advisories')}",
            "An accepted note",
        ),
        Entry(
            "prenotifications-csv", ("prenotifications", "import"), ".csv", "csv", MAX_CSV_BYTES,
            _csv_template([
                PN_HEADER,
                ["00-DB-12-34-56-78-90-A1", "PPMID", "10F1", "00A20100", "81020003", "SMETS1",
                 "Pending", "@@V@@", "SMETS1", "JOB-1002"],
                ["00-DB-12-34-56-78-90-A2", "PPMID", "10F1", "00A20100", "01020003",
                 "SMETS V5.1", "Pending", "", "North", "JOB-1001"],
            ]),
            "S1SP", _same,
            "SELECT s1sp FROM prenotification WHERE is_current",
            "Accepted S1SP",
        ),
        Entry(
            "prenotifications-xml", ("prenotifications", "import"), ".xml", "xml", MAX_XML_BYTES,
            request_12_2({
                "DeviceID": "00-DB-12-34-56-78-90-A3", "DeviceManufacturer": "10F1",
                "DeviceModel": "@@V@@", "DeviceType": "PPMID", "SMETSCHTSVersion": "SMETS1",
                "FirmwareVersion": "81020003",
            }).encode(),
            "DeviceModel", xml_escape,
            "SELECT model FROM prenotification WHERE is_current",
            "ACCEPTEDMODEL1",
        ),
        Entry(
            "jobs", ("jobs", "import"), ".json", "json", MAX_JOBS_BYTES,
            jobs_document([job("HX-1", "@@V@@"), job("HX-2", "2 Second Street")]).encode(),
            "address", _json_escape,
            "SELECT address FROM job",
            "1 Accepted Road, Anytown",
        ),
    )
}  # fmt: skip
COMMANDS = {name: ENTRIES[name] for name in ENTRIES if name != "prenotifications-xml"}
"""One entry per command (the two pre-notification formats share theirs)."""


# --------------------------------------------------------------------------- file content


def _insert_line(data: bytes, line: bytes) -> bytes:
    first, rest = data.split(b"\n", 1)
    return first + b"\n" + line + b"\n" + rest


def _huge_field(entry: Entry) -> int:
    """10 MB, or half the file cap where the cap is smaller (the field, not the file, is judged)."""
    return min(10 * MB, entry.cap // 2)


Case = Callable[[Entry], "tuple[bytes, list[str]] | None"]


def _by_kind(entry: Entry, **fragments: list[str]) -> list[str]:
    return fragments[entry.kind]


CONTENT_CASES: dict[str, Case] = {
    "nul-in-field": lambda e: (
        e.with_bytes(b"Bad\x00Value"),
        [
            f"line {e.value_line}",
            *_by_kind(e, csv=["binary data"], xml=["not well-formed"], json=["NUL"]),
        ],
    ),
    "nul-line": lambda e: (
        _insert_line(e.with_text(e.ok_value), b"\x00" * 16),
        ["line 2", *_by_kind(e, csv=["binary data"], xml=["not well-formed"], json=["NUL"])],
    ),
    "nul-escaped": lambda e: None
    if e.kind == "csv"
    else (
        e.with_bytes(b"Bad&#0;Value" if e.kind == "xml" else b"Bad\\u0000Value"),
        _by_kind(e, csv=[], xml=["not well-formed", f"line {e.value_line}"], json=["U+0000"]),
    ),
    "utf-16-le-bom": lambda e: (b"\xff\xfe" + e.with_text(e.ok_value).decode().encode("utf-16-le"), ["UTF-16"]),
    "utf-16-be-bom": lambda e: (b"\xfe\xff" + e.with_text(e.ok_value).decode().encode("utf-16-be"), ["UTF-16"]),
    # (DUIS XML in UTF-16 without a BOM is well-formed XML whose encoding the parser detects:
    # it is accepted, see ACCEPTED_CASES.)
    "utf-16-le-no-bom": lambda e: None
    if e.kind == "xml"
    else (e.with_text(e.ok_value).decode().encode("utf-16-le"), ["UTF-16"]),
    "utf-16-be-no-bom": lambda e: (e.with_text(e.ok_value).decode().encode("utf-16-be"), ["UTF-16"]),
    "latin-1": lambda e: (
        e.with_bytes("SOCIÉTÉ Générale".encode("latin-1")),
        [
            f"line {e.value_line}",
            *_by_kind(e, csv=["0xC9", "UTF-8"], xml=["not well-formed"], json=["not UTF-8"]),
        ],
    ),
    "cp1252-smart-quote": lambda e: (
        e.with_bytes("O’BRIEN".encode("cp1252")),
        [
            f"line {e.value_line}",
            *_by_kind(e, csv=["0x92", "UTF-8"], xml=["not well-formed"], json=["not UTF-8"]),
        ],
    ),
    "huge-field": lambda e: (
        e.with_bytes(b"A" * _huge_field(e)),
        _by_kind(
            e,
            csv=[f"line {e.value_line}", e.field, f"{_huge_field(e):,} characters"],
            xml=[e.field, "longer than 30"],
            json=[e.field, "longer than 500"],
        ),
    ),
    "huge-quoted-field": lambda e: None
    if e.kind != "csv"
    else (e.with_bytes(b'"' + b"A" * 10 * MB + b'"'), [f"line {e.value_line}", "quoted value", "longer"]),
    "quote-never-closed": lambda e: None
    if e.kind != "csv"
    else (e.with_bytes(b'"Unclosed'), [f"line {e.value_line}", "quot"]),
    "megabyte-line": lambda e: (
        _insert_line(e.with_text(e.ok_value), b"x," * 500_000)
        if e.kind == "csv"
        else e.with_bytes(b"B" * MB),
        _by_kind(
            e,
            csv=["line 2", "500001 fields"],
            xml=[e.field, "longer than 30"],
            json=[e.field, "longer than 500"],
        ),
    ),
    "binary-garbage": lambda e: (
        b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 64,
        _by_kind(e, csv=["not a CSV"], xml=["not a CSV"], json=["NUL"]),
    ),
    "xml-external-entity": lambda e: None
    if e.kind != "xml"
    else (
        e.with_text(e.ok_value).replace(
            b"?>\n", b'?>\n<!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]>\n', 1
        ).replace(b"ACCEPTEDMODEL1", b"&x;"),
        ["DTD or entities"],
    ),
    "xml-billion-laughs": lambda e: None
    if e.kind != "xml"
    else (
        e.with_text(e.ok_value).replace(
            b"?>\n",
            b'?>\n<!DOCTYPE r [<!ENTITY a "aaaaaaaaaa">'
            + b"".join(
                f'<!ENTITY {chr(98 + i)} "{("&" + chr(97 + i) + ";") * 10}">'.encode()
                for i in range(9)
            )
            + b"]>\n",
            1,
        ).replace(b"ACCEPTEDMODEL1", b"&j;"),
        ["DTD or entities"],
    ),
    "xml-external-dtd": lambda e: None
    if e.kind != "xml"
    else (
        e.with_text(e.ok_value).replace(
            b"?>\n", b'?>\n<!DOCTYPE r SYSTEM "http://127.0.0.1:9/evil.dtd">\n', 1
        ),
        ["DTD or entities"],
    ),
    "json-deep-nesting": lambda e: None
    if e.kind != "json"
    else (b"[" * 100_000 + b"]" * 100_000, ["cannot be read"]),
    "json-number-5000-digits": lambda e: None
    if e.kind != "json"
    else (b'{"jobs": [' + b"1" * 5000 + b"]}", ["number too long"]),
}  # fmt: skip


def _content_cases() -> list[tuple[str, str]]:
    return [
        (entry, case)
        for entry in ENTRIES
        for case, build in CONTENT_CASES.items()
        if build(ENTRIES[entry]) is not None
    ]


@pytest.mark.parametrize(("entry_name", "case"), _content_cases())
def test_hostile_content_is_refused_and_nothing_changes(
    entry_name: str, case: str, cli: Cli, tmp_path: Path, demo: Path
) -> None:
    entry = ENTRIES[entry_name]
    built = CONTENT_CASES[case](entry)
    assert built is not None
    content, fragments = built
    path = tmp_path / f"input{entry.suffix}"
    path.write_bytes(content)
    before = snapshot(demo)

    result = cli(*entry.command, str(path))

    refused(result, *fragments, file=path)
    assert snapshot(demo) == before


def _accepted_variants(entry: Entry) -> dict[str, bytes]:
    good = entry.with_text(entry.ok_value)
    lf = good.split(b"\n")
    variants = {
        "utf-8-bom": b"\xef\xbb\xbf" + good,
        "crlf": good.replace(b"\n", b"\r\n"),
        "mixed-line-endings": b"".join(
            line + (b"\r\n" if i % 2 else b"\n") for i, line in enumerate(lf[:-1])
        )
        + lf[-1],
        "lone-cr": good.replace(b"\n", b"\r"),
    }
    if entry.kind == "xml":
        variants["utf-16-le-no-bom-declared"] = (
            good.decode().replace('encoding="UTF-8"', 'encoding="UTF-16"').encode("utf-16-le")
        )
    return variants


@pytest.mark.parametrize(
    ("entry_name", "variant"),
    [(name, variant) for name in ENTRIES for variant in _accepted_variants(ENTRIES[name])],
)
def test_what_an_installer_saves_is_accepted(
    entry_name: str, variant: str, cli: Cli, tmp_path: Path, demo: Path
) -> None:
    """A UTF-8 BOM (Excel's "CSV UTF-8"), CRLF, mixed or old-Mac line ends are normal files."""
    entry = ENTRIES[entry_name]
    path = tmp_path / f"input{entry.suffix}"
    path.write_bytes(_accepted_variants(entry)[variant])
    accepted(cli(*entry.command, str(path)))
    assert entry.ok_value in entry.stored(demo)


@pytest.mark.parametrize("entry_name", list(ENTRIES))
def test_a_file_over_the_size_cap_is_refused_from_its_size(
    entry_name: str, cli: Cli, tmp_path: Path, demo: Path
) -> None:
    """A sparse file one byte over the cap: refused before it is read (so the test is quick)."""
    entry = ENTRIES[entry_name]
    path = tmp_path / f"input{entry.suffix}"
    path.write_bytes(entry.with_text(entry.ok_value))
    os.truncate(path, entry.cap + 1)
    before = snapshot(demo)
    refused(cli(*entry.command, str(path)), "larger than", file=path)
    assert snapshot(demo) == before


def test_csv_field_limit_is_the_same_quoted_or_not(cli: Cli, tmp_path: Path, demo: Path) -> None:
    """One character over the field limit is refused both ways; at the limit it is accepted (a
    free-text name is then stored cut to its column's length, as before)."""
    entry = ENTRIES["cpl"]
    for quoted in (False, True):
        for length, ok in ((MAX_FIELD_CHARS, True), (MAX_FIELD_CHARS + 1, False)):
            value = b"N" * length
            path = tmp_path / f"limit-{quoted}-{length}.csv"
            path.write_bytes(entry.with_bytes(b'"' + value + b'"' if quoted else value))
            before = snapshot(demo)
            result = cli(*entry.command, str(path))
            if ok:
                accepted(result)
                assert "N" * 200 in entry.stored(demo)
            else:
                refused(result, "line 2", f"{MAX_FIELD_CHARS:,}", file=path)
                assert snapshot(demo) == before


# --------------------------------------------------------------------------- paths


def _good_file(entry: Entry, path: Path) -> Path:
    path.write_bytes(entry.with_text(entry.ok_value))
    return path


PathCase = Callable[[Entry, Path], "tuple[str, list[str]]"]
"""(the path to give, fragments of the refusal; none means it must be accepted)."""


def _fifo(entry: Entry, tmp: Path) -> tuple[str, list[str]]:
    os.mkfifo(tmp / "pipe")
    return str(tmp / "pipe"), ["not a regular file"]


def _loop(entry: Entry, tmp: Path) -> tuple[str, list[str]]:
    (tmp / "loop-a").symlink_to(tmp / "loop-b")
    (tmp / "loop-b").symlink_to(tmp / "loop-a")
    return str(tmp / "loop-a"), ["cannot be read"]


def _dangling(entry: Entry, tmp: Path) -> tuple[str, list[str]]:
    (tmp / "dangling").symlink_to(tmp / "gone.csv")
    return str(tmp / "dangling"), ["no such file"]


def _in_sub(entry: Entry, tmp: Path, name: str) -> Path:
    (tmp / "sub").mkdir(exist_ok=True)
    return tmp / "sub" / ".." / name


IN_PROCESS_PATHS: dict[str, PathCase] = {
    "nonexistent": lambda e, t: (str(t / f"nope{e.suffix}"), ["no such file"]),
    "dotdot-to-nothing": lambda e, t: (str(_in_sub(e, t, f"nope{e.suffix}")), ["no such file"]),
    "dotdot-to-a-file": lambda e, t: (
        str(_in_sub(e, _good_file(e, t / f"good{e.suffix}").parent, f"good{e.suffix}")),
        [],
    ),
    "directory": lambda e, t: (str(t), ["folder"]),
    "directory-with-slash": lambda e, t: (str(t) + "/", ["folder"]),
    "empty-path": lambda e, t: ("", ["was given"]),
    "symlink-loop": _loop,
    "dangling-symlink": _dangling,
    "space-in-name": lambda e, t: (str(_good_file(e, t / f"my jobs  for today{e.suffix}")), []),
    "newline-in-name": lambda e, t: (str(_good_file(e, t / f"two\nlines{e.suffix}")), []),
    "quote-and-semicolon-in-name": lambda e, t: (
        str(_good_file(e, t / f"x'; DROP TABLE job; --{e.suffix}")),
        [],
    ),
}


@pytest.mark.parametrize(
    ("entry_name", "case"), [(e, c) for e in COMMANDS for c in IN_PROCESS_PATHS]
)
def test_path_tricks(entry_name: str, case: str, cli: Cli, tmp_path: Path, demo: Path) -> None:
    entry = COMMANDS[entry_name]
    files = tmp_path / "files"
    files.mkdir()
    path, fragments = IN_PROCESS_PATHS[case](entry, files)
    before = snapshot(demo)

    result = cli(*entry.command, path)

    if fragments:
        refused(result, *fragments)
        assert snapshot(demo) == before
    else:
        accepted(result)
        assert result.out.count("\n") == 1, "a file name broke the one-line summary"
        assert entry.ok_value in entry.stored(demo)


@pytest.mark.parametrize("entry_name", list(COMMANDS))
def test_a_file_named_like_an_option(
    entry_name: str, cli: Cli, tmp_path: Path, demo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``-x.csv`` is read as an option (a usage error that says how to give it); ``./-x.csv``
    and ``-- -x.csv`` import it."""
    entry = COMMANDS[entry_name]
    monkeypatch.chdir(tmp_path)
    name = f"-today{entry.suffix}"
    _good_file(entry, tmp_path / name)
    before = snapshot(demo)

    result = cli(*entry.command, name)
    assert result.code == 2 and "Traceback" not in result.err
    assert f"./{name}" in result.err
    assert snapshot(demo) == before

    accepted(cli(*entry.command, "--", name))
    accepted(cli(*entry.command, f"./{name}"))
    assert entry.ok_value in entry.stored(demo)


def run_cli(data_dir: Path, *args: str, timeout: float = 60) -> CliResult:
    """The CLI in a process of its own (so a hang is a timeout and a runaway read hits a memory
    limit), in a UTF-8 locale that is not in Python's UTF-8 mode, as on an installer's laptop."""
    env = {
        **os.environ,
        "LC_ALL": "C.UTF-8",
        "PYTHONUTF8": "0",
        "INSTALLER_APP_LOG_DIR": str(data_dir.parent / "logs"),
    }

    def limit_memory() -> None:  # pragma: no cover - runs in the child
        resource.setrlimit(resource.RLIMIT_AS, (3 << 30, 3 << 30))

    process = subprocess.run(
        [sys.executable, "-m", "installer_app", "--data-dir", str(data_dir), *args],
        capture_output=True,
        timeout=timeout,
        env=env,
        preexec_fn=limit_memory,
        check=False,
    )
    return CliResult(
        process.returncode,
        process.stdout.decode("utf-8", "replace"),
        process.stderr.decode("utf-8", "replace"),
    )


SUBPROCESS_PATHS: dict[str, PathCase] = {
    "fifo": _fifo,
    "dev-zero": lambda e, t: ("/dev/zero", ["not a regular file"]),
    "dev-urandom": lambda e, t: ("/dev/urandom", ["not a regular file"]),
    "name-not-utf-8": lambda e, t: (
        str(_good_file(e, Path(os.fsdecode(os.fsencode(t) + b"/caf\xe9" + e.suffix.encode())))),
        [],
    ),
}  # fmt: skip


@pytest.mark.parametrize(
    ("entry_name", "case"), [(e, c) for e in COMMANDS for c in SUBPROCESS_PATHS]
)
def test_pipes_devices_and_foreign_names_in_a_real_process(
    entry_name: str, case: str, tmp_path: Path, demo: Path
) -> None:
    """A pipe nobody writes to and an endless device must not hang or fill memory; a file name
    from another system (Latin-1 bytes) must not crash the import or its summary line."""
    entry = COMMANDS[entry_name]
    files = tmp_path / "files"
    files.mkdir()
    path, fragments = SUBPROCESS_PATHS[case](entry, files)
    before = snapshot(demo)

    result = run_cli(demo, *entry.command, path)

    if fragments:
        refused(result, *fragments)
        assert snapshot(demo) == before
    else:
        accepted(result)
        assert entry.ok_value in entry.stored(demo)


@pytest.fixture
def world_readable_base() -> Iterator[Path]:
    """A folder outside the private pytest tree that another user can reach."""
    base = Path(tempfile.mkdtemp(prefix="hostile-"))
    base.chmod(0o755)
    try:
        yield base
    finally:
        shutil.rmtree(base, ignore_errors=True)


def _run_as_nobody(data_dir: Path, args: list[str]) -> CliResult:
    """``main(args)`` in a forked child that dropped to uid/gid 65534 (root reads anything)."""
    read_end, write_end = os.pipe()
    child = os.fork()
    if child == 0:  # pragma: no cover - reports through the pipe
        outcome: dict[str, object] = {"code": 99, "out": "", "err": "child failed"}
        try:
            os.setgid(65534)
            os.setuid(65534)
            out, err = io.StringIO(), io.StringIO()
            with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
                code = main(["--data-dir", str(data_dir), *args])
            outcome = {"code": code, "out": out.getvalue(), "err": err.getvalue()}
        except BaseException as exc:
            outcome["err"] = repr(exc)
        os.write(write_end, json.dumps(outcome).encode())
        os._exit(0)
    os.close(write_end)
    with os.fdopen(read_end, "rb") as pipe:
        reported = json.loads(pipe.read())
    os.waitpid(child, 0)
    context.configure(None)
    return CliResult(int(reported["code"]), str(reported["out"]), str(reported["err"]))


@pytest.mark.parametrize("entry_name", list(COMMANDS))
def test_an_unreadable_file_says_permission_denied(
    entry_name: str,
    cli: Cli,
    demo: Path,
    world_readable_base: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    entry = COMMANDS[entry_name]
    secret = _good_file(entry, world_readable_base / f"secret{entry.suffix}")
    secret.chmod(0)
    if os.geteuid() != 0:
        result = cli(*entry.command, str(secret))
        refused(result, "permission denied")
        return
    data_dir = world_readable_base / "data"
    shutil.copytree(demo, data_dir)
    logs = world_readable_base / "logs"
    logs.mkdir()
    for path in (data_dir, logs, *data_dir.iterdir()):
        os.chown(path, 65534, 65534)
    monkeypatch.setenv("INSTALLER_APP_LOG_DIR", str(logs))
    # Every module the command needs is loaded before the child drops its rights (the
    # interpreter's own files are not readable by that user here).
    cli(*entry.command, str(world_readable_base / "missing"))
    before = snapshot(data_dir)

    result = _run_as_nobody(data_dir, [*entry.command, str(secret)])

    refused(result, "permission denied", file=secret)
    assert snapshot(data_dir) == before


# --------------------------------------------------------------------------- SQL metacharacters


def _cpl_with_evil(tmp_path: Path) -> Path:
    rows = [
        [
            "PPMID", f"Maker {evil}", "1ABC", f"Model {evil}", f"{0xE000 + i:08X}", "0001",
            f"F{evil}", f"SMETS1 {evil}", evil, "Active", "",
        ]
        for i, evil in enumerate(EVIL)
    ]  # fmt: skip
    path = tmp_path / "evil-cpl.csv"
    path.write_bytes(csv_bytes([CPL_HEADER, *rows]))
    return path


def find_json(cli: Cli, *args: str) -> list[dict[str, object]]:
    result = cli("cpl", "find", "--json", *args)
    accepted(result)
    entries = json.loads(result.out)
    assert isinstance(entries, list)
    return entries


def test_cpl_text_columns_round_trip_literally(cli: Cli, tmp_path: Path, demo: Path) -> None:
    before = schema(demo)
    accepted(cli("cpl", "import", str(_cpl_with_evil(tmp_path))))
    by_model = {e["model"]: e for e in find_json(cli, "--manufacturer", "1ABC")}
    for i, evil in enumerate(EVIL):
        entry = by_model[f"{0xE000 + i:08X}"]
        assert entry["manufacturer_name"] == f"Maker {evil}"
        assert entry["model_name"] == f"Model {evil}"
        assert entry["smets_chts_version"] == f"SMETS1 {evil}"
        assert entry["gbcs_version"] == evil
        assert entry["firmware_version"] == normalise_version(f"F{evil}")
        assert entry["smets_generation"] == "SMETS1"
    assert schema(demo) == before


@pytest.mark.parametrize("evil", EVIL)
def test_cpl_find_text_matches_literally(evil: str, cli: Cli, tmp_path: Path, demo: Path) -> None:
    """``--text`` finds the entries holding every word as typed (LIKE wildcards and quotes
    are plain characters), exactly as a plain substring search would."""
    accepted(cli("cpl", "import", str(_cpl_with_evil(tmp_path))))
    everything = find_json(cli)
    searched = (
        "manufacturer_name", "model_name", "manufacturer", "model", "firmware_version",
        "device_type",
    )  # fmt: skip
    expected = sorted(
        str(e["model"])
        for e in everything
        if all(any(w.lower() in str(e[f]).lower() for f in searched) for w in evil.split())
    )
    before = snapshot(demo)
    found = sorted(str(e["model"]) for e in find_json(cli, f"--text={evil}"))
    assert found == expected
    assert snapshot(demo) == before


def test_like_wildcards_in_a_search_are_plain_characters(
    cli: Cli, tmp_path: Path, demo: Path
) -> None:
    names = ["A_B Meters", "AXB Meters", "100% Pay", "1000 Pay", "Back\\Slash", "BackXSlash"]
    rows = [
        ["PPMID", name, "1ABD", "Unit", f"{0xD000 + i:08X}", "0001", "0001", "SMETS1", "", "Active", ""]
        for i, name in enumerate(names)
    ]  # fmt: skip
    path = tmp_path / "names.csv"
    path.write_bytes(csv_bytes([CPL_HEADER, *rows]))
    accepted(cli("cpl", "import", str(path)))

    def names_found(text: str) -> list[str]:
        return sorted(str(e["manufacturer_name"]) for e in find_json(cli, "--text", text))

    assert names_found("A_B") == ["A_B Meters"]
    assert names_found("_") == ["A_B Meters"]
    assert names_found("100%") == ["100% Pay"]
    assert names_found("%") == ["100% Pay"]
    assert names_found("Back\\") == ["Back\\Slash"]
    assert names_found("AXB") == ["AXB Meters"]


@pytest.mark.parametrize("evil", [*EVIL, "model_id; DROP TABLE cpl_entry", "1; SELECT 1"])
def test_a_sort_order_is_only_ever_a_known_column(evil: str, demo: Path) -> None:
    """The GUI's sort term reaches SQL text: anything but ``column [ASC|DESC]`` is dropped."""
    before = snapshot(demo)
    with Database(demo) as db:
        plain = browse.cpl_page(db, FindQuery(), 0, 500)
        sorted_by = browse.cpl_page(db, FindQuery(order_by=evil), 0, 500)
        mixed = browse.cpl_page(db, FindQuery(order_by=f"model_name DESC, {evil}"), 0, 500)
    assert sorted(sorted_by, key=repr) == sorted(plain, key=repr)
    assert [e.model_name for e in mixed] == sorted((e.model_name for e in plain), reverse=True)
    assert snapshot(demo) == before


CPL_VALIDATED = {
    # column index in CPL_HEADER: the message fragments besides the value
    0: ["Device Type"],
    2: ["Manufacturer Identifier"],
    4: ["Model Identifier"],
    7: ["SMETS/CHTS Version", "matches no SMETS generation"],
    9: ["Status"],
    10: ["CPA Certificate Expiry Date", "YYYY-MM-DD"],
}


@pytest.mark.parametrize(("column", "evil"), [(c, e) for c in CPL_VALIDATED for e in EVIL[7:10]])
def test_sql_in_a_checked_cpl_column_is_refused_naming_it(
    column: int, evil: str, cli: Cli, tmp_path: Path, demo: Path
) -> None:
    rows = [list(r) for r in BASE_CPL]
    rows[3][column] = evil
    path = tmp_path / "bad.csv"
    path.write_bytes(csv_bytes([CPL_HEADER, *rows]))
    before = snapshot(demo)
    refused(cli("cpl", "import", str(path)), "line 5", evil, *CPL_VALIDATED[column], file=path)
    assert snapshot(demo) == before


def test_epcl_text_columns_round_trip_literally(cli: Cli, tmp_path: Path, demo: Path) -> None:
    before = schema(demo)
    rows = [
        [evil, "FOC", "PPMID", "10F1", f"{0xE000 + i:08X}", "0002", f"F{evil}", "2022-03-14"]
        for i, evil in enumerate(EVIL)
    ]
    path = tmp_path / "epcl.csv"
    path.write_bytes(csv_bytes([EPCL_HEADER, *rows]))
    accepted(cli("epcl", "import", str(path)))
    stored = {
        row[0]: row[1]
        for row in query(
            demo,
            f"SELECT combination_id, firmware_version FROM epcl_entry "
            f"WHERE version_id = {current('epcl')}",
        )
    }
    assert stored == {evil: normalise_version(f"F{evil}") for evil in EVIL}
    assert schema(demo) == before


@pytest.mark.parametrize(
    ("kind", "header", "row", "column", "label"),
    [
        ("epcl", EPCL_HEADER, ["C1", "FOC", "PPMID", "10F1", "00A20100", "0002", "1", "2022-03-14"], 1, "Cohort"),
        ("epcl", EPCL_HEADER, ["C1", "FOC", "PPMID", "10F1", "00A20100", "0002", "1", "2022-03-14"], 3, "Manufacturer Identifier"),
        ("epcl", EPCL_HEADER, ["C1", "FOC", "PPMID", "10F1", "00A20100", "0002", "1", "2022-03-14"], 7, "Date Added"),
        ("advisories", ADVISORY_HEADER, ["FIRMWARE_UPGRADE_UNLIKELY", "R", "PPMID", "10F1", "00A20100", "", "", "", "n"], 0, "Code"),
        ("advisories", ADVISORY_HEADER, ["FIRMWARE_UPGRADE_UNLIKELY", "R", "PPMID", "10F1", "00A20100", "", "", "", "n"], 7, "Cohort"),
        ("advisories", ADVISORY_HEADER, ["FIRMWARE_UPGRADE_UNLIKELY", "R", "PPMID", "10F1", "00A20100", "", "", "", "n"], 2, "Device Type"),
    ],
)  # fmt: skip
def test_sql_in_a_checked_list_column_is_refused_naming_it(
    kind: str,
    header: list[str],
    row: list[str],
    column: int,
    label: str,
    cli: Cli,
    tmp_path: Path,
    demo: Path,
) -> None:
    evil = "'); DROP TABLE epcl_entry; --"
    bad = list(row)
    bad[column] = evil
    path = tmp_path / f"{kind}.csv"
    path.write_bytes(csv_bytes([header, row, bad]))
    before = snapshot(demo)
    refused(cli(kind, "import", str(path)), "line 3", label, evil, file=path)
    assert snapshot(demo) == before


def test_advisory_text_round_trips_into_the_verdict(cli: Cli, tmp_path: Path, demo: Path) -> None:
    before = schema(demo)
    rows = [
        ["FIRMWARE_UPGRADE_UNLIKELY", evil, "PPMID", "1ABC", f"{0xE000 + i:08X}", "", "", "", f"Note {evil}"]
        for i, evil in enumerate(EVIL)
    ]  # fmt: skip
    evil_reference, evil_note = "'); DROP TABLE advisory; --", "Careful ' OR '1'='1 {0} %s"
    rows.append(
        ["FIRMWARE_UPGRADE_UNLIKELY", evil_reference, "PPMID", "10F1", "00A20100", "", "", "FOC", evil_note]
    )  # fmt: skip
    path = tmp_path / "advisories.csv"
    path.write_bytes(csv_bytes([ADVISORY_HEADER, *rows]))
    accepted(cli("advisories", "import", str(path)))
    stored = set(
        query(
            demo, f"SELECT reference, note FROM advisory WHERE version_id = {current('advisories')}"
        )
    )
    assert stored == {(evil, f"Note {evil}") for evil in EVIL} | {(evil_reference, evil_note)}

    result = cli(
        "check", "--json", "--device-id", HALDEN_S1, *HALDEN_READING,
        "--installation", "smets1", "--cohort", "FOC",
    )  # fmt: skip
    assert result.code in (0, 3), result
    reasons = {r["code"]: r for r in json.loads(result.out)["reasons"]}
    advisory = reasons["FIRMWARE_UPGRADE_UNLIKELY"]
    assert advisory["reference"] == evil_reference
    assert evil_note in advisory["message"]
    assert schema(demo) == before


PN_COLUMNS = ("device_id", "manufacturer", "model", "firmware_version", "smets_chts_version",
              "s1sp", "csp_region", "job_reference")  # fmt: skip


def _expected_records(first: int) -> dict[str, tuple[object, ...]]:
    """Identifiers are accepted as sent and upper-cased; free text as sent (CONTRACT.md)."""
    return {
        f"00-DB-12-34-56-78-9F-{first + i:02X}": (
            f"00-DB-12-34-56-78-9F-{first + i:02X}", evil.upper(), f"M{evil}".upper(),
            f"F{evil}".upper(), evil, f"S1SP {evil}", evil, f"JOB {evil}",
        )
        for i, evil in enumerate(EVIL)
    }  # fmt: skip


def _stored_records(data_dir: Path) -> dict[str, tuple[object, ...]]:
    rows = query(data_dir, f"SELECT {', '.join(PN_COLUMNS)} FROM prenotification WHERE is_current")
    return {str(row[0]): row for row in rows}


def test_prenotification_text_round_trips_from_csv_and_duis_xml(
    cli: Cli, tmp_path: Path, demo: Path
) -> None:
    before = schema(demo)
    csv_rows = [
        [
            f"00-DB-12-34-56-78-9F-{i:02X}", "PPMID", evil, f"M{evil}", f"F{evil}", evil,
            "Pending", f"S1SP {evil}", evil, f"JOB {evil}",
        ]
        for i, evil in enumerate(EVIL)
    ]  # fmt: skip
    csv_file = tmp_path / "records.csv"
    csv_file.write_bytes(csv_bytes([PN_HEADER, *csv_rows]))
    devices = [
        {
            "DeviceID": f"00-DB-12-34-56-78-9F-{0x40 + i:02X}", "DeviceType": "PPMID",
            "DeviceStatus": "Pending", "DeviceManufacturer": xml_escape(evil),
            "DeviceModel": xml_escape(f"M{evil}"), "DeviceFirmwareVersion": xml_escape(f"F{evil}"),
            "SMETSCHTSVersion": xml_escape(evil), "S1SP": xml_escape(f"S1SP {evil}"),
            "CSPRegion": xml_escape(evil),
        }
        for i, evil in enumerate(EVIL)
    ]  # fmt: skip
    xml_file = tmp_path / "inventory.xml"
    xml_file.write_text(response_8_2(devices), encoding="utf-8")
    request = tmp_path / "request.xml"
    request.write_text(
        request_12_2({
            "DeviceID": "00-DB-12-34-56-78-9F-80", "DeviceManufacturer": xml_escape("'; --"),
            "DeviceModel": xml_escape("' OR '1'='1"), "DeviceType": "PPMID",
            "SMETSCHTSVersion": xml_escape('"%_\\'),
        }),
        encoding="utf-8",
    )  # fmt: skip

    accepted(cli("prenotifications", "import", str(csv_file), str(xml_file), str(request)))

    stored = _stored_records(demo)
    expected = _expected_records(0)
    expected.update(
        {
            key: (*value[:7], None)  # an 8.2 inventory carries no job reference
            for key, value in _expected_records(0x40).items()
        }
    )
    for device_id, row in expected.items():
        assert stored[device_id] == row
    assert stored["00-DB-12-34-56-78-9F-80"][:5] == (
        "00-DB-12-34-56-78-9F-80", "'; --", "' OR '1'='1", None, '"%_\\',
    )  # fmt: skip
    # The hostile identifiers are looked up in the CPL, EPCL and advisories by a check.
    result = cli(
        "check", "--json", "--device-id", "00-DB-12-34-56-78-9F-08", "--installation", "smets1"
    )
    assert result.code == 4 and "Traceback" not in result.err, result
    assert "PRENOTIFIED_MODEL_NOT_ON_CPL" in {r["code"] for r in json.loads(result.out)["reasons"]}
    assert schema(demo) == before


@pytest.mark.parametrize(("column", "label"), [(0, "Device ID"), (1, "Device Type"), (6, "Status")])
def test_sql_in_a_checked_prenotification_column_is_refused_naming_it(
    column: int, label: str, cli: Cli, tmp_path: Path, demo: Path
) -> None:
    evil = "' OR '1'='1"
    row = ["00-DB-12-34-56-78-9F-01", "PPMID", "10F1", "00A20100", "", "", "Pending", "", "", ""]
    row[column] = evil
    path = tmp_path / "records.csv"
    path.write_bytes(csv_bytes([PN_HEADER, row]))
    before = snapshot(demo)
    refused(cli("prenotifications", "import", str(path)), "line 2", label, evil, file=path)
    assert snapshot(demo) == before


def test_job_text_round_trips_and_checks_find_it(cli: Cli, tmp_path: Path, demo: Path) -> None:
    before = schema(demo)
    path = tmp_path / "jobs.json"
    path.write_text(
        jobs_document([job(f"JOB {evil}", f"{i} {evil} Street") for i, evil in enumerate(EVIL)]),
        encoding="utf-8",
    )
    accepted(cli("jobs", "import", str(path)))
    rows = query(demo, "SELECT reference, address FROM job WHERE reference LIKE 'JOB %'")
    stored = {row[0]: row[1] for row in rows}
    for i, evil in enumerate(EVIL):
        assert stored[f"JOB {evil}"] == f"{i} {evil} Street"

    for evil in EVIL:
        reference = f"JOB {evil}"
        result = cli(
            "check", "--json", "--device-id", HALDEN_S1, *HALDEN_READING, "--job", reference
        )
        assert result.code in (0, 3), (evil, result)
        check_id = json.loads(result.out)["check_id"]
        with Database(demo) as db:
            checks = browse.list_checks(db, job_reference=reference)
        assert [c.check_id for c in checks] == [check_id]
        assert checks[0].job_reference == reference
    # Not a pattern: a reference that would match "JOB '" only as a LIKE pattern finds no job.
    refused(cli("check", "--device-id", HALDEN_S1, "--job", "JO_ '"), "no job")
    assert schema(demo) == before


# --------------------------------------------------------------------------- CLI text arguments


ARGUMENT_CASES: dict[str, tuple[list[str], int, list[str]]] = {
    # name: (arguments with EVIL in place of "{}", exit code, fragments of the message)
    "find-manufacturer": (["cpl", "find", "--json", "--manufacturer", "{}"], 0, []),
    "find-model": (["cpl", "find", "--json", "--model", "{}"], 0, []),
    "find-device-type": (["cpl", "find", "--json", "--device-type", "{}"], 0, []),
    "find-generation": (["cpl", "find", "--generation", "{}"], 2, ["--generation"]),
    "find-limit": (["cpl", "find", "--limit", "{}"], 2, ["--limit"]),
    "check-device-id": (["check", "--device-id", "{}", "--installation", "smets1"], 2, ["--device-id"]),
    "check-manufacturer": (["check", "--device-id", HALDEN_S1, "--manufacturer", "{}", "--installation", "smets1"], 2, ["--manufacturer"]),
    "check-job": (["check", "--device-id", HALDEN_S1, "--job", "{}"], 2, ["no job"]),
    "check-installation": (["check", "--device-id", HALDEN_S1, "--installation", "{}"], 2, ["--installation"]),
    "record-join-check-id": (["record-join", "--check-id", "{}"], 2, ["no check"]),
    "record-not-joined-check-id": (["record-not-joined", "--check-id", "{}", "--reason", "x"], 2, ["no check"]),
    "sync-server": (["sync", "--server", "{}", "--token", "t" * 20], 2, ["back office address"]),
}  # fmt: skip


@pytest.mark.parametrize(("case", "evil"), [(c, e) for c in ARGUMENT_CASES for e in EVIL])
def test_sql_in_a_cli_argument_is_data_or_a_plain_refusal(
    case: str, evil: str, cli: Cli, demo: Path
) -> None:
    template, code, fragments = ARGUMENT_CASES[case]
    at = template.index("{}")  # given as --option=VALUE, as a value starting with "-" must be
    args = [*template[: at - 1], f"{template[at - 1]}={evil}", *template[at + 1 :]]
    before = snapshot(demo)
    result = cli(*args)
    if code == 0:
        accepted(result)
        assert json.loads(result.out) == []
    else:
        assert result.code == code, result
        assert "Traceback" not in result.err
        assert len(result.err) < 3000
        for fragment in fragments:
            assert fragment in result.err, (fragment, result.err)
    after = snapshot(demo)
    if case == "sync-server":  # a failed sync is noted in the settings for the status bar
        after["settings"] = before["settings"]
    assert after == before


def test_a_not_joined_reason_is_stored_and_exported_literally(
    cli: Cli, tmp_path: Path, demo: Path
) -> None:
    before = schema(demo)
    reasons: dict[str, str] = {}
    for evil in [*EVIL, '=HYPERLINK("x")', "tab\tand  spaces"]:
        result = cli(
            "check", "--json", "--device-id", HALDEN_S1, *HALDEN_READING, "--job", "JOB-1002"
        )
        check_id = json.loads(result.out)["check_id"]
        accepted(cli("record-not-joined", "--check-id", check_id, "--reason", f"no: {evil}"))
        reasons[check_id] = " ".join(f"no: {evil}".split())  # white space folded, as documented
    with Database(demo) as db:
        stored = {c.check_id: c.decision_reason for c in browse.list_checks(db, limit=1000)}
        out = tmp_path / "history.csv"
        browse.export_checks_csv(db, out)
    assert {k: stored[k] for k in reasons} == reasons
    with out.open(encoding="utf-8-sig", newline="") as handle:
        exported = {row["check_id"]: row["decision_reason"] for row in csv.DictReader(handle)}
    assert {k: exported[k] for k in reasons} == reasons
    assert schema(demo) == before


# --------------------------------------------------------------------------- history export


def _export(demo: Path, path: Path) -> int:
    with Database(demo) as db:
        return browse.export_checks_csv(db, path)


@pytest.fixture
def one_check(cli: Cli) -> str:
    result = cli("check", "--json", "--device-id", HALDEN_S1, *HALDEN_READING, "--job", "JOB-1002")
    return str(json.loads(result.out)["check_id"])


def test_export_to_a_folder_is_refused_and_the_folder_kept(
    one_check: str, demo: Path, tmp_path: Path
) -> None:
    folder = tmp_path / "exports"
    folder.mkdir()
    (folder / "keep.txt").write_text("kept")
    with pytest.raises(UserError, match="cannot write") as failure:
        _export(demo, folder)
    assert str(folder) in failure.value.message
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".part")]
    assert (folder / "keep.txt").read_text() == "kept"


def test_export_into_a_missing_folder_is_refused_and_writes_nothing(
    one_check: str, demo: Path, tmp_path: Path
) -> None:
    target = tmp_path / "no" / "such" / "folder" / "history.csv"
    with pytest.raises(UserError, match="cannot write") as failure:
        _export(demo, target)
    assert "history.csv" in failure.value.message
    assert not (tmp_path / "no").exists()


def test_export_over_an_existing_file_replaces_it_whole(
    one_check: str, demo: Path, tmp_path: Path
) -> None:
    """The save dialog has asked before: the old file is replaced in one step, never mixed."""
    target = tmp_path / "history.csv"
    target.write_text("old,content\n" * 10_000)
    assert _export(demo, target) == 1
    text = target.read_text(encoding="utf-8-sig")
    assert "old,content" not in text and one_check in text
    assert not any(p.name.endswith(".part") for p in tmp_path.iterdir())


def test_export_to_a_name_that_is_not_utf8_works(
    one_check: str, demo: Path, tmp_path: Path
) -> None:
    target = Path(os.fsdecode(os.fsencode(tmp_path) + b"/histori\xe9 ; --.csv"))
    assert _export(demo, target) == 1
    assert one_check in target.read_text(encoding="utf-8-sig")


def test_export_where_the_user_may_not_write_says_so(
    one_check: str, cli: Cli, demo: Path, world_readable_base: Path
) -> None:
    if os.geteuid() != 0:
        pytest.skip("needs root to hand the data to another user")
    data_dir = world_readable_base / "data"
    shutil.copytree(demo, data_dir)
    for path in (data_dir, *data_dir.iterdir()):
        os.chown(path, 65534, 65534)
    locked = world_readable_base / "locked"
    locked.mkdir(mode=0o755)
    read_end, write_end = os.pipe()
    child = os.fork()
    if child == 0:  # pragma: no cover - reports through the pipe
        message = "no error"
        try:
            os.setgid(65534)
            os.setuid(65534)
            _export(data_dir, locked / "history.csv")
        except BaseException as exc:
            message = f"{type(exc).__name__}: {exc}"
        os.write(write_end, message.encode())
        os._exit(0)
    os.close(write_end)
    with os.fdopen(read_end, "rb") as pipe:
        message = pipe.read().decode()
    os.waitpid(child, 0)
    assert message.startswith("UserError") and "permission denied" in message, message
    assert list(locked.iterdir()) == []
