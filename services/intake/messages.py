"""Rows to protos and protos to plain data for the intake service's transport."""

from __future__ import annotations

import json
from typing import Any

from bst.intake.v1 import intake_pb2
from services.intake import applications as apps
from services.intake.models import Application, ServiceItem
from services.kernel.errors import FieldError, InvalidInput


def item_message(item: ServiceItem) -> intake_pb2.ServiceItem:
    return intake_pb2.ServiceItem(
        code=item.code,
        name=item.name,
        department=item.department,
        region=item.region,
        category=item.category,
        promised_days=item.promised_days,
        statutory_days=item.statutory_days,
        materials=[intake_pb2.Material(**m) for m in item.materials],
        online=item.mode == "online",
        regions=item.regions,
        mode=item.mode,
        mobile=item.mobile,
        form_schema_json=json.dumps(item.form_schema, ensure_ascii=False),
        special_procedures=[intake_pb2.SpecialProcedure(**p) for p in item.special_procedures],
        status=item.status,
        needs_visit=item.needs_visit,
        revision=item.revision,
        updated_at=apps.rfc3339(item.updated_at),
        result_license_type=item.result_license_type,
    )


def application_message(a: Application, timeline: list[Any] | None = None) -> intake_pb2.Application:
    return intake_pb2.Application(
        application_no=a.application_no,
        item_code=a.item_code,
        item_name=a.item_name,
        department=a.department,
        region=a.region,
        mode=a.mode,
        status=a.status,
        applicant_id=a.applicant_id,
        agent_id=a.agent_id,
        channel=a.channel,
        form_json=json.dumps(a.form, ensure_ascii=False),
        materials=[intake_pb2.MaterialFile(**m) for m in a.materials],
        prefilled=a.prefilled,
        waived_materials=a.waived,
        missing=a.missing,
        acceptance_due=apps.due_text(a.acceptance_due),
        completion_due=apps.due_text(a.completion_due),
        next_deadline=apps.due_text(a.next_due),
        next_deadline_kind=a.next_due_kind,
        overdue=apps.is_overdue(a),
        submitted_at=apps.rfc3339(a.submitted_at),
        accepted_at=apps.rfc3339(a.accepted_at),
        concluded_at=apps.rfc3339(a.concluded_at),
        outcome=a.outcome,
        reason=a.reason,
        receipt_no=a.receipt_no,
        acceptance_kind=a.acceptance_kind,
        deficiency_material=a.deficiency_material,
        deficiency_due=apps.due_text(a.deficiency_due),
        procedure=a.procedure,
        procedure_until=apps.due_text(a.procedure_until),
        bundle_no=a.bundle_no,
        opinion=a.opinion,
        timeline=[
            intake_pb2.TimelineEntry(
                at=apps.rfc3339(t.at), action=t.action, actor=t.actor, status=t.status, note=t.note
            )
            for t in timeline or []
        ],
    )


def item_data(message: intake_pb2.ServiceItemInput) -> dict[str, Any]:
    return {
        "code": message.code,
        "name": message.name,
        "department": message.department,
        "regions": list(message.regions),
        "category": message.category,
        "mode": message.mode,
        "promised_days": message.promised_days,
        "statutory_days": message.statutory_days,
        "mobile": message.mobile,
        "needs_visit": message.needs_visit,
        "form_schema": json_object(message.form_schema_json or "{}", "form_schema"),
        "materials": [
            {
                "material_id": m.material_id,
                "name": m.name,
                "license_type": m.license_type,
                "required": m.required,
                "key": m.key,
            }
            for m in message.materials
        ],
        "special_procedures": [{"name": p.name, "days": p.days} for p in message.special_procedures],
        "result_license_type": message.result_license_type,
        "publish": message.publish,
    }


def json_object(text: str, field: str) -> dict[str, Any]:
    try:
        value = json.loads(text)
    except ValueError as exc:
        raise InvalidInput(
            f"{field} 不是有效的 JSON", code="invalid_json", fields=[FieldError(field, "JSON")]
        ) from exc
    if not isinstance(value, dict):
        raise InvalidInput(f"{field} 须为 JSON 对象", code="invalid_json", fields=[FieldError(field, "对象")])
    return value


def material_files(items: Any) -> list[dict[str, str]]:
    return [{"material_id": m.material_id, "file_id": m.file_id} for m in items]
