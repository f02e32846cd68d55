"""Request ids in and out, and Prometheus metrics: requests by route, latency by route, gRPC calls by method."""

from __future__ import annotations

import re
import time
from typing import Any

import grpc
from prometheus_client import CollectorRegistry, Counter, Histogram
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from services.kernel.logging import EdgeLog, new_request_id, request_id_var

REGISTRY = CollectorRegistry(auto_describe=True)
BUCKETS = (0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0)
HTTP_REQUESTS = Counter(
    "bst_http_requests_total", "HTTP requests", ["method", "route", "status"], registry=REGISTRY
)
HTTP_LATENCY = Histogram(
    "bst_http_request_seconds",
    "HTTP request latency",
    ["method", "route"],
    buckets=BUCKETS,
    registry=REGISTRY,
)
GRPC_LATENCY = Histogram(
    "bst_grpc_client_seconds",
    "gRPC client call latency",
    ["method", "code"],
    buckets=BUCKETS,
    registry=REGISTRY,
)

access_log = EdgeLog("bst.access")
METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})

REQUEST_ID_HEADER = b"x-request-id"
_VALID_REQUEST_ID = re.compile(rb"^[A-Za-z0-9._-]{1,64}$")


class RequestContextMiddleware:
    """Takes or makes the request id, returns it in `X-Request-ID`, records the request's metrics and writes the
    one log line of the request (INFO; the services log their calls at DEBUG only)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        # (method, route, status) -> the request counter's and the latency histogram's children: `labels()`
        # looks them up under a lock on every call. Routes are the app's templates ("unmatched" otherwise) and a
        # method outside METHODS counts as OTHER, so this stays as small as the metrics themselves.
        self._series: dict[tuple[str, str, int], tuple[Any, Any]] = {}

    def _observe(self, method: str, path: str, status: int, seconds: float) -> None:
        key = (method, path, status)
        series = self._series.get(key)
        if series is None:
            series = self._series[key] = (
                HTTP_REQUESTS.labels(method, path, str(status)),
                HTTP_LATENCY.labels(method, path),
            )
        series[0].inc()
        series[1].observe(seconds)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        incoming = dict(scope["headers"]).get(REQUEST_ID_HEADER, b"")
        request_id = incoming.decode() if _VALID_REQUEST_ID.match(incoming) else new_request_id()
        token = request_id_var.set(request_id)
        started = time.perf_counter()
        status = 500

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message.setdefault("headers", [])
                message["headers"] = [*message["headers"], (REQUEST_ID_HEADER, request_id.encode())]
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            route = scope.get("route")
            path = getattr(route, "path", None) or "unmatched"
            method = scope["method"] if scope["method"] in METHODS else "OTHER"
            seconds = time.perf_counter() - started
            self._observe(method, path, status, seconds)
            if access_log.enabled():
                access_log.info(
                    "request",
                    request_id,
                    {"method": method, "route": path, "status": status, "ms": round(seconds * 1000, 2)},
                )
            request_id_var.reset(token)


class TimedCall:
    """A unary-unary stub method that records its latency by code, without an aio client interceptor (which
    would add a task and a call wrapper to every call): one `perf_counter` pair and a pre-bound histogram."""

    __slots__ = ("_call", "_method", "_ok")

    def __init__(self, call: Any, method: str) -> None:
        self._call = call
        self._method = method
        self._ok = GRPC_LATENCY.labels(method, grpc.StatusCode.OK.name)

    async def __call__(self, request: Any, **kwargs: Any) -> Any:
        started = time.perf_counter()
        try:
            reply = await self._call(request, **kwargs)
        except grpc.aio.AioRpcError as exc:
            GRPC_LATENCY.labels(self._method, exc.code().name).observe(time.perf_counter() - started)
            raise
        self._ok.observe(time.perf_counter() - started)
        return reply


def timed_stub(stub: Any, service: str) -> Any:
    """Replace every unary-unary method of a generated stub by a `TimedCall` (`service` = the full name)."""
    for name, value in list(vars(stub).items()):
        if isinstance(value, grpc.aio.UnaryUnaryMultiCallable):
            setattr(stub, name, TimedCall(value, f"/{service}/{name}"))
    return stub
