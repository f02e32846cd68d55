"""广电报修, put right: the county's dispatch by hand of a queued ticket, the technician's first contact (联系用户)
and arrival on site (到达现场), and a county's acceptance timeouts per service circle."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path
from fastapi.responses import JSONResponse

from bst.repair.v1 import put_right_pb2, repair_pb2
from gateway.convert import to_dict
from gateway.deps import Authorization, Clients
from gateway.routers.repair import ticket_json
from gateway.schemas.put_right import DispatchIn, ResponseSettingsIn, ResponseSettingsRead
from gateway.schemas.repair import TicketRead

router = APIRouter(prefix="/api/v1/repair", tags=["repair"])

CountyPath = Annotated[str, Path(pattern=r"^\d{6}$")]
TicketNo = Annotated[str, Path(pattern=r"^BX\d{16,18}$")]


@router.post(
    "/tickets/{ticket_no}/dispatch", operation_id="dispatch_repair_ticket", response_model=TicketRead
)
async def dispatch_ticket(
    ticket_no: TicketNo, body: DispatchIn, clients: Clients, authorization: Authorization
) -> JSONResponse:
    """County staff (`county_admin` in region, `platform_admin`) send a ticket waiting on the county's queue
    (`pending_dispatch`) to an active outlet of its county with room → `dispatched`."""
    return ticket_json(
        await clients.repair_put_right.DispatchTicket(
            put_right_pb2.DispatchTicketRequest(
                ticket_no=ticket_no, outlet_id=body.outlet_id, note=body.note
            ),
            **clients.options(authorization),
        )
    )


@router.post(
    "/tickets/{ticket_no}/contacted", operation_id="contact_repair_ticket", response_model=TicketRead
)
async def contact_ticket(ticket_no: TicketNo, clients: Clients, authorization: Authorization) -> JSONResponse:
    """The assigned technician, after accepting, records the first contact with the resident (once)."""
    return ticket_json(
        await clients.repair_put_right.ContactTicket(
            repair_pb2.TicketActionRequest(ticket_no=ticket_no), **clients.options(authorization)
        )
    )


@router.post("/tickets/{ticket_no}/arrive", operation_id="arrive_repair_ticket", response_model=TicketRead)
async def arrive_ticket(ticket_no: TicketNo, clients: Clients, authorization: Authorization) -> JSONResponse:
    """The assigned technician is on site (after the contact step): the 1-hour village and 3-hour township circles
    are measured to this moment."""
    return ticket_json(
        await clients.repair_put_right.ArriveTicket(
            repair_pb2.TicketActionRequest(ticket_no=ticket_no), **clients.options(authorization)
        )
    )


@router.get(
    "/counties/{county}/response-settings",
    operation_id="get_repair_response_settings",
    response_model=ResponseSettingsRead,
)
async def get_response_settings(
    county: CountyPath, clients: Clients, authorization: Authorization
) -> dict[str, object]:
    """The county's acceptance timeouts per circle (`county_admin` of the county, `platform_admin`)."""
    reply = await clients.repair_put_right.GetResponseSettings(
        put_right_pb2.GetResponseSettingsRequest(county=county), **clients.options(authorization)
    )
    return _settings(to_dict(reply))


@router.put(
    "/counties/{county}/response-settings",
    operation_id="set_repair_response_settings",
    response_model=ResponseSettingsRead,
)
async def set_response_settings(
    county: CountyPath, body: ResponseSettingsIn, clients: Clients, authorization: Authorization
) -> dict[str, object]:
    """Set the minutes an outlet has to accept a dispatch in the village (5–60) and township (5–180) circles; the
    village circle's no longer than the township's."""
    reply = await clients.repair_put_right.SetResponseSettings(
        put_right_pb2.SetResponseSettingsRequest(county=county, **body.model_dump()),
        **clients.options(authorization),
    )
    return _settings(to_dict(reply))


def _settings(data: dict[str, object]) -> dict[str, object]:
    return {**data, "updated_at": data.get("updated_at") or None}
