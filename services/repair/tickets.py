"""Filing a ticket (报修) and dispatching it to the nearest qualifying outlet."""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
from collections.abc import Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from services.kernel.auth import Principal, in_region, require_roles, require_signed_in
from services.kernel.db import Database, utcnow
from services.kernel.errors import (
    FieldError,
    Forbidden,
    InvalidInput,
    NotFound,
    WrongState,
)
from services.kernel.rows import add_row, new_entity
from services.repair.circles import set_accept_due
from services.repair.common import (
    CHINA,
    RESTORE_HOURS,
    VILLAGE_CIRCLE_KM,
    RepairContext,
    add_timeline,
    get_county,
    notify,
    publish,
    transition,
)
from services.repair.county_facts import county_facts
from services.repair.county_qr import read_qr
from services.repair.county_queue import take_unserved
from services.repair.dispatch import (
    BoxAhead,
    great_circle_km,
    nearest_qualifying_outlet,
    search_point,
    take_capacity,
)
from services.repair.evidence import attach_evidence
from services.repair.intake_hooks import check_outlet_choice, place_ticket
from services.repair.models import (
    DispatchDecision,
    IdempotencyKey,
    Notification,
    Ticket,
)
from services.repair.network import check_point_in_county
from services.repair.numbers import take_block
from services.repair.numbers import ticket_no as ticket_no_of
from services.repair.schemas import (
    Category,
    Channel,
    PointLevel,
    TicketCreate,
    TicketRead,
    TicketStatus,
)
from services.repair.ticket_reads import ReplayedTicket, get_ticket_for
from services.repair.ticket_writes import OUTLET_CONTACTS, FiledTicket, OutletFilled, TicketWrites

log = logging.getLogger("bst.repair")


async def next_ticket_no(session: AsyncSession, ctx: RepairContext, county: str, now: dt.datetime) -> str:
    """BX + county + yymmdd + the day's sequence (see services/repair/numbers.py): from this process's block when
    the context has one, else one number straight off the counter (callers outside `Database.transaction()`)."""
    if ctx.numbers is not None:
        return await ctx.numbers.next(session, county, now)
    day = now.astimezone(CHINA).strftime("%y%m%d")
    return ticket_no_of(county, day, await take_block(session, county, day, 1))


OPEN311_CLIENT = (
    "open311_client"  # the token kind the gateway gives an Open311 client's report (gateway/open311)
)


def _reporter_of(
    principal: Principal, channel: Channel | None, has_qr: bool
) -> tuple[str, str | None, Channel]:
    """(reporter, agent, channel) of a new ticket, by who is filing it."""
    require_signed_in(principal)
    if principal.actor is not None:
        return principal.sub, principal.actor, Channel.AGENT
    if principal.kind == OPEN311_CLIENT:
        if channel not in (None, Channel.OPEN311):
            raise InvalidInput(
                "Open311 clients file through the open311 channel",
                code="invalid_channel",
                fields=[FieldError("channel", "open311 only")],
            )
        return principal.sub, None, Channel.OPEN311
    if "window_staff" in principal.roles:
        if channel not in (Channel.WINDOW, Channel.PHONE):
            raise InvalidInput(
                "window staff file walk-in or phone reports",
                code="invalid_channel",
                fields=[FieldError("channel", "window or phone")],
            )
        return principal.sub, None, channel
    if principal.kind == "citizen":
        if channel not in (None, Channel.QR, Channel.APP):
            raise InvalidInput(
                "citizens report through the app or the county code",
                code="invalid_channel",
                fields=[FieldError("channel", "not for citizens")],
            )
        return principal.sub, None, Channel.QR if has_qr else Channel.APP
    if "village_agent" in principal.roles:
        raise Forbidden(
            "agents file for a resident with a delegation token (POST /api/v1/auth/delegations)",
            code="delegation_required",
        )
    raise Forbidden(
        "citizens, village agents for residents, and window staff report faults", code="role_required"
    )


def _request_hash(ticket_in: TicketCreate) -> str:
    return hashlib.sha256(ticket_in.model_dump_json().encode()).hexdigest()


async def create_ticket(
    *,
    session: AsyncSession,
    ctx: RepairContext,
    principal: Principal,
    ticket_in: TicketCreate,
    idempotency_key: str = "",
) -> TicketRead:
    """报修: file a fault and dispatch it at once to the nearest qualifying outlet (or the county's queue)."""
    answer = await file_ticket(
        session=session, ctx=ctx, principal=principal, ticket_in=ticket_in, idempotency_key=idempotency_key
    )
    return answer.read()


# the last attempt takes the outlet's slot on its own, and passes on to the next outlet if it is full
FILING_ATTEMPTS = 3


async def file_in_own_transaction(
    *,
    db: Database,
    ctx: RepairContext,
    principal: Principal,
    ticket_in: TicketCreate,
    idempotency_key: str = "",
) -> FiledTicket | ReplayedTicket:
    """`file_ticket` in a deferred transaction of its own (`Database.transaction`): on PostgreSQL the county's
    facts and the dispatch's first read go out as one statement, and the report's rows, with the assignee's slot,
    as another (`TicketWrites.take_with_the_rows`). Should the assignee fill up between the two, nothing was
    written, and the report is filed again from the start (its number is not reused: a gap)."""
    for attempt in range(1, FILING_ATTEMPTS + 1):
        try:
            async with db.transaction(deferred=True) as session:
                return await file_ticket(
                    session=session,
                    ctx=ctx,
                    principal=principal,
                    ticket_in=ticket_in,
                    idempotency_key=idempotency_key,
                    fold_take=attempt < FILING_ATTEMPTS,
                )
        except OutletFilled as filled:
            log.info(
                "an outlet filled up as a report was written; filing it again",
                extra={"outlet_id": filled.outlet_id},
            )
    raise AssertionError("the last attempt takes the slot on its own and cannot fail this way")


async def file_ticket(
    *,
    session: AsyncSession,
    ctx: RepairContext,
    principal: Principal,
    ticket_in: TicketCreate,
    idempotency_key: str = "",
    fold_take: bool = False,
) -> FiledTicket | ReplayedTicket:
    """`create_ticket`, answered as the API's shape (`read()`) or as the proto (`message()`, what the transport
    sends: built from the written values, with no pydantic model on the way). `fold_take`: the assignee's slot may
    be taken by the statement that writes the report (which raises `OutletFilled` if it is gone by then: callers
    that fold file again, `file_in_own_transaction`)."""
    reporter, agent, channel = _reporter_of(principal, ticket_in.channel, bool(ticket_in.qr))
    claim: IdempotencyKey | None = None
    if idempotency_key:
        claim, replay = await _claim_idempotency_key(session, principal, idempotency_key, ticket_in)
        if replay is not None:
            return ReplayedTicket(
                await get_ticket_for(session=session, principal=principal, ticket_no=replay)
            )
    county, point = ticket_in.county or "", ""
    if ticket_in.qr:
        county_of_code, point = await read_qr(session=session, ctx=ctx, qr=ticket_in.qr)
        if county and county != county_of_code:
            raise InvalidInput(
                "the county does not match the scanned code",
                code="county_mismatch",
                fields=[FieldError("county", "differs from the code's county")],
            )
        county = county_of_code
    centre = get_county(county)
    if principal.kind == OPEN311_CLIENT and principal.region and not in_region(principal, county):
        raise Forbidden(
            f"this Open311 client reports for its own county only, not {centre.name}", code="region_forbidden"
        )
    if principal.actor is not None and not in_region(principal, county):
        raise Forbidden(
            f"{centre.name}不在您代办的区域内：村级代办员只能为本县（市、区）的居民报修",
            code="region_forbidden",
        )
    category = ticket_in.category
    if ticket_in.lat is not None and ticket_in.lng is not None:
        check_point_in_county(county, ticket_in.lat, ticket_in.lng)
    # a category no outlet of the county serves is still taken: it waits on the county's queue, the county is
    # alerted and the county's operator urged (county_queue.py); staff then dispatch it by hand
    # whether the county serves the category, its service points (for the response target and the village point)
    # and its acceptance timeouts (for the dispatch), in one read; unless the reporter chose an outlet, the same
    # read brings the outlets of the dispatch's first search box around the report's point (or the county's centre)
    near = None if ticket_in.outlet_id else search_point(centre, ticket_in.lat, ticket_in.lng)
    facts = await county_facts(session, county=county, category=category, near=near)
    served, points = facts.serves, facts.points
    await check_outlet_choice(session, county=county, category=category, outlet_id=ticket_in.outlet_id)
    writes = TicketWrites(session)  # the new rows are collected, then inserted on Core (ticket_writes.py)
    session = writes.session
    now = utcnow()
    ticket: Ticket = new_entity(
        Ticket,
        ticket_no=await next_ticket_no(session, ctx, county, now),
        status=TicketStatus.PENDING_DISPATCH.value,
        county=county,
        category=category.value,
        description=ticket_in.description,
        channel=channel.value,
        reporter_id=reporter,
        agent_id=agent,
        filed_by=principal.actor or principal.sub,
        contact_name=ticket_in.contact_name,
        contact_phone=ticket_in.contact_phone,
        lat=ticket_in.lat,
        lng=ticket_in.lng,
        address=ticket_in.address,
        point=point,
        excluded_outlets=[],
        due_at=now + dt.timedelta(hours=RESTORE_HOURS),
        created_at=now,
        overdue=False,
        response_target_hours=_response_target(points, ticket_in.lat, ticket_in.lng),
    )
    session.add(ticket)
    add_timeline(
        session,
        ticket,
        "reported",
        principal.actor or principal.sub,
        f"channel {channel.value}" + (f", for {ticket.contact_name}" if agent else ""),
    )
    await attach_evidence(session, principal, ticket.ticket_no, ticket_in.evidence, "report")
    if served:
        await dispatch(
            session=session,
            ctx=ctx,
            ticket=ticket,
            reason="report",
            preferred=ticket_in.outlet_id,
            ahead=facts.outlets,
            writes=writes if fold_take else None,
        )
    else:
        await take_unserved(session=session, ctx=ctx, ticket=ticket)
    await place_ticket(session, ticket, chosen_outlet_id=ticket_in.outlet_id, points=points)
    if agent is not None:
        tell_resident_of_filing(session, ticket)
    publish(session, ctx, ticket, "repair.ticket.created")
    if claim is not None:
        claim.ticket_no = ticket.ticket_no
    await writes.write()
    return await writes.answer(ticket)


def tell_resident_of_filing(session: AsyncSession, ticket: Ticket) -> None:
    """A case an agent filed for a resident is told to the resident: in their notifications, and by SMS (the
    event's `notice`, texted by the gateway to the reporter and the agent), ahead of the dispatch notice."""
    text = (
        f"村级代办员已代您提交广电报修单{ticket.ticket_no}（{get_county(ticket.county).name}）。"
        "如非您本人同意，请拨打12345反映。"
    )
    add_row(
        session,
        Notification,
        recipient=ticket.reporter_id,
        ticket_no=ticket.ticket_no,
        kind="filed_for_you",
        text=text,
        created_at=utcnow(),
    )
    notices = session.info.setdefault("notices", {})
    earlier = notices.get(ticket.ticket_no)
    notices[ticket.ticket_no] = f"{text}{earlier}" if earlier else text


def idempotency_owner(principal: Principal) -> str:
    """Whose keys an Idempotency-Key is among: the caller and the person acted for. An agent's key for one resident
    never answers with another resident's ticket (a delegated pair is stored as a digest: the column holds 64)."""
    if principal.actor is None:
        return principal.sub
    return hashlib.sha256(f"{principal.actor}\x00{principal.sub}".encode()).hexdigest()


async def _claim_idempotency_key(
    session: AsyncSession, principal: Principal, key: str, ticket_in: TicketCreate
) -> tuple[IdempotencyKey | None, str | None]:
    """(our claim on the key, None) for a first request; (None, ticket number) for a repeat of an earlier one.

    The claim is inserted first, in a savepoint: a concurrent request with the same key waits on it (PostgreSQL)
    or on the write lock (SQLite), then finds the first request's ticket instead of failing.
    """
    owner = idempotency_owner(principal)
    request_hash = _request_hash(ticket_in)
    for _ in range(2):
        seen = await session.get(IdempotencyKey, (owner, key), populate_existing=True)
        if seen is not None:
            if seen.request_hash != request_hash:
                raise InvalidInput(
                    "这个 Idempotency-Key 已用于另一份内容不同的报修；新的报修请使用新的 Key",
                    code="idempotency_key_reused",
                    fields=[FieldError("Idempotency-Key", "已用于另一份报修")],
                )
            return None, seen.ticket_no
        claim = IdempotencyKey(
            principal=owner, key=key, request_hash=request_hash, ticket_no="", created_at=utcnow()
        )
        try:
            async with session.begin_nested():
                session.add(claim)
        except IntegrityError:
            continue  # the other request committed first: answer with its ticket
        return claim, None
    raise WrongState("the same report is being filed right now; try again", code="idempotency_in_flight")


def _response_target(points: Sequence[Any], lat: float | None, lng: float | None) -> float | None:
    """1 hour when the report lies in a village point's circle, 3 hours in a township's; None when unknown.
    `points`: the county's service points (`county_facts.county_facts`)."""
    if lat is None or lng is None:
        return None
    if not points:
        return 3.0
    nearest = min(points, key=lambda p: great_circle_km(lat, lng, p.lat, p.lng))
    near_village = (
        nearest.level == PointLevel.VILLAGE
        and great_circle_km(lat, lng, nearest.lat, nearest.lng) <= VILLAGE_CIRCLE_KM
    )
    return 1.0 if near_village else 3.0


async def dispatch(
    *,
    session: AsyncSession,
    ctx: RepairContext,
    ticket: Ticket,
    reason: str,
    preferred: str | None = None,
    ahead: BoxAhead | None = None,
    writes: TicketWrites | None = None,
) -> None:
    """Send the ticket to the nearest qualifying outlet, recording the decision; the county queue when none.
    `ahead`: the search's first read, made with the county's facts; `writes`: the report's writes, which may take
    the outlet's slot themselves (`TicketWrites.take_with_the_rows`)."""
    known = ticket.lat is not None and ticket.lng is not None
    lat, lng = search_point(get_county(ticket.county), ticket.lat, ticket.lng)
    excluded = set(ticket.excluded_outlets)
    while True:
        choice = await nearest_qualifying_outlet(
            session,
            county=ticket.county,
            category=Category(ticket.category),
            lat=lat,
            lng=lng,
            excluded=excluded,
            preferred=preferred,
            ahead=ahead,
        )  # type: ignore[arg-type]
        ahead = None  # a second search (the outlet filled up meanwhile) reads afresh
        if choice.outlet is None:
            break
        if writes is not None and await writes.take_with_the_rows(choice.outlet.outlet_id):
            break
        if await take_capacity(session, choice.outlet.outlet_id, db=ctx.db):
            break
        excluded.add(choice.outlet.outlet_id)  # filled up by a concurrent dispatch; take the next one
    add_row(
        session,
        DispatchDecision,
        ticket_no=ticket.ticket_no,
        at=utcnow(),
        reason=reason,
        chosen_outlet_id=choice.outlet.outlet_id if choice.outlet else None,
        origin="report" if known else "county_centre",
        origin_lat=lat,
        origin_lng=lng,
        candidates=[c.as_dict() for c in choice.candidates],
    )
    if choice.outlet is None:
        ticket.status = TicketStatus.PENDING_DISPATCH.value
        ticket.assignee_outlet_id, ticket.assignee_distance_km, ticket.dispatched_at = None, None, None
        add_timeline(session, ticket, "queued", "system", "no outlet can take it now; on the county's queue")
        notify(
            session, ticket, "queued", f"报修单{ticket.ticket_no}已受理，正在为您安排维修网点。", staff=True
        )
        return
    transition(ticket, "dispatch", TicketStatus.DISPATCHED)
    ticket.assignee_outlet_id = choice.outlet.outlet_id
    # the answer's assignee contact, from the row the rule read (ticket_writes.TicketWrites.answer)
    session.info.setdefault(OUTLET_CONTACTS, {})[choice.outlet.outlet_id] = (
        choice.outlet.name,
        choice.outlet.phone,
    )
    ticket.assignee_distance_km = round(choice.distance_km or 0.0, 3)
    ticket.dispatched_at = utcnow()
    await set_accept_due(session, ctx, ticket)
    add_timeline(
        session,
        ticket,
        "dispatched",
        "system",
        f"{choice.outlet.name}, {ticket.assignee_distance_km} km ({reason})",
    )
    notify(
        session,
        ticket,
        "dispatched",
        f"报修单{ticket.ticket_no}已派给{choice.outlet.name}（电话{choice.outlet.phone}），请保持电话畅通。",
    )
    publish(session, ctx, ticket, "repair.ticket.dispatched", reason=reason)


async def ticket_for_update(session: AsyncSession, ticket_no: str) -> Ticket:
    ticket = await session.scalar(select(Ticket).where(Ticket.ticket_no == ticket_no).with_for_update())
    if ticket is None:
        raise NotFound(f"no ticket {ticket_no}", code="unknown_ticket")
    return ticket


def acts_for(principal: Principal, ticket: Ticket) -> bool:
    """The reporter, or the agent who filed it; with a delegation token only for what that agent filed for that
    resident (never the resident's other tickets)."""
    if principal.actor is not None:
        return ticket.agent_id == principal.actor and ticket.reporter_id == principal.sub
    return principal.sub in (ticket.reporter_id, ticket.agent_id)


def require_assignee(principal: Principal, ticket: Ticket) -> None:
    require_roles(principal, "outlet_technician")
    if principal.claims.get("outlet") != ticket.assignee_outlet_id:
        raise Forbidden("this ticket is assigned to another outlet", code="not_your_ticket")
