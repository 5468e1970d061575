"""Fetch a reference list over HTTP(S): conditional, bounded, verified, written to a temp file.

TLS certificates are always verified (no switch to turn that off). The body is streamed to a
temporary file beside the database and handed over only when complete: a dropped connection, a
body over the size cap or an error status leaves nothing behind and changes nothing.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import httpx

from installer_app import __version__
from installer_app.errors import UserError
from installer_app.sync.pace import HeaderDeadline, Pace
from installer_app.sync.urls import display_url, is_url

MAX_DOWNLOAD_BYTES = 256 * 1024 * 1024
CONNECT_TIMEOUT_S = 10.0
READ_TIMEOUT_S = 30.0


@dataclass(frozen=True, slots=True)
class Download:
    """A finished download (``path`` set) or a 304 Not Modified (``path`` is None)."""

    url: str
    path: Path | None
    etag: str | None
    last_modified: str | None

    @property
    def not_modified(self) -> bool:
        return self.path is None


def fetch(
    url: str,
    dest_dir: Path,
    *,
    etag: str | None = None,
    last_modified: str | None = None,
    max_bytes: int = MAX_DOWNLOAD_BYTES,
    progress: Callable[[int, int | None], None] | None = None,
    cancel: threading.Event | None = None,
    headers: dict[str, str] | None = None,
    transport: httpx.BaseTransport | None = None,
) -> Download:
    """GET ``url`` into a temporary file in ``dest_dir`` (conditional when etag/date given)."""
    if not is_url(url):
        raise UserError(f"{url!r} is not an http:// or https:// address.")
    shown = display_url(url)
    request_headers = {"User-Agent": f"installer-app/{__version__}", **(headers or {})}
    if etag:
        request_headers["If-None-Match"] = etag
    if last_modified:
        request_headers["If-Modified-Since"] = last_modified
    timeout = httpx.Timeout(READ_TIMEOUT_S, connect=CONNECT_TIMEOUT_S)
    dest_dir.mkdir(parents=True, exist_ok=True)
    fd, temp_name = tempfile.mkstemp(prefix=".download-", suffix=".part", dir=dest_dir)
    temp = Path(temp_name)
    done = False
    headers_deadline = HeaderDeadline()
    try:
        with (
            os.fdopen(fd, "wb") as out,
            httpx.Client(
                timeout=timeout,
                verify=True,
                follow_redirects=True,
                max_redirects=5,
                transport=transport,
            ) as client,
            client.stream(
                "GET", url, headers=request_headers, extensions={"trace": headers_deadline.trace}
            ) as response,
        ):
            if response.status_code == 304:
                return Download(url, None, etag, last_modified)
            _check_status(response, shown)
            declared = response.headers.get("Content-Length")
            total = int(declared) if declared and declared.isdigit() else None
            if total is not None and total > max_bytes:
                raise UserError(
                    f"{shown} offers {total // 1_000_000} MB, more than the "
                    f"{max_bytes // 1_000_000} MB allowed; nothing was changed. Check the address."
                )
            received = 0
            speed = Pace()
            for chunk in response.iter_bytes():  # as it arrives, so a trickle is seen
                if cancel is not None and cancel.is_set():
                    raise UserError("download cancelled; nothing was changed.")
                received += len(chunk)
                if speed.too_slow(received):
                    raise UserError(
                        f"{shown} sent the file too slowly ({received:,} bytes in "
                        f"{speed.elapsed:.0f} s); the download was stopped and nothing was "
                        "changed. Try again when the signal is better."
                    )
                if received > max_bytes:
                    raise UserError(
                        f"{shown} sent more than {max_bytes // 1_000_000} MB; the download was "
                        "stopped and nothing was changed. Check the address."
                    )
                out.write(chunk)
                if progress is not None:
                    progress(received, total)
            out.flush()
            os.fsync(out.fileno())
            done = True
            return Download(
                url, temp, response.headers.get("ETag"), response.headers.get("Last-Modified")
            )
    except httpx.ConnectError as exc:
        if "CERTIFICATE_VERIFY_FAILED" in str(exc) or "certificate" in str(exc).lower():
            raise UserError(
                f"the certificate of {shown} could not be verified, so the connection was "
                "refused for safety. Check the address; if it is right, ask support to check "
                "the server's certificate. Nothing was changed."
            ) from None
        raise UserError(
            f"cannot connect to {shown} ({_reason(exc)}). You may be offline: try again when "
            "you have a signal. Nothing was changed."
        ) from None
    except httpx.TimeoutException:
        raise UserError(
            f"{shown} did not answer in time. Try again later; nothing was changed."
        ) from None
    except httpx.TooManyRedirects:
        raise UserError(f"{shown} redirected too many times; nothing was changed.") from None
    except (httpx.RemoteProtocolError, httpx.ReadError, httpx.WriteError) as exc:
        if headers_deadline.fired:
            raise UserError(
                f"{shown} answered too slowly (no complete answer in "
                f"{headers_deadline.seconds:.0f} s); the download was stopped and nothing was "
                "changed. Try again when the signal is better."
            ) from None
        raise UserError(
            f"the download from {shown} was interrupted ({_reason(exc)}). Nothing was changed; "
            "try again."
        ) from None
    except httpx.HTTPError as exc:
        raise UserError(
            f"downloading {shown} failed ({_reason(exc)}); nothing was changed."
        ) from None
    finally:
        headers_deadline.disarm()
        if not done:
            with contextlib.suppress(OSError):
                temp.unlink()


def _reason(exc: Exception) -> str:
    text = str(exc).strip()
    return text.splitlines()[0][:200] if text else type(exc).__name__


def _check_status(response: httpx.Response, shown: str) -> None:
    code = response.status_code
    if 200 <= code < 300:
        return
    if code in (401, 403):
        advice = "the server refused access: check the address and your credentials"
    elif code == 404:
        advice = "the server has no file at that address: check the address"
    elif code >= 500:
        advice = "the server has a problem: try again later"
    else:
        advice = "the server did not send the file"
    raise UserError(f"{shown} answered HTTP {code}: {advice}. Nothing was changed.")
