"""E-licenses (电子证照), from the licenses service."""

from __future__ import annotations

from fastapi import APIRouter, Query

from bst.licenses.v1 import licenses_pb2
from gateway.convert import to_dict
from gateway.deps import Authorization, Clients
from services.licenses.schemas import HolderKind, LicenseTypeRead

router = APIRouter(prefix="/api/v1/licenses", tags=["licenses"])


@router.get("/types", operation_id="list_license_types", response_model=list[LicenseTypeRead])
async def list_license_types(
    clients: Clients, authorization: Authorization, holder_kind: HolderKind | None = Query(None)
) -> list[dict[str, object]]:
    reply = await clients.licenses.ListLicenseTypes(
        licenses_pb2.ListLicenseTypesRequest(holder_kind=holder_kind.value if holder_kind else ""),
        **clients.options(authorization),
    )
    return [to_dict(t) for t in reply.types]
