"""The catalogue of service items (政务服务事项): kept by department staff in their region, every change recorded."""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from services.intake.models import ItemChange, ServiceItem
from services.intake.schemas import ServiceItemIn
from services.kernel import regions
from services.kernel.auth import Principal, require_roles
from services.kernel.db import utcnow
from services.kernel.errors import AlreadyExists, FieldError, Forbidden, InvalidInput, NotFound, WrongState

CATALOGUE_ROLES = ("department_staff", "platform_admin")
ITEM_FIELDS = (
    "name",
    "department",
    "regions",
    "category",
    "mode",
    "promised_days",
    "statutory_days",
    "mobile",
    "needs_visit",
    "form_schema",
    "materials",
    "special_procedures",
    "result_license_type",
)
# action → (allowed from, status after)
ITEM_ACTIONS: dict[str, tuple[tuple[str, ...], str]] = {
    "publish": (("draft", "suspended"), "published"),
    "adjust": (("draft", "published", "suspended"), ""),
    "suspend": (("published",), "suspended"),
    "cancel": (("draft", "published", "suspended"), "cancelled"),
}
ACTION_NAMES = {"publish": "发布", "adjust": "调整", "suspend": "暂停", "cancel": "取消", "create": "新增"}


def parse_item(data: dict[str, Any]) -> ServiceItemIn:
    try:
        return ServiceItemIn.model_validate(data)
    except ValidationError as error:
        fields = [
            FieldError(".".join(str(p) for p in e.get("loc", ())) or "item", str(e.get("msg", "")))
            for e in error.errors()
        ]
        raise InvalidInput(
            "事项信息有误：" + "；".join(f"{f.field} {f.message}" for f in fields),
            code="invalid_item",
            fields=fields,
        ) from error


def department_of(principal: Principal) -> str:
    return str(principal.claims.get("department") or "")


def offered_in(item: ServiceItem, county: str) -> bool:
    """Whether the item is offered to someone in `county` (one of its regions contains the county)."""
    return any(regions.region_contains(r, county) for r in item.regions or [item.region])


def require_item_keeper(principal: Principal, department: str, item_regions: list[str]) -> None:
    """Department staff of the item's department whose region covers every region of the item (or a platform
    admin)."""
    require_roles(principal, *CATALOGUE_ROLES)
    if "platform_admin" in principal.roles:
        return
    if department_of(principal) != department:
        raise Forbidden(f"您不属于{department}，不能维护该事项", code="department_forbidden")
    scope = str(principal.region or "")
    if not scope or not all(regions.region_contains(scope, r) for r in item_regions):
        raise Forbidden("事项的实施区域超出您的管辖范围", code="region_forbidden")


def snapshot(item: ServiceItem) -> dict[str, Any]:
    return {f: getattr(item, f) for f in ITEM_FIELDS}


async def get_all_service_items(
    *,
    session: AsyncSession,
    principal: Principal,
    region: str = "",
    category: str = "",
    q: str = "",
    mobile: bool | None = None,
    include_unpublished: bool = False,
) -> list[ServiceItem]:
    """Items offered to someone in `region` (province-wide ones and those of its prefecture and county), by code.

    Unpublished items (drafts, suspended, cancelled) only for staff of their department who ask for them."""
    if region and not regions.is_valid_scope(region):
        raise InvalidInput(
            f"{region} 不是云南省的行政区划",
            code="unknown_region",
            fields=[FieldError("region", "未知的行政区划代码")],
        )
    query = select(ServiceItem).order_by(ServiceItem.code)
    if category:
        query = query.where(ServiceItem.category == category)
    if mobile is not None:
        query = query.where(ServiceItem.mobile.is_(mobile))
    department = department_of(principal) if include_unpublished and principal.roles else ""
    items = []
    needle = q.strip().lower()
    for item in (await session.scalars(query)).all():
        if item.status != "published" and not (
            "platform_admin" in principal.roles or (department and item.department == department)
        ):
            continue
        if region and not any(
            regions.region_contains(r, region) or regions.region_contains(region, r) for r in item.regions
        ):
            continue
        if (
            needle
            and needle not in item.name.lower()
            and needle not in item.department.lower()
            and (needle not in item.code.lower())
        ):
            continue
        items.append(item)
    return items


async def get_service_item(
    *, session: AsyncSession, code: str, principal: Principal | None = None
) -> ServiceItem:
    item = await session.get(ServiceItem, code)
    if item is None or (
        item.status == "draft"
        and not (
            principal and ("platform_admin" in principal.roles or department_of(principal) == item.department)
        )
    ):
        raise NotFound(f"没有编码为 {code} 的事项", code="unknown_service_item")
    return item


def _record(
    session: AsyncSession,
    item: ServiceItem,
    action: str,
    actor: str,
    reason: str,
    changed: list[str],
    before: dict[str, Any],
) -> None:
    session.add(
        ItemChange(
            code=item.code,
            action=action,
            actor=actor,
            reason=reason,
            changed_fields=changed,
            before=before,
            at=utcnow(),
        )
    )


def _apply(item: ServiceItem, item_in: ServiceItemIn) -> list[str]:
    new = item_in.model_dump(mode="json")
    changed = []
    for name in ITEM_FIELDS:
        if getattr(item, name, None) != new[name]:
            setattr(item, name, new[name])
            changed.append(name)
    item.region = item_in.regions[0]
    return changed


async def create_service_item(
    *, session: AsyncSession, principal: Principal, item_in: ServiceItemIn
) -> ServiceItem:
    """新增 (and 发布 when `publish`): department staff add an item of their department inside their region."""
    require_item_keeper(principal, item_in.department, item_in.regions)
    if await session.get(ServiceItem, item_in.code) is not None:
        raise AlreadyExists(f"事项编码 {item_in.code} 已存在", code="item_exists")
    item = ServiceItem(
        code=item_in.code, status="published" if item_in.publish else "draft", revision=1, updated_at=utcnow()
    )
    changed = _apply(item, item_in)
    session.add(item)
    actor = principal.sub
    _record(session, item, "create", actor, "", changed, {})
    if item_in.publish:
        _record(session, item, "publish", actor, "", [], {})
    await session.flush()
    return item


async def change_service_item(
    *,
    session: AsyncSession,
    principal: Principal,
    code: str,
    action: str,
    reason: str = "",
    item_in: ServiceItemIn | None = None,
) -> ServiceItem:
    """发布 · 调整 · 暂停 · 取消. Suspending and cancelling need a reason; a cancelled item is final."""
    if action not in ITEM_ACTIONS:
        raise InvalidInput(f"未知的操作 {action}", code="unknown_action")
    item = await session.get(ServiceItem, code)
    if item is None:
        raise NotFound(f"没有编码为 {code} 的事项", code="unknown_service_item")
    require_item_keeper(principal, item.department, list(item.regions))
    allowed, after = ITEM_ACTIONS[action]
    if item.status not in allowed:
        raise WrongState(f"事项当前为{item.status}，不能{ACTION_NAMES[action]}", code="item_wrong_state")
    if action in ("suspend", "cancel") and not reason.strip():
        raise InvalidInput(
            f"{ACTION_NAMES[action]}事项须说明理由",
            code="reason_required",
            fields=[FieldError("reason", "必填")],
        )
    before = snapshot(item)
    changed: list[str] = []
    if action == "adjust":
        if item_in is None:
            raise InvalidInput("调整须给出事项的新内容", code="invalid_item")
        if item_in.department != item.department:
            raise InvalidInput(
                "调整不能改变实施部门", code="invalid_item", fields=[FieldError("department", "不能改变")]
            )
        require_item_keeper(principal, item_in.department, item_in.regions)
        changed = _apply(item, item_in)
    else:
        item.status = after
    item.revision += 1
    item.updated_at = utcnow()
    _record(session, item, action, principal.sub, reason.strip(), changed, before if changed else {})
    await session.flush()
    return item


async def get_item_changes(*, session: AsyncSession, code: str) -> list[ItemChange]:
    query = select(ItemChange).where(ItemChange.code == code).order_by(ItemChange.id)
    return list((await session.scalars(query)).all())
