"""广电基层服务 (grassroots broadcast-TV service), from the repair service's `RepairGrassroots`: the "五个一" of every
service point (hotline, public board, printable county poster, window register), the village agents' 回访, the
reporter's choice among nearby outlets, the outlets' 四有 and the county's coverage, and "same fault?" duplicates."""

from __future__ import annotations

from typing import Annotated, Any

import grpc
from fastapi import APIRouter, Depends, Header, Path, Query, Response, status

from bst.repair.v1 import grassroots_pb2
from gateway.clients import ServiceClients
from gateway.convert import to_dict
from gateway.deps import Authorization, ClientIp, Clients, Runtime
from gateway.routers.licenses import client_network
from gateway.schemas.grassroots import (
    BoardPointRead,
    BoardRead,
    CoverageRead,
    DuplicatesRead,
    HotlineIn,
    HotlineRead,
    JoinedRead,
    JoinIn,
    NearbyOutletsRead,
    PointProfileIn,
    QualificationIn,
    QualificationRead,
    VillageRepairerIn,
    VillageRepairerRead,
    VisitIn,
    VisitRecordRead,
    VisitTicketRead,
    WalkInIn,
    WalkInRead,
)
from gateway.schemas.repair import Category

router = APIRouter(prefix="/api/v1/repair", tags=["repair-grassroots"])

CountyPath = Annotated[str, Path(pattern=r"^\d{6}$")]
PointPath = Annotated[str, Path(min_length=1, max_length=40, pattern=r"^[A-Za-z0-9-]+$")]
OutletPath = Annotated[str, Path(min_length=1, max_length=40)]
TicketNo = Annotated[str, Path(pattern=r"^BX\d{16,18}$")]
LIMIT_WINDOW_SECONDS = 60
LIMIT_PER_NETWORK = 300
PAGE_TIMEOUT = 1.0
PROVINCE_HOTLINE = "12345"  # 政务服务便民热线
LIMITED: dict[int | str, dict[str, Any]] = {
    429: {"description": "too many requests from this network (Retry-After)"}
}


def per_network(name: str):  # type: ignore[no-untyped-def]
    """A route's rate limit per client network (429 with Retry-After): public pages are printed on walls."""

    async def hit(runtime: Runtime, ip: ClientIp) -> None:
        await runtime.limiter.hit(
            f"grassroots:{name}:{client_network(ip)}",
            limit=LIMIT_PER_NETWORK,
            window_seconds=LIMIT_WINDOW_SECONDS,
            message="请求过于频繁，请稍后再试",
        )

    return Depends(hit)


# -- 五个一: hotline, board, poster, window register ----------------------------------------------------------------


@router.get(
    "/counties/{county}/hotline",
    operation_id="get_repair_hotline",
    response_model=HotlineRead,
    dependencies=[per_network("hotline")],
    responses=LIMITED,
)
async def get_hotline(
    county: CountyPath, clients: Clients, authorization: Authorization
) -> dict[str, object]:
    """The county's broadcast-TV service phone (服务热线); the province's 12345 while the county has set none."""
    return to_dict(
        await clients.grassroots.GetHotline(
            grassroots_pb2.CountyRequest(county=county), **clients.options(authorization)
        )
    )


@router.put("/counties/{county}/hotline", operation_id="set_repair_hotline", response_model=HotlineRead)
async def set_hotline(
    county: CountyPath, body: HotlineIn, clients: Clients, authorization: Authorization
) -> dict[str, object]:
    """The county admin of that county (or a platform admin) sets the county's service phone."""
    return to_dict(
        await clients.grassroots.SetHotline(
            grassroots_pb2.SetHotlineRequest(county=county, phone=body.phone, hours=body.hours),
            **clients.options(authorization),
        )
    )


@router.get(
    "/counties/{county}/board",
    operation_id="get_repair_board",
    response_model=BoardRead,
    dependencies=[per_network("board")],
    responses=LIMITED,
)
async def get_board(county: CountyPath, clients: Clients, authorization: Authorization) -> dict[str, object]:
    """公示栏: the county's hotline and service scope, and every service point's name, address, hours, phone, scope."""
    return to_dict(
        await clients.grassroots.GetBoard(
            grassroots_pb2.CountyRequest(county=county), **clients.options(authorization)
        )
    )


@router.put(
    "/service-points/{point_id}/profile",
    operation_id="set_service_point_profile",
    response_model=BoardPointRead,
)
async def set_point_profile(
    point_id: PointPath, body: PointProfileIn, clients: Clients, authorization: Authorization
) -> dict[str, object]:
    """What the board shows of a service point (address, hours, phone, scope); county admins in region."""
    return to_dict(
        await clients.grassroots.SetPointProfile(
            grassroots_pb2.SetPointProfileRequest(point_id=point_id, **body.model_dump()),
            **clients.options(authorization),
        )
    )


@router.get(
    "/counties/{county}/poster",
    operation_id="get_repair_poster",
    dependencies=[per_network("poster")],
    responses={200: {"content": {"image/svg+xml": {}, "text/html": {}}}, **LIMITED},
)
async def get_poster(
    county: CountyPath,
    clients: Clients,
    authorization: Authorization,
    format: Annotated[str, Query(pattern="^(svg|html)$")] = "svg",
    point: Annotated[str, Query(max_length=40)] = "",
) -> Response:
    """The printable county QR poster: the county's name, its scan code, the hotline and the service scope (an A4
    SVG, or an HTML page to print from a browser). 404 for an unknown county."""
    reply = await clients.grassroots.GetPoster(
        grassroots_pb2.GetPosterRequest(county=county, point=point, format=format),
        **clients.options(authorization),
    )
    return Response(
        reply.data,
        media_type=reply.content_type,
        headers={
            "X-QR-URL": reply.qr_url,
            "Cache-Control": "public, max-age=300",
            "Content-Disposition": f'inline; filename="repair-poster-{county}.{format}"',
            "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; img-src data:",
            "X-Content-Type-Options": "nosniff",
        },
    )


@router.post(
    "/service-points/{point_id}/walk-ins",
    status_code=status.HTTP_201_CREATED,
    operation_id="record_walk_in",
    response_model=WalkInRead,
)
async def record_walk_in(
    point_id: PointPath,
    body: WalkInIn,
    clients: Clients,
    authorization: Authorization,
    idempotency_key: Annotated[str | None, Header(max_length=100)] = None,
) -> dict[str, object]:
    """登记本: window staff write a walk-in report; it becomes a ticket with channel `window`, dispatched at once."""
    data = body.model_dump(mode="json", exclude_none=True)
    request = grassroots_pb2.RecordWalkInRequest(
        point_id=point_id, idempotency_key=idempotency_key or "", **data
    )
    return to_dict(await clients.grassroots.RecordWalkIn(request, **clients.options(authorization)))


@router.get(
    "/service-points/{point_id}/walk-ins",
    operation_id="list_walk_ins",
    response_model=list[WalkInRead],
    responses={200: {"content": {"text/csv": {}}}},
)
async def list_walk_ins(
    point_id: PointPath,
    clients: Clients,
    authorization: Authorization,
    day: Annotated[
        str, Query(pattern=r"^(\d{4}-\d{2}-\d{2})?$", description="China date; today when empty")
    ] = "",
    format: Annotated[str, Query(pattern="^(json|csv)$")] = "json",
) -> Response | list[dict[str, object]]:
    """The register of one day, in writing order; `format=csv` for the printable export."""
    reply = await clients.grassroots.ListWalkIns(
        grassroots_pb2.ListWalkInsRequest(point_id=point_id, day=day, format=format),
        **clients.options(authorization),
    )
    if format == "csv":
        return Response(
            reply.csv,
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": f'attachment; filename="{reply.filename}"'},
        )
    return [to_dict(w) for w in reply.walk_ins]


# -- village agents: 回访 ------------------------------------------------------------------------------------------


@router.get("/visits", operation_id="list_follow_up_visits", response_model=list[VisitTicketRead])
async def list_visits(
    clients: Clients, authorization: Authorization, done: bool = False
) -> list[dict[str, object]]:
    """For a village agent: the repaired tickets of their village points waiting for 回访 (`done` for the closed)."""
    reply = await clients.grassroots.ListVisits(
        grassroots_pb2.ListVisitsRequest(done=done), **clients.options(authorization)
    )
    return [to_dict(t) for t in reply.tickets]


@router.post("/visits/{ticket_no}", operation_id="record_follow_up_visit", response_model=VisitRecordRead)
async def record_visit(
    ticket_no: TicketNo, body: VisitIn, clients: Clients, authorization: Authorization
) -> dict[str, object]:
    """回访 by the agent of the ticket's village: restored closes it and asks the resident to rate it themself."""
    return to_dict(
        await clients.grassroots.RecordVisit(
            grassroots_pb2.RecordVisitRequest(ticket_no=ticket_no, **body.model_dump()),
            **clients.options(authorization),
        )
    )


# -- outlets: the reporter's choice, 四有, coverage --------------------------------------------------------------


@router.get(
    "/outlets/nearby",
    operation_id="list_nearby_outlets",
    response_model=NearbyOutletsRead,
    dependencies=[per_network("nearby")],
    responses=LIMITED,
)
async def nearby_outlets(
    clients: Clients,
    authorization: Authorization,
    category: Category,
    qr: Annotated[str, Query(max_length=500)] = "",
    county: Annotated[str, Query(pattern=r"^(\d{6})?$")] = "",
    lat: Annotated[float | None, Query(ge=-90, le=90)] = None,
    lng: Annotated[float | None, Query(ge=-180, le=180)] = None,
) -> dict[str, object]:
    """The qualifying outlets near the point (the county's centre without one), nearest first, with distance, phone,
    hours and mean rating: the reporter may pick one as `outlet_id` when reporting."""
    request = grassroots_pb2.NearbyOutletsRequest(qr=qr, county=county, category=category.value)
    if lat is not None:
        request.lat = lat
    if lng is not None:
        request.lng = lng
    return to_dict(await clients.grassroots.NearbyOutlets(request, **clients.options(authorization)))


@router.put(
    "/outlets/{outlet_id}/qualification",
    operation_id="set_outlet_qualification",
    response_model=QualificationRead,
)
async def set_qualification(
    outlet_id: OutletPath, body: QualificationIn, clients: Clients, authorization: Authorization
) -> dict[str, object]:
    """四有 (licence, shop address, technicians ≥ 1, spare parts): refused with every missing item at once."""
    data = body.model_dump(exclude_none=True)
    return to_dict(
        await clients.grassroots.SetQualification(
            grassroots_pb2.SetQualificationRequest(outlet_id=outlet_id, **data),
            **clients.options(authorization),
        )
    )


@router.post(
    "/service-points/{point_id}/repairers",
    status_code=status.HTTP_201_CREATED,
    operation_id="add_village_repairer",
    response_model=VillageRepairerRead,
)
async def add_village_repairer(
    point_id: PointPath, body: VillageRepairerIn, clients: Clients, authorization: Authorization
) -> dict[str, object]:
    """A part-time village repairer (村级兼职维修员) of a village service point; county admins in region."""
    return to_dict(
        await clients.grassroots.AddVillageRepairer(
            grassroots_pb2.AddVillageRepairerRequest(point_id=point_id, name=body.name, phone=body.phone),
            **clients.options(authorization),
        )
    )


@router.get("/counties/{county}/coverage", operation_id="get_repair_coverage", response_model=CoverageRead)
async def get_coverage(
    county: CountyPath, clients: Clients, authorization: Authorization
) -> dict[str, object]:
    """Coverage: per township its outlets and village repairers; townships without a qualified outlet flagged."""
    return to_dict(
        await clients.grassroots.GetCoverage(
            grassroots_pb2.CountyRequest(county=county), **clients.options(authorization)
        )
    )


# -- duplicates ----------------------------------------------------------------------------------------------------


@router.get(
    "/duplicates",
    operation_id="find_duplicate_tickets",
    response_model=DuplicatesRead,
    dependencies=[per_network("duplicates")],
    responses=LIMITED,
)
async def find_duplicates(
    clients: Clients,
    authorization: Authorization,
    category: Category,
    lat: Annotated[float, Query(ge=-90, le=90)],
    lng: Annotated[float, Query(ge=-180, le=180)],
    qr: Annotated[str, Query(max_length=500)] = "",
    county: Annotated[str, Query(pattern=r"^(\d{6})?$")] = "",
    days: Annotated[int, Query(ge=1, le=30)] = 7,
) -> dict[str, object]:
    """同一故障？ Before reporting: open tickets of the category within 200 m reported in the last `days` days."""
    return to_dict(
        await clients.grassroots.FindDuplicates(
            grassroots_pb2.FindDuplicatesRequest(
                qr=qr, county=county, category=category.value, lat=lat, lng=lng, days=days
            ),
            **clients.options(authorization),
        )
    )


@router.post(
    "/tickets/{ticket_no}/join",
    operation_id="join_repair_ticket",
    response_model=JoinedRead,
    dependencies=[per_network("join")],
    responses=LIMITED,
)
async def join_ticket(
    ticket_no: TicketNo, body: JoinIn, clients: Clients, authorization: Authorization
) -> dict[str, object]:
    """The same fault: join the open ticket instead of filing a new one, and be told of its progress."""
    return to_dict(
        await clients.grassroots.JoinTicket(
            grassroots_pb2.JoinTicketRequest(ticket_no=ticket_no, lat=body.lat, lng=body.lng),
            **clients.options(authorization),
        )
    )


async def hotline_for_page(clients: ServiceClients, county: str) -> str:
    """The phone the scan page shows: the county's, or 12345 when the county is unknown or the service away (the
    page must give a number to call even then)."""
    try:
        reply = await clients.grassroots.GetHotline(
            grassroots_pb2.CountyRequest(county=county), **{**clients.options(None), "timeout": PAGE_TIMEOUT}
        )
    except (grpc.aio.AioRpcError, TimeoutError):
        return PROVINCE_HOTLINE
    return str(reply.phone)
