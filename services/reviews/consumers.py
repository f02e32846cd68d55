"""Events the reviews service reacts to: served cases become invitations; repair ratings become reviews.

- `repair.ticket.resolved`: the reporter (the resident, not the agent) is invited; unit = the assignee outlet.
- `repair.ticket.rated`: today's rating path; the rating goes through the same rules as any review (a rating the
  rules refuse, such as a second one or one after the window, is logged and left out). Only the resident's own
  rating is recorded: the resident rates, the agent only guides (六(一)2(3)), so a rating by anyone but the reporter
  (`rated_by` another account, or `delegated: true`) is left out.
- `intake.application.concluded`: the applicant is invited; unit = the department."""

from __future__ import annotations

import logging

from sqlalchemy.ext.asyncio import AsyncSession

from services.kernel.consumers import EventConsumer
from services.kernel.errors import DomainError
from services.kernel.events import Event
from services.reviews.cases import CaseIn, open_case
from services.reviews.context import ReviewsContext
from services.reviews.reviewing import record_review
from services.reviews.schemas import ReviewIn

log = logging.getLogger("bst.reviews")


def repair_case(payload: dict[str, object]) -> CaseIn:
    outlet = str(payload.get("assignee_outlet_id") or "")
    return CaseIn(
        case_type="repair_ticket",
        case_id=str(payload["ticket_no"]),
        title=f"广电报修单{payload['ticket_no']}",
        account_id=str(payload["reporter_id"]),
        agent_id=str(payload.get("agent_id") or "") or None,
        region=str(payload["county"]),
        outlet_id=outlet,
        unit_kind="outlet",
        unit=outlet or f"county:{payload['county']}",
    )


def application_case(payload: dict[str, object]) -> CaseIn:
    department = str(payload.get("department") or "")
    return CaseIn(
        case_type="application",
        case_id=str(payload["application_no"]),
        title=f"{payload.get('item_name') or '申请'}（{payload['application_no']}）",
        account_id=str(payload["applicant_id"]),
        agent_id=str(payload.get("agent_id") or "") or None,
        region=str(payload["region"]),
        department=department,
        item_code=str(payload.get("item_code") or ""),
        unit_kind="department",
        unit=department,
    )


class ServedCases(EventConsumer):
    """Served cases from repair and intake, and repair ratings, once each whatever the redeliveries."""

    group = "reviews"
    sources = ("repair", "intake")
    ctx: ReviewsContext
    # Every other event of those streams (a ticket filed, accepted...; most of them) is acknowledged without a
    # transaction: measured on the ticket-filing bench, applying nothing cost this service ~2.5 ms of CPU each.
    HANDLED = frozenset({"repair.ticket.resolved", "intake.application.concluded", "repair.ticket.rated"})

    def wants(self, event: Event) -> bool:
        return event.event_type in self.HANDLED

    async def handle(self, session: AsyncSession, event: Event) -> None:
        payload = event.payload
        try:
            if event.event_type == "repair.ticket.resolved":
                await open_case(session=session, ctx=self.ctx, case_in=repair_case(payload))
            elif event.event_type == "intake.application.concluded":
                await open_case(session=session, ctx=self.ctx, case_in=application_case(payload))
            elif event.event_type == "repair.ticket.rated":
                await self._rating(session, payload)
        except DomainError as refused:
            log.warning(
                "event left out by the review rules",
                extra={"event_type": event.event_type, "event_id": event.event_id, "reason": refused.message},
            )

    async def _rating(self, session: AsyncSession, payload: dict[str, object]) -> None:
        case, _ = await open_case(session=session, ctx=self.ctx, case_in=repair_case(payload))
        rated_by = str(payload.get("rated_by") or payload.get("reviewer") or "")
        reviewer = str(payload.get("reviewer") or case.account_id)
        if reviewer != case.account_id:
            log.warning("a rating by someone not served was left out", extra={"case_id": case.case_id})
            return
        agent_recorded = (rated_by and rated_by != reviewer) or payload.get("delegated") is True
        if agent_recorded and not (payload.get("confirmed") is True and rated_by == case.agent_id):
            # a rating the agent recorded counts only once the resident confirmed it (repair keeps it pending until
            # then, 六(一)2(3)): an event that says otherwise is left out rather than recorded in the resident's name
            log.warning(
                "a rating not confirmed by the resident was left out", extra={"case_id": case.case_id}
            )
            return
        review_in = ReviewIn(
            case_type="repair_ticket",
            case_id=case.case_id,
            level=int(payload["level"]),  # type: ignore[call-overload]
            comment=str(payload.get("comment") or "")[:500],
            channel="app",
        )
        async with session.begin_nested():
            await record_review(
                session=session,
                ctx=self.ctx,
                case=case,
                review_in=review_in,
                reviewer_id=case.account_id,
                recorded_by=rated_by if agent_recorded else None,
            )
