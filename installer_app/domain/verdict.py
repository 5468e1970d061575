"""The verdict engine: may this PPMID be joined to this installation?

``assess`` is pure: it takes what was read from the device, the current pre-notification or
inventory record, the CPL (through a small lookup protocol), the EPCL rows and advisories for the
model, and the installation, and returns a :class:`Verdict` carrying every reason that applies.
It does no I/O and keeps no state, so the CLI, the GUI and the tests all call the same thing.

How it works: a fact-finding pass (:class:`_Facts`) works out, once, everything the rules need
(the CPL entries of the pre-notified and the reported Device Model, the pre-notified generation
and its evidence, the bilingual sibling); then a table of rules (``RULES``: code -> check) is
walked in order and each check returns the message context when its code applies. Severity,
reference and wording come from the reason table in :mod:`installer_app.domain.reasons`.

The rules follow CONTRACT.md "Decision rules (normative)". Where the contract is silent the engine
picks what protects the installer from a wasted visit; each such choice is written down here:

* **Which Device Model is "the device's".** Manufacturer and model come from the reading when the
  device reported them, else from the record (a barcode scan gives the Device ID only). Hardware
  and firmware come from the reading only: a record never has a hardware version, and its firmware
  is the *pre-notified* firmware, which for a SMETS1-pre-notified bilingual PPMID is one the device
  never reports.
* **Device type filter.** CPL entries are matched on the device type as well (a CHF and its GPF
  share manufacturer, model and firmware): the record's type for the pre-notified model, the
  reported type (else the record's, else PPMID) for the device's model.
* **Hardware narrowing.** A pre-notification carries no hardware version. When the device reports
  one and its manufacturer and model equal the record's, the pre-notified entries are narrowed to
  that hardware version (if any entry has it): the physical device *is* that hardware.
  Without a read hardware version, "a model with entries of only one generation" looks at all the
  model's entries; a model with SMETS1 entries on one hardware version and SMETS2+ on another can
  then not say, and gives ``PRENOTIFIED_GENERATION_UNKNOWN`` (block) rather than a guess.
* **Ambiguous evidence (a).** If the pre-notified firmware matches entries of both generations
  (different hardware versions, none read), evidence (a) says nothing; the other evidence decides.
* **Inventory CSP Region.** Literally per the contract: ``SMETS1`` or a non-empty S1SP says
  SMETS1; any other region, ``Unknown`` included, says SMETS2+ (DCC gives every SMETS1 device the
  ``SMETS1`` region). The S1SP and the region are two pieces of evidence: a non-SMETS1 region with
  an S1SP is inconsistent.
* **An unrecognised SMETS/CHTS Version** in a record is no evidence (the text is named in the
  ``PRENOTIFIED_GENERATION_UNKNOWN`` message when nothing else can say).
* **Model not on the CPL and no other evidence**: the records cannot say, so
  ``PRENOTIFIED_GENERATION_UNKNOWN`` is given alongside ``PRENOTIFIED_MODEL_NOT_ON_CPL``.
* **The bilingual sibling.** A SMETS1 entry's SMETS2+ sibling is the SMETS2+ entry of the same
  device type, manufacturer, model and hardware version whose firmware is closest to the SMETS1
  entry's differentiating firmware (fewest differing characters position by position; ties are
  all siblings). With one SMETS2+ entry in the group that entry is the sibling. So with entries
  ``80020002`` (SMETS1), ``00020002`` and ``00020003`` (SMETS2+), a SMETS1-pre-notified device
  reporting ``00020002`` is ``BILINGUAL_FIRMWARE_EXPECTED`` and one reporting ``00020003`` is a
  ``FIRMWARE_MISMATCH``.
* **"A SMETS1 pre-notification"** means the record's firmware is a SMETS1 CPL entry; when the record
  has no firmware, a record whose ``prenotified_as`` is SMETS1 (every SMETS1 entry of the model is
  then a candidate). So an inventory record with ``CSPRegion SMETS1`` and no firmware still explains
  a device reporting the SMETS2+ sibling's firmware.
* **Several candidate entries** (e.g. firmware known, hardware not read): ``CPL_ENTRY_NOT_ACTIVE``
  applies when none of them is Active.
* **Inventory CPLStatus.** An inventory record whose ``CPLStatus`` is not Active also gives
  ``CPL_ENTRY_NOT_ACTIVE`` (DCC's own view of the entry; the local CPL may be older).
* **Without firmware read** nothing is said about the reported firmware (no ``FIRMWARE_NOT_ON_CPL``,
  no ``FIRMWARE_MISMATCH``); a hardware version read that is on no entry of the model is
  ``FIRMWARE_NOT_ON_CPL`` (the read Device Model is on no entry).
* **No record** (``NOT_PRENOTIFIED``): the checks that need only the device's model still run (CPL,
  EPCL, advisories, bilingual), so the installer sees everything at once.
* **EPCL and advisories** are matched on the device's device type, manufacturer and model, and on
  hardware version when read. An advisory restricted to a hardware or firmware version applies
  when the device's value is unknown (advisories are information only).
  ``SECURE_THIRD_PARTY_FIRMWARE`` never applies to an installation whose cohort is known and is
  not MOC (it is about Secure installations by definition).
* **CPL age unknown** (``cpl_age_days`` None: never imported or confirmed) is ``CPL_STALE``.
* **UNEXPECTED_DEVICE** compares normalised Device IDs.

``cpl_entry`` of the verdict is the CPL entry the device was pre-notified against (the record's
firmware) when there is one (the GUI's "CPL entry" column); else the entry of the firmware the
device reports; else the model's only entry; else None. ``sibling_entry`` is the other-generation
entry paired with it when its model is bilingual.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any, Protocol

from installer_app.domain.generation import GenerationRules
from installer_app.domain.identifiers import (
    normalise_eui64,
    normalise_text_id,
    normalise_version,
)
from installer_app.domain.model import (
    ADVISORY_CODES,
    Advisory,
    Cohort,
    CplEntry,
    DeviceReading,
    EpclRow,
    Generation,
)
from installer_app.domain.prenotification import (
    NOT_JOINABLE_STATUSES,
    Installation,
    PrenotificationRecord,
)
from installer_app.domain.reasons import Reason, Severity, make_reason, sort_key

PPMID = "PPMID"

ALLOW, WARN, BLOCK = "allow", "warn", "block"
EXIT_CODES: Mapping[str, int] = {ALLOW: 0, WARN: 3, BLOCK: 4}
_VERDICT_FOR = {Severity.INFO: ALLOW, Severity.WARN: WARN, Severity.BLOCK: BLOCK}


class CplLookup(Protocol):
    """What the engine needs from the CPL: every entry (any device type, any status) for a
    manufacturer and model identifier (given stripped and upper-cased)."""

    def entries_for(self, manufacturer_id: str, model_id: str) -> Sequence[CplEntry]: ...


class InMemoryCpl:
    """A :class:`CplLookup` over a list of entries (tests, demo data, small lists)."""

    def __init__(self, entries: Iterable[CplEntry]) -> None:
        self._index: dict[tuple[str, str], list[CplEntry]] = {}
        for entry in entries:
            key = (_ident(entry.manufacturer_id), _ident(entry.model_id))
            self._index.setdefault(key, []).append(entry)

    def entries_for(self, manufacturer_id: str, model_id: str) -> Sequence[CplEntry]:
        return self._index.get((_ident(manufacturer_id), _ident(model_id)), ())


# --------------------------------------------------------------------------- the verdict


@dataclass(frozen=True, slots=True)
class Verdict:
    """The answer for one check. ``verdict`` is the highest severity (info counts as allow)."""

    verdict: str
    installation: Installation
    prenotified_as: Generation | None
    device: DeviceReading
    """The reading with identifiers normalised."""
    reasons: tuple[Reason, ...]
    record: PrenotificationRecord | None = None
    cpl_entry: CplEntry | None = None
    cpl_entry_bilingual: bool = False
    sibling_entry: CplEntry | None = None
    reported_entry: CplEntry | None = None
    """The CPL entry matching the Device Model the device reported (None if none or not read)."""
    evidence: tuple[str, ...] = ()
    """Plain-English evidence for the pre-notified generation (for the GUI's detail panel)."""

    @property
    def exit_code(self) -> int:
        """CLI exit code: 0 allow, 3 warn, 4 block."""
        return EXIT_CODES[self.verdict]

    @property
    def codes(self) -> tuple[str, ...]:
        return tuple(reason.code for reason in self.reasons)

    @property
    def blocked(self) -> bool:
        return self.verdict == BLOCK

    def cpl_entry_json(self) -> dict[str, object] | None:
        entry = self.cpl_entry
        if entry is None:
            return None
        return {
            "manufacturer": _ident(entry.manufacturer_id),
            "model": _ident(entry.model_id),
            "hardware_version": _version(entry.hardware_version),
            "firmware_version": _version(entry.firmware_version),
            "smets_generation": str(entry.smets_generation),
            "status": entry.status,
            "bilingual": self.cpl_entry_bilingual,
        }

    def to_dict(
        self, check_id: str, cpl_version: str | None, checked_at: datetime | str
    ) -> dict[str, Any]:
        """The CONTRACT.md "Verdict JSON" object, keys in the contract's order."""
        if isinstance(checked_at, datetime):
            moment = checked_at if checked_at.tzinfo else checked_at.replace(tzinfo=UTC)
            stamp = moment.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")
        else:
            stamp = checked_at
        return {
            "check_id": check_id,
            "verdict": self.verdict,
            "installation": str(self.installation.generation),
            "prenotified_as": str(self.prenotified_as) if self.prenotified_as else None,
            "device": self.device.device_json(),
            "cpl_entry": self.cpl_entry_json(),
            "reasons": [reason.to_json() for reason in self.reasons],
            "cpl_version": cpl_version,
            "checked_at": stamp,
        }

    def to_json(
        self,
        check_id: str,
        cpl_version: str | None,
        checked_at: datetime | str,
        *,
        indent: int | None = None,
    ) -> str:
        return json.dumps(
            self.to_dict(check_id, cpl_version, checked_at), indent=indent, ensure_ascii=False
        )


# --------------------------------------------------------------------------- helpers


def _ident(text: str | None) -> str:
    if not text:
        return ""
    try:
        return normalise_text_id(text)
    except ValueError:
        return text.strip().upper()


def _version(text: str | None) -> str:
    if not text:
        return ""
    try:
        return normalise_version(text)
    except ValueError:
        return text.strip().upper()


def _distance(a: str, b: str) -> int:
    return sum(ca != cb for ca, cb in zip(a, b, strict=False)) + abs(len(a) - len(b))


def _best(entries: Sequence[CplEntry]) -> CplEntry | None:
    """The entry to show among candidates: an Active one first, else the first."""
    for entry in entries:
        if entry.active:
            return entry
    return entries[0] if entries else None


def _model_text(mfr: str, model: str, hw: str = "", fw: str = "") -> str:
    parts = [f"manufacturer {mfr or '?'}", f"model {model or '?'}"]
    if hw:
        parts.append(f"hardware {hw}")
    if fw:
        parts.append(f"firmware {fw}")
    return ", ".join(parts)


def _generations(entries: Iterable[CplEntry]) -> set[Generation]:
    return {entry.smets_generation for entry in entries}


def _bilingual_hardware(entries: Iterable[CplEntry]) -> set[str]:
    """Hardware versions (normalised) that have at least one SMETS1 and one SMETS2+ entry."""
    seen: dict[str, set[Generation]] = {}
    for entry in entries:
        seen.setdefault(_version(entry.hardware_version), set()).add(entry.smets_generation)
    return {hw for hw, gens in seen.items() if len(gens) > 1}


def _siblings(entry: CplEntry, group: Iterable[CplEntry]) -> list[CplEntry]:
    """The other-generation entries of ``entry``'s hardware group closest to its firmware."""
    hw, fw = _version(entry.hardware_version), _version(entry.firmware_version)
    others = [
        e
        for e in group
        if e.smets_generation != entry.smets_generation and _version(e.hardware_version) == hw
    ]
    if len(others) <= 1:
        return others
    best = min(_distance(fw, _version(e.firmware_version)) for e in others)
    return [e for e in others if _distance(fw, _version(e.firmware_version)) == best]


# --------------------------------------------------------------------------- facts


@dataclass(slots=True)
class _Facts:
    """Everything the rules need, worked out once per check."""

    reading: DeviceReading
    record: PrenotificationRecord | None
    installation: Installation
    epcl: Sequence[EpclRow]
    advisories: Sequence[Advisory]
    cpl_age_days: float | None
    cpl_max_age_days: float
    expected_ppmid_id: str | None

    device_type: str = PPMID
    mfr: str = ""
    model: str = ""
    hw: str = ""
    fw: str = ""
    model_entries: list[CplEntry] = field(default_factory=list)
    pn_model_entries: list[CplEntry] = field(default_factory=list)
    pn_scope: list[CplEntry] = field(default_factory=list)
    pn_candidates: list[CplEntry] = field(default_factory=list)
    reported: list[CplEntry] | None = None
    evidence: list[tuple[Generation, str]] = field(default_factory=list)
    unrecognised_version: str = ""
    prenotified_as: Generation | None = None
    generation_problem: str = ""  # "", "inconsistent", "unknown"
    generation_note: str = ""
    bfe_sibling: CplEntry | None = None
    model_mismatch: bool = False


def _normalised_reading(reading: DeviceReading) -> DeviceReading:
    try:
        device_id = normalise_eui64(reading.device_id)
    except ValueError:
        device_id = reading.device_id.strip().upper()
    return replace(
        reading,
        device_id=device_id,
        device_type=_ident(reading.device_type) or None,
        manufacturer=_ident(reading.manufacturer) or None,
        model=_ident(reading.model) or None,
        hardware_version=_version(reading.hardware_version) or None,
        firmware_version=_version(reading.firmware_version) or None,
    )


def _find_facts(facts: _Facts, cpl: CplLookup, rules: GenerationRules) -> None:
    reading, record = facts.reading, facts.record
    facts.device_type = reading.device_type or (record.device_type if record else "") or PPMID
    facts.mfr = reading.manufacturer or (_ident(record.manufacturer) if record else "")
    facts.model = reading.model or (_ident(record.model) if record else "")
    facts.hw = reading.hardware_version or ""
    facts.fw = reading.firmware_version or ""

    if facts.mfr and facts.model:
        facts.model_entries = [
            e
            for e in cpl.entries_for(facts.mfr, facts.model)
            if _ident(e.device_type) == facts.device_type
        ]
    if facts.hw or facts.fw:
        facts.reported = [
            e
            for e in facts.model_entries
            if (not facts.hw or _version(e.hardware_version) == facts.hw)
            and (not facts.fw or _version(e.firmware_version) == facts.fw)
        ]

    if record is None:
        return
    rec_mfr, rec_model = _ident(record.manufacturer), _ident(record.model)
    rec_type = _ident(record.device_type)
    facts.model_mismatch = bool(
        (reading.manufacturer and reading.manufacturer != rec_mfr)
        or (reading.model and reading.model != rec_model)
    )
    if (rec_mfr, rec_model, rec_type) == (facts.mfr, facts.model, facts.device_type):
        facts.pn_model_entries = facts.model_entries
    else:
        facts.pn_model_entries = [
            e for e in cpl.entries_for(rec_mfr, rec_model) if _ident(e.device_type) == rec_type
        ]
    hw_applies = bool(facts.hw) and not facts.model_mismatch

    def narrow(entries: list[CplEntry]) -> list[CplEntry]:
        if hw_applies:
            same_hw = [e for e in entries if _version(e.hardware_version) == facts.hw]
            if same_hw:
                return same_hw
        return entries

    facts.pn_scope = narrow(facts.pn_model_entries)
    rec_fw = _version(record.firmware_version)
    if rec_fw:
        facts.pn_candidates = narrow(
            [e for e in facts.pn_model_entries if _version(e.firmware_version) == rec_fw]
        )
    _find_generation(facts, rules, rec_fw)
    _find_bilingual_firmware(facts, rec_fw)


def _find_generation(facts: _Facts, rules: GenerationRules, rec_fw: str) -> None:
    record = facts.record
    assert record is not None
    evidence = facts.evidence
    # (a) the pre-notified firmware's CPL entry
    cand_gens = _generations(facts.pn_candidates)
    if len(cand_gens) == 1:
        (gen,) = cand_gens
        evidence.append((gen, f"the pre-notified firmware {rec_fw} is the {gen} CPL entry"))
    # (b) the SMETS/CHTS Version text
    version_text = (record.smets_chts_version or "").strip()
    if version_text:
        gen_b = rules.classify(version_text)
        if gen_b is not None:
            evidence.append((gen_b, f"its SMETS/CHTS Version '{version_text}' means {gen_b}"))
        else:
            facts.unrecognised_version = version_text
    # (c) the inventory marker
    s1sp = (record.s1sp or "").strip()
    if s1sp:
        evidence.append((Generation.SMETS1, f"the inventory names an S1SP ('{s1sp}')"))
    region = (record.csp_region or "").strip()
    if region:
        gen_c = Generation.SMETS1 if region.upper() == "SMETS1" else Generation.SMETS2
        evidence.append((gen_c, f"the inventory CSP Region '{region}' means {gen_c}"))

    said = {gen for gen, _ in evidence}
    model_gens = _generations(facts.pn_scope)
    model_text = f"{_ident(record.manufacturer)}/{_ident(record.model)}"
    if len(said) > 1:
        facts.generation_problem = "inconsistent"
    elif len(said) == 1:
        (gen,) = said
        if len(model_gens) == 1 and gen not in model_gens:
            (only,) = model_gens
            facts.generation_problem = "inconsistent"
            facts.generation_note = f"the CPL has only {only} entries for model {model_text}"
        else:
            facts.prenotified_as = gen
    elif len(model_gens) == 1:
        (only,) = model_gens
        facts.prenotified_as = only
        facts.generation_note = f"the CPL has only {only} entries for model {model_text}"
    else:
        facts.generation_problem = "unknown"
        if model_gens:
            why = f"model {model_text} has both SMETS1 and SMETS2+ CPL entries"
        else:
            why = f"model {model_text} is not on the CPL"
        missing = []
        if not rec_fw:
            missing.append("no firmware version")
        elif not facts.pn_candidates:
            missing.append(f"a firmware version ({rec_fw}) on no CPL entry")
        elif len(cand_gens) > 1:
            missing.append(f"a firmware version ({rec_fw}) on entries of both generations")
        if facts.unrecognised_version:
            missing.append(f"an unrecognised SMETS/CHTS Version '{facts.unrecognised_version}'")
        else:
            missing.append("no SMETS/CHTS Version")
        missing.append("no inventory CSP Region or S1SP")
        facts.generation_note = f"{why}, and the record has {', '.join(missing)}"


def _find_bilingual_firmware(facts: _Facts, rec_fw: str) -> None:
    """Is the reported firmware the SMETS2+ sibling of the SMETS1 entry pre-notified against?

    Only for a PPMID: a device reporting another type is NOT_A_PPMID, and has no bilingual
    sibling to explain its firmware."""
    if not facts.fw or facts.model_mismatch or facts.device_type != PPMID:
        return
    cand_gens = _generations(facts.pn_candidates)
    if facts.pn_candidates:
        if cand_gens == {Generation.SMETS1} or (
            len(cand_gens) > 1 and facts.prenotified_as == Generation.SMETS1
        ):
            smets1 = [e for e in facts.pn_candidates if e.smets_generation == Generation.SMETS1]
        else:
            return
    elif not rec_fw and facts.prenotified_as == Generation.SMETS1:
        smets1 = [e for e in facts.pn_scope if e.smets_generation == Generation.SMETS1]
    else:
        return
    for entry in smets1:
        for sibling in _siblings(entry, facts.pn_model_entries):
            if _version(sibling.firmware_version) == facts.fw and (
                not facts.hw or _version(sibling.hardware_version) == facts.hw
            ):
                facts.bfe_sibling = sibling
                return


# --------------------------------------------------------------------------- the rules

Context = dict[str, object]
Check = Callable[[_Facts], Context | None]


def _base(f: _Facts) -> Context:
    return {
        "device_id": f.reading.device_id,
        "installation": str(f.installation.generation),
        "model": f"{f.mfr}/{f.model}",
    }


def _not_prenotified(f: _Facts) -> Context | None:
    return _base(f) if f.record is None else None


def _evidence_text(f: _Facts) -> str:
    parts = [text for _, text in f.evidence]
    if f.generation_note:
        parts.append(f.generation_note)
    return "; ".join(parts) if parts else "no evidence"


def _wrong_installation_type(f: _Facts) -> Context | None:
    if f.prenotified_as is None or f.prenotified_as == f.installation.generation:
        return None
    return {**_base(f), "prenotified_as": str(f.prenotified_as), "evidence": _evidence_text(f)}


def _generation_unknown(f: _Facts) -> Context | None:
    if f.generation_problem != "unknown":
        return None
    return {**_base(f), "why": f.generation_note}


def _inconsistent(f: _Facts) -> Context | None:
    if f.generation_problem != "inconsistent":
        return None
    return {**_base(f), "evidence": _evidence_text(f)}


def _a(word: str) -> str:
    return f"an {word}" if word[:1] in "AEIOU" else f"a {word}"


def _not_a_ppmid(f: _Facts) -> Context | None:
    read_type = f.reading.device_type or ""
    rec_type = _ident(f.record.device_type) if f.record else ""
    device = f"Device {f.reading.device_id}"
    if read_type and read_type != PPMID:
        if rec_type and rec_type != read_type:
            what = f"{device}, pre-notified as {_a(rec_type)}, reports that it"
        else:
            what = f"{device} reports that it"
        return {**_base(f), "what": what, "device_type_phrase": f"is {_a(read_type)}"}
    if rec_type and rec_type != PPMID:
        what = f"{device} was pre-notified as {_a(rec_type)}"
        return {**_base(f), "what": what, "device_type_phrase": "(its record's device type)"}
    return None


def _device_model_mismatch(f: _Facts) -> Context | None:
    if f.record is None or not f.model_mismatch:
        return None
    rec = f.record
    read = _model_text(
        f.reading.manufacturer or _ident(rec.manufacturer), f.reading.model or _ident(rec.model)
    )
    return {
        **_base(f),
        "read_model": read,
        "prenotified_model": _model_text(_ident(rec.manufacturer), _ident(rec.model)),
    }


def _prenotified_model_not_on_cpl(f: _Facts) -> Context | None:
    rec = f.record
    if rec is None:
        return None
    model = _model_text(_ident(rec.manufacturer), _ident(rec.model))
    if not f.pn_model_entries:
        detail = f"The pre-notified Device Model ({rec.device_type}, {model}) is not on the CPL."
        return {**_base(f), "detail": detail}
    rec_fw = _version(rec.firmware_version)
    if rec_fw and not f.pn_candidates:
        detail = f"The pre-notified firmware {rec_fw} is on none of the CPL entries for {model}."
        return {**_base(f), "detail": detail}
    return None


def _cpl_entry_not_active(f: _Facts) -> Context | None:
    details: list[str] = []
    pn = f.pn_candidates
    if pn and not any(e.active for e in pn):
        entry = pn[0]
        details.append(
            f"The CPL entry this device was pre-notified against (firmware "
            f"{_version(entry.firmware_version)}, {entry.smets_generation}) is {entry.status}."
        )
    rep = f.reported
    if (
        f.fw
        and rep
        and not any(e.active for e in rep)
        and f.bfe_sibling is None
        and not (pn and all(e in pn for e in rep))
    ):
        entry = rep[0]
        details.append(
            f"The CPL entry for the firmware the device reports ({f.fw}, "
            f"{entry.smets_generation}) is {entry.status}."
        )
    if f.record is not None and f.record.cpl_status and f.record.cpl_status != "Active":
        details.append(f"The inventory shows the device's CPL status as {f.record.cpl_status}.")
    if not details:
        return None
    return {**_base(f), "detail": " ".join(details)}


def _device_status_not_joinable(f: _Facts) -> Context | None:
    if f.record is None or f.record.status not in NOT_JOINABLE_STATUSES:
        return None
    return {**_base(f), "status": f.record.status}


def _firmware_not_on_cpl(f: _Facts) -> Context | None:
    if f.reported is None or f.reported or not (f.mfr and f.model):
        return None
    return {**_base(f), "read_model": _model_text(f.mfr, f.model, f.hw, f.fw)}


def _firmware_mismatch(f: _Facts) -> Context | None:
    if f.record is None or not f.fw or f.bfe_sibling is not None:
        return None
    rec_fw = _version(f.record.firmware_version)
    if not rec_fw or rec_fw == f.fw:
        return None
    return {**_base(f), "read_firmware": f.fw, "prenotified_firmware": rec_fw}


def _not_in_epcl(f: _Facts) -> Context | None:
    if f.installation.generation != Generation.SMETS1 or not (f.mfr and f.model):
        return None
    cohort = f.installation.cohort
    for row in f.epcl:
        if (
            _ident(row.device_type) == f.device_type
            and _ident(row.manufacturer_id) == f.mfr
            and _ident(row.model_id) == f.model
            and (not f.hw or _version(row.hardware_version) == f.hw)
            and (cohort is None or row.cohort == cohort)
        ):
            return None
    cohort_part = f" for the {cohort} cohort" if cohort else ""
    return {**_base(f), "cohort_part": cohort_part}


def _cpl_stale(f: _Facts) -> Context | None:
    age = f.cpl_age_days
    if age is not None and age <= f.cpl_max_age_days:
        return None
    if age is None:
        age_text = "has no record of when it was last fetched or confirmed"
    else:
        days = int(age)
        age_text = f"was last fetched or confirmed {days} day{'' if days == 1 else 's'} ago"
    return {**_base(f), "age_text": age_text, "max_age": f"{f.cpl_max_age_days:g}"}


def _unexpected_device(f: _Facts) -> Context | None:
    if not f.expected_ppmid_id:
        return None
    try:
        expected = normalise_eui64(f.expected_ppmid_id)
    except ValueError:
        expected = f.expected_ppmid_id.strip().upper()
    if expected == f.reading.device_id:
        return None
    return {**_base(f), "expected_id": expected}


def _bilingual_model(f: _Facts) -> Context | None:
    if f.device_type != PPMID or not f.model_entries:
        return None
    bilingual = _bilingual_hardware(f.model_entries)
    if not bilingual:
        return None
    if f.hw:
        if f.hw not in bilingual:
            return None
    else:
        shown = _best(f.pn_candidates)
        if (
            shown is not None
            and not f.model_mismatch
            and _version(shown.hardware_version) not in bilingual
        ):
            return None
    sibling_part = ""
    entry, sibling = _shown_entries(f)[:2]
    if entry is not None and sibling is not None:
        sibling_part = (
            f" Its {sibling.smets_generation} sibling entry has firmware "
            f"{_version(sibling.firmware_version)}."
        )
    return {**_base(f), "sibling_part": sibling_part}


def _bilingual_firmware_expected(f: _Facts) -> Context | None:
    if f.bfe_sibling is None:
        return None
    rec_fw = _version(f.record.firmware_version) if f.record else ""
    part = f" ({rec_fw})" if rec_fw else ""
    return {**_base(f), "read_firmware": f.fw, "prenotified_firmware_part": part}


_SMETS1_ONLY_ADVISORIES = frozenset({"FIRMWARE_UPGRADE_UNLIKELY", "SECURE_THIRD_PARTY_FIRMWARE"})


def _advisory(code: str) -> Check:
    def check(f: _Facts) -> Context | None:
        if not (f.mfr and f.model):
            return None
        inst = f.installation
        if code in _SMETS1_ONLY_ADVISORIES and inst.generation != Generation.SMETS1:
            return None
        if code == "SECURE_THIRD_PARTY_FIRMWARE" and inst.cohort not in (None, Cohort.MOC):
            return None
        fw = f.fw or (_version(f.record.firmware_version) if f.record else "")
        matching = [
            a
            for a in f.advisories
            if a.code == code
            and _ident(a.device_type) == f.device_type
            and _ident(a.manufacturer_id) == f.mfr
            and _ident(a.model_id) == f.model
            and (not a.hardware_version or not f.hw or _version(a.hardware_version) == f.hw)
            and (not a.firmware_version or not fw or _version(a.firmware_version) == fw)
            and (a.cohort is None or (inst.cohort is not None and a.cohort == inst.cohort))
        ]
        if not matching:
            return None
        notes = [a.note.strip() for a in matching if a.note and a.note.strip()]
        note_part = "".join(f" Note: {n.rstrip('.')}." for n in dict.fromkeys(notes))
        reference = next((a.reference.strip() for a in matching if a.reference.strip()), "")
        return {**_base(f), "note_part": note_part, "reference": reference}

    return check


RULES: tuple[tuple[str, Check], ...] = (
    ("NOT_PRENOTIFIED", _not_prenotified),
    ("WRONG_INSTALLATION_TYPE", _wrong_installation_type),
    ("PRENOTIFIED_GENERATION_UNKNOWN", _generation_unknown),
    ("PRENOTIFICATION_INCONSISTENT", _inconsistent),
    ("NOT_A_PPMID", _not_a_ppmid),
    ("DEVICE_MODEL_MISMATCH", _device_model_mismatch),
    ("PRENOTIFIED_MODEL_NOT_ON_CPL", _prenotified_model_not_on_cpl),
    ("CPL_ENTRY_NOT_ACTIVE", _cpl_entry_not_active),
    ("DEVICE_STATUS_NOT_JOINABLE", _device_status_not_joinable),
    ("FIRMWARE_NOT_ON_CPL", _firmware_not_on_cpl),
    ("FIRMWARE_MISMATCH", _firmware_mismatch),
    ("NOT_IN_EPCL", _not_in_epcl),
    ("CPL_STALE", _cpl_stale),
    ("UNEXPECTED_DEVICE", _unexpected_device),
    ("BILINGUAL_MODEL", _bilingual_model),
    ("BILINGUAL_FIRMWARE_EXPECTED", _bilingual_firmware_expected),
    ("FIRMWARE_UPGRADE_UNLIKELY", _advisory("FIRMWARE_UPGRADE_UNLIKELY")),
    ("SECURE_THIRD_PARTY_FIRMWARE", _advisory("SECURE_THIRD_PARTY_FIRMWARE")),
    ("UNSUPPORTED_LEGACY_PPMID", _advisory("UNSUPPORTED_LEGACY_PPMID")),
)
"""Every reason code with the check that decides whether it applies (in reason-table order)."""

assert set(ADVISORY_CODES) <= {code for code, _ in RULES}


def _shown_entries(f: _Facts) -> tuple[CplEntry | None, CplEntry | None, CplEntry | None]:
    """(cpl_entry, sibling_entry, reported_entry) for the verdict."""
    reported = _best(f.reported) if f.fw and f.reported else None
    entry = _best(f.pn_candidates)
    if entry is None:
        entry = reported
    if entry is None:
        scope = f.pn_scope if f.record is not None and not f.model_mismatch else f.model_entries
        if f.hw:
            scope = [e for e in scope if _version(e.hardware_version) == f.hw] or scope
        if len(scope) == 1:
            entry = scope[0]
    sibling = None
    if entry is not None:
        group = f.pn_model_entries if entry in f.pn_model_entries else f.model_entries
        if f.bfe_sibling is not None and entry.smets_generation == Generation.SMETS1:
            sibling = f.bfe_sibling
        else:
            siblings = _siblings(entry, group)
            sibling = siblings[0] if siblings else None
    return entry, sibling, reported


def assess(
    reading: DeviceReading,
    record: PrenotificationRecord | None,
    *,
    cpl: CplLookup,
    installation: Installation,
    rules: GenerationRules,
    epcl: Sequence[EpclRow] = (),
    advisories: Sequence[Advisory] = (),
    cpl_age_days: float | None,
    cpl_max_age_days: float = 14.0,
    expected_ppmid_id: str | None = None,
) -> Verdict:
    """Decide whether the device may be joined to ``installation``.

    ``record`` is the *current* pre-notification/inventory record for the reading's Device ID
    (None when there is none). ``epcl`` and ``advisories`` may be a superset: rows are matched
    here on device type, manufacturer, model (and hardware version when read). ``cpl_age_days``
    is the time since the CPL was last fetched or confirmed (None: unknown, counts as stale).
    ``expected_ppmid_id`` is the job's expected PPMID for ``check --job`` (None otherwise).
    Pure: no I/O, no clock, no randomness.
    """
    device = _normalised_reading(reading)
    facts = _Facts(
        reading=device,
        record=record,
        installation=installation,
        epcl=epcl,
        advisories=advisories,
        cpl_age_days=cpl_age_days,
        cpl_max_age_days=cpl_max_age_days,
        expected_ppmid_id=expected_ppmid_id,
    )
    _find_facts(facts, cpl, rules)
    reasons = []
    for code, check in RULES:
        context = check(facts)
        if context is not None:
            reference = context.pop("reference", None)
            reasons.append(make_reason(code, str(reference) if reference else None, **context))
    reasons.sort(key=sort_key)
    top = max((r.severity for r in reasons), key=lambda s: s.rank, default=Severity.INFO)
    entry, sibling, reported = _shown_entries(facts)
    bilingual = False
    if entry is not None:
        group = facts.pn_model_entries if entry in facts.pn_model_entries else facts.model_entries
        bilingual = entry.bilingual or (
            _version(entry.hardware_version) in _bilingual_hardware(group)
        )
    return Verdict(
        verdict=_VERDICT_FOR[top],
        installation=installation,
        prenotified_as=facts.prenotified_as,
        device=device,
        reasons=tuple(reasons),
        record=record,
        cpl_entry=entry,
        cpl_entry_bilingual=bilingual,
        sibling_entry=sibling if bilingual else None,
        reported_entry=reported,
        evidence=tuple(text for _, text in facts.evidence)
        + ((facts.generation_note,) if facts.generation_note else ()),
    )
