"""The packaged app (PyInstaller onedir): folder size, and launch to interactive window on a
100,000-entry CPL, side by side with the same app from source and a bare PySide6 window.

Goals (issue 7): build under 130 MB; frozen launch to interactive window under 1 s.
Builds ``dist/installer-app`` first when it is missing (``python build_scripts/build.py``).
"""

from __future__ import annotations

import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from installer_app.services import import_reference, open_database
from tests.bench.bench_gui_launch import BARE_DRIVER, _environment
from tests.bench.common import table, write_cpl

ROOT = Path(__file__).resolve().parents[2]
APP_DIR = ROOT / "dist" / "installer-app"
EXE = APP_DIR / ("installer-app.exe" if os.name == "nt" else "installer-app")
ROWS = 100_000
RUNS = 5
READY = "installer-app: window ready"


def _until_ready(args: list[str], env: dict[str, str], marker: str) -> tuple[float, float]:
    """(seconds from spawn to ``marker`` on stderr, the process's peak RSS in MB by then).

    The peak is the kernel's high-water mark of the process after exec (``VmHWM``), read while
    it is still open (rusage would count the benchmark's own pages, shared before exec)."""
    start = time.perf_counter()
    process = subprocess.Popen(
        args, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, env=env
    )
    assert process.stderr is not None
    ready = peak = 0.0
    for line in process.stderr:
        if marker in line and not ready:
            ready = time.perf_counter() - start
            peak = _high_water_mb(process.pid)
    if process.wait(60) != 0 or not ready:
        raise RuntimeError(f"{args[:3]} exited {process.returncode} before it was ready")
    return ready, peak


def _high_water_mb(pid: int) -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return float("nan")


BARE_STDERR = BARE_DRIVER.replace(
    'print("READY", peak_kb(), flush=True)', 'print("READY", file=sys.stderr, flush=True)'
).replace("    app.quit()", "    QTimer.singleShot(300, app.quit)")


def main() -> str:
    if not EXE.exists():
        subprocess.run([sys.executable, str(ROOT / "build_scripts" / "build.py")], check=True)
    size = sum(p.stat().st_size for p in APP_DIR.rglob("*") if p.is_file() and not p.is_symlink())
    work = Path(tempfile.mkdtemp(prefix="bench-frozen-"))
    try:
        data_dir = work / "data"
        with open_database(data_dir) as db:
            import_reference(db, "cpl", str(write_cpl(work / "cpl.csv", ROWS)))
        env = {**_environment(work), "INSTALLER_APP_QUIT_AFTER_MS": "300"}
        frozen = [str(EXE), "--data-dir", str(data_dir), "gui"]
        source = [sys.executable, "-m", "installer_app", "--data-dir", str(data_dir), "gui"]
        bare = [sys.executable, "-c", BARE_STDERR]
        _until_ready(frozen, env, READY)  # warm the page cache, as a second launch of the day
        runs = {
            name: [_until_ready(args, env, marker) for _ in range(RUNS)]
            for name, args, marker in (
                ("bare", bare, "READY"),
                ("source", source, READY),
                ("frozen", frozen, READY),
            )
        }
    finally:
        shutil.rmtree(work, ignore_errors=True)

    def launch(name: str) -> str:
        return f"{statistics.median(r[0] for r in runs[name]) * 1000:.0f} ms"

    def peak(name: str) -> str:
        return f"{max(r[1] for r in runs[name]):.0f} MB"

    rows = [
        ["bare PySide6 window from source (baseline)", launch("bare"), peak("bare"), ""],
        ["`installer-app gui` from source", launch("source"), peak("source"), ""],
        ["packaged `dist/installer-app/installer-app gui`", launch("frozen"), peak("frozen"),
         "< 1 s"],
        ["packaged folder size", f"{size / 1e6:.1f} MB", "", "< 130 MB"],
    ]  # fmt: skip
    return (
        f"Packaged app (PyInstaller onedir), {ROWS:,}-entry CPL, launch to interactive window, "
        f"median of {RUNS}\n\n" + table(["measurement", "time / size", "peak RSS", "goal"], rows)
    )


if __name__ == "__main__":
    print(main())
