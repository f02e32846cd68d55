"""The rules of e-licenses (统一电子证照). No transport here; the caller owns the transaction."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from services.kernel.errors import InvalidInput
from services.licenses.models import LicenseType
from services.licenses.schemas import HolderKind, LicenseTypeRead


async def get_all_license_types(*, session: AsyncSession, holder_kind: str = "") -> list[LicenseTypeRead]:
    query = select(LicenseType).order_by(LicenseType.code)
    if holder_kind:
        if holder_kind not in HolderKind.__members__.values():
            raise InvalidInput(
                f"holder_kind must be one of {', '.join(HolderKind)}", code="invalid_holder_kind"
            )
        query = query.where(LicenseType.holder_kind == holder_kind)
    return [LicenseTypeRead.model_validate(t) for t in (await session.scalars(query)).all()]
