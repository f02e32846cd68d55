"""The rules of broadcast-TV repair (广电报修). No transport here; the caller owns the transaction.

The ticket's life is one state machine (`TRANSITIONS`):
pending_dispatch → dispatched → accepted → resolved → closed, and cancelled by the reporter before acceptance.
A wrong transition is WrongState (409) naming the current state.
"""

from __future__ import annotations

import base64
import csv
import datetime as dt
import hashlib
import io
import json
import logging
import secrets
import statistics
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from pydantic import ValidationError
from sqlalchemy import func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from services.kernel import regions
from services.kernel.auth import Principal, require_region, require_roles, require_signed_in
from services.kernel.db import Database, utcnow
from services.kernel.errors import (
    FieldError,
    Forbidden,
    Gone,
    InvalidInput,
    NotFound,
    WrongState,
    invalid_input_from,
)
from services.kernel.events import Outbox
from services.kernel.storage import BlobStore
from services.kernel.validators import mask_phone
from services.repair.dispatch import (
    county_serves,
    great_circle_km,
    nearest_qualifying_outlet,
    release_capacity,
    take_capacity,
)
from services.repair.models import (
    DispatchDecision,
    Evidence,
    IdempotencyKey,
    Notification,
    Outlet,
    OutletCategory,
    QrKey,
    ServicePoint,
    Ticket,
    TicketEvent,
)
from services.repair.numbers import TicketNumbers, take_block
from services.repair.numbers import ticket_no as ticket_no_of
from services.repair.qr import QrSigner, render
from services.repair.schemas import (
    OPEN_STATUSES,
    AssigneeRead,
    Category,
    Channel,
    CountyRead,
    FollowUpIn,
    OutletCreate,
    OutletRead,
    OutletUpdate,
    PointLevel,
    RatingIn,
    RatingRead,
    ResolveIn,
    ServicePointCreate,
    ServicePointRead,
    TicketCreate,
    TicketRead,
    TicketStatus,
    TimelineRead,
)
from services.repair.ticket_reads import may_read

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


def rfc3339(value: dt.datetime | None) -> str | None:
    return value.astimezone(CHINA).isoformat(timespec="seconds") if value else None


def parse_model(model: type, data: dict[str, object]):  # type: ignore[no-untyped-def]
    """Validate request data with the same model the gateway used; a 422 with fields when it does not fit."""
    try:
        return model.model_validate(data)
    except ValidationError as error:
        raise invalid_input_from(error) from error


# -- the network -------------------------------------------------------------------------------------------------


def get_county(adcode: str) -> regions.Region:
    county = regions.get(adcode)
    if county is None or county.level != "county":
        raise NotFound(f"no county with adcode {adcode!r} in Yunnan", code="unknown_county")
    return county


def require_county_admin(principal: Principal, county: str) -> None:
    require_roles(principal, *ADMIN_ROLES)
    get_county(county)
    require_region(principal, county)


async def get_all_counties(*, session: AsyncSession, within: str = "") -> list[CountyRead]:
    """Counties inside a region scope (all of Yunnan when empty), with their active outlet counts."""
    if within and not regions.is_valid_scope(within):
        raise InvalidInput(f"{within!r} is not a region of Yunnan", code="unknown_region")
    counts = dict(
        (
            await session.execute(
                select(Outlet.county, func.count()).where(Outlet.active.is_(True)).group_by(Outlet.county)
            )
        ).all()
    )
    return [
        CountyRead(
            adcode=c.adcode,
            name=c.name,
            prefecture=c.parent or "",
            lat=c.lat,
            lng=c.lng,
            active_outlets=counts.get(c.adcode, 0),
        )
        for c in regions.counties(within or None)
    ]


async def get_outlets_by_county(
    *, session: AsyncSession, principal: Principal, county: str
) -> list[OutletRead]:
    """The outlets of one county, for staff whose region covers it."""
    require_roles(principal, *STAFF_READERS, "outlet_technician")
    get_county(county)
    require_region(principal, county)
    outlets = (
        await session.scalars(select(Outlet).where(Outlet.county == county).order_by(Outlet.outlet_id))
    ).all()
    return [outlet_read(o) for o in outlets]


def outlet_read(outlet: Outlet) -> OutletRead:
    return OutletRead(
        outlet_id=outlet.outlet_id,
        county=outlet.county,
        name=outlet.name,
        kind=outlet.kind,  # type: ignore[arg-type]
        categories=[Category(c) for c in outlet.category_names],
        lat=outlet.lat,
        lng=outlet.lng,
        phone=outlet.phone,
        capacity=outlet.capacity,
        active=outlet.active,
        business_hours=outlet.business_hours,
        open_tickets=outlet.open_tickets,
    )


def check_point_in_county(county: str, lat: float, lng: float, field: str = "lat") -> None:
    """Refuse a point that cannot lie in the county: outside Yunnan, or farther from its centre than any county
    reaches. (The seed data has centres, not boundaries; this catches wrong counties and swapped coordinates.)"""
    centre = get_county(county)
    if (
        not (21.0 <= lat <= 29.5 and 97.3 <= lng <= 106.3)
        or great_circle_km(lat, lng, centre.lat, centre.lng) > MAX_COUNTY_RADIUS_KM
    ):
        raise InvalidInput(
            f"the point ({lat}, {lng}) is not in {centre.name}",
            code="point_outside_county",
            fields=[FieldError(field, f"not inside {centre.name}")],
        )


async def create_outlet(
    *, session: AsyncSession, principal: Principal, outlet_in: OutletCreate
) -> OutletRead:
    require_county_admin(principal, outlet_in.county)
    check_point_in_county(outlet_in.county, outlet_in.lat, outlet_in.lng)
    outlet = Outlet(
        outlet_id=f"OUT-{outlet_in.county}-{secrets.token_hex(3).upper()}",
        county=outlet_in.county,
        name=outlet_in.name,
        kind=outlet_in.kind.value,
        lat=outlet_in.lat,
        lng=outlet_in.lng,
        phone=outlet_in.phone,
        capacity=outlet_in.capacity,
        business_hours=outlet_in.business_hours,
        active=True,
        open_tickets=0,
        categories=[OutletCategory(category=c.value) for c in sorted(set(outlet_in.categories))],
    )
    session.add(outlet)
    await session.flush()
    return outlet_read(outlet)


async def update_outlet(
    *, session: AsyncSession, principal: Principal, outlet_id: str, outlet_in: OutletUpdate
) -> OutletRead:
    outlet = await session.get(Outlet, outlet_id)
    if outlet is None:
        raise NotFound(f"no outlet {outlet_id}", code="unknown_outlet")
    require_county_admin(principal, outlet.county)
    changes = outlet_in.model_dump(exclude_unset=True)
    if "lat" in changes or "lng" in changes:
        check_point_in_county(outlet.county, changes.get("lat", outlet.lat), changes.get("lng", outlet.lng))
    categories = changes.pop("categories", None)
    if categories is not None:
        parse_model(
            OutletCreate,
            {
                **outlet_read(outlet).model_dump(exclude={"outlet_id", "active", "open_tickets"}),
                "categories": categories,
            },
        )
        outlet.categories = [OutletCategory(category=Category(c).value) for c in sorted(set(categories))]
    for name, value in changes.items():
        setattr(outlet, name, value)
    await session.flush()
    return outlet_read(outlet)


async def create_service_point(
    *, session: AsyncSession, principal: Principal, point_in: ServicePointCreate
) -> ServicePointRead:
    require_county_admin(principal, point_in.county)
    check_point_in_county(point_in.county, point_in.lat, point_in.lng)
    point = ServicePoint(
        point_id=f"SP-{point_in.county}-{secrets.token_hex(3).upper()}",
        county=point_in.county,
        name=point_in.name,
        level=point_in.level.value,
        lat=point_in.lat,
        lng=point_in.lng,
        agent_ids=list(point_in.agent_ids),
    )
    session.add(point)
    await session.flush()
    return point_read(point)


def point_read(point: ServicePoint) -> ServicePointRead:
    return ServicePointRead(
        point_id=point.point_id,
        county=point.county,
        name=point.name,
        level=PointLevel(point.level),
        lat=point.lat,
        lng=point.lng,
        agent_ids=list(point.agent_ids),
    )


async def get_service_points(
    *, session: AsyncSession, principal: Principal, county: str
) -> list[ServicePointRead]:
    require_roles(principal, *STAFF_READERS, "village_agent")
    get_county(county)
    require_region(principal, county)
    points = (
        await session.scalars(
            select(ServicePoint).where(ServicePoint.county == county).order_by(ServicePoint.point_id)
        )
    ).all()
    return [point_read(p) for p in points]


# -- the county QR code ------------------------------------------------------------------------------------------


async def current_qr_key(session: AsyncSession, county: str) -> QrKey:
    key = await session.scalar(
        select(QrKey)
        .where(QrKey.county == county, QrKey.revoked_at.is_(None))
        .order_by(QrKey.created_at.desc())
        .limit(1)
    )
    if key is None:
        key = QrKey(county=county, kid=secrets.token_hex(4), created_at=utcnow())
        session.add(key)
        await session.flush()
    return key


async def get_county_qr(
    *, session: AsyncSession, ctx: RepairContext, county: str, point: str, fmt: str
) -> tuple[str, str, bytes, str]:
    """(url, content type, image, kid) of the county's printable service code, optionally for a service point."""
    get_county(county)
    if fmt not in ("svg", "png"):
        raise InvalidInput(
            "format is svg or png", code="invalid_format", fields=[FieldError("format", "svg or png")]
        )
    if point:
        found = await session.get(ServicePoint, point)
        if found is None or found.county != county:
            raise NotFound(f"no service point {point} in this county", code="unknown_point")
    key = await current_qr_key(session, county)
    url = ctx.qr.url(county, point, key.kid)
    content_type, image = render(url, fmt)
    return url, content_type, image, key.kid


async def read_qr(*, session: AsyncSession, ctx: RepairContext, qr: str) -> tuple[str, str]:
    """The county and point a scanned code names, after checking its signature and that its key is current."""
    payload = ctx.qr.read(qr)
    get_county(payload.county)
    key = await session.get(QrKey, (payload.county, payload.kid))
    if key is None:
        raise InvalidInput("the code's key is unknown: it was forged", code="qr_signature")
    if key.revoked_at is not None:
        raise Gone("this code has been withdrawn; please scan the county's current code", code="gone")
    return payload.county, payload.point


async def rotate_qr_key(*, session: AsyncSession, principal: Principal, county: str) -> QrKey:
    """Print new codes under a new key id; codes printed under older ones keep working until revoked."""
    require_county_admin(principal, county)
    key = QrKey(county=county, kid=secrets.token_hex(4), created_at=utcnow())
    session.add(key)
    await session.flush()
    return key


async def revoke_qr_key(*, session: AsyncSession, principal: Principal, county: str, kid: str) -> QrKey:
    require_county_admin(principal, county)
    key = await session.get(QrKey, (county, kid))
    if key is None:
        raise NotFound("no such QR key for this county", code="unknown_qr_key")
    key.revoked_at = key.revoked_at or utcnow()
    return key


# -- evidence ----------------------------------------------------------------------------------------------------


def sniff_media_type(data: bytes) -> str | None:
    if data[:3] == b"\xff\xd8\xff":
        return "image/jpeg"
    if data[:8] == b"\x89PNG\r\n\x1a\n":
        return "image/png"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    if data[4:8] == b"ftyp":
        return "video/mp4"
    return None


async def upload_evidence(
    *, session: AsyncSession, ctx: RepairContext, principal: Principal, data: bytes, declared_type: str
) -> Evidence:
    """Store a photo (JPEG, PNG, WebP up to 8 MB) or a video (MP4 up to 20 MB), checked by its bytes."""
    require_signed_in(principal)
    media_type = sniff_media_type(data)
    if media_type is None:
        raise InvalidInput(
            "evidence must be a JPEG, PNG or WebP photo or an MP4 video",
            code="unsupported_media",
            fields=[FieldError("file", "not a photo or video")],
        )
    if declared_type and declared_type.split(";")[0].strip() not in (media_type, "application/octet-stream"):
        raise InvalidInput(
            f"the file is {media_type}, not {declared_type}",
            code="unsupported_media",
            fields=[FieldError("file", "content does not match its type")],
        )
    if len(data) > EVIDENCE_LIMITS[media_type]:
        raise InvalidInput(
            f"the file is larger than {EVIDENCE_LIMITS[media_type] >> 20} MB",
            code="too_large",
            fields=[FieldError("file", "too large")],
        )
    evidence_id = "EV" + secrets.token_hex(10)
    digest = hashlib.sha256(data).hexdigest()
    key = f"{utcnow():%Y/%m/%d}/{evidence_id}"
    await ctx.store.put(key, data)  # the bytes land before the row that points to them commits
    evidence = Evidence(
        evidence_id=evidence_id,
        content_type=media_type,
        size=len(data),
        sha256=digest,
        storage_key=key,
        uploaded_by=principal.sub,
        created_at=utcnow(),
    )
    session.add(evidence)
    return evidence


async def get_evidence(
    *, session: AsyncSession, ctx: RepairContext, principal: Principal, evidence_id: str
) -> tuple[str, bytes]:
    evidence = await session.get(Evidence, evidence_id)
    if evidence is None:
        raise NotFound("no such evidence", code="unknown_evidence")
    if evidence.ticket_no:
        await get_ticket_for(session=session, principal=principal, ticket_no=evidence.ticket_no)
    elif evidence.uploaded_by != principal.sub:
        raise Forbidden("not your upload", code="forbidden")
    return evidence.content_type, await ctx.store.get(evidence.storage_key)


async def attach_evidence(
    session: AsyncSession, principal: Principal, ticket_no: str, ids: list[str], stage: str
) -> None:
    for evidence_id in ids:
        evidence = await session.get(Evidence, evidence_id)
        if evidence is None or evidence.uploaded_by not in (principal.sub, principal.actor):
            raise InvalidInput(
                f"unknown evidence {evidence_id}",
                code="unknown_evidence",
                fields=[FieldError("evidence", f"{evidence_id} is not an upload of yours")],
            )
        if evidence.ticket_no and evidence.ticket_no != ticket_no:
            raise InvalidInput(
                f"evidence {evidence_id} belongs to another ticket",
                code="evidence_taken",
                fields=[FieldError("evidence", f"{evidence_id} is attached elsewhere")],
            )
        evidence.ticket_no, evidence.stage = ticket_no, stage


# -- tickets -----------------------------------------------------------------------------------------------------


async def next_ticket_no(session: AsyncSession, ctx: RepairContext, county: str, now: dt.datetime) -> str:
    """BX + county + yymmdd + the day's sequence (see services/repair/numbers.py): from this process's block when
    the context has one, else one number straight off the counter (callers outside `Database.transaction()`)."""
    if ctx.numbers is not None:
        return await ctx.numbers.next(session, county, now)
    day = now.astimezone(CHINA).strftime("%y%m%d")
    return ticket_no_of(county, day, await take_block(session, county, day, 1))


def _reporter_of(
    principal: Principal, channel: Channel | None, has_qr: bool
) -> tuple[str, str | None, Channel]:
    """(reporter, agent, channel) of a new ticket, by who is filing it."""
    require_signed_in(principal)
    if principal.actor is not None:
        return principal.sub, principal.actor, Channel.AGENT
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
    reporter, agent, channel = _reporter_of(principal, ticket_in.channel, bool(ticket_in.qr))
    claim: IdempotencyKey | None = None
    if idempotency_key:
        claim, replay = await _claim_idempotency_key(session, principal, idempotency_key, ticket_in)
        if replay is not None:
            return await get_ticket_for(session=session, principal=principal, ticket_no=replay)
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
    category = ticket_in.category
    if ticket_in.lat is not None and ticket_in.lng is not None:
        check_point_in_county(county, ticket_in.lat, ticket_in.lng)
    if not await county_serves(session, county=county, category=category):
        raise InvalidInput(
            f"{centre.name} has no repair outlet for {category.value} yet; call the county's "
            "broadcasting office",
            code="category_not_served",
            fields=[FieldError("category", "no outlet of this county serves it")],
        )
    now = utcnow()
    ticket = Ticket(
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
        response_target_hours=await _response_target(session, county, ticket_in.lat, ticket_in.lng),
    )
    session.add(ticket)
    await session.flush()
    _timeline(
        session,
        ticket,
        "reported",
        principal.actor or principal.sub,
        f"channel {channel.value}" + (f", for {ticket.contact_name}" if agent else ""),
    )
    await attach_evidence(session, principal, ticket.ticket_no, ticket_in.evidence, "report")
    await dispatch(session=session, ctx=ctx, ticket=ticket, reason="report", preferred=ticket_in.outlet_id)
    _publish(session, ctx, ticket, "repair.ticket.created")
    if claim is not None:
        claim.ticket_no = ticket.ticket_no
    return await ticket_read(session, ticket)


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


async def _response_target(
    session: AsyncSession, county: str, lat: float | None, lng: float | None
) -> float | None:
    """1 hour when the report lies in a village point's circle, 3 hours in a township's; None when unknown."""
    if lat is None or lng is None:
        return None
    points = (await session.scalars(select(ServicePoint).where(ServicePoint.county == county))).all()
    if not points:
        return 3.0
    nearest = min(points, key=lambda p: great_circle_km(lat, lng, p.lat, p.lng))
    near_village = (
        nearest.level == PointLevel.VILLAGE
        and great_circle_km(lat, lng, nearest.lat, nearest.lng) <= VILLAGE_CIRCLE_KM
    )
    return 1.0 if near_village else 3.0


def _transition(ticket: Ticket, action: str, to: TicketStatus) -> None:
    allowed = TRANSITIONS[action]
    current = TicketStatus(ticket.status)
    if current not in allowed or to not in allowed[current]:
        raise WrongState(
            f"ticket {ticket.ticket_no} is {current.value}; it cannot be {action.replace('_', ' ')}ed now",
            code=f"ticket_{current.value}",
        )
    ticket.status = to.value


def _timeline(session: AsyncSession, ticket: Ticket, action: str, actor: str, note: str = "") -> None:
    session.add(
        TicketEvent(
            ticket_no=ticket.ticket_no,
            at=utcnow(),
            action=action,
            actor=actor,
            note=note,
            status=ticket.status,
        )
    )


def _notify(session: AsyncSession, ticket: Ticket, kind: str, text: str, *, staff: bool = False) -> None:
    """To the reporter and the agent who filed it (in the app, and by SMS through the gateway, which sends the
    `notice` event); with `staff`, to the county's and the prefecture's staff too."""
    recipients = {ticket.reporter_id, ticket.agent_id} - {None}
    if staff:
        recipients |= {f"region:{ticket.county}", f"region:{ticket.county[:4]}"}
    for recipient in sorted(recipients):  # type: ignore[type-var]
        session.add(
            Notification(
                recipient=recipient, ticket_no=ticket.ticket_no, kind=kind, text=text, created_at=utcnow()
            )
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


def _publish(
    session: AsyncSession, ctx: RepairContext, ticket: Ticket, event_type: str, **extra: object
) -> None:
    """The ticket's event, carrying the notice its people were just sent, if any (the gateway texts it)."""
    notice = session.info.get("notices", {}).pop(ticket.ticket_no, None)
    payload = _event_payload(ticket, **extra) | ({"notice": notice} if notice else {})
    ctx.outbox.add(session, event_type=event_type, aggregate_id=ticket.ticket_no, payload=payload)


async def dispatch(
    *, session: AsyncSession, ctx: RepairContext, ticket: Ticket, reason: str, preferred: str | None = None
) -> None:
    """Send the ticket to the nearest qualifying outlet, recording the decision; the county queue when none."""
    centre = get_county(ticket.county)
    known = ticket.lat is not None and ticket.lng is not None
    lat, lng = (ticket.lat, ticket.lng) if known else (centre.lat, centre.lng)
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
        )  # type: ignore[arg-type]
        if choice.outlet is None or await take_capacity(session, choice.outlet.outlet_id, db=ctx.db):
            break
        excluded.add(choice.outlet.outlet_id)  # filled up by a concurrent dispatch; take the next one
    session.add(
        DispatchDecision(
            ticket_no=ticket.ticket_no,
            at=utcnow(),
            reason=reason,
            chosen_outlet_id=choice.outlet.outlet_id if choice.outlet else None,
            origin="report" if known else "county_centre",
            origin_lat=lat,
            origin_lng=lng,  # type: ignore[arg-type]
            candidates=[c.as_dict() for c in choice.candidates],
        )
    )
    if choice.outlet is None:
        ticket.status = TicketStatus.PENDING_DISPATCH.value
        ticket.assignee_outlet_id, ticket.assignee_distance_km, ticket.dispatched_at = None, None, None
        _timeline(session, ticket, "queued", "system", "no outlet can take it now; on the county's queue")
        _notify(
            session, ticket, "queued", f"报修单{ticket.ticket_no}已受理，正在为您安排维修网点。", staff=True
        )
        return
    _transition(ticket, "dispatch", TicketStatus.DISPATCHED)
    ticket.assignee_outlet_id = choice.outlet.outlet_id
    ticket.assignee_distance_km = round(choice.distance_km or 0.0, 3)
    ticket.dispatched_at = utcnow()
    _timeline(
        session,
        ticket,
        "dispatched",
        "system",
        f"{choice.outlet.name}, {ticket.assignee_distance_km} km ({reason})",
    )
    _notify(
        session,
        ticket,
        "dispatched",
        f"报修单{ticket.ticket_no}已派给{choice.outlet.name}（电话{choice.outlet.phone}），请保持电话畅通。",
    )
    _publish(session, ctx, ticket, "repair.ticket.dispatched", reason=reason)


async def _ticket_for_update(session: AsyncSession, ticket_no: str) -> Ticket:
    ticket = await session.scalar(select(Ticket).where(Ticket.ticket_no == ticket_no).with_for_update())
    if ticket is None:
        raise NotFound(f"no ticket {ticket_no}", code="unknown_ticket")
    return ticket


def _acts_for(principal: Principal, ticket: Ticket) -> bool:
    """The reporter, or the agent who filed it; with a delegation token only for what that agent filed for that
    resident (never the resident's other tickets)."""
    if principal.actor is not None:
        return ticket.agent_id == principal.actor and ticket.reporter_id == principal.sub
    return principal.sub in (ticket.reporter_id, ticket.agent_id)


def _require_assignee(principal: Principal, ticket: Ticket) -> None:
    require_roles(principal, "outlet_technician")
    if principal.claims.get("outlet") != ticket.assignee_outlet_id:
        raise Forbidden("this ticket is assigned to another outlet", code="not_your_ticket")


async def get_ticket_for(*, session: AsyncSession, principal: Principal, ticket_no: str) -> TicketRead:
    require_signed_in(principal)
    ticket = await session.get(Ticket, ticket_no)
    if ticket is None:
        raise NotFound(f"no ticket {ticket_no}", code="unknown_ticket")
    if not may_read(principal, ticket):
        raise Forbidden("you may not see this ticket", code="forbidden")
    return await ticket_read(session, ticket)


async def accept_ticket(
    *, session: AsyncSession, ctx: RepairContext, principal: Principal, ticket_no: str
) -> TicketRead:
    ticket = await _ticket_for_update(session, ticket_no)
    _require_assignee(principal, ticket)
    _transition(ticket, "accept", TicketStatus.ACCEPTED)
    ticket.accepted_at = utcnow()
    _timeline(session, ticket, "accepted", principal.sub)
    _notify(session, ticket, "accepted", f"维修人员已接单（报修单{ticket.ticket_no}），将尽快上门。")
    _publish(session, ctx, ticket, "repair.ticket.accepted")
    return await ticket_read(session, ticket)


async def reject_ticket(
    *, session: AsyncSession, ctx: RepairContext, principal: Principal, ticket_no: str, reason: str
) -> TicketRead:
    """The assigned outlet declines; the ticket goes on to the next nearest qualifying outlet."""
    ticket = await _ticket_for_update(session, ticket_no)
    _require_assignee(principal, ticket)
    _transition(ticket, "reject", TicketStatus.DISPATCHED)
    await _hand_back(session, ticket, principal.sub, "rejected", reason)
    await dispatch(session=session, ctx=ctx, ticket=ticket, reason="reject")
    return await ticket_read(session, ticket)


async def _hand_back(session: AsyncSession, ticket: Ticket, actor: str, action: str, note: str) -> None:
    outlet = ticket.assignee_outlet_id
    ticket.excluded_outlets = [*ticket.excluded_outlets, outlet] if outlet else list(ticket.excluded_outlets)
    await release_capacity(session, outlet)
    _timeline(session, ticket, action, actor, note)


async def resolve_ticket(
    *, session: AsyncSession, ctx: RepairContext, principal: Principal, ticket_no: str, resolve_in: ResolveIn
) -> TicketRead:
    ticket = await _ticket_for_update(session, ticket_no)
    _require_assignee(principal, ticket)
    _transition(ticket, "resolve", TicketStatus.RESOLVED)
    await attach_evidence(session, principal, ticket.ticket_no, resolve_in.evidence, "resolve")
    ticket.resolved_at, ticket.resolution_note = utcnow(), resolve_in.note
    await release_capacity(session, ticket.assignee_outlet_id)
    _timeline(session, ticket, "resolved", principal.sub, resolve_in.note)
    _notify(session, ticket, "resolved", f"报修单{ticket.ticket_no}已修复，请确认收看是否恢复并评价。")
    _publish(session, ctx, ticket, "repair.ticket.resolved")
    return await ticket_read(session, ticket)


async def follow_up_ticket(
    *, session: AsyncSession, ctx: RepairContext, principal: Principal, ticket_no: str, follow_up: FollowUpIn
) -> TicketRead:
    """回访 by the service point: restored closes the ticket; not restored sends it back to the same outlet."""
    require_roles(principal, *FOLLOW_UP_ROLES)
    ticket = await _ticket_for_update(session, ticket_no)
    require_region(principal, ticket.county)
    if not follow_up.reached:
        _transition(ticket, "follow_up", TicketStatus.RESOLVED)
        _timeline(session, ticket, "follow_up", principal.sub, f"not reached. {follow_up.note}".strip())
    elif follow_up.restored:
        _transition(ticket, "follow_up", TicketStatus.CLOSED)
        ticket.closed_at, ticket.restored_at = utcnow(), ticket.resolved_at
        _timeline(session, ticket, "closed", principal.sub, f"restored. {follow_up.note}".strip())
        _notify(session, ticket, "closed", f"报修单{ticket.ticket_no}经回访确认已恢复收看，工单办结。")
        _publish(session, ctx, ticket, "repair.ticket.closed")
    else:
        _transition(ticket, "follow_up", TicketStatus.DISPATCHED)
        ticket.resolved_at, ticket.accepted_at = None, None
        ticket.dispatched_at = utcnow()
        await take_capacity(session, ticket.assignee_outlet_id or "")
        _timeline(session, ticket, "reopened", principal.sub, f"not restored. {follow_up.note}".strip())
        _notify(
            session,
            ticket,
            "reopened",
            f"回访发现报修单{ticket.ticket_no}仍未恢复，已重新派给原维修网点。",
            staff=True,
        )
        _publish(session, ctx, ticket, "repair.ticket.reopened")
    return await ticket_read(session, ticket)


async def rate_ticket(
    *, session: AsyncSession, ctx: RepairContext, principal: Principal, ticket_no: str, rating: RatingIn
) -> TicketRead:
    """The reporter (or the agent who filed it) rates the repair once; it becomes a 好差评 review."""
    require_signed_in(principal)
    ticket = await _ticket_for_update(session, ticket_no)
    if not _acts_for(principal, ticket):
        raise Forbidden(
            "only the reporter, or the agent who filed it, rates a repair", code="not_your_ticket"
        )
    if ticket.rating_level is not None:
        raise WrongState("this repair has been rated already", code="already_rated")
    _transition(ticket, "rate", TicketStatus(ticket.status))
    ticket.rating_level, ticket.rating_comment, ticket.rated_at = rating.level, rating.comment, utcnow()
    _timeline(
        session,
        ticket,
        "rated",
        principal.actor or principal.sub,
        f"{rating.level}/5 {rating.comment}".strip(),
    )
    _publish(
        session,
        ctx,
        ticket,
        "repair.ticket.rated",
        level=rating.level,
        comment=rating.comment,
        reviewer=ticket.reporter_id,
        rated_by=principal.actor or principal.sub,
        rated_at=rfc3339(ticket.rated_at),
    )
    return await ticket_read(session, ticket)


async def cancel_ticket(
    *, session: AsyncSession, ctx: RepairContext, principal: Principal, ticket_no: str, reason: str
) -> TicketRead:
    require_signed_in(principal)
    ticket = await _ticket_for_update(session, ticket_no)
    if not _acts_for(principal, ticket):
        raise Forbidden("only the reporter cancels a report", code="not_your_ticket")
    was_dispatched = ticket.status == TicketStatus.DISPATCHED
    _transition(ticket, "cancel", TicketStatus.CANCELLED)
    if was_dispatched:
        await release_capacity(session, ticket.assignee_outlet_id)
    ticket.closed_at = utcnow()
    _timeline(session, ticket, "cancelled", principal.actor or principal.sub, reason)
    _publish(session, ctx, ticket, "repair.ticket.cancelled")
    return await ticket_read(session, ticket)


async def get_dispatch_decisions(
    *, session: AsyncSession, principal: Principal, ticket_no: str
) -> list[DispatchDecision]:
    ticket = await session.get(Ticket, ticket_no)
    if ticket is None:
        raise NotFound(f"no ticket {ticket_no}", code="unknown_ticket")
    require_roles(principal, *ADMIN_ROLES)
    require_region(principal, ticket.county)
    return list(
        (
            await session.scalars(
                select(DispatchDecision)
                .where(DispatchDecision.ticket_no == ticket_no)
                .order_by(DispatchDecision.id)
            )
        ).all()
    )


def _encode_cursor(ticket: Ticket) -> str:
    return base64.urlsafe_b64encode(
        json.dumps([ticket.created_at.isoformat(), ticket.ticket_no]).encode()
    ).decode()


def _decode_cursor(cursor: str) -> tuple[dt.datetime, str]:
    try:
        created, ticket_no = json.loads(base64.urlsafe_b64decode(cursor.encode()))
        return dt.datetime.fromisoformat(created), str(ticket_no)
    except (ValueError, TypeError) as exc:
        raise InvalidInput(
            "bad cursor", code="invalid_cursor", fields=[FieldError("cursor", "not ours")]
        ) from exc


async def get_all_tickets(
    *,
    session: AsyncSession,
    principal: Principal,
    status: str = "",
    county: str = "",
    outlet_id: str = "",
    mine: bool = False,
    cursor: str = "",
    limit: int = 20,
) -> tuple[list[TicketRead], str | None]:
    """A page of tickets, newest first, by role: your own (mine), your outlet's, or your region's."""
    require_signed_in(principal)
    limit = max(1, min(limit or 20, 100))
    query = select(Ticket).order_by(Ticket.created_at.desc(), Ticket.ticket_no.desc()).limit(limit + 1)
    if status:
        if status not in TicketStatus.__members__.values():
            raise InvalidInput(
                f"unknown status {status!r}", code="invalid_status", fields=[FieldError("status", "unknown")]
            )
        query = query.where(Ticket.status == status)
    if mine or not principal.roles or principal.actor is not None:
        who = principal.actor or principal.sub
        query = query.where(or_(Ticket.reporter_id == who, Ticket.agent_id == who, Ticket.filed_by == who))
        if principal.actor is not None:
            query = query.where(Ticket.reporter_id == principal.sub)
    elif "outlet_technician" in principal.roles and not principal.roles.intersection(STAFF_READERS):
        own = str(principal.claims.get("outlet", ""))
        if outlet_id and outlet_id != own:
            raise Forbidden("technicians see their own outlet's tickets", code="not_your_outlet")
        query = query.where(Ticket.assignee_outlet_id == own)
    else:
        require_roles(principal, *STAFF_READERS)
        scope = county or str(principal.region or "")
        if county:
            get_county(county)
        require_region(principal, scope)
        query = query.where(Ticket.county.startswith(regions.scope_prefix(scope)))
        if outlet_id:
            query = query.where(Ticket.assignee_outlet_id == outlet_id)
    if cursor:
        created, ticket_no = _decode_cursor(cursor)
        query = query.where(
            or_(Ticket.created_at < created, (Ticket.created_at == created) & (Ticket.ticket_no < ticket_no))
        )
    rows = list((await session.scalars(query)).all())
    page, more = rows[:limit], len(rows) > limit
    return [await ticket_read(session, t, timeline=False) for t in page], (
        _encode_cursor(page[-1]) if more else None
    )


async def count_my_tickets(*, session: AsyncSession, principal: Principal) -> int:
    require_signed_in(principal)
    mine = (
        (Ticket.agent_id == principal.actor) & (Ticket.reporter_id == principal.sub)
        if principal.actor is not None
        else or_(Ticket.reporter_id == principal.sub, Ticket.agent_id == principal.sub)
    )
    return int(await session.scalar(select(func.count()).select_from(Ticket).where(mine)) or 0)


async def ticket_read(session: AsyncSession, ticket: Ticket, *, timeline: bool = True) -> TicketRead:
    # Columns, not entities: a ticket read is the hottest path, and loading an Outlet would also load its
    # categories (selectin) that nobody here needs.
    assignee = None
    if ticket.assignee_outlet_id:
        outlet = (
            await session.execute(
                select(Outlet.name, Outlet.phone).where(Outlet.outlet_id == ticket.assignee_outlet_id)
            )
        ).first()
        if outlet is not None:
            assignee = AssigneeRead(
                outlet_id=ticket.assignee_outlet_id,
                name=outlet.name,
                phone=outlet.phone,
                distance_km=ticket.assignee_distance_km or 0.0,
            )
    events = []
    evidence_ids: list[str] = []
    if timeline:
        events = [
            TimelineRead(at=rfc3339(e.at) or "", action=e.action, actor=e.actor, note=e.note, status=e.status)
            for e in (
                await session.execute(
                    select(
                        TicketEvent.at,
                        TicketEvent.action,
                        TicketEvent.actor,
                        TicketEvent.note,
                        TicketEvent.status,
                    )
                    .where(TicketEvent.ticket_no == ticket.ticket_no)
                    .order_by(TicketEvent.id)
                )
            ).all()
        ]
        evidence_ids = list(
            (
                await session.scalars(
                    select(Evidence.evidence_id)
                    .where(Evidence.ticket_no == ticket.ticket_no)
                    .order_by(Evidence.created_at)
                )
            ).all()
        )
    rating = (
        RatingRead(
            level=ticket.rating_level, comment=ticket.rating_comment, at=rfc3339(ticket.rated_at) or ""
        )
        if ticket.rating_level is not None
        else None
    )
    return TicketRead(
        ticket_no=ticket.ticket_no,
        status=TicketStatus(ticket.status),
        county=ticket.county,
        category=Category(ticket.category),
        description=ticket.description,
        channel=Channel(ticket.channel),
        reporter_id=ticket.reporter_id,
        agent_id=ticket.agent_id,
        contact_name=ticket.contact_name,
        contact_phone=ticket.contact_phone,
        lat=ticket.lat,
        lng=ticket.lng,
        address=ticket.address,
        point=ticket.point,
        assignee=assignee,
        due_at=rfc3339(ticket.due_at) or "",
        overdue=ticket.overdue,
        created_at=rfc3339(ticket.created_at) or "",
        accepted_at=rfc3339(ticket.accepted_at),
        resolved_at=rfc3339(ticket.resolved_at),
        closed_at=rfc3339(ticket.closed_at),
        rating=rating,
        timeline=events,
        evidence_ids=evidence_ids,
        resolution_note=ticket.resolution_note,
    )


# -- timers: acceptance timeout, overdue, the county queue --------------------------------------------------------


async def sweep(
    *, session: AsyncSession, ctx: RepairContext, now: dt.datetime | None = None
) -> dict[str, int]:
    """One pass of the timers. Re-dispatches tickets not accepted in time (alerting the county), flags and
    escalates tickets past due, and retries the county queues. Safe to run on several replicas at once."""
    now = now or utcnow()
    done = {"accept_timeout": 0, "overdue": 0, "queue": 0}
    stale = (
        await session.scalars(
            select(Ticket)
            .where(
                Ticket.status == TicketStatus.DISPATCHED,
                Ticket.dispatched_at < now - dt.timedelta(minutes=ctx.accept_minutes),
            )
            .order_by(Ticket.dispatched_at)
            .limit(100)
            .with_for_update(skip_locked=True)
        )
    ).all()
    for ticket in stale:
        await _hand_back(
            session, ticket, "system", "accept_timeout", f"not accepted within {ctx.accept_minutes} minutes"
        )
        _notify(
            session,
            ticket,
            "accept_timeout",
            f"报修单{ticket.ticket_no}超过{ctx.accept_minutes}分钟未接单，已改派。",
            staff=True,
        )
        await dispatch(session=session, ctx=ctx, ticket=ticket, reason="accept_timeout")
        done["accept_timeout"] += 1
    late = (
        await session.scalars(
            select(Ticket)
            .where(
                Ticket.status.in_([s.value for s in OPEN_STATUSES]),
                Ticket.due_at < now,
                Ticket.overdue.is_(False),
            )
            .limit(100)
            .with_for_update(skip_locked=True)
        )
    ).all()
    for ticket in late:
        ticket.overdue = True
        _timeline(
            session, ticket, "overdue", "system", f"not restored within {RESTORE_HOURS} hours; escalated"
        )
        _notify(
            session,
            ticket,
            "overdue",
            f"报修单{ticket.ticket_no}已超过24小时未修复，已升级督办。",
            staff=True,
        )
        _publish(session, ctx, ticket, "repair.ticket.overdue")
        done["overdue"] += 1
    queued = (
        await session.scalars(
            select(Ticket)
            .where(Ticket.status == TicketStatus.PENDING_DISPATCH)
            .order_by(Ticket.created_at)
            .limit(100)
            .with_for_update(skip_locked=True)
        )
    ).all()
    for ticket in queued:
        done["queue"] += int(await _try_queue(session, ctx, ticket))
    return done


async def _try_queue(session: AsyncSession, ctx: RepairContext, ticket: Ticket) -> bool:
    centre = get_county(ticket.county)
    lat, lng = (ticket.lat, ticket.lng) if ticket.lat is not None else (centre.lat, centre.lng)
    choice = await nearest_qualifying_outlet(
        session,
        county=ticket.county,
        category=Category(ticket.category),
        lat=lat,
        lng=lng,
        excluded=set(ticket.excluded_outlets),
    )  # type: ignore[arg-type]
    if choice.outlet is None:
        return False  # still nothing free; do not record the same empty decision every pass
    await dispatch(session=session, ctx=ctx, ticket=ticket, reason="queue")
    return ticket.status == TicketStatus.DISPATCHED


# -- notifications -----------------------------------------------------------------------------------------------


async def get_my_notifications(
    *, session: AsyncSession, principal: Principal, limit: int = 50
) -> list[Notification]:
    require_signed_in(principal)
    recipients = [principal.sub]
    if principal.actor is None and principal.region and principal.roles.intersection(ADMIN_ROLES):
        prefix = regions.scope_prefix(str(principal.region))
        query = select(Notification).where(
            or_(
                Notification.recipient == principal.sub, Notification.recipient.startswith(f"region:{prefix}")
            )
        )
    else:
        query = select(Notification).where(Notification.recipient.in_(recipients))
    return list(
        (await session.scalars(query.order_by(Notification.id.desc()).limit(max(1, min(limit, 200))))).all()
    )


# -- statistics --------------------------------------------------------------------------------------------------


def _parse_time(value: str, field: str) -> dt.datetime | None:
    if not value:
        return None
    try:
        parsed = dt.datetime.fromisoformat(value)
    except ValueError as exc:
        raise InvalidInput(
            f"{field} is not an RFC 3339 time",
            code="invalid_time",
            fields=[FieldError(field, "RFC 3339 expected")],
        ) from exc
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=CHINA)


async def _tickets_in(
    session: AsyncSession,
    principal: Principal,
    region: str,
    since: dt.datetime | None,
    until: dt.datetime | None,
) -> tuple[str, list[Ticket]]:
    require_roles(principal, *STAFF_READERS)
    region = region or str(principal.region or "")
    if not regions.is_valid_scope(region):
        raise InvalidInput(
            f"{region!r} is not a region of Yunnan",
            code="unknown_region",
            fields=[FieldError("county", "unknown region")],
        )
    require_region(principal, region)
    prefix = regions.scope_prefix(region)
    query = select(Ticket).where(Ticket.county.startswith(prefix))
    if since:
        query = query.where(Ticket.created_at >= since)
    if until:
        query = query.where(Ticket.created_at < until)
    return prefix, list((await session.scalars(query)).all())


async def get_stats(
    *, session: AsyncSession, principal: Principal, region: str = "", since: str = "", until: str = ""
) -> dict[str, object]:
    """County, prefecture or province statistics, for staff in region."""
    prefix, tickets = await _tickets_in(
        session, principal, region, _parse_time(since, "since"), _parse_time(until, "until")
    )
    by_status: dict[str, int] = {}
    by_category: dict[str, int] = {}
    for t in tickets:
        by_status[t.status] = by_status.get(t.status, 0) + 1
        by_category[t.category] = by_category.get(t.category, 0) + 1
    hours = [
        (t.resolved_at - t.created_at).total_seconds() / 3600
        for t in tickets
        if t.status == TicketStatus.CLOSED and t.resolved_at is not None
    ]
    ratings = [t.rating_level for t in tickets if t.rating_level is not None]
    with_target = [
        t for t in tickets if t.response_target_hours is not None and t.status != TicketStatus.CANCELLED
    ]
    met = [
        t
        for t in with_target
        if t.accepted_at is not None
        and (t.accepted_at - t.created_at).total_seconds() <= t.response_target_hours * 3600
    ]  # type: ignore[operator]
    outlets: dict[str, dict[str, object]] = {}
    for t in tickets:
        if not t.assignee_outlet_id:
            continue
        row = outlets.setdefault(
            t.assignee_outlet_id, {"assigned": 0, "open": 0, "resolved": 0, "ratings": []}
        )
        row["assigned"] = int(row["assigned"]) + 1  # type: ignore[call-overload]
        row["open"] = int(row["open"]) + int(t.status in (TicketStatus.DISPATCHED, TicketStatus.ACCEPTED))  # type: ignore[call-overload]
        row["resolved"] = int(row["resolved"]) + int(t.status in (TicketStatus.RESOLVED, TicketStatus.CLOSED))  # type: ignore[call-overload]
        if t.rating_level is not None:
            row["ratings"].append(t.rating_level)  # type: ignore[attr-defined]
    names = (
        dict(
            (
                await session.execute(
                    select(Outlet.outlet_id, Outlet.name).where(Outlet.outlet_id.in_(list(outlets)))
                )
            ).all()
        )
        if outlets
        else {}
    )
    return {
        "region": prefix,
        "total": len(tickets),
        "by_status": [{"key": k, "count": v} for k, v in sorted(by_status.items())],
        "by_category": [{"key": k, "count": v} for k, v in sorted(by_category.items())],
        "restored_within_24h_share": round(sum(h <= RESTORE_HOURS for h in hours) / len(hours), 4)
        if hours
        else 0.0,
        "mean_hours_to_restore": round(statistics.fmean(hours), 2) if hours else 0.0,
        "p90_hours_to_restore": round(_percentile(hours, 0.9), 2) if hours else 0.0,
        "mean_rating": round(statistics.fmean(ratings), 2) if ratings else 0.0,
        "ratings": len(ratings),
        "outlets": [
            {
                "outlet_id": oid,
                "name": names.get(oid, oid),
                "assigned": row["assigned"],
                "open": row["open"],
                "resolved": row["resolved"],
                "ratings": len(row["ratings"]),  # type: ignore[arg-type]
                "mean_rating": round(statistics.fmean(row["ratings"]), 2) if row["ratings"] else 0.0,
            }  # type: ignore[arg-type]
            for oid, row in sorted(outlets.items())
        ],
        "response_circle_share": round(len(met) / len(with_target), 4) if with_target else 0.0,
        "response_circle_tickets": len(with_target),
        "overdue": sum(t.overdue for t in tickets),
    }


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    if len(ordered) == 1:
        return ordered[0]
    rank = q * (len(ordered) - 1)
    low = int(rank)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


async def export_month(
    *, session: AsyncSession, principal: Principal, region: str, month: str
) -> tuple[str, bytes]:
    """One CSV row per ticket reported in the month (China time); contact phones are masked."""
    try:
        first = dt.datetime.strptime(month, "%Y-%m").replace(tzinfo=CHINA)
    except ValueError as exc:
        raise InvalidInput(
            "month is YYYY-MM", code="invalid_month", fields=[FieldError("month", "YYYY-MM")]
        ) from exc
    after = (first + dt.timedelta(days=32)).replace(day=1)
    prefix, tickets = await _tickets_in(session, principal, region, first, after)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(
        [
            "ticket_no",
            "county",
            "category",
            "channel",
            "status",
            "reported_at",
            "accepted_at",
            "resolved_at",
            "closed_at",
            "hours_to_restore",
            "restored_within_24h",
            "overdue",
            "outlet_id",
            "distance_km",
            "rating",
            "contact_phone",
        ]
    )
    for t in sorted(tickets, key=lambda t: t.created_at):
        restored = t.resolved_at if t.status == TicketStatus.CLOSED else None
        hours = round((restored - t.created_at).total_seconds() / 3600, 2) if restored else ""
        writer.writerow(
            [
                t.ticket_no,
                t.county,
                t.category,
                t.channel,
                t.status,
                rfc3339(t.created_at),
                rfc3339(t.accepted_at) or "",
                rfc3339(t.resolved_at) or "",
                rfc3339(t.closed_at) or "",
                hours,
                "" if hours == "" else int(float(hours) <= RESTORE_HOURS),
                int(t.overdue),
                t.assignee_outlet_id or "",
                t.assignee_distance_km or "",
                t.rating_level or "",
                mask_phone(t.contact_phone),
            ]
        )
    return f"repair-{prefix}-{month}.csv", (
        "\ufeff" + out.getvalue()
    ).encode()  # BOM: Excel reads it as UTF-8
