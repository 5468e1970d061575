"""``installer-app`` command line: argparse front end over :mod:`installer_app.services`.

Exit codes (CONTRACT.md): 0 allowed / done, 3 allowed with warnings, 4 blocked, 2 bad input or
usage, 1 unexpected failure. Heavy modules are imported inside the commands that need them so
that short commands start quickly.
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from installer_app import __version__
from installer_app.cli import (
    commands_check,
    commands_devices,
    commands_gui,
    commands_reference,
    commands_sync,
    context,
)
from installer_app.errors import UserError

EXIT_OK = 0
EXIT_UNEXPECTED = 1
EXIT_BAD_INPUT = 2
EXIT_WARN = 3
EXIT_BLOCK = 4

log = logging.getLogger("installer_app")


class _Parser(argparse.ArgumentParser):
    """argparse before Python 3.13 drops the value of ``--opt=--`` and leaves the option holding
    an empty list (a crash further on, or a search for nothing): keep ``--`` as the value, as
    newer versions do. Sub-command parsers are of this class too."""

    def _get_values(self, action: argparse.Action, arg_strings: list[str]) -> Any:
        if action.option_strings and action.nargs is None and arg_strings == ["--"]:
            value = self._get_value(action, "--")
            self._check_value(action, value)
            return value
        return super()._get_values(action, arg_strings)


def build_parser() -> argparse.ArgumentParser:
    # argparse exits with status 2 on a usage error, as the contract wants.
    parser = _Parser(
        prog="installer-app",
        description="Installer assistant: is this PPMID pre-notified as SMETS1 or SMETS2+?",
    )
    parser.add_argument("--version", action="version", version=f"installer-app {__version__}")
    parser.add_argument(
        "--data-dir",
        type=Path,
        default=None,
        help="data directory (default: $INSTALLER_APP_DATA_DIR or the user data directory)",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for module in (
        commands_reference,
        commands_devices,
        commands_check,
        commands_gui,
        commands_sync,
    ):
        module.register(sub)
    return parser


def _hint_dash_files(argv: Sequence[str]) -> None:
    """After a usage error: a file named like an option was read as one; say how to give it."""
    for arg in argv:
        if arg.startswith("-") and len(arg) > 1 and Path(arg).exists():
            print(
                f"note: the file {arg} was read as an option because its name starts with '-'. "
                f"Give it as ./{arg} (or put -- before it).",
                file=sys.stderr,
            )


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # usage errors (2), --help and --version (0)
        if exc.code == EXIT_BAD_INPUT:
            _hint_dash_files(sys.argv[1:] if argv is None else argv)
        return exc.code if isinstance(exc.code, int) else EXIT_BAD_INPUT
    context.configure(args.data_dir)
    handler = getattr(args, "func", None)
    if handler is None:
        # No sub-command: open the desktop app (CONTRACT.md), as `gui` without --demo.
        args.demo = False
        handler = commands_gui.open_gui
    try:
        code: int = handler(args)
        return code
    except UserError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:
        print("interrupted: nothing was changed by the unfinished step", file=sys.stderr)
        return EXIT_BAD_INPUT
    except Exception as exc:
        path = context.log_exception(exc)
        print(
            f"unexpected error ({type(exc).__name__}: {exc}).\n"
            f"Details were written to {path}; please send that file to support.",
            file=sys.stderr,
        )
        return EXIT_UNEXPECTED


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
