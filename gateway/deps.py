"""Dependencies that routes declare, so that route signatures stay short."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from gateway.clients import ServiceClients
from gateway.runtime import GatewayRuntime
from services.kernel.auth import Principal, current_principal, require_signed_in


def get_runtime(request: Request) -> GatewayRuntime:
    return request.app.state.runtime  # type: ignore[no-any-return]


def get_clients(request: Request) -> ServiceClients:
    return request.app.state.runtime.clients  # type: ignore[no-any-return]


async def get_authorization(request: Request) -> str | None:
    """The caller's Authorization header, to pass on to a service, after the gateway verified it too: a bad token
    is refused here with 401 and never reaches a service. (Verified tokens are cached, so this costs little.)"""
    header = request.headers.get("authorization")
    if header:
        current_principal.set(await request.app.state.runtime.verifier.principal_from_header(header))
    return header


def get_client_ip(request: Request) -> str | None:
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
