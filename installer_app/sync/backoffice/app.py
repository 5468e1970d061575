"""The back office's HTTP API, version 1 (FastAPI). ``create_app(db_url)`` builds it.

Every route is under ``/api/v1``; every route but ``/health`` needs ``Authorization: Bearer
<installer token>``, and acts for that token's installer only: no route takes an installer ID.
Errors are ``{"error": {"code": "...", "message": "..."}}`` with a plain-English message.
The OpenAPI document is served at ``/api/v1/openapi.json`` and kept in ``docs/openapi.json``.

Needs the optional ``backoffice`` extra (fastapi, uvicorn); imported only by ``backoffice serve``.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Annotated, Any, Literal

from fastapi import Depends, FastAPI, Query, Request, Security
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BaseModel, Field
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.middleware.gzip import GZipMiddleware

from installer_app import __version__
from installer_app.sync import protocol
from installer_app.sync.backoffice.store import WHAT, BackOffice, Principal, PushRecord

log = logging.getLogger("installer_app.backoffice")

P = protocol.API_PREFIX
Kind = Literal["cpl", "epcl", "advisories"]


# --------------------------------------------------------------------------- models (OpenAPI)


class ErrorBody(BaseModel):
    code: str = Field(description="stable, machine-readable: token_missing, token_rejected, …")
    message: str = Field(description="plain English: what happened and what to do")


class ErrorResponse(BaseModel):
    error: ErrorBody


class Health(BaseModel):
    status: Literal["ok"]
    api: Literal["v1"]
    version: str


class Me(BaseModel):
    installer_id: str = Field(description="the installer this token belongs to")
    token_id: str = Field(description="the public id of the token (never the secret)")


class ReferenceListInfo(BaseModel):
    kind: Kind
    etag: str = Field(description="ETag of the uncompressed list")
    sha256: str = Field(description="SHA-256 of the list's bytes")
    rows: int
    loaded_at: str
    url: str = Field(description="where to GET the list (conditional GET supported)")


class ReferenceIndex(BaseModel):
    lists: list[ReferenceListInfo]


class JobItem(BaseModel):
    reference: str
    address: str
    installation: Literal["SMETS1", "SMETS2+"]
    cohort: Literal["IOC", "MOC", "FOC"] | None
    comms_hub_id: str | None
    meter_ids: list[str]
    expected_ppmid_id: str | None
    scheduled_for: str | None = Field(description="YYYY-MM-DD")


class JobsPage(BaseModel):
    items: list[JobItem] = Field(description="oldest change first")
    next_cursor: str = Field(description="pass as `since` for the next page or the next sync")
    has_more: bool


class PrenotificationItem(BaseModel):
    device_id: str = Field(description="EUI-64, XX-XX-XX-XX-XX-XX-XX-XX")
    device_type: str
    manufacturer: str
    model: str
    firmware_version: str | None
    smets_chts_version: str | None
    status: str | None
    s1sp: str | None
    csp_region: str | None
    cpl_status: str | None
    job_reference: str | None
    source: Literal["DUIS 12.2", "DUIS 8.2", "CSV"]
    source_file: str


class PrenotificationsPage(BaseModel):
    items: list[PrenotificationItem] = Field(
        description="oldest first; a later record for a Device ID replaces an earlier one"
    )
    next_cursor: str
    has_more: bool


class OutboxRecord(BaseModel):
    idempotency_key: str = Field(description="UUID chosen by the device, once per record")
    kind: str = Field(description="check | decision | join_request")
    created_at: str = Field(description="when the device recorded it (ISO 8601 UTC)")
    payload: dict[str, Any] = Field(description="the record as the device stored it")


class PushRequest(BaseModel):
    records: list[OutboxRecord] = Field(max_length=protocol.MAX_PUSH_RECORDS)


class PushResultItem(BaseModel):
    idempotency_key: str
    status: Literal["stored", "duplicate", "rejected"] = Field(
        description="stored: new; duplicate: already stored (acknowledged); rejected: refused"
    )
    message: str | None = None


class PushResponse(BaseModel):
    results: list[PushResultItem] = Field(description="one per record sent, in the same order")


class ApiError(Exception):
    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message


def _error(status: int, code: str, message: str) -> JSONResponse:
    headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
    return JSONResponse(
        {"error": {"code": code, "message": message}}, status_code=status, headers=headers
    )


ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"model": ErrorResponse, "description": "token missing, unknown or revoked"},
    422: {"model": ErrorResponse, "description": "parameters or body not valid"},
}


# --------------------------------------------------------------------------- request size cap


class _TooLarge(Exception):
    pass


class BodyLimit:
    """Refuse request bodies over ``limit`` bytes (HTTP 413) before reading them whole."""

    def __init__(self, app: Callable[..., Awaitable[None]], limit: int) -> None:
        self.app = app
        self.limit = limit

    async def __call__(
        self,
        scope: MutableMapping[str, Any],
        receive: Callable[[], Awaitable[MutableMapping[str, Any]]],
        send: Callable[[MutableMapping[str, Any]], Awaitable[None]],
    ) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        for name, value in scope.get("headers", []):
            if name == b"content-length" and (not value.isdigit() or int(value) > self.limit):
                await self._refuse(send)
                return
        received = 0
        started = False

        async def limited_receive() -> MutableMapping[str, Any]:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.limit:
                    raise _TooLarge
            return message

        async def tracking_send(message: MutableMapping[str, Any]) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, limited_receive, tracking_send)
        except _TooLarge:
            if not started:
                await self._refuse(send)

    async def _refuse(self, send: Callable[[MutableMapping[str, Any]], Awaitable[None]]) -> None:
        body = json.dumps(
            {
                "error": {
                    "code": "too_large",
                    "message": f"the request is larger than {self.limit} bytes; send fewer "
                    "records per request",
                }
            }
        ).encode()
        await send(
            {
                "type": "http.response.start",
                "status": 413,
                "headers": [
                    (b"content-type", b"application/json"),
                    (b"content-length", str(len(body)).encode()),
                    (b"connection", b"close"),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})


# --------------------------------------------------------------------------- auth, parameters

_bearer = HTTPBearer(
    auto_error=False,
    scheme_name="InstallerToken",
    description="the installer's token from `installer-app backoffice token create`",
)


def _installer(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Security(_bearer)],
) -> Principal:
    if credentials is None:
        raise ApiError(
            401, "token_missing", "no token: send 'Authorization: Bearer <installer token>'"
        )
    backoffice: BackOffice = request.app.state.backoffice
    principal = backoffice.authenticate(credentials.credentials)
    if principal is None:
        raise ApiError(
            401,
            "token_rejected",
            "the token is unknown or revoked; ask the back office for a new one",
        )
    return principal


Installer = Annotated[Principal, Depends(_installer)]
Since = Annotated[
    str | None,
    Query(
        max_length=protocol.MAX_CURSOR,
        description="next_cursor from the previous page or sync; omit to start",
    ),
]
Limit = Annotated[int, Query(ge=1, le=protocol.MAX_PAGE_LIMIT)]


# --------------------------------------------------------------------------- the app


def _etag_matches(header: str, etags: set[str]) -> bool:
    if header.strip() == "*":
        return True
    candidates = {part.strip().removeprefix("W/") for part in header.split(",")}
    return not candidates.isdisjoint(etags)


def _accepts_gzip(header: str) -> bool:
    for part in header.lower().split(","):
        coding, _, params = part.strip().partition(";")
        if coding.strip() in ("gzip", "x-gzip", "*"):
            return params.replace(" ", "") not in ("q=0", "q=0.0", "q=0.00", "q=0.000")
    return False


def create_app(db_url: str, *, backoffice: BackOffice | None = None) -> FastAPI:
    """The API over the back office database at ``db_url`` (or an open ``backoffice``)."""
    bo = backoffice or BackOffice(db_url)
    app = FastAPI(
        title="Installer app back office",
        version="1",
        summary="Sync API for the installer assistant: reference lists, jobs, records.",
        description=(
            "Devices pull the CPL, EPCL and advisory list (conditional GET), their jobs and "
            "pre-notification records (incremental, by cursor, paginated), and push their "
            "checks, decisions and join requests (idempotent, in batches). See SYNC_API.md."
        ),
        openapi_url=f"{P}/openapi.json",
        docs_url=f"{P}/docs",
        redoc_url=None,
    )
    app.state.backoffice = bo
    app.add_middleware(GZipMiddleware, minimum_size=4096, compresslevel=5)
    app.add_middleware(BodyLimit, limit=protocol.MAX_REQUEST_BYTES)

    @app.exception_handler(ApiError)
    async def _api_error(_request: Request, exc: ApiError) -> JSONResponse:
        return _error(exc.status, exc.code, exc.message)

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(_request: Request, exc: StarletteHTTPException) -> JSONResponse:
        code = {404: "not_found", 405: "method_not_allowed"}.get(exc.status_code, "http_error")
        return _error(exc.status_code, code, str(exc.detail))

    @app.exception_handler(RequestValidationError)
    async def _invalid(_request: Request, exc: RequestValidationError) -> JSONResponse:
        first = exc.errors()[0] if exc.errors() else {}
        where = ".".join(str(p) for p in first.get("loc", ()))
        return _error(
            422, "invalid_request", f"the request is not valid ({where}: {first.get('msg', '?')})"
        )

    @app.exception_handler(Exception)
    async def _unexpected(_request: Request, exc: Exception) -> JSONResponse:
        log.error("unexpected error", exc_info=exc)
        return _error(
            500, "server_error", "the back office had an unexpected error; try again later"
        )

    @app.get(f"{P}/health", tags=["service"])
    def health() -> Health:
        """Liveness for load balancers (no token needed, no database access)."""
        return Health(status="ok", api="v1", version=__version__)

    @app.get(f"{P}/me", tags=["service"], responses=ERRORS)
    def me(principal: Installer) -> Me:
        """Who the token belongs to: the client calls this first to check address and token."""
        return Me(installer_id=principal.installer_id, token_id=principal.token_id)

    @app.get(f"{P}/reference", tags=["reference"], responses=ERRORS)
    def reference_index(principal: Installer) -> ReferenceIndex:
        """The reference lists the back office publishes, with their versions."""
        del principal
        return ReferenceIndex(
            lists=[
                ReferenceListInfo(
                    kind=meta.kind,  # type: ignore[arg-type]
                    etag=meta.etag,
                    sha256=meta.sha256,
                    rows=meta.rows,
                    loaded_at=meta.loaded_at,
                    url=f"{P}/reference/{meta.kind}",
                )
                for meta in bo.reference_lists()
            ]
        )

    @app.get(
        f"{P}/reference/{{kind}}",
        tags=["reference"],
        response_class=Response,
        responses={
            200: {
                "content": {"text/csv": {}},
                "description": "the list as CSV (gzip-encoded when the client accepts it)",
            },
            304: {"description": "unchanged since the ETag in If-None-Match"},
            404: {"model": ErrorResponse, "description": "no such list loaded yet"},
            **ERRORS,
        },
    )
    def reference(kind: Kind, request: Request, principal: Installer) -> Response:
        """One reference list as CSV. Conditional: If-None-Match (ETag) or If-Modified-Since."""
        del principal
        for _ in range(3):  # the list may be replaced between the two reads: read again
            meta = bo.reference_meta(kind)
            if meta is None:
                raise ApiError(
                    404, "not_loaded", f"the back office has not published a {WHAT[kind]} yet"
                )
            gzipped = _accepts_gzip(request.headers.get("accept-encoding", ""))
            headers = {
                "ETag": meta.etag_gzip if gzipped else meta.etag,
                "Last-Modified": meta.last_modified,
                "Vary": "Accept-Encoding",
                "Cache-Control": "private, no-cache",
                "X-Content-SHA256": meta.sha256,
            }
            if_none_match = request.headers.get("if-none-match")
            if if_none_match is not None:
                if _etag_matches(if_none_match, {meta.etag, meta.etag_gzip}):
                    return Response(status_code=304, headers=headers)
            elif request.headers.get("if-modified-since") == meta.last_modified:
                return Response(status_code=304, headers=headers)
            content = bo.reference_content(meta, gzipped=gzipped)
            if content is None:
                continue
            if gzipped:
                headers["Content-Encoding"] = "gzip"
            return Response(content, media_type="text/csv; charset=utf-8", headers=headers)
        raise ApiError(503, "busy", "the list is being replaced; try again in a moment")

    def _feed_page(
        fetch: Callable[[str, str | None, int], Any],
        installer_id: str,
        since: str | None,
        limit: int,
    ) -> dict[str, Any]:
        """One page of a feed (jobs, pre-notifications) as the response body."""
        if since is not None and not protocol.CURSOR.fullmatch(since):
            raise ApiError(400, "bad_cursor", "the cursor is malformed; start again without one")
        try:
            page = fetch(installer_id, since, limit)
        except ValueError as exc:
            raise ApiError(400, "bad_cursor", str(exc)) from None
        return {"items": page.items, "next_cursor": page.next_cursor, "has_more": page.has_more}

    @app.get(
        f"{P}/jobs",
        tags=["feeds"],
        responses={400: {"model": ErrorResponse}, **ERRORS},
    )
    def jobs(
        principal: Installer, since: Since = None, limit: Limit = protocol.PAGE_LIMIT
    ) -> JobsPage:
        """This installer's jobs added or changed after `since`, oldest change first."""
        return JobsPage.model_validate(
            _feed_page(bo.jobs_page, principal.installer_id, since, limit)
        )

    @app.get(
        f"{P}/prenotifications",
        tags=["feeds"],
        responses={400: {"model": ErrorResponse}, **ERRORS},
    )
    def prenotifications(
        principal: Installer, since: Since = None, limit: Limit = protocol.PAGE_LIMIT
    ) -> PrenotificationsPage:
        """Pre-notification and inventory records sent to this installer after `since`."""
        return PrenotificationsPage.model_validate(
            _feed_page(bo.prenotifications_page, principal.installer_id, since, limit)
        )

    @app.post(
        f"{P}/outbox",
        tags=["records"],
        responses={
            413: {"model": ErrorResponse, "description": "request too large"},
            **ERRORS,
        },
    )
    def push(body: PushRequest, principal: Installer) -> PushResponse:
        """Store checks, decisions and join requests, each exactly once per idempotency key.

        Safe to repeat: a record already stored is answered `duplicate` and not stored again.
        The answer is sent only after the records are committed. Records are filed under the
        token's installer, whatever the payload says.
        """
        outcomes = bo.push(
            principal.installer_id,
            [PushRecord(r.idempotency_key, r.kind, r.created_at, r.payload) for r in body.records],
        )
        return PushResponse.model_validate({"results": [o.to_json() for o in outcomes]})

    return app


def openapi_document() -> dict[str, Any]:
    """The OpenAPI document (as exported to docs/openapi.json), from an in-memory database."""
    app = create_app("sqlite:///:memory:")
    try:
        return app.openapi()
    finally:
        app.state.backoffice.close()


def serve(db_url: str, host: str, port: int) -> None:
    """Run the API with uvicorn until interrupted (TLS belongs to the load balancer in front)."""
    import uvicorn

    bo = BackOffice(db_url)
    app = create_app(db_url, backoffice=bo)
    print(
        f"back office: serving http://{host}:{port}{P} (database {bo.shown}); stop with Ctrl+C",
        flush=True,
    )
    try:
        uvicorn.run(
            app,
            host=host,
            port=port,
            log_level="info",
            access_log=True,
            server_header=False,
            timeout_graceful_shutdown=10,
        )
    finally:
        bo.close()


if __name__ == "__main__":  # pragma: no cover - developer tool: refresh docs/openapi.json
    import sys

    sys.stdout.write(json.dumps(openapi_document(), indent=2, sort_keys=True) + "\n")
