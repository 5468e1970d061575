"""The atheris entry point: ``python -m tests.fuzz.harness TARGET [libFuzzer options…] [CORPUS…]``.

Instruments the product's code (``installer_app``) for coverage, then hands the named target to
libFuzzer. Normally started by ``python -m tests.fuzz.run``, which adds the memory limit, the
per-input timeout and the seed corpus. Given a file instead of a corpus folder, libFuzzer runs
that one input: ``python -m tests.fuzz.harness cpl build/fuzz/cpl/artifacts/crash-…`` replays a
crash with its traceback.
"""

from __future__ import annotations

import importlib
import sys

atheris = importlib.import_module("atheris")  # untyped; the optional `fuzz` extra


def main() -> None:
    if len(sys.argv) < 2 or sys.argv[1].startswith("-"):
        sys.exit("usage: python -m tests.fuzz.harness TARGET [libFuzzer options] [CORPUS…]")
    name = sys.argv.pop(1)
    with atheris.instrument_imports(include=["installer_app"]):
        from tests.fuzz.targets import TARGETS
    if name not in TARGETS:
        sys.exit(f"unknown target {name!r}; known: {', '.join(TARGETS)}")
    atheris.Setup(sys.argv, TARGETS[name])
    atheris.Fuzz()


if __name__ == "__main__":
    main()
