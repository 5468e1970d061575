"""What the desktop app needs from the devices layer: ports, typed label payloads, the
demo's simulated PPMIDs, and the read errors it treats specially. The UI goes through here
(ui -> services -> devices), never to ``installer_app.devices`` directly."""

from __future__ import annotations

from typing import Any

from installer_app.devices.errors import NoAnswer, ReadCancelled
from installer_app.devices.ports import PortInfo, check_port_text, list_ports
from installer_app.domain.model import DeviceReading
from installer_app.errors import UserError

__all__ = [
    "NoAnswer",
    "PortInfo",
    "ReadCancelled",
    "check_port_text",
    "install_code_problem",
    "list_ports",
    "parse_label",
    "read",
    "serve_simulator",
    "simulator",
    "simulator_profiles",
]


def read(port: str, protocol: str, *, timeout: float | None = None) -> DeviceReading:
    """Read one device; a bad install code is returned (``install_code_valid`` False), so
    the caller can show what was read before saying to rescan (see install_code_problem)."""
    from installer_app.devices.reader import read_device

    return read_device(port, protocol, timeout=timeout)


def install_code_problem(reading: DeviceReading) -> str | None:
    from installer_app.devices.reader import install_code_problem as problem

    return problem(reading)


def serve_simulator(profile: str, protocol: str, **options: Any) -> int:
    """Serve a simulated PPMID on a new pty until stopped (the ``simulate ppmid`` command)."""
    from installer_app.devices.simulator import serve

    return serve(profile, protocol, **options)


def parse_label(text: str) -> DeviceReading:
    """A label payload typed by a keyboard-wedge scanner (``Z:…$I:…``), install code checked."""
    from installer_app.devices import barcode, reader

    scanned = barcode.parse_scan(text)
    problem = reader.install_code_problem(scanned)
    if problem:
        raise UserError(problem)
    return scanned


def simulator_profiles() -> dict[str, Any]:
    """The simulated devices by profile name (each has ``description`` and ``fault``)."""
    from installer_app.devices.simulator_profiles import load_simulator_profiles

    return dict(load_simulator_profiles())


def simulator(profile: str, protocol: str, **options: Any) -> Any:
    """A simulated PPMID (not started): ``.start()`` gives its pty path, ``.stop()`` ends it."""
    from installer_app.devices.simulator import Simulator

    return Simulator(profile, protocol, **options)
