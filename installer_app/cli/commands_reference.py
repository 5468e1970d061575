"""``cpl import|status|find``, ``epcl import``, ``advisories import``."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from installer_app.cli import context
from installer_app.cli.output import print_json, print_table

if TYPE_CHECKING:
    from installer_app.domain.model import CplEntry

# Services are imported inside the commands: `installer-app --version` and `--help` stay quick.


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    cpl = sub.add_parser("cpl", help="the Central Products List")
    cpl_sub = cpl.add_subparsers(dest="cpl_command", metavar="ACTION", required=True)

    p = cpl_sub.add_parser("import", help="replace the local CPL from a CSV file or URL")
    p.add_argument("source", help="file path or http(s) URL of a CPL CSV")
    p.set_defaults(func=_import, kind="cpl")

    p = cpl_sub.add_parser("status", help="version, source, age and counts of the local CPL")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=_status)

    p = cpl_sub.add_parser("find", help="search the local CPL")
    p.add_argument("--manufacturer", metavar="HEX", help="Manufacturer Identifier, e.g. 10E0")
    p.add_argument("--model", metavar="HEX", help="Model Identifier, e.g. 00090100")
    p.add_argument("--text", metavar="T", help="words to find in names, identifiers, firmware")
    p.add_argument("--device-type", metavar="TYPE", help="e.g. PPMID")
    p.add_argument("--generation", metavar="GEN", help="SMETS1 or SMETS2+")
    p.add_argument("--bilingual", action="store_true", help="bilingual PPMID models only")
    p.add_argument("--limit", type=int, default=None, metavar="N")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=_find)

    for kind, help_text in (
        ("epcl", "the SMETS1 Eligible Product Combinations List"),
        ("advisories", "the firmware advisory list"),
    ):
        parser = sub.add_parser(kind, help=help_text)
        kind_sub = parser.add_subparsers(dest=f"{kind}_command", metavar="ACTION", required=True)
        p = kind_sub.add_parser("import", help=f"replace the local {kind} from a CSV file or URL")
        p.add_argument("source", help="file path or http(s) URL")
        p.set_defaults(func=_import, kind=kind)


def _import(args: argparse.Namespace) -> int:
    from installer_app import services

    with services.open_database(context.data_dir()) as db:
        result = services.import_reference(db, args.kind, args.source)
    print(result.summary_line())
    return 0


def entry_json(entry: CplEntry) -> dict[str, object]:
    return {
        "device_type": entry.device_type,
        "manufacturer": entry.manufacturer_id,
        "manufacturer_name": entry.manufacturer_name,
        "model": entry.model_id,
        "model_name": entry.model_name,
        "hardware_version": entry.hardware_version,
        "firmware_version": entry.firmware_version,
        "smets_generation": entry.smets_generation.value,
        "status": entry.status,
        "bilingual": entry.bilingual,
        "smets_chts_version": entry.smets_chts_version,
        "gbcs_version": entry.gbcs_version,
        "cpa_expiry": entry.cpa_expiry,
    }


def _status(args: argparse.Namespace) -> int:
    from installer_app import services, settings

    data_dir = context.data_dir()
    with services.open_database(data_dir) as db:
        info = services.reference_status(db, "cpl")
    max_age = settings.cpl_max_age_days(data_dir)
    if info is None:
        if args.json:
            print_json({"rows": 0, "version": None, "max_age_days": max_age, "stale": True})
        else:
            print("No CPL imported yet. Import one with: installer-app cpl import FILE_OR_URL")
        return 0
    age = info.age_days()
    stale = age > max_age
    if args.json:
        print_json(
            {**info.to_json(), "age_days": round(age, 3), "max_age_days": max_age, "stale": stale}
        )
        return 0
    summary = info.summary
    print(f"CPL version {info.label}: {info.rows} entries")
    print(f"  source        {info.source}")
    if info.etag or info.last_modified:
        print(f"  ETag          {info.etag or '-'}   Last-Modified {info.last_modified or '-'}")
    print(f"  imported      {info.imported_at}")
    warning = f"; older than the {max_age:g}-day limit: sync or import" if stale else ""
    print(f"  confirmed     {info.confirmed_at} ({age:.1f} days ago{warning})")
    for key, title in (("by_device_type", "device types"), ("by_generation", "generations")):
        counts = summary.get(key)
        if isinstance(counts, dict):
            print(f"  {title:<13} " + ", ".join(f"{k} {v}" for k, v in counts.items()))
    print(f"  bilingual PPMID models: {summary.get('bilingual_models', 0)}")
    changes = summary.get("changes")
    if isinstance(changes, dict):
        print(
            f"  since previous version: {changes['added']} added, {changes['removed']} removed, "
            f"{changes['changed']} changed"
        )
    return 0


def _find(args: argparse.Namespace) -> int:
    from installer_app import services
    from installer_app.services import FindQuery

    query = FindQuery(
        manufacturer=args.manufacturer,
        model=args.model,
        text=args.text,
        device_type=args.device_type,
        generation=args.generation,
        bilingual_only=args.bilingual,
        limit=args.limit,
    )
    with services.open_database(context.data_dir()) as db:
        try:
            entries = services.find_cpl(db, query)
        except ValueError as exc:
            from installer_app.errors import UserError

            raise UserError(f"--generation: {exc}") from None
    if args.json:
        print_json([entry_json(e) for e in entries])
        return 0
    if not entries:
        print("No CPL entries match.")
        return 0
    print_table(
        ("Type", "Mfr", "Manufacturer", "Model", "Name", "HW", "FW", "Gen", "Status", ""),
        [
            (
                e.device_type,
                e.manufacturer_id,
                e.manufacturer_name,
                e.model_id,
                e.model_name,
                e.hardware_version,
                e.firmware_version,
                e.smets_generation.value,
                e.status,
                "bilingual" if e.bilingual else "",
            )
            for e in entries
        ],
    )
    print(f"{len(entries)} entr{'y' if len(entries) == 1 else 'ies'}")
    return 0
