"""``installer-app simulate ppmid`` in one process, ``installer-app read`` in another."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager

CLI = [sys.executable, "-m", "installer_app"]


@contextmanager
def simulate(*options: str) -> Iterator[str]:
    process = subprocess.Popen(
        [*CLI, "simulate", "ppmid", *options],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        path = process.stdout.readline().strip()
        assert path.startswith("/dev/"), process.stderr.read() if process.stderr else ""
        yield path
    finally:
        process.terminate()
        process.wait(10)
        assert process.returncode == 0  # SIGTERM is a clean stop, not a crash


def read(*options: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*CLI, "read", *options], capture_output=True, text=True, timeout=60, check=False
    )


def test_default_simulated_scanner_is_read_as_json() -> None:
    with simulate() as port:
        run = read("--port", port, "--json")
    assert run.returncode == 0, run.stderr
    out = json.loads(run.stdout)
    assert out["device"]["device_id"] == "00-DB-12-34-56-78-B0-01"
    assert out["device"]["source"] == "barcode"
    assert out["install_code_valid"] is True
    assert out["raw"].startswith("Z:00DB12345678B001$I:")


def test_optical_read_as_json_with_manufacturer_addresses() -> None:
    with simulate("--protocol", "iec62056-21", "--profile", "pennant") as port:
        run = read("--port", port, "--protocol", "iec62056-21", "--json")
    assert run.returncode == 0, run.stderr
    out = json.loads(run.stdout)
    assert out["device"] == {
        "device_id": "00-DB-12-34-56-78-B0-04",
        "device_type": "PPMID",
        "manufacturer": "1077",
        "model": "00460002",
        "hardware_version": "0100",
        "firmware_version": "00000210",
        "source": "iec62056-21",
    }
    assert out["install_code_valid"] is None
    assert out["raw"].startswith("/PEN4PNT460\r\n")


def test_optical_read_for_people() -> None:
    with simulate("--protocol", "iec62056-21") as port:
        run = read("--port", port, "--protocol", "iec62056-21")
    assert run.returncode == 0, run.stderr
    assert "Device ID:        00-DB-12-34-56-78-B0-01" in run.stdout
    assert "Firmware version: 01020003" in run.stdout


def test_bad_install_code_exits_2_with_the_json_still_printed() -> None:
    with simulate("--profile", "bad-install-code") as port:
        run = read("--port", port, "--json")
    assert run.returncode == 2
    assert json.loads(run.stdout)["install_code_valid"] is False
    assert "Rescan" in run.stderr


def test_device_fault_exits_2_with_a_message_not_a_traceback() -> None:
    with simulate("--protocol", "iec62056-21", "--profile", "bad-bcc") as port:
        run = read("--port", port, "--protocol", "iec62056-21", "--json")
    assert run.returncode == 2
    assert run.stderr.startswith("error: The data from the device on")
    assert "checksum" in run.stderr
    assert "Traceback" not in run.stderr and run.stdout == ""


def test_unknown_profile_is_a_usage_error() -> None:
    run = subprocess.run(
        [*CLI, "simulate", "ppmid", "--profile", "nosuch"],
        capture_output=True, text=True, timeout=30, check=False,
    )  # fmt: skip
    assert run.returncode == 2
    assert "halden-s1" in run.stderr
