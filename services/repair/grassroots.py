"""The "五个一" of the grassroots service points (provincial opinion 六(一)3): one public board, one printable county
QR poster (`posters.py`), one window register (登记本), one service phone (服务热线) per county and service point.

Anyone may read the board and the hotline (they are printed on walls); county admins set them; window staff in the
point's region write and read the register.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from services.kernel.auth import Principal, require_region, require_roles
from services.kernel.db import utcnow
from services.kernel.errors import FieldError, InvalidInput, NotFound
from services.repair.common import CHINA, RepairContext, get_county, require_county_admin, rfc3339
from services.repair.grassroots_models import CountyHotline, ServicePointProfile, WalkInEntry
from services.repair.grassroots_schemas import PROVINCE_HOTLINE, HotlineIn, PointProfileIn, WalkInIn
from services.repair.models import Outlet, OutletCategory, ServicePoint, Ticket
from services.repair.schemas import Channel, TicketCreate, TicketRead
from services.repair.tickets import create_ticket

WINDOW_ROLES = ("window_staff",)
REGISTER_READERS = ("window_staff", "county_admin", "platform_admin")
CSV_COLUMNS = ("日期", "时间", "报修单号", "故障类型", "联系人", "联系电话", "地址", "状态", "登记人")


@dataclass(frozen=True, slots=True)
class Hotline:
    county: str
    county_name: str
    phone: str
    hours: str
    configured: bool


@dataclass(frozen=True, slots=True)
class BoardPoint:
    point_id: str
    name: str
    level: str
    address: str
    hours: str
    phone: str
    scope: str
    lat: float
    lng: float


@dataclass(frozen=True, slots=True)
class Board:
    county: str
    county_name: str
    hotline: Hotline
    service_points: list[BoardPoint]
    scope: list[str]


@dataclass(frozen=True, slots=True)
class WalkIn:
    point_id: str
    day: str
    ticket_no: str
    at: str
    category: str
    contact_name: str
    contact_phone: str
    address: str
    status: str
    recorded_by: str


async def get_hotline(*, session: AsyncSession, county: str) -> Hotline:
    """The county's service phone; the province's 12345 while the county has set none. 404 for an unknown county."""
    region = get_county(county)
    row = await session.get(CountyHotline, county)
    if row is None:
        return Hotline(county, region.name, PROVINCE_HOTLINE, "全天", configured=False)
    return Hotline(county, region.name, row.phone, row.hours, configured=True)


async def set_hotline(
    *, session: AsyncSession, principal: Principal, county: str, hotline_in: HotlineIn
) -> Hotline:
    require_county_admin(principal, county)
    row = await session.get(CountyHotline, county)
    if row is None:
        row = CountyHotline(
            county=county, phone=hotline_in.phone, hours=hotline_in.hours, updated_at=utcnow()
        )
        session.add(row)
    else:
        row.phone, row.hours, row.updated_at = hotline_in.phone, hotline_in.hours, utcnow()
    await session.flush()
    return await get_hotline(session=session, county=county)


async def county_scope(session: AsyncSession, county: str) -> list[str]:
    """The categories the county's active outlets repair (the service scope printed on the poster)."""
    rows = await session.scalars(
        select(OutletCategory.category)
        .join(Outlet, Outlet.outlet_id == OutletCategory.outlet_id)
        .where(Outlet.county == county, Outlet.active.is_(True))
        .distinct()
    )
    return sorted(rows.all())


async def get_board(*, session: AsyncSession, county: str) -> Board:
    """The public board (公示栏) of a county: its hotline and every service point's address, hours, phone, scope."""
    hotline = await get_hotline(session=session, county=county)
    rows = (
        await session.execute(
            select(ServicePoint, ServicePointProfile)
            .outerjoin(ServicePointProfile, ServicePointProfile.point_id == ServicePoint.point_id)
            .where(ServicePoint.county == county)
            .order_by(ServicePoint.level.desc(), ServicePoint.point_id)
        )
    ).all()
    points = [
        BoardPoint(
            point_id=point.point_id,
            name=point.name,
            level=point.level,
            address=profile.address if profile else "",
            hours=profile.hours if profile else "",
            phone=(profile.phone if profile else "") or hotline.phone,
            scope=profile.scope if profile else "",
            lat=point.lat,
            lng=point.lng,
        )
        for point, profile in rows
    ]
    return Board(county, hotline.county_name, hotline, points, await county_scope(session, county))


async def point_in_scope(session: AsyncSession, principal: Principal, point_id: str) -> ServicePoint:
    point = await session.get(ServicePoint, point_id)
    if point is None:
        raise NotFound(f"no service point {point_id}", code="unknown_point")
    require_region(principal, point.county)
    return point


async def set_point_profile(
    *, session: AsyncSession, principal: Principal, point_id: str, profile_in: PointProfileIn
) -> BoardPoint:
    require_roles(principal, "county_admin", "platform_admin")
    point = await point_in_scope(session, principal, point_id)
    profile = await session.get(ServicePointProfile, point_id)
    if profile is None:
        profile = ServicePointProfile(point_id=point_id)
        session.add(profile)
    profile.address, profile.hours = profile_in.address, profile_in.hours
    profile.phone, profile.scope, profile.updated_at = profile_in.phone, profile_in.scope, utcnow()
    await session.flush()
    return BoardPoint(
        point.point_id,
        point.name,
        point.level,
        profile.address,
        profile.hours,
        profile.phone,
        profile.scope,
        point.lat,
        point.lng,
    )


def china_day(at: dt.datetime) -> str:
    return at.astimezone(CHINA).strftime("%Y-%m-%d")


async def record_walk_in(
    *,
    session: AsyncSession,
    ctx: RepairContext,
    principal: Principal,
    point_id: str,
    walk_in: WalkInIn,
    idempotency_key: str = "",
) -> tuple[WalkIn, TicketRead]:
    """登记: window staff of the point's region write a walk-in report into the register; it is filed as a ticket
    of the point's county with channel `window` and dispatched like any other. A retried key answers the first."""
    require_roles(principal, *WINDOW_ROLES)
    point = await point_in_scope(session, principal, point_id)
    ticket_in = TicketCreate(
        county=point.county, channel=Channel.WINDOW, **walk_in.model_dump(exclude_none=True)
    )
    ticket = await create_ticket(
        session=session, ctx=ctx, principal=principal, ticket_in=ticket_in, idempotency_key=idempotency_key
    )
    entry = await session.scalar(select(WalkInEntry).where(WalkInEntry.ticket_no == ticket.ticket_no))
    if entry is None:
        now = utcnow()
        entry = WalkInEntry(
            point_id=point_id,
            day=china_day(now),
            ticket_no=ticket.ticket_no,
            recorded_by=principal.sub,
            created_at=now,
        )
        session.add(entry)
        await session.flush()
    elif entry.point_id != point_id:
        raise InvalidInput(
            "这个 Idempotency-Key 已用于另一个服务点的登记",
            code="idempotency_key_reused",
            fields=[FieldError("Idempotency-Key", "已用于另一个服务点")],
        )
    ticket_row = await session.get(Ticket, ticket.ticket_no)
    assert ticket_row is not None
    return _walk_in(entry, ticket_row), ticket


def _walk_in(entry: WalkInEntry, ticket: Ticket) -> WalkIn:
    return WalkIn(
        point_id=entry.point_id,
        day=entry.day,
        ticket_no=entry.ticket_no,
        at=rfc3339(entry.created_at) or "",
        category=ticket.category,
        contact_name=ticket.contact_name,
        contact_phone=ticket.contact_phone,
        address=ticket.address,
        status=ticket.status,
        recorded_by=entry.recorded_by,
    )


async def list_walk_ins(
    *, session: AsyncSession, principal: Principal, point_id: str, day: str
) -> list[WalkIn]:
    """The register of one day (China date; today when empty), in the order the reports were written."""
    require_roles(principal, *REGISTER_READERS)
    await point_in_scope(session, principal, point_id)
    if day:
        try:
            dt.date.fromisoformat(day)
        except ValueError as error:
            raise InvalidInput(
                "日期不正确，应为 YYYY-MM-DD", code="invalid_day", fields=[FieldError("day", "YYYY-MM-DD")]
            ) from error
    rows = (
        await session.execute(
            select(WalkInEntry, Ticket)
            .join(Ticket, Ticket.ticket_no == WalkInEntry.ticket_no)
            .where(WalkInEntry.point_id == point_id, WalkInEntry.day == (day or china_day(utcnow())))
            .order_by(WalkInEntry.id)
        )
    ).all()
    return [_walk_in(entry, ticket) for entry, ticket in rows]


def walk_ins_csv(walk_ins: list[WalkIn]) -> bytes:
    """The register as CSV (UTF-8 with a BOM, so that Excel opens the Chinese as written)."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)
    for w in walk_ins:
        row = [
            w.day,
            w.at[11:16],
            w.ticket_no,
            w.category,
            w.contact_name,
            w.contact_phone,
            w.address,
            w.status,
        ]
        writer.writerow([_cell(v) for v in (*row, w.recorded_by)])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def _cell(value: str) -> str:
    """A cell a spreadsheet will not run as a formula (CSV injection): text starting with = + - @ gets a quote."""
    return f"'{value}" if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value
