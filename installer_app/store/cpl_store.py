"""The CPL in the database: swap in a parsed file, and the queries the app needs."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from dataclasses import dataclass

from installer_app.domain.model import CplEntry, Generation
from installer_app.errors import UserError
from installer_app.store.cpl_file import INSERT_FIELDS, TEXT_LIMITS, ParsedCpl
from installer_app.store.db import Database
from installer_app.store.reference import SourceMeta, VersionInfo, replace_list

_TABLE_COLUMNS = INSERT_FIELDS
"""Stored columns after ``version_id``, named as the file fields they come from."""
_CASE_LIMIT = 64
"""Up to this many distinct texts, the generation is a CASE in the statement; else a lookup."""


def _sql_text(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def _generation_expression(mapping: dict[str, str], parameter: str, table: str) -> str:
    if len(mapping) <= _CASE_LIMIT:
        branches = " ".join(
            f"WHEN {_sql_text(text)} THEN {_sql_text(gen)}" for text, gen in mapping.items() if gen
        )
        return f"(CASE {parameter} {branches} END)" if branches else "NULL"
    return f"(SELECT g FROM temp.{table} WHERE v = {parameter})"


def _insert_sql(parsed: ParsedCpl, version_id: int) -> str:
    """INSERT … VALUES with numbered parameters in the order of ``parsed.parameter_rows()``.

    The version id is written into the statement (an int, not user text): one bind fewer per
    row on the hottest loop of an import. The generation is looked up per row in two small
    temporary tables keyed by the file's own text.
    """
    number = {name: f"?{i}" for i, name in enumerate(parsed.insert_fields(), 1)}
    values = [str(int(version_id))]
    for column in _TABLE_COLUMNS:
        if column == "smets_generation":
            lookups = []
            if "smets_generation" in number:
                explicit = _generation_expression(
                    parsed.generation_of_explicit, number[column], "cpl_gen_explicit"
                )
                lookups.append(f"nullif({explicit}, '')")
            if "smets_chts_version" in number:
                lookups.append(
                    _generation_expression(
                        parsed.generation_of_text, number["smets_chts_version"], "cpl_gen_text"
                    )
                )
            values.append(f"coalesce({', '.join(lookups)})" if len(lookups) > 1 else lookups[0])
        elif column == "cpa_expiry":
            values.append(f"nullif({number[column]}, '')" if column in number else "NULL")
        elif column in TEXT_LIMITS:
            if column not in number:
                values.append("''")
            elif column in parsed.needs_trim:
                values.append(f"substr(trim({number[column]}), 1, {TEXT_LIMITS[column]})")
            else:
                values.append(number[column])
        else:
            values.append(number[column])
    return (
        f"INSERT INTO cpl_entry (version_id, {', '.join(_TABLE_COLUMNS)}, bilingual) "
        f"VALUES ({', '.join(values)}, 0)"
    )


def _inserter(parsed: ParsedCpl) -> Callable[[sqlite3.Connection, int], None]:
    def insert(connection: sqlite3.Connection, version_id: int) -> None:
        for table, mapping in (
            ("cpl_gen_text", parsed.generation_of_text),
            ("cpl_gen_explicit", parsed.generation_of_explicit),
        ):
            connection.execute(
                f"CREATE TEMP TABLE IF NOT EXISTS {table} (v TEXT PRIMARY KEY, g TEXT) "
                "WITHOUT ROWID"
            )
            connection.execute(f"DELETE FROM temp.{table}")
            connection.executemany(f"INSERT INTO temp.{table} VALUES (?, ?)", mapping.items())
        connection.executemany(_insert_sql(parsed, version_id), parsed.parameter_rows())
        connection.executemany(
            "UPDATE cpl_entry SET bilingual = 1 WHERE version_id = ? AND manufacturer_id = ? "
            "AND model_id = ? AND hardware_version = ? AND device_type = 'PPMID'",
            ((version_id, *key) for key in parsed.bilingual_models),
        )

    return insert


ENTRY_COLUMNS = (
    "device_type, manufacturer_id, model_id, hardware_version, firmware_version, "
    "smets_generation, status, manufacturer_name, model_name, smets_chts_version, gbcs_version, "
    "cpa_expiry, bilingual"
)
CURRENT = "(SELECT id FROM dataset_version WHERE kind = 'cpl' AND is_current)"


def store_cpl(db: Database, parsed: ParsedCpl, meta: SourceMeta, file_name: str) -> VersionInfo:
    """Swap the parsed CPL in atomically; a duplicate entry key refuses the whole file."""
    try:
        return replace_list(db, "cpl", meta, _inserter(parsed), len(parsed), dict(parsed.summary))
    except sqlite3.IntegrityError:
        duplicates = parsed.duplicate_keys()
        if not duplicates:
            raise
        details = [
            f"line {line}: the same entry as line {first} (Device Type {key[0]}, Manufacturer "
            f"{key[1]}, Model {key[2]}, Hardware {key[3]}, Firmware {key[4]})"
            for first, line, key in duplicates[:20]
        ]
        raise UserError(
            f"{file_name}: {len(duplicates)} duplicate entr(ies), nothing imported; the stored "
            "CPL is unchanged. Each Device Type + Manufacturer + Model + Hardware + Firmware "
            "may appear once. Remove the repeated lines and import again.",
            details=details,
        ) from None


def entry_from_row(row: tuple[object, ...]) -> CplEntry:
    return CplEntry(
        device_type=str(row[0]),
        manufacturer_id=str(row[1]),
        model_id=str(row[2]),
        hardware_version=str(row[3]),
        firmware_version=str(row[4]),
        smets_generation=Generation(str(row[5])),
        status=str(row[6]),
        manufacturer_name=str(row[7]),
        model_name=str(row[8]),
        smets_chts_version=str(row[9]),
        gbcs_version=str(row[10]),
        cpa_expiry=None if row[11] is None else str(row[11]),
        bilingual=bool(row[12]),
    )


def entries_for_model(
    connection: sqlite3.Connection, manufacturer_id: str, model_id: str
) -> list[CplEntry]:
    """Every current CPL entry of one manufacturer + model (all hardware and firmware)."""
    rows = connection.execute(
        f"SELECT {ENTRY_COLUMNS} FROM cpl_entry WHERE version_id = {CURRENT} "
        "AND manufacturer_id = ? AND model_id = ?",
        (manufacturer_id, model_id),
    ).fetchall()
    return [entry_from_row(row) for row in rows]


@dataclass(frozen=True, slots=True)
class FindQuery:
    manufacturer: str | None = None
    model: str | None = None
    text: str | None = None
    device_type: str | None = None
    generation: str | None = None
    status: str | None = None
    bilingual_only: bool = False
    limit: int | None = None
    offset: int = 0
    order_by: str = "manufacturer_id, model_id, hardware_version, firmware_version, device_type"


_ORDERABLE = {
    "device_type",
    "manufacturer_id",
    "model_id",
    "hardware_version",
    "firmware_version",
    "smets_generation",
    "status",
    "manufacturer_name",
    "model_name",
}


def _order_terms(order_by: str) -> list[str]:
    """``column [ASC|DESC]`` terms naming known columns; anything else is dropped (the text
    goes into SQL, so only these exact shapes pass)."""
    terms = []
    for part in order_by.split(","):
        words = part.split()
        if not words or words[0] not in _ORDERABLE or len(words) > 2:
            continue
        if len(words) == 2 and words[1].upper() not in ("ASC", "DESC"):
            continue
        terms.append(" ".join([words[0], *(w.upper() for w in words[1:])]))
    return terms


def _where(query: FindQuery) -> tuple[str, list[object]]:
    clauses = [f"version_id = {CURRENT}"]
    params: list[object] = []
    if query.manufacturer:
        clauses.append("manufacturer_id = ?")
        params.append(query.manufacturer.strip().upper())
    if query.model:
        clauses.append("model_id = ?")
        params.append(query.model.strip().upper())
    if query.device_type:
        clauses.append("device_type = ?")
        params.append(query.device_type.strip().upper())
    if query.generation:
        clauses.append("smets_generation = ?")
        params.append(Generation.parse(query.generation).value)
    if query.status:
        clauses.append("status = ? COLLATE NOCASE")
        params.append(query.status.strip())
    if query.bilingual_only:
        clauses.append("bilingual")
    if query.text:
        # Every word must appear in one of the searchable fields (case-insensitive LIKE).
        for word in query.text.split():
            pattern = "%" + word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
            clauses.append(
                "(manufacturer_name LIKE ? ESCAPE '\\' OR model_name LIKE ? ESCAPE '\\' "
                "OR manufacturer_id LIKE ? ESCAPE '\\' OR model_id LIKE ? ESCAPE '\\' "
                "OR firmware_version LIKE ? ESCAPE '\\' OR device_type LIKE ? ESCAPE '\\')"
            )
            params.extend([pattern] * 6)
    return " AND ".join(clauses), params


def find_entries(connection: sqlite3.Connection, query: FindQuery) -> list[CplEntry]:
    where, params = _where(query)
    order = ", ".join(_order_terms(query.order_by))
    sql = f"SELECT {ENTRY_COLUMNS} FROM cpl_entry WHERE {where} ORDER BY {order or 'model_id'}"
    if query.limit is not None:
        sql += " LIMIT ? OFFSET ?"
        params.extend([query.limit, query.offset])
    return [entry_from_row(row) for row in connection.execute(sql, params).fetchall()]


def count_entries(connection: sqlite3.Connection, query: FindQuery) -> int:
    where, params = _where(query)
    row = connection.execute(f"SELECT count(*) FROM cpl_entry WHERE {where}", params).fetchone()
    return int(row[0])
