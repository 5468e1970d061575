"""Field commands: pre-notification and job imports, ``check``, and recording decisions."""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING

from installer_app.cli import context
from installer_app.cli.output import print_json
from installer_app.domain.model import Cohort, Generation
from installer_app.errors import UserError

if TYPE_CHECKING:
    from installer_app.services import checks

# Services are imported inside the commands: `installer-app --version` and `--help` stay quick.

EXIT_BLOCK = 4
BANNER = {"allow": "SAFE TO JOIN", "warn": "CHECK BEFORE JOINING", "block": "DO NOT JOIN"}
ICON = {"block": "✖", "warn": "⚠", "info": "ℹ"}


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = sub.add_parser("prenotifications", help="pre-notification / inventory records")
    actions = parser.add_subparsers(
        dest="prenotifications_command", metavar="ACTION", required=True
    )
    p = actions.add_parser(
        "import", help="import DUIS SR 12.2 / SR 8.2 XML or CSV files (all or nothing)"
    )
    p.add_argument("files", nargs="+", metavar="FILE")
    p.set_defaults(func=_import_prenotifications)

    parser = sub.add_parser("jobs", help="the jobs (installations) to visit")
    actions = parser.add_subparsers(dest="jobs_command", metavar="ACTION", required=True)
    p = actions.add_parser("import", help="import jobs from a JSON file")
    p.add_argument("file", metavar="FILE")
    p.set_defaults(func=_import_jobs)

    p = sub.add_parser(
        "check",
        help="read (or take) a PPMID, decide whether it may be joined, record the check",
        description="Exit codes: 0 safe to join, 3 check before joining (warnings), 4 do not "
        "join, 2 bad input or a failed read.",
    )
    device = p.add_mutually_exclusive_group(required=True)
    device.add_argument("--port", help="device path or pyserial URL of the scanner or probe")
    device.add_argument("--device-id", metavar="EUI", help="the Device ID, typed in")
    p.add_argument("--protocol", choices=("barcode", "iec62056-21"), default=None)
    p.add_argument("--manufacturer", metavar="HEX")
    p.add_argument("--model", metavar="HEX")
    p.add_argument("--hardware-version", metavar="V")
    p.add_argument("--firmware-version", metavar="V")
    where = p.add_mutually_exclusive_group(required=True)
    where.add_argument(
        "--installation", type=_generation, metavar="smets1|smets2", help="installation type"
    )
    where.add_argument("--job", metavar="REF", help="take the installation from this job")
    p.add_argument("--cohort", type=_cohort, metavar="IOC|MOC|FOC", help="SMETS1 cohort")
    p.add_argument("--json", action="store_true", help="print the verdict as one JSON object")
    p.set_defaults(func=_check)

    p = sub.add_parser("record-join", help="record that the checked PPMID was joined")
    p.add_argument("--check-id", required=True, metavar="ID")
    p.set_defaults(func=_record_join)

    p = sub.add_parser("record-not-joined", help="record that the checked PPMID was not joined")
    p.add_argument("--check-id", required=True, metavar="ID")
    p.add_argument("--reason", required=True, metavar="TEXT")
    p.set_defaults(func=_record_not_joined)


def _generation(text: str) -> Generation:
    try:
        return Generation.parse(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _cohort(text: str) -> Cohort:
    try:
        return Cohort(text.strip().upper())
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a cohort (IOC, MOC or FOC)") from None


def _import_prenotifications(args: argparse.Namespace) -> int:
    from installer_app import services
    from installer_app.services import records

    with services.open_database(context.data_dir()) as db:
        info = records.import_prenotifications(db, args.files)
    print(
        f"pre-notifications imported: {info.rows} record(s) for {info.summary['devices']} "
        f"device(s) from {len(args.files)} file(s)"
    )
    return 0


def _import_jobs(args: argparse.Namespace) -> int:
    from installer_app import services
    from installer_app.services import records

    with services.open_database(context.data_dir()) as db:
        info = records.import_jobs(db, args.file)
    print(f"jobs imported: {info.rows} job(s) from {info.source}")
    return 0


def _check(args: argparse.Namespace) -> int:
    from installer_app import services
    from installer_app.domain.prenotification import Installation
    from installer_app.services import checks

    if args.cohort is not None and args.installation is None:
        raise UserError("--cohort goes with --installation smets1; a job carries its own cohort.")
    if args.cohort is not None and args.installation is not Generation.SMETS1:
        # Cohorts are SMETS1 migration groups: for a SMETS2+ installation it means nothing.
        print("note: --cohort is ignored for a SMETS2+ installation", file=sys.stderr)
        args.cohort = None
    manual = (args.manufacturer, args.model, args.hardware_version, args.firmware_version)
    if args.port and any(manual):
        raise UserError("--manufacturer/--model/--hardware/--firmware go with --device-id only.")
    with services.open_database(context.data_dir()) as db:
        if args.port:
            reading = checks.read_port(args.port, args.protocol)
        else:
            reading = checks.manual_reading(
                args.device_id,
                manufacturer=args.manufacturer,
                model=args.model,
                hardware_version=args.hardware_version,
                firmware_version=args.firmware_version,
            )
        installation = Installation(args.installation, args.cohort) if args.installation else None
        outcome = checks.check_reading(
            db, reading, installation=installation, job_reference=args.job
        )
    if args.json:
        print_json(outcome.result)
    else:
        _print_verdict(outcome)
    return outcome.exit_code


def _print_verdict(outcome: checks.CheckOutcome) -> None:
    v = outcome.verdict
    device = v.device
    print(f"{BANNER[v.verdict]}: {device.device_id}")
    prenotified = v.prenotified_as.value if v.prenotified_as else "unknown"
    print(f"  pre-notified as {prenotified} · this is a {v.installation} installation")
    model = " ".join(x for x in (device.manufacturer, device.model) if x)
    if model:
        print(f"  device model {model}  hw {device.hardware_version or '-'}  "
              f"fw {device.firmware_version or '-'}")  # fmt: skip
    for reason in v.reasons:
        print(f"  {ICON[reason.severity]} {reason.code}: {reason.message} [{reason.reference}]")
    print(f"  check id {outcome.check_id}")
    if v.verdict == "block":
        print("  A join cannot be recorded for this check.")
    else:
        print(f"  Record the outcome: installer-app record-join --check-id {outcome.check_id}")


def _record_join(args: argparse.Namespace) -> int:
    from installer_app import services
    from installer_app.services import checks

    with services.open_database(context.data_dir()) as db:
        try:
            stored = checks.record_join(db, args.check_id)
        except checks.JoinRefused as exc:
            print(f"refused: {exc}", file=sys.stderr)
            return EXIT_BLOCK
    print(f"join recorded for {stored.device_id} (check {stored.check_id})")
    return 0


def _record_not_joined(args: argparse.Namespace) -> int:
    from installer_app import services
    from installer_app.services import checks

    with services.open_database(context.data_dir()) as db:
        stored = checks.record_not_joined(db, args.check_id, args.reason)
    print(f"recorded: {stored.device_id} not joined (check {stored.check_id})")
    return 0
