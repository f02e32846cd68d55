"""The gateway's SMS consumer applies one read of events in one transaction: the phones of everyone the read names
in one look-up, the texts written together, each event once however often it is delivered, and an event whose
handler fails held back alone while the rest of the read is texted."""

from __future__ import annotations

import secrets

from sqlalchemy import select

from gateway.identity.models import SmsMessage
from gateway.notify.consumers import CaseSms
from gateway.notify.models import ProcessedEvent
from services.kernel.events import Event, new_event_id, stream_name
from tests.helpers import new_phone, sms_tokens


def consumer_of(platform, namespace: str) -> CaseSms:
    """A second SMS consumer beside the platform's, reading streams of its own namespace."""
    runtime = platform.app.state.runtime
    consumer = CaseSms(
        db=runtime.db,
        processed_model=ProcessedEvent,
        redis=runtime.redis.client,
        namespace=namespace,
        block_ms=10,
    )
    consumer.identity = runtime.identity
    return consumer


async def two_accounts_with_phones(platform) -> list[tuple[str, str]]:
    """Two citizens signed in by SMS: (account id, phone) each."""
    people = []
    for _ in range(2):
        phone = new_phone()
        tokens = await sms_tokens(platform, phone)
        async with platform.client(tokens["access_token"]) as client:
            me = await client.get("/api/v1/me")
        people.append((me.json()["id"], phone))
    return people


def event(source: str, marker: str, **payload) -> Event:
    return Event(
        event_id=new_event_id(),
        event_type=f"{source}.test",
        aggregate_id=marker,
        payload=payload,
        occurred_at="",
        source=source,
    )


async def texts_with(platform, marker: str) -> list[tuple[str, str]]:
    async with platform.app.state.runtime.db.reader() as session:
        rows = (
            await session.execute(select(SmsMessage.phone, SmsMessage.text).order_by(SmsMessage.id))
        ).all()
    return [(phone, text) for phone, text in rows if marker in text]


async def publish(platform, namespace: str, events: list[Event]) -> None:
    redis = platform.app.state.runtime.redis.client
    for e in events:
        await redis.xadd(stream_name(namespace, e.source), e.to_fields())


async def test_a_read_of_several_events_is_texted_in_one_go_and_each_event_once(platform):
    (a, phone_a), (b, phone_b) = await two_accounts_with_phones(platform)
    namespace, marker = f"notify-{secrets.token_hex(3)}", secrets.token_hex(4)
    consumer = consumer_of(platform, namespace)
    await consumer.ensure_groups()
    events = [
        event(
            "repair", marker, notice=f"一{marker}", reporter_id=a, agent_id=b, notify_phones=["13900001234"]
        ),
        event("reviews", marker, notice=f"二{marker}", notify_account_ids=[b, "no-such-account", b]),
        event("intake", marker, notice=f"三{marker}", notify_account_ids=[a]),
        event("repair", marker, reporter_id=a),  # no notice: acknowledged without a transaction
    ]
    await publish(platform, namespace, events)
    await publish(platform, namespace, events[:2])  # delivered again: each event is texted once all the same
    assert await consumer.poll_once() + await consumer.poll_once() + await consumer.poll_once() == 6
    assert sorted(await texts_with(platform, marker)) == sorted(
        [
            (phone_a, f"【办事通】一{marker}"),
            (phone_b, f"【办事通】一{marker}"),
            ("13900001234", f"【办事通】一{marker}"),
            (phone_b, f"【办事通】二{marker}"),
            (phone_a, f"【办事通】三{marker}"),
        ]
    )
    redis = platform.app.state.runtime.redis.client
    for source in ("repair", "reviews", "intake"):
        assert (await redis.xpending(stream_name(namespace, source), consumer.group))["pending"] == 0


class RefusesOne(CaseSms):
    group = "gateway-sms-refuses-one"

    async def handle(self, session, event: Event) -> None:
        await super().handle(session, event)
        if event.payload.get("refuse"):
            raise RuntimeError("refused")


async def test_an_event_whose_handler_fails_stays_pending_and_the_rest_of_its_read_is_texted_once(platform):
    (a, phone_a), _ = await two_accounts_with_phones(platform)
    namespace, marker = f"notify-{secrets.token_hex(3)}", secrets.token_hex(4)
    consumer = consumer_of(platform, namespace)
    refusing = RefusesOne(
        db=consumer.db, processed_model=ProcessedEvent, redis=consumer.redis, namespace=namespace, block_ms=10
    )
    refusing.identity = consumer.identity
    await refusing.ensure_groups()
    await publish(
        platform,
        namespace,
        [
            event("intake", marker, notice=f"一{marker}", notify_account_ids=[a]),
            event("intake", marker, notice=f"二{marker}", notify_account_ids=[a], refuse=True),
            event("intake", marker, notice=f"三{marker}", notify_account_ids=[a]),
        ],
    )
    assert await refusing.poll_once() == 2
    assert sorted(await texts_with(platform, marker)) == [
        (phone_a, f"【办事通】一{marker}"),
        (phone_a, f"【办事通】三{marker}"),
    ]
    pending = await refusing.redis.xpending(stream_name(namespace, "intake"), refusing.group)
    assert pending["pending"] == 1
