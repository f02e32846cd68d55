"""SMS to the reporter and the agent when a repair ticket moves (the in-app copy lives in the repair service)."""

from __future__ import annotations

import logging

from sqlalchemy.ext.asyncio import AsyncSession

from gateway.identity.service import Identity
from services.kernel.events import Event, EventConsumer

log = logging.getLogger("bst.notify")


class RepairSms(EventConsumer):
    """Repair events that carry a `notice` are texted to the reporter's and the agent's phones, once each."""

    group = "gateway-sms"
    sources = ("repair",)
    identity: Identity

    async def handle(self, session: AsyncSession, event: Event) -> None:
        notice = event.payload.get("notice")
        if not notice:
            return
        for account_id in {event.payload.get("reporter_id"), event.payload.get("agent_id")} - {None}:
            account = await self.identity.get_account_or_none(session=session, account_id=str(account_id))
            phone = self.identity.phone_of(account) if account is not None else None
            if phone:
                await self.identity.sms.send(session, phone=phone, text=f"【办事通】{notice}")
