"""Reading a CSV file from outside: encoding, quoting, header aliases, clear errors.

Files are UTF-8 with or without BOM, comma separated, with a header row, quoted fields, CRLF or
LF. Columns are found by header name through an alias table kept as data
(``resources/aliases/<kind>.toml``); case, spaces and punctuation in headers are ignored.
Every problem raises :class:`UserError` naming the file, line, column and value.
"""

from __future__ import annotations

import csv
import gc
import io
import re
import tomllib
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache

from installer_app import paths
from installer_app.domain.shown import cut, quoted
from installer_app.errors import UserError

MAX_FILE_BYTES = 256 * 1024 * 1024
MAX_ERRORS_SHOWN = 20
MAX_FIELD_CHARS = 10_000
"""No field of any list is near this long (names are cut to 200, notes to 500): a longer one
means a damaged file, e.g. a quote never closed, and is refused rather than cut."""

_HEADER_JUNK = re.compile(r"[^0-9a-z]+")


def header_key(text: str) -> str:
    """Header spelling folded for matching: lower-case letters and digits only."""
    return _HEADER_JUNK.sub("", text.lower())


@dataclass(frozen=True, slots=True)
class FieldSpec:
    name: str
    required: bool
    aliases: frozenset[str]
    label: str  # the usual header, for messages


@dataclass(frozen=True, slots=True)
class AliasTable:
    kind: str
    fields: tuple[FieldSpec, ...]

    def lookup(self) -> dict[str, FieldSpec]:
        return {alias: spec for spec in self.fields for alias in spec.aliases}


@cache
def alias_table(kind: str) -> AliasTable:
    """The alias table ``resources/aliases/<kind>.toml``."""
    data = tomllib.loads(paths.resource("aliases", f"{kind}.toml").read_text(encoding="utf-8"))
    fields = []
    for name, spec in data["fields"].items():
        aliases = [spec["label"], *spec.get("aliases", [])]
        fields.append(
            FieldSpec(
                name=name,
                required=bool(spec.get("required", False)),
                aliases=frozenset(header_key(a) for a in aliases),
                label=spec["label"],
            )
        )
    return AliasTable(kind, tuple(fields))


class ErrorList:
    """Collects row problems; raises one :class:`UserError` listing the first few."""

    def __init__(self, file_name: str, what: str) -> None:
        self.file_name = file_name
        self.what = what
        self.items: list[tuple[int, str]] = []

    def add(self, line: int, message: str) -> None:
        self.items.append((line, message))

    def __bool__(self) -> bool:
        return bool(self.items)

    def raise_if_any(self) -> None:
        if not self.items:
            return
        self.items.sort(key=lambda item: item[0])
        shown = [f"line {line}: {message}" for line, message in self.items[:MAX_ERRORS_SHOWN]]
        more = len(self.items) - len(shown)
        if more > 0:
            shown.append(f"… and {more} more problem(s)")
        count = len(self.items)
        raise UserError(
            f"{self.file_name}: {count} problem(s) found, nothing imported; the stored "
            f"{self.what} is unchanged. Correct the file (or ask for a corrected one) and "
            "import it again.",
            details=shown,
        )


@dataclass(slots=True)
class CsvTable:
    """A parsed CSV: the header, the data rows, and where each row came from."""

    file_name: str
    header: list[str]
    rows: list[list[str]]
    row_lines: Sequence[int]
    columns: dict[str, int]  # field name -> column index
    _by_index: list[list[str]] | None = None

    def column(self, field: str) -> list[str]:
        """The values of one column (all columns are cut out together, once)."""
        if self._by_index is None:
            self._by_index = [list(values) for values in zip(*self.rows, strict=True)]
        return self._by_index[self.columns[field]]

    def has(self, field: str) -> bool:
        return field in self.columns

    def label(self, field: str) -> str:
        return self.header[self.columns[field]]


class no_gc:
    """Pause the cyclic GC during bulk parsing: it adds ~40% for no benefit (no cycles made)."""

    def __enter__(self) -> None:
        self._enabled = gc.isenabled()
        gc.disable()

    def __exit__(self, *exc: object) -> None:
        if self._enabled:
            gc.enable()


def decode(data: bytes, file_name: str) -> str:
    """Bytes to text: UTF-8 with or without BOM, nothing else; NUL bytes mean not a CSV."""
    if not data.strip():
        raise UserError(f"{file_name} is empty: there is nothing to import.")
    if looks_utf16(data):
        raise UserError(
            f"{file_name} is saved as UTF-16. Save it as 'CSV UTF-8 (comma delimited)' and "
            "import it again."
        )
    nul = data.find(b"\x00")
    if nul >= 0:
        line = data.count(b"\n", 0, nul) + 1
        raise UserError(
            f"{file_name} is not a CSV text file (binary data at line {line}). Check that you "
            "picked the right file."
        )
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        bad = data[exc.start : exc.start + 1].hex().upper()
        raise UserError(
            f"{file_name}, line {line}: byte 0x{bad} is not UTF-8 text. Save the file as "
            "'CSV UTF-8' and import it again."
        ) from None


def looks_utf16(data: bytes) -> bool:
    """Text saved as UTF-16: a UTF-16 BOM, or (mostly-ASCII text without a BOM) every other
    byte of the start is NUL."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return True
    head = data[:64]
    if len(head) < 4:
        return False
    even, odd = head[0::2], head[1::2]
    return (odd.count(0) == len(odd) and 0 not in even) or (
        even.count(0) == len(even) and 0 not in odd
    )


def _too_long(file_name: str, line: int, row: list[str], header: list[str] | None) -> None:
    """Raise for the first field of ``row`` longer than :data:`MAX_FIELD_CHARS`, if any."""
    for index, field in enumerate(row):
        if len(field) > MAX_FIELD_CHARS:
            column = (
                f"column {quoted(header[index].strip())}"
                if header and index < len(header)
                else f"field {index + 1}"
            )
            raise UserError(
                f"{file_name}, line {line}, {column}: the value is {len(field):,} characters "
                f"long ({quoted(field)}), more than the {MAX_FIELD_CHARS:,} any field can be. The "
                "file is damaged (perhaps a quote that is never closed) or is not the right "
                "file. Get a good copy and import it again."
            )


def _is_blank(row: list[str]) -> bool:
    return not any(field.strip() for field in row)


def _split_rows(text: str, file_name: str) -> tuple[list[list[str]], Sequence[int]]:
    """Rows and the line each starts on. Blank lines are skipped."""
    if '"' not in text:
        # No quoting anywhere: plain splitting is the CSV meaning and ~2x faster.
        if "\r" in text:
            text = text.replace("\r\n", "\n").replace("\r", "\n")
        physical = text.split("\n")
        while physical and not physical[-1].strip():
            physical.pop()  # the final line end, and blank lines after the last row
        rows = [line.split(",") for line in physical]
        if max(map(len, physical), default=0) > MAX_FIELD_CHARS:
            for number, row in enumerate(rows, 1):
                _too_long(file_name, number, row, rows[0])
        # A row of empty fields (",,,," as spreadsheets save an empty row) is a blank line too:
        # only a row whose first field is blank can be one, so this check stays cheap.
        if len(set(map(len, rows))) == 1 and not any(
            _is_blank(row) for row in rows if not row[0].strip()
        ):
            return rows, range(1, len(rows) + 1)
        numbered = [(n, row) for n, row in enumerate(rows, 1) if not _is_blank(row)]
        return [row for _, row in numbered], [n for n, _ in numbered]
    csv.field_size_limit(MAX_FIELD_CHARS)  # the same limit as above, for quoted fields
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    found: list[list[str]] = []
    lines: list[int] = []
    start = 1
    try:
        for row in reader:
            if row and not _is_blank(row):
                found.append(row)
                lines.append(start)
            start = reader.line_num + 1
    except csv.Error as exc:
        if "field larger than field limit" in str(exc):
            raise UserError(
                f"{file_name}, line {start}: a quoted value is longer than the "
                f"{MAX_FIELD_CHARS:,} characters any field can be. The file is damaged (perhaps "
                "a quote that is never closed) or is not the right file. Get a good copy and "
                "import it again."
            ) from None
        raise UserError(
            f"{file_name}, line {start}: the CSV quoting is broken ({exc}). A quoted field "
            "must end with a closing quote; the file may be cut short. Get a complete copy "
            "and import it again."
        ) from None
    return found, lines


def read_csv(data: bytes, file_name: str, kind: str, what: str) -> CsvTable:
    """Parse ``data`` as a CSV of ``kind`` (alias table name); ``what`` names it in messages."""
    if len(data) > MAX_FILE_BYTES:
        raise UserError(
            f"{file_name} is {len(data) // 1_000_000} MB, more than the "
            f"{MAX_FILE_BYTES // 1_000_000} MB a {what} file can be. Check that you picked the "
            "right file."
        )
    text = decode(data, file_name)
    with no_gc():
        rows, lines = _split_rows(text, file_name)
    if not rows:
        raise UserError(f"{file_name} is empty: there is nothing to import.")
    header = [h.strip() for h in rows[0]]
    header_line = lines[0]
    body, body_lines = rows[1:], lines[1:]

    table = alias_table(kind)
    lookup = table.lookup()
    columns: dict[str, int] = {}
    for index, name in enumerate(header):
        spec = lookup.get(header_key(name))
        if spec is None:
            continue  # unknown extra column: ignored
        if spec.name in columns:
            first = header[columns[spec.name]]
            raise UserError(
                f"{file_name}, line {header_line}: columns {quoted(first)} and {quoted(name)} "
                f"both mean "
                f"{spec.label!r}. Remove one of them and import again."
            )
        columns[spec.name] = index
    missing = [spec.label for spec in table.fields if spec.required and spec.name not in columns]
    if missing:
        raise UserError(
            f"{file_name}, line {header_line}: required column(s) missing: "
            f"{', '.join(missing)}. The header row has: "
            f"{', '.join(cut(h, 60) for h in header[:30]) or '(nothing)'}. "
            f"Is this a {what} file? If a column is named differently, add the name to "
            f"resources/aliases/{kind}.toml."
        )
    width = len(header)
    if len(set(map(len, body)) - {width}):
        errors = ErrorList(file_name, what)
        for row, line in zip(body, body_lines, strict=True):
            if len(row) != width:
                errors.add(
                    line,
                    f"has {len(row)} fields but the header has {width}; check for a missing "
                    "or extra comma, or a comma inside an unquoted value",
                )
        errors.raise_if_any()
    if not body:
        if kind in ("cpl", "epcl", "advisories"):
            raise UserError(
                f"{file_name} has a header but no entries. Importing it would empty the {what}, "
                f"so it was refused; the stored {what} is unchanged."
            )
        raise UserError(f"{file_name} has a header but no records: there is nothing to import.")
    return CsvTable(file_name, header, body, body_lines, columns)
