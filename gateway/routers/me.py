"""The signed-in person's own space."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable
from typing import Annotated, Any

import grpc
from fastapi import APIRouter, Query

from bst.repair.v1 import repair_pb2
from bst.reviews.v1 import reviews_pb2
from gateway.convert import to_dict
from gateway.deps import Authorization, ClientIp, Clients, CurrentPrincipal, Runtime
from gateway.identity.schemas import Me, RealNameRequest, UserSpaceSummary
from gateway.routers.wallet import link_holder
from gateway.schemas.repair import NotificationRead

log = logging.getLogger("bst.gateway.me")
router = APIRouter(prefix="/api/v1/me", tags=["user space"])


@router.get("", operation_id="get_me", response_model=Me)
async def get_me(runtime: Runtime, principal: CurrentPrincipal) -> Me:
    async with runtime.db.reader() as session:
        return await runtime.identity.get_me(session=session, principal=principal)


@router.get("/summary", operation_id="get_user_space_summary", response_model=UserSpaceSummary)
async def get_summary(
    principal: CurrentPrincipal, clients: Clients, authorization: Authorization
) -> UserSpaceSummary:
    """Counts for the user space, asked of each service with the caller's own token. A service that is down
    leaves its count null rather than failing the page."""
    options = clients.options(authorization)

    async def count(call: Awaitable[Any]) -> int | None:
        try:
            return int((await call).count)
        except grpc.aio.AioRpcError:
            return None

    reviews, tickets = await asyncio.gather(
        count(clients.reviews.CountMyReviews(reviews_pb2.CountMyReviewsRequest(), **options)),
        count(clients.repair.CountMyTickets(repair_pb2.CountMyTicketsRequest(), **options)),
    )
    return UserSpaceSummary(reviews=reviews, repair_tickets=tickets)


@router.get("/notifications", operation_id="list_my_notifications", response_model=list[NotificationRead])
async def list_notifications(
    principal: CurrentPrincipal,
    clients: Clients,
    authorization: Authorization,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> list[dict[str, object]]:
    """Messages about my repair tickets (and, for county staff, their region's alerts), newest first."""
    reply = await clients.repair.ListMyNotifications(
        repair_pb2.ListMyNotificationsRequest(limit=limit), **clients.options(authorization)
    )
    return [to_dict(n) for n in reply.notifications]


@router.post("/real-name", operation_id="bind_id_number", response_model=Me)
async def bind_id_number(
    body: RealNameRequest,
    runtime: Runtime,
    principal: CurrentPrincipal,
    ip: ClientIp,
    clients: Clients,
    authorization: Authorization,
) -> Me:
    """Bind a resident ID number (checked by GB 11643; encrypted at rest) and raise the real-name level. Licenses
    issued to that number then appear in the wallet (`GET /api/v1/me/licenses`)."""
    async with runtime.db.transaction() as session:
        me = await runtime.identity.bind_id_number(
            session=session, principal=principal, real_name=body, ip=ip
        )
    try:  # the wallet links again on its next read if the licenses service does not answer now
        await link_holder(runtime, clients, principal, authorization)
    except grpc.aio.AioRpcError as error:
        log.warning("licenses holder link deferred", extra={"grpc_code": error.code().name})
    return me
