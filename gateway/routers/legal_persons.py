"""Legal persons (法人) and the citizens authorised to act for them."""

from __future__ import annotations

from fastapi import APIRouter, Path, Response, status

from gateway.deps import ClientIp, CurrentPrincipal, Runtime
from gateway.identity.schemas import LegalPersonCreate, LegalPersonRead, MemberAdd

router = APIRouter(prefix="/api/v1/legal-persons", tags=["identity"])


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    operation_id="create_legal_person",
    response_model=LegalPersonRead,
)
async def create_legal_person(
    body: LegalPersonCreate, runtime: Runtime, principal: CurrentPrincipal, ip: ClientIp
) -> LegalPersonRead:
    """Register a legal person by its unified social credit code; the registering citizen becomes its owner."""
    async with runtime.db.transaction() as session:
        return await runtime.identity.create_legal_person(
            session=session, principal=principal, legal_person_in=body, ip=ip
        )


@router.post(
    "/{credit_code}/members", status_code=status.HTTP_204_NO_CONTENT, operation_id="add_legal_person_member"
)
async def add_member(
    body: MemberAdd,
    runtime: Runtime,
    principal: CurrentPrincipal,
    ip: ClientIp,
    credit_code: str = Path(pattern=r"^[0-9A-Z]{18}$"),
) -> Response:
    """The owner authorises another citizen (by phone) to act for the legal person."""
    async with runtime.db.transaction() as session:
        await runtime.identity.add_legal_person_member(
            session=session, principal=principal, credit_code=credit_code, phone=body.phone, ip=ip
        )
    return Response(status_code=status.HTTP_204_NO_CONTENT)
