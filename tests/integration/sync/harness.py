"""Test harness for sync: real back-office servers on loopback and a fault-injecting proxy.

* :class:`ThreadServer` runs the real FastAPI app under uvicorn in a thread (fast to start).
* :class:`ProcessServer` runs ``installer-app backoffice serve`` as a process that can be killed
  (SIGKILL, mid-request) and restarted on the same port and database.
* :class:`FaultProxy` relays HTTP/1.1 between the client and a server, request by request, and
  can drop the connection before a request reaches the server, half-way through the request,
  after the server answered (so the server has committed, the client never hears), half-way
  through the answer, answer 503 itself, deliver a request twice, or call a hook (kill the
  server) at any of those points.

Everything listens on 127.0.0.1 only, every wait is bounded, and every loop ends.
"""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import httpx

LOOPBACK = "127.0.0.1"
IO_TIMEOUT_S = 20.0


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((LOOPBACK, 0))
        return int(sock.getsockname()[1])


def wait_healthy(
    url: str, timeout: float = 30.0, process: subprocess.Popen[bytes] | None = None
) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"the server process exited with {process.returncode}")
        try:
            if httpx.get(f"{url}/api/v1/health", timeout=1.0).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.05)
    raise RuntimeError(f"{url} did not become healthy in {timeout} s")


class ThreadServer:
    """The real app under uvicorn in a daemon thread, on an ephemeral loopback port."""

    def __init__(self, db_url: str) -> None:
        import uvicorn

        from installer_app.sync.backoffice.app import create_app
        from installer_app.sync.backoffice.store import BackOffice

        self.backoffice = BackOffice(db_url)
        self.app = create_app(db_url, backoffice=self.backoffice)
        # IPPROTO_TCP explicitly: asyncio sets TCP_NODELAY only on sockets that say so.
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind((LOOPBACK, 0))
        self.port = int(self.sock.getsockname()[1])
        self.url = f"http://{LOOPBACK}:{self.port}"
        config = uvicorn.Config(
            self.app, log_level="warning", access_log=False, lifespan="off", timeout_keep_alive=5
        )
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(
            target=self.server.run, kwargs={"sockets": [self.sock]}, daemon=True
        )
        self.thread.start()
        deadline = time.monotonic() + 10
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError("the back office did not start")
            time.sleep(0.01)

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)
        self.sock.close()
        self.backoffice.close()


class ProcessServer:
    """``installer-app backoffice serve`` in its own process: killable, restartable."""

    def __init__(self, db: str, work: Path, port: int | None = None) -> None:
        self.db = db
        self.work = work
        self.port = port or free_port()
        self.url = f"http://{LOOPBACK}:{self.port}"
        self.process: subprocess.Popen[bytes] | None = None
        self.log_path = work / "server.log"
        self.starts = 0

    def start(self) -> None:
        assert self.process is None or self.process.poll() is not None
        self.work.mkdir(parents=True, exist_ok=True)
        env = {**os.environ, "INSTALLER_APP_LOG_DIR": str(self.work / "logs")}
        env.pop("INSTALLER_APP_TOKEN", None)
        command = [sys.executable, "-m", "installer_app", "--data-dir", str(self.work / "bo")]
        command += ["backoffice", "serve", "--db", self.db, "--host", LOOPBACK]
        command += ["--port", str(self.port)]
        with self.log_path.open("ab") as log:
            self.process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, env=env)
        self.starts += 1
        wait_healthy(self.url, process=self.process)

    def kill(self) -> None:
        """SIGKILL: no shutdown, no flush, whatever the server was doing."""
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)

    def log(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace")


# --------------------------------------------------------------------------- the fault proxy

ACTIONS = (
    "drop_before",  # close the client's connection; the request never reaches the server
    "drop_request_midway",  # forward half the request, then close both sides
    "drop_after",  # forward the request, read the server's whole answer, tell the client nothing
    "drop_response_midway",  # forward half of the server's answer, then close
    "status_503",  # answer 503 without asking the server (a load balancer with no backend)
    "replay",  # deliver the request to the server twice; the client gets the second answer
    "kill_in_flight",  # forward the request and at once run the hook (kill the server)
)


@dataclass
class Fault:
    method: str
    path: str  # prefix of the request path (query string excluded)
    action: str
    skip: int = 0  # let this many matching requests through first
    times: int = 1  # then affect this many (-1: every one from then on)
    hook: Callable[[], None] | None = None  # run at the fault point (e.g. kill the server)
    seen: int = 0
    fired: int = 0

    def __post_init__(self) -> None:
        assert self.action in ACTIONS, self.action


@dataclass
class _Message:
    head: bytes
    body: bytes
    method: str = ""
    path: str = ""
    status: int = 0
    close: bool = False

    @property
    def raw(self) -> bytes:
        return self.head + self.body


class _Closed(Exception):
    pass


class _Stream:
    def __init__(self, sock: socket.socket) -> None:
        self.sock = sock
        self.buffer = b""

    def _fill(self) -> None:
        chunk = self.sock.recv(65536)
        if not chunk:
            raise _Closed
        self.buffer += chunk

    def read_until(self, marker: bytes, limit: int = 1 << 20) -> bytes:
        while marker not in self.buffer:
            if len(self.buffer) > limit:
                raise _Closed
            self._fill()
        index = self.buffer.index(marker) + len(marker)
        data, self.buffer = self.buffer[:index], self.buffer[index:]
        return data

    def read_exact(self, count: int) -> bytes:
        while len(self.buffer) < count:
            self._fill()
        data, self.buffer = self.buffer[:count], self.buffer[count:]
        return data

    def read_to_close(self) -> bytes:
        with contextlib.suppress(_Closed, OSError):
            while True:
                self._fill()
        data, self.buffer = self.buffer, b""
        return data


def _headers(head: bytes) -> dict[str, str]:
    lines = head.decode("latin-1").split("\r\n")[1:]
    result: dict[str, str] = {}
    for line in lines:
        if ":" in line:
            name, _, value = line.partition(":")
            result[name.strip().lower()] = value.strip()
    return result


def _read_body(stream: _Stream, headers: dict[str, str], *, until_close: bool) -> bytes:
    if "chunked" in headers.get("transfer-encoding", "").lower():
        parts = []
        while True:
            size_line = stream.read_until(b"\r\n")
            parts.append(size_line)
            size = int(size_line.split(b";")[0].strip() or b"0", 16)
            if size == 0:
                while True:  # trailers, then the empty line
                    line = stream.read_until(b"\r\n")
                    parts.append(line)
                    if line == b"\r\n":
                        return b"".join(parts)
            parts.append(stream.read_exact(size + 2))
    length = headers.get("content-length")
    if length is not None:
        return stream.read_exact(int(length))
    return stream.read_to_close() if until_close else b""


def _read_request(stream: _Stream) -> _Message:
    head = stream.read_until(b"\r\n\r\n")
    request_line = head.split(b"\r\n", 1)[0].decode("latin-1")
    method, target, _ = request_line.split(" ", 2)
    headers = _headers(head)
    body = _read_body(stream, headers, until_close=False)
    return _Message(head, body, method=method, path=target.split("?", 1)[0])


def _read_response(stream: _Stream, method: str) -> _Message:
    head = stream.read_until(b"\r\n\r\n")
    status = int(head.split(b" ", 2)[1])
    headers = _headers(head)
    if method == "HEAD" or status in (204, 304) or 100 <= status < 200:
        body = b""
    else:
        body = _read_body(stream, headers, until_close=True)
    close = headers.get("connection", "").lower() == "close"
    return _Message(head, body, status=status, close=close)


@dataclass
class ProxyEvent:
    method: str
    path: str
    action: str


@dataclass
class FaultProxy:
    """An HTTP/1.1 relay on 127.0.0.1 to ``target_port`` that injects :class:`Fault` s."""

    target_port: int
    faults: list[Fault] = field(default_factory=list)
    events: list[ProxyEvent] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._listener.bind((LOOPBACK, 0))
        self._listener.listen(64)
        self._listener.settimeout(0.05)
        self.port = int(self._listener.getsockname()[1])
        self.url = f"http://{LOOPBACK}:{self.port}"
        self._sockets: set[socket.socket] = set()
        self._threads: list[threading.Thread] = []
        self._acceptor = threading.Thread(target=self._accept, daemon=True)
        self._acceptor.start()

    def add(self, fault: Fault) -> Fault:
        with self._lock:
            self.faults.append(fault)
        return fault

    def clear(self) -> None:
        with self._lock:
            self.faults.clear()
            self.events.clear()

    def fired(self, action: str | None = None) -> list[ProxyEvent]:
        with self._lock:
            return [e for e in self.events if e.action != "pass" and action in (None, e.action)]

    def close(self) -> None:
        self._stop.set()
        self._acceptor.join(timeout=5)
        self._listener.close()
        with self._lock:
            sockets = list(self._sockets)
        for sock in sockets:
            with contextlib.suppress(OSError):
                sock.close()
        for thread in self._threads:
            thread.join(timeout=5)

    def _match(self, method: str, path: str) -> Fault | None:
        with self._lock:
            for fault in self.faults:
                if fault.method not in ("*", method) or not path.startswith(fault.path):
                    continue
                fault.seen += 1
                if fault.seen <= fault.skip:
                    continue
                if fault.times != -1 and fault.fired >= fault.times:
                    continue
                fault.fired += 1
                return fault
        return None

    def _accept(self) -> None:
        while not self._stop.is_set():
            try:
                client, _ = self._listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            client.settimeout(IO_TIMEOUT_S)
            with self._lock:
                self._sockets.add(client)
            thread = threading.Thread(target=self._serve, args=(client,), daemon=True)
            self._threads = [t for t in self._threads if t.is_alive()]
            self._threads.append(thread)
            thread.start()

    def _upstream(self) -> socket.socket:
        sock = socket.create_connection((LOOPBACK, self.target_port), timeout=IO_TIMEOUT_S)
        with self._lock:
            self._sockets.add(sock)
        return sock

    def _serve(self, client: socket.socket) -> None:
        upstream: socket.socket | None = None
        upstream_stream: _Stream | None = None
        client_stream = _Stream(client)

        def connect() -> tuple[socket.socket, _Stream]:
            nonlocal upstream, upstream_stream
            if upstream is not None:
                with contextlib.suppress(OSError):
                    upstream.close()
            upstream = self._upstream()
            upstream_stream = _Stream(upstream)
            return upstream, upstream_stream

        def exchange(request: _Message) -> _Message:
            """Send and read the answer; a kept-alive upstream the server closed is reopened."""
            reused = upstream is not None
            sock, stream = (upstream, upstream_stream) if reused else connect()
            assert sock is not None and stream is not None
            try:
                sock.sendall(request.raw)
                return _read_response(stream, request.method)
            except (_Closed, OSError):
                if not reused or stream.buffer:
                    raise
            sock, stream = connect()
            sock.sendall(request.raw)
            return _read_response(stream, request.method)

        try:
            for _ in range(10_000):  # requests on one kept-alive connection
                try:
                    request = _read_request(client_stream)
                except (_Closed, OSError, ValueError):
                    return
                fault = self._match(request.method, request.path)
                action = fault.action if fault else "pass"
                with self._lock:
                    self.events.append(ProxyEvent(request.method, request.path, action))
                hook = fault.hook if fault else None
                if action == "drop_before":
                    if hook:
                        hook()
                    return
                if action == "status_503":
                    client.sendall(
                        b"HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\n"
                        b"Connection: close\r\n\r\n"
                    )
                    return
                try:
                    if action == "drop_request_midway":
                        sock, _ = connect()
                        raw = request.raw
                        sock.sendall(raw[: max(1, len(raw) // 2)])
                        if hook:
                            hook()
                        return
                    if action == "kill_in_flight":
                        sock, _ = connect()
                        sock.sendall(request.raw)
                        time.sleep(0.01)
                        if hook:
                            hook()
                        return
                    if action == "replay":
                        exchange(request)
                        connect()
                    response = exchange(request)
                except (_Closed, OSError, ValueError):
                    return  # the server went away: so does the client's connection
                if action == "drop_after":
                    if hook:
                        hook()
                    return
                if action == "drop_response_midway":
                    raw = response.raw
                    client.sendall(raw[: max(1, len(raw) // 2)])
                    if hook:
                        hook()
                    return
                client.sendall(response.raw)
                if response.close:
                    return
        except OSError:
            return
        finally:
            for sock in (client, upstream):
                if sock is not None:
                    with contextlib.suppress(OSError):
                        sock.shutdown(socket.SHUT_RDWR)
                    with contextlib.suppress(OSError):
                        sock.close()
                    with self._lock:
                        self._sockets.discard(sock)
