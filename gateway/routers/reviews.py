"""好差评 (good/bad reviews), from the reviews service."""

from __future__ import annotations

from fastapi import APIRouter, Query

from bst.reviews.v1 import reviews_pb2
from gateway.convert import to_dict
from gateway.deps import Authorization, Clients
from services.reviews.schemas import IndicatorsRead

router = APIRouter(prefix="/api/v1/reviews", tags=["reviews"])


@router.get("/indicators", operation_id="get_review_indicators", response_model=IndicatorsRead)
async def get_indicators(
    clients: Clients, authorization: Authorization, region: str = Query("53", pattern=r"^\d{2}(\d{2}){0,2}$")
) -> dict[str, object]:
    """The published 好差评 indicators of a region: counts per level and the satisfaction share."""
    reply = await clients.reviews.GetIndicators(
        reviews_pb2.GetIndicatorsRequest(region=region), **clients.options(authorization)
    )
    return to_dict(reply)
