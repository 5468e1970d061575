"""Every way opening a port fails becomes a message that says what to do."""

from __future__ import annotations

import errno

import pytest
import serial

from installer_app.devices import errors
from installer_app.devices.ports import check_port_text, list_ports
from installer_app.devices.transport import is_url, open_error


def _serial_error(code: int) -> serial.SerialException:
    return serial.SerialException(code, f"could not open port /dev/ttyUSB0: [Errno {code}]")


def test_permission_denied_says_how_to_join_dialout() -> None:
    error = open_error("/dev/ttyUSB0", _serial_error(errno.EACCES))
    assert isinstance(error, errors.PortPermissionDenied)
    assert "sudo usermod -aG dialout $USER" in str(error)
    assert "log out" in str(error)


@pytest.mark.parametrize("code", [errno.EBUSY, errno.EAGAIN])
def test_busy_port_says_to_close_the_other_program(code: int) -> None:
    error = open_error("/dev/ttyUSB0", _serial_error(code))
    assert isinstance(error, errors.PortBusy)
    assert "in use by another program" in str(error)


@pytest.mark.parametrize("code", [errno.ENOENT, errno.ENODEV, errno.ENXIO])
def test_missing_port_says_to_plug_in_and_pick_again(code: int) -> None:
    error = open_error("/dev/ttyUSB0", _serial_error(code))
    assert isinstance(error, errors.PortNotFound)
    assert "plugged in" in str(error)


def test_windows_access_denied_is_a_busy_port(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("sys.platform", "win32")
    exc = serial.SerialException(
        "could not open port 'COM3': PermissionError(13, 'Access is denied.', None, 5)"
    )
    assert isinstance(open_error("COM3", exc), errors.PortBusy)


def test_unknown_url_scheme_is_a_clear_error() -> None:
    error = open_error("foo://x", ValueError("invalid URL, protocol 'foo' not known"))
    assert "socket://host:port" in str(error)


def test_typed_ports_and_urls() -> None:
    assert is_url("socket://localhost:7000") and not is_url("/dev/pts/3")
    assert check_port_text("  COM3 ") == "COM3"
    assert check_port_text("rfc2217://host:2217") == "rfc2217://host:2217"
    with pytest.raises(ValueError):
        check_port_text("  ")
    with pytest.raises(ValueError):
        check_port_text("http://example.org")


def test_list_ports_gives_labels() -> None:
    for port in list_ports():  # whatever this machine has; ptys are never listed
        assert port.label.startswith(port.device)
