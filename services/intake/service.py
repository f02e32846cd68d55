"""The rules of application intake (统一申办受理). No transport here; the caller owns the transaction."""

from __future__ import annotations

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from services.intake.models import ServiceItem
from services.intake.schemas import ServiceItemRead
from services.kernel import regions
from services.kernel.errors import InvalidInput, NotFound


async def get_all_service_items(
    *, session: AsyncSession, region: str = "", category: str = "", q: str = ""
) -> list[ServiceItemRead]:
    """Items offered to someone in `region`: province-wide ones and those of the region's prefecture and county."""
    query = select(ServiceItem).order_by(ServiceItem.category, ServiceItem.code)
    if region:
        if not regions.is_valid_scope(region):
            raise InvalidInput(f"{region!r} is not a region of Yunnan", code="unknown_region")
        prefix = regions.scope_prefix(region)
        offered_by = {prefix[:n] for n in (2, 4, 6) if len(prefix) >= n}
        query = query.where(ServiceItem.region.in_(offered_by))
    if category:
        query = query.where(ServiceItem.category == category)
    if q:
        pattern = f"%{q.strip()}%"
        query = query.where(or_(ServiceItem.name.like(pattern), ServiceItem.department.like(pattern)))
    return [ServiceItemRead.model_validate(item) for item in (await session.scalars(query)).all()]


async def get_service_item(*, session: AsyncSession, code: str) -> ServiceItemRead:
    item = await session.get(ServiceItem, code)
    if item is None:
        raise NotFound(f"no service item {code!r}", code="unknown_service_item")
    return ServiceItemRead.model_validate(item)
