"""Property tests (hypothesis) for the CSV importers: CPL, EPCL, advisories, pre-notification CSV
and the shared reader ``read_csv`` under them.

For any input the importer returns a result that keeps the contract's rules, or raises the one
documented user-facing error (:class:`UserError`) naming the file; nothing else escapes. A valid
file in any allowed spelling (header aliases in any case, any column order, extra columns,
quoting, CRLF, BOM) comes back value for value; one bad value is reported with its line, its
column and the value itself. The deep run is ``--hypothesis-profile fuzz``.
"""

from __future__ import annotations

import csv
import io
import re
import tomllib
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from installer_app import paths
from installer_app.domain.generation import GenerationRules
from installer_app.domain.identifiers import normalise_hex, normalise_version
from installer_app.domain.model import (
    ADVISORY_CODES,
    CPL_STATUSES,
    DEVICE_TYPES,
    INVENTORY_STATUSES,
    Advisory,
    Cohort,
    EpclRow,
)
from installer_app.domain.prenotification import PrenotificationRecord
from installer_app.errors import UserError
from installer_app.store.columns import iso_date
from installer_app.store.cpl_file import KNOWN_DEVICE_TYPES, ParsedCpl, parse_cpl
from installer_app.store.csv_table import CsvTable, read_csv
from installer_app.store.lists import parse_advisories, parse_epcl
from installer_app.store.prenotification_files import parse_prenotification_file
from tests.fuzz.targets import quoted_first_field

RULES = GenerationRules.from_data(
    tomllib.loads(paths.resource("generation_rules.toml").read_text(encoding="utf-8"))
)
SLOW = [HealthCheck.too_slow, HealthCheck.data_too_large]

# --------------------------------------------------------------------------- value strategies

HEX = "0123456789ABCDEF"
ALNUM = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
ISO_DATES = st.dates(date(1990, 1, 1), date(2099, 12, 31)).map(date.isoformat)
FREE_TEXT = st.text(
    st.characters(exclude_categories=["Cs"], exclude_characters="\x00"), max_size=30
)
GENERATION_TEXTS = {
    "SMETS1": "SMETS1",
    "SMETS 1 FOC": "SMETS1",
    "SMETS V5.0": "SMETS2+",
    "smets v4.2": "SMETS2+",
    "SMETS2+": "SMETS2+",
    "CHTS V1.4": "SMETS2+",
}
EXPLICIT_GENERATIONS = {"SMETS1": "SMETS1", "smets2+": "SMETS2+", "S1": "SMETS1", "2": "SMETS2+"}


def spelled(value: str) -> st.SearchStrategy[str]:
    """Ways a person or a tool writes the same identifier: case, padding."""
    return st.sampled_from([value, value.lower(), f" {value} ", f"{value}\t"])


@st.composite
def hex_id(draw: st.DrawFn, low: int, high: int) -> tuple[str, str]:
    """(as written, normalised) for a hex identifier; ``0x`` prefix and lower case allowed."""
    value = draw(st.text(HEX, min_size=low, max_size=high))
    raw = draw(st.one_of(spelled(value), st.just("0x" + value)))
    return raw, value


@st.composite
def version(draw: st.DrawFn) -> tuple[str, str]:
    """(as written, normalised) for a hardware/firmware version: separators dropped, upper case."""
    value = draw(st.text(ALNUM, min_size=1, max_size=30))
    raw = draw(st.one_of(spelled(value), st.just(".".join(value)), st.just("-".join(value))))
    return raw, value


@st.composite
def choice_of(draw: st.DrawFn, options: Sequence[str]) -> tuple[str, str]:
    value = draw(st.sampled_from(options))
    return draw(st.sampled_from([value, value.upper(), value.lower(), f"  {value} "])), value


# --------------------------------------------------------------------------- file rendering


@dataclass(frozen=True)
class Layout:
    crlf: bool
    bom: bool
    quote_all: bool
    blank_lines_at_end: int
    header_style: int


layouts = st.builds(
    Layout,
    crlf=st.booleans(),
    bom=st.booleans(),
    quote_all=st.booleans(),
    blank_lines_at_end=st.integers(0, 2),
    header_style=st.integers(0, 4),
)


def spell_header(label: str, style: int) -> str:
    """Header spellings the alias tables must fold together (case, spaces, punctuation)."""
    return [
        label,
        label.upper(),
        label.lower(),
        label.replace(" ", "_"),
        f"  {label.replace('/', ' / ')} ",
    ][style]


def render(header: Sequence[str], rows: Sequence[Sequence[str]], layout: Layout) -> bytes:
    """The file as a spreadsheet would save it: a field holding a comma, quote, CR or LF is
    quoted (all fields with ``quote_all``), quotes doubled."""
    end = "\r\n" if layout.crlf else "\n"

    def field(value: str) -> str:
        if layout.quote_all or any(c in value for c in ',"\r\n'):
            return '"' + value.replace('"', '""') + '"'
        return value

    lines = [[spell_header(h, layout.header_style) for h in header], *rows]
    text = "".join(",".join(map(field, line)) + end for line in lines)
    text += end * layout.blank_lines_at_end
    return (b"\xef\xbb\xbf" if layout.bom else b"") + text.encode("utf-8")


@st.composite
def arranged(draw: st.DrawFn, columns: dict[str, list[str]]) -> tuple[list[str], list[list[str]]]:
    """Columns (label -> values as written) in any order, with unknown extra columns mixed in."""
    labels = draw(st.permutations(list(columns)))
    n_rows = len(next(iter(columns.values())))
    for extra in range(draw(st.integers(0, 2))):
        position = draw(st.integers(0, len(labels)))
        name = f"Zz Extra {extra}"
        columns = {**columns, name: draw(st.lists(FREE_TEXT, min_size=n_rows, max_size=n_rows))}
        labels.insert(position, name)
    rows = [[columns[label][i] for label in labels] for i in range(n_rows)]
    return labels, rows


# --------------------------------------------------------------------------- shared checks


def only_user_errors(call: Callable[[], Any], file_name: str) -> Any:
    """The call's result, or None after checking its UserError names the file and the lines."""
    try:
        return call()
    except UserError as exc:
        assert exc.message.startswith(file_name), exc.message
        for detail in exc.details:
            assert re.match(r"line \d+: |… and \d+ more problem", detail), detail
        return None


_ISO = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def is_real_date(value: str) -> bool:
    if not _ISO.fullmatch(value):
        return False
    try:
        date.fromisoformat(value)
    except ValueError:
        return False
    return True


def check_cpl_invariants(parsed: ParsedCpl) -> None:
    """What the contract promises of any CPL the importer accepts."""
    assert len(parsed) >= 1
    fields = parsed.insert_fields()
    for row in parsed.parameter_rows():
        entry = dict(zip(fields, row, strict=True))
        assert re.fullmatch(r"[0-9A-F]{4}", str(entry["manufacturer_id"]))
        assert re.fullmatch(r"[0-9A-F]{1,30}", str(entry["model_id"]))
        for name in ("hardware_version", "firmware_version"):
            value = str(entry[name])
            assert 1 <= len(value) <= 30 and value == value.strip(), value
        assert entry["device_type"] in KNOWN_DEVICE_TYPES
        assert entry["status"] in CPL_STATUSES
        expiry = entry.get("cpa_expiry")
        assert expiry in ("", None) or is_real_date(str(expiry)), expiry
    generations = parsed.summary["by_generation"]
    assert isinstance(generations, dict) and set(generations) <= {"SMETS1", "SMETS2+"}
    assert sum(generations.values()) == len(parsed)


def check_list_invariants(rows: list[EpclRow] | list[Advisory]) -> None:
    assert rows
    for row in rows:
        assert row.device_type in KNOWN_DEVICE_TYPES
        assert re.fullmatch(r"[0-9A-F]{4}", row.manufacturer_id)
        assert re.fullmatch(r"[0-9A-F]{1,30}", row.model_id)
        for value in (row.hardware_version, row.firmware_version):
            assert value is None or 1 <= len(value) <= 30
        if isinstance(row, EpclRow):
            assert isinstance(row.cohort, Cohort) and row.combination_id.strip()
            assert row.date_added is None or is_real_date(row.date_added)
        else:
            assert row.code in ADVISORY_CODES and row.reference.strip()


# --------------------------------------------------------------------------- CPL


@dataclass(frozen=True)
class CplRow:
    device_type: tuple[str, str]
    manufacturer_id: tuple[str, str]
    model_id: tuple[str, str]
    hardware_version: tuple[str, str]
    firmware_version: tuple[str, str]
    status: tuple[str, str]
    smets_text: str
    explicit: str
    expiry: str
    manufacturer_name: str
    model_name: str

    def key(self) -> tuple[str, ...]:
        return (
            self.device_type[1],
            self.manufacturer_id[1],
            self.model_id[1],
            self.hardware_version[1],
            self.firmware_version[1],
        )


cpl_rows = st.builds(
    CplRow,
    device_type=choice_of(KNOWN_DEVICE_TYPES),
    manufacturer_id=hex_id(4, 4),
    model_id=hex_id(1, 30),
    hardware_version=version(),
    firmware_version=version(),
    status=choice_of(CPL_STATUSES),
    smets_text=st.sampled_from(list(GENERATION_TEXTS)),
    explicit=st.sampled_from(["", *EXPLICIT_GENERATIONS]),
    expiry=st.one_of(st.just(""), ISO_DATES),
    manufacturer_name=FREE_TEXT,
    model_name=FREE_TEXT,
)


@st.composite
def cpl_files(draw: st.DrawFn) -> tuple[bytes, list[CplRow], set[str]]:
    """A valid CPL file, its rows, and which optional columns it has."""
    rows = draw(st.lists(cpl_rows, min_size=1, max_size=8, unique_by=CplRow.key))
    optional = draw(st.sets(st.sampled_from(["names", "expiry", "explicit", "no_text"])))
    if "no_text" in optional:
        optional.add("explicit")
        rows = [r if r.explicit else _with_explicit(r) for r in rows]
    columns: dict[str, list[str]] = {
        "Device Type": [r.device_type[0] for r in rows],
        "Manufacturer Identifier": [r.manufacturer_id[0] for r in rows],
        "Model Identifier": [r.model_id[0] for r in rows],
        "Hardware Version": [r.hardware_version[0] for r in rows],
        "Firmware Version": [r.firmware_version[0] for r in rows],
        "Status": [r.status[0] for r in rows],
    }
    if "no_text" not in optional:
        columns["SMETS/CHTS Version"] = [r.smets_text for r in rows]
    if "explicit" in optional:
        columns["SMETS Generation"] = [r.explicit for r in rows]
    if "expiry" in optional:
        columns["CPA Certificate Expiry Date"] = [r.expiry for r in rows]
    if "names" in optional:
        columns["Manufacturer"] = [r.manufacturer_name for r in rows]
        columns["Model"] = [r.model_name for r in rows]
    header, body = draw(arranged(columns))
    return render(header, body, draw(layouts)), rows, optional


def _with_explicit(row: CplRow) -> CplRow:
    return CplRow(**{**row.__dict__, "explicit": "SMETS1"})


def expected_generation(row: CplRow, optional: set[str]) -> str:
    if "explicit" in optional and row.explicit:
        return EXPLICIT_GENERATIONS[row.explicit]
    return GENERATION_TEXTS[row.smets_text]


@settings(suppress_health_check=SLOW)
@given(cpl_files())
def test_valid_cpl_round_trips(generated: tuple[bytes, list[CplRow], set[str]]) -> None:
    data, rows, optional = generated
    parsed = parse_cpl(data, "cpl.csv", RULES)
    check_cpl_invariants(parsed)
    fields = parsed.insert_fields()
    got = [dict(zip(fields, row, strict=True)) for row in parsed.parameter_rows()]
    assert len(got) == len(rows)
    for entry, row in zip(got, rows, strict=True):
        assert (
            entry["device_type"],
            entry["manufacturer_id"],
            entry["model_id"],
            entry["hardware_version"],
            entry["firmware_version"],
        ) == row.key()
        assert entry["status"] == row.status[1]
        if "expiry" in optional:
            assert entry["cpa_expiry"] == row.expiry
        if "names" in optional:
            assert (entry["manufacturer_name"], entry["model_name"]) == (
                row.manufacturer_name,
                row.model_name,
            )
    wanted = Counter(expected_generation(r, optional) for r in rows)
    assert parsed.summary["by_generation"] == dict(sorted(wanted.items()))
    groups: dict[tuple[str, str, str], set[str]] = {}
    for r in rows:
        if r.device_type[1] == "PPMID":
            key = (r.manufacturer_id[1], r.model_id[1], r.hardware_version[1])
            groups.setdefault(key, set()).add(expected_generation(r, optional))
    assert parsed.bilingual_models == {k for k, g in groups.items() if len(g) > 1}
    assert parsed.duplicate_keys() == []


# Bad values per column, with the normaliser that must refuse them (so a drawn value that
# happens to be valid is skipped rather than reported as a false failure).
_NOT_HEX = st.text("0123456789abcdefABCDEFxyzG -.:/_é", min_size=1, max_size=12)
_BAD_CHOICE = FREE_TEXT.filter(str.strip)
_CPL_BAD: dict[str, tuple[st.SearchStrategy[str], Callable[[str], object]]] = {
    "Manufacturer Identifier": (_NOT_HEX, lambda v: normalise_hex(v, digits=4)),
    "Model Identifier": (
        st.one_of(_NOT_HEX, st.text(HEX, min_size=31, max_size=40)),
        lambda v: normalise_hex(v, max_digits=30),
    ),
    "Hardware Version": (
        st.one_of(st.text(" .-:_/", max_size=4), st.text(ALNUM, min_size=31, max_size=40)),
        normalise_version,
    ),
    "Status": (_BAD_CHOICE, lambda v: _must_be_one_of(v, CPL_STATUSES)),
    "Device Type": (_BAD_CHOICE, lambda v: _must_be_one_of(v, KNOWN_DEVICE_TYPES)),
    "CPA Certificate Expiry Date": (
        st.one_of(st.from_regex(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", fullmatch=True), _BAD_CHOICE),
        lambda v: iso_date(v) if v.strip() else "",
    ),
}
_CPL_BAD["Firmware Version"] = _CPL_BAD["Hardware Version"]


def _must_be_one_of(value: str, options: Sequence[str]) -> str:
    key = " ".join(value.split()).upper()
    for option in options:
        if option.upper() == key:
            return option
    raise ValueError(value)


def names_value(message: str, value: str) -> bool:
    """The message quotes the (stripped) value, whole or cut short with an ellipsis."""
    text = value.strip()
    return repr(text) in message or any(
        repr(text[:n] + "…") in message for n in range(20, len(text))
    )


def _refused(normalise: Callable[[str], object], value: str) -> bool:
    try:
        normalise(value)
    except ValueError:
        return True
    return False


def data_line_numbers(data: bytes) -> list[int]:
    """The line each data row starts on, counted the way an editor does (CRLF, CR, LF)."""
    text = data.decode("utf-8-sig")
    lines: list[int] = []
    reader = csv.reader(io.StringIO(text, newline=""))
    start = 1
    for row in reader:
        if any(field.strip() for field in row):
            lines.append(start)
        start = reader.line_num + 1
    return lines[1:]


@settings(suppress_health_check=SLOW)
@given(cpl_files(), st.data())
def test_one_bad_cpl_value_is_named_with_its_line_and_column(
    generated: tuple[bytes, list[CplRow], set[str]], data: st.DataObject
) -> None:
    header, body = _reparse(generated[0])
    candidates = [i for i, h in enumerate(header) if _label_of(h) in _CPL_BAD]
    column = data.draw(st.sampled_from(candidates))
    label = _label_of(header[column])
    values, normalise = _CPL_BAD[label]
    bad = data.draw(values.filter(lambda v: _refused(normalise, v)))
    index = data.draw(st.integers(0, len(body) - 1))
    body[index][column] = bad
    mutated = render(header, body, Layout(False, False, True, 0, 0))
    line = data_line_numbers(mutated)[index]
    with pytest.raises(UserError) as info:
        parse_cpl(mutated, "bad.csv", RULES)
    details = [d for d in info.value.details if d.startswith(f"line {line}: ")]
    assert any(f"column {header[column]!r}" in d and names_value(d, bad) for d in details), (
        info.value
    )


def _reparse(data: bytes) -> tuple[list[str], list[list[str]]]:
    rows = [r for r in csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")) if r]
    rows = [r for r in rows if any(f.strip() for f in r)]
    return [h.strip() for h in rows[0]], rows[1:]


_LABELS = {re.sub(r"[^0-9a-z]+", "", label.lower()): label for label in _CPL_BAD}


def _label_of(header: str) -> str:
    return _LABELS.get(re.sub(r"[^0-9a-z]+", "", header.lower()), "")


@example("0000-00-00", 0)  # found by this test: the clean-column fast path took it
@example("2024-02-30", 2)
@given(
    st.tuples(
        st.text("0123456789\u0660\u0661\u0969\uff11", min_size=4, max_size=4),
        st.text("0123456789\u0660", min_size=2, max_size=2),
        st.text("0123456789\uff11", min_size=2, max_size=2),
    ).map("-".join),
    st.integers(0, 3),
)
def test_cpl_expiry_dates_are_real_dates_or_refused(expiry: str, good_rows: int) -> None:
    """Whatever the other rows hold, a CPA expiry is stored only if it is a real ISO date."""
    header = ["Device Type", "Manufacturer Identifier", "Model Identifier", "Hardware Version",
              "Firmware Version", "SMETS/CHTS Version", "Status", "CPA Certificate Expiry Date"]  # fmt: skip
    rows = [["PPMID", "10E0", f"{n:08X}", "0001", "00020002", "SMETS1", "Active", "2031-08-30"]
            for n in range(good_rows)]  # fmt: skip
    rows.append(["PPMID", "10E0", "FFFF0000", "0001", "00020002", "SMETS1", "Active", expiry])
    data = render(header, rows, Layout(False, False, False, 0, 0))
    try:
        parsed = parse_cpl(data, "dates.csv", RULES)
    except UserError as exc:
        assert any(
            d.startswith(f"line {good_rows + 2}: column 'CPA Certificate Expiry Date'")
            and names_value(d, expiry)
            for d in exc.details
        ), exc
        return
    check_cpl_invariants(parsed)


# --------------------------------------------------------------------------- EPCL


@st.composite
def epcl_rows(draw: st.DrawFn) -> tuple[list[str], EpclRow]:
    combination = draw(st.text(ALNUM + "-_/ ", min_size=1, max_size=70).filter(str.strip))
    cohort = draw(choice_of([c.value for c in Cohort]))
    device_type = draw(choice_of(KNOWN_DEVICE_TYPES))
    manufacturer = draw(hex_id(4, 4))
    model = draw(hex_id(1, 30))
    hardware, firmware = draw(version()), draw(version())
    added = draw(st.one_of(st.just(""), ISO_DATES))
    written = [combination, cohort[0], device_type[0], manufacturer[0], model[0], hardware[0],
               firmware[0], added]  # fmt: skip
    row = EpclRow(combination.strip()[:60], Cohort(cohort[1]), device_type[1], manufacturer[1],
                  model[1], hardware[1], firmware[1], added or None)  # fmt: skip
    return written, row


EPCL_HEADER = ["Combination ID", "Cohort", "Device Type", "Manufacturer Identifier",
               "Model Identifier", "Hardware Version", "Firmware Version", "Date Added"]  # fmt: skip


@settings(suppress_health_check=SLOW)
@given(st.lists(epcl_rows(), min_size=1, max_size=8, unique_by=lambda r: r[1]), st.data())
def test_valid_epcl_round_trips(
    generated: list[tuple[list[str], EpclRow]], data: st.DataObject
) -> None:
    columns = {label: [w[i] for w, _ in generated] for i, label in enumerate(EPCL_HEADER)}
    if data.draw(st.booleans(), label="drop Date Added"):
        del columns["Date Added"]
        expected = [_no_date(r) for _, r in generated]
    else:
        expected = [r for _, r in generated]
    header, body = data.draw(arranged(columns))
    rows = parse_epcl(render(header, body, data.draw(layouts)), "epcl.csv")
    check_list_invariants(rows)
    assert rows == expected


def _no_date(row: EpclRow) -> EpclRow:
    return EpclRow(row.combination_id, row.cohort, row.device_type, row.manufacturer_id,
                   row.model_id, row.hardware_version, row.firmware_version, None)  # fmt: skip


@settings(suppress_health_check=SLOW)
@given(st.lists(epcl_rows(), min_size=2, max_size=6, unique_by=lambda r: r[1]), st.data())
def test_repeated_epcl_row_names_both_lines(
    generated: list[tuple[list[str], EpclRow]], data: st.DataObject
) -> None:
    written = [w for w, _ in generated]
    copy = data.draw(st.integers(0, len(written) - 1))
    written.append(list(written[copy]))
    with pytest.raises(UserError) as info:
        parse_epcl(render(EPCL_HEADER, written, Layout(False, False, False, 0, 0)), "e.csv")
    assert [d for d in info.value.details if d.startswith("line ")] == [
        f"line {len(written) + 1}: repeats line {copy + 2} (combination {generated[copy][1].combination_id})"
    ]


# --------------------------------------------------------------------------- advisories


@st.composite
def advisory_rows(draw: st.DrawFn) -> tuple[list[str], Advisory]:
    code = draw(choice_of(ADVISORY_CODES))
    reference = draw(st.text(ALNUM + " ().", min_size=1, max_size=70).filter(str.strip))
    device_type = draw(choice_of(KNOWN_DEVICE_TYPES))
    manufacturer, model = draw(hex_id(4, 4)), draw(hex_id(1, 30))
    hardware = draw(st.one_of(st.just(("", "")), version()))
    firmware = draw(st.one_of(st.just(("", "")), version()))
    cohort = draw(st.one_of(st.just(("", "")), choice_of([c.value for c in Cohort])))
    note = draw(st.one_of(FREE_TEXT, st.text("ab ", min_size=490, max_size=520)))
    written = [code[0], reference, device_type[0], manufacturer[0], model[0], hardware[0],
               firmware[0], cohort[0], note]  # fmt: skip
    advisory = Advisory(code[1], reference.strip()[:60], device_type[1], manufacturer[1],
                        model[1], hardware[1] or None, firmware[1] or None,
                        Cohort(cohort[1]) if cohort[1] else None, note.strip()[:500])  # fmt: skip
    return written, advisory


ADVISORY_HEADER = ["Code", "Reference", "Device Type", "Manufacturer Identifier",
                   "Model Identifier", "Hardware Version", "Firmware Version", "Cohort",
                   "Note"]  # fmt: skip


@settings(suppress_health_check=SLOW)
@given(st.lists(advisory_rows(), min_size=1, max_size=6), st.data())
def test_valid_advisories_round_trip(
    generated: list[tuple[list[str], Advisory]], data: st.DataObject
) -> None:
    columns = {label: [w[i] for w, _ in generated] for i, label in enumerate(ADVISORY_HEADER)}
    header, body = data.draw(arranged(columns))
    rows = parse_advisories(render(header, body, data.draw(layouts)), "advisories.csv")
    check_list_invariants(rows)
    assert rows == [a for _, a in generated]


# --------------------------------------------------------------------------- pre-notification CSV


@st.composite
def prenotification_rows(draw: st.DrawFn) -> tuple[list[str], dict[str, Any]]:
    eui = draw(st.text(HEX, min_size=16, max_size=16))
    separator = draw(st.sampled_from(["-", ":", "", " "]))
    device_id = separator.join(eui[i : i + 2] for i in range(0, 16, 2))
    device_type = draw(choice_of(DEVICE_TYPES))
    manufacturer = draw(st.text(ALNUM, min_size=1, max_size=30))
    model = draw(st.text(ALNUM + " ", min_size=1, max_size=30).filter(lambda v: v.strip()))
    firmware = draw(st.one_of(st.just(""), st.text(ALNUM, min_size=1, max_size=30)))
    status = draw(st.one_of(st.just(("", "Pending")), choice_of(INVENTORY_STATUSES)))
    written = [draw(st.sampled_from([device_id, device_id.lower()])), device_type[0],
               manufacturer.lower(), model, firmware, status[0]]  # fmt: skip
    expected = {
        "device_id": "-".join(eui[i : i + 2] for i in range(0, 16, 2)),
        "device_type": device_type[1],
        "manufacturer": manufacturer,
        "model": " ".join(model.split()).upper(),
        "firmware_version": firmware or None,
        "status": status[1],
    }
    return written, expected


PRENOTIFICATION_HEADER = ["Device ID", "Device Type", "Manufacturer Identifier",
                          "Model Identifier", "Firmware Version", "Status"]  # fmt: skip


@pytest.fixture(scope="module")
def file_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("csv-fuzz")


@settings(suppress_health_check=SLOW)
@given(st.lists(prenotification_rows(), min_size=1, max_size=6), st.data())
def test_valid_prenotification_csv_round_trips_through_a_file(
    file_dir: Path, generated: list[tuple[list[str], dict[str, Any]]], data: st.DataObject
) -> None:
    columns = {
        label: [w[i] for w, _ in generated] for i, label in enumerate(PRENOTIFICATION_HEADER)
    }
    header, body = data.draw(arranged(columns))
    content = render(header, body, data.draw(layouts))
    path = file_dir / "prenotifications.csv"
    path.write_bytes(content)
    records = parse_prenotification_file(path)
    assert [_record_fields(r) for r in records] == [e for _, e in generated]
    assert [r.source_line for r in records] == data_line_numbers(content)


def _record_fields(record: PrenotificationRecord) -> dict[str, Any]:
    return {
        "device_id": record.device_id,
        "device_type": record.device_type,
        "manufacturer": record.manufacturer,
        "model": record.model,
        "firmware_version": record.firmware_version,
        "status": record.status,
    }


# --------------------------------------------------------------------------- the shared reader


CELL = st.text(st.sampled_from([*'ab é,"\r\n\t;', "\ufeff", "\u2028", "\x85", "\x0b"]), max_size=6)


@example([["", "", "", ""]], Layout(False, False, False, 0, 0))  # found by this test
@settings(suppress_health_check=SLOW)
@given(
    st.integers(0, 2).flatmap(
        lambda extra: st.lists(st.lists(CELL, min_size=4 + extra, max_size=4 + extra), max_size=8)
    ),
    layouts,
)
def test_read_csv_gives_back_every_non_blank_row_with_its_line(
    rows: list[list[str]], layout: Layout
) -> None:
    width = len(rows[0]) if rows else 4
    header = [*PRENOTIFICATION_HEADER[:4], *(f"Zz Extra {i}" for i in range(width - 4))]
    data = render(header, rows, layout)
    kept = [row for row in rows if any(field.strip() for field in row)]
    try:
        table = read_csv(data, "t.csv", "prenotifications", "pre-notification list")
    except UserError as exc:
        assert not kept and "no records" in exc.message, exc
        return
    assert table.rows == kept
    assert list(table.row_lines) == data_line_numbers(data)
    assert [table.label(f) for f in ("device_id", "model")] == [
        spell_header(h, layout.header_style).strip() for h in ("Device ID", "Model Identifier")
    ]


@settings(suppress_health_check=SLOW)
@given(
    st.lists(
        st.sampled_from([*"ab ,\r\n\t", "\ufeff", "\u2028", "Device ID", "Model Identifier"]),
        max_size=60,
    ).map("".join)
)
@example(
    PRENOTIFICATION_HEADER[0]
    + ",Device Type,Manufacturer Identifier,Model Identifier\na,b,c,d\n,,,\n"
)
def test_both_ways_of_reading_a_csv_agree(text: str) -> None:
    """The plain-split fast path (no quote in the file) reads what the csv module reads."""
    data = text.encode("utf-8")
    quoted = quoted_first_field(data)
    assert quoted is not None

    def read(content: bytes) -> tuple[list[str], list[list[str]], list[int]] | str:
        try:
            table = read_csv(content, "t.csv", "prenotifications", "pre-notification list")
        except UserError:
            return "refused"
        return table.header, table.rows, list(table.row_lines)

    assert read(data) == read(quoted)


# --------------------------------------------------------------------------- hostile bytes


def _demo(name: str) -> bytes:
    return paths.resource("demo", name).read_bytes()


IMPORTERS: dict[str, tuple[Callable[[bytes, str], object], Callable[[Any], None]]] = {
    "cpl.csv": (lambda d, n: parse_cpl(d, n, RULES), check_cpl_invariants),
    "epcl.csv": (parse_epcl, check_list_invariants),
    "advisories.csv": (parse_advisories, check_list_invariants),
    "prenotifications.csv": (
        lambda d, n: read_csv(d, n, "prenotifications", "pre-notification list"),
        lambda t: _check_table(t),
    ),
}


def _check_table(table: CsvTable) -> None:
    assert table.rows and all(len(row) == len(table.header) for row in table.rows)
    assert list(table.row_lines) == sorted(set(table.row_lines))


@st.composite
def mutations(draw: st.DrawFn, original: bytes) -> bytes:
    """A valid file damaged the ways files get damaged: cut short, binary junk, a stray comma or
    quote, a lost line, a huge field, the wrong encoding."""
    data = bytearray(original)
    for _ in range(draw(st.integers(1, 4))):
        at = draw(st.integers(0, len(data)))
        kind = draw(st.integers(0, 10))
        if kind == 0:
            del data[at:]
        elif kind == 1:
            data[at:at] = b"\x00"
        elif kind == 2:
            data[at:at] = draw(st.binary(min_size=1, max_size=12))
        elif kind == 3 and at < len(data):
            data[at] = draw(st.integers(0, 255))
        elif kind == 4:
            data[at:at] = draw(st.sampled_from([b",", b'"', b"\r", b"\n", b'",', b',"']))
        elif kind == 5:
            del data[at : at + draw(st.integers(1, 40))]
        elif kind == 6:
            size = draw(st.sampled_from([1_000, 140_000]))
            quoted = draw(st.booleans())
            data[at:at] = (b'"' + b"A" * size + b'"') if quoted else b"7" * size
        elif kind == 7:
            lines = bytes(data).split(b"\n")
            i = draw(st.integers(0, len(lines) - 1))
            lines.insert(i, lines[i]) if draw(st.booleans()) else lines.pop(i)
            data = bytearray(b"\n".join(lines))
        elif kind == 8:
            text = bytes(data).decode("utf-8", errors="replace").replace("\ufffd", "é")
            encoding = draw(st.sampled_from(["latin-1", "cp1252", "utf-16", "utf-16-le", "utf-32"]))
            data = bytearray(text.encode(encoding, errors="replace"))
        elif kind == 9:
            data = bytearray(bytes(data).replace(b"\n", draw(st.sampled_from([b"\r", b"\r\r\n"]))))
        else:
            data[at:at] = b"\xef\xbb\xbf"
    return bytes(data)


@settings(suppress_health_check=SLOW)
@given(st.sampled_from(sorted(IMPORTERS)), st.data())
def test_damaged_files_give_a_valid_list_or_a_user_error(name: str, data: st.DataObject) -> None:
    parse, check = IMPORTERS[name]
    damaged = data.draw(mutations(_demo(name)))
    result = only_user_errors(lambda: parse(damaged, name), name)
    if result is not None:
        check(result)


@settings(suppress_health_check=SLOW)
@given(st.sampled_from(sorted(IMPORTERS)), st.binary(max_size=600))
def test_any_bytes_give_a_result_or_a_user_error(name: str, data: bytes) -> None:
    parse, check = IMPORTERS[name]
    result = only_user_errors(lambda: parse(data, name), name)
    if result is not None:
        check(result)


_TOKENS = st.sampled_from(
    [
        ",",
        '"',
        "\n",
        "\r\n",
        " ",
        "PPMID",
        "10E0",
        "00090100",
        "0001",
        "Active",
        "SMETS1",
        "SMETS V5.0",
        "FOC",
        "2031-08-30",
        "2024-02-30",
        "é",
        "\ufeff",
        "x",
        "0x",
        "FIRMWARE_UPGRADE_UNLIKELY",
    ]
)


@settings(suppress_health_check=SLOW)
@given(st.sampled_from(sorted(IMPORTERS)), st.lists(_TOKENS, max_size=120).map("".join))
def test_csv_like_text_after_a_valid_header_gives_a_result_or_a_user_error(
    name: str, body: str
) -> None:
    header = _demo(name).split(b"\n", 1)[0] + b"\n"
    parse, check = IMPORTERS[name]
    result = only_user_errors(lambda: parse(header + body.encode("utf-8"), name), name)
    if result is not None:
        check(result)


@settings(suppress_health_check=SLOW)
@given(st.data())
def test_damaged_prenotification_files_on_disk_give_records_or_a_user_error(
    file_dir: Path, data: st.DataObject
) -> None:
    damaged = data.draw(mutations(_demo("prenotifications.csv")))
    path = file_dir / "damaged.csv"
    path.write_bytes(damaged)
    records = only_user_errors(lambda: parse_prenotification_file(path), "damaged.csv")
    for record in records or []:
        assert re.fullmatch(r"[0-9A-F]{2}(-[0-9A-F]{2}){7}", record.device_id)
        assert record.device_type in DEVICE_TYPES
        assert record.source_line is not None and record.source_line >= 2


# --------------------------------------------------------------------------- regressions
# Bugs these properties found, pinned down as plain examples.

CPL_FILE_HEADER = (
    "Device Type,Manufacturer Identifier,Model Identifier,Hardware Version,Firmware Version,"
    "SMETS/CHTS Version,Status,CPA Certificate Expiry Date\n"
)


@pytest.mark.parametrize(
    "expiry", ["0000-00-00", "2024-02-30", "2031-13-35", "\u0662\u0660\u0662\u0664-01-01"]
)
def test_a_cpa_expiry_that_is_no_calendar_date_is_refused_even_when_every_value_looks_clean(
    expiry: str,
) -> None:
    # The column-wide fast check once accepted any NNNN-[01]N-[0-3]N (and other scripts' digits)
    # when every value had that shape, storing dates that do not exist.
    data = (
        CPL_FILE_HEADER + f"PPMID,10E0,00090100,0001,00020002,SMETS1,Active,{expiry}\n"
    ).encode()
    with pytest.raises(UserError) as info:
        parse_cpl(data, "cpl.csv", RULES)
    assert info.value.details[0].startswith("line 2: column 'CPA Certificate Expiry Date'")
    assert repr(expiry) in info.value.details[0]


@pytest.mark.parametrize("quote", ["", '"'])
def test_a_row_of_empty_fields_is_skipped_like_a_blank_line_quoted_file_or_not(quote: str) -> None:
    # Spreadsheets save an empty row as ",,,,,,,". It was skipped when the file had a quote
    # somewhere, but refused (every column "is empty") when it had none.
    data = (
        CPL_FILE_HEADER
        + f"PPMID,10E0,00090100,0001,00020002,{quote}SMETS1{quote},Active,2031-08-30\n"
        + ",,,,,,,\n"
        + "PPMID,10E0,00090100,0001,80020002,SMETS V5.0,Active,\n"
        + " , ,,,,,,\n"
    ).encode()
    parsed = parse_cpl(data, "cpl.csv", RULES)
    assert len(parsed) == 2 and list(parsed.lines) == [2, 4]
