"""广电报修, agent rating: the village agent records the resident's own rating with consent (六(一)2(3)); it counts
once the resident confirms it with the code texted to them, read out to the agent."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path
from fastapi.responses import JSONResponse

from bst.repair.v1 import agent_rating_pb2
from gateway.deps import Authorization, Clients
from gateway.routers.repair import ticket_json
from gateway.schemas.agent_rating import ConfirmRatingIn
from gateway.schemas.repair import TicketRead

router = APIRouter(prefix="/api/v1/repair", tags=["repair"])

TicketNo = Annotated[str, Path(pattern=r"^BX\d{16,18}$")]


@router.post(
    "/tickets/{ticket_no}/rating/confirm", operation_id="confirm_repair_rating", response_model=TicketRead
)
async def confirm_rating(
    ticket_no: TicketNo, body: ConfirmRatingIn, clients: Clients, authorization: Authorization
) -> JSONResponse:
    """The resident's confirmation of the rating the agent recorded for them (`pending_rating`): the 6-digit code
    texted to the resident, read out to the agent (delegation token) or entered by the resident. The rating then
    counts as the resident's review (`rating`). A wrong or expired code is 422 and counts nothing; the fifth wrong
    code ends the pending rating."""
    return ticket_json(
        await clients.repair_agent_rating.ConfirmRating(
            agent_rating_pb2.ConfirmRatingRequest(ticket_no=ticket_no, code=body.code),
            **clients.options(authorization),
        )
    )
