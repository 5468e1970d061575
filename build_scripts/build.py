"""Build the desktop app: ``python build_scripts/build.py`` -> ``dist/installer-app/``.

Runs PyInstaller on ``build_scripts/installer_app.spec`` (onedir), then prints the size of the
folder. ``--smoke`` also runs the frozen smoke test (build_scripts/smoke_frozen.py).
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DIST = ROOT / "dist"
APP_DIR = DIST / "installer-app"


def folder_size(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file() and not p.is_symlink())


def missing_libraries(app_dir: Path) -> list[str]:
    """Shared libraries some bundled ELF file needs and can find neither in the bundle nor on
    this system (Linux only; an empty list elsewhere)."""
    if not sys.platform.startswith("linux") or shutil.which("ldd") is None:
        return []
    internal = app_dir / "_internal"
    env = {**os.environ, "LD_LIBRARY_PATH": f"{internal}:{internal / 'PySide6' / 'Qt' / 'lib'}"}
    missing: set[str] = set()
    for path in app_dir.rglob("*"):
        if not path.is_file() or path.is_symlink() or ".so" not in path.name:
            continue
        result = subprocess.run(["ldd", str(path)], capture_output=True, text=True, env=env)
        for line in result.stdout.splitlines():
            if "not found" in line:
                missing.add(f"{line.split()[0]} (needed by {path.relative_to(app_dir)})")
    return sorted(missing)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--smoke", action="store_true", help="run the frozen smoke test after")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    shutil.rmtree(APP_DIR, ignore_errors=True)
    subprocess.run([sys.executable, str(ROOT / "build_scripts" / "make_icons.py")], check=True)
    subprocess.run(
        [
            sys.executable,
            "-m",
            "PyInstaller",
            "--noconfirm",
            "--clean",
            "--log-level",
            "WARN",
            "--distpath",
            str(DIST),
            "--workpath",
            str(ROOT / "build" / "pyinstaller"),
            str(ROOT / "build_scripts" / "installer_app.spec"),
        ],
        check=True,
        cwd=ROOT,
    )
    exe = APP_DIR / ("installer-app.exe" if os.name == "nt" else "installer-app")
    size = folder_size(APP_DIR)
    print(f"built {exe} in {time.perf_counter() - started:.0f} s; folder {size / 1e6:.1f} MB")
    missing = missing_libraries(APP_DIR)
    if missing:
        print("libraries needed but neither bundled nor installed here:", *missing, sep="\n  ")
    if args.smoke:
        return subprocess.run(
            [sys.executable, str(ROOT / "build_scripts" / "smoke_frozen.py"), str(exe)]
        ).returncode
    return 0


if __name__ == "__main__":
    sys.exit(main())
