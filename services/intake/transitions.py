"""What staff and applicants do to an application after submission; a wrong transition is 409."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from services.intake.applications import (
    OPEN_STATUSES,
    SOON_WORKING_DAYS,
    STATUS_NAMES,
    _accept,
    _accepted_notice,
    _publish,
    _set_next_due,
    _timeline,
    china_date,
    event_payload,
    get_application,
    is_own,
    require_case_staff,
    rfc3339,
)
from services.intake.catalogue import department_of
from services.intake.forms import check_materials, form_errors, prefill
from services.intake.models import Application, Notification, ServiceItem
from services.intake.schemas import ACCEPTANCE_DAYS, LicenseFact
from services.kernel import regions
from services.kernel.auth import Principal
from services.kernel.db import utcnow
from services.kernel.errors import FieldError, Forbidden, InvalidInput, NotFound, WrongState
from services.kernel.events import Outbox
from services.kernel.workdays import CHINA, add_working_days, working_days_between

# action → the statuses it may start from
ALLOWED_FROM = {
    "accept": ("submitted",),
    "accept_with_deficiency": ("submitted",),
    "accept_on_promise": ("submitted",),
    "request_correction": ("submitted",),
    "refuse": ("submitted", "correction_requested"),
    "start_procedure": ("accepted",),
    "end_procedure": ("accepted",),
    "supply_deficiency": ("accepted",),
    "verify_promise": ("accepted",),
    "conclude": ("accepted",),
}
ACTION_NAMES = {
    "accept": "受理",
    "accept_with_deficiency": "容缺受理",
    "accept_on_promise": "告知承诺受理",
    "request_correction": "补齐补正",
    "refuse": "不予受理",
    "start_procedure": "启动特别程序",
    "end_procedure": "结束特别程序",
    "supply_deficiency": "补交容缺材料",
    "verify_promise": "核查承诺",
    "conclude": "办结",
}


def _wrong(application: Application, action: str) -> WrongState:
    return WrongState(
        f"申请当前状态为“{STATUS_NAMES.get(application.status, application.status)}”，不能{ACTION_NAMES[action]}",
        code="wrong_status",
    )


def _required(value: str, field: str, what: str) -> str:
    if not value.strip():
        raise InvalidInput(f"{what}须填写", code=f"{field}_required", fields=[FieldError(field, "必填")])
    return value.strip()


async def act_on_application(
    *,
    session: AsyncSession,
    outbox: Outbox,
    principal: Principal,
    application_no: str,
    action: str,
    opinion: str = "",
    missing: list[str] | None = None,
    reason: str = "",
    outcome: str = "",
    material_id: str = "",
    due_days: int = 0,
    procedure: str = "",
    result_fields: dict[str, str] | None = None,
) -> Application:
    """A department's decision on an application of its department in its region."""
    if action not in ALLOWED_FROM:
        raise InvalidInput(f"未知的操作 {action}", code="unknown_action")
    application = await session.get(Application, application_no, with_for_update=True)
    if application is None:
        raise NotFound(f"没有编号为 {application_no} 的申请", code="unknown_application")
    require_case_staff(principal, application)
    if application.status not in ALLOWED_FROM[action]:
        raise _wrong(application, action)
    item = await session.get(ServiceItem, application.item_code)
    assert item is not None
    today = china_date(utcnow())
    note = opinion.strip()
    event, notice, extra = "", "", {}
    if action == "accept":
        _accept(application, item, today, "normal")
        event, notice = "accepted", _accepted_notice(application)
    elif action == "accept_with_deficiency":
        material = next((m for m in item.materials if m["material_id"] == material_id), None)
        if material is None:
            raise InvalidInput(
                "容缺受理须指明所缺的非关键材料",
                code="material_required",
                fields=[FieldError("material_id", "须为本事项的材料")],
            )
        if material.get("key"):
            raise InvalidInput(
                f"{material['name']}是关键材料，不能容缺受理",
                code="key_material",
                fields=[FieldError("material_id", "关键材料不能容缺")],
            )
        if not 1 <= due_days <= 30:
            raise InvalidInput(
                "须给出补交材料的期限（1至30个工作日）",
                code="due_days_required",
                fields=[FieldError("due_days", "1至30")],
            )
        _accept(application, item, today, "deficiency")
        application.deficiency_material = material_id
        application.deficiency_due = add_working_days(today, due_days)
        note = f"容缺：{material['name']}，{application.deficiency_due}前补交" + (f"；{note}" if note else "")
        event = "accepted"
        notice = _accepted_notice(application) + f"请于{application.deficiency_due}前补交{material['name']}。"
    elif action == "accept_on_promise":
        _accept(application, item, today, "promise")
        note = "申请人已签署告知承诺书，事后核查" + (f"；{note}" if note else "")
        event, notice = "accepted", _accepted_notice(application)
    elif action == "request_correction":
        wanted = [m.strip() for m in (missing or []) if m.strip()]
        if not wanted:
            raise InvalidInput(
                "补齐补正须列明需补正的内容",
                code="missing_required",
                fields=[FieldError("missing", "至少一项")],
            )
        application.status = "correction_requested"
        application.missing = wanted
        note = "需补正：" + "、".join(wanted) + (f"；{note}" if note else "")
        event = "correction_requested"
        notice = f"您的“{application.item_name}”申请（{application.application_no}）需补齐补正：{'、'.join(wanted)}。"
    elif action == "refuse":
        application.reason = _required(reason, "reason", "不予受理的理由")
        application.status = "refused"
        note = application.reason
        event = "refused"
        case = f"“{application.item_name}”申请（{application.application_no}）"
        notice = f"您的{case}不予受理，理由：{application.reason}"
    elif action == "start_procedure":
        if application.procedure:
            raise WrongState(f"特别程序“{application.procedure}”尚未结束", code="procedure_running")
        limit = next((p["days"] for p in item.special_procedures if p["name"] == procedure), None)
        if limit is None:
            raise InvalidInput(
                f"本事项没有特别程序“{procedure}”",
                code="unknown_procedure",
                fields=[FieldError("procedure", "须为本事项公布的特别程序")],
            )
        application.procedure = procedure
        application.procedure_started = today
        application.procedure_until = add_working_days(today, int(limit))
        note = f"{procedure}，{application.procedure_until}前完成，期间办结时限暂停"
    elif action == "end_procedure":
        if not application.procedure:
            raise WrongState("没有进行中的特别程序", code="no_procedure")
        limit = next((p["days"] for p in item.special_procedures if p["name"] == application.procedure), 0)
        assert application.procedure_started is not None and application.completion_due is not None
        paused = min(working_days_between(application.procedure_started, today), int(limit))
        application.completion_due = add_working_days(application.completion_due, paused)
        note = f"{application.procedure}结束，办结时限顺延{paused}个工作日至{application.completion_due}"
        application.procedure, application.procedure_until, application.procedure_started = "", None, None
    elif action == "supply_deficiency":
        if not application.deficiency_material:
            raise WrongState("该申请没有待补交的容缺材料", code="no_deficiency")
        note = f"已补交{application.deficiency_material}"
        application.deficiency_material, application.deficiency_due = "", None
    elif action == "verify_promise":
        if application.acceptance_kind != "promise":
            raise WrongState("该申请不是告知承诺受理", code="not_promise")
        note = "承诺核查：" + _required(opinion, "opinion", "核查意见")
    elif action == "conclude":
        if application.procedure:
            raise WrongState(f"特别程序“{application.procedure}”尚未结束，不能办结", code="procedure_running")
        if outcome not in ("approved", "denied"):
            raise InvalidInput(
                "办结结果须为 approved 或 denied",
                code="outcome_required",
                fields=[FieldError("outcome", "approved 或 denied")],
            )
        if outcome == "denied":
            application.reason = _required(reason, "reasons", "不予许可的理由")
        application.status = "concluded"
        application.outcome = outcome
        application.concluded_at = utcnow()
        note = ("准予" if outcome == "approved" else "不予许可：" + application.reason) + (
            f"；{opinion.strip()}" if opinion.strip() else ""
        )
        event = "concluded"
        result = (
            "已办结，结果：准予"
            if outcome == "approved"
            else f"已办结，结果：不予许可（{application.reason}）"
        )
        notice = f"您的“{application.item_name}”申请（{application.application_no}）{result}。"
        approved = outcome == "approved"
        extra = {
            "outcome": outcome,
            "concluded_at": rfc3339(application.concluded_at),
            "result_license_type": item.result_license_type if approved else "",
            "result_fields": {str(k): str(v) for k, v in (result_fields or {}).items()} if approved else {},
        }
    if opinion.strip():
        application.opinion = opinion.strip()
    _set_next_due(application)
    _timeline(session, application, action, principal, note)
    if event:
        _publish(session, outbox, application, event, notice, **extra)
    await session.flush()
    return application


async def resubmit_application(
    *,
    session: AsyncSession,
    outbox: Outbox,
    principal: Principal,
    application_no: str,
    form: dict[str, Any] | None,
    materials: list[dict[str, str]] | None,
    facts: list[LicenseFact],
) -> Application:
    """补正后重新提交: only after 补齐补正, only by the applicant; the acceptance clock starts again."""
    application = await get_application(session=session, principal=principal, application_no=application_no)
    if not is_own(principal, application):
        raise Forbidden("只有申请人可以补正后重新提交", code="applicant_only")
    if application.status != "correction_requested":
        raise WrongState(
            f"申请当前状态为“{STATUS_NAMES.get(application.status, application.status)}”，"
            "只有待补齐补正的申请可以重新提交",
            code="not_awaiting_correction",
        )
    item = await session.get(ServiceItem, application.item_code)
    assert item is not None
    new_form = {**application.form, **form} if form is not None else dict(application.form)
    new_form, filled = prefill(item, new_form, facts)
    faults = form_errors(item.form_schema, new_form)
    if faults:
        raise InvalidInput(
            "表单填写有误：" + "；".join(f.message for f in faults), code="invalid_form", fields=faults
        )
    given = {m["material_id"]: m for m in application.materials}
    for m in materials or []:
        given[m["material_id"]] = m
    waived = check_materials(item, list(given.values()), facts)
    today = china_date(utcnow())
    application.form = new_form
    application.materials = [m for m in given.values() if m["material_id"] not in waived]
    application.prefilled = sorted(set(application.prefilled) | set(filled))
    application.waived = waived
    application.status = "submitted"
    corrected = application.missing
    application.missing = []
    application.acceptance_due = add_working_days(today, ACCEPTANCE_DAYS[application.mode])
    _set_next_due(application)
    _timeline(session, application, "resubmitted", principal, "已补正：" + "、".join(corrected))
    _publish(
        session,
        outbox,
        application,
        "submitted",
        f"您补正后的“{application.item_name}”申请（{application.application_no}）已重新提交。",
    )
    await session.flush()
    return application


async def flag_due_applications(
    *, session: AsyncSession, outbox: Outbox, now: dt.datetime | None = None
) -> int:
    """每个工作日: flag overdue and soon-overdue open cases to their department, once a day each."""
    today = (now or utcnow()).astimezone(CHINA).date()
    horizon = add_working_days(today, SOON_WORKING_DAYS)
    query = (
        select(Application)
        .where(Application.status.in_(OPEN_STATUSES), Application.next_due <= horizon)
        .where((Application.flagged_on.is_(None)) | (Application.flagged_on < today))
        .order_by(Application.next_due)
        .limit(500)
    )
    flagged = 0
    for application in (await session.scalars(query)).all():
        assert application.next_due is not None
        kind = "overdue" if application.next_due < today else "due_soon"
        words = "已超期" if kind == "overdue" else "即将到期"
        text = (
            f"{application.item_name}申请{application.application_no}{words}"
            f"（{application.next_due_kind}时限{application.next_due}）"
        )
        session.add(
            Notification(
                recipient=f"dept:{application.department}:{application.region}",
                application_no=application.application_no,
                kind=kind,
                text=text,
                day=today,
            )
        )
        application.flagged_on = today
        outbox.add(
            session,
            event_type=f"intake.application.{kind}",
            aggregate_id=application.application_no,
            payload={
                **event_payload(application),
                "deadline": str(application.next_due),
                "deadline_kind": application.next_due_kind,
            },
        )
        flagged += 1
    return flagged


async def get_flags(
    *, session: AsyncSession, principal: Principal, day: dt.date | None = None
) -> list[Notification]:
    """The flags of a day addressed to the caller's department, for the counties inside the caller's region."""
    if principal.actor is not None or "department_staff" not in principal.roles:
        raise Forbidden("仅受理部门工作人员可查看超期提醒", code="role_required")
    department = department_of(principal)
    scope = str(principal.region or "")
    if not department or not scope:
        raise Forbidden("您的账号没有所属部门或管辖区域", code="department_forbidden")
    when = day or china_date(utcnow())
    prefix = f"dept:{department}:{regions.scope_prefix(scope)}"
    query = (
        select(Notification)
        .where(Notification.recipient.startswith(prefix), Notification.day == when)
        .order_by(Notification.id)
        .limit(1000)
    )
    return list((await session.scalars(query)).all())
