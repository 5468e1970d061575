"""Turn a check's verdict into what the Check page shows (words, rows, marks). No Qt, no rules:
the decision itself is the verdict engine's; this only lays it out for reading at arm's length.
"""

from __future__ import annotations

from dataclasses import dataclass

from installer_app.domain.identifiers import normalise_text_id, normalise_version
from installer_app.domain.model import CplEntry
from installer_app.domain.prenotification import Job
from installer_app.domain.reasons import REASONS
from installer_app.domain.verdict import Verdict

VERDICT_WORDS = {"allow": "Safe to join", "warn": "Check before joining", "block": "Do not join"}
NONE = "—"
MISMATCH, EXPECTED = "mismatch", "expected"
COLUMNS = ("Read from device", "Pre-notified", "CPL entry")


@dataclass(frozen=True, slots=True)
class Cell:
    text: str
    diff: str = ""
    """"" (no mark), "mismatch" (≠, highlighted) or "expected" (differs as a bilingual PPMID
    pre-notified as SMETS1 should)."""


@dataclass(frozen=True, slots=True)
class IdentityRow:
    name: str
    cells: tuple[Cell, Cell, Cell]

    @property
    def differs(self) -> bool:
        return any(cell.diff == MISMATCH for cell in self.cells)


@dataclass(frozen=True, slots=True)
class ReasonView:
    code: str
    severity: str
    title: str
    message: str
    reference: str


@dataclass(frozen=True, slots=True)
class VerdictView:
    verdict: str
    words: str
    main_reason: str
    subtitle: str
    prenotified_text: str
    installation_text: str
    device_line: str
    rows: tuple[IdentityRow, ...]
    sibling_text: str
    reasons: tuple[ReasonView, ...]
    join_allowed: bool
    join_refusal: str


def _norm(value: str, *, ident: bool) -> str:
    try:
        return normalise_text_id(value) if ident else normalise_version(value)
    except ValueError:
        return value.strip().upper()


def _row(
    name: str,
    read: str | None,
    prenotified: str | None,
    cpl: str | None,
    *,
    ident: bool = False,
    compare: bool = True,
    expected: bool = False,
) -> IdentityRow:
    values = [read or "", prenotified or "", cpl or ""]
    marks = ["", "", ""]
    present = [i for i, v in enumerate(values) if v]
    keys = {i: _norm(values[i], ident=ident) for i in present}
    if compare and len(set(keys.values())) > 1:
        # Mark the odd one out; when there is no majority, every value present.
        counts = {k: list(keys.values()).count(k) for k in keys.values()}
        majority = next((k for k, n in counts.items() if n > 1), None)
        kind = EXPECTED if expected else MISMATCH
        for i in present:
            if majority is None or keys[i] != majority:
                marks[i] = kind
    cells = []
    for value, mark in zip(values, marks, strict=True):
        text = value or NONE
        if mark:
            text = f"{text}  ≠"
        cells.append(Cell(text, mark))
    return IdentityRow(name, (cells[0], cells[1], cells[2]))


def _entry_names(entry: CplEntry | None) -> str:
    if entry is None:
        return ""
    return " ".join(x for x in (entry.manufacturer_name, entry.model_name) if x)


def prenotified_text(verdict: Verdict) -> str:
    if verdict.record is None:
        return "Not pre-notified"
    if verdict.prenotified_as is None:
        return "Pre-notified generation unknown"
    return f"Pre-notified as {verdict.prenotified_as}"


def present(verdict: Verdict, job: Job | None = None) -> VerdictView:
    device, record, entry = verdict.device, verdict.record, verdict.cpl_entry
    codes = set(verdict.codes)
    generation = str(verdict.installation.generation)
    installation = str(verdict.installation)
    if job is not None:
        installation_text = f"{installation} installation · job {job.reference} · {job.address}"
    else:
        installation_text = f"{installation} installation (set by hand)"
    pre_text = prenotified_text(verdict)
    subtitle = f"{pre_text} · this is a {generation} installation"

    top = [r for r in verdict.reasons if str(r.severity) == verdict.verdict]
    if top:
        main = REASONS[top[0].code].title if top[0].code in REASONS else top[0].code
        if len(top) > 1:
            main += f" (+{len(top) - 1} more)"
    else:
        main = "Nothing stops this join"

    names = _entry_names(entry) or _entry_names(verdict.reported_entry)
    device_type = device.device_type or (record.device_type if record else "") or ""
    device_line = " · ".join(x for x in (f"Device {device.device_id}", device_type, names) if x)

    rows = (
        _row("Device type", device.device_type, record.device_type if record else None,
             entry.device_type if entry else None, ident=True),
        _row("Manufacturer", device.manufacturer, record.manufacturer if record else None,
             entry.manufacturer_id if entry else None, ident=True),
        _row("Model", device.model, record.model if record else None,
             entry.model_id if entry else None, ident=True),
        _row("Hardware", device.hardware_version, None,
             entry.hardware_version if entry else None),
        _row("Firmware", device.firmware_version, record.firmware_version if record else None,
             entry.firmware_version if entry else None,
             expected="BILINGUAL_FIRMWARE_EXPECTED" in codes),
        _row("SMETS generation", None,
             str(verdict.prenotified_as) if verdict.prenotified_as else None,
             str(entry.smets_generation) if entry else None),
        _row("Status (inventory · CPL)", None, record.status if record else None,
             entry.status if entry else None, compare=False),
    )  # fmt: skip

    sibling = verdict.sibling_entry
    if sibling is not None:
        sibling_text = (
            f"Bilingual model: its {sibling.smets_generation} sibling entry has firmware "
            f"{sibling.firmware_version} ({sibling.status})."
        )
    elif verdict.cpl_entry_bilingual:
        sibling_text = "Bilingual model: it has both SMETS1 and SMETS2+ CPL entries."
    else:
        sibling_text = ""

    reasons = tuple(
        ReasonView(
            r.code,
            str(r.severity),
            REASONS[r.code].title if r.code in REASONS else r.code,
            r.message,
            r.reference,
        )
        for r in verdict.reasons
    )
    blocking = [r.title for r in reasons if r.severity == "block"]
    refusal = ""
    if verdict.blocked:
        refusal = (
            f"A join cannot be recorded: {'; '.join(blocking).lower()}. "
            "Record it as not joined, with the reason."
        )
    return VerdictView(
        verdict=verdict.verdict,
        words=VERDICT_WORDS[verdict.verdict],
        main_reason=main,
        subtitle=subtitle,
        prenotified_text=pre_text,
        installation_text=installation_text,
        device_line=device_line,
        rows=rows,
        sibling_text=sibling_text,
        reasons=reasons,
        join_allowed=not verdict.blocked,
        join_refusal=refusal,
    )
