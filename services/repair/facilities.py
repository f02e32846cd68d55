"""Public broadcast facilities of a county: the asset register (发射转播台, 应急广播终端), each asset's inspection plan
(巡检周期), inspection records with photo or video evidence, and the inspections that are overdue.

Staff see and act inside their region only: county admins (and platform admins) register assets and set plans; the
county's outlet technicians and admins record inspections; region readers list them.
"""

from __future__ import annotations

import datetime as dt
import secrets
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from services.kernel.auth import Principal, require_region, require_roles
from services.kernel.db import utcnow
from services.kernel.errors import AlreadyExists, FieldError, InvalidInput, NotFound
from services.repair.common import STAFF_READERS, get_county, require_county_admin, rfc3339
from services.repair.facility_models import BroadcastPlatform, Facility, Inspection, InspectionEvidence
from services.repair.facility_schemas import FacilityCreate, FacilityKind, InspectionIn
from services.repair.models import Evidence, Outlet
from services.repair.network import check_point_in_county

INSPECTORS = ("outlet_technician", "county_admin", "platform_admin")
FACILITY_READERS = (*STAFF_READERS, "outlet_technician")


def facility_read(facility: Facility, now: dt.datetime | None = None) -> dict[str, Any]:
    now = now or utcnow()
    due = facility.next_inspection_due
    return {
        "asset_id": facility.asset_id,
        "county": facility.county,
        "code": facility.code,
        "kind": facility.kind,
        "name": facility.name,
        "lat": facility.lat,
        "lng": facility.lng,
        "township": facility.township,
        "village": facility.village,
        "platform_id": facility.platform_id or "",
        "outlet_id": facility.outlet_id or "",
        "inspection_interval_days": facility.inspection_interval_days,
        "last_inspected_at": rfc3339(facility.last_inspected_at) or "",
        "next_inspection_due": rfc3339(due) or "",
        "inspection_overdue": due is not None and due < now,
        "created_at": rfc3339(facility.created_at) or "",
    }


def inspection_read(inspection: Inspection) -> dict[str, Any]:
    return {
        "inspection_id": inspection.inspection_id,
        "asset_id": inspection.asset_id,
        "county": inspection.county,
        "at": rfc3339(inspection.at) or "",
        "inspector": inspection.inspector,
        "result": inspection.result,
        "note": inspection.note,
        "evidence_ids": list(inspection.evidence_ids),
        "on_time": inspection.on_time,
    }


async def create_facility(
    *, session: AsyncSession, principal: Principal, facility_in: FacilityCreate
) -> Facility:
    require_county_admin(principal, facility_in.county)
    check_point_in_county(facility_in.county, facility_in.lat, facility_in.lng)
    if facility_in.platform_id:
        platform = await session.get(BroadcastPlatform, facility_in.platform_id)
        if platform is None or platform.county != facility_in.county:
            raise InvalidInput(
                f"no management platform {facility_in.platform_id} in county {facility_in.county}",
                code="unknown_platform",
                fields=[FieldError("platform_id", "not a platform of this county")],
            )
        if facility_in.kind is not FacilityKind.EMERGENCY_BROADCAST:
            raise InvalidInput(
                "only emergency-broadcast terminals report to a management platform",
                code="platform_for_terminals",
                fields=[FieldError("platform_id", "only for emergency_broadcast")],
            )
    if facility_in.outlet_id:
        outlet = await session.get(Outlet, facility_in.outlet_id)
        if outlet is None or outlet.county != facility_in.county:
            raise InvalidInput(
                f"no outlet {facility_in.outlet_id} in county {facility_in.county}",
                code="unknown_outlet",
                fields=[FieldError("outlet_id", "not an outlet of this county")],
            )
    taken = await session.scalar(
        select(Facility.asset_id).where(
            Facility.county == facility_in.county, Facility.code == facility_in.code
        )
    )
    if taken:
        raise AlreadyExists(f"asset code {facility_in.code} is registered already", code="facility_exists")
    now = utcnow()
    interval = facility_in.inspection_interval_days
    facility = Facility(
        asset_id="FA" + secrets.token_hex(10),
        county=facility_in.county,
        code=facility_in.code,
        kind=facility_in.kind.value,
        name=facility_in.name,
        lat=facility_in.lat,
        lng=facility_in.lng,
        township=facility_in.township,
        village=facility_in.village,
        platform_id=facility_in.platform_id or None,
        outlet_id=facility_in.outlet_id or None,
        inspection_interval_days=interval,
        next_inspection_due=now + dt.timedelta(days=interval) if interval else None,
        created_at=now,
    )
    session.add(facility)
    await session.flush()
    return facility


async def facility_in_scope(
    session: AsyncSession, principal: Principal, asset_id: str, roles: tuple[str, ...] = FACILITY_READERS
) -> Facility:
    require_roles(principal, *roles)
    facility = await session.get(Facility, asset_id)
    if facility is None:
        raise NotFound(f"no facility {asset_id}", code="unknown_facility")
    require_region(principal, facility.county)
    return facility


async def list_facilities(
    *, session: AsyncSession, principal: Principal, county: str, kind: str = ""
) -> list[Facility]:
    require_roles(principal, *FACILITY_READERS)
    get_county(county)
    require_region(principal, county)
    query = select(Facility).where(Facility.county == county)
    if kind:
        try:
            query = query.where(Facility.kind == FacilityKind(kind).value)
        except ValueError as error:
            raise InvalidInput(
                f"unknown kind {kind}", code="invalid_kind", fields=[FieldError("kind", "unknown kind")]
            ) from error
    return list((await session.scalars(query.order_by(Facility.kind, Facility.code))).all())


async def set_inspection_plan(
    *, session: AsyncSession, principal: Principal, asset_id: str, interval_days: int
) -> Facility:
    """The plan: inspect every `interval_days`; the next visit is due that long after the last (or from now)."""
    if not 1 <= interval_days <= 366:
        raise InvalidInput(
            "the interval is 1 to 366 days",
            code="invalid_interval",
            fields=[FieldError("interval_days", "between 1 and 366")],
        )
    facility = await facility_in_scope(session, principal, asset_id, ("county_admin", "platform_admin"))
    facility.inspection_interval_days = interval_days
    facility.next_inspection_due = (facility.last_inspected_at or utcnow()) + dt.timedelta(days=interval_days)
    return facility


async def _take_evidence(
    session: AsyncSession, principal: Principal, ids: list[str], inspection_id: str, county: str
) -> None:
    """Evidence uploaded through the repair upload, by this inspector, not yet used for a ticket or inspection."""
    for evidence_id in ids:
        evidence = await session.get(Evidence, evidence_id)
        if evidence is None or evidence.uploaded_by != principal.sub:
            raise InvalidInput(
                f"unknown evidence {evidence_id}",
                code="unknown_evidence",
                fields=[FieldError("evidence", f"{evidence_id} is not an upload of yours")],
            )
        if evidence.ticket_no or evidence.stage:
            raise InvalidInput(
                f"evidence {evidence_id} is used elsewhere",
                code="evidence_taken",
                fields=[FieldError("evidence", f"{evidence_id} is attached elsewhere")],
            )
        evidence.stage = "inspection"
        session.add(InspectionEvidence(evidence_id=evidence_id, inspection_id=inspection_id, county=county))


async def record_inspection(
    *, session: AsyncSession, principal: Principal, asset_id: str, inspection_in: InspectionIn
) -> Inspection:
    facility = await facility_in_scope(session, principal, asset_id, INSPECTORS)
    inspection_id = "IN" + secrets.token_hex(10)
    await _take_evidence(session, principal, inspection_in.evidence, inspection_id, facility.county)
    now = utcnow()
    inspection = Inspection(
        inspection_id=inspection_id,
        asset_id=facility.asset_id,
        county=facility.county,
        at=now,
        inspector=principal.sub,
        result=inspection_in.result.value,
        note=inspection_in.note,
        evidence_ids=list(inspection_in.evidence),
        on_time=facility.next_inspection_due is None or now <= facility.next_inspection_due,
    )
    session.add(inspection)
    facility.last_inspected_at = now
    if facility.inspection_interval_days:
        facility.next_inspection_due = now + dt.timedelta(days=facility.inspection_interval_days)
    return inspection


async def check_inspection_evidence(session: AsyncSession, principal: Principal, evidence_id: str) -> None:
    """An inspection's photo or video is for the staff who may read the facility (in its county)."""
    require_roles(principal, *FACILITY_READERS)
    link = await session.get(InspectionEvidence, evidence_id)
    if link is None:
        raise NotFound("no such evidence", code="unknown_evidence")
    require_region(principal, link.county)


async def list_inspections(*, session: AsyncSession, principal: Principal, asset_id: str) -> list[Inspection]:
    facility = await facility_in_scope(session, principal, asset_id)
    return list(
        (
            await session.scalars(
                select(Inspection)
                .where(Inspection.asset_id == facility.asset_id)
                .order_by(Inspection.at.desc())
                .limit(100)
            )
        ).all()
    )


async def list_overdue_inspections(
    *, session: AsyncSession, principal: Principal, county: str
) -> list[Facility]:
    """The county's assets whose next planned inspection is past, the longest overdue first."""
    require_roles(principal, *FACILITY_READERS)
    get_county(county)
    require_region(principal, county)
    return list(
        (
            await session.scalars(
                select(Facility)
                .where(Facility.county == county, Facility.next_inspection_due < utcnow())
                .order_by(Facility.next_inspection_due)
            )
        ).all()
    )
