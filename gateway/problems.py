"""RFC 9457 problem documents for every error, and the one table from gRPC status codes to HTTP statuses."""

from __future__ import annotations

import json
import logging
from typing import Any

import grpc
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from redis.exceptions import RedisError
from sqlalchemy.exc import OperationalError
from starlette.exceptions import HTTPException as StarletteHTTPException

from gateway import messages
from gateway.open311.errors import OPEN311_PREFIX, open311_error_response
from services.kernel.db import connection_lost, unstorable_text
from services.kernel.errors import (
    CODE_KEY,
    FIELDS_KEY,
    RETRY_AFTER_KEY,
    DomainError,
    grpc_status_of,
)

log = logging.getLogger("bst.gateway.problems")

PROBLEM_JSON = "application/problem+json"
REDIS_RETRY_AFTER_SECONDS = 5

HTTP_STATUS: dict[grpc.StatusCode, int] = {
    grpc.StatusCode.INVALID_ARGUMENT: 422,
    grpc.StatusCode.OUT_OF_RANGE: 422,
    grpc.StatusCode.NOT_FOUND: 404,
    grpc.StatusCode.ALREADY_EXISTS: 409,
    grpc.StatusCode.FAILED_PRECONDITION: 409,
    grpc.StatusCode.ABORTED: 409,
    grpc.StatusCode.UNAUTHENTICATED: 401,
    grpc.StatusCode.PERMISSION_DENIED: 403,
    grpc.StatusCode.RESOURCE_EXHAUSTED: 429,
    grpc.StatusCode.UNIMPLEMENTED: 501,
    grpc.StatusCode.UNAVAILABLE: 503,
    grpc.StatusCode.DEADLINE_EXCEEDED: 504,
    # A call the service cancelled (it was stopping and its drain ran out) is the platform's failure, not the
    # client's: the client may try again. (A client that went away is sent nothing at all.)
    grpc.StatusCode.CANCELLED: 503,
}
# Codes whose HTTP status is more specific than their gRPC status says.
HTTP_STATUS_BY_CODE: dict[str, int] = {"gone": 410}

TITLES = {
    400: "Bad request",
    401: "Not signed in",
    403: "Not allowed",
    404: "Not found",
    405: "Method not allowed",
    409: "Conflict",
    410: "Gone",
    413: "Too large",
    415: "Unsupported media type",
    422: "Invalid input",
    429: "Too many requests",
    500: "Internal error",
    501: "Not implemented",
    503: "Service unavailable",
    504: "Timed out",
}


class Problem(BaseModel):
    """An RFC 9457 problem document."""

    type: str
    title: str
    status: int
    detail: str
    code: str
    instance: str | None = None
    errors: list[dict[str, str]] | None = None


# What any route may answer besides its own success: the middleware and dependencies stand before every route
# (401/403 for tokens, 413 for bodies, 429 limits, 503 while a dependency is away), plus the routes' own refusals.
COMMON_STATUSES = (400, 401, 403, 404, 409, 410, 413, 415, 422, 429, 500, 501, 503, 504)


def problem_responses() -> dict[int | str, dict[str, Any]]:
    """The problem statuses for every route's OpenAPI responses (`include_router(..., responses=...)`), so every
    status a route can answer is listed."""
    schema = Problem.model_json_schema()
    return {
        status: {"description": TITLES.get(status, "Error"), "content": {PROBLEM_JSON: {"schema": schema}}}
        for status in COMMON_STATUSES
    }


HTTP_DETAILS = {404: "找不到该资源", 405: "不支持该请求方法"}


def http_status_of(status: grpc.StatusCode, code: str | None = None) -> int:
    if code and code in HTTP_STATUS_BY_CODE:
        return HTTP_STATUS_BY_CODE[code]
    return HTTP_STATUS.get(status, 500)


def problem(
    request: Request,
    status: int,
    detail: str,
    code: str,
    *,
    errors: list[dict[str, str]] | None = None,
    headers: dict[str, str] | None = None,
) -> JSONResponse:
    base = request.app.state.settings.public_url.rstrip("/")
    body: dict[str, Any] = {
        "type": f"{base}/problems/{code}",
        "title": TITLES.get(status, "Error"),
        "status": status,
        "detail": detail,
        "code": code,
        "instance": request.url.path,
    }
    if errors:
        body["errors"] = errors
    messages.localize(body, retry_after=(headers or {}).get("Retry-After"))  # Chinese detail, English kept
    if request.url.path.startswith(OPEN311_PREFIX):  # GeoReport v2 has its own error format
        return open311_error_response(body, headers)
    return JSONResponse(body, status_code=status, media_type=PROBLEM_JSON, headers=headers)


def _domain_problem(request: Request, error: DomainError) -> JSONResponse:
    status = http_status_of(grpc_status_of(error), error.code)
    headers = {"Retry-After": str(error.retry_after)} if error.retry_after is not None else None
    errors = [{"field": f.field, "message": f.message} for f in error.fields] or None
    return problem(request, status, error.message, error.code, errors=errors, headers=headers)


def _rpc_problem(request: Request, error: grpc.aio.AioRpcError) -> JSONResponse:
    meta = dict(error.trailing_metadata() or ())
    code = str(meta.get(CODE_KEY) or error.code().name.lower())
    status = http_status_of(error.code(), code)
    errors = json.loads(meta[FIELDS_KEY]) if FIELDS_KEY in meta else None
    headers = {"Retry-After": str(meta[RETRY_AFTER_KEY])} if RETRY_AFTER_KEY in meta else None
    if status == 503 and headers is None:
        headers = {"Retry-After": "1"}
    if status >= 500:
        log.warning("service call failed", extra={"grpc_code": error.code().name, "details": error.details()})
        detail = "服务暂时没有应答，请稍后再试" if status in (503, 504) else "服务出错，已记录"
    else:
        detail = error.details() or TITLES.get(status, "Error")
    return problem(request, status, detail, code, errors=errors, headers=headers)


def _field_name(loc: tuple[Any, ...]) -> str:
    parts = [str(p) for p in loc if p not in ("body", "query", "path", "header")]
    return ".".join(parts) or str(loc[-1] if loc else "")


def install(app: FastAPI) -> None:
    """Register the handlers that turn every error into a problem document."""

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = [
            {"field": _field_name(tuple(e.get("loc", ()))), "message": str(e.get("msg", ""))}
            for e in exc.errors()
        ]
        return problem(request, 422, "部分字段无效，请检查后重试", "invalid_input", errors=errors)

    @app.exception_handler(DomainError)
    async def _domain(request: Request, exc: DomainError) -> JSONResponse:
        return _domain_problem(request, exc)

    @app.exception_handler(grpc.aio.AioRpcError)
    async def _rpc(request: Request, exc: grpc.aio.AioRpcError) -> JSONResponse:
        return _rpc_problem(request, exc)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        code = {404: "not_found", 405: "method_not_allowed"}.get(exc.status_code, f"http_{exc.status_code}")
        detail = HTTP_DETAILS.get(exc.status_code, str(exc.detail))
        return problem(request, exc.status_code, detail, code, headers=getattr(exc, "headers", None))

    @app.exception_handler(OperationalError)
    async def _database(request: Request, exc: OperationalError) -> JSONResponse:
        if "locked" in str(exc.orig).lower() or "deadlock" in str(exc.orig).lower():
            log.warning("database busy", extra={"path": request.url.path})
            return problem(
                request,
                503,
                "服务繁忙，请稍后再试",
                "busy",
                headers={"Retry-After": "1"},
            )
        log.exception("database error", extra={"path": request.url.path})
        return problem(
            request,
            503,
            "数据库暂时没有应答，请稍后再试",
            "database_unavailable",
            headers={"Retry-After": "5"},
        )

    @app.exception_handler(RedisError)
    async def _redis(request: Request, exc: RedisError) -> JSONResponse:
        # Sign-in, SMS codes, scan-to-login and sign-out need Redis (limits, codes, revocations): while it is away
        # they answer 503 and the client retries; nothing half-done is acknowledged.
        log.warning("redis unavailable", extra={"path": request.url.path, "error": type(exc).__name__})
        return problem(
            request,
            503,
            "身份服务暂时不可用，请稍后再试",
            "dependency_unavailable",
            headers={"Retry-After": str(REDIS_RETRY_AFTER_SECONDS)},
        )

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        if connection_lost(exc):  # the gateway's own database restarting: 503, the client retries
            log.warning(
                "database connection lost", extra={"path": request.url.path, "error": repr(exc)[:300]}
            )
            return problem(
                request, 503, "数据库暂时不可用，请稍后重试", "unavailable", headers={"Retry-After": "1"}
            )
        if unstorable_text(exc):  # a NUL character in the request, refused by the gateway's own database
            return problem(request, 422, messages.CATALOGUE["unstorable_text"], "unstorable_text")
        log.exception("unhandled error", extra={"path": request.url.path})
        return problem(request, 500, "服务内部出错，已记录", "internal_error")
