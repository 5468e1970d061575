"""Parse and validate a CPL CSV into rows ready to store (no database here).

Rules (CONTRACT.md): Manufacturer Identifier exactly 4 hex digits; Model Identifier hex; Hardware
and Firmware Version non-empty, at most 30 characters, compared as normalised strings; Status one
of Active, Cancelled, Expired, Withdrawn; dates ISO or empty; the generation from an explicit
column when given, else from the SMETS/CHTS Version text by the data-driven rules.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field

from installer_app.domain.generation import GenerationRules
from installer_app.domain.identifiers import normalise_hex, normalise_version
from installer_app.domain.model import CPL_STATUSES, DEVICE_TYPES, Generation
from installer_app.store.columns import (
    choice,
    iso_date,
    joined_pattern,
    normalised_column,
    optional_column,
    text_column,
    upper_alnum,
    upper_hex,
)
from installer_app.store.csv_table import ErrorList, no_gc, read_csv

KNOWN_DEVICE_TYPES = (*DEVICE_TYPES, "SAPC")

_FAST_MANUFACTURER = upper_hex(4, 4)
_FAST_MODEL = upper_hex(1, 30)
_FAST_VERSION = upper_alnum(1, 30)
_FAST_DATE = joined_pattern(r"(?:\d{4}-[01]\d-[0-3]\d)?")

_device_type = choice({t: t for t in KNOWN_DEVICE_TYPES}, "device type")
_status = choice({s.upper(): s for s in CPL_STATUSES}, "CPL status")


def _manufacturer(value: str) -> str:
    return normalise_hex(value, digits=4)


def _model(value: str) -> str:
    return normalise_hex(value, max_digits=30)


@dataclass(slots=True)
class ParsedCpl:
    """Validated CPL columns, in file order."""

    device_type: list[str]
    manufacturer_id: list[str]
    model_id: list[str]
    hardware_version: list[str]
    firmware_version: list[str]
    manufacturer_name: list[str]
    model_name: list[str]
    smets_chts_version: list[str]
    gbcs_version: list[str]
    status: list[str]
    cpa_expiry: list[str | None]
    generation: list[str]
    bilingual: list[int]
    lines: Sequence[int]
    summary: dict[str, object] = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.lines)

    def rows(self) -> zip[tuple[object, ...]]:
        """Tuples in the column order of :data:`INSERT_COLUMNS` (after ``version_id``)."""
        return zip(
            self.manufacturer_id,
            self.model_id,
            self.hardware_version,
            self.firmware_version,
            self.device_type,
            self.manufacturer_name,
            self.model_name,
            self.smets_chts_version,
            self.gbcs_version,
            self.status,
            self.cpa_expiry,
            self.generation,
            self.bilingual,
            strict=True,
        )

    def duplicate_keys(self) -> list[tuple[int, int, tuple[str, ...]]]:
        """(first line, duplicate line, key) for every repeated entry key."""
        seen: dict[tuple[str, ...], int] = {}
        duplicates: list[tuple[int, int, tuple[str, ...]]] = []
        keys = zip(
            self.device_type,
            self.manufacturer_id,
            self.model_id,
            self.hardware_version,
            self.firmware_version,
            strict=True,
        )
        for key, line in zip(keys, self.lines, strict=True):
            first = seen.setdefault(key, line)
            if first != line:
                duplicates.append((first, line, key))
        return duplicates


INSERT_COLUMNS = (
    "version_id",
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
    "bilingual",
)


def _generations(
    text: list[str],
    explicit: list[str | None] | None,
    lines: Sequence[int],
    rules: GenerationRules,
    errors: ErrorList,
    label: str,
) -> list[str]:
    """Per row: the explicit generation when given, else the rule for the version text."""
    by_text = {v: (g.value if (g := rules.classify(v)) else "") for v in set(text)}
    result = list(map(by_text.__getitem__, text))
    if explicit is not None:
        result = [chosen or fallback for chosen, fallback in zip(explicit, result, strict=True)]
    if "" not in result:
        return result
    for line, value, version_text in zip(lines, result, text, strict=True):
        if value:
            continue
        if version_text:
            errors.add(
                line,
                f"column {label!r}: {version_text!r} matches no SMETS generation rule, so it is "
                "not known whether this entry is SMETS1 or SMETS2+. Add a 'SMETS Generation' "
                "column, or a rule to generation_rules.toml",
            )
        else:
            errors.add(
                line,
                "no SMETS/CHTS Version and no SMETS Generation: cannot tell SMETS1 from "
                "SMETS2+. Fill in one of them",
            )
    return result


def parse_cpl(data: bytes, file_name: str, rules: GenerationRules) -> ParsedCpl:
    """Validate a whole CPL file; raise UserError listing every problem found (first 20)."""
    table = read_csv(data, file_name, "cpl", "CPL")
    errors = ErrorList(file_name, "CPL")
    if not table.has("smets_chts_version") and not table.has("smets_generation"):
        errors.add(
            table.row_lines[0] - 1,
            "the file has neither a 'SMETS/CHTS Version' nor a 'SMETS Generation' column, so "
            "SMETS1 cannot be told from SMETS2+",
        )
        errors.raise_if_any()
    with no_gc():
        device_type = normalised_column(
            table, "device_type", _device_type, errors, hint="e.g. PPMID, ESME, CHF"
        )
        manufacturer = normalised_column(
            table,
            "manufacturer_id",
            _manufacturer,
            errors,
            fast=_FAST_MANUFACTURER,
            hint="a Manufacturer Identifier is 4 hex digits, e.g. 10E0",
        )
        model = normalised_column(
            table,
            "model_id",
            _model,
            errors,
            fast=_FAST_MODEL,
            hint="a Model Identifier is hex, e.g. 00090100",
        )
        hardware = normalised_column(
            table, "hardware_version", normalise_version, errors, fast=_FAST_VERSION
        )
        firmware = normalised_column(
            table, "firmware_version", normalise_version, errors, fast=_FAST_VERSION
        )
        status = normalised_column(table, "status", _status, errors)
        expiry = optional_column(table, "cpa_expiry", iso_date, errors, fast=_FAST_DATE)
        explicit = (
            optional_column(
                table,
                "smets_generation",
                lambda v: Generation.parse(v).value,
                errors,
                hint="use SMETS1 or SMETS2+",
            )
            if table.has("smets_generation")
            else None
        )
        version_text = text_column(table, "smets_chts_version", 60)
        generation = _generations(
            version_text,
            explicit,
            table.row_lines,
            rules,
            errors,
            table.label("smets_chts_version")
            if table.has("smets_chts_version")
            else "SMETS/CHTS Version",
        )
        errors.raise_if_any()

        bilingual = [0] * len(device_type)
        groups: dict[tuple[str, str, str], set[str]] = {}
        ppmid_rows = [i for i, kind in enumerate(device_type) if kind == "PPMID"]
        for i in ppmid_rows:
            groups.setdefault((manufacturer[i], model[i], hardware[i]), set()).add(generation[i])
        bilingual_models = {key for key, gens in groups.items() if len(gens) > 1}
        if bilingual_models:
            for i in ppmid_rows:
                if (manufacturer[i], model[i], hardware[i]) in bilingual_models:
                    bilingual[i] = 1

        parsed = ParsedCpl(
            device_type=device_type,
            manufacturer_id=manufacturer,
            model_id=model,
            hardware_version=hardware,
            firmware_version=firmware,
            manufacturer_name=text_column(table, "manufacturer_name"),
            model_name=text_column(table, "model_name"),
            smets_chts_version=version_text,
            gbcs_version=text_column(table, "gbcs_version", 30),
            status=status,
            cpa_expiry=expiry,
            generation=generation,
            bilingual=bilingual,
            lines=table.row_lines,
        )
        by_type: Counter[str] = Counter(device_type)
        by_generation: Counter[str] = Counter(generation)
        by_status: Counter[str] = Counter(status)
    parsed.summary = {
        "by_device_type": dict(sorted(by_type.items())),
        "by_generation": dict(sorted(by_generation.items())),
        "by_status": dict(sorted(by_status.items())),
        "bilingual_models": len(bilingual_models),
    }
    return parsed
