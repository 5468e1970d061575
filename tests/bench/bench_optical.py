"""Benchmark: a full IEC 62056-21 optical readout from the paced simulator at 9600 baud.

Run: ``python -m tests.bench.run optical`` (or ``python -m tests.bench.bench_optical``). Not part of the test
run. The simulator runs in its own process and takes every byte's wire time (7E1: 10 bits) at
the current baud in both directions, and the standard's minimum reaction time (200 ms) before
each answer. The protocol's own minimum is

    (sign-on + identification + acknowledgement bytes) x 10 / 300
  + data-block bytes x 10 / 9600
  + 3 x 200 ms  (device before identification, reader before acknowledgement,
                 device before the data block)

and the goal is a measured readout within 1.15x of it.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time

from installer_app.devices import iec62056 as proto
from installer_app.devices.reader import read_device
from installer_app.devices.simulator_profiles import simulated_device
from tests.bench.common import table

GOAL = 1.15


def protocol_minimum(profile: str) -> tuple[float, dict[str, float]]:
    device = simulated_device(profile)
    ident = device.identification()
    fast_reaction = device.flag[2].islower()
    tr = proto.REACTION_TIME_MIN_FAST if fast_reaction else proto.REACTION_TIME_MIN
    fast = proto.MODE_C_BAUDS[device.baud_char]
    block = proto.build_data_block(device.data_lines())
    parts = {
        f"sign-on {len(proto.sign_on_request())} B @300": proto.wire_time(
            len(proto.sign_on_request()), 300
        ),
        "device reaction (tr min)": tr,
        f"identification {len(ident)} B @300": proto.wire_time(len(ident), 300),
        "reader reaction (tr min)": tr,
        f"acknowledgement {len(proto.ack_option_select('0'))} B @300": proto.wire_time(
            len(proto.ack_option_select("0")), 300
        ),
        "device reaction (tr min) ": tr,
        f"data block {len(block)} B @{fast}": proto.wire_time(len(block), fast),
    }
    return sum(parts.values()), parts


def measure(
    runs: int = 5, profile: str = "halden-s1"
) -> tuple[float, dict[str, float], list[float]]:
    minimum, parts = protocol_minimum(profile)
    sim = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "installer_app.devices.simulator",
            profile,
            "iec62056-21",
            "--paced",
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert sim.stdout is not None
        port = sim.stdout.readline().strip()
        times = []
        for _ in range(runs):
            started = time.perf_counter()
            reading = read_device(port, "iec62056-21")
            times.append(time.perf_counter() - started)
            assert reading.device_id == simulated_device(profile).device_id
    finally:
        sim.terminate()
        sim.wait(5)
    return minimum, parts, times


def main(runs: int = 5, profile: str = "halden-s1") -> str:
    """The markdown table for ``python -m tests.bench.run optical``."""
    minimum, parts, times = measure(runs, profile)
    median = statistics.median(times)
    rows = [
        [f"protocol minimum: {name.strip()}", f"{seconds:.3f} s", "", ""]
        for name, seconds in parts.items()
    ]
    rows.append(["protocol minimum (baseline)", f"{minimum:.3f} s", "1.000x", ""])
    rows.append(
        [
            f"measured readout, median of {runs}",
            f"{median:.3f} s",
            f"{median / minimum:.3f}x",
            f"<= {GOAL}x",
        ]
    )
    return (
        f"Optical readout (IEC 62056-21 mode C), profile {profile}, paced simulator at 9600 baud\n\n"
        + table(["measurement", "time", "vs minimum", "goal"], rows)
    )


def cli_main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--profile", default="halden-s1")
    args = parser.parse_args()
    print(main(args.runs, args.profile))
    return 0


if __name__ == "__main__":
    raise SystemExit(cli_main())
