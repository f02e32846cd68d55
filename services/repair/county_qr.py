"""The county's service QR code (一码管全程): printing, reading and key rotation."""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from services.kernel.auth import Principal
from services.kernel.db import utcnow
from services.kernel.errors import (
    FieldError,
    Gone,
    InvalidInput,
    NotFound,
)
from services.repair.common import RepairContext, get_county, require_county_admin
from services.repair.models import (
    QrKey,
    ServicePoint,
)
from services.repair.qr import render


async def current_qr_key(session: AsyncSession, county: str) -> QrKey:
    key = await session.scalar(
        select(QrKey)
        .where(QrKey.county == county, QrKey.revoked_at.is_(None))
        .order_by(QrKey.created_at.desc())
        .limit(1)
    )
    if key is None:
        key = QrKey(county=county, kid=secrets.token_hex(4), created_at=utcnow())
        session.add(key)
        await session.flush()
    return key


async def get_county_qr(
    *, session: AsyncSession, ctx: RepairContext, county: str, point: str, fmt: str
) -> tuple[str, str, bytes, str]:
    """(url, content type, image, kid) of the county's printable service code, optionally for a service point."""
    get_county(county)
    if fmt not in ("svg", "png"):
        raise InvalidInput(
            "format is svg or png", code="invalid_format", fields=[FieldError("format", "svg or png")]
        )
    if point:
        found = await session.get(ServicePoint, point)
        if found is None or found.county != county:
            raise NotFound(f"no service point {point} in this county", code="unknown_point")
    key = await current_qr_key(session, county)
    url = ctx.qr.url(county, point, key.kid)
    content_type, image = render(url, fmt)
    return url, content_type, image, key.kid


async def read_qr(*, session: AsyncSession, ctx: RepairContext, qr: str) -> tuple[str, str]:
    """The county and point a scanned code names, after checking its signature and that its key is current."""
    payload = ctx.qr.read(qr)
    get_county(payload.county)
    key = await session.get(QrKey, (payload.county, payload.kid))
    if key is None:
        raise InvalidInput("the code could not be recognised (its key is unknown)", code="qr_signature")
    if key.revoked_at is not None:
        raise Gone("this code has been withdrawn; please scan the county's current code", code="gone")
    return payload.county, payload.point


async def rotate_qr_key(*, session: AsyncSession, principal: Principal, county: str) -> QrKey:
    """Print new codes under a new key id; codes printed under older ones keep working until revoked."""
    require_county_admin(principal, county)
    key = QrKey(county=county, kid=secrets.token_hex(4), created_at=utcnow())
    session.add(key)
    await session.flush()
    return key


async def revoke_qr_key(*, session: AsyncSession, principal: Principal, county: str, kid: str) -> QrKey:
    require_county_admin(principal, county)
    key = await session.get(QrKey, (county, kid))
    if key is None:
        raise NotFound("no such QR key for this county", code="unknown_qr_key")
    key.revoked_at = key.revoked_at or utcnow()
    return key


@dataclass(frozen=True, slots=True)
class QrTarget:
    """What a scanned code names."""

    county: str
    county_name: str
    point: str
    point_name: str


async def resolve_qr(*, session: AsyncSession, ctx: RepairContext, qr: str) -> QrTarget:
    """The county and service point a scanned code names, after checking its signature and key."""
    county, point = await read_qr(session=session, ctx=ctx, qr=qr)
    found = await session.get(ServicePoint, point) if point else None
    return QrTarget(
        county=county,
        county_name=get_county(county).name,
        point=point,
        point_name=found.name if found else "",
    )
