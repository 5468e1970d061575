"""Run every benchmark in tests/bench/ and print (and save) their tables.

``python -m tests.bench.run`` (or ``bash build_scripts/dev.sh bench``); ``python -m
tests.bench.run cpl_import`` runs one. Each benchmark measures its baseline in the same run.
"""

from __future__ import annotations

import importlib
import pkgutil
import sys
from pathlib import Path

import tests.bench


def main(argv: list[str]) -> int:
    names = sorted(
        m.name[len("bench_") :]
        for m in pkgutil.iter_modules(tests.bench.__path__)
        if m.name.startswith("bench_")
    )
    chosen = [n for n in names if not argv or n in argv]
    if not chosen:
        print(f"no such benchmark; have: {', '.join(names)}", file=sys.stderr)
        return 2
    sections = []
    for name in chosen:
        print(f"== {name}", flush=True)
        module = importlib.import_module(f"tests.bench.bench_{name}")
        text = module.main()
        print(text, flush=True)
        sections.append(f"## {name}\n\n{text}\n")
    out = Path("bench-results")
    out.mkdir(exist_ok=True)
    (out / "latest.md").write_text("\n".join(sections), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
