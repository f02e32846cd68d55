"""Open311 GeoReport v2 (broadcast-TV reports for any Open311 client), JSON format, and its clients' keys.

The repair categories are the services; a report becomes a repair ticket under the same rules as
POST /api/v1/repair/tickets (dispatch, the 24-hour due time, notices and SMS), filed by the Open311 client over the
repair service's gRPC contract (channel `open311`). Anyone reads requests through RepairPublicRequests, which answers
nothing personal. Errors on these paths are the spec's `[{code, description}]` (gateway/open311/errors.py).
The mapping of categories and states is in gateway/open311/catalogue.py and docs/open311.md.
"""

from __future__ import annotations

import logging
from typing import Annotated, Any

from fastapi import APIRouter, Form, Header, Path, Query, status
from fastapi.responses import JSONResponse

from bst.repair.v1 import public_requests_pb2
from gateway.deps import ClientIp, Clients, CurrentPrincipal, Runtime
from gateway.identity.tokens import issue_access_token
from gateway.open311 import service as open311
from gateway.open311.catalogue import (
    SERVICE_BY_CODE,
    SERVICES,
    service_request,
    services_table,
    states_table,
)
from gateway.open311.reports import TICKET_NO, checked_report, list_criteria, notice, ticket_request
from gateway.open311.schemas import (
    ClientCreate,
    ClientCreated,
    ClientRead,
    Open311ServiceRead,
    RequestCreatedRead,
    RequestForm,
    ServiceDefinitionRead,
    ServiceRequestRead,
)
from gateway.runtime import GatewayRuntime
from services.kernel.errors import NotFound

log = logging.getLogger("bst.open311")

admin_router = APIRouter(prefix="/api/v1/admin/open311-clients", tags=["administration"])
router = APIRouter(prefix="/open311/v2", tags=["open311"])

TOKEN_SECONDS = 60
LIST_DESCRIPTION = (
    "GET Service Requests, newest first (at most 500): the requested ids, or the criteria over a span of at most "
    "90 days (the last 90 days by default). Nothing personal is answered: no names, phones or exact addresses; "
    "`address` is the province, prefecture and county, `lat`/`long` are rounded to 0.01° (about 1 km), and a "
    "description only for reports filed through Open311 (long digit runs and the contact's name masked). "
    "`expected_datetime` is the 24-hour due time. Ticket states map to `status` so:\n\n" + states_table()
)


# -- the clients (platform admins) -------------------------------------------------------------------------------


@admin_router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    operation_id="create_open311_client",
    response_model=ClientCreated,
)
async def create_client(
    body: ClientCreate, runtime: Runtime, principal: CurrentPrincipal, ip: ClientIp
) -> ClientCreated:
    """A platform admin registers an Open311 client (`county` binds it to one county). `api_key` is answered this
    once and kept only as a SHA-256 hash; the creation is in the audit log (`open311_client_created`)."""
    async with runtime.db.transaction() as session:
        return await open311.create_client(session=session, principal=principal, client_in=body, ip=ip)


@admin_router.get("", operation_id="list_open311_clients", response_model=list[ClientRead])
async def list_clients(runtime: Runtime, principal: CurrentPrincipal) -> list[ClientRead]:
    """Every Open311 client, newest first, without keys."""
    async with runtime.db.reader() as session:
        return await open311.get_all_clients(session=session, principal=principal)


@admin_router.post("/{client_id}/revoke", operation_id="revoke_open311_client", response_model=ClientRead)
async def revoke_client(
    client_id: Annotated[str, Path(pattern=r"^open311-[0-9a-f]{16}$")],
    runtime: Runtime,
    principal: CurrentPrincipal,
    ip: ClientIp,
) -> ClientRead:
    """The client's key stops working at once; its reports stay. Audited (`open311_client_revoked`)."""
    async with runtime.db.transaction() as session:
        return await open311.revoke_client(session=session, principal=principal, client_id=client_id, ip=ip)


# -- GeoReport v2 ------------------------------------------------------------------------------------------------


async def _public_reads(runtime: GatewayRuntime, ip: str | None) -> None:
    if ip:
        await runtime.limiter.hit(
            f"open311:read:{ip}", limit=open311.PUBLIC_READS_PER_MINUTE, window_seconds=60
        )


@router.get(
    "/services.json",
    operation_id="list_open311_services",
    response_model=list[Open311ServiceRead],
    description="GET Service List: the repair categories as Open311 services (`service_code` = the repair "
    "`category`; `metadata` false, `type` realtime for all).\n\n" + services_table(),
)
async def list_services(runtime: Runtime, ip: ClientIp) -> list[dict[str, Any]]:
    await _public_reads(runtime, ip)
    return [s.as_dict() for s in SERVICES]


@router.get(
    "/services/{service_code}.json",
    operation_id="get_open311_service_definition",
    response_model=ServiceDefinitionRead,
)
async def service_definition(
    service_code: Annotated[str, Path(max_length=40)], runtime: Runtime, ip: ClientIp
) -> dict[str, Any]:
    """GET Service Definition: no service has extra attributes (`metadata` is false for all)."""
    await _public_reads(runtime, ip)
    if service_code not in SERVICE_BY_CODE:
        raise NotFound(f"没有编码为 {service_code} 的服务", code="unknown_service_code")
    return {"service_code": service_code, "attributes": []}


def _client_token(runtime: GatewayRuntime, client_id: str, county: str | None) -> str:
    """A one-minute token naming the Open311 client, with which the repair service files the ticket as it."""
    settings = runtime.settings
    return issue_access_token(
        runtime.keys,
        issuer=settings.issuer,
        audience=settings.jwt_audience,
        subject=client_id,
        lifetime_seconds=TOKEN_SECONDS,
        kind="open311_client",
        roles=["open311_client"],
        region=county,
    )


@router.post(
    "/requests.json",
    status_code=status.HTTP_201_CREATED,
    operation_id="create_open311_request",
    response_model=list[RequestCreatedRead],
)
async def create_request(
    form: Annotated[RequestForm, Form()],
    runtime: Runtime,
    clients: Clients,
    ip: ClientIp,
    idempotency_key: Annotated[str | None, Header(max_length=100)] = None,
) -> JSONResponse:
    """POST Service Request (form-encoded): the report becomes a repair ticket under the same rules as
    POST /api/v1/repair/tickets, filed by the client (channel `open311`). `phone` is required; the location is
    `lat`+`long`, `address_string` or `address_id` (a county adcode); the county is the client's own, else the
    `address_id`, else the county whose centre is nearest the point, else one named in `address_string`.
    Rate-limited per client; a wrong or revoked `api_key` is 403. A retry with the same `Idempotency-Key` header
    and form answers the first request's id and files nothing new."""
    async with runtime.db.reader() as session:
        client = await open311.authenticate(
            session=session, limiter=runtime.limiter, api_key=form.api_key, ip=ip
        )
    report = checked_report(form, client_county=client.county)
    request = ticket_request(form, report, idempotency_key=idempotency_key or "")
    token = _client_token(runtime, client.client_id, client.county)
    ticket = await clients.repair.CreateTicket(request, **clients.options(f"Bearer {token}"))
    async with runtime.db.transaction() as session:
        await open311.record_report(
            session=session,
            cipher=runtime.identity.cipher,
            client=client,
            ticket_no=ticket.ticket_no,
            phone=report.phone,
            account_id=form.account_id or None,
            device_id=form.device_id or None,
            media_url=form.media_url or None,
        )
    log.info("open311 report filed", extra={"client_id": client.client_id, "ticket_no": ticket.ticket_no})
    answer = {"service_request_id": ticket.ticket_no, "service_notice": notice(ticket)}
    if form.account_id:
        answer["account_id"] = form.account_id
    return JSONResponse([answer], status_code=status.HTTP_201_CREATED)


async def _answer(
    runtime: GatewayRuntime, tickets: list[public_requests_pb2.PublicTicket]
) -> list[dict[str, Any]]:
    async with runtime.db.reader() as session:
        media = await open311.media_urls(session=session, ticket_nos=[t.ticket_no for t in tickets])
    return [service_request(t, media.get(t.ticket_no)) for t in tickets]


@router.get(
    "/requests.json",
    operation_id="list_open311_requests",
    response_model=list[ServiceRequestRead],
    description=LIST_DESCRIPTION,
)
async def list_requests(
    runtime: Runtime,
    clients: Clients,
    ip: ClientIp,
    service_request_id: Annotated[str, Query(max_length=2000, description="comma-separated ids")] = "",
    service_code: Annotated[str, Query(max_length=200, description="comma-separated")] = "",
    status_: Annotated[str, Query(alias="status", max_length=20, description="open, closed or both")] = "",
    start_date: Annotated[str, Query(max_length=40)] = "",
    end_date: Annotated[str, Query(max_length=40)] = "",
    jurisdiction_id: Annotated[str, Query(pattern=r"^(53|\d{4}|\d{6})?$", description="a region")] = "",
) -> list[dict[str, Any]]:
    await _public_reads(runtime, ip)
    criteria = list_criteria(
        service_request_id=service_request_id,
        service_code=service_code,
        status=status_,
        start_date=start_date,
        end_date=end_date,
        jurisdiction_id=jurisdiction_id,
    )
    reply = await clients.repair_public.ListPublicTickets(criteria, **clients.options(None))
    return await _answer(runtime, list(reply.tickets))


@router.get(
    "/requests/{service_request_id}.json",
    operation_id="get_open311_request",
    response_model=list[ServiceRequestRead],
)
async def get_request(
    service_request_id: Annotated[str, Path(max_length=40)], runtime: Runtime, clients: Clients, ip: ClientIp
) -> list[dict[str, Any]]:
    """GET Service Request: one request, as a list of one (the spec's shape); 404 for an unknown id."""
    await _public_reads(runtime, ip)
    if not TICKET_NO.match(service_request_id):
        raise NotFound(f"没有编号为 {service_request_id} 的报修", code="unknown_ticket")
    ticket = await clients.repair_public.GetPublicTicket(
        public_requests_pb2.GetPublicTicketRequest(ticket_no=service_request_id), **clients.options(None)
    )
    return await _answer(runtime, [ticket])
