"""Column-wise validation of CSV values.

A whole column is first checked with one regular expression over its joined values (fast path:
already normalised and valid); only when that fails is each distinct value normalised on its
own, and each bad value reported with its line. 100,000-row lists stay fast this way.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable

from installer_app.domain.shown import quoted
from installer_app.store.csv_table import CsvTable, ErrorList

SEP = "\x00"
HEX_DIGITS = b"0123456789ABCDEF"

FastCheck = Callable[[list[str]], bool]


def joined_pattern(item: str) -> FastCheck:
    """A check that every value matches ``item`` (one regex over the joined column)."""
    pattern = re.compile(f"(?:{item})(?:{SEP}(?:{item}))*")
    return lambda values: pattern.fullmatch(SEP.join(values)) is not None


def _lengths_within(values: list[str], low: int, high: int) -> bool:
    if not values:
        return False
    if low == high:  # every value exactly `low` long: one join, one slice
        joined = SEP.join(values)
        return len(joined) == (low + 1) * len(values) - 1 and (
            joined[low :: low + 1] == SEP * (len(values) - 1)
        )
    if low == 1 and "" in values:
        return False
    return (low <= 1 or min(map(len, values)) >= low) and max(map(len, values)) <= high


def upper_hex(low: int, high: int) -> FastCheck:
    """Every value is upper-case hex of ``low``..``high`` digits (string methods, no regex)."""

    def check(values: list[str]) -> bool:
        joined = "".join(values)
        return (
            joined.isascii()
            and not joined.encode("ascii").translate(None, HEX_DIGITS)
            and _lengths_within(values, low, high)
        )

    return check


def upper_alnum(low: int, high: int) -> FastCheck:
    """Every value is upper-case ASCII letters and digits, ``low``..``high`` long."""

    def check(values: list[str]) -> bool:
        joined = "".join(values)
        return (
            joined.isascii()
            and joined.isalnum()
            and joined == joined.upper()
            and _lengths_within(values, low, high)
        )

    return check


def one_of(allowed: Iterable[str]) -> FastCheck:
    """Every value is already one of the canonical spellings in ``allowed``."""
    options = frozenset(allowed)
    return lambda values: set(values) <= options


def checked_column(
    table: CsvTable,
    field: str,
    normalise: Callable[[str], str],
    errors: ErrorList,
    *,
    fast: FastCheck | None = None,
    hint: str = "",
) -> tuple[list[str], bool]:
    """(normalised values, whether the raw values already were normalised and valid)."""
    values = table.column(field)
    if fast is not None and fast(values):
        return values, True
    return _slow_column(table, field, values, normalise, errors, hint), False


def normalised_column(
    table: CsvTable,
    field: str,
    normalise: Callable[[str], str],
    errors: ErrorList,
    *,
    fast: FastCheck | None = None,
    hint: str = "",
) -> list[str]:
    """The column's values normalised; bad values are added to ``errors`` with their line."""
    return checked_column(table, field, normalise, errors, fast=fast, hint=hint)[0]


def _slow_column(
    table: CsvTable,
    field: str,
    values: list[str],
    normalise: Callable[[str], str],
    errors: ErrorList,
    hint: str,
) -> list[str]:
    mapping: dict[str, str] = {}
    bad: dict[str, str] = {}
    for value in set(values):
        try:
            mapping[value] = normalise(value)
        except ValueError as exc:
            bad[value] = str(exc)
    if bad:
        label = table.label(field)
        for value, line in zip(values, table.row_lines, strict=True):
            problem = bad.get(value)
            if problem is not None:
                shown = quoted(value.strip())  # the same form the identifier checks quote
                detail = problem if value.strip() and shown in problem else f"{shown} {problem}"
                errors.add(line, f"column {label!r}: {detail}{'; ' + hint if hint else ''}")
        return values
    return [mapping[value] for value in values]


def optional_column(
    table: CsvTable,
    field: str,
    normalise: Callable[[str], str],
    errors: ErrorList,
    *,
    fast: FastCheck | None = None,
    hint: str = "",
) -> list[str | None]:
    """Like :func:`normalised_column`, but empty values (or a missing column) give None."""
    if not table.has(field):
        return [None] * len(table.rows)

    def normalise_or_empty(value: str) -> str:
        return normalise(value) if value.strip() else ""

    values = normalised_column(table, field, normalise_or_empty, errors, fast=fast, hint=hint)
    return [value or None for value in values]


def text_column(table: CsvTable, field: str, max_length: int = 200) -> list[str]:
    """Free text (names, notes): stripped; an over-long value is cut, never fatal."""
    if not table.has(field):
        return [""] * len(table.rows)
    values = list(map(str.strip, table.column(field)))
    if max(map(len, values), default=0) > max_length:
        values = [value[:max_length] for value in values]
    return values


def choice(options: dict[str, str], what: str) -> Callable[[str], str]:
    """A normaliser accepting one of ``options`` (keys are upper-case spellings)."""
    allowed = ", ".join(dict.fromkeys(options.values()))

    def normalise(value: str) -> str:
        try:
            return options[" ".join(value.split()).upper()]
        except KeyError:
            raise ValueError(f"is not a known {what} (use one of: {allowed})") from None

    return normalise


_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")  # ASCII digits only


def iso_date(value: str) -> str:
    import datetime as dt

    text = value.strip()
    if not _ISO_DATE.fullmatch(text):
        raise ValueError("is not a date in the form YYYY-MM-DD")
    try:
        dt.date.fromisoformat(text)
    except ValueError:
        raise ValueError("is not a real calendar date (YYYY-MM-DD)") from None
    return text
