"""Check latency (lookup + rules + audit write) with a 100,000-entry CPL and 100,000
pre-notifications, against raw sqlite3 lookups of the same rows in the same run.

Goal (issue 4): a full check under 5 ms p99 in process.
"""

from __future__ import annotations

import csv
import random
import shutil
import sqlite3
import statistics
import tempfile
import time
from pathlib import Path

from installer_app.domain.model import Cohort, Generation
from installer_app.domain.prenotification import Installation
from installer_app.services import checks, records
from installer_app.services.reference import import_reference
from installer_app.store.db import Database
from tests.bench.common import table, write_cpl

ROWS = 100_000
CHECKS = 2_000


def _ppmids(cpl: Path) -> list[list[str]]:
    with cpl.open(encoding="utf-8") as handle:
        rows = list(csv.reader(handle))[1:]
    return [r for r in rows if r[0] == "PPMID"]


def _write_prenotifications(path: Path, ppmids: list[list[str]], count: int) -> list[str]:
    rng = random.Random(7)
    ids = []
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(
            [
                "Device ID",
                "Device Type",
                "Manufacturer Identifier",
                "Model Identifier",
                "Firmware Version",
                "SMETS/CHTS Version",
                "Status",
                "S1SP",
                "CSP Region",
                "Job Reference",
            ]
        )
        for i in range(count):
            entry = rng.choice(ppmids)
            device_id = f"00DB{i:012X}"
            smets1 = entry[7] == "SMETS1"
            writer.writerow(
                [
                    device_id,
                    "PPMID",
                    entry[2],
                    entry[4],
                    entry[6],
                    entry[7],
                    "Pending",
                    "S1SP" if smets1 else "",
                    "SMETS1" if smets1 else "Central",
                    "",
                ]
            )
            ids.append(device_id)
    return ids


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def main() -> str:
    work = Path(tempfile.mkdtemp(prefix="bench-check-"))
    try:
        cpl = write_cpl(work / "cpl.csv", ROWS)
        ppmids = _ppmids(cpl)
        ids = _write_prenotifications(work / "pre.csv", ppmids, ROWS)
        data_dir = work / "data"
        with Database(data_dir) as db:
            import_reference(db, "cpl", str(cpl))
            start = time.perf_counter()
            records.import_prenotifications(db, [str(work / "pre.csv")])
            prenotification_import = time.perf_counter() - start

        rng = random.Random(11)
        sample = rng.sample(ids, CHECKS)
        by_id = {}
        with sqlite3.connect(data_dir / "installer.sqlite") as raw:
            for device_id in sample:
                dashed = "-".join(device_id[i : i + 2] for i in range(0, 16, 2))
                row = raw.execute(
                    "SELECT manufacturer, model, firmware_version FROM prenotification "
                    "WHERE device_id = ? AND is_current",
                    (dashed,),
                ).fetchone()
                by_id[device_id] = row

        # Baseline: the same rows fetched with raw sqlite3 (prenotification + model's entries).
        raw = sqlite3.connect(data_dir / "installer.sqlite")
        baseline: list[float] = []
        for device_id in sample:
            manufacturer, model, _ = by_id[device_id]
            dashed = "-".join(device_id[i : i + 2] for i in range(0, 16, 2))
            t0 = time.perf_counter()
            raw.execute(
                "SELECT * FROM prenotification WHERE device_id = ? AND is_current", (dashed,)
            ).fetchall()
            raw.execute(
                "SELECT * FROM cpl_entry WHERE version_id = (SELECT id FROM dataset_version "
                "WHERE kind = 'cpl' AND is_current) AND manufacturer_id = ? AND model_id = ?",
                (manufacturer, model),
            ).fetchall()
            baseline.append(time.perf_counter() - t0)
        raw.close()

        latencies: list[float] = []
        with Database(data_dir) as db:
            for index, device_id in enumerate(sample):
                manufacturer, model, firmware = by_id[device_id]
                installation = (
                    Installation(Generation.SMETS1, Cohort.FOC)
                    if index % 2
                    else Installation(Generation.SMETS2)
                )
                t0 = time.perf_counter()
                reading = checks.manual_reading(
                    device_id, manufacturer=manufacturer, model=model, firmware_version=firmware
                )
                checks.check_reading(db, reading, installation=installation)
                latencies.append(time.perf_counter() - t0)
    finally:
        shutil.rmtree(work, ignore_errors=True)

    def ms(seconds: float) -> str:
        return f"{seconds * 1000:.2f} ms"

    rows = [
        [
            "raw sqlite3: pre-notification + the model's CPL entries (baseline)",
            ms(statistics.median(baseline)),
            ms(_percentile(baseline, 0.99)),
            "",
        ],
        [
            "full check: lookups + verdict rules + audit/outbox write (synchronous=FULL)",
            ms(statistics.median(latencies)),
            ms(_percentile(latencies, 0.99)),
            "p99 < 5 ms",
        ],
    ]
    return (
        f"Check latency, {ROWS:,}-entry CPL and {ROWS:,} pre-notifications, {CHECKS:,} checks "
        f"(100,000 pre-notifications imported in {prenotification_import:.1f} s)\n\n"
        + table(["measurement", "median", "p99", "goal"], rows)
    )


if __name__ == "__main__":
    print(main())
