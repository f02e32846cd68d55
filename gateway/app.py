"""The gateway application."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from gateway import hot_routes, problems
from gateway.console.openapi import enrich as enrich_openapi
from gateway.console.pages import STATIC as CONSOLE_STATIC
from gateway.observability import RequestContextMiddleware
from gateway.routers import ROUTERS, console, docs, landing, problem_pages
from gateway.runtime import GatewayRuntime
from gateway.security import SecurityMiddleware
from services.kernel.background import freeze_startup_objects
from services.kernel.redis import RedisHandle
from services.kernel.settings import Settings, get_settings


def create_app(settings: Settings | None = None, *, redis: RedisHandle | None = None) -> FastAPI:
    settings = settings or get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        runtime = GatewayRuntime(settings, redis=redis)
        await runtime.start()
        app.state.runtime = runtime
        freeze_startup_objects()
        try:
            yield
        finally:
            await runtime.close()

    production = settings.env == "production"
    app = FastAPI(
        title="办事通 API",
        version="1.0.0",
        lifespan=lifespan,
        description="一部手机办事通: unified identity, mini-app registry and the public API of the services.",
        # /docs and /redoc are served offline by gateway.routers.docs, and only while there is an OpenAPI
        # document: in production it is off (the contract is API.md and the published OpenAPI file).
        docs_url=None,
        redoc_url=None,
        openapi_url=None if production else "/openapi.json",
        # FastAPI's own OpenTelemetry hooks: off. The gateway has its metrics (gateway/observability.py) and no
        # tracer; left on, they look for a provider on every request and wrap every dependency and endpoint.
        telemetry={"tracing": False, "metrics": False, "logs": False, "operation_spans": False},
    )
    app.state.settings = settings
    problems.install(app)
    for router in ROUTERS:
        app.include_router(router, responses=problems.problem_responses())
    for router in (landing.router, console.router, docs.router, problem_pages.router):
        app.include_router(router)
    hot_routes.install(app)  # after every router: the busiest routes without FastAPI's per-request solving
    app.mount("/static", StaticFiles(directory=CONSOLE_STATIC), name="static")
    enrich_openapi(app)  # Bearer scheme, Chinese summaries, examples, problem responses
    app.add_middleware(SecurityMiddleware)
    app.add_middleware(RequestContextMiddleware)
    return app
