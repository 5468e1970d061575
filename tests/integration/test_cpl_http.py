"""`cpl import https://…`: a real HTTP server on loopback, conditional GET and network faults."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from installer_app.errors import UserError
from installer_app.sync import download, urls
from tests.conftest import BASE_CPL, CPL_HEADER, CliResult, csv_bytes, dump_reference

Cli = Callable[..., CliResult]
BODY = csv_bytes([CPL_HEADER, *BASE_CPL])
NEW_BODY = csv_bytes([CPL_HEADER, *BASE_CPL[:-1]])


class Server:
    """A loopback server whose behaviour each test sets: mode, body, and what it received."""

    def __init__(self) -> None:
        self.mode = "ok"
        self.body = BODY
        self.etag = '"v1"'
        self.requests: list[dict[str, str]] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:
                pass

            def do_GET(self) -> None:
                server.requests.append(dict(self.headers.items()))
                mode = server.mode
                if mode == "500":
                    self.send_response(500)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                if mode == "404":
                    self.send_error(404)
                    return
                if mode == "ok" and self.headers.get("If-None-Match") == server.etag:
                    self.send_response(304)
                    self.send_header("ETag", server.etag)
                    self.end_headers()
                    return
                self.send_response(200)
                self.send_header("Content-Type", "text/csv")
                self.send_header("ETag", server.etag)
                self.send_header("Last-Modified", "Mon, 23 Nov 2026 08:00:00 GMT")
                if mode == "huge":
                    self.send_header("Content-Length", str(10**12))
                    self.end_headers()
                    return
                self.send_header("Content-Length", str(len(server.body)))
                self.end_headers()
                if mode == "drop":
                    # Half the promised body, then the connection goes away.
                    self.wfile.write(server.body[: len(server.body) // 2])
                    self.wfile.flush()
                    self.connection.shutdown(2)
                    self.close_connection = True
                    return
                if mode == "garbage":
                    self.wfile.write(b"\x00" * len(server.body))
                    return
                self.wfile.write(server.body)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/cpl.csv"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def server() -> Iterator[Server]:
    s = Server()
    yield s
    s.close()


def status(cli: Cli) -> dict[str, object]:
    result: dict[str, object] = json.loads(cli("cpl", "status", "--json").out)
    return result


def test_download_import_then_304_confirms(cli: Cli, server: Server) -> None:
    first = cli("cpl", "import", server.url)
    assert first.code == 0, first.err
    assert "8 entries" in first.out
    info = status(cli)
    assert info["etag"] == '"v1"'
    assert info["source"] == server.url
    assert "If-None-Match" not in server.requests[0]

    second = cli("cpl", "import", server.url)
    assert second.code == 0
    assert "304" in second.out
    assert server.requests[1]["If-None-Match"] == '"v1"'
    assert server.requests[1]["If-Modified-Since"] == "Mon, 23 Nov 2026 08:00:00 GMT"
    assert status(cli)["version_id"] == info["version_id"]


def test_changed_content_on_server_replaces_the_list(cli: Cli, server: Server) -> None:
    assert cli("cpl", "import", server.url).code == 0
    server.body, server.etag = NEW_BODY, '"v2"'
    result = cli("cpl", "import", server.url)
    assert result.code == 0 and "7 entries" in result.out
    assert status(cli)["etag"] == '"v2"'


@pytest.mark.parametrize(
    ("mode", "fragment"),
    [
        ("500", "HTTP 500"),
        ("404", "HTTP 404"),
        ("drop", "interrupted"),
        ("huge", "MB"),
        ("garbage", "not a CSV"),
    ],
)
def test_network_faults_change_nothing(
    cli: Cli, server: Server, data_dir: Path, mode: str, fragment: str
) -> None:
    assert cli("cpl", "import", server.url).code == 0
    before = dump_reference(data_dir / "installer.sqlite")
    server.mode, server.body, server.etag = mode, NEW_BODY, '"v2"'
    result = cli("cpl", "import", server.url)
    assert result.code == 2
    assert fragment in result.err, result.err
    assert "nothing was changed" in result.err.lower() or "unchanged" in result.err
    assert dump_reference(data_dir / "installer.sqlite") == before
    leftovers = [p.name for p in data_dir.iterdir() if p.name.startswith(".download-")]
    assert leftovers == []


def test_nothing_listening_is_reported_as_offline(cli: Cli) -> None:
    result = cli("cpl", "import", "http://127.0.0.1:9/cpl.csv")
    assert result.code == 2
    assert "offline" in result.err


def test_download_cap_stops_an_endless_body(server: Server, tmp_path: Path) -> None:
    server.body = BODY * 50
    with pytest.raises(UserError, match="more than"):
        download.fetch(server.url, tmp_path, max_bytes=len(BODY))
    assert list(tmp_path.iterdir()) == []


def test_urls_are_shown_without_credentials_or_query() -> None:
    assert (
        urls.display_url("https://user:secret@cpl.example:8443/list.csv?token=abc")
        == "https://cpl.example:8443/list.csv"
    )
