"""Statistics for a county, a prefecture or the province, and the monthly export."""

from __future__ import annotations

import csv
import datetime as dt
import io
import statistics

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from services.kernel import regions
from services.kernel.auth import Principal, require_region, require_roles
from services.kernel.db import utcnow
from services.kernel.errors import (
    FieldError,
    InvalidInput,
)
from services.kernel.validators import mask_phone
from services.repair.circles import within_circle
from services.repair.common import CHINA, RESTORE_HOURS, STAFF_READERS, rfc3339
from services.repair.models import (
    Outlet,
    Ticket,
)
from services.repair.schemas import (
    TicketStatus,
)


def _parse_time(value: str, field: str) -> dt.datetime | None:
    if not value:
        return None
    try:
        parsed = dt.datetime.fromisoformat(value)
        return (parsed if parsed.tzinfo else parsed.replace(tzinfo=CHINA)).astimezone(dt.UTC)
    except (ValueError, OverflowError) as exc:  # not a time, or one beyond the calendar once in UTC
        raise InvalidInput(
            f"{field} 不是有效的时间，请使用 RFC 3339 格式，例如 2026-11-01T00:00:00+08:00",
            code="invalid_time",
            fields=[FieldError(field, "应为 RFC 3339 时间")],
        ) from exc


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
    now = utcnow()
    hours = [hours_to_restore(t) for t in tickets if restored(t)]
    unrestored = [t for t in tickets if unrestored_overdue(t, now)]
    judged = len(hours) + len(unrestored)  # an open ticket past its 24 hours counts against the share
    ratings = [t.rating_level for t in tickets if t.rating_level is not None]
    with_target = [t for t in tickets if circle_judged(t, now)]
    met = [t for t in with_target if within_circle(t)]
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
        "restored_within_24h_share": round(sum(h <= RESTORE_HOURS for h in hours) / judged, 4)
        if judged
        else 0.0,
        # to the hundredth of a minute: a repair of 17 seconds is 0.0047 h, not 0.0
        "mean_hours_to_restore": round(statistics.fmean(hours), 4) if hours else 0.0,
        "p90_hours_to_restore": round(_percentile(hours, 0.9), 4) if hours else 0.0,
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
                "mean_rating": round(statistics.fmean(row["ratings"]), 2) if row["ratings"] else 0.0,  # type: ignore[arg-type]
            }  # type: ignore[arg-type]
            for oid, row in sorted(outlets.items())
        ],
        "response_circle_share": round(len(met) / len(with_target), 4) if with_target else 0.0,
        "response_circle_tickets": len(with_target),
        "overdue": sum(t.overdue for t in tickets),
        "restored_tickets": len(hours),
        "unrestored_overdue": len(unrestored),
    }


def restored(ticket: Ticket) -> bool:
    """Restored: the outlet resolved it and the follow-up (回访) confirmed the signal is back (the ticket closed)."""
    return ticket.status == TicketStatus.CLOSED and (ticket.restored_at or ticket.resolved_at) is not None


def hours_to_restore(ticket: Ticket) -> float:
    """From the report to the outlet's repair that the follow-up confirmed, in hours (not rounded here)."""
    at = ticket.restored_at or ticket.resolved_at
    assert at is not None
    return (at - ticket.created_at).total_seconds() / 3600


def unrestored_overdue(ticket: Ticket, now: dt.datetime) -> bool:
    """Not restored (neither closed nor cancelled) and past its 24 hours, unless the outlet's repair, still awaiting
    its follow-up, came within them."""
    if ticket.status in (TicketStatus.CLOSED, TicketStatus.CANCELLED) or ticket.due_at >= now:
        return False
    return ticket.resolved_at is None or ticket.resolved_at > ticket.due_at


def circle_judged(ticket: Ticket, now: dt.datetime) -> bool:
    """A ticket with a circle counts in the circle share once the technician arrived or its circle's time passed."""
    if ticket.response_target_hours is None or ticket.status == TicketStatus.CANCELLED:
        return False
    if ticket.arrived_at is not None:
        return True
    return (now - ticket.created_at).total_seconds() > ticket.response_target_hours * 3600


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
        after = (first + dt.timedelta(days=32)).replace(day=1)
        first.astimezone(dt.UTC)
    except (
        ValueError,
        OverflowError,
    ) as exc:  # 2026-13, or a month at the calendar's edge (0001-01, 9999-12)
        raise InvalidInput(
            "月份无效，请使用 YYYY-MM 格式，例如 2026-11",
            code="invalid_month",
            fields=[FieldError("month", "应为 YYYY-MM")],
        ) from exc
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
        hours = round(hours_to_restore(t), 4) if restored(t) else ""
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
