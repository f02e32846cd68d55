"""Identity-result correction (身份认证结果纠错): citizens file, the identity office decides."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Body, Header, Query, status

from gateway.deps import ClientIp, CurrentPrincipal, Runtime
from gateway.identity.corrections import Corrections
from gateway.identity.schemas_depth import (
    CorrectionApprove,
    CorrectionCreate,
    CorrectionRead,
    CorrectionReject,
    CorrectionStatus,
)

router = APIRouter(prefix="/api/v1/identity-corrections", tags=["identity corrections"])
admin_router = APIRouter(prefix="/api/v1/admin/identity-corrections", tags=["identity corrections"])


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    operation_id="file_identity_correction",
    response_model=CorrectionRead,
)
async def file_correction(
    body: CorrectionCreate,
    runtime: Runtime,
    principal: CurrentPrincipal,
    ip: ClientIp,
    idempotency_key: Annotated[str | None, Header(max_length=100)] = None,
) -> CorrectionRead:
    """A citizen asks to correct their own real-name result (`bind` the number that is theirs, or `unbind` one that
    is not), with references to the evidence. One open correction at a time. The same `Idempotency-Key` and body
    answer the first correction; the same key with another body is 422."""
    async with runtime.db.transaction() as session:
        return await Corrections(runtime.identity).file(
            session=session, principal=principal, correction_in=body, ip=ip, idempotency_key=idempotency_key
        )


@router.get("", operation_id="list_identity_corrections", response_model=list[CorrectionRead])
async def list_corrections(
    runtime: Runtime,
    principal: CurrentPrincipal,
    status: CorrectionStatus | None = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> list[CorrectionRead]:
    """My corrections, newest first; for `identity_officer`, everyone's, oldest first (filter `status=pending`)."""
    async with runtime.db.reader() as session:
        return await Corrections(runtime.identity).get_corrections(
            session=session, principal=principal, status=status, limit=limit
        )


@router.get("/{correction_id}", operation_id="get_identity_correction", response_model=CorrectionRead)
async def get_correction(correction_id: str, runtime: Runtime, principal: CurrentPrincipal) -> CorrectionRead:
    async with runtime.db.reader() as session:
        return await Corrections(runtime.identity).get_correction(
            session=session, principal=principal, correction_id=correction_id
        )


@admin_router.post(
    "/{correction_id}/approve", operation_id="approve_identity_correction", response_model=CorrectionRead
)
async def approve_correction(
    correction_id: str,
    runtime: Runtime,
    principal: CurrentPrincipal,
    ip: ClientIp,
    body: Annotated[CorrectionApprove | None, Body()] = None,
) -> CorrectionRead:
    """`identity_officer`: approve; the binding is made or undone, audited, and the people concerned told by SMS."""
    async with runtime.db.transaction() as session:
        return await Corrections(runtime.identity).approve(
            session=session,
            principal=principal,
            correction_id=correction_id,
            note=body.note if body else None,
            ip=ip,
        )


@admin_router.post(
    "/{correction_id}/reject", operation_id="reject_identity_correction", response_model=CorrectionRead
)
async def reject_correction(
    correction_id: str, runtime: Runtime, principal: CurrentPrincipal, ip: ClientIp, body: CorrectionReject
) -> CorrectionRead:
    """`identity_officer`: reject with a reason (the citizen is told it)."""
    async with runtime.db.transaction() as session:
        return await Corrections(runtime.identity).reject(
            session=session, principal=principal, correction_id=correction_id, reason=body.reason, ip=ip
        )
