"""The application form and materials: the item's JSON Schema with faults named in Chinese, prefill from the
applicant's e-licenses, and 双免 (materials an e-license proves are waived)."""

from __future__ import annotations

from typing import Any

from jsonschema import Draft202012Validator

from services.intake.models import ServiceItem
from services.intake.schemas import LicenseFact, license_fields
from services.kernel.errors import FieldError, InvalidInput

_MESSAGES = {
    "required": "必填",
    "type": "类型不正确",
    "pattern": "格式不正确",
    "enum": "不在可选范围内",
    "minLength": "内容过短",
    "maxLength": "内容过长",
    "minimum": "数值过小",
    "maximum": "数值过大",
    "format": "格式不正确",
    "additionalProperties": "不允许的字段",
    "const": "取值不正确",
}


def form_errors(schema: dict[str, Any], form: dict[str, Any]) -> list[FieldError]:
    """The form's faults against the item's JSON Schema, one per field, in Chinese."""
    validator = Draft202012Validator(schema, format_checker=Draft202012Validator.FORMAT_CHECKER)
    errors: dict[str, FieldError] = {}
    for error in sorted(validator.iter_errors(form), key=lambda e: list(e.path)):
        path = ".".join(str(p) for p in error.path)
        if error.validator == "required":
            missing = [n for n in error.validator_value if n not in (error.instance or {})]
            for name in missing:
                field = f"form.{path + '.' if path else ''}{name}"
                title = ((schema.get("properties") or {}).get(name) or {}).get("title") or name
                errors.setdefault(field, FieldError(field, f"{title}：必填"))
            continue
        if error.validator == "additionalProperties":
            extra = sorted(set(error.instance or {}) - set(error.schema.get("properties") or {}))
            for name in extra:
                field = f"form.{name}"
                errors.setdefault(field, FieldError(field, f"{name}：表单中没有此字段"))
            continue
        field = f"form.{path}" if path else "form"
        title = (error.schema.get("title") if isinstance(error.schema, dict) else None) or path or "表单"
        errors.setdefault(
            field, FieldError(field, f"{title}：{_MESSAGES.get(str(error.validator), '不符合要求')}")
        )
    return list(errors.values())


def check_form(schema: dict[str, Any], form: dict[str, Any]) -> None:
    faults = form_errors(schema, form)
    if faults:
        raise InvalidInput(
            "表单填写有误：" + "；".join(f.message for f in faults), code="invalid_form", fields=faults
        )


def prefill(
    item: ServiceItem, form: dict[str, Any], facts: list[LicenseFact]
) -> tuple[dict[str, Any], list[str]]:
    """Fields an e-license of the applicant answers, filled in where the form leaves them empty."""
    by_type = {f.type: f for f in facts}
    out = dict(form)
    filled = []
    for name, (license_type, license_field) in license_fields(item.form_schema).items():
        fact = by_type.get(license_type)
        if fact is None or license_field not in fact.fields:
            continue
        if out.get(name) in (None, ""):
            out[name] = fact.fields[license_field]
            filled.append(name)
    return out, filled


def check_materials(item: ServiceItem, given: list[dict[str, str]], facts: list[LicenseFact]) -> list[str]:
    """双免: the ids of materials an e-license proves. Raises for unknown or missing materials."""
    held = {f.type for f in facts}
    known = {m["material_id"]: m for m in item.materials}
    unknown = [g["material_id"] for g in given if g["material_id"] not in known]
    if unknown:
        raise InvalidInput(
            f"事项没有材料 {'、'.join(unknown)}",
            code="unknown_material",
            fields=[FieldError(f"materials.{u}", "本事项不需要此材料") for u in unknown],
        )
    waived = [m["material_id"] for m in item.materials if m.get("license_type") and m["license_type"] in held]
    provided = {g["material_id"] for g in given if g.get("file_id")}
    missing = [
        m
        for m in item.materials
        if m.get("required", True) and m["material_id"] not in waived and m["material_id"] not in provided
    ]
    if missing:
        raise InvalidInput(
            "缺少申请材料：" + "、".join(m["name"] for m in missing),
            code="materials_missing",
            fields=[FieldError(f"materials.{m['material_id']}", f"缺少{m['name']}") for m in missing],
        )
    return waived


def license_types_of(item: ServiceItem) -> list[str]:
    types = {m["license_type"] for m in item.materials if m.get("license_type")}
    types |= {t for t, _ in license_fields(item.form_schema).values()}
    return sorted(types)
