"""``read`` (one device, printed) and ``simulate ppmid`` (a simulated device on a pty)."""

from __future__ import annotations

import argparse
import os
import sys
from typing import Any

from installer_app.cli.output import print_json
from installer_app.errors import UserError

PROTOCOL_CHOICES = ("barcode", "iec62056-21")


def register(sub: argparse._SubParsersAction[Any]) -> None:
    read = sub.add_parser(
        "read",
        help="read one PPMID (barcode scanner or optical probe) and print what it said",
        description="Read one device and print its identifiers. PORT is a device path "
        "(/dev/ttyUSB0, COM3, a pty) or a pyserial URL (socket://host:port, rfc2217://, loop://).",
    )
    read.add_argument("--port", required=True, help="device path or pyserial URL")
    read.add_argument(
        "--protocol",
        choices=PROTOCOL_CHOICES,
        default="barcode",
        help="barcode scanner (default) or IEC 62056-21 optical probe",
    )
    read.add_argument("--json", action="store_true", help="print one JSON object")
    read.add_argument(
        "--timeout",
        type=float,
        default=None,
        metavar="SECONDS",
        help="give up after this long (default: 15 for a scan, 20 for an optical readout)",
    )
    read.set_defaults(func=_read)

    simulate = sub.add_parser("simulate", help="run a simulated device on a new pty")
    devices = simulate.add_subparsers(dest="device", metavar="DEVICE", required=True)
    ppmid = devices.add_parser(
        "ppmid",
        help="a simulated PPMID: prints its port path on the first line, serves until killed",
    )
    ppmid.add_argument(
        "--profile", default="halden-s1", help="device or fault profile (--list-profiles)"
    )
    ppmid.add_argument(
        "--protocol",
        choices=PROTOCOL_CHOICES,
        default="barcode",
        help="barcode scanner (default; repeats its scan every 2 s) or IEC 62056-21 device",
    )
    ppmid.add_argument(
        "--paced",
        action="store_true",
        help="take each byte's wire time at the negotiated baud rate (honest timing)",
    )
    ppmid.add_argument("--list-profiles", action="store_true", help="list the profiles and exit")
    ppmid.set_defaults(func=_simulate)


def _read(args: argparse.Namespace) -> int:
    from installer_app.services import devices

    reading = devices.read(args.port, args.protocol, timeout=args.timeout)
    if args.json:
        print_json(
            {
                "device": reading.device_json(),
                "install_code_valid": reading.install_code_valid,
                "raw": reading.raw,
            }
        )
    else:
        rows = [
            ("Device ID", reading.device_id),
            ("Device type", reading.device_type),
            ("Manufacturer", reading.manufacturer),
            ("Model", reading.model),
            ("Hardware version", reading.hardware_version),
            ("Firmware version", reading.firmware_version),
        ]
        if reading.install_code is not None:
            check = "CRC OK" if reading.install_code_valid else "CRC WRONG"
            rows.append(("Install code", f"{reading.install_code} ({check})"))
        rows.append(("Read by", reading.source))
        for label, value in rows:
            print(f"{label + ':':<18}{value if value is not None else '-'}")
    problem = devices.install_code_problem(reading)
    if problem:
        raise UserError(problem)
    return 0


def _simulate(args: argparse.Namespace) -> int:
    if os.name != "posix":
        raise UserError(
            "The simulator needs a pseudo-terminal (Linux or macOS); it is not available on "
            "Windows. Connect a real scanner or optical probe instead."
        )
    from installer_app.services import devices

    profiles = devices.simulator_profiles()
    if args.list_profiles:
        for name, device in profiles.items():
            print(f"{name:<18}{device.description}")
        return 0
    if args.profile not in profiles:
        raise UserError(
            f"There is no simulator profile {args.profile!r}. Use one of: {', '.join(profiles)}."
        )

    def announce(path: str) -> None:
        print(path, flush=True)
        device = profiles[args.profile]
        print(
            f"Simulating {args.profile} ({device.description}) as a {args.protocol} device on "
            f"{path}{' (paced)' if args.paced else ''}. Stop with Ctrl+C.",
            file=sys.stderr,
            flush=True,
        )

    return devices.serve_simulator(args.profile, args.protocol, paced=args.paced, announce=announce)
