"""广电报修 (broadcast-TV repair), from the repair service."""

from __future__ import annotations

from fastapi import APIRouter, Query

from bst.repair.v1 import repair_pb2
from gateway.convert import to_dict
from gateway.deps import Authorization, Clients
from services.repair.schemas import CountyRead, OutletRead

router = APIRouter(prefix="/api/v1/repair", tags=["repair"])


@router.get("/counties", operation_id="list_repair_counties", response_model=list[CountyRead])
async def list_counties(
    clients: Clients, authorization: Authorization, within: str = Query("", pattern=r"^(\d{2}(\d{2}){0,2})?$")
) -> list[dict[str, object]]:
    """Counties of Yunnan (inside a region scope) with how many repair outlets are active in each."""
    reply = await clients.repair.ListCounties(
        repair_pb2.ListCountiesRequest(within=within), **clients.options(authorization)
    )
    return [to_dict(c) for c in reply.counties]


@router.get("/outlets", operation_id="list_repair_outlets", response_model=list[OutletRead])
async def list_outlets(
    clients: Clients, authorization: Authorization, county: str = Query(..., pattern=r"^\d{6}$")
) -> list[dict[str, object]]:
    """The repair outlets of a county; staff whose region covers the county."""
    reply = await clients.repair.ListOutlets(
        repair_pb2.ListOutletsRequest(county=county), **clients.options(authorization)
    )
    return [to_dict(o) for o in reply.outlets]
