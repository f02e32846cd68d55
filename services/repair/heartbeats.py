"""Emergency-broadcast terminals' heartbeats, signed by their management platform, and the figures made of them.

A platform is registered by the county with an Ed25519 public key, or gets an HMAC-SHA256 secret at registration
(shown once; kept sealed with AES-GCM under a key derived from the platform secret). It signs each heartbeat:

    signed = f"{platform_id}\n{timestamp}\n{nonce}\n".encode() + body

with `timestamp` in unix seconds (accepted within ±5 minutes of the server's clock) and `nonce` used once. The
body names one terminal by its asset code: `{code, online, broadcast_seconds}` (broadcast since its previous beat).

A terminal is expected to beat every 5 minutes: its online rate over a period is the share of 5-minute slots with an
online beat, and its broadcast hours a day the broadcast seconds over the days of the period. The opinion's targets
are an online rate of at least 90 % and at least 1.5 hours of broadcast a day; terminals below are flagged.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import hashlib
import hmac
import json
import random
import re
import secrets
from dataclasses import dataclass
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from sqlalchemy import delete, distinct, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from services.kernel.auth import Principal, require_region, require_roles
from services.kernel.db import utcnow
from services.kernel.errors import FieldError, InvalidInput, NotFound, Unauthenticated, WrongState
from services.repair.common import CHINA, get_county, parse_model, require_county_admin, rfc3339
from services.repair.facilities import FACILITY_READERS
from services.repair.facility_models import BroadcastPlatform, Facility, Heartbeat, HeartbeatNonce
from services.repair.facility_schemas import FacilityKind, HeartbeatBody, PlatformCreate, SignatureScheme

SLOT_SECONDS = 300
REPLAY_WINDOW = dt.timedelta(minutes=5)
ONLINE_TARGET = 0.90
BROADCAST_HOURS_TARGET = 1.5
MAX_PERIOD_DAYS = 92
NONCE = re.compile(r"^[A-Za-z0-9_-]{16,64}$")


@dataclass(frozen=True)
class SecretBox:
    """Seals the HMAC secrets of platforms (AES-GCM, the platform id as associated data)."""

    key: bytes

    def seal(self, platform_id: str, secret: str) -> str:
        nonce = secrets.token_bytes(12)
        sealed = AESGCM(self.key).encrypt(nonce, secret.encode(), platform_id.encode())
        return base64.b64encode(nonce + sealed).decode("ascii")

    def open(self, platform_id: str, sealed: str) -> bytes:
        raw = base64.b64decode(sealed)
        return AESGCM(self.key).decrypt(raw[:12], raw[12:], platform_id.encode())


def _decode_b64(text: str) -> bytes:
    padded = text + "=" * (-len(text) % 4)
    return base64.urlsafe_b64decode(padded.replace("+", "-").replace("/", "_"))


def platform_read(platform: BroadcastPlatform, secret: str = "") -> dict[str, Any]:
    return {
        "platform_id": platform.platform_id,
        "county": platform.county,
        "name": platform.name,
        "scheme": platform.scheme,
        "public_key": platform.public_key,
        "secret": secret,
        "created_at": rfc3339(platform.created_at) or "",
    }


async def register_platform(
    *, session: AsyncSession, box: SecretBox, principal: Principal, platform_in: PlatformCreate
) -> tuple[BroadcastPlatform, str]:
    """A county registers a management platform; for HMAC the answer carries the secret, once."""
    require_county_admin(principal, platform_in.county)
    platform_id = "PF" + secrets.token_hex(8)
    platform = BroadcastPlatform(
        platform_id=platform_id,
        county=platform_in.county,
        name=platform_in.name,
        scheme=platform_in.scheme.value,
        created_at=utcnow(),
    )
    secret = ""
    if platform_in.scheme is SignatureScheme.ED25519:
        try:
            raw = _decode_b64(platform_in.public_key)
            Ed25519PublicKey.from_public_bytes(raw)
        except (ValueError, binascii.Error) as error:
            raise InvalidInput(
                "the public key is not a base64 raw Ed25519 key",
                code="invalid_public_key",
                fields=[FieldError("public_key", "not a 32-byte Ed25519 key in base64")],
            ) from error
        platform.public_key = base64.urlsafe_b64encode(raw).decode("ascii").rstrip("=")
    else:
        secret = secrets.token_urlsafe(32)
        platform.sealed_secret = box.seal(platform_id, secret)
    session.add(platform)
    return platform, secret


async def list_platforms(
    *, session: AsyncSession, principal: Principal, county: str
) -> list[BroadcastPlatform]:
    require_roles(principal, *FACILITY_READERS)
    get_county(county)
    require_region(principal, county)
    query = select(BroadcastPlatform).where(BroadcastPlatform.county == county)
    return list((await session.scalars(query.order_by(BroadcastPlatform.created_at))).all())


def _verify(box: SecretBox, platform: BroadcastPlatform, signed: bytes, signature: str) -> bool:
    try:
        if platform.scheme == SignatureScheme.ED25519:
            key = Ed25519PublicKey.from_public_bytes(_decode_b64(platform.public_key))
            key.verify(_decode_b64(signature), signed)
            return True
        expected = hmac.new(box.open(platform.platform_id, platform.sealed_secret), signed, hashlib.sha256)
        return hmac.compare_digest(expected.hexdigest(), signature.lower())
    except (InvalidSignature, ValueError, binascii.Error):
        return False


async def record_heartbeat(
    *,
    session: AsyncSession,
    box: SecretBox,
    platform_id: str,
    timestamp: str,
    nonce: str,
    signature: str,
    body: bytes,
    now: dt.datetime | None = None,
) -> Heartbeat:
    """Check the platform's signature, the time and the nonce, then store the terminal's heartbeat."""
    now = now or utcnow()
    platform = await session.get(BroadcastPlatform, platform_id) if platform_id else None
    if platform is None:
        raise Unauthenticated("unknown management platform", code="unknown_platform")
    if not timestamp.isdigit() or len(timestamp) > 12:
        raise Unauthenticated("the timestamp is not unix seconds", code="stale_timestamp")
    try:
        at = dt.datetime.fromtimestamp(int(timestamp), dt.UTC)
    except (ValueError, OverflowError, OSError) as error:  # beyond the calendar
        raise Unauthenticated(
            "the timestamp is outside the ±5-minute window", code="stale_timestamp"
        ) from error
    if abs(at - now) > REPLAY_WINDOW:
        raise Unauthenticated("the timestamp is outside the ±5-minute window", code="stale_timestamp")
    if not NONCE.match(nonce):
        raise Unauthenticated("the nonce is 16 to 64 letters, digits, - or _", code="bad_signature")
    signed = f"{platform_id}\n{timestamp}\n{nonce}\n".encode() + body
    if not _verify(box, platform, signed, signature):
        raise Unauthenticated("the heartbeat's signature does not verify", code="bad_signature")
    if await session.get(HeartbeatNonce, (platform_id, nonce)) is not None:
        raise WrongState("this nonce has been used already", code="nonce_reused")
    session.add(HeartbeatNonce(platform_id=platform_id, nonce=nonce, at=now))
    try:
        await session.flush()
    except IntegrityError as error:  # the same nonce in two requests at once
        raise WrongState("this nonce has been used already", code="nonce_reused") from error
    try:
        data = json.loads(body)
    except ValueError as error:
        raise InvalidInput("the body is not JSON", code="invalid_input") from error
    beat = parse_model(HeartbeatBody, data if isinstance(data, dict) else {"_": data})
    facility = await session.scalar(
        select(Facility).where(
            Facility.county == platform.county,
            Facility.code == beat.code,
            Facility.kind == FacilityKind.EMERGENCY_BROADCAST.value,
            Facility.platform_id == platform_id,
        )
    )
    if facility is None:
        raise NotFound(f"no terminal {beat.code} on this platform", code="unknown_facility")
    heartbeat = Heartbeat(
        asset_id=facility.asset_id,
        platform_id=platform_id,
        at=at,
        slot=int(timestamp) // SLOT_SECONDS,
        online=beat.online,
        broadcast_seconds=beat.broadcast_seconds if beat.online else 0,
    )
    session.add(heartbeat)
    if random.random() < 0.02:  # now and then, forget nonces that are past the window
        await session.execute(delete(HeartbeatNonce).where(HeartbeatNonce.at < now - 2 * REPLAY_WINDOW))
    return heartbeat


async def county_terminals(session: AsyncSession, county: str) -> list[Facility]:
    query = select(Facility).where(
        Facility.county == county, Facility.kind == FacilityKind.EMERGENCY_BROADCAST.value
    )
    return list((await session.scalars(query.order_by(Facility.code))).all())


async def terminal_rates(
    session: AsyncSession, terminals: list[Facility], period_start: dt.datetime, period_end: dt.datetime
) -> dict[str, tuple[float, float, int]]:
    """{asset_id: (online rate, broadcast hours a day, heartbeats)} over [period_start, period_end), each terminal
    observed from its registration (one registered after the period is left out)."""
    if not terminals:
        return {}
    rows = (
        await session.execute(
            select(
                Heartbeat.asset_id,
                func.count(distinct(Heartbeat.slot)).filter(Heartbeat.online.is_(True)),
                func.coalesce(func.sum(Heartbeat.broadcast_seconds), 0),
                func.count(),
            )
            .where(
                Heartbeat.asset_id.in_([t.asset_id for t in terminals]),
                Heartbeat.at >= period_start,
                Heartbeat.at < period_end,
            )
            .group_by(Heartbeat.asset_id)
        )
    ).all()
    beats = {asset_id: (int(online), int(seconds), int(count)) for asset_id, online, seconds, count in rows}
    out = {}
    for terminal in terminals:
        start = max(period_start, terminal.created_at)
        if start >= period_end:
            continue
        online, seconds, count = beats.get(terminal.asset_id, (0, 0, 0))
        rate, hours = health_figures(
            start=start, end=period_end, online_slots=online, broadcast_seconds=seconds
        )
        out[terminal.asset_id] = (rate, hours, count)
    return out


def parse_day(value: str, field: str) -> dt.date:
    try:
        day = dt.date.fromisoformat(value)
    except ValueError as error:
        raise InvalidInput(
            f"{field} is not a date (YYYY-MM-DD)",
            code="invalid_date",
            fields=[FieldError(field, "YYYY-MM-DD")],
        ) from error
    if not 2000 <= day.year <= 2100:
        raise InvalidInput(
            f"{field} is out of range", code="invalid_date", fields=[FieldError(field, "2000 to 2100")]
        )
    return day


def health_figures(
    *, start: dt.datetime, end: dt.datetime, online_slots: int, broadcast_seconds: int
) -> tuple[float, float]:
    """(online rate, broadcast hours a day) of a terminal observed over [start, end)."""
    first, last = int(start.timestamp()) // SLOT_SECONDS, (int(end.timestamp()) - 1) // SLOT_SECONDS
    expected = max(1, last - first + 1)
    days = max(1, (end.astimezone(CHINA).date() - start.astimezone(CHINA).date()).days + 1)
    if end.astimezone(CHINA).time() == dt.time(0) and end > start:
        days = max(1, days - 1)  # a period ending at midnight does not start another day
    return round(min(1.0, online_slots / expected), 4), round(broadcast_seconds / 3600 / days, 2)


async def terminal_health(
    *,
    session: AsyncSession,
    principal: Principal,
    county: str,
    since: str = "",
    until: str = "",
    now: dt.datetime | None = None,
) -> dict[str, Any]:
    """Each emergency-broadcast terminal's online rate and daily broadcast hours over [since, until] (China dates,
    by default the last 7 days up to today), with the ones below the targets flagged."""
    require_roles(principal, *FACILITY_READERS)
    get_county(county)
    require_region(principal, county)
    now = now or utcnow()
    last_day = parse_day(until, "to") if until else now.astimezone(CHINA).date()
    first_day = parse_day(since, "from") if since else last_day - dt.timedelta(days=6)
    if first_day > last_day or (last_day - first_day).days >= MAX_PERIOD_DAYS:
        raise InvalidInput(
            f"the period is 1 to {MAX_PERIOD_DAYS} days, from before to",
            code="invalid_period",
            fields=[FieldError("from", "from must not be after to, nor more than 92 days before")],
        )
    period_start = dt.datetime.combine(first_day, dt.time(0), CHINA)
    period_end = min(dt.datetime.combine(last_day + dt.timedelta(days=1), dt.time(0), CHINA), now)
    terminals = await county_terminals(session, county)
    rates = await terminal_rates(session, terminals, period_start, period_end)
    out = []
    for terminal in terminals:
        if terminal.asset_id not in rates:
            continue  # registered after the period
        rate, hours, count = rates[terminal.asset_id]
        out.append(
            {
                "asset_id": terminal.asset_id,
                "code": terminal.code,
                "name": terminal.name,
                "township": terminal.township,
                "village": terminal.village,
                "online_rate": rate,
                "broadcast_hours_per_day": hours,
                "heartbeats": count,
                "below_online_target": rate < ONLINE_TARGET,
                "below_broadcast_target": hours < BROADCAST_HOURS_TARGET,
            }
        )
    return {
        "county": county,
        "from": first_day.isoformat(),
        "to": last_day.isoformat(),
        "online_target": ONLINE_TARGET,
        "broadcast_hours_target": BROADCAST_HOURS_TARGET,
        "terminals": out,
    }
