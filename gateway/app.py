"""The gateway application."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from gateway import problems
from gateway.observability import RequestContextMiddleware
from gateway.routers import ROUTERS
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
        # In production the API documents are off (the contract is API.md and the published OpenAPI file).
        docs_url=None if production else "/docs",
        redoc_url=None if production else "/redoc",
        openapi_url=None if production else "/openapi.json",
    )
    app.state.settings = settings
    problems.install(app)
    for router in ROUTERS:
        app.include_router(router, responses=problems.problem_responses())
    app.add_middleware(SecurityMiddleware)
    app.add_middleware(RequestContextMiddleware)
    return app
