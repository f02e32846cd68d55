"""What every part of the repair rules shares: the context, the constants, the ticket state machine, the timeline,
notices and events.

The ticket's life is one state machine (`TRANSITIONS`): pending_dispatch → dispatched → accepted → resolved →
closed, and cancelled by the reporter before acceptance. A wrong transition is WrongState (409) naming the state.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass
from typing import TypeVar
from zoneinfo import ZoneInfo

from pydantic import BaseModel, ValidationError
from sqlalchemy.ext.asyncio import AsyncSession

from services.kernel import regions
from services.kernel.auth import Principal, require_region, require_roles
from services.kernel.crypto import derive_key
from services.kernel.db import Database, utcnow
from services.kernel.errors import (
    NotFound,
    WrongState,
    invalid_input_from,
)
from services.kernel.events import Outbox
from services.kernel.rows import add_row
from services.kernel.rpc import Runtime
from services.kernel.storage import BlobStore, LocalDiskStore
from services.kernel.validators import is_mobile
from services.repair.models import (
    Notification,
    Ticket,
    TicketEvent,
)
from services.repair.numbers import TicketNumbers
from services.repair.qr import QrSigner
from services.repair.schemas import (
    TicketStatus,
)

M = TypeVar("M", bound=BaseModel)

log = logging.getLogger("bst.repair")


CHINA = ZoneInfo("Asia/Shanghai")


RESTORE_HOURS = 24


ADMIN_ROLES = ("county_admin", "platform_admin")


STAFF_READERS = ("county_admin", "platform_admin", "window_staff")


FOLLOW_UP_ROLES = ("village_agent", "window_staff", "county_admin")


MAX_COUNTY_RADIUS_KM = 120.0  # no county of Yunnan reaches farther from its centre


VILLAGE_CIRCLE_KM = 5.0  # a report within this distance of a village point is in its 1-hour circle


EVIDENCE_LIMITS = {"image/jpeg": 8 << 20, "image/png": 8 << 20, "image/webp": 8 << 20, "video/mp4": 20 << 20}


TRANSITIONS: dict[str, dict[TicketStatus, set[TicketStatus]]] = {
    "dispatch": {
        TicketStatus.PENDING_DISPATCH: {TicketStatus.DISPATCHED},
        TicketStatus.DISPATCHED: {TicketStatus.DISPATCHED},
    },
    "accept": {TicketStatus.DISPATCHED: {TicketStatus.ACCEPTED}},
    "reject": {TicketStatus.DISPATCHED: {TicketStatus.DISPATCHED, TicketStatus.PENDING_DISPATCH}},
    "resolve": {TicketStatus.ACCEPTED: {TicketStatus.RESOLVED}},
    "follow_up": {
        TicketStatus.RESOLVED: {TicketStatus.CLOSED, TicketStatus.DISPATCHED, TicketStatus.RESOLVED}
    },
    "rate": {TicketStatus.RESOLVED: {TicketStatus.RESOLVED}, TicketStatus.CLOSED: {TicketStatus.CLOSED}},
    "cancel": {
        TicketStatus.PENDING_DISPATCH: {TicketStatus.CANCELLED},
        TicketStatus.DISPATCHED: {TicketStatus.CANCELLED},
    },
}


@dataclass
class RepairContext:
    """What the rules need besides the session: the outbox, the QR signer, the evidence store, the timers' limits."""

    outbox: Outbox
    qr: QrSigner
    store: BlobStore
    accept_minutes: int = 120
    # this process's blocks of ticket numbers (services/repair/numbers.py)
    numbers: TicketNumbers | None = None
    # for the outlet capacity taken outside the report's transaction on PostgreSQL (dispatch.take_capacity)
    db: Database | None = None


def make_context(runtime: Runtime) -> RepairContext:
    """The context of a running service: its outbox, QR signer, evidence store, number blocks and database."""
    settings = runtime.settings
    assert runtime.outbox is not None
    return RepairContext(
        outbox=runtime.outbox,
        qr=QrSigner(derive_key(settings.resolved_secret_key(), "repair-qr"), settings.public_url),
        store=LocalDiskStore(settings.var_dir / "evidence" / "repair"),
        accept_minutes=settings.repair_accept_minutes,
        numbers=TicketNumbers(),
        db=runtime.db,
    )


def rfc3339(value: dt.datetime | None) -> str | None:
    return value.astimezone(CHINA).isoformat(timespec="seconds") if value else None


def parse_model(model: type[M], data: dict[str, object]) -> M:
    """Validate request data with the same model the gateway used; a 422 with fields when it does not fit."""
    try:
        return model.model_validate(data)
    except ValidationError as error:
        raise invalid_input_from(error) from error


def get_county(adcode: str) -> regions.Region:
    county = regions.get(adcode)
    if county is None or county.level != "county":
        raise NotFound(f"no county with adcode {adcode!r} in Yunnan", code="unknown_county")
    return county


def require_county_admin(principal: Principal, county: str) -> None:
    require_roles(principal, *ADMIN_ROLES)
    get_county(county)
    require_region(principal, county)


def transition(ticket: Ticket, action: str, to: TicketStatus) -> None:
    allowed = TRANSITIONS[action]
    current = TicketStatus(ticket.status)
    if current not in allowed or to not in allowed[current]:
        raise WrongState(
            f"ticket {ticket.ticket_no} is {current.value}; it cannot be {action.replace('_', ' ')}ed now",
            code=f"ticket_{current.value}",
        )
    ticket.status = to.value


def add_timeline(session: AsyncSession, ticket: Ticket, action: str, actor: str, note: str = "") -> None:
    add_row(
        session,
        TicketEvent,
        ticket_no=ticket.ticket_no,
        at=utcnow(),
        action=action,
        actor=actor,
        note=note,
        status=ticket.status,
    )


def notify(session: AsyncSession, ticket: Ticket, kind: str, text: str, *, staff: bool = False) -> None:
    """To the reporter and the agent who filed it (in the app, and by SMS through the gateway, which sends the
    `notice` event); with `staff`, to the county's and the prefecture's staff too."""
    recipients = {ticket.reporter_id, ticket.agent_id} - {None}
    if staff:
        recipients |= {f"region:{ticket.county}", f"region:{ticket.county[:4]}"}
    for recipient in sorted(recipients):  # type: ignore[type-var]
        add_row(
            session,
            Notification,
            recipient=recipient,
            ticket_no=ticket.ticket_no,
            kind=kind,
            text=text,
            created_at=utcnow(),
        )
    session.info.setdefault("notices", {})[ticket.ticket_no] = text


def _event_payload(ticket: Ticket, **extra: object) -> dict[str, object]:
    return {
        "ticket_no": ticket.ticket_no,
        "county": ticket.county,
        "category": ticket.category,
        "status": ticket.status,
        "reporter_id": ticket.reporter_id,
        "agent_id": ticket.agent_id,
        "assignee_outlet_id": ticket.assignee_outlet_id,
        **extra,
    }


def publish(
    session: AsyncSession, ctx: RepairContext, ticket: Ticket, event_type: str, **extra: object
) -> None:
    """The ticket's event, carrying the notice its people were just sent, if any (the gateway texts it)."""
    notice = session.info.get("notices", {}).pop(ticket.ticket_no, None)
    payload = _event_payload(ticket, **extra) | ({"notice": notice} if notice else {})
    if notice and ticket.channel in ("window", "phone") and is_mobile(ticket.contact_phone):
        # a report taken at the window or by phone: the resident has no account here, so the notice is texted to
        # the contact number, and only to a mobile (a landline gets no SMS)
        payload["notify_phones"] = [ticket.contact_phone]
    ctx.outbox.add(session, event_type=event_type, aggregate_id=ticket.ticket_no, payload=payload)
