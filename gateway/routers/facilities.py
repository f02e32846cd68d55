"""Public broadcast facilities of a county (from the repair service's `RepairFacilities`): the asset register of
发射转播台 and 应急广播终端, inspection plans and records (巡检), management platforms and the heartbeats they sign,
the terminals' online rate and broadcast hours, and the county's approved repair fees."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Header, Path, Query, Request, status

from bst.repair.v1 import facilities_pb2
from gateway.convert import to_dict
from gateway.deps import Authorization, ClientIp, Clients, Runtime
from gateway.schemas.facilities import (
    FacilityCreate,
    FacilityKind,
    FacilityRead,
    FeeScheduleIn,
    FeeScheduleRead,
    HeartbeatAck,
    HeartbeatIn,
    InspectionIn,
    InspectionPlanIn,
    InspectionRead,
    PlatformCreate,
    PlatformRead,
    TerminalHealthReport,
)

router = APIRouter(prefix="/api/v1/repair", tags=["repair facilities"])

AssetId = Annotated[str, Path(pattern=r"^FA[0-9a-f]{20}$")]
CountyPath = Annotated[str, Path(pattern=r"^\d{6}$")]
CountyQuery = Annotated[str, Query(pattern=r"^\d{6}$")]
Day = Annotated[str, Query(pattern=r"^\d{4}-\d{2}-\d{2}$", description="YYYY-MM-DD, China time")]
Obj = dict[str, object]


# -- the asset register and inspections --------------------------------------------------------------------------


@router.post(
    "/facilities",
    status_code=status.HTTP_201_CREATED,
    operation_id="create_repair_facility",
    response_model=FacilityRead,
)
async def create_facility(body: FacilityCreate, clients: Clients, authorization: Authorization) -> Obj:
    """A county admin of that county (or a platform admin) registers a transmitter or an emergency-broadcast
    terminal; `inspection_interval_days` sets its inspection plan. 409 `facility_exists` for a code in use."""
    data = body.model_dump(mode="json", exclude_none=True)
    reply = await clients.repair_facilities.CreateFacility(
        facilities_pb2.CreateFacilityRequest(**data), **clients.options(authorization)
    )
    return to_dict(reply)


@router.get("/facilities", operation_id="list_repair_facilities", response_model=list[FacilityRead])
async def list_facilities(
    clients: Clients,
    authorization: Authorization,
    county: CountyQuery,
    kind: Annotated[FacilityKind | None, Query()] = None,
) -> list[Obj]:
    """The county's registered facilities; staff whose region covers the county."""
    reply = await clients.repair_facilities.ListFacilities(
        facilities_pb2.ListFacilitiesRequest(county=county, kind=kind.value if kind else ""),
        **clients.options(authorization),
    )
    return [to_dict(f) for f in reply.facilities]


@router.get(
    "/facilities/overdue-inspections",
    operation_id="list_overdue_inspections",
    response_model=list[FacilityRead],
)
async def list_overdue(clients: Clients, authorization: Authorization, county: CountyQuery) -> list[Obj]:
    """The county's facilities whose planned inspection is past due, the longest overdue first."""
    reply = await clients.repair_facilities.ListOverdueInspections(
        facilities_pb2.ListFacilitiesRequest(county=county), **clients.options(authorization)
    )
    return [to_dict(f) for f in reply.facilities]


@router.get(
    "/facilities/terminal-health",
    operation_id="get_terminal_health",
    response_model=TerminalHealthReport,
)
async def terminal_health(
    clients: Clients,
    authorization: Authorization,
    county: CountyQuery,
    from_: Annotated[Day | None, Query(alias="from")] = None,
    to: Day | None = None,
) -> Obj:
    """Each emergency-broadcast terminal's online rate and broadcast hours a day over the period (by default the
    last 7 days), from its heartbeats; below 90 % online or 1.5 hours a day is flagged."""
    request = facilities_pb2.TerminalHealthRequest(county=county, to=to or "")
    setattr(request, "from", from_ or "")
    reply = await clients.repair_facilities.GetTerminalHealth(request, **clients.options(authorization))
    return to_dict(reply)


@router.get("/facilities/{asset_id}", operation_id="get_repair_facility", response_model=FacilityRead)
async def get_facility(asset_id: AssetId, clients: Clients, authorization: Authorization) -> Obj:
    reply = await clients.repair_facilities.GetFacility(
        facilities_pb2.GetFacilityRequest(asset_id=asset_id), **clients.options(authorization)
    )
    return to_dict(reply)


@router.put(
    "/facilities/{asset_id}/inspection-plan",
    operation_id="set_inspection_plan",
    response_model=FacilityRead,
)
async def set_inspection_plan(
    asset_id: AssetId, body: InspectionPlanIn, clients: Clients, authorization: Authorization
) -> Obj:
    """Inspect every `interval_days`: the next inspection is due that long after the last one (or from now)."""
    reply = await clients.repair_facilities.SetInspectionPlan(
        facilities_pb2.SetInspectionPlanRequest(asset_id=asset_id, interval_days=body.interval_days),
        **clients.options(authorization),
    )
    return to_dict(reply)


@router.post(
    "/facilities/{asset_id}/inspections",
    status_code=status.HTTP_201_CREATED,
    operation_id="record_inspection",
    response_model=InspectionRead,
)
async def record_inspection(
    asset_id: AssetId, body: InspectionIn, clients: Clients, authorization: Authorization
) -> Obj:
    """An outlet technician or county admin of the county records a visit, with photo or video evidence uploaded
    through `POST /api/v1/repair/uploads`; the next inspection falls due one interval later."""
    reply = await clients.repair_facilities.RecordInspection(
        facilities_pb2.RecordInspectionRequest(
            asset_id=asset_id, result=body.result.value, note=body.note, evidence_ids=body.evidence
        ),
        **clients.options(authorization),
    )
    return to_dict(reply)


@router.get(
    "/facilities/{asset_id}/inspections",
    operation_id="list_inspections",
    response_model=list[InspectionRead],
)
async def list_inspections(asset_id: AssetId, clients: Clients, authorization: Authorization) -> list[Obj]:
    reply = await clients.repair_facilities.ListInspections(
        facilities_pb2.GetFacilityRequest(asset_id=asset_id), **clients.options(authorization)
    )
    return [to_dict(i) for i in reply.inspections]


# -- management platforms and heartbeats -------------------------------------------------------------------------


@router.post(
    "/broadcast-platforms",
    status_code=status.HTTP_201_CREATED,
    operation_id="register_broadcast_platform",
    response_model=PlatformRead,
)
async def register_platform(body: PlatformCreate, clients: Clients, authorization: Authorization) -> Obj:
    """A county admin registers an emergency-broadcast management platform with its Ed25519 public key, or gets an
    HMAC-SHA256 secret (in this answer only)."""
    reply = await clients.repair_facilities.RegisterBroadcastPlatform(
        facilities_pb2.RegisterBroadcastPlatformRequest(**body.model_dump(mode="json")),
        **clients.options(authorization),
    )
    return to_dict(reply)


@router.get(
    "/broadcast-platforms", operation_id="list_broadcast_platforms", response_model=list[PlatformRead]
)
async def list_platforms(clients: Clients, authorization: Authorization, county: CountyQuery) -> list[Obj]:
    reply = await clients.repair_facilities.ListBroadcastPlatforms(
        facilities_pb2.ListFacilitiesRequest(county=county), **clients.options(authorization)
    )
    return [to_dict(p) for p in reply.platforms]


@router.post(
    "/heartbeats",
    status_code=status.HTTP_202_ACCEPTED,
    operation_id="record_terminal_heartbeat",
    response_model=HeartbeatAck,
)
async def record_heartbeat(
    body: HeartbeatIn,
    request: Request,
    clients: Clients,
    runtime: Runtime,
    platform_id: Annotated[str, Header(alias="X-Platform-Id", max_length=40)] = "",
    timestamp: Annotated[str, Header(alias="X-Timestamp", max_length=20)] = "",
    nonce: Annotated[str, Header(alias="X-Nonce", max_length=64)] = "",
    signature: Annotated[str, Header(alias="X-Signature", max_length=200)] = "",
) -> Obj:
    """A management platform reports one terminal's heartbeat. It signs
    `"{X-Platform-Id}\\n{X-Timestamp}\\n{X-Nonce}\\n" + body` (the body's exact bytes) with its Ed25519 key
    (`X-Signature`: base64url) or its HMAC-SHA256 secret (hex). `X-Timestamp` is unix seconds within ±5 minutes;
    each `X-Nonce` (16-64 of A-Z a-z 0-9 - _) is accepted once. 401 for a bad signature or a stale timestamp, 409
    for a reused nonce, 404 for a terminal not registered on this platform."""
    await runtime.limiter.hit(
        f"heartbeat:{platform_id or 'none'}",
        limit=6000,
        window_seconds=60,
        message="too many heartbeats from this platform",
    )
    reply = await clients.repair_facilities.RecordHeartbeat(
        facilities_pb2.HeartbeatRequest(
            platform_id=platform_id,
            timestamp=timestamp,
            nonce=nonce,
            signature=signature,
            body=await request.body(),
        ),
        **clients.options(None),
    )
    del body  # validated for the 422 and the OpenAPI; the service checks the signature over the raw bytes
    return to_dict(reply)


# -- fees ----------------------------------------------------------------------------------------------------


@router.get("/counties/{county}/fees", operation_id="get_repair_fees", response_model=FeeScheduleRead)
async def get_fees(county: CountyPath, clients: Clients, runtime: Runtime, ip: ClientIp) -> Obj:
    """Anyone: the county's approved repair fee items (amounts in fen) and its free services."""
    await runtime.limiter.hit(f"fees:ip:{ip}", limit=300, window_seconds=60, message="too many requests")
    reply = await clients.repair_facilities.GetFeeSchedule(
        facilities_pb2.GetFeeScheduleRequest(county=county), **clients.options(None)
    )
    return to_dict(reply)


@router.put("/counties/{county}/fees", operation_id="set_repair_fees", response_model=FeeScheduleRead)
async def set_fees(
    county: CountyPath, body: FeeScheduleIn, clients: Clients, authorization: Authorization
) -> Obj:
    """A county admin of that county publishes its approved fee items and free services (replacing the list)."""
    reply = await clients.repair_facilities.SetFeeSchedule(
        facilities_pb2.FeeSchedule(
            county=county,
            items=[facilities_pb2.FeeItem(**item.model_dump()) for item in body.items],
            free_services=body.free_services,
        ),
        **clients.options(authorization),
    )
    return to_dict(reply)
