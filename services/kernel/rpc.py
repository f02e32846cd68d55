"""The gRPC server bootstrap every service shares: interceptors, health, reflection, graceful shutdown.

A service provides a `ServiceSpec` (its name, its servicer registration, its outbox and consumers); `Runtime`
owns the database, Redis, the token verifier and the background tasks; `serve()` runs it until SIGTERM/SIGINT
and then drains in-flight calls within the grace period.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import time
from collections.abc import Awaitable, Callable, Coroutine, Sequence
from dataclasses import dataclass, field
from functools import partial
from typing import Any

import grpc
from grpc_health.v1 import health, health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection

from services.kernel.auth import JwksKeySource, TokenVerifier, current_principal
from services.kernel.background import freeze_startup_objects, stop_task
from services.kernel.consumers import EventConsumer
from services.kernel.db import Database, connection_lost, unstorable_text
from services.kernel.errors import (
    DomainError,
    InvalidInput,
    Unavailable,
    grpc_status_of,
    trailing_metadata_of,
)
from services.kernel.events import Outbox, OutboxMixin, OutboxRelay, ProcessedEventMixin
from services.kernel.leader import LeaderElected
from services.kernel.logging import new_request_id, request_id_var
from services.kernel.redis import RedisHandle
from services.kernel.redis_lean import connect_lean
from services.kernel.revocation import RevocationList
from services.kernel.settings import Settings

DATABASE_UNAVAILABLE = "数据库暂时不可用，请稍后重试。"
UNSTORABLE_TEXT = "提交的内容含有无法保存的字符（如空字符），请删除后重试。"
log = logging.getLogger("bst.rpc")

REQUEST_ID_KEY = "x-request-id"
# A health name that answers SERVING while the process's event loop answers, whatever its database and Redis say:
# what a liveness probe asks (restarting a process does not bring a database back).
LIVENESS = "bst.liveness"


@dataclass
class ServiceSpec:
    """What a service brings to the shared bootstrap."""

    name: str  # "repair"
    full_names: Sequence[str]  # fully qualified gRPC service names, for health and reflection
    register: Callable[[grpc.aio.Server, Runtime], None]
    outbox_model: type[OutboxMixin] | None = None
    processed_model: type[ProcessedEventMixin] | None = None
    consumers: Sequence[type[EventConsumer]] = field(default_factory=tuple)
    # Long-running jobs of the service (timers, sweeps): each is called with the runtime and runs until cancelled,
    # on one replica at a time (leader-elected by its name: services/kernel/leader.py), like the outbox relay.
    tasks: Sequence[Callable[[Runtime], Coroutine[Any, Any, None]]] = field(default_factory=tuple)


class Runtime:
    """A service's live resources: database, Redis, verifier, outbox relay and event consumers."""

    def __init__(
        self,
        spec: ServiceSpec,
        settings: Settings,
        *,
        verifier: TokenVerifier | None = None,
        redis: RedisHandle | None = None,
    ) -> None:
        self.spec = spec
        self.settings = settings
        self.db = Database(settings.database_url(spec.name), pool_size=settings.database_pool_size)
        self._owns_redis = redis is None
        self.redis = redis or RedisHandle(settings.redis_url, settings.var_dir)
        self.revocations = RevocationList(self.redis.client, settings.redis_namespace)
        self.verifier = verifier or TokenVerifier(
            JwksKeySource(settings.jwks_endpoint),
            issuer=settings.issuer,
            audience=settings.jwt_audience,
            is_revoked=self.revocations.is_revoked,
        )
        self.outbox = Outbox(spec.outbox_model) if spec.outbox_model else None
        # the relay publishes every committed event: through the lean client where the URL allows one
        self.lean_redis = connect_lean(self.redis.url) if spec.outbox_model else None
        self.relay = (
            OutboxRelay(
                db=self.db,
                model=spec.outbox_model,
                redis=self.redis.client,
                lean=self.lean_redis,
                namespace=settings.redis_namespace,
                service=spec.name,
                poll_seconds=settings.outbox_poll_seconds,
                linger_seconds=settings.event_linger_seconds,
            )
            if spec.outbox_model
            else None
        )
        self.consumers = [
            consumer(
                db=self.db,
                processed_model=spec.processed_model,  # type: ignore[arg-type]
                redis=self.redis.client,  # type: ignore[arg-type]
                namespace=settings.redis_namespace,
                retry_after_seconds=settings.event_retry_after_seconds,
                max_deliveries=settings.event_max_deliveries,
                linger_seconds=settings.event_linger_seconds,
            )
            for consumer in spec.consumers
        ]

    def start_background(self) -> None:
        self.revocations.start()
        loops: dict[str, Callable[[], Awaitable[None]]] = {
            f"{self.spec.name}:{getattr(job, '__name__', 'task')}": partial(job, self)
            for job in self.spec.tasks
        }
        if self.relay:
            loops[f"{self.spec.name}:outbox-relay"] = self.relay.run
        self.leaders = [
            LeaderElected(name, loop, db=self.db, ttl_seconds=self.settings.leader_ttl_seconds)
            for name, loop in loops.items()
        ]
        self._tasks = [asyncio.create_task(leader.run(), name=leader.name) for leader in self.leaders]
        for consumer in self.consumers:
            consumer.start()

    async def check(self) -> dict[str, str]:
        """The truth about this service's dependencies: {"database": "ok"|error, "redis": ...}."""
        result: dict[str, str] = {}
        for name, probe in (("database", self.db.ping), ("redis", self.redis.client.ping)):
            try:
                await asyncio.wait_for(probe(), timeout=2.0)
                result[name] = "ok"
            except Exception as exc:  # any failure of a probe means not ready; report what it was
                result[name] = f"{type(exc).__name__}: {exc}"[:200]
        return result

    async def close(self) -> None:
        for task in getattr(self, "_tasks", []):
            await stop_task(task)
        await self.revocations.stop()
        if self.relay:
            await self.relay.stop()
        if self.lean_redis is not None:
            await self.lean_redis.close()
        for consumer in self.consumers:
            await consumer.stop()
        await self.db.dispose()
        if self._owns_redis:
            await self.redis.close()


Handler = Callable[[Any, grpc.aio.ServicerContext], Awaitable[Any]]


class KernelInterceptor(grpc.aio.ServerInterceptor):
    """Request id, caller identity and domain-error mapping, around every unary method of the service.

    The wrapped handler is built once per method and kept: a call pays for a dict lookup, not for a new closure
    and a new method handler. The per-call log line is at DEBUG (the gateway writes one line per request at the
    edge, with the same request id)."""

    PUBLIC_PREFIXES = ("/grpc.health.", "/grpc.reflection.")

    def __init__(self, verifier: TokenVerifier) -> None:
        self.verifier = verifier
        self._handlers: dict[str, Any] = {}

    async def intercept_service(
        self, continuation: Callable[..., Awaitable[Any]], handler_call_details: grpc.HandlerCallDetails
    ) -> Any:
        method = handler_call_details.method
        found = self._handlers.get(method)
        if found is not None:
            return found
        handler = await continuation(handler_call_details)
        if handler is None or handler.unary_unary is None or method.startswith(self.PUBLIC_PREFIXES):
            return handler
        wrapped = grpc.unary_unary_rpc_method_handler(
            self._wrap(handler.unary_unary, method),
            request_deserializer=handler.request_deserializer,
            response_serializer=handler.response_serializer,
        )
        self._handlers[method] = wrapped
        return wrapped

    def _wrap(self, inner: Handler, method: str) -> Handler:
        verifier = self.verifier
        debug = log.isEnabledFor

        async def call(request: Any, context: grpc.aio.ServicerContext) -> Any:
            metadata = dict(context.invocation_metadata() or ())
            rid_token = request_id_var.set(str(metadata.get(REQUEST_ID_KEY) or new_request_id()))
            started = time.perf_counter()
            status = grpc.StatusCode.OK
            principal_token = None
            try:
                principal = await verifier.principal_from_header(metadata.get("authorization"))
                principal_token = current_principal.set(principal)
                return await inner(request, context)
            except DomainError as error:
                status = grpc_status_of(error)
                context.set_trailing_metadata(trailing_metadata_of(error))
                await context.abort(status, error.message)
            except grpc.aio.AbortError:
                status = context.code() or grpc.StatusCode.UNKNOWN
                raise
            except Exception as error:
                if connection_lost(error):  # a database restart or failover: 503, the client retries
                    status = grpc.StatusCode.UNAVAILABLE
                    log.warning(
                        "database connection lost", extra={"method": method, "error": repr(error)[:300]}
                    )
                    lost = Unavailable(DATABASE_UNAVAILABLE, retry_after=1)
                    context.set_trailing_metadata(trailing_metadata_of(lost))
                    await context.abort(status, lost.message)
                if unstorable_text(error):  # e.g. a NUL character in a query or a field: 422, nothing written
                    refused = InvalidInput(UNSTORABLE_TEXT, code="unstorable_text")
                    status = grpc_status_of(refused)
                    context.set_trailing_metadata(trailing_metadata_of(refused))
                    await context.abort(status, refused.message)
                status = grpc.StatusCode.INTERNAL
                log.exception("unhandled error", extra={"method": method})
                await context.abort(grpc.StatusCode.INTERNAL, "internal error")
            finally:
                if debug(logging.DEBUG):
                    log.debug(
                        "rpc",
                        extra={
                            "method": method,
                            "code": status.name,
                            "ms": round((time.perf_counter() - started) * 1000, 2),
                        },
                    )
                if principal_token is not None:
                    current_principal.reset(principal_token)
                request_id_var.reset(rid_token)

        return call


async def _update_health(runtime: Runtime, servicer: health.aio.HealthServicer, names: Sequence[str]) -> None:
    """Report SERVING only while the database and Redis answer."""
    checks = await runtime.check()
    serving = all(v == "ok" for v in checks.values())
    status = health_pb2.HealthCheckResponse.SERVING if serving else health_pb2.HealthCheckResponse.NOT_SERVING
    for name in ("", *names):
        await servicer.set(name, status)
    if not serving:
        log.warning("not serving", extra={"checks": checks})


async def _watch_health(
    runtime: Runtime, servicer: health.aio.HealthServicer, names: Sequence[str], every: float = 5.0
) -> None:
    while True:
        await asyncio.sleep(every)
        await _update_health(runtime, servicer, names)


class RunningService:
    """A started gRPC server with its runtime; `stop()` drains in-flight calls, then releases everything."""

    def __init__(
        self,
        server: grpc.aio.Server,
        runtime: Runtime,
        port: int,
        health_task: asyncio.Task[None],
        health_servicer: health.aio.HealthServicer,
    ) -> None:
        self.server = server
        self.runtime = runtime
        self.port = port
        self._health_task = health_task
        self._health = health_servicer

    async def stop(self, grace: float | None = None) -> None:
        await stop_task(self._health_task)
        await self._health.enter_graceful_shutdown()
        await self.server.stop(self.runtime.settings.shutdown_grace_seconds if grace is None else grace)
        await self.runtime.close()


async def start_service(
    spec: ServiceSpec,
    settings: Settings,
    *,
    address: str | None = None,
    verifier: TokenVerifier | None = None,
    redis: RedisHandle | None = None,
) -> RunningService:
    """Build and start a service's server on `address` (default: its configured address; port 0 picks one)."""
    runtime = Runtime(spec, settings, verifier=verifier, redis=redis)
    server = grpc.aio.server(
        interceptors=[KernelInterceptor(runtime.verifier)],
        options=[
            ("grpc.so_reuseport", 0),
            ("grpc.max_receive_message_length", 24 << 20),
            # Clients reconnect, and so resolve `dns:///` again, at least this often: new replicas get calls.
            ("grpc.max_connection_age_ms", int(settings.grpc_max_connection_age_seconds * 1000)),
            ("grpc.max_connection_age_grace_ms", int(settings.grpc_deadline_seconds * 2000)),
        ],
    )
    spec.register(server, runtime)
    health_servicer = health.aio.HealthServicer()
    for name in ("", *spec.full_names):  # NOT_SERVING until the first check of the database and Redis passes
        await health_servicer.set(name, health_pb2.HealthCheckResponse.NOT_SERVING)
    await health_servicer.set(LIVENESS, health_pb2.HealthCheckResponse.SERVING)
    health_pb2_grpc.add_HealthServicer_to_server(health_servicer, server)
    reflection.enable_server_reflection(
        (*spec.full_names, health.SERVICE_NAME, reflection.SERVICE_NAME), server
    )
    address = address or settings.listen_addr or settings.service_addr(spec.name)
    port = server.add_insecure_port(address)
    if port == 0:
        raise RuntimeError(f"{spec.name}: cannot listen on {address}")
    await server.start()
    await _update_health(runtime, health_servicer, spec.full_names)
    runtime.start_background()
    freeze_startup_objects()
    health_task = asyncio.create_task(
        _watch_health(runtime, health_servicer, spec.full_names), name=f"health-{spec.name}"
    )
    log.info("service started", extra={"service": spec.name, "port": port})
    return RunningService(server, runtime, port, health_task, health_servicer)


async def serve(spec: ServiceSpec, settings: Settings) -> None:
    """Run a service until SIGTERM or SIGINT, then drain in-flight calls and stop."""
    running = await start_service(spec, settings)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    await stop.wait()
    log.info("draining", extra={"service": spec.name, "grace_seconds": settings.shutdown_grace_seconds})
    await running.stop()
    log.info("stopped", extra={"service": spec.name})


def main(spec: ServiceSpec) -> None:
    """The entry point of `python -m services.<name>`."""
    from services.kernel.logging import configure_logging
    from services.kernel.settings import get_settings

    settings = get_settings()
    configure_logging(spec.name, level=settings.log_level, fmt=settings.log_format)
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(serve(spec, settings))
