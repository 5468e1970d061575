"""From a (simulated) PPMID to a recorded decision, through the CLI exactly as CONTRACT.md says."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from installer_app import paths
from installer_app.devices.simulator import Simulator
from tests.conftest import CliResult

Cli = Callable[..., CliResult]
DEMO = paths.resource("demo")


@pytest.fixture
def demo(cli: Cli) -> Cli:
    for kind, name in (("cpl", "cpl.csv"), ("epcl", "epcl.csv"), ("advisories", "advisories.csv")):
        assert cli(kind, "import", str(DEMO / name)).code == 0
    assert cli("prenotifications", "import", str(DEMO / "prenotifications.csv")).code == 0
    assert cli("jobs", "import", str(DEMO / "jobs.json")).code == 0
    return cli


@pytest.fixture
def simulator() -> Iterator[Callable[..., str]]:
    started: list[Simulator] = []

    def start(profile: str, protocol: str = "iec62056-21") -> str:
        sim = Simulator(profile, protocol)
        started.append(sim)
        return sim.start()

    yield start
    for sim in started:
        sim.stop()


def check_json(cli: Cli, *args: str) -> tuple[int, dict[str, object]]:
    result = cli("check", "--json", *args)
    assert result.out, result.err
    return result.code, json.loads(result.out)


def codes(verdict: dict[str, object]) -> set[str]:
    reasons = verdict["reasons"]
    assert isinstance(reasons, list)
    return {r["code"] for r in reasons}


def audit_rows(data_dir: Path) -> list[tuple[str, str, str]]:
    connection = sqlite3.connect(data_dir / "installer.sqlite")
    try:
        return connection.execute("SELECT id, verdict, result FROM check_record").fetchall()
    finally:
        connection.close()


def test_smets1_prenotified_bilingual_ppmid_is_blocked_on_a_smets2_job(
    demo: Cli, simulator: Callable[..., str], data_dir: Path
) -> None:
    port = simulator("halden-s1")
    code, verdict = check_json(
        demo, "--port", port, "--protocol", "iec62056-21", "--job", "JOB-1001"
    )
    assert code == 4
    assert verdict["verdict"] == "block"
    assert verdict["installation"] == "SMETS2+"
    assert verdict["prenotified_as"] == "SMETS1"
    assert "WRONG_INSTALLATION_TYPE" in codes(verdict)
    assert verdict["device"] == {
        "device_id": "00-DB-12-34-56-78-B0-01", "device_type": "PPMID", "manufacturer": "10F1",
        "model": "00A20100", "hardware_version": "0002", "firmware_version": "01020003",
        "source": "iec62056-21",
    }  # fmt: skip
    # Stored before it was shown, exactly as shown.
    rows = audit_rows(data_dir)
    assert [(r[0], r[1]) for r in rows] == [(verdict["check_id"], "block")]
    assert json.loads(rows[0][2]) == verdict

    check_id = str(verdict["check_id"])
    refused = demo("record-join", "--check-id", check_id)
    assert refused.code == 4 and "DO NOT JOIN" in refused.err
    not_joined = demo("record-not-joined", "--check-id", check_id, "--reason", "wrong PPMID type")
    assert not_joined.code == 0
    again = demo("record-not-joined", "--check-id", check_id, "--reason", "again")
    assert again.code == 2


def test_the_same_device_on_a_smets1_job_can_be_joined(
    demo: Cli, simulator: Callable[..., str], data_dir: Path
) -> None:
    port = simulator("halden-s1")
    code, verdict = check_json(
        demo, "--port", port, "--protocol", "iec62056-21", "--job", "JOB-1002"
    )
    assert code == 0 and verdict["verdict"] == "allow"
    assert verdict["prenotified_as"] == "SMETS1"
    assert {"BILINGUAL_MODEL", "BILINGUAL_FIRMWARE_EXPECTED"} <= codes(verdict)
    joined = demo("record-join", "--check-id", str(verdict["check_id"]))
    assert joined.code == 0
    assert demo("record-join", "--check-id", str(verdict["check_id"])).code == 2
    connection = sqlite3.connect(data_dir / "installer.sqlite")
    kinds = sorted(k for (k,) in connection.execute("SELECT kind FROM outbox"))
    assert kinds == ["check", "decision", "join_request"]


def test_barcode_scan_takes_the_model_from_the_record(
    demo: Cli, simulator: Callable[..., str]
) -> None:
    port = simulator("halden-s1", "barcode")
    code, verdict = check_json(demo, "--port", port, "--installation", "smets2+")
    assert code == 4 and verdict["prenotified_as"] == "SMETS1"
    assert verdict["device"]["source"] == "barcode"  # type: ignore[index]
    code, verdict = check_json(demo, "--port", port, "--installation", "smets1", "--cohort", "FOC")
    assert code == 0 and verdict["installation"] == "SMETS1"


@pytest.mark.parametrize(
    ("profile", "args", "exit_code", "expected_codes", "prenotified_as"),
    [
        ("corvid", ["--job", "JOB-1005"], 4, {"PRENOTIFIED_GENERATION_UNKNOWN"}, None),
        ("stranger", ["--installation", "smets2"], 4, {"NOT_PRENOTIFIED"}, None),
        ("brightwater", ["--job", "JOB-1006"], 3, {"UNEXPECTED_DEVICE"}, "SMETS2+"),
        ("brightwater", ["--job", "JOB-1003"], 0, set(), "SMETS2+"),
        ("halden-s2", ["--job", "JOB-1002"], 4, {"WRONG_INSTALLATION_TYPE"}, "SMETS2+"),
        ("pennant", ["--job", "JOB-1004"], 0, {"UNSUPPORTED_LEGACY_PPMID"}, "SMETS1"),
    ],
)
def test_demo_devices(
    demo: Cli,
    simulator: Callable[..., str],
    profile: str,
    args: list[str],
    exit_code: int,
    expected_codes: set[str],
    prenotified_as: str | None,
) -> None:
    port = simulator(profile)
    code, verdict = check_json(demo, "--port", port, "--protocol", "iec62056-21", *args)
    assert code == exit_code, verdict
    assert expected_codes <= codes(verdict)
    assert verdict["prenotified_as"] == prenotified_as


def test_manual_check_and_bad_input(demo: Cli) -> None:
    code, verdict = check_json(
        demo, "--device-id", "00db12345678b003", "--manufacturer", "10c3", "--model", "0b140004",
        "--firmware-version", "02000010", "--installation", "SMETS2",
    )  # fmt: skip
    assert code == 0 and verdict["device"]["device_id"] == "00-DB-12-34-56-78-B0-03"  # type: ignore[index]
    unknown_job = demo("check", "--device-id", "00db12345678b003", "--job", "JOB-9999")
    assert unknown_job.code == 2 and "JOB-9999" in unknown_job.err
    bad_id = demo("check", "--device-id", "00db1234", "--installation", "smets1")
    assert bad_id.code == 2 and "Device ID" in bad_id.err
    usage = demo("check", "--device-id", "00db12345678b003")
    assert usage.code == 2


def test_a_failed_install_code_is_a_failed_read_and_records_nothing(
    demo: Cli, simulator: Callable[..., str], data_dir: Path
) -> None:
    port = simulator("bad-install-code", "barcode")
    result = demo("check", "--port", port, "--installation", "smets2")
    assert result.code == 2 and "escan" in result.err
    assert audit_rows(data_dir) == []


def test_prenotification_import_is_all_or_nothing_and_keeps_history(
    demo: Cli, write_file: Callable[[str, bytes], Path], data_dir: Path
) -> None:
    header = (DEMO / "prenotifications.csv").read_text(encoding="utf-8").splitlines()[0]
    good = write_file(
        "later.csv",
        f"{header}\n00-DB-12-34-56-78-B0-01,PPMID,10F1,00A20100,01020003,SMETS V5.1,Pending,,North,\n".encode(),
    )
    bad = write_file("bad.csv", f"{header}\nnot-an-id,PPMID,10F1,00A20100,,,,,,\n".encode())
    refused = demo("prenotifications", "import", str(good), str(bad))
    assert refused.code == 2 and "bad.csv" in refused.err
    code, verdict = check_json(
        demo, "--device-id", "00-DB-12-34-56-78-B0-01", "--installation", "smets2"
    )
    assert verdict["prenotified_as"] == "SMETS1"  # unchanged

    assert demo("prenotifications", "import", str(good)).code == 0
    code, verdict = check_json(
        demo, "--device-id", "00-DB-12-34-56-78-B0-01", "--installation", "smets2"
    )
    assert verdict["prenotified_as"] == "SMETS2+" and code == 0
    connection = sqlite3.connect(data_dir / "installer.sqlite")
    history = connection.execute(
        "SELECT firmware_version, is_current FROM prenotification "
        "WHERE device_id = '00-DB-12-34-56-78-B0-01' ORDER BY id"
    ).fetchall()
    assert history == [("81020003", 0), ("01020003", 1)]
