"""The catalogue of service items (事项) under its first path, kept for existing clients; see routers/intake.py."""

from __future__ import annotations

from fastapi import APIRouter, Query

from bst.intake.v1 import intake_pb2
from gateway.convert import to_dict
from gateway.deps import Authorization, Clients
from gateway.schemas.intake import ItemRead

router = APIRouter(prefix="/api/v1/service-items", tags=["service items"])


@router.get("", operation_id="list_service_items", response_model=list[ItemRead])
async def list_service_items(
    clients: Clients,
    authorization: Authorization,
    region: str = Query("", max_length=6, description="region adcode or prefix; items offered there"),
    category: str = Query("", max_length=40),
    q: str = Query("", max_length=50),
) -> list[ItemRead]:
    reply = await clients.intake.ListServiceItems(
        intake_pb2.ListServiceItemsRequest(region=region, category=category, q=q),
        **clients.options(authorization),
    )
    return [ItemRead.from_message(to_dict(item)) for item in reply.items]


@router.get("/{code}", operation_id="get_service_item", response_model=ItemRead)
async def get_service_item(code: str, clients: Clients, authorization: Authorization) -> ItemRead:
    reply = await clients.intake.GetServiceItem(
        intake_pb2.GetServiceItemRequest(code=code), **clients.options(authorization)
    )
    return ItemRead.from_message(to_dict(reply))
