"""Shapes the intake service's rules take and give."""

from __future__ import annotations

from typing import Any, Literal

from jsonschema import Draft202012Validator
from jsonschema.exceptions import SchemaError
from pydantic import BaseModel, Field, field_validator, model_validator

from services.kernel import regions

Mode = Literal["instant", "pre_review", "online", "complex"]
MODE_NAMES = {
    "instant": "收件即受理",
    "pre_review": "网上预审",
    "online": "全程网办",
    "complex": "需专业判断",
}
# Working days to the pre-review or acceptance opinion (云政办发〔2022〕69号); instant is accepted on receipt.
ACCEPTANCE_DAYS = {"instant": 0, "pre_review": 1, "online": 2, "complex": 3}


class MaterialIn(BaseModel):
    material_id: str = Field(min_length=1, max_length=40, pattern=r"^[A-Za-z0-9_.-]+$")
    name: str = Field(min_length=1, max_length=100)
    license_type: str = Field(default="", max_length=40)
    required: bool = True
    key: bool = False


class ProcedureIn(BaseModel):
    name: str = Field(min_length=1, max_length=40)
    days: int = Field(ge=1, le=365)


class ServiceItemIn(BaseModel):
    """A catalogue entry as department staff write it."""

    code: str = Field(min_length=2, max_length=40, pattern=r"^[A-Z0-9][A-Z0-9-]*$")
    name: str = Field(min_length=2, max_length=200)
    department: str = Field(min_length=2, max_length=100)
    regions: list[str] = Field(min_length=1, max_length=200)
    category: str = Field(default="", max_length=40)
    mode: Mode
    promised_days: int = Field(ge=0, le=365)
    statutory_days: int = Field(default=0, ge=0, le=365)
    mobile: bool = False
    needs_visit: bool = False
    form_schema: dict[str, Any] = Field(default_factory=lambda: {"type": "object"})
    materials: list[MaterialIn] = Field(default_factory=list, max_length=100)
    special_procedures: list[ProcedureIn] = Field(default_factory=list, max_length=20)
    result_license_type: str = Field(default="", max_length=40)
    publish: bool = True

    @field_validator("regions")
    @classmethod
    def _regions(cls, value: list[str]) -> list[str]:
        for region in value:
            if not regions.is_valid_scope(region):
                raise ValueError(f"{region} 不是云南省的行政区划代码")
        return sorted({regions.scope_prefix(r) for r in value}, key=lambda r: (len(r), r))

    @field_validator("form_schema")
    @classmethod
    def _form_schema(cls, value: dict[str, Any]) -> dict[str, Any]:
        try:
            Draft202012Validator.check_schema(value)
        except SchemaError as exc:
            raise ValueError(f"表单不是有效的 JSON Schema：{exc.message}") from exc
        if value.get("type", "object") != "object":
            raise ValueError("表单的 JSON Schema 须是 object")
        for name, prop in (value.get("properties") or {}).items():
            ref = prop.get("x-license") if isinstance(prop, dict) else None
            if ref is not None and not (
                isinstance(ref, dict)
                and isinstance(ref.get("type"), str)
                and isinstance(ref.get("field"), str)
            ):
                raise ValueError(f"字段 {name} 的 x-license 须为 {{type, field}}")
        return value

    @model_validator(mode="after")
    def _consistent(self) -> ServiceItemIn:
        ids = [m.material_id for m in self.materials]
        if len(set(ids)) != len(ids):
            raise ValueError("材料编号重复")
        if self.statutory_days and self.promised_days > self.statutory_days:
            raise ValueError("承诺时限不能超过法定时限")
        return self


def license_fields(form_schema: dict[str, Any]) -> dict[str, tuple[str, str]]:
    """Form field → (license type, license field) for the fields an e-license answers (x-license)."""
    out: dict[str, tuple[str, str]] = {}
    for name, prop in (form_schema.get("properties") or {}).items():
        ref = prop.get("x-license") if isinstance(prop, dict) else None
        if isinstance(ref, dict):
            out[name] = (str(ref["type"]), str(ref["field"]))
    return out


class LicenseFact(BaseModel):
    """One of the applicant's valid e-licenses, as the licenses service answered."""

    license_id: str
    type: str
    fields: dict[str, str]
