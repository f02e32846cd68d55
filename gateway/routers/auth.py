"""Sign-in, tokens, sign-out, village-agent delegation and scan-to-login (统一身份认证)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Body, Header, Path, Query, Response, status

from gateway.deps import ClientIp, OptionalPrincipal, Runtime
from gateway.identity.schemas import (
    DelegationConfirm,
    DelegationRead,
    DelegationRequest,
    DelegationStarted,
    DelegationToken,
    LegalPersonGrant,
    LogoutRequest,
    PasskeyGrant,
    PasswordGrant,
    QrSessionCreated,
    QrSessionState,
    RefreshGrant,
    SmsCodeRequest,
    SmsCodeSent,
    SmsGrant,
    TokenPair,
    TokenRequest,
)
from services.kernel.auth import require_signed_in

router = APIRouter(prefix="/api/v1/auth", tags=["identity"])


@router.post(
    "/sms-code",
    status_code=status.HTTP_202_ACCEPTED,
    operation_id="send_sms_code",
    response_model=SmsCodeSent,
)
async def send_sms_code(body: SmsCodeRequest, runtime: Runtime, ip: ClientIp) -> SmsCodeSent:
    """Send a 6-digit sign-in code (valid 5 minutes). Limited per phone (1/min, 5/h, 10/day) and per network."""
    async with runtime.db.transaction() as session:
        return await runtime.identity.send_sms_code(session=session, phone=body.phone, ip=ip)


@router.post("/token", operation_id="issue_token", response_model=TokenPair)
async def issue_token(
    body: Annotated[TokenRequest, Body()],
    runtime: Runtime,
    principal: OptionalPrincipal,
    ip: ClientIp,
    response: Response,
) -> TokenPair:
    """Sign in by SMS code, password or passkey, refresh (rotating the refresh token), or act for a legal person."""
    response.headers["Cache-Control"] = "no-store"
    identity = runtime.identity
    if isinstance(body, PasswordGrant):
        async with runtime.db.reader() as session:  # the slow hash runs with no write lock held
            password_ok = await identity.check_password(
                session=session, username=body.username, password=body.password, ip=ip
            )
    async with runtime.db.transaction() as session:
        match body:
            case SmsGrant(phone=phone, code=code):
                pair = await identity.sign_in_with_sms(session=session, phone=phone, code=code, ip=ip)
                return await runtime.passkeys.after_sms_sign_in(
                    session=session, phone=phone, pair=pair, ip=ip
                )
            case PasswordGrant(username=username):
                enrolment = await runtime.passkeys.password_sign_in(
                    session=session, username=username, password_ok=password_ok, ip=ip
                )  # staff who must use a passkey: refused, or an enrolment-only token
                if enrolment is not None:
                    return enrolment
                return await identity.sign_in_with_password(
                    session=session, username=username, password_ok=password_ok, ip=ip
                )
            case RefreshGrant(refresh_token=refresh_token):
                return await identity.refresh(session=session, refresh_token=refresh_token, ip=ip)
            case PasskeyGrant(session=passkey_session, credential=credential):
                return await runtime.passkeys.sign_in(
                    session=session, session_id=passkey_session, credential=credential, ip=ip
                )
            case LegalPersonGrant(credit_code=credit_code):
                return await identity.act_for_legal_person(
                    session=session, principal=principal, credit_code=credit_code, ip=ip
                )
    raise AssertionError("unreachable: the grant types are a closed union")


@router.post("/logout", status_code=status.HTTP_204_NO_CONTENT, operation_id="logout")
async def logout(
    runtime: Runtime,
    principal: OptionalPrincipal,
    ip: ClientIp,
    body: Annotated[LogoutRequest | None, Body()] = None,
) -> Response:
    """Sign out: the whole refresh-token family of this session is revoked, and its access tokens stop."""
    async with runtime.db.transaction() as session:
        await runtime.identity.logout(
            session=session, principal=principal, refresh_token=body.refresh_token if body else None, ip=ip
        )
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post(
    "/delegations",
    status_code=status.HTTP_202_ACCEPTED,
    operation_id="create_delegation",
    response_model=DelegationStarted,
)
async def create_delegation(
    body: DelegationRequest, runtime: Runtime, principal: OptionalPrincipal, ip: ClientIp
) -> DelegationStarted:
    """A village agent (村组代办员) asks to act for a resident: an SMS code goes to the resident's phone saying who
    asks (valid 5 minutes). The agent works in their own county; a resident whose region is known must live there."""
    async with runtime.db.transaction() as session:
        return await runtime.delegations.start(
            session=session, principal=principal, name=body.resident.name, phone=body.resident.phone, ip=ip
        )


@router.post(
    "/delegations/{delegation_id}/confirm",
    operation_id="confirm_delegation",
    response_model=DelegationToken,
)
async def confirm_delegation(
    delegation_id: Annotated[str, Path(min_length=8, max_length=40, pattern=r"^[A-Za-z0-9_-]+$")],
    body: DelegationConfirm,
    runtime: Runtime,
    principal: OptionalPrincipal,
    ip: ClientIp,
    response: Response,
) -> DelegationToken:
    """The same agent sends the code the resident read out (5 tries): a short-lived token acting for the resident
    (`act.sub` = the agent), reaching only what this agent files for them. The resident is told by SMS and sees the
    delegation in their own space (`GET /api/v1/auth/delegations`)."""
    response.headers["Cache-Control"] = "no-store"
    async with runtime.db.transaction() as session:
        return await runtime.delegations.confirm(
            session=session, principal=principal, delegation_id=delegation_id, code=body.code, ip=ip
        )


@router.get("/delegations", operation_id="list_delegations", response_model=list[DelegationRead])
async def list_delegations(
    runtime: Runtime, principal: OptionalPrincipal, limit: Annotated[int, Query(ge=1, le=200)] = 50
) -> list[DelegationRead]:
    """Delegations in my own name, newest first: the agents who acted for me, or (an agent) the residents I acted
    for."""
    async with runtime.db.reader() as session:
        return await runtime.delegations.get_all(session=session, principal=principal, limit=limit)


@router.post(
    "/qr-sessions",
    status_code=status.HTTP_201_CREATED,
    operation_id="create_qr_login",
    response_model=QrSessionCreated,
)
async def create_qr_login(runtime: Runtime, ip: ClientIp) -> QrSessionCreated:
    """The PC portal asks for a scan-to-login QR code (valid 2 minutes)."""
    await runtime.limiter.hit(
        f"qr:ip:{ip}",
        limit=30,
        window_seconds=600,
        message="too many QR codes from this network; try again later",
    )
    return await runtime.qr_logins.create()


@router.get("/qr-sessions/{session_id}", operation_id="poll_qr_login", response_model=QrSessionState)
async def poll_qr_login(
    session_id: str,
    runtime: Runtime,
    response: Response,
    x_poll_token: Annotated[str, Header(min_length=16, max_length=100)],
    wait: Annotated[float, Query(ge=0, le=25)] = 0,
) -> QrSessionState:
    """The PC waits (up to `wait` seconds) for the phone; once confirmed, the tokens come here exactly once."""
    response.headers["Cache-Control"] = "no-store"
    state, account_id, left = await runtime.qr_logins.poll(session_id, x_poll_token, wait_seconds=wait)
    if account_id is None:
        return QrSessionState(status=state, expires_in=left)  # type: ignore[arg-type]
    async with runtime.db.transaction() as session:
        account = await runtime.identity.get_account(session=session, account_id=account_id)
        runtime.identity.audit(session, "signin", subject=account.id, method="qr")
        tokens = await runtime.identity.issue_tokens(session=session, account=account, method="qr")
    return QrSessionState(status="confirmed", expires_in=left, tokens=tokens)


@router.post(
    "/qr-sessions/{session_id}/scan", status_code=status.HTTP_204_NO_CONTENT, operation_id="scan_qr_login"
)
async def scan_qr_login(session_id: str, runtime: Runtime, principal: OptionalPrincipal) -> Response:
    """The signed-in phone scanned the PC's code; the PC shows 'confirm on your phone'."""
    await runtime.qr_logins.scan(session_id, require_signed_in(principal))
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post(
    "/qr-sessions/{session_id}/confirm",
    status_code=status.HTTP_204_NO_CONTENT,
    operation_id="confirm_qr_login",
)
async def confirm_qr_login(session_id: str, runtime: Runtime, principal: OptionalPrincipal) -> Response:
    await runtime.qr_logins.confirm(session_id, require_signed_in(principal))
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post(
    "/qr-sessions/{session_id}/cancel", status_code=status.HTTP_204_NO_CONTENT, operation_id="cancel_qr_login"
)
async def cancel_qr_login(session_id: str, runtime: Runtime, principal: OptionalPrincipal) -> Response:
    await runtime.qr_logins.cancel(session_id, require_signed_in(principal))
    return Response(status_code=status.HTTP_204_NO_CONTENT)
