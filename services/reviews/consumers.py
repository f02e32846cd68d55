"""Events the reviews service reacts to."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from services.kernel.events import Event, EventConsumer
from services.reviews.models import Review


class RepairRatings(EventConsumer):
    """A rated repair ticket becomes a 好差评 review of that ticket (once, whatever the redeliveries)."""

    group = "reviews"
    sources = ("repair",)

    async def handle(self, session: AsyncSession, event: Event) -> None:
        if event.event_type != "repair.ticket.rated":
            return
        payload = event.payload
        exists = await session.scalar(
            select(Review.id).where(
                Review.subject_kind == "repair_ticket", Review.subject_id == payload["ticket_no"]
            )
        )
        if exists is None:
            session.add(
                Review(
                    subject_kind="repair_ticket",
                    subject_id=str(payload["ticket_no"]),
                    region=str(payload["county"]),
                    reviewer=str(payload["reviewer"]),
                    level=int(payload["level"]),
                    comment=str(payload.get("comment") or ""),
                )
            )
