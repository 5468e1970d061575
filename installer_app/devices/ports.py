"""Port discovery for the port picker: what ``serial.tools.list_ports`` sees, plus typed ports.

ptys and network ports (``socket://``, ``rfc2217://``) are never listed by the OS, so the picker
must also accept a typed path or URL: :func:`check_port_text` validates one without opening it.
"""

from __future__ import annotations

from dataclasses import dataclass

from serial.tools import list_ports as _list_ports

from installer_app.devices.transport import is_url

KNOWN_SCHEMES = ("socket", "rfc2217", "loop", "spy", "hwgrep", "alt", "cp2110")


@dataclass(frozen=True, slots=True)
class PortInfo:
    """One port the operating system reports."""

    device: str
    description: str = ""
    vid_pid: str | None = None
    """``VVVV:PPPP`` in upper-case hex for USB devices, else None."""
    serial_number: str | None = None
    manufacturer: str | None = None

    @property
    def label(self) -> str:
        """One line for a picker: ``/dev/ttyUSB0 — FT232R USB UART (0403:6001, SN A1B2)``."""
        serial_number = f"SN {self.serial_number}" if self.serial_number else None
        extras = [x for x in (self.vid_pid, serial_number) if x]
        text = self.device
        if self.description and self.description != "n/a":
            text += f" — {self.description}"
        if extras:
            text += f" ({', '.join(extras)})"
        return text


def list_ports() -> list[PortInfo]:
    """Serial ports the OS lists, sorted by device name (USB adapters, COM ports)."""
    found: list[PortInfo] = []
    for port in _list_ports.comports():
        vid_pid = None
        if port.vid is not None and port.pid is not None:
            vid_pid = f"{port.vid:04X}:{port.pid:04X}"
        found.append(
            PortInfo(
                device=port.device,
                description=port.description or "",
                vid_pid=vid_pid,
                serial_number=port.serial_number or None,
                manufacturer=port.manufacturer or None,
            )
        )
    return sorted(found, key=lambda p: p.device)


def check_port_text(text: str) -> str:
    """A typed port, stripped; ValueError with a fit-to-show message when it cannot be one."""
    port = text.strip()
    if not port:
        raise ValueError("type a port: a device path such as /dev/ttyUSB0 or COM3, or a URL")
    if is_url(port):
        scheme = port.split("://", 1)[0].lower()
        if scheme not in KNOWN_SCHEMES:
            raise ValueError(
                f"{scheme}:// is not a known port URL; use socket://host:port or "
                "rfc2217://host:port"
            )
    return port
