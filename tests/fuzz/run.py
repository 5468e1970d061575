"""Run the atheris fuzzers: ``python -m tests.fuzz.run [TARGET…] [--seconds N]``.

Each target runs in its own subprocess (``tests.fuzz.harness``) for ``--seconds``, with

* a hard memory limit on the process (``RLIMIT_AS``, ``--memory-mb``, default 1 GiB) and
  libFuzzer's own ``-rss_limit_mb`` at the same figure: a parser that balloons is a crash;
* a per-input time limit (``-timeout``, ``--timeout`` seconds, default 10): a hang is a crash;
* a seed corpus written fresh from the project's own data (``tests/fuzz/seeds.py``) into
  ``build/fuzz/<target>/corpus``, which keeps what the fuzzer found interesting between runs.

Crashes, hangs and memory blow-ups are saved under ``build/fuzz/<target>/artifacts/``; replay one
with ``python -m tests.fuzz.harness TARGET FILE``. Prints one line per target (executions,
seconds, new findings) and exits 1 when anything was found. Needs the optional ``fuzz`` extra
(``pip install -e '.[fuzz]'``, i.e. atheris); not part of the default test run.
"""

from __future__ import annotations

import argparse
import hashlib
import importlib.util
import json
import re
import resource
import subprocess
import sys
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

from tests.fuzz.seeds import SEEDS

ROOT = Path(__file__).resolve().parents[2]
OUT = ROOT / "build" / "fuzz"


@dataclass
class Outcome:
    target: str
    seconds: float
    executions: int
    corpus: int
    findings: list[str] = field(default_factory=list)
    exit_code: int = 0

    @property
    def ok(self) -> bool:
        return not self.findings and self.exit_code == 0


def write_seeds(target: str, corpus: Path) -> int:
    corpus.mkdir(parents=True, exist_ok=True)
    seeds = SEEDS[target]()
    for seed in seeds:
        (corpus / ("seed-" + hashlib.sha1(seed).hexdigest())).write_bytes(seed)
    return len(seeds)


def _limit_memory(megabytes: int) -> None:
    size = megabytes * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_AS, (size, size))


def run_target(target: str, seconds: int, memory_mb: int, timeout: int) -> Outcome:
    base = OUT / target
    corpus, artifacts = base / "corpus", base / "artifacts"
    artifacts.mkdir(parents=True, exist_ok=True)
    write_seeds(target, corpus)
    before = set(artifacts.iterdir())
    command = [
        sys.executable, "-m", "tests.fuzz.harness", target,
        f"-max_total_time={seconds}", f"-timeout={timeout}", f"-rss_limit_mb={memory_mb}",
        "-print_final_stats=1", "-close_fd_mask=1",
        f"-artifact_prefix={artifacts}/", str(corpus),
    ]  # fmt: skip
    log = base / "last-run.log"
    started = time.monotonic()
    with log.open("wb") as output:
        try:
            process = subprocess.run(
                command,
                cwd=ROOT,
                stdout=output,
                stderr=subprocess.STDOUT,
                preexec_fn=lambda: _limit_memory(memory_mb),
                timeout=seconds + timeout + 120,
                check=False,
            )
            code = process.returncode
        except subprocess.TimeoutExpired:
            code = -1  # libFuzzer did not stop itself: count it as a hang
    elapsed = time.monotonic() - started
    text = log.read_text(encoding="utf-8", errors="replace")
    executions = _last_int(r"stat::number_of_executed_units:\s*(\d+)", text)
    if not executions:
        executions = _last_int(r"Done (\d+) runs", text)
    corpus_size = len(list(corpus.iterdir()))
    findings = sorted(str(p.relative_to(ROOT)) for p in set(artifacts.iterdir()) - before)
    if code == -1:
        findings.append(f"{log.relative_to(ROOT)}: did not stop within its time")
    return Outcome(target, round(elapsed, 1), executions, corpus_size, findings, code)


def _last_int(pattern: str, text: str) -> int:
    found = re.findall(pattern, text)
    return int(found[-1]) if found else 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.fuzz.run", description=__doc__)
    parser.add_argument("targets", nargs="*", metavar="TARGET", help=", ".join(SEEDS))
    parser.add_argument("--seconds", type=int, default=30, help="per target (default 30)")
    parser.add_argument("--memory-mb", type=int, default=1024, help="per process (default 1024)")
    parser.add_argument("--timeout", type=int, default=10, help="per input (default 10 s)")
    args = parser.parse_args(argv)
    unknown = [t for t in args.targets if t not in SEEDS]
    if unknown:
        parser.error(f"unknown target(s) {', '.join(unknown)}; known: {', '.join(SEEDS)}")
    targets = args.targets or list(SEEDS)
    if importlib.util.find_spec("atheris") is None:
        print("atheris is not installed: pip install -e '.[fuzz]'", file=sys.stderr)
        return 2
    outcomes = []
    print(f"{'target':<20} {'seconds':>8} {'executions':>11} {'exec/s':>8} {'corpus':>7}  result")
    for target in targets:
        outcome = run_target(target, args.seconds, args.memory_mb, args.timeout)
        outcomes.append(outcome)
        rate = outcome.executions / outcome.seconds if outcome.seconds else 0.0
        result = "ok" if outcome.ok else f"FOUND {len(outcome.findings)} (exit {outcome.exit_code})"
        print(
            f"{target:<20} {outcome.seconds:>8.1f} {outcome.executions:>11,} {rate:>8,.0f} "
            f"{outcome.corpus:>7}  {result}",
            flush=True,
        )
        for finding in outcome.findings:
            print(f"    {finding}")
    OUT.mkdir(parents=True, exist_ok=True)
    summary = OUT / "summary.json"
    summary.write_text(json.dumps([asdict(o) for o in outcomes], indent=2) + "\n")
    total = sum(o.executions for o in outcomes)
    print(f"{total:,} executions in {sum(o.seconds for o in outcomes):.0f} s; details: {summary}")
    if any(not o.ok for o in outcomes):
        print("logs: build/fuzz/<target>/last-run.log", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
