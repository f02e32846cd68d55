"""Open311 clients and their reports: keys made, shown once and kept only as a hash; a key checked per report;
the reporter's phone kept encrypted for the ticket's SMS notices. Functions never commit: the caller does."""

from __future__ import annotations

import secrets

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from gateway.identity.crypto import FieldCipher, token_hash
from gateway.identity.service import Identity
from gateway.open311.models import Open311Client, Open311Report
from gateway.open311.schemas import ClientCreate, ClientCreated, ClientRead
from services.kernel.auth import Principal, require_roles
from services.kernel.db import utcnow
from services.kernel.errors import Forbidden, NotFound, WrongState
from services.kernel.ratelimit import RateLimiter

KEY_PREFIX = "o311_"
OPEN311_CLIENT_PREFIX = "open311-"  # client ids, and so the reporter_id of their tickets
REPORTS_PER_MINUTE = 30  # per client: a hotline system files far fewer; a runaway loop stops here
REPORTS_PER_DAY = 2000
BAD_KEYS_PER_HOUR = 30  # per IP: wrong keys are refused, and a prober runs out of tries
PUBLIC_READS_PER_MINUTE = 120  # per IP, for the anonymous reads
PHONE_FIELD = "open311_phone"


def client_read(client: Open311Client) -> ClientRead:
    return ClientRead(
        client_id=client.client_id,
        name=client.name,
        county=client.county,
        created_at=client.created_at,
        revoked_at=client.revoked_at,
    )


async def create_client(
    *, session: AsyncSession, principal: Principal, client_in: ClientCreate, ip: str | None
) -> ClientCreated:
    """A platform admin registers an Open311 client; its key is answered once and stored only as SHA-256."""
    require_roles(principal, "platform_admin")
    api_key = KEY_PREFIX + secrets.token_urlsafe(32)
    client = Open311Client(
        client_id=f"{OPEN311_CLIENT_PREFIX}{secrets.token_hex(8)}",
        name=client_in.name,
        county=client_in.county,
        key_hash=token_hash(api_key),
        created_by=principal.sub,
        created_at=utcnow(),
    )
    session.add(client)
    await session.flush()
    Identity.audit(
        session,
        "open311_client_created",
        actor=principal.sub,
        subject=client.client_id,
        ip=ip,
        name=client.name,
        county=client.county,
    )
    return ClientCreated(**client_read(client).model_dump(), api_key=api_key)


async def get_all_clients(*, session: AsyncSession, principal: Principal) -> list[ClientRead]:
    require_roles(principal, "platform_admin")
    rows = (await session.scalars(select(Open311Client).order_by(Open311Client.created_at.desc()))).all()
    return [client_read(c) for c in rows]


async def revoke_client(
    *, session: AsyncSession, principal: Principal, client_id: str, ip: str | None
) -> ClientRead:
    """The key stops working at once (every report looks it up); reports already filed stay."""
    require_roles(principal, "platform_admin")
    client = await session.get(Open311Client, client_id, with_for_update=True)
    if client is None:
        raise NotFound("找不到该 Open311 客户端", code="unknown_open311_client")
    if client.revoked_at is not None:
        raise WrongState("该 Open311 客户端的密钥已经吊销", code="open311_client_revoked")
    client.revoked_at = utcnow()
    Identity.audit(session, "open311_client_revoked", actor=principal.sub, subject=client_id, ip=ip)
    return client_read(client)


async def authenticate(
    *, session: AsyncSession, limiter: RateLimiter, api_key: str, ip: str | None
) -> Open311Client:
    """The client of a valid, unrevoked key, after its per-client rate limits; Forbidden (403) otherwise."""
    if ip:
        await limiter.check(
            f"open311:badkey:{ip}",
            limit=BAD_KEYS_PER_HOUR,
            message="too many wrong Open311 keys from this address",
        )
    client = None
    if api_key.startswith(KEY_PREFIX) and len(api_key) <= 100:
        client = await session.scalar(
            select(Open311Client).where(Open311Client.key_hash == token_hash(api_key))
        )
    if client is None or client.revoked_at is not None:
        if ip:
            await limiter.hit(
                f"open311:badkey:{ip}", limit=10**6, window_seconds=3600
            )  # counted; `check` refuses
        raise Forbidden("api_key 无效或已吊销，无法提交报修", code="invalid_api_key")
    await limiter.hit(
        f"open311:client:{client.client_id}:m",
        limit=REPORTS_PER_MINUTE,
        window_seconds=60,
        message="this Open311 client files too many reports",
    )
    await limiter.hit(
        f"open311:client:{client.client_id}:d",
        limit=REPORTS_PER_DAY,
        window_seconds=86_400,
        message="this Open311 client files too many reports today",
    )
    return client


async def record_report(
    *,
    session: AsyncSession,
    cipher: FieldCipher,
    client: Open311Client,
    ticket_no: str,
    phone: str,
    account_id: str | None,
    device_id: str | None,
    media_url: str | None,
) -> None:
    """Keep the report's phone and references (once: a retry with the same Idempotency-Key finds it kept)."""
    if await session.get(Open311Report, ticket_no) is not None:
        return
    session.add(
        Open311Report(
            ticket_no=ticket_no,
            client_id=client.client_id,
            phone_enc=cipher.encrypt(phone, field=PHONE_FIELD),
            account_id=account_id,
            device_id=device_id,
            media_url=media_url,
            created_at=utcnow(),
        )
    )


async def media_urls(*, session: AsyncSession, ticket_nos: list[str]) -> dict[str, str]:
    """The `media_url` Open311 clients gave with these tickets (only their own reports have one)."""
    if not ticket_nos:
        return {}
    rows = await session.execute(
        select(Open311Report.ticket_no, Open311Report.media_url).where(
            Open311Report.ticket_no.in_(ticket_nos), Open311Report.media_url.is_not(None)
        )
    )
    return {no: url for no, url in rows.all() if url}


async def reporter_phone(*, session: AsyncSession, cipher: FieldCipher, ticket_no: str) -> str | None:
    """The phone an Open311 report gave, for the ticket's SMS notices (gateway/notify)."""
    report = await session.get(Open311Report, ticket_no)
    return cipher.decrypt(report.phone_enc, field=PHONE_FIELD) if report is not None else None
