"""Smoke test of the frozen app: ``python build_scripts/smoke_frozen.py PATH_TO_EXECUTABLE``.

Runs the built executable the way an installer would, in a fresh data directory:
``--version``; the demo CPL, EPCL, advisories, pre-notifications and jobs imported; a check of
the simulated PPMID (served by the frozen app's own simulator) on a SMETS2+ job (must be
"block", exit 4) and on a SMETS1 job (must be "allow", exit 0); and the desktop app opened
offscreen and closed. Exits non-zero, saying which step failed, on any difference.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

DEMO = Path(__file__).resolve().parent.parent / "resources" / "demo"


class SmokeFailure(Exception):
    pass


def run(exe: Path, *args: str, expect: int = 0, timeout: float = 60) -> str:
    started = time.perf_counter()
    result = subprocess.run(
        [str(exe), *args], capture_output=True, text=True, timeout=timeout, check=False
    )
    took = time.perf_counter() - started
    print(f"  {' '.join(args)[:90]:<92} exit {result.returncode}  {took:.2f} s")
    if result.returncode != expect:
        raise SmokeFailure(
            f"`installer-app {' '.join(args)}` exited {result.returncode}, expected {expect}\n"
            f"stdout: {result.stdout[-2000:]}\nstderr: {result.stderr[-2000:]}"
        )
    return result.stdout


def smoke(exe: Path) -> None:
    data = Path(tempfile.mkdtemp(prefix="smoke-data-"))
    base = ["--data-dir", str(data)]
    version = run(exe, "--version")
    if "installer-app" not in version:
        raise SmokeFailure(f"--version printed {version!r}")
    run(exe, *base, "cpl", "import", str(DEMO / "cpl.csv"))
    run(exe, *base, "epcl", "import", str(DEMO / "epcl.csv"))
    run(exe, *base, "advisories", "import", str(DEMO / "advisories.csv"))
    run(exe, *base, "prenotifications", "import", str(DEMO / "prenotifications.csv"))
    run(exe, *base, "jobs", "import", str(DEMO / "jobs.json"))
    status = json.loads(run(exe, *base, "cpl", "status", "--json"))
    if status["rows"] != 320:
        raise SmokeFailure(f"cpl status says {status['rows']} rows, expected 320")

    simulator = subprocess.Popen(
        [str(exe), "simulate", "ppmid", "--profile", "halden-s1", "--protocol", "iec62056-21"],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        assert simulator.stdout is not None
        port = simulator.stdout.readline().strip()
        if not port:
            raise SmokeFailure("the frozen simulator printed no port")
        blocked = json.loads(
            run(
                exe,
                *base,
                "check",
                "--port",
                port,
                "--protocol",
                "iec62056-21",
                "--job",
                "JOB-1001",
                "--json",
                expect=4,
            )
        )
        if blocked["verdict"] != "block" or blocked["prenotified_as"] != "SMETS1":
            raise SmokeFailure(f"unexpected verdict on the SMETS2+ job: {blocked}")
        run(exe, *base, "record-join", "--check-id", blocked["check_id"], expect=4)
        allowed = json.loads(
            run(
                exe,
                *base,
                "check",
                "--port",
                port,
                "--protocol",
                "iec62056-21",
                "--job",
                "JOB-1002",
                "--json",
            )
        )
        run(exe, *base, "record-join", "--check-id", allowed["check_id"])
    finally:
        simulator.terminate()
        simulator.wait(10)

    if "gui" in run(exe, "--help"):
        env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "INSTALLER_APP_QUIT_AFTER_MS": "1500"}
        started = time.perf_counter()
        result = subprocess.run(
            [str(exe), *base, "gui"], capture_output=True, text=True, timeout=60, env=env
        )
        print(f"  {'gui (offscreen, closes itself)':<92} exit {result.returncode}  "
              f"{time.perf_counter() - started:.2f} s")  # fmt: skip
        if result.returncode != 0:
            raise SmokeFailure(f"the GUI exited {result.returncode}: {result.stderr[-2000:]}")


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print(__doc__, file=sys.stderr)
        return 2
    exe = Path(argv[0]).resolve()
    print(f"smoke test of {exe}")
    try:
        smoke(exe)
    except (SmokeFailure, subprocess.TimeoutExpired) as exc:
        print(f"SMOKE TEST FAILED: {exc}", file=sys.stderr)
        return 1
    print("smoke test passed")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
