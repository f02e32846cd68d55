"""Platform administration of identity: staff accounts, the audit log, signing keys, the SMS outbox."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request, status

from gateway.deps import ClientIp, CurrentPrincipal, Runtime
from gateway.identity.schemas import (
    AccountCreate,
    AccountKind,
    AccountRead,
    AccountUpdate,
    AuditEventRead,
    Role,
    SmsMessageRead,
)
from services.kernel.auth import require_roles
from services.kernel.errors import NotFound
from services.kernel.validators import Phone

router = APIRouter(prefix="/api/v1/admin", tags=["administration"])


@router.post(
    "/accounts",
    status_code=status.HTTP_201_CREATED,
    operation_id="create_account",
    response_model=AccountRead,
)
async def create_account(
    body: AccountCreate, runtime: Runtime, principal: CurrentPrincipal, ip: ClientIp
) -> AccountRead:
    """Create a staff account with its roles and region (a county, a prefecture prefix, or 53)."""
    async with runtime.db.transaction() as session:
        return await runtime.identity.create_staff_account(
            session=session, principal=principal, account_in=body, ip=ip
        )


@router.get("/accounts", operation_id="list_accounts", response_model=list[AccountRead])
async def list_accounts(
    runtime: Runtime,
    principal: CurrentPrincipal,
    kind: AccountKind | None = None,
    role: Role | None = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    after: Annotated[str | None, Query(max_length=36)] = None,
) -> list[AccountRead]:
    async with runtime.db.reader() as session:
        return await runtime.identity.get_all_accounts(
            session=session, principal=principal, kind=kind, role=role, limit=limit, after=after
        )


@router.patch("/accounts/{account_id}", operation_id="update_account", response_model=AccountRead)
async def update_account(
    account_id: str, body: AccountUpdate, runtime: Runtime, principal: CurrentPrincipal, ip: ClientIp
) -> AccountRead:
    """Disable or enable an account (its tokens stop within seconds), or change its roles and region."""
    async with runtime.db.transaction() as session:
        return await runtime.identity.update_account(
            session=session, principal=principal, account_id=account_id, account_in=body, ip=ip
        )


@router.get("/audit", operation_id="list_audit_events", response_model=list[AuditEventRead])
async def list_audit_events(
    runtime: Runtime,
    principal: CurrentPrincipal,
    event: Annotated[str | None, Query(max_length=40)] = None,
    subject: Annotated[str | None, Query(max_length=64)] = None,
    before_id: Annotated[int | None, Query(ge=1, le=2**63 - 1)] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> list[AuditEventRead]:
    """Security events, newest first: sign-ins and failures, lockouts, revoked sessions, delegations, account
    changes."""
    async with runtime.db.reader() as session:
        return await runtime.identity.get_audit_events(
            session=session,
            principal=principal,
            event=event,
            subject=subject,
            before_id=before_id,
            limit=limit,
        )


@router.post("/signing-keys/rotate", operation_id="rotate_signing_key")
async def rotate_signing_key(runtime: Runtime, principal: CurrentPrincipal, ip: ClientIp) -> dict[str, str]:
    """Sign new tokens with a fresh key; tokens signed with the old one stay valid until they expire. Recorded in
    the audit log (`signing_key_rotated`)."""
    require_roles(principal, Role.PLATFORM_ADMIN)
    return {"kid": await runtime.keys.rotate(actor=principal.sub, ip=ip)}


@router.get("/sms-outbox", operation_id="list_sms_outbox", response_model=list[SmsMessageRead])
async def list_sms_outbox(
    request: Request, runtime: Runtime, principal: CurrentPrincipal, phone: Phone | None = None
) -> list[SmsMessageRead]:
    """Exists only with the `outbox` SMS backend (development and tests): the messages 'sent', newest first."""
    if runtime.identity.sms.name != "outbox":
        raise NotFound("there is no SMS outbox with this SMS backend", code="not_found")
    async with runtime.db.reader() as session:
        return await runtime.identity.get_sms_outbox(session=session, principal=principal, phone=phone)
