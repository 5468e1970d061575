"""CPL import of a 100,000-row file, side by side with the sqlite3 CLI's ``.import``.

Goals (issue 2): in-process import (parse + validate + swap) within 1.5x the sqlite3 CLI;
the whole ``installer-app cpl import`` process within 2x; re-import of unchanged content under
50 ms beyond process start. Run: ``python -m tests.bench.run`` (all) or this module.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from installer_app import services
from installer_app.store.db import Database
from tests.bench.common import APP, median_of, run_process, table, write_cpl

ROWS = 100_000
RUNS = 5

CLI_SCRIPT = """
CREATE TABLE cpl(device_type TEXT, manufacturer TEXT, manufacturer_id TEXT, model TEXT,
  model_id TEXT, hardware_version TEXT, firmware_version TEXT, smets_chts_version TEXT,
  gbcs_version TEXT, status TEXT, cpa_expiry TEXT,
  UNIQUE(device_type, manufacturer_id, model_id, hardware_version, firmware_version));
.mode csv
.import --skip 1 {path} cpl
"""


def main() -> str:
    sqlite3_cli = shutil.which("sqlite3")
    if sqlite3_cli is None:
        sys.exit("the sqlite3 command-line shell is needed (apt-get install sqlite3)")
    work = Path(tempfile.mkdtemp(prefix="bench-cpl-"))
    try:
        source = write_cpl(work / "cpl.csv", ROWS)
        size_mb = source.stat().st_size / 1e6
        changed = write_cpl(work / "cpl2.csv", ROWS, firmware_prefix="F")
        script = CLI_SCRIPT.format(path=source)

        def reset(name: str) -> Path:
            target = work / name
            shutil.rmtree(target, ignore_errors=True)
            Database(target).close()  # migrated, empty: migrations are not what is measured
            return target

        def cli_import() -> None:
            db_file = work / "cli.sqlite"
            db_file.unlink(missing_ok=True)
            subprocess.run([sqlite3_cli, str(db_file)], input=script, text=True, check=True)

        baseline = median_of(RUNS, cli_import)

        state: dict[str, Path] = {}

        def fresh() -> None:
            state["dir"] = reset("inproc")

        def in_process() -> None:
            with Database(state["dir"]) as db:
                services.import_reference(db, "cpl", str(source))

        in_proc = median_of(RUNS, in_process, fresh)

        def fresh_with_cpl() -> None:
            fresh()
            in_process()

        def replace() -> None:
            with Database(state["dir"]) as db:
                services.import_reference(db, "cpl", str(changed))

        replace_time = median_of(RUNS, replace, fresh_with_cpl)

        def whole_process() -> None:
            run_process([*APP, "--data-dir", str(state["dir"]), "cpl", "import", str(source)])

        process = median_of(RUNS, whole_process, fresh)

        fresh_with_cpl()
        unchanged_in_proc = median_of(RUNS, in_process)
        unchanged_process = median_of(RUNS, whole_process)
        start_only = median_of(RUNS, lambda: run_process([*APP, "--version"]))
        status_process = median_of(
            RUNS, lambda: run_process([*APP, "--data-dir", str(state["dir"]), "cpl", "status"])
        )
    finally:
        shutil.rmtree(work, ignore_errors=True)

    def ms(seconds: float) -> str:
        return f"{seconds * 1000:.0f} ms"

    rows = [
        ["sqlite3 CLI `.import` (baseline)", ms(baseline), "1.00x", ""],
        ["in-process import (parse + validate + swap)", ms(in_proc), f"{in_proc / baseline:.2f}x", "≤ 1.5x"],
        ["`installer-app cpl import` whole process", ms(process), f"{process / baseline:.2f}x", "≤ 2x"],
        ["in-process replace of an existing 100k CPL (with change counts)", ms(replace_time), f"{replace_time / baseline:.2f}x", ""],
        ["re-import unchanged, in process", ms(unchanged_in_proc), "", "< 50 ms"],
        ["re-import unchanged, whole process", ms(unchanged_process), "", ""],
        ["`installer-app --version` (process start)", ms(start_only), "", ""],
        ["`installer-app cpl status` (process start + open database)", ms(status_process), "", ""],
        ["re-import unchanged beyond `cpl status`", ms(unchanged_process - status_process), "", "< 50 ms"],
    ]  # fmt: skip
    return (
        f"CPL import, {ROWS:,} rows ({size_mb:.1f} MB CSV), median of {RUNS} runs\n\n" + table(["measurement", "time", "vs baseline", "goal"], rows)
    )


if __name__ == "__main__":
    print(main())
