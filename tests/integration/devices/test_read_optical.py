"""Optical (IEC 62056-21) reads against the simulator over real ptys, one per profile."""

from __future__ import annotations

import pytest

from installer_app.devices import errors
from installer_app.devices.reader import read_device
from installer_app.devices.simulator_profiles import load_simulator_profiles
from tests.integration.devices.conftest import StartSimulator, assert_port_released

DEMO = ["halden-s1", "halden-s2", "brightwater", "pennant", "corvid", "stranger"]


@pytest.mark.parametrize("profile", DEMO)
def test_demo_devices_read_their_identity(simulator: StartSimulator, profile: str) -> None:
    sim = simulator(profile)
    expected = load_simulator_profiles()[profile].identity
    reading = read_device(sim.path, "iec62056-21")
    assert reading.source == "iec62056-21"
    assert reading.device_json() == {**expected, "source": "iec62056-21"}
    assert reading.raw.startswith("/")
    assert_port_released(sim.path)


@pytest.mark.parametrize("profile", ["escaped-ident", "slow", "no-baud-switch"])
def test_awkward_but_valid_devices_are_read(simulator: StartSimulator, profile: str) -> None:
    sim = simulator(profile)
    reading = read_device(sim.path, "iec62056-21")
    assert reading.device_id == "00-DB-12-34-56-78-B0-01"
    assert reading.firmware_version == "01020003"
    assert_port_released(sim.path)


@pytest.mark.slow
def test_device_that_never_switches_is_caught_in_flight_when_paced(
    simulator: StartSimulator,
) -> None:
    # Paced, the simulator garbles only what it sends while the reader is at the wrong speed,
    # as a real UART would: the reader drops back to 300 baud within the lost STX.
    sim = simulator("no-baud-switch", paced=True)
    reading = read_device(sim.path, "iec62056-21")
    assert reading.device_id == "00-DB-12-34-56-78-B0-01"


@pytest.mark.parametrize(
    ("profile", "error", "words"),
    [
        ("silent", errors.NoAnswer, "did not answer"),
        ("garbage", errors.GarbledAnswer, "unreadable"),
        ("bad-bcc", errors.ChecksumFailed, "checksum"),
        ("unplugged", errors.PortVanished, "unplugged"),
    ],
)
def test_faults_give_clear_errors_and_release_the_port(
    simulator: StartSimulator, profile: str, error: type[errors.DeviceError], words: str
) -> None:
    sim = simulator(profile)
    with pytest.raises(error, match=words) as caught:
        read_device(sim.path, "iec62056-21")
    assert "read again" in str(caught.value).lower() or "plug it back" in str(caught.value)
    if not sim.unplugged:
        assert_port_released(sim.path)


def test_a_device_can_be_read_repeatedly(simulator: StartSimulator) -> None:
    sim = simulator("corvid")
    first = read_device(sim.path, "iec62056-21")
    second = read_device(sim.path, "iec62056-21")
    assert first == second
