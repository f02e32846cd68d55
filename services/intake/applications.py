"""Applications (申请): submission with prefill and 双免, acceptance within the mode's working days, 补齐补正,
不予受理, 容缺受理, 告知承诺, special procedures pausing the completion clock, conclusion; the timeline of all."""

from __future__ import annotations

import base64
import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import and_, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from services.intake.catalogue import department_of, offered_in
from services.intake.forms import check_materials, form_errors, prefill
from services.intake.idempotency import body_hash, claim_key
from services.intake.models import Application, IdempotencyKey, ServiceItem, TimelineEntry
from services.intake.schemas import ACCEPTANCE_DAYS, LicenseFact
from services.kernel import regions
from services.kernel.auth import Principal, require_signed_in
from services.kernel.db import utcnow
from services.kernel.errors import FieldError, Forbidden, InvalidInput, NotFound, WrongState
from services.kernel.events import Outbox
from services.kernel.workdays import CHINA, add_working_days

STATUS_NAMES = {
    "submitted": "已提交",
    "accepted": "已受理",
    "correction_requested": "待补齐补正",
    "refused": "不予受理",
    "concluded": "已办结",
}
OPEN_STATUSES = ("submitted", "accepted", "correction_requested")
FAR_FUTURE = dt.date(9999, 12, 31)
SOON_WORKING_DAYS = 1


@dataclass(frozen=True, slots=True)
class Submission:
    item_code: str
    region: str
    form: dict[str, Any]
    materials: list[dict[str, str]]
    channel: str = ""
    applicant_id: str = ""


def china_date(moment: dt.datetime) -> dt.date:
    return moment.astimezone(CHINA).date()


def due_text(day: dt.date | None) -> str:
    """A deadline is the end of its working day in China time."""
    return dt.datetime.combine(day, dt.time(23, 59, 59), CHINA).isoformat() if day else ""


def rfc3339(moment: dt.datetime | None) -> str:
    return moment.astimezone(CHINA).isoformat(timespec="seconds") if moment else ""


# -- who ---------------------------------------------------------------------------------------------------------


def _applicant_of(principal: Principal, submission: Submission) -> tuple[str, str, str]:
    """(applicant, agent, channel) of a submission."""
    require_signed_in(principal)
    if principal.actor is not None:
        if principal.region and not regions.region_contains(str(principal.region), submission.region):
            raise Forbidden("代办员只能在本人服务区域内为居民申办", code="region_forbidden")
        return principal.sub, principal.actor, "agent"
    if "window_staff" in principal.roles:
        if not submission.applicant_id:
            raise InvalidInput(
                "窗口代为申请须填写申请人",
                code="applicant_required",
                fields=[FieldError("applicant_id", "必填")],
            )
        if not principal.region or not regions.region_contains(str(principal.region), submission.region):
            raise Forbidden("该办理地区不在您的窗口辖区内", code="region_forbidden")
        return submission.applicant_id, "", "window"
    if principal.kind in ("citizen", "legal_person") and not principal.roles:
        channel = submission.channel if submission.channel in ("online", "mobile") else "online"
        return principal.sub, "", channel
    raise Forbidden("群众、法人、代办员或窗口工作人员方可提交申请", code="role_required")


def require_case_staff(principal: Principal, application: Application) -> None:
    """Department staff of the application's department whose region covers its county."""
    require_signed_in(principal)
    if principal.actor is not None or "department_staff" not in principal.roles:
        raise Forbidden("仅受理部门工作人员可办理", code="role_required")
    if department_of(principal) != application.department:
        raise Forbidden(f"该申请由{application.department}办理，您无权处理", code="department_forbidden")
    if not principal.region or not regions.region_contains(str(principal.region), application.region):
        raise Forbidden("该申请不在您的管辖区域内", code="region_forbidden")


def is_own(principal: Principal, application: Application) -> bool:
    """The applicant in their own name, or the agent who filed it for them with the resident's delegation."""
    if principal.actor is not None:
        return principal.sub == application.applicant_id and principal.actor == application.agent_id
    return principal.sub == application.applicant_id and not principal.roles


def require_reader(principal: Principal, application: Application) -> None:
    require_signed_in(principal)
    if is_own(principal, application):
        return
    if (
        principal.actor is None
        and "window_staff" in principal.roles
        and principal.region
        and (regions.region_contains(str(principal.region), application.region))
    ):
        return
    if principal.actor is None and "department_staff" in principal.roles:
        require_case_staff(principal, application)
        return
    raise NotFound(f"没有编号为 {application.application_no} 的申请", code="unknown_application")


# -- deadlines ---------------------------------------------------------------------------------------------------


def _set_next_due(application: Application) -> None:
    """The deadline that runs now: the acceptance opinion, a special procedure, 容缺 material, or completion."""
    due: dt.date | None = None
    kind = ""
    if application.status == "submitted":
        due, kind = application.acceptance_due, "acceptance"
    elif application.status == "accepted":
        if application.procedure:
            due, kind = application.procedure_until, "procedure"
        else:
            due, kind = application.completion_due, "completion"
            if application.deficiency_due and application.deficiency_due < (due or FAR_FUTURE):
                due, kind = application.deficiency_due, "deficiency"
    application.next_due, application.next_due_kind = due, kind


# -- submission --------------------------------------------------------------------------------------------------


def request_hash(submission: Submission) -> str:
    return body_hash(
        "application",
        submission.item_code,
        submission.region,
        submission.form,
        submission.materials,
        submission.channel,
        submission.applicant_id,
    )


async def get_offered_item(*, session: AsyncSession, code: str, county: str) -> ServiceItem:
    """The item, published and offered in `county` (a county adcode of Yunnan)."""
    place = regions.get(county)
    if place is None or len(regions.scope_prefix(county)) != 6:
        raise InvalidInput(
            f"{county} 不是云南省的县级行政区划代码",
            code="unknown_region",
            fields=[FieldError("region", "须为县（市、区）行政区划代码")],
        )
    item = await session.get(ServiceItem, code)
    if item is None or item.status == "draft":
        raise NotFound(f"没有编码为 {code} 的事项", code="unknown_service_item")
    if item.status != "published":
        state = "已暂停办理" if item.status == "suspended" else "已取消"
        raise WrongState(f"事项“{item.name}”{state}，暂不能申请", code="item_not_available")
    if not offered_in(item, county):
        raise InvalidInput(
            f"事项“{item.name}”不在该地区办理",
            code="item_not_offered",
            fields=[FieldError("region", "该地区不办理此事项")],
        )
    return item


async def submit_application(
    *,
    session: AsyncSession,
    outbox: Outbox,
    principal: Principal,
    submission: Submission,
    number: str,
    facts: list[LicenseFact],
    idempotency_key: str = "",
    bundle_no: str = "",
) -> Application:
    """申请: validate, prefill and waive from e-licenses, number, and start the acceptance clock.

    An `instant` item is accepted on receipt with its receipt (受理凭证); the others wait for an opinion within
    1 (pre_review), 2 (online) or 3 (complex) working days, counted on the shared calendar in China time."""
    applicant, agent, channel = _applicant_of(principal, submission)
    claim: IdempotencyKey | None = None
    if idempotency_key:
        claim, replay = await claim_key(session, principal, idempotency_key, request_hash(submission))
        if replay:
            return await get_application(session=session, principal=principal, application_no=replay)
    item = await get_offered_item(session=session, code=submission.item_code, county=submission.region)
    form, filled = prefill(item, submission.form, facts)
    faults = form_errors(item.form_schema, form)
    if faults:
        raise InvalidInput(
            "表单填写有误：" + "；".join(f.message for f in faults), code="invalid_form", fields=faults
        )
    waived = check_materials(item, submission.materials, facts)
    now = utcnow()
    today = china_date(now)
    application = Application(
        application_no=number,
        item_code=item.code,
        item_name=item.name,
        department=item.department,
        region=submission.region,
        mode=item.mode,
        status="submitted",
        applicant_id=applicant,
        agent_id=agent,
        filed_by=principal.actor or principal.sub,
        channel=channel,
        form=form,
        materials=[m for m in submission.materials if m["material_id"] not in waived],
        prefilled=filled,
        waived=waived,
        missing=[],
        submitted_at=now,
        acceptance_due=add_working_days(today, ACCEPTANCE_DAYS[item.mode]),
        bundle_no=bundle_no,
    )
    session.add(application)
    if claim is not None:
        claim.result = number
    note = f"渠道 {channel}" + (f"；免提交 {'、'.join(waived)}" if waived else "")
    _timeline(session, application, "submitted", principal, note)
    _publish(session, outbox, application, "submitted", f"您的“{item.name}”申请已提交，申请编号{number}。")
    if item.mode == "instant":
        _accept(application, item, today, "instant")
        _timeline(session, application, "accepted", principal, "收件即受理")
        _publish(session, outbox, application, "accepted", _accepted_notice(application))
    _set_next_due(application)
    await session.flush()
    return application


def _accept(application: Application, item: ServiceItem, today: dt.date, kind: str) -> None:
    application.status = "accepted"
    application.accepted_at = utcnow()
    application.acceptance_kind = kind
    application.receipt_no = f"SL{application.application_no}"
    application.completion_due = add_working_days(today, item.promised_days)


def _accepted_notice(application: Application) -> str:
    return (
        f"您的“{application.item_name}”申请（{application.application_no}）已受理，受理凭证号"
        f"{application.receipt_no}，承诺于{application.completion_due}前办结。"
    )


# -- reading -----------------------------------------------------------------------------------------------------


async def get_application(*, session: AsyncSession, principal: Principal, application_no: str) -> Application:
    application = await session.get(Application, application_no)
    if application is None:
        raise NotFound(f"没有编号为 {application_no} 的申请", code="unknown_application")
    require_reader(principal, application)
    return application


async def get_timeline(session: AsyncSession, application_no: str) -> list[TimelineEntry]:
    query = (
        select(TimelineEntry).where(TimelineEntry.application_no == application_no).order_by(TimelineEntry.id)
    )
    return list((await session.scalars(query)).all())


def _cursor(application: Application) -> str:
    raw = f"{(application.next_due or FAR_FUTURE).isoformat()}|{application.application_no}"
    return base64.urlsafe_b64encode(raw.encode()).decode()


def _parse_cursor(cursor: str) -> tuple[dt.date, str]:
    try:
        due, number = base64.urlsafe_b64decode(cursor.encode()).decode().split("|", 1)
        return dt.date.fromisoformat(due), number
    except (ValueError, UnicodeDecodeError) as exc:
        raise InvalidInput(
            "翻页游标无效", code="invalid_cursor", fields=[FieldError("cursor", "无效")]
        ) from exc


async def get_all_applications(
    *,
    session: AsyncSession,
    principal: Principal,
    status: str = "",
    item_code: str = "",
    overdue: str = "",
    mine: bool = False,
    department: str = "",
    region: str = "",
    cursor: str = "",
    limit: int = 20,
) -> tuple[list[Application], str]:
    """A page, oldest deadline first: the caller's own (mine, or any citizen), or a department's worklist."""
    require_signed_in(principal)
    limit = max(1, min(limit or 20, 100))
    query = select(Application)
    if mine or not principal.roles or principal.actor is not None:
        query = query.where(Application.applicant_id == principal.sub)
        if principal.actor is not None:
            query = query.where(Application.agent_id == principal.actor)
    elif "department_staff" in principal.roles:
        own = department_of(principal)
        if department and department != own:
            raise Forbidden("只能查看本部门的申请", code="department_forbidden")
        scope = str(principal.region or "")
        if region and not (
            scope and regions.is_valid_scope(region) and regions.region_contains(scope, region)
        ):
            raise Forbidden("该地区不在您的管辖范围内", code="region_forbidden")
        query = query.where(Application.department == own)
        query = query.where(Application.region.startswith(regions.scope_prefix(region or scope)))
    elif "window_staff" in principal.roles and principal.region:
        query = query.where(
            Application.region.startswith(regions.scope_prefix(region or str(principal.region)))
        )
    else:
        raise Forbidden("无权查看申请列表", code="role_required")
    if status:
        query = query.where(Application.status == status)
    if item_code:
        query = query.where(Application.item_code == item_code)
    today = china_date(utcnow())
    if overdue == "true":
        query = query.where(Application.status.in_(OPEN_STATUSES), Application.next_due < today)
    elif overdue == "soon":
        horizon = add_working_days(today, SOON_WORKING_DAYS)
        query = query.where(
            Application.status.in_(OPEN_STATUSES),
            Application.next_due >= today,
            Application.next_due <= horizon,
        )
    due = func.coalesce(Application.next_due, FAR_FUTURE)
    if cursor:
        after_due, after_no = _parse_cursor(cursor)
        query = query.where(
            or_(due > after_due, and_(due == after_due, Application.application_no > after_no))
        )
    rows = list(
        (await session.scalars(query.order_by(due, Application.application_no).limit(limit + 1))).all()
    )
    next_cursor = _cursor(rows[limit - 1]) if len(rows) > limit else ""
    return rows[:limit], next_cursor


def is_overdue(application: Application, today: dt.date | None = None) -> bool:
    today = today or china_date(utcnow())
    return (
        application.status in OPEN_STATUSES
        and application.next_due is not None
        and (application.next_due < today)
    )


# -- events and the timeline --------------------------------------------------------------------------------------


def _timeline(
    session: AsyncSession, application: Application, action: str, principal: Principal, note: str
) -> None:
    session.add(
        TimelineEntry(
            application_no=application.application_no,
            action=action,
            actor=principal.actor or principal.sub,
            status=application.status,
            note=note,
            at=utcnow(),
        )
    )


def event_payload(application: Application) -> dict[str, Any]:
    return {
        "application_no": application.application_no,
        "item_code": application.item_code,
        "item_name": application.item_name,
        "department": application.department,
        "region": application.region,
        "applicant_id": application.applicant_id,
        "agent_id": application.agent_id,
        "channel": application.channel,
        "status": application.status,
    }


def _publish(
    session: AsyncSession,
    outbox: Outbox,
    application: Application,
    event: str,
    notice: str = "",
    **extra: Any,
) -> None:
    payload = event_payload(application) | extra
    if notice:
        payload["notice"] = notice
        payload["notify_account_ids"] = [a for a in (application.applicant_id, application.agent_id) if a]
    outbox.add(
        session,
        event_type=f"intake.application.{event}",
        aggregate_id=application.application_no,
        payload=payload,
    )
