"""Barcode scanner reads against the simulator over real ptys, and port failures."""

from __future__ import annotations

import contextlib
import os
import pty
import threading
import time

import pytest

from installer_app.devices import errors
from installer_app.devices.reader import install_code_problem, read_device
from installer_app.devices.simulator_profiles import load_simulator_profiles
from installer_app.devices.transport import Transport
from tests.integration.devices.conftest import StartSimulator, assert_port_released


@pytest.mark.parametrize("profile", ["halden-s1", "pennant", "stranger"])
def test_scanned_label_gives_device_id_and_checked_install_code(
    simulator: StartSimulator, profile: str
) -> None:
    sim = simulator(profile, "barcode")
    device = load_simulator_profiles()[profile]
    reading = read_device(sim.path, "barcode")
    assert reading.device_id == device.device_id
    assert reading.install_code == device.install_code
    assert reading.install_code_valid is True
    assert reading.raw == device.scan_line()
    assert install_code_problem(reading) is None
    assert_port_released(sim.path)


def test_bad_install_code_is_a_failed_read_to_rescan(simulator: StartSimulator) -> None:
    sim = simulator("bad-install-code", "barcode")
    reading = read_device(sim.path, "barcode")
    assert reading.install_code_valid is False
    problem = install_code_problem(reading)
    assert problem is not None and "Rescan" in problem


def test_garbage_scan_says_to_scan_again(simulator: StartSimulator) -> None:
    sim = simulator("garbage", "barcode")
    with pytest.raises(errors.UnrecognisedScan, match="Scan the Device ID"):
        read_device(sim.path, "barcode")
    assert_port_released(sim.path)


def test_silent_scanner_gives_up_at_the_timeout(simulator: StartSimulator) -> None:
    sim = simulator("silent", "barcode")
    with pytest.raises(errors.NoAnswer, match="No scan arrived"):
        read_device(sim.path, "barcode", timeout=0.5)
    assert_port_released(sim.path)


def test_unplugging_mid_read_says_the_port_vanished(simulator: StartSimulator) -> None:
    sim = simulator("silent", "barcode")
    result: list[BaseException] = []

    waiting = threading.Event()

    def read() -> None:
        try:
            read_device(sim.path, "barcode", timeout=10, on_progress=lambda _: waiting.set())
        except BaseException as exc:  # handed to the test thread
            result.append(exc)

    worker = threading.Thread(target=read)
    worker.start()
    assert waiting.wait(10)  # the reader has the port open and waits for a scan
    sim.stop()  # closes the pty master: the USB adapter is gone
    worker.join(5)
    assert not worker.is_alive()
    assert isinstance(result[0], errors.PortVanished)
    assert "unplugged" in str(result[0])


def test_scan_cut_by_unplugging_says_the_port_vanished(simulator: StartSimulator) -> None:
    sim = simulator("unplugged", "barcode")
    with pytest.raises(errors.PortVanished):
        read_device(sim.path, "barcode")


def test_cancel_stops_a_waiting_read_and_releases_the_port(simulator: StartSimulator) -> None:
    # Uncancelled, a read of a silent device ends in NoAnswer: ReadCancelled proves the cancel.
    sim = simulator("silent", "iec62056-21")
    cancel = threading.Event()
    threading.Timer(0.3, cancel.set).start()
    with pytest.raises(errors.ReadCancelled, match="cancelled"):
        read_device(sim.path, "iec62056-21", cancel=cancel)
    assert_port_released(sim.path)


def test_busy_port_is_reported(simulator: StartSimulator) -> None:
    sim = simulator("halden-s1", "barcode")
    with Transport.open(sim.path, baudrate=9600), pytest.raises(errors.PortBusy, match="in use"):
        read_device(sim.path, "barcode")


def test_missing_port_is_reported() -> None:
    with pytest.raises(errors.PortNotFound, match="plugged in"):
        read_device("/dev/ttyNOSUCHPORT0", "barcode")


def test_permission_denied_says_to_join_dialout() -> None:
    master, slave = pty.openpty()
    path = os.ttyname(slave)
    os.chmod(path, 0o600)
    read_end, write_end = os.pipe()
    child = os.fork()
    if child == 0:  # pragma: no cover - the child reports through the pipe
        message = "no error"
        try:
            if os.geteuid() == 0:  # root opens anything: try as an unprivileged user
                os.setgid(65534)
                os.setuid(65534)
            else:
                os.chmod(path, 0)
            read_device(path, "barcode", timeout=1)
        except errors.DeviceError as exc:
            message = f"{type(exc).__name__}: {exc}"
        except BaseException as exc:
            message = repr(exc)
        os.write(write_end, message.encode())
        os._exit(0)
    os.close(write_end)
    try:
        with os.fdopen(read_end, "rb") as pipe:
            message = pipe.read().decode()
        os.waitpid(child, 0)
    finally:
        os.close(master)
        os.close(slave)
    assert message.startswith("PortPermissionDenied"), message
    assert "sudo usermod -aG dialout $USER" in message


def test_socket_url_port_is_read() -> None:
    # A network serial server: pyserial's socket:// transport, served here by a tiny TCP peer.
    import socket

    server = socket.create_server(("127.0.0.1", 0))
    port = server.getsockname()[1]

    def serve() -> None:  # repeats its scan, as scanners in this app are expected to
        conn, _ = server.accept()
        with conn, contextlib.suppress(OSError):
            for _ in range(50):
                conn.sendall(b"00db12345678b003\r\n")
                time.sleep(0.1)

    threading.Thread(target=serve, daemon=True).start()
    try:
        reading = read_device(f"socket://127.0.0.1:{port}", "barcode", timeout=5)
    finally:
        server.close()
    assert reading.device_id == "00-DB-12-34-56-78-B0-03"
