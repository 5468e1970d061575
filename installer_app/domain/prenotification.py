"""What was pre-notified (or read from the inventory) for a device, and the jobs to visit.

Pure value types. Parsers in ``installer_app.store`` build them from DUIS XML, CSV and JSON with
identifiers already normalised; the verdict engine reads them.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields

from installer_app.domain.model import Cohort, Generation

SOURCE_DUIS_12_2 = "DUIS 12.2"
SOURCE_DUIS_8_2 = "DUIS 8.2"
SOURCE_CSV = "CSV"
PRENOTIFICATION_SOURCES = (SOURCE_DUIS_12_2, SOURCE_DUIS_8_2, SOURCE_CSV)

JOINABLE_STATUSES = frozenset({"Pending", "Whitelisted", "InstalledNotCommissioned"})
"""Inventory statuses from which a PPMID may still be whitelisted and joined."""

NOT_JOINABLE_STATUSES = frozenset(
    {"Commissioned", "Decommissioned", "Withdrawn", "Suspended", "Recovery", "Recovered"}
)
"""Inventory statuses that give ``DEVICE_STATUS_NOT_JOINABLE``."""


@dataclass(frozen=True, slots=True)
class PrenotificationRecord:
    """One pre-notification (SR 12.2), inventory entry (SR 8.2 ``Device``) or CSV row.

    Identifiers are normalised: ``device_id`` is ``XX-XX-XX-XX-XX-XX-XX-XX``; ``device_type`` one
    of the DUIS device types; ``manufacturer``, ``model`` and ``firmware_version`` stripped and
    upper-cased as sent (at most 30 characters). ``status`` is a DUIS DeviceStatus, ``None`` when
    an 8.2 ``Device`` carries none. ``csp_region`` uses the DUIS spelling when it is one of the
    DUIS values (``SMETS1``, ``Central``, ``4G North`` …), else it is kept as sent.
    """

    device_id: str
    device_type: str
    manufacturer: str
    model: str
    firmware_version: str | None = None
    smets_chts_version: str | None = None
    status: str | None = "Pending"
    s1sp: str | None = None
    csp_region: str | None = None
    cpl_status: str | None = None
    job_reference: str | None = None
    source: str = SOURCE_CSV
    source_file: str = ""
    source_line: int | None = None
    """CSV: the line the row starts on (header is line 1)."""
    source_index: int | None = None
    """XML: 1-based position of the ``Device`` in an 8.2 inventory (1 for a 12.2 request)."""

    @property
    def location(self) -> str:
        """Where the record came from, for messages: ``file.csv line 3`` / ``inv.xml Device 2``."""
        if self.source_line is not None:
            return f"{self.source_file} line {self.source_line}"
        if self.source == SOURCE_DUIS_8_2 and self.source_index is not None:
            return f"{self.source_file} Device {self.source_index}"
        if self.source == SOURCE_DUIS_12_2:
            return f"{self.source_file} DevicePrenotification"
        return self.source_file

    @property
    def has_inventory_marker(self) -> bool:
        return bool(self.csp_region) or bool(self.s1sp)


PRENOTIFICATION_FIELDS = tuple(f.name for f in fields(PrenotificationRecord))
"""The record's fields, in order (the store's columns, the sync feed's items)."""


@dataclass(frozen=True, slots=True)
class Installation:
    """The installation the PPMID would join: its generation and, for SMETS1, its cohort."""

    generation: Generation
    cohort: Cohort | None = None

    def __str__(self) -> str:
        if self.cohort is not None:
            return f"{self.generation} ({self.cohort})"
        return str(self.generation)


@dataclass(frozen=True, slots=True)
class Job:
    """An installation to visit (CONTRACT.md "Jobs (JSON)"); identifiers normalised."""

    reference: str
    address: str
    installation: Generation
    cohort: Cohort | None = None
    comms_hub_id: str | None = None
    meter_ids: tuple[str, ...] = field(default_factory=tuple)
    expected_ppmid_id: str | None = None
    scheduled_for: str | None = None
    """ISO ``YYYY-MM-DD`` (validated), or None."""
    source_file: str = ""
    source_index: int | None = None
    """1-based position in the file's ``jobs`` list."""

    @property
    def installation_value(self) -> Installation:
        return Installation(self.installation, self.cohort)
