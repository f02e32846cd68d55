"""A county's approved repair fees (收费项目, amounts in fen) and free services (免费服务), published for anyone,
and the fee a resolved ticket records: only an item on the county's list, at most its approved amount."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from services.kernel.auth import Principal
from services.kernel.db import utcnow
from services.kernel.errors import FieldError, InvalidInput
from services.repair.common import add_timeline, get_county, require_county_admin, rfc3339
from services.repair.facility_models import FeeSchedule, TicketFee
from services.repair.facility_schemas import FeeScheduleIn
from services.repair.models import Ticket
from services.repair.schemas import FeeCharged


def schedule_read(county: str, schedule: FeeSchedule | None) -> dict[str, Any]:
    return {
        "county": county,
        "items": list(schedule.items) if schedule else [],
        "free_services": list(schedule.free_services) if schedule else [],
        "updated_at": rfc3339(schedule.updated_at) or "" if schedule else "",
    }


async def get_fee_schedule(*, session: AsyncSession, county: str) -> dict[str, Any]:
    get_county(county)
    return schedule_read(county, await session.get(FeeSchedule, county))


async def set_fee_schedule(
    *, session: AsyncSession, principal: Principal, county: str, schedule_in: FeeScheduleIn
) -> dict[str, Any]:
    """The county publishes its approved list; it replaces the previous one (tickets keep what they charged)."""
    require_county_admin(principal, county)
    schedule = await session.get(FeeSchedule, county)
    if schedule is None:
        schedule = FeeSchedule(county=county)
        session.add(schedule)
    schedule.items = [item.model_dump() for item in schedule_in.items]
    schedule.free_services = list(schedule_in.free_services)
    schedule.updated_by, schedule.updated_at = principal.sub, utcnow()
    return schedule_read(county, schedule)


def _yuan(fen: int) -> str:
    return f"{fen // 100}.{fen % 100:02d}元"


async def charge_fee(session: AsyncSession, ticket: Ticket, fee: FeeCharged | None, actor: str) -> None:
    """Record the fee of a repair; one not on the county's approved list, or above its amount, is refused (422)."""
    if fee is None:
        return
    schedule = await session.get(FeeSchedule, ticket.county)
    approved = next((i for i in (schedule.items if schedule else []) if i.get("name") == fee.item), None)
    if approved is None:
        raise InvalidInput(
            f"{fee.item} is not an approved fee item of county {ticket.county}",
            code="fee_not_approved",
            fields=[FieldError("fee.item", "not on the county's approved list")],
        )
    limit = int(str(approved["amount_fen"]))
    if fee.amount_fen > limit:
        raise InvalidInput(
            f"{fee.amount_fen} fen is above the approved {limit} fen",
            code="fee_above_approved",
            fields=[FieldError("fee.amount_fen", f"at most {limit}")],
        )
    unit = str(approved.get("unit", ""))
    session.add(
        TicketFee(
            ticket_no=ticket.ticket_no,
            county=ticket.county,
            item=fee.item,
            amount_fen=fee.amount_fen,
            unit=unit,
            charged_by=actor,
            charged_at=utcnow(),
        )
    )
    add_timeline(session, ticket, "fee_charged", actor, f"收费：{fee.item} {_yuan(fee.amount_fen)}/{unit}")
