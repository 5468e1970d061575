"""``gui [--demo]`` (and no sub-command): open the desktop app. Qt is imported only here, late,
so the other commands start without it."""

from __future__ import annotations

import argparse
import logging
import os
import sys
from importlib.resources import as_file
from typing import TYPE_CHECKING, Any

from installer_app import paths, settings
from installer_app.cli import context
from installer_app.errors import UserError

if TYPE_CHECKING:
    from installer_app.services import Database

log = logging.getLogger("installer_app")

DEMO_REFERENCE = (("cpl", "cpl.csv"), ("epcl", "epcl.csv"), ("advisories", "advisories.csv"))


def register(sub: argparse._SubParsersAction[Any]) -> None:
    parser = sub.add_parser(
        "gui",
        help="open the desktop app (also what `installer-app` alone does)",
        description="Open the desktop app. With --demo, an empty data directory is first filled "
        "with the bundled demo data (synthetic CPL, EPCL, advisories, pre-notifications and "
        "jobs), and simulated PPMIDs are offered as ports.",
    )
    parser.add_argument(
        "--demo",
        action="store_true",
        help="seed an empty data directory with the demo data and offer simulated devices",
    )
    parser.set_defaults(func=open_gui)


def seed_demo(db: Database) -> list[str]:
    """Fill an empty data directory with the bundled demo data, through the services.

    Returns the summary lines; an empty list when the directory already holds data (nothing
    is replaced).
    """
    from installer_app import services
    from installer_app.services import browse, records

    if browse.has_field_data(db):
        return []
    lines = []
    for kind, name in DEMO_REFERENCE:
        with as_file(paths.resource("demo", name)) as path:
            lines.append(services.import_reference(db, kind, str(path)).summary_line())
    with as_file(paths.resource("demo", "prenotifications.csv")) as path:
        info = records.import_prenotifications(db, [str(path)])
        lines.append(f"pre-notifications imported: {info.rows} record(s)")
    with as_file(paths.resource("demo", "jobs.json")) as path:
        info = records.import_jobs(db, str(path))
        lines.append(f"jobs imported: {info.rows} job(s)")
    values = settings.load(db.data_dir)
    # The optical probe reads the whole identity: the demo's side-by-side view shows it.
    values.setdefault("default_protocol", "iec62056-21")
    values.setdefault("default_port", "sim:halden-s1")
    settings.save(db.data_dir, values)
    return lines


def check_display() -> None:
    """On Linux without a screen Qt would abort the process: say what to do instead."""
    if not sys.platform.startswith("linux") or os.environ.get("QT_QPA_PLATFORM"):
        return
    if os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"):
        return
    raise UserError(
        "there is no screen to open the window on (neither DISPLAY nor WAYLAND_DISPLAY is "
        "set). Start it from a desktop session; on a server use `xvfb-run -a installer-app "
        "gui`; the command-line commands (installer-app --help) work without a screen."
    )


def open_gui(args: argparse.Namespace) -> int:
    check_display()
    data_dir = context.data_dir()
    context.setup_logging()
    if getattr(args, "demo", False):
        from installer_app import services

        with services.open_database(data_dir) as db:
            for line in seed_demo(db):
                log.info("demo data: %s", line)
    from installer_app.ui.app import run

    return run(data_dir, demo=bool(getattr(args, "demo", False)))
