"""What the port picker offers: ports the OS lists, a typed path or URL, and (demo) simulated
PPMIDs served in-process on ptys. No Qt here; safe to call from a worker thread."""

from __future__ import annotations

import logging
import sys
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from installer_app.errors import UserError
from installer_app.services import devices as device_service

log = logging.getLogger(__name__)

SIM_PREFIX = "sim:"
BARCODE = "barcode"
OPTICAL = "iec62056-21"
PROTOCOLS: tuple[tuple[str, str], ...] = (
    (BARCODE, "Barcode scanner"),
    (OPTICAL, "Optical probe (IEC 62056-21)"),
)
PROTOCOL_NAMES = dict(PROTOCOLS)


@dataclass(frozen=True, slots=True)
class PortChoice:
    """One entry of the port picker: ``key`` is a device path, a URL or ``sim:<profile>``."""

    key: str
    label: str

    @property
    def simulated(self) -> bool:
        return self.key.startswith(SIM_PREFIX)


def detected_ports() -> list[PortChoice]:
    """Serial ports the operating system lists, with their descriptions (may take a moment)."""
    return [PortChoice(p.device, p.label) for p in device_service.list_ports()]


def check_typed_port(text: str) -> str:
    """A typed device path or URL, cleaned; UserError (fit to show) when it cannot be one."""
    try:
        return device_service.check_port_text(text)
    except ValueError as exc:
        raise UserError(f"Port: {exc}.") from None


class SimulatorPorts:
    """Simulated PPMIDs for the demo, started on first use and stopped with the app.

    One simulator per (profile, protocol): the port picker names the device, the protocol
    picker says whether it behaves as a scanner or an optical port.
    """

    def __init__(self, options: Mapping[str, Any] | None = None) -> None:
        self._options = dict(options or {})
        self._running: dict[tuple[str, str], Any] = {}
        self._lock = threading.Lock()

    @staticmethod
    def available() -> bool:
        """Simulated devices are served on a pty: Linux and macOS, not Windows."""
        return sys.platform != "win32"

    def choices(self) -> list[PortChoice]:
        if not self.available():
            return []
        devices, faults = [], []
        for name, device in device_service.simulator_profiles().items():
            if device.fault is None and name not in ("escaped-ident", "bad-install-code"):
                devices.append(
                    PortChoice(SIM_PREFIX + name, f"Simulator {name} · {device.description}")
                )
            else:
                faults.append(
                    PortChoice(SIM_PREFIX + name, f"Simulated fault {name} · {device.description}")
                )
        return devices + faults

    def path_for(self, profile: str, protocol: str) -> str:
        """The pty path of the simulator for ``profile`` speaking ``protocol`` (started now if
        needed; a simulator that stopped, e.g. after an 'unplugged' fault, is started again)."""
        key = (profile, protocol)
        with self._lock:
            simulator = self._running.get(key)
            if simulator is not None and not simulator.running:
                simulator.stop()
                simulator = None
            if simulator is None:
                try:
                    simulator = device_service.simulator(profile, protocol, **self._options)
                except ValueError as exc:
                    raise UserError(f"Cannot start the simulated device: {exc}.") from None
                simulator.start()
                log.info("simulator %s (%s) on %s", profile, protocol, simulator.path)
                self._running[key] = simulator
            return str(simulator.path)

    def stop_all(self) -> None:
        with self._lock:
            running = list(self._running.values())
            self._running.clear()
        for simulator in running:
            simulator.stop()


def resolve(key: str, protocol: str, simulators: SimulatorPorts | None) -> str:
    """The path or URL a reader opens for a picker key."""
    if key.startswith(SIM_PREFIX):
        if simulators is None:
            raise UserError(
                "Simulated devices are only offered in demo mode (installer-app gui --demo)."
            )
        return simulators.path_for(key[len(SIM_PREFIX) :], protocol)
    return check_typed_port(key)
