"""Simulated PPMIDs on real ptys, started in-process and always stopped."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest

from installer_app.devices.simulator import Simulator
from installer_app.devices.transport import Transport

StartSimulator = Callable[..., Simulator]


@pytest.fixture
def simulator() -> Iterator[StartSimulator]:
    """``simulator(profile, protocol, **options)`` starts one; all are stopped after the test."""
    started: list[Simulator] = []

    def start(
        profile: str = "halden-s1", protocol: str = "iec62056-21", **options: object
    ) -> Simulator:
        options.setdefault("scan_interval", 0.3)
        sim = Simulator(profile, protocol, **options)  # type: ignore[arg-type]
        sim.start()
        started.append(sim)
        return sim

    yield start
    for sim in started:
        sim.stop()


def assert_port_released(path: str) -> None:
    """The reader closed the port: it can be opened exclusively again."""
    with Transport.open(path, baudrate=9600):
        pass
