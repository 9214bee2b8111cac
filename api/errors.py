"""The single mapping from domain errors to HTTP status, rendered as RFC 9457 problems."""

from __future__ import annotations

import asyncio
import logging
import uuid
from typing import Any

import psycopg
import sqlalchemy.exc
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from psycopg_pool import PoolTimeout
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.requests import ClientDisconnect

from api.headers import route_path
from api.responses import ProblemResponse
from gis.errors import (
    GisError,
    InvalidBBoxError,
    InvalidGeometryError,
    MissingCRSError,
    OutOfChinaError,
    ProjectGeometryError,
    RasterError,
    RasterTooLargeError,
    UnknownCRSError,
)
from layers.errors import (
    CollectionNotFoundError,
    ControlUnitNotFoundError,
    CoverageError,
    DatabaseSchemaError,
    DatabaseUnavailableError,
    DivisionNotFoundError,
    DocumentNotFoundError,
    ElementZoneNotFoundError,
    FeatureNotFoundError,
    FilterError,
    ImportFileError,
    IndustryCodeMismatchError,
    InvalidDateRangeError,
    InvalidDiffError,
    InvalidFeatureError,
    InvalidFilterError,
    InvalidIndicatorQueryError,
    InvalidNetworkQueryError,
    InvalidOutfallQueryError,
    InvalidProximityError,
    InvalidReadingsQueryError,
    InvalidRoleError,
    KeyNotFoundError,
    MappingError,
    NetworkNotBuiltError,
    NoRuleSetError,
    NoValidFeaturesError,
    OutfallEventsRejectedError,
    OutfallNotFoundError,
    PreconditionFailedError,
    ProjectFactError,
    QueryTimeoutError,
    RasterClassesError,
    RasterLayerNotFoundError,
    ReadingsRejectedError,
    ReleaseConflictError,
    ReleaseNotFoundError,
    RuleNotFoundError,
    RuleSetError,
    ScreeningNotFoundError,
    ScreeningNotRecheckableError,
    ServerBusyError,
    StationNotFoundError,
    TileOutOfRangeError,
    UnknownFilterFieldError,
    UnknownIndustryCodeError,
    UnknownIndustryError,
    UnknownKindError,
    UnknownQueryableError,
    UploadTooLargeError,
    database_error,
)

logger = logging.getLogger(__name__)


class InvalidParameterError(GisError):
    """A query parameter that is malformed or out of range."""

    code = "invalid-parameter"


#: The HTTP status of each domain error. Every concrete error class has its own row (a
#: test walks them): a class missing here is a bug, answered as a 500 with a request id.
STATUS_BY_ERROR: dict[type[GisError], int] = {
    CollectionNotFoundError: 404,
    FeatureNotFoundError: 404,
    ReleaseNotFoundError: 404,
    ReleaseConflictError: 409,
    InvalidDateRangeError: 422,
    InvalidBBoxError: 400,
    InvalidParameterError: 400,
    FilterError: 400,
    UnknownQueryableError: 400,
    TileOutOfRangeError: 404,
    UnknownCRSError: 400,
    MissingCRSError: 422,
    OutOfChinaError: 422,
    InvalidGeometryError: 422,
    ImportFileError: 422,
    UploadTooLargeError: 413,
    NoValidFeaturesError: 422,
    MappingError: 422,
    ScreeningNotFoundError: 404,
    ScreeningNotRecheckableError: 409,
    RuleNotFoundError: 404,
    ControlUnitNotFoundError: 404,
    ElementZoneNotFoundError: 404,
    DocumentNotFoundError: 404,
    UnknownIndustryError: 422,
    ProjectFactError: 422,
    CoverageError: 422,
    IndustryCodeMismatchError: 422,
    UnknownIndustryCodeError: 422,
    UnknownKindError: 422,
    ProjectGeometryError: 422,
    NoRuleSetError: 422,
    RuleSetError: 500,
    InvalidFilterError: 422,
    UnknownFilterFieldError: 422,
    InvalidProximityError: 422,
    InvalidNetworkQueryError: 422,
    NetworkNotBuiltError: 409,
    InvalidFeatureError: 422,
    PreconditionFailedError: 412,
    KeyNotFoundError: 404,
    InvalidRoleError: 422,
    QueryTimeoutError: 503,
    ReadingsRejectedError: 422,
    StationNotFoundError: 404,
    InvalidReadingsQueryError: 400,
    OutfallEventsRejectedError: 422,
    OutfallNotFoundError: 404,
    InvalidOutfallQueryError: 400,
    InvalidDiffError: 400,
    InvalidIndicatorQueryError: 400,
    DivisionNotFoundError: 404,
    ServerBusyError: 503,
    DatabaseUnavailableError: 503,
    DatabaseSchemaError: 503,
    RasterLayerNotFoundError: 404,
    RasterClassesError: 422,
    RasterError: 422,
    RasterTooLargeError: 422,
}

#: Seconds a client should wait before retrying a 503 (query timeout, busy pool, database
#: restarting).
RETRY_AFTER_S = 5

_TITLES = {
    400: "Bad request 请求参数错误",
    401: "Unauthorized 未认证",
    403: "Forbidden 无权限",
    404: "Not found 未找到",
    405: "Method not allowed",
    406: "Not acceptable",
    408: "Request timeout 请求超时",
    409: "Conflict 冲突",
    412: "Precondition failed 版本不符",
    413: "Payload too large 文件过大",
    422: "Unprocessable input 输入无法处理",
    500: "Internal server error 服务器内部错误",
    503: "Service unavailable 服务繁忙",
}


def status_for(exc: GisError) -> int | None:
    """The HTTP status of a domain error (its nearest class in the table), else None."""
    return next((STATUS_BY_ERROR[c] for c in type(exc).__mro__ if c in STATUS_BY_ERROR), None)


def problem(
    request: Request, status: int, *, type_: str, detail: str | None, **extra: Any
) -> ProblemResponse:
    """Build a problem+json response for ``request``."""
    body: dict[str, Any] = {
        "type": f"/problems/{type_}",
        "title": _TITLES.get(status, "Error"),
        "status": status,
        "instance": request.url.path,
    }
    if detail is not None:
        body["detail"] = detail
    body.update({k: v for k, v in extra.items() if v is not None})
    return ProblemResponse(body, status_code=status)


def install_error_handlers(app: FastAPI) -> None:
    """Render every error as problem+json; 500s carry a request id and no detail."""

    @app.exception_handler(GisError)
    async def _domain(request: Request, exc: GisError) -> ProblemResponse:
        status = status_for(exc)
        if status is None or status == 500:  # a bug (no status: never a 4xx), or ours
            return await _unexpected(request, exc)
        response = problem(request, status, type_=exc.code, detail=exc.detail, field=exc.field)
        if status == 503:
            response.headers["Retry-After"] = str(RETRY_AFTER_S)
        return response

    # Driver and pool errors that are about load, raised where no layer translated them
    # (sync sessions): a cancelled statement, no free connection or a database not
    # migrated is a 503, not a 500.
    async def _database(request: Request, exc: Exception) -> ProblemResponse:
        domain = database_error(exc)
        if domain is None:
            return await _unexpected(request, exc)
        return await _domain(request, domain)

    for driver_error in (
        sqlalchemy.exc.OperationalError,
        sqlalchemy.exc.TimeoutError,
        sqlalchemy.exc.ProgrammingError,  # a missing table: 503 database-schema, else 500
        psycopg.OperationalError,
        psycopg.errors.UndefinedTable,
        PoolTimeout,
    ):
        app.add_exception_handler(driver_error, _database)

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> ProblemResponse:
        errors = [{"loc": list(e.get("loc", ())), "msg": e.get("msg", "")} for e in exc.errors()]
        fields = ", ".join(".".join(str(p) for p in e["loc"]) for e in errors)
        first = errors[0]["msg"] if errors else ""
        # A malformed query or path parameter is a bad request URI: 400, as OGC API
        # Features requires (/req/core/query-param-invalid); a bad body stays 422.
        in_uri = bool(errors) and all(e["loc"][:1] in (["query"], ["path"]) for e in errors)
        return problem(
            request,
            400 if in_uri else 422,
            type_="invalid-parameter" if in_uri else "validation-error",
            detail=f"Invalid {fields}: {first}",
            field=".".join(str(p) for p in errors[0]["loc"][1:]) or None if errors else None,
            errors=errors,
        )

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> ProblemResponse:
        detail = exc.detail if isinstance(exc.detail, str) else None
        response = problem(request, exc.status_code, type_=f"http-{exc.status_code}", detail=detail)
        if exc.headers:
            response.headers.update(exc.headers)
        return response

    @app.exception_handler(ClientDisconnect)
    async def _gone(request: Request, _exc: ClientDisconnect) -> ProblemResponse:
        # the client left while its body was read: nobody receives this answer, and
        # nothing failed on the server's side (nothing was written yet); one line, as a
        # proxy logs a 499, not a trace
        logger.warning(
            "client disconnected before sending its whole request: %s %s",
            request.method,
            route_path(request.scope),
        )
        return problem(
            request,
            400,
            type_="client-disconnected",
            detail="The client closed the connection before sending its whole request.",
        )

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> ProblemResponse:
        request_id = request.headers.get("x-request-id") or uuid.uuid4().hex
        logger.error("unhandled error, request id %s", request_id, exc_info=exc)
        response = problem(request, 500, type_="internal-error", detail=None, request_id=request_id)
        response.headers["X-Request-ID"] = request_id
        return response


class _BodyRefused(Exception):
    """Raised from the wrapped ``receive`` once a body is over its limit or stalls."""


class UploadLimitMiddleware:
    """Bound request bodies before they cost: 413 over the limit, 408 when the client stalls.

    FastAPI parses a multipart body before any dependency runs, so the check sits in
    front of the app (pure ASGI). A declared ``Content-Length`` over the limit is refused
    before anything is read; the server (uvicorn's h11/httptools) never hands the app more
    than the declared length, so such a body needs no counting. A body without a length
    (chunked) is counted while it streams and refused at the limit. Until a body is
    complete, each wait for the next chunk is bounded by ``idle_timeout`` seconds: a client
    that declares more than it sends is answered 408 and the connection closed (uvicorn
    itself has no such timeout; ``--timeout-keep-alive`` covers only idle connections
    between requests). ``path_limits`` gives routes (by path) a smaller cap.
    """

    def __init__(
        self,
        app: Any,
        max_bytes: int,
        path_limits: dict[str, int] | None = None,
        idle_timeout: float = 30.0,
    ) -> None:
        """Wrap ``app``."""
        self.app = app
        self.max_bytes = max_bytes
        self.path_limits = path_limits or {}
        self.idle_timeout = idle_timeout

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        """Check the declared length, then count and time the body as it streams."""
        if scope["type"] != "http" or scope["method"] not in ("POST", "PUT", "PATCH"):
            await self.app(scope, receive, send)
            return
        limit = self.path_limits.get(route_path(scope), self.max_bytes)
        declared: int | None = None
        for name, value in scope.get("headers", []):
            if name == b"content-length":
                declared = int(value) if value.isdigit() else None
        if declared is not None and declared > limit:
            await self._refuse(scope, send, 413, limit)
            return
        guard = _BodyGuard(receive, send, limit if declared is None else None, self.idle_timeout)
        try:
            await self.app(scope, guard.receive, guard.send)
        except Exception:
            # whatever the app made of our signal (maybe wrapped in a group), we answer
            if guard.refused is None or guard.started:
                raise
        if guard.refused is not None and not guard.started:
            await self._refuse(scope, send, guard.refused, limit)

    @staticmethod
    async def _refuse(scope: Any, send: Any, status: int, limit: int) -> None:
        from starlette.requests import Request as StarletteRequest

        request = StarletteRequest(scope)
        if status == 413:
            response = problem(
                request,
                413,
                type_=UploadTooLargeError.code,
                detail=f"file: the body is over the upload limit of {limit} bytes.",
                field="file",
            )
        else:
            response = problem(
                request,
                408,
                type_="request-timeout",
                detail="The request body stopped arriving before it was complete.",
            )
        # the rest of the body is never read: the server must not reuse the connection
        response.headers["Connection"] = "close"

        async def no_body() -> dict[str, Any]:
            return {"type": "http.disconnect"}

        await response(scope, no_body, send)


class _BodyGuard:
    """The ``receive``/``send`` pair of one request under :class:`UploadLimitMiddleware`."""

    def __init__(self, receive: Any, send: Any, limit: int | None, idle_timeout: float) -> None:
        self._receive = receive
        self._send = send
        self.limit = limit
        self.idle_timeout = idle_timeout
        self.size = 0
        self.complete = False
        self.started = False
        self.refused: int | None = None

    async def receive(self) -> Any:
        if self.refused is not None:
            raise _BodyRefused
        if self.complete:
            # e.g. a streaming response listening for the disconnect: no timeout then
            return await self._receive()
        try:
            async with asyncio.timeout(self.idle_timeout):
                message = await self._receive()
        except TimeoutError:
            self.refused = 408
            raise _BodyRefused from None
        if message["type"] == "http.request":
            self.size += len(message.get("body", b""))
            self.complete = not message.get("more_body", False)
            if self.limit is not None and self.size > self.limit:
                self.refused = 413
                raise _BodyRefused
        return message

    async def send(self, message: Any) -> None:
        if self.refused is not None and not self.started:
            # the app turned our signal into its own answer (FastAPI: 400 "error parsing
            # the body"); the middleware answers instead
            raise _BodyRefused
        if message["type"] == "http.response.start":
            self.started = True
        await self._send(message)
