"""The status bar's fallback network check: a TCP connection to the remembered back office."""

from __future__ import annotations

import socket
from pathlib import Path

from installer_app.services.sync import configure, probe_back_office


def test_probe_says_reachable_unreachable_or_not_configured(tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir()
    assert probe_back_office(data) is None  # no address remembered yet
    with socket.create_server(("127.0.0.1", 0)) as listener:
        port = listener.getsockname()[1]
        configure(data, server=f"http://127.0.0.1:{port}")
        assert probe_back_office(data) is True
        accepted, _ = listener.accept()  # a connection only: nothing was sent
        accepted.settimeout(0.5)
        assert accepted.recv(1) == b""
        accepted.close()
    assert probe_back_office(data) is False  # nothing listens there any more
