"""Evidence photos and videos: upload, download, attaching to a ticket."""

from __future__ import annotations

import hashlib
import secrets

from sqlalchemy.ext.asyncio import AsyncSession

from services.kernel.auth import Principal, require_signed_in
from services.kernel.db import utcnow
from services.kernel.errors import (
    FieldError,
    Forbidden,
    InvalidInput,
    NotFound,
)
from services.repair.common import EVIDENCE_LIMITS, RepairContext
from services.repair.facilities import check_inspection_evidence
from services.repair.models import (
    Evidence,
)
from services.repair.ticket_reads import get_ticket_for


def sniff_media_type(data: bytes) -> str | None:
    if data[:3] == b"\xff\xd8\xff":
        return "image/jpeg"
    if data[:8] == b"\x89PNG\r\n\x1a\n":
        return "image/png"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    if data[4:8] == b"ftyp":
        return "video/mp4"
    return None


async def upload_evidence(
    *, session: AsyncSession, ctx: RepairContext, principal: Principal, data: bytes, declared_type: str
) -> Evidence:
    """Store a photo (JPEG, PNG, WebP up to 8 MB) or a video (MP4 up to 20 MB), checked by its bytes."""
    require_signed_in(principal)
    media_type = sniff_media_type(data)
    if media_type is None:
        raise InvalidInput(
            "evidence must be a JPEG, PNG or WebP photo or an MP4 video",
            code="unsupported_media",
            fields=[FieldError("file", "not a photo or video")],
        )
    if declared_type and declared_type.split(";")[0].strip() not in (media_type, "application/octet-stream"):
        raise InvalidInput(
            f"the file is {media_type}, not {declared_type}",
            code="unsupported_media",
            fields=[FieldError("file", "content does not match its type")],
        )
    if len(data) > EVIDENCE_LIMITS[media_type]:
        raise InvalidInput(
            f"the file is larger than {EVIDENCE_LIMITS[media_type] >> 20} MB",
            code="too_large",
            fields=[FieldError("file", "too large")],
        )
    evidence_id = "EV" + secrets.token_hex(10)
    digest = hashlib.sha256(data).hexdigest()
    key = f"{utcnow():%Y/%m/%d}/{evidence_id}"
    await ctx.store.put(key, data)  # the bytes land before the row that points to them commits
    evidence = Evidence(
        evidence_id=evidence_id,
        content_type=media_type,
        size=len(data),
        sha256=digest,
        storage_key=key,
        uploaded_by=principal.sub,
        created_at=utcnow(),
    )
    session.add(evidence)
    return evidence


async def get_evidence(
    *, session: AsyncSession, ctx: RepairContext, principal: Principal, evidence_id: str
) -> tuple[str, bytes]:
    evidence = await session.get(Evidence, evidence_id)
    if evidence is None:
        raise NotFound("no such evidence", code="unknown_evidence")
    if evidence.ticket_no:
        await get_ticket_for(session=session, principal=principal, ticket_no=evidence.ticket_no)
    elif evidence.stage == "inspection" and evidence.uploaded_by != principal.sub:
        await check_inspection_evidence(session, principal, evidence_id)
    elif evidence.uploaded_by != principal.sub:
        raise Forbidden("not your upload", code="forbidden")
    return evidence.content_type, await ctx.store.get(evidence.storage_key)


async def attach_evidence(
    session: AsyncSession, principal: Principal, ticket_no: str, ids: list[str], stage: str
) -> None:
    for evidence_id in ids:
        evidence = await session.get(Evidence, evidence_id)
        if evidence is None or evidence.uploaded_by not in (principal.sub, principal.actor):
            raise InvalidInput(
                f"unknown evidence {evidence_id}",
                code="unknown_evidence",
                fields=[FieldError("evidence", f"{evidence_id} is not an upload of yours")],
            )
        if evidence.ticket_no and evidence.ticket_no != ticket_no:
            raise InvalidInput(
                f"evidence {evidence_id} belongs to another ticket",
                code="evidence_taken",
                fields=[FieldError("evidence", f"{evidence_id} is attached elsewhere")],
            )
        evidence.ticket_no, evidence.stage = ticket_no, stage
