"""Served cases (办件) and the invitations of the people served; service windows and their review QR.

A case comes from an event (a repair ticket resolved, an application concluded), from window staff recording a
visit, or from the gateway recording a mini-app use. Each invites the person served once, in the user space and by
SMS (the gateway texts the event's `notice`), to review within BST_REVIEW_DAYS."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from services.kernel import regions
from services.kernel.auth import Principal, in_region, require_roles, require_signed_in
from services.kernel.errors import FieldError, Forbidden, InvalidInput, NotFound
from services.reviews import clock, indicators
from services.reviews.context import ReviewsContext, new_id
from services.reviews.models import Invitation, ServedCase, ServiceWindow


@dataclass
class CaseIn:
    case_type: str
    case_id: str
    title: str
    account_id: str
    region: str
    unit_kind: str
    unit: str
    agent_id: str | None = None
    served_by: str | None = None
    department: str = ""
    item_code: str = ""
    outlet_id: str = ""
    app_id: str = ""


async def get_case(session: AsyncSession, case_type: str, case_id: str) -> ServedCase | None:
    return (
        await session.scalars(
            select(ServedCase).where(ServedCase.case_type == case_type, ServedCase.case_id == case_id)
        )
    ).one_or_none()


async def open_case(
    *, session: AsyncSession, ctx: ReviewsContext, case_in: CaseIn, now: dt.datetime | None = None
) -> tuple[ServedCase, Invitation | None]:
    """Record a served case and invite its person (一事一评: a case already known is left as it is)."""
    existing = await get_case(session, case_in.case_type, case_in.case_id)
    if existing is not None:
        return existing, None
    now = now or clock.now()
    if not regions.is_valid_scope(case_in.region) or len(case_in.region) != 6:
        raise InvalidInput(f"{case_in.region!r} 不是云南的县级行政区划代码", code="unknown_region")
    case = ServedCase(
        case_type=case_in.case_type,
        case_id=case_in.case_id,
        title=case_in.title[:200],
        account_id=case_in.account_id,
        agent_id=case_in.agent_id or None,
        served_by=case_in.served_by or None,
        region=case_in.region,
        department=case_in.department,
        item_code=case_in.item_code,
        outlet_id=case_in.outlet_id,
        app_id=case_in.app_id,
        unit_kind=case_in.unit_kind,
        unit=case_in.unit,
        served_at=now,
        day=clock.china_day(now),
        review_due_at=now + dt.timedelta(days=ctx.review_days),
    )
    try:
        async with session.begin_nested():
            session.add(case)
    except IntegrityError:  # the same case recorded at the same moment by another replica
        found = await get_case(session, case_in.case_type, case_in.case_id)
        assert found is not None
        return found, None
    await indicators.apply(session, indicators.case_contribution(case))
    invitation = invite(session=session, ctx=ctx, case=case, kind="first", due_at=case.review_due_at, now=now)
    return case, invitation


def invite(
    *,
    session: AsyncSession,
    ctx: ReviewsContext,
    case: ServedCase,
    kind: str,
    due_at: dt.datetime,
    now: dt.datetime,
) -> Invitation:
    invitation = Invitation(
        id=new_id("IV"), case_pk=case.id, account_id=case.account_id, kind=kind, due_at=due_at, created_at=now
    )
    session.add(invitation)
    deadline = due_at.astimezone(clock.CHINA).strftime("%Y年%m月%d日")
    if kind == "first":
        notice = (
            f"您的{case.title}已办理完毕，请在{deadline}前对服务作出评价"
            "（非常满意至非常不满意五级），您的评价将督促改进。"
        )
    else:
        notice = f"您对{case.title}的差评已整改，欢迎在{deadline}前追加评价一次。"
    ctx.publish(
        session,
        event_type="reviews.invitation.created",
        aggregate_id=invitation.id,
        payload={
            "invitation_id": invitation.id,
            "case_type": case.case_type,
            "case_id": case.case_id,
            "account_id": case.account_id,
            "kind": kind,
            "due_at": clock.rfc3339(due_at),
            "notify_account_ids": [case.account_id],
            "notice": notice,
        },
    )
    return invitation


async def get_my_invitations(
    *, session: AsyncSession, principal: Principal
) -> list[tuple[Invitation, ServedCase]]:
    """The caller's open invitations whose deadline has not passed, the nearest deadline first."""
    require_signed_in(principal)
    rows = await session.execute(
        select(Invitation, ServedCase)
        .join(ServedCase, ServedCase.id == Invitation.case_pk)
        .where(
            Invitation.account_id == principal.sub,
            Invitation.status == "open",
            Invitation.due_at >= clock.now(),
        )
        .order_by(Invitation.due_at)
        .limit(200)
    )
    return [(inv, case) for inv, case in rows.all()]


# -- windows, window visits and mini-app uses -------------------------------------------------------------------


def _require_window_manager(principal: Principal, department: str, region: str) -> None:
    require_roles(principal, "department_staff", "county_admin", "platform_admin")
    if "platform_admin" in principal.roles:
        return
    if not in_region(principal, region):
        raise Forbidden(f"{region} 不在您的管辖范围内", code="region_forbidden")
    if "county_admin" not in principal.roles and principal.claims.get("department") != department:
        raise Forbidden("只能为本部门设置窗口", code="department_forbidden")


async def create_window(
    *, session: AsyncSession, principal: Principal, name: str, department: str, region: str
) -> ServiceWindow:
    if not name.strip() or not department.strip():
        raise InvalidInput(
            "窗口名称和所属部门不能为空",
            code="invalid_input",
            fields=[FieldError("name" if not name.strip() else "department", "必填")],
        )
    if len(region) != 6 or not regions.is_valid_scope(region):
        raise InvalidInput(f"{region!r} 不是云南的县级行政区划代码", code="unknown_region")
    _require_window_manager(principal, department, region)
    window = ServiceWindow(
        id=new_id("W"),
        name=name.strip()[:100],
        department=department.strip()[:100],
        region=region,
        created_by=principal.sub,
        created_at=clock.now(),
    )
    session.add(window)
    return window


async def get_window(session: AsyncSession, window_id: str) -> ServiceWindow:
    window = await session.get(ServiceWindow, window_id)
    if window is None:
        raise NotFound("没有这个服务窗口", code="window_not_found")
    return window


async def record_window_visit(
    *,
    session: AsyncSession,
    ctx: ReviewsContext,
    principal: Principal,
    window_id: str,
    account_id: str,
    item_code: str = "",
    item_name: str = "",
) -> tuple[ServedCase, Invitation | None]:
    """Window staff record a visit (一次一评: each visit is its own case) and the person served is invited."""
    require_roles(principal, "window_staff")
    window = await get_window(session, window_id)
    if not in_region(principal, window.region):
        raise Forbidden("这个窗口不在您的管辖范围内", code="region_forbidden")
    if not account_id:
        raise InvalidInput("请给出办事人", code="invalid_input", fields=[FieldError("phone", "必填")])
    if account_id == principal.sub:
        raise Forbidden("窗口人员不能为自己登记办事记录", code="own_case")
    title = f"{window.department}{window.name}窗口业务" + (f"（{item_name}）" if item_name else "")
    return await open_case(
        session=session,
        ctx=ctx,
        case_in=CaseIn(
            case_type="window_visit",
            case_id=new_id("WV"),
            title=title,
            account_id=account_id,
            served_by=principal.sub,
            region=window.region,
            department=window.department,
            item_code=item_code,
            unit_kind="department",
            unit=window.department,
        ),
    )


async def record_mini_app_use(
    *,
    session: AsyncSession,
    ctx: ReviewsContext,
    principal: Principal,
    app_id: str,
    app_name: str,
    department: str,
    region: str = "",
) -> tuple[ServedCase, Invitation | None]:
    """A citizen used a listed mini-app (the gateway checked it is listed): one case per person, app and day."""
    require_signed_in(principal)
    if principal.actor is not None or principal.kind != "citizen":
        raise Forbidden("只记录居民本人对移动应用的使用", code="citizens_only")
    if not app_id:
        raise InvalidInput("缺少应用标识", code="invalid_input", fields=[FieldError("app_id", "必填")])
    day = clock.china_day(clock.now())
    return await open_case(
        session=session,
        ctx=ctx,
        case_in=CaseIn(
            case_type="mini_app",
            case_id=f"{app_id}:{principal.sub}:{day}"[:64],
            title=f"移动应用“{app_name or app_id}”的服务",
            account_id=principal.sub,
            region=region if len(region) == 6 and regions.is_valid_scope(region) else "530000",
            department=department,
            app_id=app_id,
            unit_kind="mini_app",
            unit=app_id,
        ),
    )
