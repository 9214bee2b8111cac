"""The single mapping from domain errors to HTTP status, rendered as RFC 9457 problems."""

from __future__ import annotations

import logging
import uuid
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException

from api.responses import ProblemResponse
from gis.errors import (
    GisError,
    InvalidBBoxError,
    InvalidGeometryError,
    MissingCRSError,
    OutOfChinaError,
    UnknownCRSError,
)
from layers.errors import (
    CollectionNotFoundError,
    FeatureNotFoundError,
    ImportFileError,
    InvalidFilterError,
    InvalidProximityError,
    MappingError,
    NoRuleSetError,
    NoValidFeaturesError,
    ProjectGeometryError,
    ReleaseConflictError,
    ReleaseNotFoundError,
    RuleSetError,
    ScreeningNotFoundError,
    UnknownFilterFieldError,
    UnknownIndustryError,
)

logger = logging.getLogger(__name__)


class InvalidParameterError(GisError):
    """A query parameter that is malformed or out of range."""

    code = "invalid-parameter"


STATUS_BY_ERROR: dict[type[GisError], int] = {
    CollectionNotFoundError: 404,
    FeatureNotFoundError: 404,
    ReleaseNotFoundError: 404,
    ReleaseConflictError: 409,
    InvalidBBoxError: 400,
    InvalidParameterError: 400,
    UnknownCRSError: 400,
    MissingCRSError: 422,
    OutOfChinaError: 422,
    InvalidGeometryError: 422,
    ImportFileError: 422,
    NoValidFeaturesError: 422,
    MappingError: 422,
    ScreeningNotFoundError: 404,
    UnknownIndustryError: 422,
    ProjectGeometryError: 422,
    NoRuleSetError: 422,
    RuleSetError: 500,
    InvalidFilterError: 422,
    UnknownFilterFieldError: 422,
    InvalidProximityError: 422,
}

_TITLES = {
    400: "Bad request 请求参数错误",
    401: "Unauthorized 未认证",
    403: "Forbidden 无权限",
    404: "Not found 未找到",
    405: "Method not allowed",
    406: "Not acceptable",
    409: "Conflict 冲突",
    413: "Payload too large 文件过大",
    422: "Unprocessable input 输入无法处理",
    500: "Internal server error 服务器内部错误",
}


def _status_for(exc: GisError) -> int:
    for cls in type(exc).__mro__:
        if cls in STATUS_BY_ERROR:
            return STATUS_BY_ERROR[cls]  # type: ignore[index]
    return 400


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
        return problem(
            request, _status_for(exc), type_=exc.code, detail=exc.detail, field=exc.field
        )

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> ProblemResponse:
        errors = [{"loc": list(e.get("loc", ())), "msg": e.get("msg", "")} for e in exc.errors()]
        fields = ", ".join(".".join(str(p) for p in e["loc"]) for e in errors)
        first = errors[0]["msg"] if errors else ""
        return problem(
            request,
            422,
            type_="validation-error",
            detail=f"Invalid {fields}: {first}",
            errors=errors,
        )

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> ProblemResponse:
        detail = exc.detail if isinstance(exc.detail, str) else None
        return problem(request, exc.status_code, type_=f"http-{exc.status_code}", detail=detail)

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> ProblemResponse:
        request_id = request.headers.get("x-request-id") or uuid.uuid4().hex
        logger.error("unhandled error, request id %s", request_id, exc_info=exc)
        response = problem(request, 500, type_="internal-error", detail=None, request_id=request_id)
        response.headers["X-Request-ID"] = request_id
        return response
