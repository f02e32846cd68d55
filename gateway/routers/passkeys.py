"""Passkeys (通行密钥, WebAuthn): register, list and remove them in the user space; sign in with one.

The token itself comes from `POST /api/v1/auth/token` with `grant_type: "passkey"`.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Response, status

from gateway.deps import ClientIp, CurrentPrincipal, Runtime
from gateway.identity.schemas_depth import (
    PasskeyCreated,
    PasskeyRead,
    PasskeyRegister,
    PasskeySignInOptionsIn,
)

router = APIRouter(prefix="/api/v1/me/passkeys", tags=["passkeys"])
signin_router = APIRouter(prefix="/api/v1/auth/passkey", tags=["passkeys"])


@router.post("/options", operation_id="passkey_registration_options", response_model=dict[str, Any])
async def registration_options(
    runtime: Runtime, principal: CurrentPrincipal, response: Response
) -> dict[str, Any]:
    """PublicKeyCredentialCreationOptions (WebAuthn Level 3 JSON, base64url) for `navigator.credentials.create`.
    Its challenge answers once, within `BST_PASSKEY_CHALLENGE_SECONDS`."""
    response.headers["Cache-Control"] = "no-store"
    async with runtime.db.reader() as session:
        return await runtime.passkeys.registration_options(session=session, principal=principal)


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    operation_id="register_passkey",
    response_model=PasskeyCreated,
)
async def register_passkey(
    body: PasskeyRegister, runtime: Runtime, principal: CurrentPrincipal, ip: ClientIp
) -> PasskeyCreated:
    """Register the authenticator's RegistrationResponse JSON as a passkey of the signed-in account."""
    async with runtime.db.transaction() as session:
        return await runtime.passkeys.register(
            session=session, principal=principal, credential=body.credential, name=body.name, ip=ip
        )


@router.get("", operation_id="list_passkeys", response_model=list[PasskeyRead])
async def list_passkeys(runtime: Runtime, principal: CurrentPrincipal) -> list[PasskeyRead]:
    async with runtime.db.reader() as session:
        return await runtime.passkeys.get_passkeys(session=session, principal=principal)


@router.delete("/{passkey_id}", status_code=status.HTTP_204_NO_CONTENT, operation_id="remove_passkey")
async def remove_passkey(
    passkey_id: str, runtime: Runtime, principal: CurrentPrincipal, ip: ClientIp
) -> Response:
    async with runtime.db.transaction() as session:
        await runtime.passkeys.remove(session=session, principal=principal, passkey_id=passkey_id, ip=ip)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@signin_router.post("/options", operation_id="passkey_signin_options", response_model=dict[str, Any])
async def signin_options(
    runtime: Runtime,
    ip: ClientIp,
    response: Response,
    body: Annotated[PasskeySignInOptionsIn | None, Body()] = None,
) -> dict[str, Any]:
    """PublicKeyCredentialRequestOptions JSON for `navigator.credentials.get`, plus the `session` to send back
    with the answer to `POST /api/v1/auth/token` (`grant_type: "passkey"`)."""
    response.headers["Cache-Control"] = "no-store"
    body = body or PasskeySignInOptionsIn()
    async with runtime.db.reader() as session:
        return await runtime.passkeys.authentication_options(
            session=session, username=body.username, phone=body.phone, ip=ip
        )
