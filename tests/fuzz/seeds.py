"""Seed inputs for each fuzz target, made from the project's own data and code.

The bundled demo data (``resources/demo/``, written by ``build_scripts/make_demo_data.py``), the
DUIS fixtures in ``tests/fixtures/duis/``, and messages built by the product's own builders (IEC
62056-21 frames of the simulated PPMIDs, their barcode labels, sync answers built from the demo
jobs and pre-notifications). Small variants (first lines only) keep the fuzzer fast.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import asdict
from pathlib import Path

from installer_app import paths
from installer_app.devices import iec62056 as proto
from installer_app.devices.simulator_profiles import load_simulator_profiles
from installer_app.store import prenotification_files

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "duis"


def _demo(name: str) -> bytes:
    return paths.resource("demo", name).read_bytes()


def _heads(data: bytes, *counts: int) -> list[bytes]:
    """The file itself and its first ``count`` lines for each count (small seeds fuzz faster)."""
    lines = data.splitlines(keepends=True)
    return [data, *(b"".join(lines[:count]) for count in counts if count < len(lines))]


def _cpl() -> list[bytes]:
    return _heads(_demo("cpl.csv"), 3, 12)


def _epcl() -> list[bytes]:
    return _heads(_demo("epcl.csv"), 2)


def _advisories() -> list[bytes]:
    return _heads(_demo("advisories.csv"), 2)


def _prenotification_csv() -> list[bytes]:
    return [
        *_heads(_demo("prenotifications.csv"), 2),
        (FIXTURES / "prenotifications.csv").read_bytes(),
    ]


def _duis_xml() -> list[bytes]:
    return [path.read_bytes() for path in sorted(FIXTURES.glob("*.xml"))]


def _jobs() -> list[bytes]:
    document = json.loads(_demo("jobs.json"))
    one = {"jobs": document["jobs"][:1]}
    return [_demo("jobs.json"), json.dumps(one).encode(), json.dumps(document["jobs"][:2]).encode()]


def _iec62056() -> list[bytes]:
    seeds = []
    for device in load_simulator_profiles().values():
        frame = proto.build_data_block(device.data_lines(), corrupt_bcc=device.fault == "bad-bcc")
        seeds.append(device.identification() + frame)
    return seeds


def _barcode() -> list[bytes]:
    seeds = []
    for device in load_simulator_profiles().values():
        seeds.append(device.scan_line().encode() + b"\r\n")
        seeds.append(b"]Q1" + device.device_id.encode() + b"\n")
    return seeds


def _sync() -> list[bytes]:
    jobs = json.loads(_demo("jobs.json"))["jobs"]
    records = prenotification_files.parse_prenotification_bytes(
        _demo("prenotifications.csv"), "prenotifications.csv"
    )
    items = []
    for record in records:
        item = asdict(record)
        item.pop("source_line")
        item.pop("source_index")
        items.append(item)
    keys = ["00000000-0000-0000-0000-00000000000" + str(n) for n in (1, 2)]
    documents: list[object] = [
        {"installer_id": "INST-1", "token_id": "abc"},
        {"lists": [{"kind": "cpl", "etag": '"v1"', "sha256": "0" * 64, "rows": 320}]},
        {"items": jobs[:3], "next_cursor": "e.3", "has_more": True},
        {"items": items[:3], "next_cursor": "p.3", "has_more": False},
        {"results": [{"idempotency_key": k, "status": "stored"} for k in keys]},
        {"error": {"code": "token", "message": "unknown token"}},
    ]
    return [json.dumps(d).encode() for d in documents]


SEEDS: dict[str, Callable[[], list[bytes]]] = {
    "cpl": _cpl,
    "epcl": _epcl,
    "advisories": _advisories,
    "prenotification-csv": _prenotification_csv,
    "duis-xml": _duis_xml,
    "jobs": _jobs,
    "iec62056": _iec62056,
    "barcode": _barcode,
    "sync": _sync,
}
