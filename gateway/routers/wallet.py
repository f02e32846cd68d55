"""The holder's e-license wallet (证照夹) in the user space: licenses, 扫码亮证 presentations and the use record."""

from __future__ import annotations

import asyncio
import logging
import time
import uuid
from pathlib import Path as FilePath
from typing import Annotated, Any

import segno
from fastapi import APIRouter, Path, Query, status
from fastapi.responses import FileResponse

from bst.licenses.v1 import licenses_pb2 as pb
from gateway.deps import Authorization, Clients, CurrentPrincipal, Runtime
from gateway.routers.licenses import license_read
from gateway.runtime import GatewayRuntime
from gateway.schemas.licenses import LicenseUseRead, PresentationRead, PresentationRequest, Wallet
from services.kernel.auth import Principal

log = logging.getLogger("bst.gateway.wallet")
router = APIRouter(prefix="/api/v1/me/licenses", tags=["user space"])
LicenseId = Annotated[str, Path(min_length=1, max_length=36)]
ASSERTION_SECONDS = 60


async def real_name_assertion(runtime: GatewayRuntime, principal: Principal) -> str | None:
    """A short-lived signed statement of the caller's bound ID number (a legal person's: its credit code), for the
    licenses service (JWS EdDSA, typ real-name+jwt, aud licenses), or None when no number is bound."""
    async with runtime.db.reader() as session:
        account = await runtime.identity.get_account_or_none(session=session, account_id=principal.sub)
    if account is None:
        return None
    if account.kind == "legal_person" and account.credit_code:
        holder = {"credit_code": account.credit_code}
    elif account.kind == "citizen" and account.id_number_enc:
        holder = {"id_number": runtime.identity.cipher.decrypt(account.id_number_enc, field="id_number")}
    else:
        return None
    now = int(time.time())
    claims = {
        "iss": runtime.settings.issuer,
        "aud": "licenses",
        "sub": principal.sub,
        **holder,
        "iat": now,
        "exp": now + ASSERTION_SECONDS,
        "jti": uuid.uuid4().hex,
    }
    return runtime.keys.sign(claims, typ="real-name+jwt")


async def link_holder(
    runtime: GatewayRuntime, clients: Any, principal: Principal, authorization: str | None
) -> bool:
    """Tell the licenses service which ID number the caller bound; False when none is bound."""
    assertion = await real_name_assertion(runtime, principal)
    if assertion is None:
        return False
    await clients.licenses.LinkHolder(
        pb.LinkHolderRequest(assertion=assertion), **clients.options(authorization)
    )
    return True


@router.get("", operation_id="list_my_licenses", response_model=Wallet)
async def my_licenses(
    principal: CurrentPrincipal,
    runtime: Runtime,
    clients: Clients,
    authorization: Authorization,
    status_filter: Annotated[
        str | None, Query(alias="status", pattern="^(valid|expired|suspended|revoked)$")
    ] = None,
) -> dict[str, Any]:
    """My licenses (current, expired, suspended, revoked) with their issuer and validity: every license issued to
    the ID number I bound (and results of my applications)."""
    request = pb.ListMyLicensesRequest(status=status_filter or "")
    reply = await clients.licenses.ListMyLicenses(request, **clients.options(authorization))
    holder_session = principal.actor is None or principal.kind == "legal_person"
    if not reply.linked and holder_session and await link_holder(runtime, clients, principal, authorization):
        reply = await clients.licenses.ListMyLicenses(request, **clients.options(authorization))
    return {"linked": reply.linked, "licenses": [license_read(m) for m in reply.licenses]}


def qr_images(text: str) -> tuple[str, str]:
    """The presentation as one QR code: SVG text and a PNG data URI. The mask is fixed: choosing the best of eight
    costs segno eight times the work for a code this size (version ~27), and mask 0 reads fine."""
    code = segno.make(text, error="l", micro=False, mask=0)
    svg = code.svg_inline(scale=2, border=4)
    png = code.png_data_uri(scale=2, border=4)
    return svg, png


@router.post(
    "/{license_id}/presentations",
    status_code=status.HTTP_201_CREATED,
    operation_id="present_my_license",
    response_model=PresentationRead,
)
async def present_license(
    license_id: LicenseId,
    body: PresentationRequest,
    principal: CurrentPrincipal,
    clients: Clients,
    authorization: Authorization,
) -> dict[str, Any]:
    """扫码亮证: a presentation of the chosen fields only (SD-JWT with a key-binding JWT over the verifier's nonce
    and audience), valid 60 seconds by default, as text and as a QR code (SVG and PNG; `qr: false` leaves them out
    for an app that draws the code itself)."""
    reply = await clients.licenses.CreatePresentation(
        pb.CreatePresentationRequest(
            license_id=license_id,
            fields=body.fields,
            nonce=body.nonce or "",
            audience=body.audience or "",
            ttl_seconds=body.ttl_seconds,
        ),
        **clients.options(authorization),
    )
    svg, png = await asyncio.to_thread(qr_images, reply.presentation) if body.qr else (None, None)
    return {
        "presentation": reply.presentation,
        "nonce": reply.nonce,
        "audience": reply.audience,
        "expires_at": reply.expires_at,
        "qr_svg": svg,
        "qr_png": png,
    }


@router.get("/{license_id}/uses", operation_id="list_my_license_uses", response_model=list[LicenseUseRead])
async def license_uses(
    license_id: LicenseId,
    principal: CurrentPrincipal,
    clients: Clients,
    authorization: Authorization,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> list[dict[str, Any]]:
    """Every issue, status change, read, presentation and verification of my license: who, when, for what."""
    reply = await clients.licenses.ListLicenseUses(
        pb.ListLicenseUsesRequest(license_id=license_id, limit=limit), **clients.options(authorization)
    )
    return [
        {
            "at": u.at,
            "kind": u.kind,
            "who": u.who,
            "purpose": u.purpose,
            "case_ref": u.case_ref or None,
            "agent_id": u.agent_id or None,
        }
        for u in reply.uses
    ]


# -- the wallet page (mini_apps/license-wallet) ---------------------------------------------------------------

PAGE_DIR = FilePath(__file__).resolve().parents[2] / "mini_apps" / "license-wallet"
PAGE_ASSETS = {
    "index.html": "text/html; charset=utf-8",
    "app.js": "text/javascript; charset=utf-8",
    "style.css": "text/css; charset=utf-8",
}
PAGE_HEADERS = {
    "Cache-Control": "no-cache",
    "Content-Security-Policy": (
        "default-src 'self'; img-src 'self' data:; script-src 'self'; style-src 'self'; connect-src 'self'; "
        "base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
    ),
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
}
page_router = APIRouter(tags=["mini-apps"])


@page_router.get("/m/license-wallet/", operation_id="license_wallet_page", include_in_schema=False)
async def wallet_page() -> FileResponse:
    return FileResponse(PAGE_DIR / "index.html", media_type=PAGE_ASSETS["index.html"], headers=PAGE_HEADERS)


@page_router.get("/m/license-wallet/{asset}", operation_id="license_wallet_asset", include_in_schema=False)
async def wallet_asset(asset: Annotated[str, Path(pattern=r"^(app\.js|style\.css)$")]) -> FileResponse:
    return FileResponse(PAGE_DIR / asset, media_type=PAGE_ASSETS[asset], headers=PAGE_HEADERS)
