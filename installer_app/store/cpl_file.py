"""Parse and validate a CPL CSV into rows ready to store (no database here).

Rules (CONTRACT.md): Manufacturer Identifier exactly 4 hex digits; Model Identifier hex; Hardware
and Firmware Version non-empty, at most 30 characters, compared as normalised strings; Status one
of Active, Cancelled, Expired, Withdrawn; dates ISO or empty; the generation from an explicit
column when given, else from the SMETS/CHTS Version text by the data-driven rules.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from itertools import compress
from operator import itemgetter

from installer_app.domain.generation import GenerationRules
from installer_app.domain.identifiers import normalise_hex, normalise_version
from installer_app.domain.model import CPL_STATUSES, DEVICE_TYPES, Generation
from installer_app.domain.shown import quoted
from installer_app.store.columns import (
    checked_column,
    choice,
    iso_date,
    joined_pattern,
    one_of,
    upper_alnum,
    upper_hex,
)
from installer_app.store.csv_table import CsvTable, ErrorList, no_gc, read_csv

KNOWN_DEVICE_TYPES = (*DEVICE_TYPES, "SAPC")

_FAST_MANUFACTURER = upper_hex(4, 4)
_FAST_MODEL = upper_hex(1, 30)
_FAST_VERSION = upper_alnum(1, 30)
_DATE_SHAPES = joined_pattern(r"(?:[0-9]{4}-[01][0-9]-[0-3][0-9])?")


def _fast_date(values: list[str]) -> bool:
    """Every value is empty or a real calendar date as written: the shape for the whole column
    at once, then each distinct date (a list has few) through ``iso_date``."""
    if not _DATE_SHAPES(values):
        return False
    try:
        return all(iso_date(value) == value for value in set(values) if value)
    except ValueError:
        return False


_FAST_DEVICE_TYPE = one_of(KNOWN_DEVICE_TYPES)
_FAST_STATUS = one_of(CPL_STATUSES)
_device_type = choice({t: t for t in KNOWN_DEVICE_TYPES}, "device type")
_status = choice({s.upper(): s for s in CPL_STATUSES}, "CPL status")


def _manufacturer(value: str) -> str:
    return normalise_hex(value, digits=4)


def _model(value: str) -> str:
    return normalise_hex(value, max_digits=30)


@dataclass(slots=True)
class ParsedCpl:
    """A validated CPL, ready to insert.

    When every key column of the file is already in normalised form (the usual case) the raw
    CSV rows are handed to SQLite as they are, picking columns with ``itemgetter``; otherwise
    the normalised columns are zipped into rows. Both give the same stored entries.
    """

    table: CsvTable
    clean: bool
    columns: dict[str, list[str] | list[str | None]]
    """Normalised values of the validated fields, in file order."""
    generation_of_text: dict[str, str]
    """SMETS/CHTS Version text as in the file -> generation."""
    generation_of_explicit: dict[str, str]
    """SMETS Generation text as in the file -> generation (empty when no such column)."""
    bilingual_models: set[tuple[str, str, str]]
    """(manufacturer, model, hardware) of the bilingual PPMID models."""
    needs_trim: set[str]
    """Free-text fields with values to strip or cut to length when stored."""
    summary: dict[str, object] = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.table.rows)

    @property
    def lines(self) -> Sequence[int]:
        return self.table.row_lines

    def insert_fields(self) -> list[str]:
        """The file fields bound as parameters, in the order of :meth:`parameter_rows`."""
        return [name for name in INSERT_FIELDS if self.table.has(name)]

    def parameter_rows(self) -> Iterable[Sequence[object]]:
        fields = self.insert_fields()
        if self.clean:
            return map(itemgetter(*(self.table.columns[f] for f in fields)), self.table.rows)
        return zip(
            *(self.columns[f] if f in self.columns else self.table.column(f) for f in fields),
            strict=True,
        )

    def duplicate_keys(self) -> list[tuple[int, int, tuple[str, ...]]]:
        """(first line, duplicate line, key) for every repeated entry key."""
        seen: dict[tuple[str | None, ...], int] = {}
        duplicates: list[tuple[int, int, tuple[str, ...]]] = []
        keys = zip(*(self.columns[name] for name in KEY_FIELDS), strict=True)
        for key, line in zip(keys, self.lines, strict=True):
            first = seen.setdefault(key, line)
            if first != line:
                duplicates.append((first, line, tuple(str(k) for k in key)))
        return duplicates


KEY_FIELDS = ("device_type", "manufacturer_id", "model_id", "hardware_version", "firmware_version")
INSERT_FIELDS = (
    "manufacturer_id",
    "model_id",
    "hardware_version",
    "firmware_version",
    "device_type",
    "manufacturer_name",
    "model_name",
    "smets_chts_version",
    "gbcs_version",
    "status",
    "cpa_expiry",
    "smets_generation",
)
"""File fields in the order they are bound (those the file lacks are left out)."""


def _generation_map(
    table: CsvTable, rules: GenerationRules, errors: ErrorList
) -> tuple[dict[str, str], dict[str, str], list[str]]:
    """Generation per distinct text (SMETS/CHTS Version, explicit column) and per row."""
    rows = len(table.rows)
    text = table.column("smets_chts_version") if table.has("smets_chts_version") else [""] * rows
    by_text = {v: (g.value if (g := rules.classify(v)) else "") for v in set(text)}
    by_explicit: dict[str, str] = {}
    if table.has("smets_generation"):
        explicit = table.column("smets_generation")
        label = table.label("smets_generation")
        for value in set(explicit):
            if not value.strip():
                by_explicit[value] = ""
                continue
            try:
                by_explicit[value] = Generation.parse(value).value
            except ValueError as exc:
                for line, raw in zip(table.row_lines, explicit, strict=True):
                    if raw == value:
                        errors.add(line, f"column {label!r}: {exc}")
                by_explicit[value] = "?"
        generation = [by_explicit[e] or by_text[t] for e, t in zip(explicit, text, strict=True)]
    else:
        generation = list(map(by_text.__getitem__, text))
    if "" in by_text.values() and "" in generation:
        label = table.label("smets_chts_version") if table.has("smets_chts_version") else ""
        for line, value, version_text in zip(table.row_lines, generation, text, strict=True):
            if value:
                continue
            if version_text.strip():
                errors.add(
                    line,
                    f"column {label!r}: {quoted(version_text.strip())} matches no SMETS generation "
                    "rule, so it is not known whether this entry is SMETS1 or SMETS2+. Add a "
                    "'SMETS Generation' column, or a rule to generation_rules.toml",
                )
            else:
                errors.add(
                    line,
                    "no SMETS/CHTS Version and no SMETS Generation: cannot tell SMETS1 from "
                    "SMETS2+. Fill in one of them",
                )
    return by_text, by_explicit, generation


def parse_cpl(data: bytes, file_name: str, rules: GenerationRules) -> ParsedCpl:
    """Validate a whole CPL file; raise UserError listing every problem found (first 20)."""
    with no_gc():
        table = read_csv(data, file_name, "cpl", "CPL")
        errors = ErrorList(file_name, "CPL")
        if not table.has("smets_chts_version") and not table.has("smets_generation"):
            errors.add(
                table.row_lines[0] - 1,
                "the file has neither a 'SMETS/CHTS Version' nor a 'SMETS Generation' column, "
                "so SMETS1 cannot be told from SMETS2+",
            )
            errors.raise_if_any()
        checks = {
            "device_type": (_device_type, _FAST_DEVICE_TYPE, "e.g. PPMID, ESME, CHF"),
            "manufacturer_id": (
                _manufacturer,
                _FAST_MANUFACTURER,
                "a Manufacturer Identifier is 4 hex digits, e.g. 10E0",
            ),
            "model_id": (_model, _FAST_MODEL, "a Model Identifier is hex, e.g. 00090100"),
            "hardware_version": (normalise_version, _FAST_VERSION, ""),
            "firmware_version": (normalise_version, _FAST_VERSION, ""),
            "status": (_status, _FAST_STATUS, ""),
        }
        columns: dict[str, list[str] | list[str | None]] = {}
        clean = True
        for name, (normalise, fast, hint) in checks.items():
            values, was_clean = checked_column(table, name, normalise, errors, fast=fast, hint=hint)
            columns[name] = values
            clean = clean and was_clean
        if table.has("cpa_expiry"):
            # Empty stays "" here; it is stored as NULL.
            columns["cpa_expiry"], was_clean = checked_column(
                table, "cpa_expiry", _optional_date, errors, fast=_fast_date
            )
            clean = clean and was_clean
        by_text, by_explicit, generation = _generation_map(table, rules, errors)
        errors.raise_if_any()

        device_type = columns["device_type"]
        groups: dict[tuple[str, str, str], set[str]] = {}
        ppmid = compress(
            zip(
                columns["manufacturer_id"],
                columns["model_id"],
                columns["hardware_version"],
                generation,
                strict=True,
            ),
            map("PPMID".__eq__, device_type),
        )
        for manufacturer, model, hardware, gen in ppmid:
            groups.setdefault((str(manufacturer), str(model), str(hardware)), set()).add(gen)
        bilingual = {key for key, gens in groups.items() if len(gens) > 1}
        needs_trim = {
            name
            for name, limit in TEXT_LIMITS.items()
            if table.has(name) and not _already_trimmed(table.column(name), limit)
        }
        summary: dict[str, object] = {
            "by_device_type": dict(sorted(Counter(device_type).items())),
            "by_generation": dict(sorted(Counter(generation).items())),
            "by_status": dict(sorted(Counter(columns["status"]).items())),
            "bilingual_models": len(bilingual),
        }
    return ParsedCpl(table, clean, columns, by_text, by_explicit, bilingual, needs_trim, summary)


TEXT_LIMITS = {
    "manufacturer_name": 200,
    "model_name": 200,
    "smets_chts_version": 60,
    "gbcs_version": 30,
}
"""Free-text fields: stored stripped, cut to this many characters."""


_ASCII_EDGE_SPACE = (" \x00", "\x00 ", "\t\x00", "\x00\t", "\x0b", "\x0c")


def _already_trimmed(values: list[str], limit: int) -> bool:
    """No value has white space at either end or is longer than ``limit``."""
    if max(map(len, values), default=0) > limit:
        return False
    joined = "\x00" + "\x00".join(values) + "\x00"  # NUL never occurs: decode() refuses it
    if joined.isascii():  # then only these characters are white space in a CSV field
        return not any(edge in joined for edge in _ASCII_EDGE_SPACE)
    return list(map(str.strip, values)) == values


def _optional_date(value: str) -> str:
    return iso_date(value) if value.strip() else ""
