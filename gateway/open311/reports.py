"""An Open311 report checked and turned into the repair service's request, and the list criteria of the public
reads: the rules of /open311/v2 that are the gateway's own (the repair rules stay in the repair service)."""

from __future__ import annotations

import datetime as dt
import math
import re
from dataclasses import dataclass
from typing import Any

from bst.repair.v1 import public_requests_pb2, repair_pb2
from gateway.open311.catalogue import OPEN311_STATUSES, SERVICE_BY_CODE, ticket_states_of
from gateway.open311.location import report_county
from gateway.open311.schemas import RequestForm
from services.kernel import regions
from services.kernel.errors import FieldError, InvalidInput
from services.kernel.validators import normalize_phone

TICKET_NO = re.compile(r"^BX\d{16,18}$")
EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]+\.[^@\s]+$")
MEDIA_URL = re.compile(r"^https?://[^\s]+$")
MAX_SPAN = dt.timedelta(days=90)
LIST_LIMIT = 500


@dataclass(frozen=True, slots=True)
class CheckedReport:
    service_code: str
    phone: str
    point: tuple[float, float] | None
    county: str


def _point(form: RequestForm) -> tuple[float, float] | None:
    if not form.lat and not form.long:
        return None
    if not form.lat or not form.long:
        raise InvalidInput(
            "give both lat and long",
            code="invalid_location",
            fields=[FieldError("lat" if not form.lat else "long", "经纬度须同时填写")],
        )
    values = []
    for name, text, bound in (("lat", form.lat, 90.0), ("long", form.long, 180.0)):
        try:
            value = float(text)
        except ValueError:
            value = math.nan
        if not math.isfinite(value) or abs(value) > bound:
            raise InvalidInput(
                f"{name} is not a coordinate",
                code="invalid_location",
                fields=[FieldError(name, f"应为-{bound:g}到{bound:g}之间的十进制度数")],
            )
        values.append(value)
    return values[0], values[1]


def checked_report(form: RequestForm, *, client_county: str | None) -> CheckedReport:
    """A report's service, phone, point and county, or InvalidInput naming the field (400 on /open311)."""
    if form.service_code not in SERVICE_BY_CODE:
        raise InvalidInput(
            f"unknown service_code {form.service_code!r}",
            code="unknown_service_code",
            fields=[FieldError("service_code", "未知的服务编码，请从 services.json 中选择")],
        )
    if not (form.lat or form.long or form.address_string.strip() or form.address_id):
        raise InvalidInput(
            "a report needs a location",
            code="location_required",
            fields=[FieldError("lat", "请提供位置：lat 和 long，或 address_string，或 address_id")],
        )
    point = _point(form)
    if not form.phone:
        raise InvalidInput(
            "the reporter's phone is required",
            code="phone_required",
            fields=[FieldError("phone", "请填写报修人的手机号码，维修网点据此联系")],
        )
    try:
        phone = normalize_phone(form.phone)
    except ValueError:
        raise InvalidInput(
            "not a mobile number",
            code="invalid_phone",
            fields=[FieldError("phone", "请填写正确的11位手机号码")],
        ) from None
    if form.email and not EMAIL.match(form.email):
        raise InvalidInput("bad email", code="invalid_email", fields=[FieldError("email", "邮箱格式不正确")])
    if form.media_url and not MEDIA_URL.match(form.media_url):
        raise InvalidInput(
            "bad media_url", code="invalid_media_url", fields=[FieldError("media_url", "应为 http(s) 网址")]
        )
    if len(form.description.strip()) > 500:
        raise InvalidInput(
            "description too long", code="invalid_input", fields=[FieldError("description", "最多500个字符")]
        )
    county = report_county(
        client_county=client_county,
        point=point,
        address_string=form.address_string.strip(),
        address_id=form.address_id,
    )
    if form.jurisdiction_id and not (
        regions.is_valid_scope(form.jurisdiction_id)
        and regions.region_contains(regions.scope_prefix(form.jurisdiction_id), county)
    ):
        raise InvalidInput(
            "the report lies outside jurisdiction_id",
            code="jurisdiction_mismatch",
            fields=[FieldError("jurisdiction_id", "报修位置不在该辖区内")],
        )
    return CheckedReport(service_code=form.service_code, phone=phone, point=point, county=county)


def ticket_request(
    form: RequestForm, report: CheckedReport, *, idempotency_key: str
) -> repair_pb2.CreateTicketRequest:
    """The repair service's CreateTicket request for a checked report (channel `open311`)."""
    name = f"{form.last_name.strip()}{form.first_name.strip()}" or "未留姓名"
    request = repair_pb2.CreateTicketRequest(
        county=report.county,
        category=report.service_code,
        description=form.description.strip() or SERVICE_BY_CODE[report.service_code].service_name,
        contact_name=name,
        contact_phone=report.phone,
        address=form.address_string.strip(),
        channel="open311",
        idempotency_key=idempotency_key,
    )
    if report.point is not None:
        request.lat, request.lng = report.point
    return request


def notice(ticket: repair_pb2.Ticket) -> str:
    """The `service_notice` of a filed report: where it went and by when it is to be repaired."""
    due = ticket.due_at.replace("T", " ")[:16]
    if ticket.HasField("assignee"):
        return (
            f"已受理，已派给{ticket.assignee.name}（电话{ticket.assignee.phone}），"
            f"承诺{due}前修复；进度会以短信告知报修人。"
        )
    return f"已受理，正在安排维修网点，承诺{due}前修复；进度会以短信告知报修人。"


def _time(value: str, field: str) -> dt.datetime | None:
    if not value:
        return None
    try:
        moment = dt.datetime.fromisoformat(value)
    except ValueError:
        moment = None
    if moment is None or moment.tzinfo is None:
        raise InvalidInput(
            f"{field} is not a W3C datetime",
            code="invalid_time",
            fields=[FieldError(field, "应为带时区的 W3C 时间，如 2026-11-24T09:30:00+08:00 或 ...Z")],
        )
    return moment


def _list_of(value: str, allowed: set[str] | dict[str, Any], field: str) -> list[str]:
    items = [v.strip() for v in value.split(",") if v.strip()]
    unknown = [v for v in items if v not in allowed]
    if unknown:
        raise InvalidInput(
            f"unknown {field}",
            code=f"invalid_{field}",
            fields=[FieldError(field, f"未知的取值：{unknown[0]}")],
        )
    return items


def list_criteria(
    *,
    service_request_id: str,
    service_code: str,
    status: str,
    start_date: str,
    end_date: str,
    jurisdiction_id: str,
) -> public_requests_pb2.ListPublicTicketsRequest:
    """The repair service's criteria for GET requests.json, or InvalidInput naming the parameter."""
    ids = [i.strip() for i in service_request_id.split(",") if i.strip()]
    if any(not TICKET_NO.match(i) for i in ids) or len(ids) > 100:
        raise InvalidInput(
            "bad service_request_id",
            code="invalid_service_request_id",
            fields=[FieldError("service_request_id", "应为报修单号（BX开头），最多100个，以逗号分隔")],
        )
    codes = _list_of(service_code, SERVICE_BY_CODE, "service_code")
    states = [s for o in _list_of(status, set(OPEN311_STATUSES), "status") for s in ticket_states_of(o)]
    start, end = _time(start_date, "start_date"), _time(end_date, "end_date")
    if not ids:
        end = end or dt.datetime.now(dt.UTC)
        start = start or end - MAX_SPAN
        if start > end or end - start > MAX_SPAN:
            raise InvalidInput(
                "the span is more than 90 days",
                code="invalid_span",
                fields=[FieldError("start_date", "start_date 须早于 end_date，且相隔不超过90天")],
            )
    return public_requests_pb2.ListPublicTicketsRequest(
        ticket_nos=ids,
        statuses=states,
        categories=codes,
        region=jurisdiction_id,
        since=start.isoformat() if start else "",
        until=end.isoformat() if end else "",
        limit=LIST_LIMIT,
    )
