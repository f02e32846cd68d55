"""差评整改 (rectification of a bad review) and 申诉复核 (appeal and re-check).

A review of level 1–2 opens a rectification case for the responsible unit, due 15 working days later on the shared
calendar (China time): open → verified (查实) | disputed → rectified → returned_visit (实名差评回访) → closed. A dispute
needs a reason and evidence and a supervisor's decision: upheld closes the case (the 差评 was not the unit's doing),
rejected sends it on as verified. The reviewer is told at every step; a case past due is escalated to the region's
supervisors by the timer. The reviewed unit may appeal a review it believes malicious or mistaken; an upheld appeal
excludes the review from the indicators, visibly and with the reason."""

from __future__ import annotations

import base64
import datetime as dt

from sqlalchemy import Select, select
from sqlalchemy.ext.asyncio import AsyncSession

from services.kernel import regions
from services.kernel.auth import Principal, require_signed_in
from services.kernel.errors import AlreadyExists, FieldError, Forbidden, InvalidInput, NotFound, WrongState
from services.kernel.workdays import add_working_days
from services.reviews import access, clock, indicators
from services.reviews.cases import invite
from services.reviews.context import ReviewsContext, new_id
from services.reviews.models import Appeal, Rectification, RectificationStep, Review, ServedCase
from services.reviews.schemas import AppealIn, RectificationActionIn

OPEN_STATUSES = ("open", "verified", "disputed")
# action → (statuses it may start from, who: "unit" | "supervisor" | "either")
ACTIONS: dict[str, tuple[tuple[str, ...], str]] = {
    "verify": (("open",), "either"),
    "dispute": (("open",), "unit"),
    "decide-dispute": (("disputed",), "supervisor"),
    "rectify": (("verified",), "unit"),
    "return-visit": (("rectified",), "either"),
    "close": (("returned_visit",), "either"),
}
STATUS_NAMES = {
    "open": "待查实",
    "verified": "已查实，整改中",
    "disputed": "责任单位有异议，待监督部门裁定",
    "rectified": "已整改",
    "returned_visit": "已回访",
    "closed": "已办结",
}


def _step(
    session: AsyncSession, rect: Rectification, action: str, actor: str, note: str, now: dt.datetime
) -> None:
    session.add(
        RectificationStep(
            rectification_id=rect.id, action=action, actor=actor, note=note, status=rect.status, at=now
        )
    )


def _tell(
    session: AsyncSession,
    ctx: ReviewsContext,
    rect: Rectification,
    case: ServedCase,
    event: str,
    notice: str,
    **extra: str,
) -> None:
    """Feedback to the reviewer (in the event's `notice`, texted by the gateway) at each step."""
    ctx.publish(
        session,
        event_type=f"reviews.rectification.{event}",
        aggregate_id=rect.id,
        payload={
            "rectification_id": rect.id,
            "review_id": rect.review_id,
            "case_type": case.case_type,
            "case_id": case.case_id,
            "unit": rect.unit,
            "region": rect.region,
            "status": rect.status,
            "due_at": clock.rfc3339(rect.due_at),
            "notify_account_ids": [rect.reviewer_id],
            "notice": notice,
            **extra,
        },
    )


async def open_rectification(
    *, session: AsyncSession, ctx: ReviewsContext, case: ServedCase, review: Review, now: dt.datetime
) -> Rectification:
    due = add_working_days(now.astimezone(clock.CHINA), ctx.rectify_working_days).astimezone(dt.UTC)
    rect = Rectification(
        id=new_id("RC"),
        review_id=review.id,
        case_pk=case.id,
        unit_kind=case.unit_kind,
        unit=case.unit,
        region=case.region,
        reviewer_id=review.reviewer_id,
        status="open",
        due_at=due,
        overdue=False,
        verified=False,
        dispute_evidence=[],
        created_at=now,
    )
    session.add(rect)
    _step(session, rect, "opened", "system", f"差评{review.level}级，转责任单位整改", now)
    deadline = due.astimezone(clock.CHINA).strftime("%Y年%m月%d日")
    _tell(
        session,
        ctx,
        rect,
        case,
        "opened",
        f"您对{case.title}的差评已转责任单位核实整改，整改期限至{deadline}，处理结果将告知您。",
    )
    return rect


async def _load(session: AsyncSession, rectification_id: str) -> tuple[Rectification, Review, ServedCase]:
    rect = await session.get(Rectification, rectification_id, with_for_update=True)
    if rect is None:
        raise NotFound("没有这个整改件", code="rectification_not_found")
    review = await session.get(Review, rect.review_id)
    case = await session.get(ServedCase, rect.case_pk)
    assert review is not None and case is not None
    return rect, review, case


def _is_unit(principal: Principal, case: ServedCase) -> bool:
    return access.is_unit_staff(
        principal, unit_kind=case.unit_kind, unit=case.unit, department=case.department, region=case.region
    )


def _require(principal: Principal, case: ServedCase, who: str) -> None:
    require_signed_in(principal)
    unit, supervisor = _is_unit(principal, case), access.is_supervisor(principal, case.region)
    allowed = {"unit": unit, "supervisor": supervisor, "either": unit or supervisor}[who]
    if not allowed:
        raise Forbidden(
            {
                "unit": "只有责任单位可以这样处理",
                "supervisor": "只有监督部门可以裁定",
                "either": "只有责任单位或监督部门可以处理",
            }[who],
            code="role_required",
        )


async def act(
    *,
    session: AsyncSession,
    ctx: ReviewsContext,
    principal: Principal,
    rectification_id: str,
    action_in: RectificationActionIn,
) -> Rectification:
    rect, review, case = await _load(session, rectification_id)
    starts, who = ACTIONS[action_in.action]
    county_closes = action_in.action == "close" and case.unit_kind == "outlet"
    if county_closes:
        # 八(四): a repair outlet's rectification is supervised by the county, which closes it with a note
        who = "supervisor"
    _require(principal, case, who)
    if rect.status not in starts:
        raise WrongState(
            f"整改件当前状态为“{STATUS_NAMES[rect.status]}”，不能执行此操作",
            code=f"rectification_{rect.status}",
        )
    now = clock.now()
    before = indicators.rectification_contribution(case, review, rect)
    actor = principal.sub
    action = action_in.action
    if action == "verify":
        rect.status, rect.verified = "verified", True
        _step(session, rect, "verified", actor, action_in.note, now)
        _tell(
            session,
            ctx,
            rect,
            case,
            "verified",
            f"您反映的问题经核实属实，责任单位正在整改（{case.title}）。",
        )
    elif action == "dispute":
        if not action_in.reason.strip() or not action_in.evidence:
            raise InvalidInput(
                "提出异议须写明理由并附上证据",
                code="evidence_required",
                fields=[FieldError("evidence" if action_in.reason.strip() else "reason", "必填")],
            )
        rect.status, rect.dispute_reason, rect.dispute_evidence = (
            "disputed",
            action_in.reason,
            list(action_in.evidence),
        )
        _step(session, rect, "disputed", actor, action_in.reason, now)
        _tell(
            session,
            ctx,
            rect,
            case,
            "disputed",
            f"责任单位对您的差评（{case.title}）提出异议，监督部门将作出裁定。",
        )
    elif action == "decide-dispute":
        if action_in.upheld is None or not action_in.reason.strip():
            raise InvalidInput(
                "裁定须写明是否支持异议及理由",
                code="invalid_input",
                fields=[FieldError("upheld" if action_in.upheld is None else "reason", "必填")],
            )
        if action_in.upheld:
            rect.status, rect.decision, rect.closed_at = "closed", "upheld", now
            _step(session, rect, "dispute_upheld", actor, action_in.reason, now)
            _tell(
                session,
                ctx,
                rect,
                case,
                "closed",
                f"经监督部门核查，您的差评（{case.title}）不属责任单位原因：{action_in.reason}",
            )
        else:
            rect.status, rect.decision, rect.verified = "verified", "rejected", True
            _step(session, rect, "dispute_rejected", actor, action_in.reason, now)
            _tell(
                session,
                ctx,
                rect,
                case,
                "verified",
                f"监督部门裁定您的差评（{case.title}）属实，责任单位须整改。",
            )
    elif action == "rectify":
        if not action_in.note.strip():
            raise InvalidInput("请写明整改情况", code="invalid_input", fields=[FieldError("note", "必填")])
        rect.status, rect.rectified_at, rect.rectify_note = "rectified", now, action_in.note
        _step(session, rect, "rectified", actor, action_in.note, now)
        _tell(
            session,
            ctx,
            rect,
            case,
            "rectified",
            f"针对您的差评（{case.title}），责任单位已整改：{action_in.note}",
        )
        invite(
            session=session,
            ctx=ctx,
            case=case,
            kind="follow_up",
            due_at=now + dt.timedelta(days=ctx.review_days),
            now=now,
        )
    elif action == "return-visit":
        if action_in.reached is None or (action_in.reached and action_in.satisfied is None):
            raise InvalidInput(
                "回访须写明是否联系上评价人及其是否满意",
                code="invalid_input",
                fields=[FieldError("reached" if action_in.reached is None else "satisfied", "必填")],
            )
        rect.status = "returned_visit"
        outcome = "未联系上" if not action_in.reached else ("满意" if action_in.satisfied else "不满意")
        _step(session, rect, "returned_visit", actor, f"回访{outcome}。{action_in.note}".strip(), now)
        _tell(
            session,
            ctx,
            rect,
            case,
            "returned_visit",
            f"责任单位已就您的差评（{case.title}）回访，结果：{outcome}。",
        )
    else:  # close
        if county_closes and not action_in.note.strip():
            raise InvalidInput(
                "县级监督部门办结维修网点的整改件须写明办结意见",
                code="note_required",
                fields=[FieldError("note", "必填")],
            )
        rect.status, rect.closed_at = "closed", now
        _step(session, rect, "closed", actor, action_in.note, now)
        _tell(session, ctx, rect, case, "closed", f"您的差评（{case.title}）整改件已办结，感谢您的监督。")
    await indicators.apply(
        session, indicators.difference(indicators.rectification_contribution(case, review, rect), before)
    )
    return rect


async def get_steps(
    session: AsyncSession, rectification_ids: list[str]
) -> dict[str, list[RectificationStep]]:
    if not rectification_ids:
        return {}
    steps = (
        await session.scalars(
            select(RectificationStep)
            .where(RectificationStep.rectification_id.in_(rectification_ids))
            .order_by(RectificationStep.id)
        )
    ).all()
    out: dict[str, list[RectificationStep]] = {}
    for step in steps:
        out.setdefault(step.rectification_id, []).append(step)
    return out


def _page_statement(limit: int, cursor: str) -> Select[tuple[Rectification, Review, ServedCase]]:
    statement = (
        select(Rectification, Review, ServedCase)
        .join(Review, Review.id == Rectification.review_id)
        .join(ServedCase, ServedCase.id == Rectification.case_pk)
        .order_by(Rectification.created_at.desc(), Rectification.id.desc())
        .limit(limit + 1)
    )
    if cursor:
        try:
            at, _, last = base64.urlsafe_b64decode(cursor.encode()).decode().partition("|")
            when = dt.datetime.fromisoformat(at)
        except ValueError as exc:
            raise InvalidInput("无效的翻页游标", code="invalid_cursor") from exc
        statement = statement.where(
            (Rectification.created_at < when)
            | ((Rectification.created_at == when) & (Rectification.id < last))
        )
    return statement


async def get_rectifications(
    *,
    session: AsyncSession,
    principal: Principal,
    status: str = "",
    overdue: bool | None = None,
    cursor: str = "",
    limit: int = 50,
) -> tuple[list[tuple[Rectification, Review, ServedCase]], str]:
    """The rectifications the caller handles: their unit's, or their region's for supervisors."""
    require_signed_in(principal)
    if principal.actor is not None or not principal.roles:
        raise Forbidden("只有责任单位和监督部门可以查看整改件", code="role_required")
    limit = max(1, min(limit or 50, 200))
    statement = _page_statement(limit, cursor)
    if status:
        if status not in STATUS_NAMES:
            raise InvalidInput(
                f"未知的状态 {status}", code="invalid_status", fields=[FieldError("status", "未知")]
            )
        statement = statement.where(Rectification.status == status)
    if overdue is not None:
        statement = statement.where(Rectification.overdue.is_(overdue))
    claims, roles = principal.claims, principal.roles
    if "platform_admin" not in roles:
        scopes = []
        region = str(principal.region or "")
        if "county_admin" in roles and regions.is_valid_scope(region):
            scopes.append(Rectification.region.startswith(regions.scope_prefix(region)))
        if "outlet_technician" in roles and claims.get("outlet"):
            scopes.append((Rectification.unit_kind == "outlet") & (Rectification.unit == claims["outlet"]))
        if roles & {"department_staff", "window_staff", "app_developer"} and claims.get("department"):
            scopes.append(ServedCase.department == claims["department"])
        if not scopes:
            raise Forbidden("只有责任单位和监督部门可以查看整改件", code="role_required")
        condition = scopes[0]
        for extra in scopes[1:]:
            condition = condition | extra
        statement = statement.where(condition)
    rows = [tuple(r) for r in (await session.execute(statement)).all()]
    page = [(r[0], r[1], r[2]) for r in rows[:limit]]
    next_cursor = ""
    if len(rows) > limit:
        last = page[-1][0]
        next_cursor = base64.urlsafe_b64encode(f"{last.created_at.isoformat()}|{last.id}".encode()).decode()
    return page, next_cursor


async def get_public_rectifications(
    *, session: AsyncSession, department: str = "", region: str = "", limit: int = 20
) -> list[tuple[Rectification, Review, ServedCase]]:
    statement = _page_statement(max(1, min(limit or 20, 100)), "")
    if department:
        statement = statement.where(ServedCase.department == department)
    if region:
        if not regions.is_valid_scope(region):
            raise InvalidInput(f"{region!r} 不是云南的行政区划", code="unknown_region")
        statement = statement.where(Rectification.region.startswith(regions.scope_prefix(region)))
    rows = (await session.execute(statement)).all()
    return [(r[0], r[1], r[2]) for r in rows[: max(1, min(limit or 20, 100))]]


async def sweep_overdue(*, session: AsyncSession, ctx: ReviewsContext, now: dt.datetime | None = None) -> int:
    """Escalate rectifications past due (not yet rectified) to the region's supervisors, once each."""
    now = now or clock.now()
    late = (
        await session.scalars(
            select(Rectification)
            .where(
                Rectification.status.in_(OPEN_STATUSES),
                Rectification.due_at < now,
                Rectification.overdue.is_(False),
            )
            .limit(100)
            .with_for_update(skip_locked=True)
        )
    ).all()
    for rect in late:
        case = await session.get(ServedCase, rect.case_pk)
        assert case is not None
        rect.overdue, rect.escalated_at = True, now
        _step(session, rect, "overdue", "system", f"超过整改期限，已提级至{rect.region}监督部门督办", now)
        _tell(
            session,
            ctx,
            rect,
            case,
            "overdue",
            f"您的差评（{case.title}）整改已超期，已提请监督部门督办。",
            escalate_notice=f"督办提醒：{rect.unit}对{case.title}差评的整改已超过期限（整改件{rect.id}），请督促办理。",
            escalate_to_region=rect.region,
        )
    return len(late)


# -- appeals (申诉复核) ------------------------------------------------------------------------------------------


async def appeal_review(
    *, session: AsyncSession, principal: Principal, review_id: str, appeal_in: AppealIn
) -> Appeal:
    require_signed_in(principal)
    review = await session.get(Review, review_id)
    if review is None:
        raise NotFound("没有这条评价", code="review_not_found")
    case = await session.get(ServedCase, review.case_pk)
    assert case is not None
    if not _is_unit(principal, case):
        raise Forbidden("只有被评价的单位可以申诉", code="role_required")
    if await session.scalar(select(Appeal.id).where(Appeal.review_id == review_id)) is not None:
        raise AlreadyExists("这条评价已申诉过", code="already_appealed")
    appeal = Appeal(
        id=new_id("AP"),
        review_id=review_id,
        unit=case.unit,
        region=case.region,
        appellant=principal.sub,
        reason=appeal_in.reason,
        evidence=list(appeal_in.evidence),
        status="pending",
        created_at=clock.now(),
    )
    session.add(appeal)
    return appeal


async def decide_appeal(
    *, session: AsyncSession, principal: Principal, appeal_id: str, upheld: bool, reason: str
) -> Appeal:
    appeal = await session.get(Appeal, appeal_id, with_for_update=True)
    if appeal is None:
        raise NotFound("没有这件申诉", code="appeal_not_found")
    if not access.is_supervisor(principal, appeal.region):
        raise Forbidden("只有监督部门可以复核申诉", code="role_required")
    if appeal.status != "pending":
        raise WrongState("这件申诉已复核", code=f"appeal_{appeal.status}")
    if not reason.strip():
        raise InvalidInput("复核须写明理由", code="invalid_input", fields=[FieldError("reason", "必填")])
    now = clock.now()
    appeal.status, appeal.decision_reason, appeal.decided_by, appeal.decided_at = (
        "upheld" if upheld else "rejected",
        reason,
        principal.sub,
        now,
    )
    if upheld:
        review = await session.get(Review, appeal.review_id, with_for_update=True)
        assert review is not None
        case = await session.get(ServedCase, review.case_pk)
        assert case is not None
        rect = (
            await session.scalars(select(Rectification).where(Rectification.review_id == review.id))
        ).one_or_none()
        before = indicators.review_contribution(case, review)
        rect_before = indicators.rectification_contribution(case, review, rect) if rect else {}
        review.excluded, review.excluded_reason = True, f"申诉复核成立：{reason}"
        after = indicators.review_contribution(case, review)
        rect_after = indicators.rectification_contribution(case, review, rect) if rect else {}
        await indicators.apply(session, indicators.difference(after, before))
        await indicators.apply(session, indicators.difference(rect_after, rect_before))
    return appeal


async def get_appeals(*, session: AsyncSession, principal: Principal, status: str = "") -> list[Appeal]:
    require_signed_in(principal)
    statement = select(Appeal).order_by(Appeal.created_at.desc()).limit(200)
    if status:
        statement = statement.where(Appeal.status == status)
    if "platform_admin" not in principal.roles:
        region = str(principal.region or "")
        if "county_admin" not in principal.roles or not regions.is_valid_scope(region) or principal.actor:
            raise Forbidden("只有监督部门可以查看申诉", code="role_required")
        statement = statement.where(Appeal.region.startswith(regions.scope_prefix(region)))
    return list((await session.scalars(statement)).all())
