"""Parse a jobs file (CONTRACT.md "Jobs (JSON)"): the installations to visit.

``{"jobs": [{"reference": "JOB-1001", "address": "…", "installation": "SMETS1" | "SMETS2+",
"cohort": "IOC" | "MOC" | "FOC" | null, "comms_hub_id": EUI-64 | null, "meter_ids": [EUI-64, …],
"expected_ppmid_id": EUI-64 | null, "scheduled_for": "YYYY-MM-DD"}]}``

Pure parsing: bytes in, :class:`Job` list out (file order; the caller lets a later job with the
same reference replace an earlier one), or a :class:`UserError` naming the file, the job (by
position and reference), the field, the value and what to do. Unknown keys are ignored. A bare
list of jobs (without the ``{"jobs": …}`` wrapper) is accepted too.

Choices where the contract is silent: ``address`` may be missing (empty); ``cohort`` is accepted
on a SMETS2+ job and kept (only SMETS1 rules look at it); ``installation`` accepts the spellings
``Generation.parse`` accepts (``SMETS2``, ``smets2+`` …); a reference may be a JSON number.
"""

from __future__ import annotations

import json
import os
import re
from datetime import date
from pathlib import Path
from typing import Any

from installer_app.domain.identifiers import normalise_eui64
from installer_app.domain.model import Cohort, Generation
from installer_app.domain.prenotification import Job
from installer_app.domain.shown import cut, quoted
from installer_app.errors import UserError
from installer_app.json_kind import json_kind
from installer_app.paths import shown_path
from installer_app.store.csv_table import looks_utf16
from installer_app.store.prenotification_files import read_bounded

MAX_JOBS_BYTES = 10 * 1024 * 1024
MAX_REFERENCE = 100
MAX_ADDRESS = 500
_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_CONTROL = re.compile(r"[\x00-\x08\x0e-\x1b\x7f]")
"""Control characters that white-space folding leaves: never part of a reference or address."""

_FIX = "Correct the jobs file (or ask the back office for a corrected one) and import it again."


def parse_jobs_file(path: str | os.PathLike[str]) -> list[Job]:
    """Read and parse a jobs file (size-capped before reading)."""
    data = read_bounded(path, MAX_JOBS_BYTES, what="jobs file")
    return parse_jobs_bytes(data, shown_path(Path(os.fspath(path)).name))


def parse_jobs_bytes(data: bytes, name: str) -> list[Job]:
    """Parse jobs JSON content; ``name`` is used in messages and ``Job.source_file``."""
    if len(data) > MAX_JOBS_BYTES:
        raise UserError(
            f"{name}: the file is {len(data):,} bytes, larger than the {MAX_JOBS_BYTES:,} bytes "
            "allowed for a jobs file. Check that this is the right file."
        )
    if looks_utf16(data):
        raise UserError(
            f"{name}: the file is saved as UTF-16, not UTF-8. A jobs file is JSON saved as UTF-8: "
            "save it again as UTF-8 and import it again."
        )
    nul = data.find(b"\x00")
    if nul >= 0:
        line = data.count(b"\n", 0, nul) + 1
        raise UserError(
            f"{name}: line {line}: binary data (a NUL byte), so this is not a jobs file. Check "
            "that this is the right file."
        )
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise UserError(
            f"{name}: line {line}: the file is not UTF-8 text. A jobs file is JSON saved as "
            "UTF-8: check that this is the right file."
        ) from None
    try:
        document = json.loads(text)
    except json.JSONDecodeError as exc:
        raise UserError(
            f"{name}: line {exc.lineno}, column {exc.colno}: not valid JSON ({exc.msg}). The "
            f"file may be cut short or damaged. {_FIX}"
        ) from None
    except (ValueError, RecursionError):
        raise UserError(
            f"{name}: the JSON cannot be read (a number too long or nesting too deep). {_FIX}"
        ) from None
    if isinstance(document, dict):
        if "jobs" not in document:
            keys = ", ".join(repr(k) for k in list(document)[:10]) or "none"
            raise UserError(
                f'{name}: no "jobs" list at the top level (keys found: {keys}). A jobs file '
                'looks like {"jobs": [{"reference": "JOB-1001", …}]}.'
            )
        items = document["jobs"]
    else:
        items = document
    if not isinstance(items, list):
        raise UserError(f'{name}: "jobs" must be a list of jobs, not {json_kind(items)}. {_FIX}')
    return [_job(item, index, name) for index, item in enumerate(items, 1)]


def _show(value: object) -> str:
    """A value for a message, cut to about 50 characters; a text keeps its closing quote."""
    if isinstance(value, str):
        return quoted(value, 48)
    return cut(json.dumps(value, ensure_ascii=False), 50)


class _JobReader:
    def __init__(self, item: dict[str, Any], index: int, name: str) -> None:
        self.item = item
        self.index = index
        self.name = name
        self.where = f"job {index}"

    def error(self, field: str, problem: str) -> UserError:
        return UserError(f"{self.name}: {self.where}: {field} {problem}. {_FIX}")

    def text(self, field: str, limit: int, *, required: bool) -> str | None:
        value = self.item.get(field)
        if value is None or (isinstance(value, str) and not value.strip()):
            if required:
                raise self.error(field, "is missing or empty")
            return None
        if isinstance(value, bool) or not isinstance(value, (str, int)):
            raise self.error(field, f"must be text, not {json_kind(value)}")
        result = " ".join(str(value).split())
        control = _CONTROL.search(result)
        if control:
            raise self.error(
                field,
                f"{_show(result)} holds a control character (U+{ord(control.group()):04X}); "
                "it must be plain text",
            )
        if len(result) > limit:
            raise self.error(field, f"{_show(result)} is longer than {limit} characters")
        return result

    def eui(self, field: str, value: object) -> str:
        if not isinstance(value, str):
            raise self.error(field, f"must be a Device ID (text), not {json_kind(value)}")
        try:
            return normalise_eui64(value)
        except ValueError:
            raise self.error(
                field,
                f"{_show(value)} is not a Device ID: expected an EUI-64 of 16 hex digits such "
                "as 00-DB-12-34-56-78-90-A0",
            ) from None

    def optional_eui(self, field: str) -> str | None:
        value = self.item.get(field)
        if value is None or (isinstance(value, str) and not value.strip()):
            return None
        return self.eui(field, value)


def _job(item: object, index: int, name: str) -> Job:
    if not isinstance(item, dict):
        raise UserError(
            f"{name}: job {index} must be an object with reference, installation, …, not "
            f"{json_kind(item)}. {_FIX}"
        )
    reader = _JobReader(item, index, name)
    reference = reader.text("reference", MAX_REFERENCE, required=True)
    assert reference is not None
    reader.where = f"job {index} ({reference})"

    raw_installation = item.get("installation")
    if not isinstance(raw_installation, str) or not raw_installation.strip():
        raise reader.error(
            "installation",
            "is missing or not text: it must be SMETS1 or SMETS2+"
            if raw_installation is None or isinstance(raw_installation, str)
            else f"must be SMETS1 or SMETS2+, not {json_kind(raw_installation)}",
        )
    try:
        installation = Generation.parse(raw_installation)
    except ValueError:
        raise reader.error(
            "installation", f"{_show(raw_installation)} is not SMETS1 or SMETS2+"
        ) from None

    cohort: Cohort | None = None
    raw_cohort = item.get("cohort")
    if raw_cohort is not None and not (isinstance(raw_cohort, str) and not raw_cohort.strip()):
        if not isinstance(raw_cohort, str):
            raise reader.error(
                "cohort", f"must be IOC, MOC, FOC or null, not {json_kind(raw_cohort)}"
            )
        try:
            cohort = Cohort(raw_cohort.strip().upper())
        except ValueError:
            raise reader.error(
                "cohort", f"{_show(raw_cohort)} is not a SMETS1 cohort (IOC, MOC or FOC)"
            ) from None

    raw_meters = item.get("meter_ids")
    if raw_meters is None:
        meter_ids: tuple[str, ...] = ()
    elif isinstance(raw_meters, list):
        meter_ids = tuple(
            reader.eui(f"meter_ids[{position}]", value)
            for position, value in enumerate(raw_meters, 1)
        )
    else:
        raise reader.error(
            "meter_ids", f"must be a list of Device IDs, not {json_kind(raw_meters)}"
        )

    scheduled: str | None = None
    if _present(item, "scheduled_for"):
        raw_date = item["scheduled_for"]
        problem = f"{_show(raw_date)} is not a date YYYY-MM-DD"
        if not isinstance(raw_date, str) or not _ISO_DATE.fullmatch(raw_date.strip()):
            raise reader.error("scheduled_for", problem)
        try:
            date.fromisoformat(raw_date.strip())
        except ValueError:
            raise reader.error("scheduled_for", problem) from None
        scheduled = raw_date.strip()

    return Job(
        reference=reference,
        address=reader.text("address", MAX_ADDRESS, required=False) or "",
        installation=installation,
        cohort=cohort,
        comms_hub_id=reader.optional_eui("comms_hub_id"),
        meter_ids=meter_ids,
        expected_ppmid_id=reader.optional_eui("expected_ppmid_id"),
        scheduled_for=scheduled,
        source_file=name,
        source_index=index,
    )


def _present(item: dict[str, Any], field: str) -> bool:
    value = item.get(field)
    return value is not None and not (isinstance(value, str) and not value.strip())
