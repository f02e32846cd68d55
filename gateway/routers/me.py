"""The signed-in person's own space."""

from __future__ import annotations

import grpc
from fastapi import APIRouter

from bst.reviews.v1 import reviews_pb2
from gateway.deps import Authorization, ClientIp, Clients, CurrentPrincipal, Runtime
from gateway.identity.schemas import Me, RealNameRequest, UserSpaceSummary

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
    try:
        reviews = (
            await clients.reviews.CountMyReviews(
                reviews_pb2.CountMyReviewsRequest(), **clients.options(authorization)
            )
        ).count
    except grpc.aio.AioRpcError:
        reviews = None
    return UserSpaceSummary(reviews=reviews)


@router.post("/real-name", operation_id="bind_id_number", response_model=Me)
async def bind_id_number(
    body: RealNameRequest, runtime: Runtime, principal: CurrentPrincipal, ip: ClientIp
) -> Me:
    """Bind a resident ID number (checked by GB 11643; encrypted at rest) and raise the real-name level."""
    async with runtime.db.transaction() as session:
        return await runtime.identity.bind_id_number(
            session=session, principal=principal, real_name=body, ip=ip
        )
