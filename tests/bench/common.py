"""Helpers for the benchmarks: timing, medians, synthetic data, a markdown table."""

from __future__ import annotations

import csv
import random
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path

APP = [sys.executable, "-m", "installer_app"]


def median_of(
    runs: int, fn: Callable[[], object], setup: Callable[[], object] | None = None
) -> float:
    """Median wall time of ``fn`` in seconds over ``runs`` runs (``setup`` untimed before each)."""
    times = []
    for _ in range(runs):
        if setup is not None:
            setup()
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def run_process(args: Sequence[str]) -> None:
    subprocess.run(args, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


CPL_HEADER = [
    "Device Type", "Manufacturer", "Manufacturer Identifier", "Model", "Model Identifier",
    "Hardware Version", "Firmware Version", "SMETS/CHTS Version", "GBCS Version", "Status",
    "CPA Certificate Expiry Date",
]  # fmt: skip
_TYPES = ["PPMID", "ESME", "GSME", "CHF", "GPF", "IHD", "CAD", "HCALCS"]


def write_cpl(path: Path, rows: int, seed: int = 1, firmware_prefix: str = "") -> Path:
    """A synthetic CPL of ``rows`` entries, 1 in 8 of them PPMIDs, some bilingual."""
    rng = random.Random(seed)
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(CPL_HEADER)
        for i in range(rows):
            kind = _TYPES[i % len(_TYPES)]
            maker = 0x1000 + rng.randrange(256)
            # PPMIDs i and i + 8 share a model: where one is SMETS1, the model is bilingual.
            model = i // 16 if kind == "PPMID" else rng.getrandbits(32)
            generation = "SMETS1" if i % 5 == 0 else "SMETS V5.0"
            writer.writerow(
                [
                    kind,
                    f"Maker {maker:04X}",
                    f"{maker:04X}",
                    f"Model {i}",
                    f"{model:08X}",
                    "0001" if kind == "PPMID" else f"{rng.randint(1, 30):04X}",
                    f"{firmware_prefix}{i:08X}"[-9:],
                    generation,
                    "" if generation == "SMETS1" else "4.2",
                    "Active" if i % 50 else "Withdrawn",
                    "2031-08-30",
                ]
            )
    return path


def table(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    lines = ["| " + " | ".join(headers) + " |", "|" + "---|" * len(headers)]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines)
