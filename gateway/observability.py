"""Request ids in and out, and Prometheus metrics: requests by route, latency by route, gRPC calls by method."""

from __future__ import annotations

import re
import time
from typing import Any

import grpc
from prometheus_client import CollectorRegistry, Counter, Histogram
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from services.kernel.logging import new_request_id, request_id_var

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

REQUEST_ID_HEADER = b"x-request-id"
_VALID_REQUEST_ID = re.compile(rb"^[A-Za-z0-9._-]{1,64}$")


class RequestContextMiddleware:
    """Takes or makes the request id, returns it in `X-Request-ID`, and records the request's metrics."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

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
            HTTP_REQUESTS.labels(scope["method"], path, str(status)).inc()
            HTTP_LATENCY.labels(scope["method"], path).observe(time.perf_counter() - started)
            request_id_var.reset(token)


class ClientMetricsInterceptor(grpc.aio.UnaryUnaryClientInterceptor):
    async def intercept_unary_unary(
        self, continuation: Any, client_call_details: grpc.aio.ClientCallDetails, request: Any
    ) -> Any:
        started = time.perf_counter()
        method = client_call_details.method
        method = method.decode() if isinstance(method, bytes) else method
        call = await continuation(client_call_details, request)
        try:
            await call
            code = grpc.StatusCode.OK.name
        except grpc.aio.AioRpcError as exc:
            code = exc.code().name
        GRPC_LATENCY.labels(method, code).observe(time.perf_counter() - started)
        return call
