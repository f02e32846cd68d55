"""广电报修 (broadcast-TV repair), from the repair service: the network, the county QR, tickets, statistics."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Body, Header, Path, Query, Request, Response, UploadFile, status
from fastapi.responses import JSONResponse

from bst.repair.v1 import repair_pb2
from gateway.convert import AnswerJSON, ticket_answer, to_dict
from gateway.deps import Authorization, Clients
from gateway.schemas.repair import (
    CancelIn,
    CountyRead,
    DispatchDecisionRead,
    EvidenceRead,
    FollowUpIn,
    OutletCreate,
    OutletCreated,
    OutletRead,
    OutletUpdate,
    QrKeyRead,
    QrTargetRead,
    RatingIn,
    RejectIn,
    ResolveIn,
    ServicePointCreate,
    ServicePointRead,
    StatsRead,
    TicketCreate,
    TicketPage,
    TicketRead,
)
from services.kernel.errors import FieldError, InvalidInput

router = APIRouter(prefix="/api/v1/repair", tags=["repair"])

CountyPath = Annotated[str, Path(pattern=r"^\d{6}$")]
TicketNo = Annotated[str, Path(pattern=r"^BX\d{16,18}$")]
RegionQuery = Annotated[
    str, Query(pattern=r"^\d{2}(\d{2}){0,2}$", description="county adcode, prefecture or 53")
]
UPLOAD_LIMIT = 20 << 20


def ticket_json(message: repair_pb2.Ticket, status_code: int = 200) -> JSONResponse:
    """The ticket's answer, converted once from the proto (the route's `response_model` is for the OpenAPI)."""
    return AnswerJSON(ticket_answer(message), status_code=status_code)


# -- the network -------------------------------------------------------------------------------------------------


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


@router.post(
    "/outlets",
    status_code=status.HTTP_201_CREATED,
    operation_id="create_repair_outlet",
    response_model=OutletCreated,
)
async def create_outlet(
    body: OutletCreate, clients: Clients, authorization: Authorization
) -> dict[str, object]:
    """A county admin of that county (or a platform admin) adds a repair outlet, with its 四有 if given
    (all four checked, recorded with the outlet; none missing or nothing is written)."""
    fields = body.model_dump(mode="json", exclude={"qualification"})
    request = repair_pb2.CreateOutletRequest(**fields)
    if body.qualification is not None:
        request.qualification.CopyFrom(
            repair_pb2.FourHaves(**body.qualification.model_dump(mode="json", exclude_none=True))
        )
    reply = await clients.repair.CreateOutlet(request, **clients.options(authorization))
    return {**to_dict(reply), "four_haves_on_record": reply.four_haves_on_record}


@router.patch("/outlets/{outlet_id}", operation_id="update_repair_outlet", response_model=OutletRead)
async def update_outlet(
    outlet_id: Annotated[str, Path(max_length=40)],
    body: OutletUpdate,
    clients: Clients,
    authorization: Authorization,
) -> dict[str, object]:
    changes = body.model_dump(mode="json", exclude_unset=True)
    categories = changes.pop("categories", None)
    request = repair_pb2.UpdateOutletRequest(outlet_id=outlet_id, **changes)
    if categories is not None:
        request.categories.extend(categories)
        request.set_categories = True
    return to_dict(await clients.repair.UpdateOutlet(request, **clients.options(authorization)))


@router.get("/service-points", operation_id="list_service_points", response_model=list[ServicePointRead])
async def list_service_points(
    clients: Clients, authorization: Authorization, county: str = Query(..., pattern=r"^\d{6}$")
) -> list[dict[str, object]]:
    """乡镇便民服务网点 and 村组代办点 of a county."""
    reply = await clients.repair.ListServicePoints(
        repair_pb2.ListServicePointsRequest(county=county), **clients.options(authorization)
    )
    return [to_dict(p) for p in reply.points]


@router.post(
    "/service-points",
    status_code=status.HTTP_201_CREATED,
    operation_id="create_service_point",
    response_model=ServicePointRead,
)
async def create_service_point(
    body: ServicePointCreate, clients: Clients, authorization: Authorization
) -> dict[str, object]:
    reply = await clients.repair.CreateServicePoint(
        repair_pb2.CreateServicePointRequest(**body.model_dump(mode="json")), **clients.options(authorization)
    )
    return to_dict(reply)


# -- the county QR code ------------------------------------------------------------------------------------------


@router.get(
    "/counties/{county}/qr",
    operation_id="get_county_qr",
    responses={200: {"content": {"image/svg+xml": {}, "image/png": {}}}},
)
async def county_qr(
    county: CountyPath,
    clients: Clients,
    authorization: Authorization,
    format: Annotated[str, Query(pattern="^(svg|png)$")] = "svg",
    point: Annotated[str, Query(max_length=40)] = "",
) -> Response:
    """The county's printable service QR code (一码管全程): an https URL carrying the county and a signature."""
    reply = await clients.repair.GetCountyQr(
        repair_pb2.GetCountyQrRequest(county=county, point=point, format=format),
        **clients.options(authorization),
    )
    return Response(
        reply.image,
        media_type=reply.content_type,
        headers={
            "X-QR-URL": reply.url,
            "Cache-Control": "public, max-age=300",
            "Content-Disposition": f'inline; filename="repair-{county}.{format}"',
        },
    )


@router.get("/qr", operation_id="resolve_repair_qr", response_model=QrTargetRead)
async def resolve_qr(
    clients: Clients, authorization: Authorization, qr: Annotated[str, Query(min_length=10, max_length=500)]
) -> dict[str, object]:
    """What a scanned code names (county, service point), after checking its signature."""
    return to_dict(
        await clients.repair.ResolveQr(repair_pb2.ResolveQrRequest(qr=qr), **clients.options(authorization))
    )


@router.post(
    "/counties/{county}/qr-keys",
    status_code=status.HTTP_201_CREATED,
    operation_id="rotate_qr_key",
    response_model=QrKeyRead,
)
async def rotate_qr_key(
    county: CountyPath, clients: Clients, authorization: Authorization
) -> dict[str, object]:
    """Print new codes under a new key; older printed codes keep working until their key is revoked."""
    return to_dict(
        await clients.repair.RotateQrKey(
            repair_pb2.RotateQrKeyRequest(county=county), **clients.options(authorization)
        )
    )


@router.post(
    "/counties/{county}/qr-keys/{kid}/revoke", operation_id="revoke_qr_key", response_model=QrKeyRead
)
async def revoke_qr_key(
    county: CountyPath,
    kid: Annotated[str, Path(pattern=r"^[0-9a-f]{8}$")],
    clients: Clients,
    authorization: Authorization,
) -> dict[str, object]:
    """Withdraw every code printed under this key (a lost or tampered poster)."""
    return to_dict(
        await clients.repair.RevokeQrKey(
            repair_pb2.RevokeQrKeyRequest(county=county, kid=kid), **clients.options(authorization)
        )
    )


# -- evidence ----------------------------------------------------------------------------------------------------


@router.post(
    "/uploads",
    status_code=status.HTTP_201_CREATED,
    operation_id="upload_repair_evidence",
    response_model=EvidenceRead,
)
async def upload_evidence(
    file: UploadFile, clients: Clients, authorization: Authorization
) -> dict[str, object]:
    """An evidence photo (JPEG, PNG, WebP ≤ 8 MB) or video (MP4 ≤ 20 MB); refer to it by `evidence_id`."""
    data = await file.read(UPLOAD_LIMIT + 1)
    if len(data) > UPLOAD_LIMIT:
        raise InvalidInput(
            "the file is larger than 20 MB", code="too_large", fields=[FieldError("file", "too large")]
        )
    reply = await clients.repair.UploadEvidence(
        repair_pb2.UploadEvidenceRequest(
            content_type=file.content_type or "", data=data, filename=file.filename or ""
        ),
        **clients.options(authorization),
    )
    return to_dict(reply)


@router.get(
    "/evidence/{evidence_id}",
    operation_id="get_repair_evidence",
    responses={200: {"content": {"image/jpeg": {}, "image/png": {}, "video/mp4": {}}}},
)
async def get_evidence(
    evidence_id: Annotated[str, Path(pattern=r"^EV[0-9a-f]{20}$")],
    clients: Clients,
    authorization: Authorization,
) -> Response:
    reply = await clients.repair.GetEvidence(
        repair_pb2.GetEvidenceRequest(evidence_id=evidence_id), **clients.options(authorization)
    )
    return Response(
        reply.data, media_type=reply.content_type, headers={"Cache-Control": "private, max-age=3600"}
    )


# -- tickets -----------------------------------------------------------------------------------------------------


@router.post(
    "/tickets",
    status_code=status.HTTP_201_CREATED,
    operation_id="create_repair_ticket",
    response_model=TicketRead,
)
async def create_ticket(
    body: TicketCreate,
    clients: Clients,
    authorization: Authorization,
    idempotency_key: Annotated[str | None, Header(max_length=100)] = None,
) -> JSONResponse:
    """报修: a citizen, a village agent with a delegation token, or window staff reports a fault; it is dispatched
    at once to the nearest qualifying outlet. The same `Idempotency-Key` and body return the first ticket."""
    data = body.model_dump(mode="json", exclude_none=True)
    request = repair_pb2.CreateTicketRequest(
        qr=data.get("qr", ""),
        county=data.get("county", ""),
        category=data["category"],
        description=data["description"],
        contact_name=data["contact_name"],
        contact_phone=data["contact_phone"],
        address=data.get("address", ""),
        outlet_id=data.get("outlet_id", ""),
        channel=data.get("channel", ""),
        idempotency_key=idempotency_key or "",
        evidence_ids=data.get("evidence", []),
    )
    if body.lat is not None and body.lng is not None:
        request.lat, request.lng = body.lat, body.lng
    reply = await clients.repair.CreateTicket(request, **clients.options(authorization))
    return ticket_json(reply, status.HTTP_201_CREATED)


@router.get("/tickets", operation_id="list_repair_tickets", response_model=TicketPage)
async def list_tickets(
    clients: Clients,
    authorization: Authorization,
    status_: Annotated[str, Query(alias="status", max_length=20)] = "",
    county: Annotated[str, Query(pattern=r"^(\d{6})?$")] = "",
    outlet_id: Annotated[str, Query(max_length=40)] = "",
    mine: bool = False,
    cursor: Annotated[str, Query(max_length=200)] = "",
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
) -> JSONResponse:
    """A page of tickets, newest first: your own (`mine`), your outlet's, or your region's; follow `next_cursor`."""
    reply = await clients.repair.ListTickets(
        repair_pb2.ListTicketsRequest(
            status=status_, county=county, outlet_id=outlet_id, mine=mine, cursor=cursor, limit=limit
        ),
        **clients.options(authorization),
    )
    return JSONResponse(
        {"tickets": [ticket_answer(t) for t in reply.tickets], "next_cursor": reply.next_cursor or None}
    )


@router.get("/tickets/{ticket_no}", operation_id="get_repair_ticket", response_model=TicketRead)
async def get_ticket(ticket_no: TicketNo, clients: Clients, authorization: Authorization) -> JSONResponse:
    """The ticket with its timeline: its reporter, its agent, the assigned outlet, staff in region."""
    return ticket_json(
        await clients.repair.GetTicket(
            repair_pb2.GetTicketRequest(ticket_no=ticket_no), **clients.options(authorization)
        )
    )


@router.post("/tickets/{ticket_no}/accept", operation_id="accept_repair_ticket", response_model=TicketRead)
async def accept_ticket(ticket_no: TicketNo, clients: Clients, authorization: Authorization) -> JSONResponse:
    return ticket_json(
        await clients.repair.AcceptTicket(
            repair_pb2.TicketActionRequest(ticket_no=ticket_no), **clients.options(authorization)
        )
    )


@router.post("/tickets/{ticket_no}/reject", operation_id="reject_repair_ticket", response_model=TicketRead)
async def reject_ticket(
    ticket_no: TicketNo, body: RejectIn, clients: Clients, authorization: Authorization
) -> JSONResponse:
    """The assigned outlet declines with a reason; the ticket goes on to the next nearest qualifying outlet."""
    return ticket_json(
        await clients.repair.RejectTicket(
            repair_pb2.TicketActionRequest(ticket_no=ticket_no, reason=body.reason),
            **clients.options(authorization),
        )
    )


@router.post("/tickets/{ticket_no}/resolve", operation_id="resolve_repair_ticket", response_model=TicketRead)
async def resolve_ticket(
    ticket_no: TicketNo, body: ResolveIn, clients: Clients, authorization: Authorization
) -> JSONResponse:
    return ticket_json(
        await clients.repair.ResolveTicket(
            repair_pb2.ResolveTicketRequest(
                ticket_no=ticket_no,
                note=body.note,
                evidence_ids=body.evidence,
                fee=repair_pb2.ChargedFee(**body.fee.model_dump()) if body.fee else None,
            ),
            **clients.options(authorization),
        )
    )


@router.post(
    "/tickets/{ticket_no}/follow-up", operation_id="follow_up_repair_ticket", response_model=TicketRead
)
async def follow_up_ticket(
    ticket_no: TicketNo, body: FollowUpIn, clients: Clients, authorization: Authorization
) -> JSONResponse:
    """回访 by the service point: restored closes the ticket; not restored sends it back to the outlet."""
    return ticket_json(
        await clients.repair.FollowUpTicket(
            repair_pb2.FollowUpTicketRequest(ticket_no=ticket_no, **body.model_dump()),
            **clients.options(authorization),
        )
    )


@router.post(
    "/tickets/{ticket_no}/rating",
    operation_id="rate_repair_ticket",
    response_model=TicketRead,
    responses={
        202: {
            "model": TicketRead,
            "description": "recorded by the agent for the resident: `pending_rating`, not counted until the "
            "resident confirms it (`POST .../rating/confirm` with the code texted to them, or their own rating)",
        }
    },
)
async def rate_ticket(
    ticket_no: TicketNo, body: RatingIn, clients: Clients, authorization: Authorization
) -> JSONResponse:
    """5 非常满意 · 4 满意 · 3 基本满意 · 2 不满意 · 1 非常不满意; it becomes a 好差评 review of the ticket.
    The resident rates (200, counted; it replaces a rating the agent recorded). The agent who filed it only records
    the resident's own rating with consent (六(一)2(3)): with the resident's delegation token the answer is 202 with
    `pending_rating`, the resident is texted a code, and it counts once confirmed. The agent's own token, another
    agent or a ticket the agent did not file: 403. A counted rating of 1–2 opens a rectification of the outlet that
    the county supervises and closes with a note."""
    reply = await clients.repair.RateTicket(
        repair_pb2.RateTicketRequest(ticket_no=ticket_no, level=body.level, comment=body.comment),
        **clients.options(authorization),
    )
    pending = reply.HasField("pending_rating") and not reply.HasField("rating")
    return ticket_json(reply, status_code=202 if pending else 200)


@router.post("/tickets/{ticket_no}/cancel", operation_id="cancel_repair_ticket", response_model=TicketRead)
async def cancel_ticket(
    ticket_no: TicketNo,
    clients: Clients,
    authorization: Authorization,
    body: Annotated[CancelIn | None, Body()] = None,
) -> JSONResponse:
    """The reporter withdraws the report before an outlet accepts it."""
    return ticket_json(
        await clients.repair.CancelTicket(
            repair_pb2.TicketActionRequest(ticket_no=ticket_no, reason=body.reason if body else ""),
            **clients.options(authorization),
        )
    )


@router.get(
    "/tickets/{ticket_no}/dispatch-decisions",
    operation_id="list_dispatch_decisions",
    response_model=list[DispatchDecisionRead],
)
async def dispatch_decisions(
    ticket_no: TicketNo, clients: Clients, authorization: Authorization
) -> list[dict[str, object]]:
    """Why the ticket went where it went: every decision with the candidates and their distances."""
    reply = await clients.repair.GetDispatchDecisions(
        repair_pb2.GetTicketRequest(ticket_no=ticket_no), **clients.options(authorization)
    )
    return [{**to_dict(d), "chosen_outlet_id": d.chosen_outlet_id or None} for d in reply.decisions]


# -- statistics --------------------------------------------------------------------------------------------------


@router.get("/stats", operation_id="get_repair_stats", response_model=StatsRead)
async def stats(
    clients: Clients,
    authorization: Authorization,
    county: RegionQuery = "",
    since: Annotated[str, Query(max_length=40)] = "",
    until: Annotated[str, Query(max_length=40)] = "",
) -> dict[str, object]:
    """Counts by status and category, share restored within 24 h, mean and p90 hours to restore, per-outlet
    workload and rating, and the response-circle share: for a county, a prefecture (5301) or the province (53)."""
    reply = await clients.repair.GetStats(
        repair_pb2.GetStatsRequest(region=county, since=since, until=until), **clients.options(authorization)
    )
    return to_dict(reply)


@router.get(
    "/stats/export", operation_id="export_repair_month", responses={200: {"content": {"text/csv": {}}}}
)
async def export_month(
    request: Request,
    clients: Clients,
    authorization: Authorization,
    county: RegionQuery = "",
    month: Annotated[str, Query(pattern=r"^\d{4}-\d{2}$")] = "",
) -> Response:
    """One CSV row per ticket reported in the month."""
    reply = await clients.repair.ExportMonth(
        repair_pb2.ExportMonthRequest(region=county, month=month), **clients.options(authorization)
    )
    return Response(
        reply.data,
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{reply.filename}"'},
    )
