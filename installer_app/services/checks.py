"""A check, end to end: the reading (from a port or typed in), the records, the verdict, the
audit row written before the verdict is shown, and the installer's decision afterwards."""

from __future__ import annotations

import os
import sqlite3
import threading
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from installer_app import settings
from installer_app.domain.identifiers import normalise_eui64, normalise_hex, normalise_version
from installer_app.domain.model import CplEntry, DeviceReading
from installer_app.domain.prenotification import Installation
from installer_app.domain.verdict import Verdict, assess
from installer_app.errors import UserError
from installer_app.services.reference import generation_rules
from installer_app.store import audit, cpl_store, field_records, lists
from installer_app.store.audit import CheckInput, JoinRefused, StoredCheck
from installer_app.store.db import Database
from installer_app.store.reference import current_version, utc_now

__all__ = [
    "CheckOutcome",
    "JoinRefused",
    "check_reading",
    "manual_reading",
    "read_port",
    "record_join",
    "record_not_joined",
]


class _SqliteCpl:
    """The verdict engine's CPL lookup over the current CPL version (cached per check)."""

    def __init__(self, connection: sqlite3.Connection) -> None:
        self._connection = connection
        self._cache: dict[tuple[str, str], list[CplEntry]] = {}

    def entries_for(self, manufacturer_id: str, model_id: str) -> Sequence[CplEntry]:
        key = (manufacturer_id, model_id)
        found = self._cache.get(key)
        if found is None:
            found = cpl_store.entries_for_model(self._connection, manufacturer_id, model_id)
            self._cache[key] = found
        return found


def installer_id(db: Database) -> str | None:
    value = os.environ.get("INSTALLER_APP_INSTALLER_ID") or settings.load(db.data_dir).get(
        "installer_id"
    )
    return str(value) if value else None


def manual_reading(
    device_id: str,
    *,
    manufacturer: str | None = None,
    model: str | None = None,
    hardware_version: str | None = None,
    firmware_version: str | None = None,
) -> DeviceReading:
    """A reading typed in by the installer (``check --device-id …``), validated."""

    def clean(value: str | None, field: str, fn: Callable[[str], str]) -> str | None:
        if value is None or not value.strip():
            return None
        try:
            return fn(value)
        except ValueError as exc:
            raise UserError(f"{field}: {value.strip()!r} {exc}") from None

    try:
        eui = normalise_eui64(device_id)
    except ValueError as exc:
        raise UserError(f"--device-id: {exc}") from None
    raw = " ".join(
        f"{k}={v}"
        for k, v in (
            ("device_id", device_id),
            ("manufacturer", manufacturer),
            ("model", model),
            ("hardware_version", hardware_version),
            ("firmware_version", firmware_version),
        )
        if v
    )
    return DeviceReading(
        device_id=eui,
        source="manual",
        raw=raw,
        manufacturer=clean(manufacturer, "--manufacturer", lambda v: normalise_hex(v, digits=4)),
        model=clean(model, "--model", normalise_hex),
        hardware_version=clean(hardware_version, "--hardware-version", normalise_version),
        firmware_version=clean(firmware_version, "--firmware-version", normalise_version),
    )


def read_port(
    port: str,
    protocol: str | None = None,
    *,
    cancel: threading.Event | None = None,
    on_progress: Callable[[str], None] | None = None,
) -> DeviceReading:
    """Read the device on ``port``; a failed install-code CRC is a failed read (rescan)."""
    from installer_app.devices import reader

    reading = reader.read_device(
        port, protocol or reader.DEFAULT_PROTOCOL, cancel=cancel, on_progress=on_progress
    )
    problem = reader.install_code_problem(reading)
    if problem is not None:
        raise UserError(problem)
    return reading


@dataclass(frozen=True, slots=True)
class CheckOutcome:
    check_id: str
    verdict: Verdict
    result: dict[str, Any]
    """The CONTRACT.md verdict JSON, as stored in the audit log."""

    @property
    def exit_code(self) -> int:
        return self.verdict.exit_code


def check_reading(
    db: Database,
    reading: DeviceReading,
    *,
    installation: Installation | None = None,
    job_reference: str | None = None,
) -> CheckOutcome:
    """Decide for ``reading`` and record the check durably before returning it.

    Exactly one of ``installation`` and ``job_reference`` (whose installation, cohort and
    expected PPMID are then used).
    """
    if (installation is None) == (job_reference is None):
        raise UserError("give either the installation type or a job reference, not both.")
    rules = generation_rules(db.data_dir)
    max_age = settings.cpl_max_age_days(db.data_dir)
    with db.read() as connection:
        expected = None
        if job_reference is not None:
            job = field_records.get_job(connection, job_reference)
            if job is None:
                raise UserError(
                    f"there is no job {job_reference.strip()!r} on this laptop. Check the "
                    "reference, or import today's jobs (Sync, or 'installer-app jobs import')."
                )
            installation = job.installation_value
            expected = job.expected_ppmid_id
            job_reference = job.reference
        assert installation is not None
        found = field_records.current_prenotification(connection, reading.device_id)
        record_id, record = found if found else (None, None)
        models = {
            (m, n)
            for m, n in (
                (reading.manufacturer, reading.model),
                (record.manufacturer if record else None, record.model if record else None),
            )
            if m and n
        }
        cpl_version = current_version(connection, "cpl")
        verdict = assess(
            reading,
            record,
            cpl=_SqliteCpl(connection),
            installation=installation,
            rules=rules,
            epcl=lists.epcl_for_models(connection, models),
            advisories=lists.advisories_for_models(connection, models),
            cpl_age_days=cpl_version.age_days() if cpl_version else None,
            cpl_max_age_days=max_age,
            expected_ppmid_id=expected,
        )
    check_id = str(uuid.uuid4())
    checked_at = utc_now()
    result = verdict.to_dict(check_id, cpl_version.label if cpl_version else None, checked_at)
    reading_json: dict[str, object] = {
        **reading.device_json(),
        "raw": reading.raw,
        "install_code": reading.install_code,
        "install_code_valid": reading.install_code_valid,
    }
    audit.record_check(
        db,
        CheckInput(
            check_id=check_id,
            checked_at=checked_at,
            installer_id=installer_id(db),
            job_reference=job_reference,
            installation=installation.generation.value,
            cohort=installation.cohort.value if installation.cohort else None,
            device_id=verdict.device.device_id,
            verdict=verdict.verdict,
            prenotified_as=verdict.prenotified_as.value if verdict.prenotified_as else None,
            reason_codes=verdict.codes,
            reading=reading_json,
            prenotification_id=record_id,
            cpl_version_id=cpl_version.id if cpl_version else None,
            result=result,
        ),
    )
    return CheckOutcome(check_id, verdict, result)


def record_join(db: Database, check_id: str) -> StoredCheck:
    """Record that the PPMID was joined; refused (JoinRefused) for a blocked check."""
    return audit.record_decision(db, check_id, "joined", installer_id=installer_id(db))


MAX_REASON = 500
"""The longest not-joined reason (the GUI's text box takes no more)."""


def record_not_joined(db: Database, check_id: str, reason: str) -> StoredCheck:
    text = " ".join(reason.split())
    if not text:
        raise UserError("say why the PPMID was not joined (--reason TEXT).")
    if len(text) > MAX_REASON:  # refused, not cut: the installer's own words are kept whole
        raise UserError(
            f"the reason is {len(text):,} characters; say it in {MAX_REASON} or fewer. "
            "Nothing was recorded."
        )
    return audit.record_decision(
        db, check_id, "not-joined", reason=text, installer_id=installer_id(db)
    )
