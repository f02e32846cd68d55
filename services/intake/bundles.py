"""一件事一次办: a bundle of items applied for with one form and one set of materials, split into the items'
cases, and concluded as one result when every case is."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field, ValidationError
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from services.intake import applications as apps
from services.intake.catalogue import require_item_keeper
from services.intake.idempotency import body_hash, claim_key
from services.intake.models import Application, Bundle, BundleApplication, ServiceItem
from services.intake.schemas import LicenseFact
from services.kernel import regions
from services.kernel.auth import Principal
from services.kernel.db import utcnow
from services.kernel.errors import AlreadyExists, FieldError, InvalidInput, NotFound
from services.kernel.events import Outbox


class BundleIn(BaseModel):
    bundle_code: str = Field(min_length=2, max_length=40, pattern=r"^[A-Z0-9][A-Z0-9-]*$")
    name: str = Field(min_length=2, max_length=200)
    item_codes: list[str] = Field(min_length=2, max_length=20)
    regions: list[str] = Field(min_length=1)
    department: str = Field(min_length=2, max_length=100)


async def create_bundle(*, session: AsyncSession, principal: Principal, data: dict[str, Any]) -> Bundle:
    try:
        bundle_in = BundleIn.model_validate(data)
    except ValidationError as error:
        raise InvalidInput(
            "“一件事”信息有误",
            code="invalid_bundle",
            fields=[FieldError(".".join(str(p) for p in e["loc"]), str(e["msg"])) for e in error.errors()],
        ) from error
    for region in bundle_in.regions:
        if not regions.is_valid_scope(region):
            raise InvalidInput(f"{region} 不是云南省的行政区划", code="unknown_region")
    require_item_keeper(principal, bundle_in.department, bundle_in.regions)
    for code in bundle_in.item_codes:
        if await session.get(ServiceItem, code) is None:
            raise InvalidInput(
                f"没有编码为 {code} 的事项",
                code="unknown_service_item",
                fields=[FieldError("item_codes", code)],
            )
    if await session.get(Bundle, bundle_in.bundle_code) is not None:
        raise AlreadyExists(f"“一件事”{bundle_in.bundle_code} 已存在", code="bundle_exists")
    bundle = Bundle(**bundle_in.model_dump())
    session.add(bundle)
    await session.flush()
    return bundle


async def get_bundles(*, session: AsyncSession, region: str = "") -> list[Bundle]:
    rows = (await session.scalars(select(Bundle).order_by(Bundle.bundle_code))).all()
    return [b for b in rows if not region or any(regions.region_contains(r, region) for r in b.regions)]


async def get_bundle(*, session: AsyncSession, code: str) -> Bundle:
    bundle = await session.get(Bundle, code)
    if bundle is None:
        raise NotFound(f"没有编码为 {code} 的“一件事”", code="unknown_bundle")
    return bundle


def split(item: ServiceItem, form: dict[str, Any], materials: list[dict[str, str]]) -> tuple[dict, list]:
    """The part of the one form and the one set of materials that an item's case needs."""
    wanted = set(item.form_schema.get("properties") or {})
    item_form = {k: v for k, v in form.items() if k in wanted}
    ids = {m["material_id"] for m in item.materials}
    return item_form, [m for m in materials if m["material_id"] in ids]


def request_hash(bundle_code: str, region: str, form: dict[str, Any], materials: list[dict[str, str]]) -> str:
    return body_hash("bundle", bundle_code, region, form, materials)


async def submit_bundle(
    *,
    session: AsyncSession,
    outbox: Outbox,
    principal: Principal,
    bundle: Bundle,
    region: str,
    form: dict[str, Any],
    materials: list[dict[str, str]],
    numbers: list[str],
    bundle_no: str,
    facts: list[LicenseFact],
    idempotency_key: str = "",
    digest: str = "",
) -> BundleApplication:
    """One application per item of the bundle, all or none (one transaction).

    With an `Idempotency-Key` the key is claimed before anything is written; a repeat answers with the first
    bundle application (`digest` is `request_hash` of the request)."""
    claim = None
    if idempotency_key:
        claim, replay = await claim_key(session, principal, idempotency_key, digest)
        if replay:
            first = await session.get(BundleApplication, replay)
            assert first is not None
            return first
    if not any(regions.region_contains(r, region) for r in bundle.regions):
        raise InvalidInput(
            f"“{bundle.name}”不在该地区办理",
            code="item_not_offered",
            fields=[FieldError("region", "该地区不办理")],
        )
    record = BundleApplication(
        bundle_no=bundle_no,
        bundle_code=bundle.bundle_code,
        name=bundle.name,
        applicant_id=principal.sub,
        agent_id=principal.actor or "",
        created_at=utcnow(),
    )
    session.add(record)
    if claim is not None:
        claim.result = bundle_no
    for code, number in zip(bundle.item_codes, numbers, strict=True):
        item = await apps.get_offered_item(session=session, code=code, county=region)
        item_form, item_materials = split(item, form, materials)
        await apps.submit_application(
            session=session,
            outbox=outbox,
            principal=principal,
            submission=apps.Submission(
                item_code=code, region=region, form=item_form, materials=item_materials
            ),
            number=number,
            facts=facts,
            bundle_no=bundle_no,
        )
    await session.flush()
    return record


async def get_bundle_application(
    *, session: AsyncSession, principal: Principal, bundle_no: str
) -> tuple[BundleApplication, list[Application]]:
    record = await session.get(BundleApplication, bundle_no)
    if record is None:
        raise NotFound(f"没有编号为 {bundle_no} 的“一件事”申请", code="unknown_bundle_application")
    cases = list(
        (
            await session.scalars(
                select(Application)
                .where(Application.bundle_no == bundle_no)
                .order_by(Application.application_no)
            )
        ).all()
    )
    for case in cases:
        apps.require_reader(principal, case)
    if cases and all(c.status in ("concluded", "refused") for c in cases):
        record.status = "concluded"
        record.outcome = "approved" if all(c.outcome == "approved" for c in cases) else "denied"
    return record, cases
