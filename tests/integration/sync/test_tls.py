"""TLS is verified on every connection to a back office or a list's address: a server whose
certificate this laptop does not trust is refused before any request (so before the token is
sent), with a plain message, and nothing changes. Trusting a private CA is explicit:
``SSL_CERT_FILE`` names it."""

from __future__ import annotations

import json
import os
import shutil
import ssl
import subprocess
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from installer_app.services.sync import sync_now
from installer_app.sync.client import SyncError
from tests.integration.sync.conftest import FAST, local_state, queue_records

pytestmark = pytest.mark.skipif(shutil.which("openssl") is None, reason="needs the openssl tool")


class _Server:
    """HTTPS on loopback with a self-signed certificate; records every request it reads."""

    def __init__(self, work: Path) -> None:
        self.cert, key = work / "cert.pem", work / "key.pem"
        subprocess.run(
            ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
             "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
             "-keyout", str(key), "-out", str(self.cert)],
            check=True, capture_output=True,
        )  # fmt: skip
        self.requests: list[str] = []
        seen = self.requests

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:
                pass

            def do_GET(self) -> None:
                seen.append(f"{self.path} {self.headers.get('Authorization', '')}")
                body = b'{"installer_id": "INST-TLS", "token_id": "abc"}'
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(self.cert, key)
        self.httpd.socket = context.wrap_socket(self.httpd.socket, server_side=True)
        self.url = f"https://127.0.0.1:{self.httpd.server_address[1]}"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def https(tmp_path: Path) -> Iterator[_Server]:
    server = _Server(tmp_path)
    yield server
    server.close()


TOKEN = "ia1.0011223344556677.tls-test-secret-never-sent"


def test_a_back_office_with_an_untrusted_certificate_is_refused_before_the_token_is_sent(
    https: _Server, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("SSL_CERT_FILE", raising=False)
    monkeypatch.delenv("SSL_CERT_DIR", raising=False)
    device = tmp_path / "device"
    queue_records(device, 3)
    before = local_state(device)
    with pytest.raises(SyncError) as refused:
        sync_now(device, server=https.url, token=TOKEN, retry=FAST)
    assert (
        "certificate" in refused.value.message and "could not be verified" in refused.value.message
    )
    assert https.requests == []  # no request, so no token, reached the server
    assert local_state(device) == before


def test_a_list_download_from_an_untrusted_server_is_refused_and_changes_nothing(
    https: _Server, tmp_path: Path
) -> None:
    env = {k: v for k, v in os.environ.items() if k not in ("SSL_CERT_FILE", "SSL_CERT_DIR")}
    env["INSTALLER_APP_LOG_DIR"] = str(tmp_path / "logs")
    data = tmp_path / "data"
    result = subprocess.run(
        [sys.executable, "-m", "installer_app", "--data-dir", str(data), "cpl", "import",
         f"{https.url}/cpl.csv"],
        capture_output=True, text=True, timeout=60, env=env,
    )  # fmt: skip
    assert result.returncode == 2, result.stderr
    assert "certificate" in result.stderr and "Traceback" not in result.stderr
    assert https.requests == []
    status = subprocess.run(
        [sys.executable, "-m", "installer_app", "--data-dir", str(data), "cpl", "status", "--json"],
        capture_output=True, text=True, timeout=60, env=env,
    )  # fmt: skip
    stored = json.loads(status.stdout)
    assert (stored["version"], stored["rows"]) == (None, 0)
    assert not [p for p in data.rglob("*") if p.name.endswith(".part")]  # no download left


def test_a_private_ca_is_trusted_only_when_named_in_ssl_cert_file(
    https: _Server, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from installer_app.sync import client

    monkeypatch.setenv("SSL_CERT_FILE", str(https.cert))
    client._tls_context.cache_clear()
    try:
        with client.SyncClient(https.url, TOKEN, retry=FAST) as connection:
            assert connection.get_json("/me") == {"installer_id": "INST-TLS", "token_id": "abc"}
    finally:
        client._tls_context.cache_clear()
    assert https.requests == [f"/api/v1/me Bearer {TOKEN}"]
