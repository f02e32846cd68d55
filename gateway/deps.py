"""Dependencies that routes declare, so that route signatures stay short."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Callable
from typing import Annotated, Any

import grpc
from fastapi import Depends, Request
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException

from gateway.clients import ServiceClients
from gateway.problems import http_status_of
from gateway.registry.access_tokens import AppCaller
from gateway.runtime import GatewayRuntime
from services.kernel.auth import Principal, current_principal, require_signed_in
from services.kernel.errors import CODE_KEY, DomainError, Unauthenticated, grpc_status_of

# The dependencies are coroutines even when they do not await: FastAPI runs a plain `def` dependency on its thread
# pool, a thread hop and a GIL hand-over on every request (measured: ~10 % of the gateway's CPU on a ticket read).


async def get_runtime(request: Request) -> GatewayRuntime:
    return request.app.state.runtime  # type: ignore[no-any-return]


async def get_clients(request: Request) -> ServiceClients:
    return request.app.state.runtime.clients  # type: ignore[no-any-return]


async def get_authorization(request: Request) -> str | None:
    """The caller's Authorization header, to pass on to a service, after the gateway verified it too: a bad token
    is refused here with 401 and never reaches a service. (Verified tokens are cached, so this costs little.)"""
    header = request.headers.get("authorization")
    if header:
        current_principal.set(await request.app.state.runtime.verifier.principal_from_header(header))
    return header


async def get_client_ip(request: Request) -> str | None:
    """The caller's address: the peer, or the trusted proxies' X-Forwarded-For entry when proxies are configured."""
    hops = request.app.state.settings.trusted_proxies
    forwarded = request.headers.get("x-forwarded-for")
    if hops and forwarded:
        chain = [part.strip() for part in forwarded.split(",") if part.strip()]
        if len(chain) >= hops:
            return chain[-hops]
    return request.client.host if request.client else None


async def get_principal(request: Request) -> Principal:
    """The caller, verified here too (the services verify again): ANONYMOUS without a token, 401 for a bad one."""
    principal = await request.app.state.runtime.verifier.principal_from_header(
        request.headers.get("authorization")
    )
    current_principal.set(principal)
    return principal  # type: ignore[no-any-return]


async def get_signed_in(principal: Annotated[Principal, Depends(get_principal)]) -> Principal:
    return require_signed_in(principal)


Runtime = Annotated[GatewayRuntime, Depends(get_runtime)]
Clients = Annotated[ServiceClients, Depends(get_clients)]
Authorization = Annotated[str | None, Depends(get_authorization)]
ClientIp = Annotated[str | None, Depends(get_client_ip)]
OptionalPrincipal = Annotated[Principal, Depends(get_principal)]
CurrentPrincipal = Annotated[Principal, Depends(get_signed_in)]


# -- mini-apps --------------------------------------------------------------------------------------------------


def _status_of(error: BaseException) -> int:
    """The HTTP status the problem handlers will answer `error` with."""
    if isinstance(error, DomainError):
        return http_status_of(grpc_status_of(error), error.code)
    if isinstance(error, grpc.aio.AioRpcError):
        return http_status_of(error.code(), str(dict(error.trailing_metadata() or ()).get(CODE_KEY) or ""))
    if isinstance(error, RequestValidationError):
        return 422
    if isinstance(error, StarletteHTTPException):
        return error.status_code
    return 500


def _app_caller(scopes: tuple[str, ...]) -> Callable[[Request], AsyncIterator[AppCaller]]:
    async def dependency(request: Request) -> AsyncIterator[AppCaller]:
        registry = request.app.state.runtime.registry
        scheme, _, token = (request.headers.get("authorization") or "").partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise Unauthenticated(
                "a mini-app calls with 'Authorization: Bearer <its token>'", code="not_signed_in"
            )
        caller: AppCaller = await registry.access.authenticate(token.strip())
        started, status = time.perf_counter(), 200
        try:
            registry.access.require_call(caller, scopes)
            yield caller
        except BaseException as error:
            status = _status_of(error)
            raise
        finally:
            await registry.traffic.record(caller.app_id, status, time.perf_counter() - started)

    return dependency


def app_caller(*scopes: str) -> Any:
    """For routes that mini-apps call with the token `authorize` gave them, declaring the scopes they need:
    `caller: Annotated[AppCaller, app_caller("profile")]`. 401 without a valid mini-app token, for a revoked
    consent or session, and for a delisted app's token; 403 when the token's scopes do not cover the route.
    Every call with a verified token is counted for the app's monitoring (status and latency)."""
    return Depends(_app_caller(scopes), scope="function")
