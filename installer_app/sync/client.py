"""HTTP client for the back office: bearer token, timeouts, bounded retries with backoff.

* The token travels only in the ``Authorization: Bearer`` header; it is never logged, never put
  in a URL and never shown in a message.
* TLS certificates are always verified; plain ``http://`` is accepted only for this computer
  (``localhost``, ``127.x``, ``::1``), so a token never crosses a network unencrypted.
* Connection errors, timeouts, a dropped connection, HTTP 5xx and 429 are retried a bounded
  number of times with exponential backoff and jitter; other 4xx never are (retrying cannot fix
  them). A push can be retried safely because every record carries its idempotency key.
* Answers are read with a size cap and parsed by :mod:`installer_app.sync.protocol`.

Every failure is a :class:`SyncError` whose ``category`` says which of the plain reasons it is
(``offline``, ``token``, ``server``, ``address``, ``cancelled``) and whose text says what to do.
"""

from __future__ import annotations

import functools
import ipaddress
import json
import logging
import random
import ssl
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import httpx

from installer_app import __version__
from installer_app.sync import protocol
from installer_app.sync.pace import HeaderDeadline, Pace
from installer_app.sync.protocol import SyncError as SyncError
from installer_app.sync.urls import display_url

log = logging.getLogger("installer_app.sync")

CONNECT_TIMEOUT_S = 10.0
READ_TIMEOUT_S = 60.0
NOTHING_CHANGED = "Nothing was changed on this device"


def cancelled() -> SyncError:
    return SyncError(
        "sync cancelled. Whatever was finished before is kept; nothing half-done was applied. "
        "Sync again to finish.",
        category="cancelled",
    )


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """``attempts`` tries in all; before try n+1 wait about ``base * 2**n`` (capped), jittered."""

    attempts: int = 4
    base_delay: float = 0.5
    max_delay: float = 8.0
    rng: random.Random = field(default_factory=random.Random, compare=False)

    def delay(self, retry: int, retry_after: float | None = None) -> float:
        ceiling = min(self.max_delay, self.base_delay * float(2 ** min(retry, 30)))
        # "Equal jitter": at least half the backoff, so a fleet of devices spreads out but no
        # device hammers the server.
        wait: float = ceiling / 2 + self.rng.uniform(0, ceiling / 2)
        if retry_after is not None:
            wait = max(wait, min(retry_after, self.max_delay))
        return wait

    def sleep(self, seconds: float, cancel: threading.Event | None) -> None:
        if cancel is None:
            time.sleep(seconds)
        elif cancel.wait(seconds):
            raise cancelled()


def server_root(server: str) -> str:
    """The back office address, checked and normalised (no ``/api/v1``, no trailing slash)."""
    text = server.strip()
    parts = urlsplit(text)
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https") or not parts.hostname:
        raise SyncError(
            f"{text!r} is not a back office address: give it as https://host (or "
            "http://localhost:PORT for a back office on this computer).",
            category="address",
        )
    if parts.username or parts.password or parts.query or parts.fragment:
        raise SyncError(
            "the back office address must not contain a user name, password, '?' or '#': give "
            "the token with --token instead.",
            category="address",
        )
    if scheme == "http" and not _is_loopback(parts.hostname):
        raise SyncError(
            f"{display_url(text)} uses plain http://, which would send your token over the "
            "network unencrypted. Use the https:// address of the back office.",
            category="address",
        )
    try:
        port = parts.port
    except ValueError:
        raise SyncError(f"{text!r} has an invalid port number.", category="address") from None
    host = parts.hostname if ":" not in parts.hostname else f"[{parts.hostname}]"
    path = parts.path.rstrip("/")
    if path.endswith(protocol.API_PREFIX):
        path = path[: -len(protocol.API_PREFIX)]
    return f"{scheme}://{host}{f':{port}' if port else ''}{path}"


def _is_loopback(host: str) -> bool:
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


@functools.lru_cache(maxsize=1)
def _tls_context() -> ssl.SSLContext:
    """The verifying TLS context, built once per process (loading the CA list is slow)."""
    return httpx.create_ssl_context()


def check_token(token: str) -> str:
    token = token.strip()
    if not 8 <= len(token) <= 512 or any(not 0x21 <= ord(ch) <= 0x7E for ch in token):
        raise SyncError(
            "the sync token does not look right (it has spaces or characters a token never "
            "has). Copy it again from the back office and run: installer-app sync --token TOKEN",
            category="token",
        )
    return token


class SyncClient:
    """One back office, one token. Use as a context manager (closes the connection pool)."""

    def __init__(
        self,
        server: str,
        token: str,
        *,
        retry: RetryPolicy | None = None,
        cancel: threading.Event | None = None,
        transport: httpx.BaseTransport | None = None,
        timeout: httpx.Timeout | None = None,
    ) -> None:
        self.root = server_root(server)
        self.shown = display_url(self.root)
        self._token = check_token(token)
        self.retry = retry or RetryPolicy()
        self.cancel = cancel
        self._client = httpx.Client(
            base_url=self.root + protocol.API_PREFIX,
            headers={
                "User-Agent": f"installer-app/{__version__}",
                "Accept": "application/json",
                **self.auth_headers,
            },
            timeout=timeout or httpx.Timeout(READ_TIMEOUT_S, connect=CONNECT_TIMEOUT_S),
            verify=_tls_context(),
            follow_redirects=False,
            transport=transport,
        )
        self._headers = HeaderDeadline()

    @property
    def auth_headers(self) -> dict[str, str]:
        """The header that carries the token (pass it on; never log it)."""
        return {"Authorization": f"Bearer {self._token}"}

    def url(self, path: str) -> str:
        return self.root + protocol.API_PREFIX + path

    def close(self) -> None:
        self._headers.disarm()
        self._client.close()

    def __enter__(self) -> SyncClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ------------------------------------------------------------------ requests

    def get_json(self, path: str, params: Mapping[str, str | int] | None = None) -> Any:
        return self._request("GET", path, params=params)

    def post_json(self, path: str, body: object) -> Any:
        content = json.dumps(body, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
        return self._request("POST", path, content=content)

    def _check_cancel(self) -> None:
        if self.cancel is not None and self.cancel.is_set():
            raise cancelled()

    def _request(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, str | int] | None = None,
        content: bytes | None = None,
    ) -> Any:
        what = f"{method} {protocol.API_PREFIX}{path}"
        last: _Transient | None = None
        for attempt in range(max(1, self.retry.attempts)):
            self._check_cancel()
            if last is not None:
                delay = self.retry.delay(attempt - 1, last.retry_after)
                log.info(
                    "sync: %s failed (%s); retry %d in %.1f s",
                    what,
                    last.error.category,
                    attempt,
                    delay,
                )
                self.retry.sleep(delay, self.cancel)
            try:
                return self._once(method, path, what, params, content)
            except _Transient as exc:
                last = exc
        assert last is not None
        raise last.error

    def _once(
        self,
        method: str,
        path: str,
        what: str,
        params: Mapping[str, str | int] | None,
        content: bytes | None,
    ) -> Any:
        headers = {"Content-Type": "application/json"} if content is not None else None
        started = time.perf_counter()
        try:
            with self._client.stream(
                method,
                path,
                params=params,
                content=content,
                headers=headers,
                extensions={"trace": self._headers.trace},
            ) as response:
                status = response.status_code
                log.info(
                    "sync: %s -> %d (%.0f ms)", what, status, (time.perf_counter() - started) * 1e3
                )
                if status >= 500 or status == 429:
                    raise _Transient(
                        SyncError(
                            f"the back office at {self.shown} has a problem (HTTP {status}). "
                            f"Try again later. {NOTHING_CHANGED} by the unfinished step.",
                            category="server",
                        ),
                        _retry_after_header(response.headers.get("Retry-After")),
                    )
                body = _read_bounded(response, self.cancel, self.shown)
        except httpx.ConnectError as exc:
            if "CERTIFICATE_VERIFY_FAILED" in str(exc) or "certificate" in str(exc).lower():
                raise SyncError(
                    f"the certificate of {self.shown} could not be verified, so the connection "
                    "was refused for safety. Check the address; if it is right, ask the back "
                    f"office to check its certificate. {NOTHING_CHANGED}.",
                    category="server",
                ) from None
            raise _Transient(
                SyncError(
                    f"cannot reach the back office at {self.shown} ({_reason(exc)}). You may be "
                    "offline: everything on site keeps working; sync again when you have a "
                    f"signal. {NOTHING_CHANGED} by the unfinished step.",
                    category="offline",
                )
            ) from None
        except httpx.TimeoutException:
            raise _Transient(
                SyncError(
                    f"the back office at {self.shown} did not answer in time (a weak signal or a "
                    f"busy server). Sync again later. {NOTHING_CHANGED} by the unfinished step.",
                    category="offline",
                )
            ) from None
        except (httpx.NetworkError, httpx.RemoteProtocolError) as exc:
            if self._headers.fired:
                detail = f"no complete answer in {self._headers.seconds:.0f} s"
                raise _too_slow(self.shown, detail) from None
            raise _Transient(
                SyncError(
                    f"the connection to the back office at {self.shown} was cut "
                    f"({_reason(exc)}). Sync again when the signal is steady. {NOTHING_CHANGED} "
                    "by the unfinished step.",
                    category="offline",
                )
            ) from None
        except httpx.HTTPError as exc:
            raise SyncError(
                f"talking to the back office at {self.shown} failed ({_reason(exc)}). "
                f"{NOTHING_CHANGED} by the unfinished step.",
                category="server",
            ) from None
        return self._answer(status, response.headers, body, what)

    def _answer(self, status: int, headers: httpx.Headers, body: bytes, what: str) -> Any:
        if 200 <= status < 300:
            content_type = headers.get("Content-Type", "").split(";")[0].strip().lower()
            if content_type != "application/json":
                raise SyncError(
                    f"{self.shown} answered {what} with something that is not the back office's "
                    f"JSON ({clean(content_type) or 'no type'}). Check the address. "
                    f"{NOTHING_CHANGED}.",
                    category="address",
                )
            return protocol.decode_json(body, what)
        server_says = _server_message(body)
        if status in (401, 403):
            raise SyncError(
                f"the back office refused the sync token (HTTP {status}"
                f"{': ' + server_says if server_says else ''}). The token may be mistyped, "
                "revoked or for another back office: ask the back office for a new one and run "
                f"'installer-app sync --token NEW_TOKEN'. {NOTHING_CHANGED}.",
                category="token",
            )
        if 300 <= status < 400:
            location = headers.get("Location", "")
            where = clean(display_url(location)) if location else "another address"
            raise SyncError(
                f"the back office address {self.shown} redirects to {where}. Use that address "
                f"with --server. {NOTHING_CHANGED}.",
                category="address",
            )
        if status == 404 and server_says is None:
            raise SyncError(
                f"{self.shown} does not look like an installer-app back office (HTTP 404 for "
                f"{what}). Check the address. {NOTHING_CHANGED}.",
                category="address",
            )
        raise SyncError(
            f"the back office refused {what} (HTTP {status}"
            f"{': ' + server_says if server_says else ''}). {NOTHING_CHANGED}; if this keeps "
            "happening, tell the back office support.",
            category="server",
        )


class _Transient(Exception):
    def __init__(self, error: SyncError, retry_after: float | None = None) -> None:
        super().__init__(error.message)
        self.error = error
        self.retry_after = retry_after


def _retry_after_header(value: str | None) -> float | None:
    if value and value.strip().isdigit():
        return float(value.strip())
    return None


def _too_slow(shown: str, detail: str) -> _Transient:
    return _Transient(
        SyncError(
            f"the back office at {shown} sent its answer too slowly ({detail}), so it was given "
            f"up. Sync again when the signal is better. {NOTHING_CHANGED} by the unfinished step.",
            category="offline",
        )
    )


def _read_bounded(response: httpx.Response, cancel: threading.Event | None, shown: str) -> bytes:
    declared = response.headers.get("Content-Length")
    if declared and declared.isdigit() and int(declared) > protocol.MAX_JSON_BYTES:
        raise protocol.ProtocolError(
            f"the back office offered {int(declared):,} bytes in one answer, more than the "
            f"{protocol.MAX_JSON_BYTES:,} allowed. {NOTHING_CHANGED}."
        )
    chunks: list[bytes] = []
    received = 0
    speed = Pace()
    for chunk in response.iter_bytes():  # as it arrives, so a trickle is seen
        if cancel is not None and cancel.is_set():
            raise cancelled()
        received += len(chunk)
        if speed.too_slow(received):
            raise _too_slow(shown, f"{received:,} bytes in {speed.elapsed:.0f} s")
        if received > protocol.MAX_JSON_BYTES:
            raise protocol.ProtocolError(
                f"the back office sent more than {protocol.MAX_JSON_BYTES:,} bytes in one "
                f"answer; it was not read further. {NOTHING_CHANGED}."
            )
        chunks.append(chunk)
    return b"".join(chunks)


def _server_message(body: bytes) -> str | None:
    try:
        return protocol.error_message(json.loads(body[:65536].decode("utf-8")))
    except (UnicodeDecodeError, ValueError, RecursionError):
        return None


def clean(text: str) -> str:
    return protocol.clean_text(text, 120)


def _reason(exc: Exception) -> str:
    text = str(exc).strip()
    return clean(text.splitlines()[0]) if text else type(exc).__name__
