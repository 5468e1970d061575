"""User-facing failures of a device read, each saying what happened and what to do next.

All are :class:`~installer_app.errors.UserError` (exit 2 in the CLI, a message box in the GUI);
the subclasses let callers and tests tell them apart.
"""

from __future__ import annotations

from installer_app.errors import UserError


class DeviceError(UserError):
    """A read failed in a way a real device or port produces."""


class PortNotFound(DeviceError):
    """The port does not exist (wrong name, or the adapter is not plugged in)."""


class PortPermissionDenied(DeviceError):
    """The operating system refused access to the port."""


class PortBusy(DeviceError):
    """Another program holds the port."""


class PortVanished(DeviceError):
    """The port went away during the read (USB cable or adapter unplugged)."""


class NoAnswer(DeviceError):
    """Nothing came back within the time the protocol allows."""


class GarbledAnswer(DeviceError):
    """Something came back, but not a message of the expected protocol (noise, wrong speed)."""


class ChecksumFailed(DeviceError):
    """A data block arrived with a BCC that does not match (corrupted on the way)."""


class IncompleteReading(DeviceError):
    """The device answered correctly but did not report a usable Device ID."""


class UnrecognisedScan(DeviceError):
    """The scanner sent a line that no payload parser understands."""


class ReadCancelled(DeviceError):
    """The read was cancelled by the user (GUI cancel button)."""

    def __init__(self) -> None:
        super().__init__("Reading was cancelled; nothing was read.")
