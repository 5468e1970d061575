"""The SMETS1 EPCL and the firmware advisory list: parse, validate, swap in, look up."""

from __future__ import annotations

import sqlite3
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import astuple

from installer_app.domain.identifiers import normalise_hex, normalise_version
from installer_app.domain.model import ADVISORY_CODES, Advisory, Cohort, EpclRow
from installer_app.store.columns import (
    choice,
    iso_date,
    normalised_column,
    optional_column,
    text_column,
)
from installer_app.store.cpl_file import KNOWN_DEVICE_TYPES
from installer_app.store.csv_table import CsvTable, ErrorList, read_csv
from installer_app.store.db import Database
from installer_app.store.reference import SourceMeta, VersionInfo, replace_list

_device_type = choice({t: t for t in KNOWN_DEVICE_TYPES}, "device type")
_cohort = choice({c.value: c.value for c in Cohort}, "SMETS1 cohort")
_code = choice({c: c for c in ADVISORY_CODES}, "advisory code")


def _manufacturer(value: str) -> str:
    return normalise_hex(value, digits=4)


def _model(value: str) -> str:
    return normalise_hex(value)


def _common(table: CsvTable, errors: ErrorList) -> dict[str, list[str]]:
    return {
        "device_type": normalised_column(table, "device_type", _device_type, errors),
        "manufacturer_id": normalised_column(
            table, "manufacturer_id", _manufacturer, errors, hint="4 hex digits, e.g. 10E0"
        ),
        "model_id": normalised_column(table, "model_id", _model, errors, hint="hex, e.g. 00090100"),
    }


def parse_epcl(data: bytes, file_name: str) -> list[EpclRow]:
    table = read_csv(data, file_name, "epcl", "EPCL")
    errors = ErrorList(file_name, "EPCL")
    common = _common(table, errors)
    combination = normalised_column(table, "combination_id", _nonempty, errors)
    cohort = normalised_column(table, "cohort", _cohort, errors)
    hardware = normalised_column(table, "hardware_version", normalise_version, errors)
    firmware = normalised_column(table, "firmware_version", normalise_version, errors)
    added = optional_column(table, "date_added", iso_date, errors)
    errors.raise_if_any()
    rows = [
        EpclRow(c, Cohort(k), t, m, mo, h, f, d)
        for c, k, t, m, mo, h, f, d in zip(
            combination,
            cohort,
            common["device_type"],
            common["manufacturer_id"],
            common["model_id"],
            hardware,
            firmware,
            added,
            strict=True,
        )
    ]
    seen: dict[EpclRow, int] = {}
    for row, line in zip(rows, table.row_lines, strict=True):
        first = seen.setdefault(row, line)
        if first != line:
            errors.add(line, f"repeats line {first} (combination {row.combination_id})")
    errors.raise_if_any()
    return rows


def _nonempty(value: str) -> str:
    text = value.strip()
    if not text:
        raise ValueError("is empty")
    return text[:60]


def parse_advisories(data: bytes, file_name: str) -> list[Advisory]:
    table = read_csv(data, file_name, "advisories", "advisory list")
    errors = ErrorList(file_name, "advisory list")
    common = _common(table, errors)
    code = normalised_column(table, "code", _code, errors)
    reference = normalised_column(table, "reference", _nonempty, errors)
    hardware = optional_column(table, "hardware_version", normalise_version, errors)
    firmware = optional_column(table, "firmware_version", normalise_version, errors)
    cohort = optional_column(table, "cohort", _cohort, errors)
    note = text_column(table, "note", 500)
    errors.raise_if_any()
    return [
        Advisory(c, r, t, m, mo, h, f, Cohort(k) if k else None, n)
        for c, r, t, m, mo, h, f, k, n in zip(
            code,
            reference,
            common["device_type"],
            common["manufacturer_id"],
            common["model_id"],
            hardware,
            firmware,
            cohort,
            note,
            strict=True,
        )
    ]


_EPCL_COLUMNS = (
    "combination_id, cohort, device_type, manufacturer_id, model_id, hardware_version, "
    "firmware_version, date_added"
)
_ADVISORY_COLUMNS = (
    "code, reference, device_type, manufacturer_id, model_id, hardware_version, "
    "firmware_version, cohort, note"
)


def _inserter(
    sql: str, items: list[EpclRow] | list[Advisory]
) -> Callable[[sqlite3.Connection, int], None]:
    def insert(connection: sqlite3.Connection, version_id: int) -> None:
        connection.executemany(sql, ((version_id, *astuple(item)) for item in items))

    return insert


def store_epcl(db: Database, rows: list[EpclRow], meta: SourceMeta) -> VersionInfo:
    summary: dict[str, object] = {
        "combinations": len({r.combination_id for r in rows}),
        "by_cohort": dict(sorted(Counter(r.cohort.value for r in rows).items())),
    }
    sql = f"INSERT INTO epcl_entry (version_id, {_EPCL_COLUMNS}) VALUES ({', '.join('?' * 9)})"
    return replace_list(db, "epcl", meta, _inserter(sql, rows), len(rows), summary)


def store_advisories(db: Database, rows: list[Advisory], meta: SourceMeta) -> VersionInfo:
    summary: dict[str, object] = {"by_code": dict(sorted(Counter(r.code for r in rows).items()))}
    sql = f"INSERT INTO advisory (version_id, {_ADVISORY_COLUMNS}) VALUES ({', '.join('?' * 10)})"
    return replace_list(db, "advisories", meta, _inserter(sql, rows), len(rows), summary)


def _current(kind: str) -> str:
    return f"(SELECT id FROM dataset_version WHERE kind = '{kind}' AND is_current)"


def epcl_for_models(
    connection: sqlite3.Connection, models: Iterable[tuple[str, str]]
) -> list[EpclRow]:
    """EPCL rows for any of the (manufacturer, model) pairs."""
    result: list[EpclRow] = []
    for manufacturer, model in set(models):
        for row in connection.execute(
            f"SELECT {_EPCL_COLUMNS} FROM epcl_entry WHERE version_id = {_current('epcl')} "
            "AND manufacturer_id = ? AND model_id = ?",
            (manufacturer, model),
        ):
            result.append(EpclRow(row[0], Cohort(row[1]), *row[2:]))
    return result


def advisories_for_models(
    connection: sqlite3.Connection, models: Iterable[tuple[str, str]]
) -> list[Advisory]:
    result: list[Advisory] = []
    for manufacturer, model in set(models):
        for row in connection.execute(
            f"SELECT {_ADVISORY_COLUMNS} FROM advisory WHERE version_id = "
            f"{_current('advisories')} AND manufacturer_id = ? AND model_id = ?",
            (manufacturer, model),
        ):
            result.append(
                Advisory(
                    code=row[0],
                    reference=row[1],
                    device_type=row[2],
                    manufacturer_id=row[3],
                    model_id=row[4],
                    hardware_version=row[5],
                    firmware_version=row[6],
                    cohort=Cohort(row[7]) if row[7] else None,
                    note=row[8],
                )
            )
    return result
