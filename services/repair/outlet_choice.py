"""The reporter's choice of outlet, the 四有 check of outlets, and the county's coverage.

- Nearby outlets: the outlets that qualify for a report (its county, the category with the right kind of outlet,
  active, below capacity), nearest first, with distance, phone, hours and mean rating; the reporter may pick one and
  `intake_hooks.check_outlet_choice` refuses a pick that does not qualify.
- 四有 (营业执照、门店地址、技术人员、备品备件): an outlet's qualification on record, refused with every missing item.
- Coverage: at least one active, qualified outlet per township (each outlet counts for the township point it names,
  else the nearest one), the part-time village repairers listed, townships without an outlet flagged.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from services.kernel.auth import Principal, require_region, require_roles, require_signed_in
from services.kernel.db import utcnow
from services.kernel.errors import FieldError, InvalidInput, NotFound
from services.repair.common import (
    ADMIN_ROLES,
    STAFF_READERS,
    RepairContext,
    get_county,
    require_county_admin,
    rfc3339,
)
from services.repair.county_qr import read_qr
from services.repair.dispatch import great_circle_km, search_point
from services.repair.grassroots_models import OutletQualification, VillageRepairer
from services.repair.grassroots_schemas import QualificationIn, VillageRepairerIn
from services.repair.intake_hooks import why_not_qualifying
from services.repair.models import Outlet, OutletCategory, ServicePoint, Ticket
from services.repair.network import check_point_in_county, create_outlet
from services.repair.schemas import Category, OutletCreate, OutletRead, PointLevel

NEARBY_LIMIT = 10


@dataclass(frozen=True, slots=True)
class NearbyOutlet:
    outlet_id: str
    name: str
    distance_km: float
    phone: str
    business_hours: str
    mean_rating: float
    ratings: int
    qualified: bool


@dataclass(frozen=True, slots=True)
class Repairer:
    repairer_id: str
    point_id: str
    point_name: str
    name: str
    phone: str


@dataclass(slots=True)
class TownshipCoverage:
    point_id: str
    name: str
    outlets: list[tuple[str, str, bool]] = field(default_factory=list)  # (outlet_id, name, qualified)
    village_repairers: list[Repairer] = field(default_factory=list)

    @property
    def uncovered(self) -> bool:
        return not any(qualified for _, _, qualified in self.outlets)


@dataclass(frozen=True, slots=True)
class Coverage:
    county: str
    county_name: str
    townships: list[TownshipCoverage]
    unqualified: list[tuple[str, str]]


async def nearby_outlets(
    *,
    session: AsyncSession,
    ctx: RepairContext,
    principal: Principal,
    qr: str,
    county: str,
    category: Category,
    lat: float | None,
    lng: float | None,
) -> tuple[str, list[NearbyOutlet]]:
    """The qualifying outlets near the report's point (the county's centre without one), for the reporter's pick."""
    require_signed_in(principal)
    if qr:
        county_of_code, _ = await read_qr(session=session, ctx=ctx, qr=qr)
        if county and county != county_of_code:
            raise InvalidInput(
                "所填县区与扫描的二维码不一致",
                code="county_mismatch",
                fields=[FieldError("county", "与二维码不一致")],
            )
        county = county_of_code
    if not county:
        raise InvalidInput(
            "请给出扫描的二维码或县区", code="county_required", fields=[FieldError("county", "必填")]
        )
    centre = get_county(county)
    if (lat is None) != (lng is None):
        raise InvalidInput(
            "经纬度要同时给出", code="invalid_point", fields=[FieldError("lat", "与 lng 同时给出")]
        )
    if lat is not None and lng is not None:
        check_point_in_county(county, lat, lng)
    here = search_point(centre, lat, lng)
    outlets = (
        await session.scalars(
            select(Outlet)
            .join(OutletCategory, OutletCategory.outlet_id == Outlet.outlet_id)
            .where(Outlet.county == county, OutletCategory.category == category.value)
        )
    ).all()
    fit = [o for o in outlets if why_not_qualifying(o, county=county, category=category, serves=True) is None]
    fit.sort(key=lambda o: great_circle_km(here[0], here[1], o.lat, o.lng))
    fit = fit[:NEARBY_LIMIT]
    ids = [o.outlet_id for o in fit]
    ratings = {
        outlet_id: (float(mean or 0), int(count))
        for outlet_id, mean, count in (
            await session.execute(
                select(
                    Ticket.assignee_outlet_id, func.avg(Ticket.rating_level), func.count(Ticket.rating_level)
                )
                .where(Ticket.assignee_outlet_id.in_(ids), Ticket.rating_level.is_not(None))
                .group_by(Ticket.assignee_outlet_id)
            )
        ).all()
    }
    qualified = set(
        await session.scalars(
            select(OutletQualification.outlet_id).where(OutletQualification.outlet_id.in_(ids))
        )
    )
    return county, [
        NearbyOutlet(
            outlet_id=o.outlet_id,
            name=o.name,
            distance_km=round(great_circle_km(here[0], here[1], o.lat, o.lng), 3),
            phone=o.phone,
            business_hours=o.business_hours,
            mean_rating=round(ratings.get(o.outlet_id, (0.0, 0))[0], 2),
            ratings=ratings.get(o.outlet_id, (0.0, 0))[1],
            qualified=o.outlet_id in qualified,
        )
        for o in fit
    ]


def missing_four_haves(q: QualificationIn) -> list[FieldError]:
    """Which of the 四有 the registration lacks (all of them at once, so the admin fixes the form in one go)."""
    missing = []
    if not q.licence_no:
        missing.append(FieldError("licence_no", "缺少营业执照（统一社会信用代码）"))
    if len(q.shop_address) < 4:
        missing.append(FieldError("shop_address", "缺少固定的门店地址"))
    if q.technicians < 1:
        missing.append(FieldError("technicians", "至少要有1名技术人员"))
    if not q.spare_parts:
        missing.append(FieldError("spare_parts", "须有备品备件"))
    return missing


def check_four_haves(q: QualificationIn, prefix: str = "") -> None:
    """422 four_haves_missing, one field error per missing item (under `prefix`), unless all four are there."""
    missing = missing_four_haves(q)
    if missing:
        raise InvalidInput(
            "维修网点须“四有”（有营业执照、有门店、有技术人员、有备品备件）："
            + "；".join(m.message for m in missing),
            code="four_haves_missing",
            fields=[FieldError(prefix + m.field, m.message) for m in missing],
        )


async def register_outlet(
    *,
    session: AsyncSession,
    principal: Principal,
    outlet_in: OutletCreate,
    qualification: QualificationIn | None,
) -> tuple[OutletRead, bool]:
    """Register an outlet, and with it its 四有 when given (checked first: a refusal writes nothing).
    Answers the outlet and whether its 四有 are on record."""
    require_county_admin(principal, outlet_in.county)
    if qualification is not None:
        check_four_haves(qualification, prefix="qualification.")
    outlet = await create_outlet(session=session, principal=principal, outlet_in=outlet_in)
    if qualification is not None:
        await set_qualification(
            session=session, principal=principal, outlet_id=outlet.outlet_id, qualification=qualification
        )
    return outlet, qualification is not None


async def set_qualification(
    *, session: AsyncSession, principal: Principal, outlet_id: str, qualification: QualificationIn
) -> OutletQualification:
    """Register an outlet's 四有: refused (422, one field error per missing item) unless all four are there."""
    outlet = await session.get(Outlet, outlet_id)
    if outlet is None:
        raise NotFound(f"no outlet {outlet_id}", code="unknown_outlet")
    require_county_admin(principal, outlet.county)
    check_four_haves(qualification)
    township = qualification.township_point_id
    if township:
        point = await session.get(ServicePoint, township)
        if point is None or point.county != outlet.county or point.level != PointLevel.TOWNSHIP.value:
            raise InvalidInput(
                "所选乡镇服务网点不在该网点所在县",
                code="unknown_township",
                fields=[FieldError("township_point_id", "不是本县的乡镇服务网点")],
            )
    row = await session.get(OutletQualification, outlet_id)
    if row is None:
        row = OutletQualification(outlet_id=outlet_id)
        session.add(row)
    row.licence_no, row.shop_address = qualification.licence_no, qualification.shop_address
    row.technicians, row.spare_parts = qualification.technicians, qualification.spare_parts
    row.township_point_id, row.checked_at = township, utcnow()
    await session.flush()
    return row


def qualification_checked_at(row: OutletQualification) -> str:
    return rfc3339(row.checked_at) or ""


async def add_village_repairer(
    *, session: AsyncSession, principal: Principal, point_id: str, repairer_in: VillageRepairerIn
) -> Repairer:
    """A part-time village repairer (村级兼职维修员) of a village service point."""
    require_roles(principal, *ADMIN_ROLES)
    point = await session.get(ServicePoint, point_id)
    if point is None:
        raise NotFound(f"no service point {point_id}", code="unknown_point")
    require_county_admin(principal, point.county)
    if point.level != PointLevel.VILLAGE.value:
        raise InvalidInput(
            "兼职维修员属于村组服务点",
            code="not_a_village_point",
            fields=[FieldError("point_id", "不是村组服务点")],
        )
    row = VillageRepairer(
        repairer_id=f"VR-{secrets.token_hex(4).upper()}",
        point_id=point_id,
        name=repairer_in.name,
        phone=repairer_in.phone,
        created_at=utcnow(),
    )
    session.add(row)
    await session.flush()
    return Repairer(row.repairer_id, point_id, point.name, row.name, row.phone)


def _nearest(points: list[ServicePoint], lat: float, lng: float) -> ServicePoint:
    return min(points, key=lambda p: great_circle_km(lat, lng, p.lat, p.lng))


async def get_coverage(*, session: AsyncSession, principal: Principal, county: str) -> Coverage:
    """The county's coverage report: per township point its outlets and village repairers; gaps flagged."""
    require_roles(principal, *STAFF_READERS)
    region = get_county(county)
    require_region(principal, county)
    points = (
        await session.scalars(
            select(ServicePoint).where(ServicePoint.county == county).order_by(ServicePoint.point_id)
        )
    ).all()
    townships = [p for p in points if p.level == PointLevel.TOWNSHIP.value]
    report = {p.point_id: TownshipCoverage(p.point_id, p.name) for p in townships}
    rows = (
        await session.execute(
            select(Outlet, OutletQualification)
            .outerjoin(OutletQualification, OutletQualification.outlet_id == Outlet.outlet_id)
            .where(Outlet.county == county, Outlet.active.is_(True))
            .order_by(Outlet.outlet_id)
        )
    ).all()
    unqualified: list[tuple[str, str]] = []
    for outlet, qualification in rows:
        if qualification is None:
            unqualified.append((outlet.outlet_id, outlet.name))
        if not townships:
            continue
        home = qualification.township_point_id if qualification else None
        township = home if home in report else _nearest(townships, outlet.lat, outlet.lng).point_id
        report[township].outlets.append((outlet.outlet_id, outlet.name, qualification is not None))
    by_point = {p.point_id: p for p in points}
    repairers = (
        await session.scalars(
            select(VillageRepairer)
            .where(VillageRepairer.point_id.in_(list(by_point)))
            .order_by(VillageRepairer.point_id, VillageRepairer.repairer_id)
        )
    ).all()
    for r in repairers:
        village = by_point[r.point_id]
        repairer = Repairer(r.repairer_id, r.point_id, village.name, r.name, r.phone)
        if townships:
            report[_nearest(townships, village.lat, village.lng).point_id].village_repairers.append(repairer)
    return Coverage(county, region.name, list(report.values()), unqualified)
