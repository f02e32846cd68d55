"""Appointments (线上预约、线下办理): slots per service window and day; book, cancel, no-show."""

from __future__ import annotations

import datetime as dt
import secrets

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from services.intake.idempotency import body_hash, claim_key
from services.intake.models import Appointment, Slot
from services.kernel import regions
from services.kernel.auth import Principal, require_roles, require_signed_in
from services.kernel.db import utcnow
from services.kernel.errors import FieldError, Forbidden, InvalidInput, NotFound, WrongState
from services.kernel.workdays import CHINA, is_working_day

SLOT_ROLES = ("window_staff", "department_staff")


def _day(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError as exc:
        raise InvalidInput(
            "日期格式应为 YYYY-MM-DD", code="invalid_day", fields=[FieldError("day", "YYYY-MM-DD")]
        ) from exc


def _time(text: str) -> dt.time:
    try:
        return dt.time.fromisoformat(text)
    except ValueError as exc:
        raise InvalidInput(
            "时间格式应为 HH:MM", code="invalid_time", fields=[FieldError("starts", "HH:MM")]
        ) from exc


def _require_region_staff(principal: Principal, county: str) -> None:
    require_roles(principal, *SLOT_ROLES)
    if not principal.region or not regions.region_contains(str(principal.region), county):
        raise Forbidden("该窗口不在您的管辖区域内", code="region_forbidden")


async def create_slots(
    *,
    session: AsyncSession,
    principal: Principal,
    region: str,
    window: str,
    day: str,
    starts: list[str],
    minutes: int,
    capacity: int,
    item_code: str = "",
) -> list[Slot]:
    """A window's slots of a working day; staff of its region."""
    if not regions.is_valid_scope(region) or len(regions.scope_prefix(region)) != 6:
        raise InvalidInput(
            "须为县（市、区）行政区划代码", code="unknown_region", fields=[FieldError("region", "县级代码")]
        )
    _require_region_staff(principal, region)
    when = _day(day)
    if not is_working_day(when):
        raise InvalidInput(
            f"{day} 不是工作日", code="not_working_day", fields=[FieldError("day", "须为工作日")]
        )
    if not window.strip() or not starts or not 1 <= capacity <= 100 or not 5 <= minutes <= 240:
        raise InvalidInput("窗口、时段、每时段人数（1-100）和时长（5-240分钟）须填写", code="invalid_slots")
    slots = []
    for start in starts:
        begin = _time(start)
        end = (dt.datetime.combine(when, begin) + dt.timedelta(minutes=minutes)).time()
        slot = Slot(
            slot_id=f"S{secrets.token_hex(8)}",
            region=region,
            window=window.strip(),
            item_code=item_code,
            day=when,
            start=begin.strftime("%H:%M"),
            end=end.strftime("%H:%M"),
            capacity=capacity,
            booked=0,
        )
        session.add(slot)
        slots.append(slot)
    await session.flush()
    return slots


async def get_slots(*, session: AsyncSession, region: str, day: str, item_code: str = "") -> list[Slot]:
    query = select(Slot).where(Slot.region == region, Slot.day == _day(day)).order_by(Slot.start, Slot.window)
    if item_code:
        query = query.where(Slot.item_code.in_(("", item_code)))
    return list((await session.scalars(query)).all())


async def book(
    *,
    session: AsyncSession,
    principal: Principal,
    slot_id: str,
    application_no: str = "",
    idempotency_key: str = "",
) -> Appointment:
    """预约: one seat of the slot, taken by a conditional update so that a full slot is refused (409).

    With an `Idempotency-Key` the key is claimed before the seat is taken: a retried booking answers with the
    first appointment and takes no second seat."""
    require_signed_in(principal)
    if principal.roles and principal.actor is None:
        raise Forbidden("由群众本人或代办员预约", code="role_required")
    claim = None
    if idempotency_key:
        digest = body_hash("appointment", slot_id, application_no)
        claim, replay = await claim_key(session, principal, idempotency_key, digest)
        if replay:
            first = await session.get(Appointment, replay)
            assert first is not None
            return first
    slot = await session.get(Slot, slot_id)
    if slot is None:
        raise NotFound("没有这个预约时段", code="unknown_slot")
    if dt.datetime.combine(slot.day, dt.time.fromisoformat(slot.start), CHINA) < utcnow():
        raise WrongState("该时段已过", code="slot_past")
    taken = await session.execute(
        update(Slot)
        .where(Slot.slot_id == slot_id, Slot.booked < Slot.capacity)
        .values(booked=Slot.booked + 1)
    )
    if taken.rowcount != 1:  # type: ignore[attr-defined]
        raise WrongState("该时段已约满，请选择其他时段", code="slot_full")
    appointment = Appointment(
        appointment_id=f"A{secrets.token_hex(8)}",
        slot_id=slot_id,
        account_id=principal.sub,
        agent_id=principal.actor or "",
        application_no=application_no,
        status="booked",
        created_at=utcnow(),
    )
    session.add(appointment)
    if claim is not None:
        claim.result = appointment.appointment_id
    await session.flush()
    return appointment


async def change(
    *, session: AsyncSession, principal: Principal, appointment_id: str, action: str
) -> Appointment:
    """cancel (the person who booked), no_show / attended (window staff of the region)."""
    appointment = await session.get(Appointment, appointment_id)
    if appointment is None:
        raise NotFound("没有这个预约", code="unknown_appointment")
    slot = await session.get(Slot, appointment.slot_id)
    assert slot is not None
    if action == "cancel":
        if principal.sub != appointment.account_id:
            raise NotFound("没有这个预约", code="unknown_appointment")
    elif action in ("no_show", "attended"):
        _require_region_staff(principal, slot.region)
    else:
        raise InvalidInput(f"未知的操作 {action}", code="unknown_action")
    if appointment.status != "booked":
        raise WrongState("预约已取消或已处理", code="appointment_closed")
    appointment.status = {"cancel": "cancelled", "no_show": "no_show", "attended": "attended"}[action]
    if action == "cancel":
        await session.execute(update(Slot).where(Slot.slot_id == slot.slot_id).values(booked=Slot.booked - 1))
    await session.flush()
    return appointment


async def get_appointments(
    *, session: AsyncSession, principal: Principal, mine: bool, region: str = "", day: str = ""
) -> list[tuple[Appointment, Slot]]:
    require_signed_in(principal)
    query = select(Appointment, Slot).join(Slot, Slot.slot_id == Appointment.slot_id)
    if mine or not principal.roles:
        query = query.where(Appointment.account_id == principal.sub)
    else:
        _require_region_staff(principal, region)
        query = query.where(Slot.region == region)
        if day:
            query = query.where(Slot.day == _day(day))
    rows = (await session.execute(query.order_by(Slot.day, Slot.start).limit(500))).all()
    return [(a, s) for a, s in rows]
