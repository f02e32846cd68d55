"""The monthly data review chain (数据逐级审核): a county's monthly figures, made from the platform's own data
(tickets, the share restored within 24 hours, inspections, the emergency-broadcast terminals' online rate), are
reviewed and submitted village → township → county. Each step is signed off by a named staff person and freezes
the figures as they are at that moment: later changes to tickets or heartbeats do not alter a submitted snapshot.
A step out of order (the county before the township) is refused with 409.
"""

from __future__ import annotations

import datetime as dt
import statistics
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from services.kernel.auth import Principal, require_region, require_roles
from services.kernel.db import utcnow
from services.kernel.errors import FieldError, InvalidInput, WrongState
from services.repair.common import CHINA, RESTORE_HOURS, STAFF_READERS, get_county, rfc3339
from services.repair.facility_models import Facility, Inspection, MonthlyReview
from services.repair.heartbeats import ONLINE_TARGET, county_terminals, terminal_rates
from services.repair.models import Ticket
from services.repair.schemas import TicketStatus

STAGES = ("village", "township", "county")
STAGE_ROLES = {
    "village": ("village_agent", "county_admin"),  # 村级代办点
    "township": ("window_staff", "county_admin"),  # 乡镇便民服务网点
    "county": ("county_admin",),  # 县级广电主管部门
}
REVIEW_READERS = (*STAFF_READERS, "village_agent")


def month_bounds(month: str, now: dt.datetime | None = None) -> tuple[dt.datetime, dt.datetime]:
    """[first instant, first instant of the next month) of a YYYY-MM month in China time; it must have begun."""
    try:
        first = dt.datetime.strptime(month, "%Y-%m").replace(tzinfo=CHINA)
        after = (first + dt.timedelta(days=32)).replace(day=1)
        first.astimezone(dt.UTC)
    except (ValueError, OverflowError) as error:
        raise InvalidInput(
            "the month is YYYY-MM", code="invalid_month", fields=[FieldError("month", "YYYY-MM")]
        ) from error
    if first > (now or utcnow()):
        raise InvalidInput(
            "the month has not begun",
            code="month_not_begun",
            fields=[FieldError("month", "a month not yet begun")],
        )
    return first, after


def _share(part: int, whole: int) -> float:
    return round(part / whole, 4) if whole else 0.0


async def month_figures(
    session: AsyncSession, county: str, start: dt.datetime, end: dt.datetime, now: dt.datetime | None = None
) -> dict[str, Any]:
    """The county's figures of the month, as the platform's data says now."""
    now = now or utcnow()
    tickets = (
        await session.scalars(
            select(Ticket).where(
                Ticket.county == county,
                Ticket.created_at >= start,
                Ticket.created_at < end,
                Ticket.status != TicketStatus.CANCELLED.value,
            )
        )
    ).all()
    restored = [t for t in tickets if t.status == TicketStatus.CLOSED and t.restored_at is not None]
    within = sum((t.restored_at - t.created_at).total_seconds() <= RESTORE_HOURS * 3600 for t in restored)  # type: ignore[operator]
    ratings = [t.rating_level for t in tickets if t.rating_level is not None]
    inspections = (
        await session.execute(
            select(Inspection.on_time, Inspection.result).where(
                Inspection.county == county, Inspection.at >= start, Inspection.at < end
            )
        )
    ).all()
    overdue = await session.scalar(
        select(func.count())
        .select_from(Facility)
        .where(Facility.county == county, Facility.next_inspection_due < min(end, now))
    )
    rates = await terminal_rates(session, await county_terminals(session, county), start, min(end, now))
    online = [rate for rate, _hours, _count in rates.values()]
    return {
        "tickets": len(tickets),
        "closed": len(restored),
        "restored_within_24h": within,
        "restored_within_24h_share": _share(within, len(restored)),
        "mean_rating": round(statistics.fmean(ratings), 2) if ratings else 0.0,
        "inspections": len(inspections),
        "inspections_on_time": sum(bool(on_time) for on_time, _ in inspections),
        "inspection_faults": sum(result == "fault" for _, result in inspections),
        "inspections_overdue": int(overdue or 0),
        "terminals": len(online),
        "terminal_online_rate": round(statistics.fmean(online), 4) if online else 0.0,
        "terminals_below_online_target": sum(rate < ONLINE_TARGET for rate in online),
    }


def _step(review: MonthlyReview) -> dict[str, Any]:
    return {
        "stage": review.stage,
        "signed_by": review.signed_by,
        "signer_name": review.signer_name,
        "note": review.note,
        "submitted_at": rfc3339(review.submitted_at) or "",
        "figures": dict(review.figures),
    }


async def _steps(session: AsyncSession, county: str, month: str) -> dict[str, MonthlyReview]:
    rows = await session.scalars(
        select(MonthlyReview).where(MonthlyReview.county == county, MonthlyReview.month == month)
    )
    return {r.stage: r for r in rows}


async def get_review(
    *, session: AsyncSession, principal: Principal, county: str, month: str
) -> dict[str, Any]:
    """The chain of a county's month: the submitted steps with their frozen figures, the next step, and the
    figures as they are now (for the next reviewer to check)."""
    require_roles(principal, *REVIEW_READERS)
    get_county(county)
    require_region(principal, county)
    start, end = month_bounds(month)
    steps = await _steps(session, county, month)
    return {
        "county": county,
        "month": month,
        "current": await month_figures(session, county, start, end),
        "steps": [_step(steps[s]) for s in STAGES if s in steps],
        "next_stage": next((s for s in STAGES if s not in steps), ""),
    }


async def submit_review(
    *,
    session: AsyncSession,
    principal: Principal,
    county: str,
    month: str,
    stage: str,
    signer_name: str,
    note: str = "",
) -> dict[str, Any]:
    """Sign off one step: the figures are frozen as they are now. The previous step must be submitted, this one
    not yet."""
    if stage not in STAGES:
        raise InvalidInput(
            f"unknown stage {stage}",
            code="invalid_stage",
            fields=[FieldError("stage", "village, township or county")],
        )
    require_roles(principal, *STAGE_ROLES[stage])
    get_county(county)
    require_region(principal, county)
    if not signer_name.strip():
        raise InvalidInput(
            "the signer's name is required",
            code="invalid_input",
            fields=[FieldError("signer_name", "required")],
        )
    start, end = month_bounds(month)
    steps = await _steps(session, county, month)
    if stage in steps:
        raise WrongState(f"the {stage} step of {month} is submitted already", code="review_submitted")
    before = STAGES[: STAGES.index(stage)]
    missing = [s for s in before if s not in steps]
    if missing:
        raise WrongState(
            f"the {missing[0]} step must be submitted before the {stage} step", code="review_out_of_order"
        )
    review = MonthlyReview(
        county=county,
        month=month,
        stage=stage,
        signed_by=principal.sub,
        signer_name=signer_name.strip(),
        note=note.strip(),
        figures=await month_figures(session, county, start, end),
        submitted_at=utcnow(),
    )
    session.add(review)
    try:
        await session.flush()
    except IntegrityError as error:  # the same step signed off at the same moment by someone else
        raise WrongState(
            f"the {stage} step of {month} is submitted already", code="review_submitted"
        ) from error
    return await get_review(session=session, principal=principal, county=county, month=month)
