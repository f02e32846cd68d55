"""E-licenses (电子证照): types, issuing and status, verification, the issuer JWKS and the status lists."""

from __future__ import annotations

import functools
import ipaddress
from typing import Annotated, Any

from fastapi import APIRouter, Header, Path, Query, Request, Response, status

from bst.licenses.v1 import licenses_pb2 as pb
from gateway.convert import AnswerJSON
from gateway.deps import Authorization, ClientIp, Clients, Runtime
from gateway.schemas.licenses import (
    HolderKind,
    KeyRotated,
    KeyRotation,
    LicenseIssue,
    LicenseRead,
    LicenseTypeRead,
    Renewal,
    StatusChange,
    VerifyRequest,
    VerifyResult,
)
from services.kernel.auth import current_principal
from services.kernel.license_cache import verifier_of
from services.kernel.ratelimit import Limits

router = APIRouter(prefix="/api/v1/licenses", tags=["licenses"])
# The busiest public route, alone on a router matched early (FastAPI tries the routers in order).
verify_router = APIRouter(prefix="/api/v1/licenses", tags=["licenses"])
LicenseId = Annotated[str, Path(min_length=1, max_length=36)]


def license_read(message: pb.License) -> dict[str, Any]:
    return {
        "license_id": message.license_id,
        "type": message.type,
        "type_name": message.type_name,
        "issuer": message.issuer_department,
        "status": message.status,
        "status_reason": message.status_reason,
        "valid_from": message.valid_from,
        "valid_until": message.valid_until or None,
        "fields": dict(message.fields),
        "kid": message.kid,
        "seal": message.seal,
        "issued_at": message.issued_at,
        "holder": message.holder_masked or None,
    }


@router.get("/types", operation_id="list_license_types", response_model=list[LicenseTypeRead])
async def list_license_types(
    clients: Clients, authorization: Authorization, holder_kind: HolderKind | None = Query(None)
) -> list[dict[str, Any]]:
    """The license types with their fields and the department that issues each."""
    reply = await clients.licenses.ListLicenseTypes(
        pb.ListLicenseTypesRequest(holder_kind=holder_kind.value if holder_kind else ""),
        **clients.options(authorization),
    )
    return [
        {
            "type": t.code,
            "code": t.code,
            "name": t.name,
            "department": t.issuer_department,
            "issuer_department": t.issuer_department,
            "holder_kind": t.holder_kind,
            "validity_years": t.validity_years,
            "fields": [{"name": f.name, "label": f.label} for f in t.fields],
        }
        for t in reply.types
    ]


@router.post(
    "", status_code=status.HTTP_201_CREATED, operation_id="issue_license", response_model=LicenseRead
)
async def issue_license(
    body: LicenseIssue,
    clients: Clients,
    authorization: Authorization,
    idempotency_key: Annotated[str | None, Header(max_length=100)] = None,
) -> dict[str, Any]:
    """A `license_issuer` of the type's department issues (签发) a license to an ID number or credit code,
    sealed with the department's key. The same `Idempotency-Key` and body return the first license."""
    reply = await clients.licenses.IssueLicense(
        pb.IssueLicenseRequest(
            type=body.type,
            holder_id_number=body.holder.id_number or "",
            holder_credit_code=body.holder.credit_code or "",
            fields=body.fields,
            valid_until=body.valid_until.isoformat() if body.valid_until else "",
            idempotency_key=idempotency_key or "",
        ),
        **clients.options(authorization),
    )
    return license_read(reply)


async def _change(
    clients: Clients, authorization: str | None, license_id: str, action: str, reason: str, until: str = ""
) -> dict[str, Any]:
    reply = await clients.licenses.ChangeLicenseStatus(
        pb.ChangeLicenseStatusRequest(license_id=license_id, action=action, reason=reason, valid_until=until),
        **clients.options(authorization),
    )
    return license_read(reply)


@router.post("/{license_id}/suspend", operation_id="suspend_license", response_model=LicenseRead)
async def suspend_license(
    license_id: LicenseId, body: StatusChange, clients: Clients, authorization: Authorization
) -> dict[str, Any]:
    """Its issuer suspends it (暂停): verifications answer `license_suspended` until reinstated."""
    return await _change(clients, authorization, license_id, "suspend", body.reason)


@router.post("/{license_id}/reinstate", operation_id="reinstate_license", response_model=LicenseRead)
async def reinstate_license(
    license_id: LicenseId, body: StatusChange, clients: Clients, authorization: Authorization
) -> dict[str, Any]:
    return await _change(clients, authorization, license_id, "reinstate", body.reason)


@router.post("/{license_id}/revoke", operation_id="revoke_license", response_model=LicenseRead)
async def revoke_license(
    license_id: LicenseId, body: StatusChange, clients: Clients, authorization: Authorization
) -> dict[str, Any]:
    """Its issuer revokes it (注销), for good: online at once, offline once the status list is refreshed."""
    return await _change(clients, authorization, license_id, "revoke", body.reason)


@router.post("/{license_id}/renew", operation_id="renew_license", response_model=LicenseRead)
async def renew_license(
    license_id: LicenseId, body: Renewal, clients: Clients, authorization: Authorization
) -> dict[str, Any]:
    """Its issuer renews it (换证) to a new end date; it is sealed again."""
    return await _change(
        clients, authorization, license_id, "renew", body.reason, body.valid_until.isoformat()
    )


VERIFY_WINDOW_SECONDS = 60


@functools.lru_cache(maxsize=4096)
def client_network(ip: str | None) -> str:
    """The caller's network, so that one office or one attacker rotating addresses counts once: IPv4 /24, IPv6 /64."""
    try:
        address = ipaddress.ip_address(ip or "")
    except ValueError:
        return "unknown"
    prefix = 24 if address.version == 4 else 64
    return str(ipaddress.ip_network(f"{address}/{prefix}", strict=False))


def verify_limits(request: Request, ip: str | None) -> Limits:
    """Anonymous verification is limited per client network and, higher, for everyone together (429 with
    Retry-After); every attempt counts, valid or not."""
    settings = request.app.state.settings
    return [
        (
            f"license-verify:net:{client_network(ip)}",
            settings.license_verify_limit_per_network,
            VERIFY_WINDOW_SECONDS,
            "该网络核验电子证照过于频繁，请稍后再试",
        ),
        (
            "license-verify:all",
            settings.license_verify_limit_global,
            VERIFY_WINDOW_SECONDS,
            "电子证照核验请求过多，请稍后再试",
        ),
    ]


@verify_router.post(
    "/verify",
    operation_id="verify_license_presentation",
    response_model=VerifyResult,
    responses={429: {"description": "too many verifications from this network, or from everywhere"}},
)
async def verify_presentation(
    request: Request,
    body: VerifyRequest,
    clients: Clients,
    authorization: Authorization,
    runtime: Runtime,
    ip: ClientIp,
) -> Any:
    """Anyone verifies a 扫码亮证 presentation: the issuer signature, the disclosed fields' digests, the key
    binding (nonce and audience), expiry, replay (a nonce is accepted once) and the license's status.
    Limited per client network (`license_verify_limit_per_network` a minute) and for everyone together
    (`license_verify_limit_global`): 429 with `Retry-After`."""
    answer = await runtime.license_verifier.verify(
        body.presentation,
        nonce=body.nonce or "",
        audience=body.audience or "",
        verifier=verifier_of(current_principal.get()),
        limits=verify_limits(request, ip),
    )
    if answer is not None:  # answered here; the licenses service only when the status cache is not trusted
        # The VerifyResult document as is (every member, in order), without validating what was just built.
        return AnswerJSON({name: answer.get(name) for name in VerifyResult.model_fields})
    reply = await clients.licenses.VerifyPresentation(
        pb.VerifyPresentationRequest(
            presentation=body.presentation, nonce=body.nonce or "", audience=body.audience or ""
        ),
        **clients.options(authorization),
    )
    if not reply.valid:
        return {"valid": False, "reason": reply.reason, "message": reply.message}
    return {
        "valid": True,
        "type": reply.type,
        "type_name": reply.type_name,
        "issuer": reply.issuer,
        "fields": dict(reply.fields),
    }


@router.get(
    "/issuers/jwks.json",
    operation_id="get_license_issuer_jwks",
    responses={
        200: {
            "description": "JWK Set",
            "content": {"application/jwk-set+json": {"schema": {"type": "object"}}},
        }
    },
)
async def issuer_jwks(clients: Clients) -> Response:
    """The issuers' public keys by `kid` (current and retired: what they sealed keeps verifying). Each key says
    its `purpose` (license or status-list) and, for licenses, its department (`dept`)."""
    reply = await clients.licenses.GetIssuerJwks(pb.GetIssuerJwksRequest(), **clients.options(None))
    return Response(
        reply.json.encode(),
        media_type="application/jwk-set+json",
        headers={"Cache-Control": "public, max-age=300"},
    )


@router.get(
    "/status-lists/{list_id}",
    operation_id="get_license_status_list",
    responses={200: {"content": {"application/statuslist+jwt": {}}, "description": "the signed status list"}},
)
async def status_list(list_id: Annotated[int, Path(ge=1, le=1_000_000)], clients: Clients) -> Response:
    """An IETF Token Status List as a signed JWT (`statuslist+jwt`): 2 bits per license, 0 valid, 1 invalid,
    2 suspended, zlib-compressed; 131,072 entries per list."""
    reply = await clients.licenses.GetStatusList(
        pb.GetStatusListRequest(list_id=list_id), **clients.options(None)
    )
    return Response(
        reply.token, media_type="application/statuslist+jwt", headers={"Cache-Control": "public, max-age=60"}
    )


@router.post("/issuers/keys", operation_id="rotate_license_issuer_key", response_model=KeyRotated)
async def rotate_issuer_key(
    body: KeyRotation, clients: Clients, authorization: Authorization
) -> dict[str, str]:
    """Start sealing with a new key for a department (platform_admin, or an issuer of it). Licenses sealed
    before keep verifying: the old key stays in the JWKS."""
    reply = await clients.licenses.RotateIssuerKey(
        pb.RotateIssuerKeyRequest(department=body.department), **clients.options(authorization)
    )
    return {"kid": reply.kid}
