"""A back office that answers nonsense: every answer is refused with a clear message and
nothing is written on the device."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from installer_app import services
from installer_app.services.sync import sync_now
from installer_app.store.db import Database
from installer_app.sync.client import SyncError
from tests.integration.sync.conftest import CPL_V1, FAST, local_state, outbox, queue_records, write

Responder = Callable[[BaseHTTPRequestHandler, bytes], None]
JSON = "application/json"


def answer(status: int, body: bytes | str | object, content_type: str = JSON) -> Responder:
    data = (
        body if isinstance(body, bytes) else (body if isinstance(body, str) else json.dumps(body))
    )
    raw = data.encode() if isinstance(data, str) else data

    def respond(handler: BaseHTTPRequestHandler, _body: bytes) -> None:
        handler.send_response(status)
        handler.send_header("Content-Type", content_type)
        handler.send_header("Content-Length", str(len(raw)))
        handler.end_headers()
        handler.wfile.write(raw)

    return respond


def echo_push(results: Callable[[list[dict[str, Any]]], object]) -> Responder:
    def respond(handler: BaseHTTPRequestHandler, body: bytes) -> None:
        records = json.loads(body)["records"]
        answer(200, results(records))(handler, body)

    return respond


def good_push(records: list[dict[str, Any]]) -> object:
    return {
        "results": [{"idempotency_key": r["idempotency_key"], "status": "stored"} for r in records]
    }


EMPTY_PAGE = {"items": [], "next_cursor": "e.0", "has_more": False}
GOOD: dict[str, Responder] = {
    "/api/v1/me": answer(200, {"installer_id": "INST-1", "token_id": "abc"}),
    "/api/v1/reference": answer(200, {"lists": []}),
    "/api/v1/jobs": answer(200, EMPTY_PAGE),
    "/api/v1/prenotifications": answer(200, EMPTY_PAGE),
    "/api/v1/outbox": echo_push(good_push),
}


class HostileServer:
    def __init__(self) -> None:
        self.routes: dict[str, Responder] = dict(GOOD)
        routes = self.routes

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: object) -> None:
                pass

            def _handle(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                path = self.path.split("?", 1)[0]
                responder = routes.get(path, answer(404, b"", "text/plain"))
                responder(self, body)

            do_GET = _handle
            do_POST = _handle

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(
            target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self.thread.start()

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def hostile() -> Iterator[HostileServer]:
    server = HostileServer()
    yield server
    server.close()


@pytest.fixture
def device(tmp_path: Path) -> Path:
    """A device with a CPL, a job and records waiting: what a bad answer must not touch."""
    data_dir = tmp_path / "device"
    with Database(data_dir) as db:
        services.import_reference(db, "cpl", write(tmp_path / "cpl.csv", CPL_V1))
    queue_records(data_dir, 4)
    return data_dir


def job(**changes: object) -> dict[str, object]:
    return {
        "reference": "J-1", "address": "1 Road", "installation": "SMETS1", "cohort": "FOC",
        "comms_hub_id": None, "meter_ids": [], "expected_ppmid_id": None,
        "scheduled_for": "2026-11-24", **changes,
    }  # fmt: skip


def record(**changes: object) -> dict[str, object]:
    return {
        "device_id": "00-DB-12-34-56-78-90-A0", "device_type": "PPMID", "manufacturer": "10E0",
        "model": "00090100", "firmware_version": None, "smets_chts_version": None,
        "status": "Pending", "s1sp": None, "csp_region": None, "cpl_status": None,
        "job_reference": None, "source": "CSV", "source_file": "x.csv", **changes,
    }  # fmt: skip


def page(items: list[object], cursor: object = "e.9", more: object = False) -> dict[str, object]:
    return {"items": items, "next_cursor": cursor, "has_more": more}


def oversized(handler: BaseHTTPRequestHandler, _body: bytes) -> None:
    handler.send_response(200)
    handler.send_header("Content-Type", JSON)
    handler.send_header("Content-Length", str(10**11))
    handler.end_headers()


def endless_stream(handler: BaseHTTPRequestHandler, _body: bytes) -> None:
    handler.send_response(200)
    handler.send_header("Content-Type", JSON)
    handler.send_header("Transfer-Encoding", "chunked")
    handler.end_headers()
    chunk = b" " * 1_048_576
    try:
        for _ in range(40):  # 40 MB, more than the 32 MB cap
            handler.wfile.write(f"{len(chunk):x}\r\n".encode() + chunk + b"\r\n")
    except OSError:
        pass  # the client hung up, as it should


PULL_CASES: dict[str, tuple[str, Responder, str]] = {
    "me-not-json": ("/api/v1/me", answer(200, b"{not json"), "not valid JSON"),
    "me-html": ("/api/v1/me", answer(200, "<html>hi</html>", "text/html"), "not the back office's JSON"),
    "me-wrong-type": ("/api/v1/me", answer(200, {"installer_id": 42, "token_id": "x"}), "must be text"),
    "me-deep-nesting": ("/api/v1/me", answer(200, "[" * 100_000), "not valid JSON"),
    "me-404": ("/api/v1/me", answer(404, b"", "text/plain"), "does not look like an installer-app back office"),
    "me-redirect": ("/api/v1/me", answer(302, b"", "text/plain"), "redirects"),
    "index-wrong": ("/api/v1/reference", answer(200, {"lists": "all"}), "'lists'"),
    "jobs-items-object": ("/api/v1/jobs", answer(200, page({})), "'items' must be a list"),  # type: ignore[arg-type]
    "jobs-page-too-big": ("/api/v1/jobs", answer(200, page([job(reference=f"J{i}") for i in range(501)])), "more than the 500"),
    "jobs-bad-installation": ("/api/v1/jobs", answer(200, page([job(installation="SMETS9")])), "SMETS1 or SMETS2+"),
    "jobs-reference-list": ("/api/v1/jobs", answer(200, page([job(reference=["x"])])), "must be text"),
    "jobs-no-cursor": ("/api/v1/jobs", answer(200, page([job()], cursor=None)), "next_cursor"),
    "jobs-has-more-string": ("/api/v1/jobs", answer(200, page([job()], more="yes")), "has_more"),
    "jobs-endless": ("/api/v1/jobs", answer(200, page([job()], cursor="e.1", more=True)), "did not move on"),
    "jobs-declares-100-GB": ("/api/v1/jobs", oversized, "more than the"),
    "jobs-streams-40-MB": ("/api/v1/jobs", endless_stream, "more than 33,554,432 bytes"),
    "jobs-500": ("/api/v1/jobs", answer(500, b"", "text/plain"), "has a problem (HTTP 500)"),
    "jobs-400-with-message": ("/api/v1/jobs", answer(400, {"error": {"code": "x", "message": "bad\x1b[31m cursor"}}), "HTTP 400: bad"),
    "records-bad-device-id": ("/api/v1/prenotifications", answer(200, page([record(device_id="XYZ")])), "not a Device ID"),
    "records-bad-source": ("/api/v1/prenotifications", answer(200, page([record(source="FTP")])), "'source'"),
    "records-long-model": ("/api/v1/prenotifications", answer(200, page([record(model="A" * 31)])), "longer than 30"),
}  # fmt: skip


@pytest.mark.parametrize("case", list(PULL_CASES))
def test_a_bad_answer_to_a_pull_is_refused_and_nothing_is_written(
    hostile: HostileServer, device: Path, case: str
) -> None:
    path, responder, expected = PULL_CASES[case]
    hostile.routes[path] = responder
    before = local_state(device)
    with pytest.raises(SyncError) as failure:
        sync_now(device, server=hostile.url, token="t" * 20, retry=FAST)
    assert expected in failure.value.message, failure.value.message
    assert failure.value.category in ("server", "address")
    assert "\x1b" not in failure.value.message
    assert local_state(device) == before


PUSH_CASES: dict[str, tuple[Callable[[list[dict[str, Any]]], object], str]] = {
    "no-results": (lambda records: {}, "'results' must be a list"),
    "too-few": (lambda records: good_push(records[:-1]), "results for"),  # type: ignore[dict-item]
    "unknown-key": (
        lambda records: {"results": [{"idempotency_key": "x", "status": "stored"} for _ in records]},
        "not sent",
    ),
    "twice": (
        lambda records: {"results": [{"idempotency_key": records[0]["idempotency_key"], "status": "stored"}] * len(records)},
        "twice",
    ),
    "bad-status": (
        lambda records: {"results": [{"idempotency_key": r["idempotency_key"], "status": "ok"} for r in records]},
        "status",
    ),
}  # fmt: skip


@pytest.mark.parametrize("case", list(PUSH_CASES))
def test_a_bad_answer_to_a_push_marks_nothing_sent(
    hostile: HostileServer, device: Path, case: str
) -> None:
    results, expected = PUSH_CASES[case]
    hostile.routes["/api/v1/outbox"] = echo_push(results)
    with pytest.raises(SyncError) as failure:
        sync_now(device, server=hostile.url, token="t" * 20, retry=FAST)
    assert expected in failure.value.message, failure.value.message
    assert not any(outbox(device).values())


def test_a_rejected_record_stays_on_the_device_and_the_rest_is_sent(
    hostile: HostileServer, device: Path
) -> None:
    def one_rejected(records: list[dict[str, Any]]) -> object:
        statuses = ["rejected"] + ["stored"] * (len(records) - 1)
        return {
            "results": [
                {"idempotency_key": r["idempotency_key"], "status": s, "message": "no \x07 thanks"}
                for r, s in zip(records, statuses, strict=True)
            ]
        }

    hostile.routes["/api/v1/outbox"] = echo_push(one_rejected)
    report = sync_now(device, server=hostile.url, token="t" * 20, retry=FAST)
    assert not report.ok and report.pending == 1 and report.stored == 3
    assert "stay on this device" in report.problems[0] and "\x07" not in report.problems[0]
    assert sum(1 for sent in outbox(device).values() if not sent) == 1


def test_a_reference_list_the_app_cannot_read_is_refused_and_the_rest_goes_on(
    hostile: HostileServer, device: Path
) -> None:
    hostile.routes["/api/v1/reference"] = answer(
        200, {"lists": [{"kind": "cpl", "etag": '"x"', "sha256": "0" * 64, "rows": 1}]}
    )
    hostile.routes["/api/v1/reference/cpl"] = answer(200, b"not,a\ncpl,file\n", "text/csv")
    cpl_before = local_state(device)["cpl_entry"]
    report = sync_now(device, server=hostile.url, token="t" * 20, retry=FAST)
    assert not report.ok and "CPL is unchanged" in report.problems[0]
    assert local_state(device)["cpl_entry"] == cpl_before
    assert report.stored == 4 and all(outbox(device).values())
