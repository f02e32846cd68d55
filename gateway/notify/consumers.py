"""SMS to the people of a case when it moves, for the events of repair, intake and reviews (the in-app copies
live in the services). An event with a `notice` is texted to the accounts it names in `notify_account_ids`; a
repair event without that list goes to its reporter and the agent who filed it, as before. Each phone once."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from gateway.identity.models import Account
from gateway.identity.schemas import AccountStatus
from gateway.identity.service import Identity
from gateway.open311.service import OPEN311_CLIENT_PREFIX, reporter_phone
from services.kernel.consumers import EventConsumer
from services.kernel.events import Event
from services.kernel.validators import is_mobile

log = logging.getLogger("bst.notify")
OPEN311_LOOKUPS = 30
OPEN311_LOOKUP_PAUSE = 0.1
PHONES = "bst.notify.phones"  # session.info: the batch's phones by account id (CaseSms.prepare)
TEXTS = "bst.notify.texts"  # session.info: the batch's (phone, text) to send at its end (CaseSms.finish)


def recipients_of(event: Event) -> list[str]:
    """The account ids an event's notice goes to, each once, in a stable order."""
    payload = event.payload
    named = payload.get("notify_account_ids")
    if isinstance(named, list):
        candidates = [str(a) for a in named if a]
    elif event.source == "repair":
        candidates = [str(a) for a in (payload.get("reporter_id"), payload.get("agent_id")) if a]
    else:
        candidates = []
    return list(dict.fromkeys(candidates))


class CaseSms(EventConsumer):
    """Events of repair, intake and reviews that carry a `notice`, texted once to each person they name."""

    group = "gateway-sms"
    sources = ("repair", "intake", "reviews")
    identity: Identity

    def wants(self, event: Event) -> bool:
        return bool(event.payload.get("notice"))

    async def prepare(self, session: AsyncSession, events: Sequence[Event]) -> None:
        """The phones of everyone the batch's notices name, in one read; the texts wait in `session.info` for
        `finish`, which sends them in one go."""
        named = [
            account for event in events if event.payload.get("notice") for account in recipients_of(event)
        ]
        session.info[PHONES] = await self.identity.phones_of_ids(session, named)
        session.info[TEXTS] = []

    async def finish(self, session: AsyncSession) -> None:
        await self.identity.sms.send_many(session, session.info.pop(TEXTS, []))

    async def handle(self, session: AsyncSession, event: Event) -> None:
        notice = event.payload.get("notice")
        escalation = event.payload.get("escalate_notice")
        if not notice and not escalation:
            return
        texts: list[tuple[str, str]] = session.info[TEXTS]
        extra = await self.open311_phones(session, event) if notice else []  # first: it may ask for a retry
        known: dict[str, str] = session.info[PHONES]
        named = [known.get(account_id) for account_id in recipients_of(event)] if notice else []
        phones: set[str] = set()
        for phone in named:
            if phone and phone not in phones:
                phones.add(phone)
                texts.append((phone, f"【办事通】{notice}"))
        extra_phones = event.payload.get("notify_phones") if notice and event.source == "repair" else None
        for phone in [*extra, *(extra_phones if isinstance(extra_phones, list) else [])]:
            # a resident reached only by the number they gave (an Open311, phone or walk-in report): mobiles only
            if isinstance(phone, str) and is_mobile(phone) and phone not in phones:
                phones.add(phone)
                texts.append((phone, f"【办事通】{notice}"))
        await self._escalate(session, event, phones)

    async def open311_phones(self, session: AsyncSession, event: Event) -> list[str]:
        """An Open311 report's reporter has no account: the phone the client gave, kept by the gateway."""
        reporter = str(event.payload.get("reporter_id") or "")
        if event.source != "repair" or not reporter.startswith(OPEN311_CLIENT_PREFIX):
            return []
        ticket_no = str(event.payload.get("ticket_no", ""))
        # The gateway records the report just after the repair service commits the ticket, so the first event
        # may come a moment before it: look again in fresh reads for a few seconds, then leave it to redelivery.
        for _ in range(OPEN311_LOOKUPS):
            async with self.db.reader() as fresh:
                phone = await reporter_phone(session=fresh, cipher=self.identity.cipher, ticket_no=ticket_no)
            if phone is not None:
                return [phone]
            await asyncio.sleep(OPEN311_LOOKUP_PAUSE)
        raise LookupError(
            f"the Open311 report {ticket_no} is not recorded yet; the event will be redelivered"
        )

    async def _escalate(self, session: AsyncSession, event: Event, phones: set[str]) -> None:
        escalation = event.payload.get("escalate_notice")
        region = str(event.payload.get("escalate_to_region") or "")
        if escalation and region:
            for supervisor in await supervisors_of(session, region):
                phone = self.identity.phone_of(supervisor)
                if phone and phone not in phones:
                    phones.add(phone)
                    session.info[TEXTS].append((phone, f"【办事通】{escalation}"))


async def supervisors_of(session: AsyncSession, region: str) -> list[Account]:
    """The active `county_admin` accounts of a county and of its prefecture (the region's supervisors)."""
    rows = (
        await session.scalars(
            select(Account).where(Account.kind == "staff", Account.region.in_([region, region[:4]]))
        )
    ).all()
    return [a for a in rows if "county_admin" in (a.roles or []) and a.status == AccountStatus.ACTIVE]


RepairSms = CaseSms  # the name gateway/runtime.py starts it by
