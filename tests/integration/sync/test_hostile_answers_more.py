"""More hostile back-office answers, beside ``test_hostile_server.py``: JSON with the wrong
content type, redirects to another host, empty or odd JSON, a compressed bomb, a feed that never
ends, a slow drip of bytes (of the body or of the headers) or no answer at all (slowloris), HTML error pages from a proxy, and a
push answered with garbage. Each is refused with a plain message and nothing is written; a
reference download redirected elsewhere never carries the sync token there."""

from __future__ import annotations

import gzip
import threading
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

from installer_app.services.sync import sync_now
from installer_app.sync import client, pace, protocol
from installer_app.sync.client import SyncError
from tests.integration.sync.conftest import CPL_V2, FAST, local_state, outbox
from tests.integration.sync.test_hostile_server import (  # noqa: F401 - fixtures
    JSON,
    HostileServer,
    Responder,
    answer,
    device,
    hostile,
    job,
    page,
)

TOKEN = "t" * 20


class Recorder:
    """Another host on loopback: records every request it gets, answers with ``body``."""

    def __init__(self, body: bytes = b"", content_type: str = "text/csv") -> None:
        self.requests: list[dict[str, str]] = []
        seen = self.requests

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:
                pass

            def do_GET(self) -> None:
                seen.append({k.lower(): v for k, v in self.headers.items()} | {"path": self.path})
                self.send_response(200)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        threading.Thread(
            target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        ).start()

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def elsewhere() -> Iterator[Recorder]:
    server = Recorder(CPL_V2)
    yield server
    server.close()


@pytest.fixture
def release() -> Iterator[threading.Event]:
    """Set at teardown, so a handler that holds its answer back lets go."""
    event = threading.Event()
    yield event
    event.set()


def redirect(status: int, location: str) -> Responder:
    def respond(handler: BaseHTTPRequestHandler, _body: bytes) -> None:
        handler.send_response(status)
        handler.send_header("Location", location)
        handler.send_header("Content-Length", "0")
        handler.end_headers()

    return respond


def gzip_bomb(handler: BaseHTTPRequestHandler, _body: bytes) -> None:
    """40 MB of JSON white space in 40 kB of gzip: the cap counts what it unpacks to."""
    raw = gzip.compress(b" " * (40 * 1024 * 1024), compresslevel=9)
    handler.send_response(200)
    handler.send_header("Content-Type", JSON)
    handler.send_header("Content-Encoding", "gzip")
    handler.send_header("Content-Length", str(len(raw)))
    handler.end_headers()
    handler.wfile.write(raw)


def _trickle(release: threading.Event, head: bytes, byte: bytes) -> Responder:
    """``head`` at once, then ``byte`` every 20 ms for 20 s (slowloris)."""

    def respond(handler: BaseHTTPRequestHandler, _body: bytes) -> None:
        try:
            handler.wfile.write(head)
            for _ in range(1_000):
                if release.wait(0.02):
                    return
                handler.wfile.write(byte)
                handler.wfile.flush()
        except OSError:
            pass  # the client gave up, as it should

    return respond


def drip(release: threading.Event, content_type: str = JSON) -> Responder:
    """Headers at once, then a byte every 20 ms of a body that claims 1 MB."""
    head = f"HTTP/1.1 200 OK\r\nContent-Type: {content_type}\r\nContent-Length: 1000000\r\n\r\n"
    return _trickle(release, head.encode(), b" ")


def header_drip(release: threading.Event) -> Responder:
    """A status line, then one byte of an endless header every 20 ms: the body never starts."""
    return _trickle(release, b"HTTP/1.1 200 OK\r\nX-Pad: ", b"a")


def silent(release: threading.Event) -> Responder:
    """Reads the request, never answers (until the test ends)."""

    def respond(handler: BaseHTTPRequestHandler, _body: bytes) -> None:
        release.wait(30)

    return respond


def endless_feed(handler: BaseHTTPRequestHandler, _body: bytes) -> None:
    """Two new jobs and a new cursor on every page, for ever."""
    query = parse_qs(urlsplit(handler.path).query)
    n = int(query.get("since", ["e.0"])[0].split(".")[1])
    items = [job(reference=f"J-{n + i}") for i in range(2)]
    answer(200, page(items, cursor=f"e.{n + 2}", more=True))(handler, _body)  # type: ignore[arg-type]


@pytest.fixture
def quick_limits(monkeypatch: pytest.MonkeyPatch) -> None:
    """The slowness limits of the field, shrunk so a slow answer is judged within a second."""
    monkeypatch.setattr(pace, "GRACE_S", 0.3)
    monkeypatch.setattr(pace, "MIN_BYTES_PER_S", 1_000.0)
    monkeypatch.setattr(client, "READ_TIMEOUT_S", 0.3)
    monkeypatch.setattr(pace, "HEADERS_DEADLINE_S", 0.5)


PULL_CASES: dict[str, tuple[str, Callable[[threading.Event], Responder], list[str], str]] = {
    # name: (path, responder, fragments of the message, category)
    "me-json-as-text-plain": (
        "/api/v1/me",
        lambda _: answer(200, {"installer_id": "INST-1", "token_id": "abc"}, "text/plain"),
        ["not the back office's JSON", "text/plain"],
        "address",
    ),
    "me-json-with-no-type": (
        "/api/v1/me",
        lambda _: answer(200, {"installer_id": "INST-1", "token_id": "abc"}, ""),
        ["not the back office's JSON"],
        "address",
    ),
    "me-301-elsewhere": (
        "/api/v1/me",
        lambda _: redirect(301, "https://evil.example/api/v1/me"),
        ["redirects to https://evil.example"],
        "address",
    ),
    "me-307-elsewhere": (
        "/api/v1/me",
        lambda _: redirect(307, "http://198.51.100.7/steal"),
        ["redirects to http://198.51.100.7"],
        "address",
    ),
    "me-empty-body": ("/api/v1/me", lambda _: answer(200, b""), ["not valid JSON"], "server"),
    "me-null": ("/api/v1/me", lambda _: answer(200, b"null"), ["expected a JSON object"], "server"),
    "me-list": ("/api/v1/me", lambda _: answer(200, b"[]"), ["expected a JSON object"], "server"),
    "me-5000-digit-number": (
        "/api/v1/me",
        lambda _: answer(200, b'{"installer_id": ' + b"9" * 5000 + b"}"),
        ["not valid JSON"],
        "server",
    ),
    "me-not-utf-8": (
        "/api/v1/me",
        lambda _: answer(200, b'{"installer_id": "\xff\xfe", "token_id": "x"}'),
        ["not valid JSON"],
        "server",
    ),
    "me-nan": (
        "/api/v1/me",
        lambda _: answer(200, b'{"installer_id": NaN, "token_id": "x"}'),
        ["must be text"],
        "server",
    ),
    "me-403-html-proxy-page": (
        "/api/v1/me",
        lambda _: answer(403, b"<html><body>\x1b[2JAccess denied</body></html>", "text/html"),
        ["refused the sync token (HTTP 403)"],
        "token",
    ),
    "jobs-502-html-proxy-page": (
        "/api/v1/jobs",
        lambda _: answer(502, b"<html><h1>Bad Gateway</h1></html>", "text/html"),
        ["has a problem (HTTP 502)"],
        "server",
    ),
    "jobs-gzip-bomb": (
        "/api/v1/jobs",
        lambda _: gzip_bomb,
        [f"more than {protocol.MAX_JSON_BYTES:,} bytes"],
        "server",
    ),
    "jobs-slow-drip": ("/api/v1/jobs", drip, ["too slowly"], "offline"),
    "me-headers-drip": ("/api/v1/me", header_drip, ["too slowly"], "offline"),
    "jobs-headers-drip": ("/api/v1/jobs", header_drip, ["too slowly"], "offline"),
    "jobs-no-answer": ("/api/v1/jobs", silent, ["did not answer in time"], "offline"),
    "reference-index-slow-drip": ("/api/v1/reference", drip, ["too slowly"], "offline"),
}


@pytest.mark.parametrize("case", list(PULL_CASES))
def test_a_hostile_answer_to_a_pull_is_refused_and_nothing_is_written(
    hostile: HostileServer,  # noqa: F811
    device: Path,  # noqa: F811
    release: threading.Event,
    quick_limits: None,
    case: str,
) -> None:
    path, make, fragments, category = PULL_CASES[case]
    hostile.routes[path] = make(release)
    before = local_state(device)
    with pytest.raises(SyncError) as failure:
        sync_now(device, server=hostile.url, token=TOKEN, retry=FAST)
    message = failure.value.message
    for fragment in fragments:
        assert fragment in message, (fragment, message)
    assert failure.value.category == category, message
    assert "\x1b" not in message and "<html" not in message and TOKEN not in message
    assert local_state(device) == before  # ("too slowly" shows the speed floor cut it short)


def test_a_feed_that_never_ends_is_refused_at_the_item_limit(
    hostile: HostileServer,  # noqa: F811
    device: Path,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(protocol, "MAX_FEED_ITEMS", 9)
    hostile.routes["/api/v1/jobs"] = endless_feed
    before = local_state(device)
    with pytest.raises(SyncError, match="more than 9 jobs"):
        sync_now(device, server=hostile.url, token=TOKEN, retry=FAST, page_limit=2)
    assert local_state(device) == before


PUSH_ANSWERS: dict[str, tuple[Callable[[threading.Event], Responder], str]] = {
    "html-page": (
        lambda _: answer(200, "<html>Welcome to the hotel Wi-Fi</html>", "text/html"),
        "not the back office's JSON",
    ),
    "not-json": (lambda _: answer(200, b"{results: ["), "not valid JSON"),
    "results-not-a-list": (
        lambda _: answer(200, {"results": "all stored"}),
        "'results' must be a list",
    ),
    "slow-drip": (drip, "too slowly"),
    "headers-drip": (header_drip, "too slowly"),
    "no-answer": (silent, "did not answer in time"),
}


@pytest.mark.parametrize("case", list(PUSH_ANSWERS))
def test_a_hostile_answer_to_a_push_marks_nothing_sent(
    hostile: HostileServer,  # noqa: F811
    device: Path,  # noqa: F811
    release: threading.Event,
    quick_limits: None,
    case: str,
) -> None:
    make, expected = PUSH_ANSWERS[case]
    hostile.routes["/api/v1/outbox"] = make(release)
    with pytest.raises(SyncError) as failure:
        sync_now(device, server=hostile.url, token=TOKEN, retry=FAST)
    assert expected in failure.value.message, failure.value.message
    assert not any(outbox(device).values())


REFERENCE_INDEX = {"lists": [{"kind": "cpl", "etag": '"v2"', "sha256": "0" * 64, "rows": 6}]}


@pytest.mark.parametrize("where", ["body", "headers"])
def test_a_reference_list_sent_in_a_slow_drip_is_given_up_and_nothing_changes(
    hostile: HostileServer,  # noqa: F811
    device: Path,  # noqa: F811
    release: threading.Event,
    quick_limits: None,
    where: str,
) -> None:
    hostile.routes["/api/v1/reference"] = answer(200, REFERENCE_INDEX)
    slow = drip(release, "text/csv") if where == "body" else header_drip(release)
    hostile.routes["/api/v1/reference/cpl"] = slow
    before = local_state(device)
    with pytest.raises(SyncError) as failure:
        sync_now(device, server=hostile.url, token=TOKEN, retry=FAST)
    assert "too slowly" in failure.value.message and failure.value.category == "offline"
    assert local_state(device) == before
    assert not list(device.glob(".download-*")), "a partial download was left behind"


def test_a_reference_download_redirected_elsewhere_never_carries_the_token(
    hostile: HostileServer,  # noqa: F811
    device: Path,  # noqa: F811
    elsewhere: Recorder,
) -> None:
    """A back office may hand a big list to another host (a CDN); the token stays home."""
    hostile.routes["/api/v1/reference"] = answer(200, REFERENCE_INDEX)
    hostile.routes["/api/v1/reference/cpl"] = redirect(302, f"{elsewhere.url}/cpl.csv")
    report = sync_now(device, server=hostile.url, token=TOKEN, retry=FAST)
    assert elsewhere.requests, "the redirect was not followed"
    for request in elsewhere.requests:
        assert "authorization" not in request, request
        assert TOKEN not in str(request)
    assert report.reference["cpl"].startswith("CPL imported"), report.reference
