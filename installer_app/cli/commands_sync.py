"""``sync`` and ``backoffice serve|load|token|records|status``.

The back office needs SQLAlchemy only for administration; ``serve`` also needs the optional
``backoffice`` extra (fastapi, uvicorn), imported only there.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from installer_app.cli import context
from installer_app.cli.output import print_json, print_table
from installer_app.errors import UserError

if TYPE_CHECKING:
    from installer_app.sync.backoffice.store import BackOffice

DB_ENV = "INSTALLER_APP_BACKOFFICE_DB"
DEFAULT_PORT = 8750
KINDS = ("cpl", "epcl", "advisories", "prenotifications", "jobs")


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "sync",
        help="pull reference lists and jobs from the back office, then send checks and decisions",
        description="Pull the CPL, EPCL, advisories, jobs and pre-notification records, then "
        "push the records waiting on this device. Safe to interrupt and repeat. The address and "
        "token are remembered for next time.",
    )
    p.add_argument(
        "--server", metavar="URL", help="the back office address, e.g. https://bo.example"
    )
    p.add_argument(
        "--token",
        metavar="TOKEN",
        help="your installer token (or set INSTALLER_APP_TOKEN, which keeps it out of the "
        "shell history)",
    )
    p.set_defaults(func=_sync)

    bo = sub.add_parser("backoffice", help="the reference back office (needs the backoffice extra)")
    bo_sub = bo.add_subparsers(dest="backoffice_command", metavar="ACTION", required=True)

    def with_db(parser: argparse.ArgumentParser) -> argparse.ArgumentParser:
        parser.add_argument(
            "--db",
            metavar="URL",
            default=None,
            help=f"sqlite:///PATH, a file path or postgresql://USER:PASSWORD@HOST/DB (default: "
            f"${DB_ENV} or backoffice.sqlite in the data directory)",
        )
        return parser

    p = with_db(bo_sub.add_parser("serve", help="serve the sync API"))
    p.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    p.add_argument("--port", type=int, default=DEFAULT_PORT, help=f"default {DEFAULT_PORT}")
    p.set_defaults(func=_serve)

    p = with_db(bo_sub.add_parser("load", help="publish reference lists, jobs or records"))
    p.add_argument("kind", choices=KINDS)
    p.add_argument("files", nargs="+", metavar="FILE")
    p.add_argument(
        "--installer",
        metavar="ID",
        help="jobs: the installer they are for (required); prenotifications: send them to this "
        "installer only (default: to the installers whose jobs name them)",
    )
    p.set_defaults(func=_load)

    token = bo_sub.add_parser("token", help="installer tokens")
    token_sub = token.add_subparsers(dest="token_command", metavar="ACTION", required=True)
    p = with_db(token_sub.add_parser("create", help="create a token; prints it alone on stdout"))
    p.add_argument("installer", metavar="INSTALLER")
    p.set_defaults(func=_token_create)
    p = with_db(token_sub.add_parser("revoke", help="revoke a token (give the token or its id)"))
    p.add_argument("token", metavar="TOKEN_OR_ID")
    p.set_defaults(func=_token_revoke)
    p = with_db(token_sub.add_parser("list", help="list tokens (ids only, never secrets)"))
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=_token_list)

    p = with_db(bo_sub.add_parser("records", help="list the records installers have sent"))
    p.add_argument("--installer", metavar="ID")
    p.add_argument("--kind", choices=("check", "decision", "join_request"))
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=_records)

    p = with_db(bo_sub.add_parser("status", help="what the back office holds"))
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=_status)


# --------------------------------------------------------------------------- sync


_STAGE_TEXT = {
    "connect": "checking the address and token",
    "cpl": "CPL",
    "epcl": "EPCL",
    "advisories": "advisory list",
    "jobs": "jobs",
    "prenotifications": "pre-notification records",
    "apply": "saving jobs and records",
    "push": "sending checks and decisions",
}


def _sync(args: argparse.Namespace) -> int:
    from installer_app.services.sync import sync_now

    shown: set[str] = set()

    def progress(stage: str, done: int, total: int | None) -> None:
        if stage not in shown:
            shown.add(stage)
            print(f"sync: {_STAGE_TEXT.get(stage, stage)}…", file=sys.stderr, flush=True)

    report = sync_now(context.data_dir(), server=args.server, token=args.token, progress=progress)
    for line in report.lines():
        print(line)
    return 0 if report.ok else 2


# --------------------------------------------------------------------------- back office


def _db(args: argparse.Namespace) -> str:
    if args.db:
        return str(args.db)
    env = os.environ.get(DB_ENV, "").strip()
    if env:
        return env
    return str(Path(context.data_dir()) / "backoffice.sqlite")


_NOT_HERE = (
    "the back office is not part of the desktop app: install the Python package with its "
    "extra (pip install 'installer-app[backoffice]') on the server and run it there."
)


def _open(args: argparse.Namespace) -> BackOffice:
    try:
        from installer_app.sync.backoffice.store import BackOffice
    except ModuleNotFoundError as exc:  # the packaged desktop build leaves it out
        if exc.name and exc.name.startswith("installer_app"):
            raise UserError(_NOT_HERE) from None
        raise
    return BackOffice(_db(args))


def _serve(args: argparse.Namespace) -> int:
    if not 0 < args.port < 65536:
        raise UserError(f"--port {args.port} is not a port number (1-65535).")
    try:
        import fastapi  # noqa: F401
        import uvicorn  # noqa: F401
    except ModuleNotFoundError:
        raise UserError(
            "the back office server needs the optional extra: pip install "
            "'installer-app[backoffice]' (fastapi, uvicorn, psycopg). The desktop app does not."
        ) from None
    try:
        from installer_app.sync.backoffice.app import serve
    except ModuleNotFoundError as exc:
        if exc.name and exc.name.startswith("installer_app"):
            raise UserError(_NOT_HERE) from None
        raise
    serve(_db(args), args.host, args.port)
    return 0


def _load(args: argparse.Namespace) -> int:
    with _open(args) as bo:
        if args.kind in ("cpl", "epcl", "advisories"):
            if args.installer:
                raise UserError(
                    f"--installer does not apply to the {args.kind}: reference lists go to every "
                    "installer."
                )
            if len(args.files) != 1:
                raise UserError(f"give exactly one {args.kind} file.")
            print(bo.load_reference(args.kind, args.files[0]))
        elif args.kind == "jobs":
            if not args.installer:
                raise UserError(
                    "say whose jobs these are: backoffice load jobs FILE --installer ID."
                )
            print(bo.load_jobs(args.files, args.installer))
        else:
            print(bo.load_prenotifications(args.files, args.installer))
    return 0


def _token_create(args: argparse.Namespace) -> int:
    with _open(args) as bo:
        token = bo.create_token(args.installer)
    print(token)
    print(
        f"token created for installer {args.installer.strip()}: give it to them privately; it "
        "is not shown again (only its id is kept, in 'backoffice token list').",
        file=sys.stderr,
    )
    return 0


def _token_revoke(args: argparse.Namespace) -> int:
    with _open(args) as bo:
        info = bo.revoke_token(args.token)
    print(f"token {info.token_id} of installer {info.installer_id} revoked at {info.revoked_at}")
    return 0


def _token_list(args: argparse.Namespace) -> int:
    with _open(args) as bo:
        infos = bo.list_tokens()
    if args.json:
        print_json(
            [
                {
                    "token_id": i.token_id,
                    "installer_id": i.installer_id,
                    "created_at": i.created_at,
                    "revoked_at": i.revoked_at,
                }
                for i in infos
            ]
        )
        return 0
    if not infos:
        print("No tokens yet: backoffice token create INSTALLER")
        return 0
    print_table(
        ("Token id", "Installer", "Created", "Revoked"),
        [(i.token_id, i.installer_id, i.created_at, i.revoked_at or "") for i in infos],
    )
    return 0


def _records(args: argparse.Namespace) -> int:
    with _open(args) as bo:
        records = bo.records(args.installer, args.kind)
    if args.json:
        print_json(
            [
                {
                    "installer_id": r.installer_id,
                    "idempotency_key": r.idempotency_key,
                    "kind": r.kind,
                    "check_id": r.check_id,
                    "created_at": r.created_at,
                    "received_at": r.received_at,
                    "payload": r.payload,
                }
                for r in records
            ]
        )
        return 0
    if not records:
        print("No records received yet.")
        return 0
    print_table(
        ("Installer", "Kind", "Check", "Created", "Received", "Detail"),
        [
            (
                r.installer_id,
                r.kind,
                r.check_id or "",
                r.created_at,
                r.received_at,
                str(r.payload.get("decision") or r.payload.get("verdict") or ""),
            )
            for r in records
        ],
    )
    print(f"{len(records)} record(s)")
    return 0


def _status(args: argparse.Namespace) -> int:
    with _open(args) as bo:
        counts = bo.counts()
        lists = bo.reference_lists()
        shown = bo.shown
    if args.json:
        print_json(
            {
                "database": shown,
                **counts,
                "reference": [
                    {"kind": m.kind, "rows": m.rows, "sha256": m.sha256, "loaded_at": m.loaded_at}
                    for m in lists
                ],
            }
        )
        return 0
    print(f"Back office database {shown}")
    for name, count in counts.items():
        print(f"  {name:<17} {count}")
    for meta in lists:
        print(
            f"  {meta.kind:<17} {meta.rows} entries, version {meta.sha256[:12]}, {meta.loaded_at}"
        )
    return 0
