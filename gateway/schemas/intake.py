"""REST shapes of application intake (统一申办受理): the catalogue, applications, bundles and appointments."""

from __future__ import annotations

import json
from typing import Any, Literal

from pydantic import BaseModel, Field

Region = Field(pattern=r"^\d{2}(\d{2}){0,2}$", description="region adcode or prefix (53, 5301, 530102)")
County = Field(pattern=r"^\d{6}$", description="the county adcode where the application is handled")


def _none(value: Any) -> Any:
    return value if value not in ("", None) else None


class MaterialSpec(BaseModel):
    material_id: str = Field(min_length=1, max_length=40, pattern=r"^[A-Za-z0-9_.-]+$")
    name: str = Field(min_length=1, max_length=100)
    license_type: str | None = Field(
        default=None, max_length=40, description="an e-license type that proves it"
    )
    required: bool = True
    key: bool = Field(default=False, description="a key material: no 容缺受理 without it")


class SpecialProcedureSpec(BaseModel):
    name: str = Field(min_length=1, max_length=40, description="现场勘验 · 技术审查 · 听证论证 ...")
    days: int = Field(ge=1, le=365, description="its published limit in working days")


Mode = Literal["instant", "pre_review", "online", "complex"]


class ItemWrite(BaseModel):
    """A service item as department staff publish it. A form property may carry
    `"x-license": {"type": "<license type>", "field": "<license field>"}`: an e-license of the applicant answers it."""

    name: str = Field(min_length=2, max_length=200)
    department: str = Field(min_length=2, max_length=100)
    regions: list[str] = Field(min_length=1, max_length=200)
    category: str = Field(default="", max_length=40)
    mode: Mode
    promised_days: int = Field(
        ge=0, le=365, description="承诺时限, working days from acceptance to conclusion"
    )
    statutory_days: int = Field(default=0, ge=0, le=365)
    mobile: bool = Field(default=False, description="掌上可办")
    needs_visit: bool = Field(default=False, description="a window visit is needed (appointments)")
    form_schema: dict[str, Any] = Field(default_factory=lambda: {"type": "object"})
    materials: list[MaterialSpec] = Field(default_factory=list, max_length=100)
    special_procedures: list[SpecialProcedureSpec] = Field(default_factory=list, max_length=20)
    result_license_type: str = Field(
        default="", max_length=40, description="the e-license an approval issues"
    )


class ItemCreate(ItemWrite):
    item_code: str = Field(min_length=2, max_length=40, pattern=r"^[A-Z0-9][A-Z0-9-]*$")
    publish: bool = Field(default=True, description="publish at once (发布); false keeps a draft")


class ItemRead(BaseModel):
    item_code: str
    code: str
    name: str
    department: str
    regions: list[str]
    region: str
    category: str
    mode: Mode
    promised_days: int
    statutory_days: int
    mobile: bool
    online: bool
    needs_visit: bool
    form_schema: dict[str, Any]
    materials: list[MaterialSpec]
    special_procedures: list[SpecialProcedureSpec]
    result_license_type: str
    status: Literal["draft", "published", "suspended", "cancelled"]
    revision: int
    updated_at: str

    @classmethod
    def from_message(cls, data: dict[str, Any]) -> ItemRead:
        data = dict(data)
        data["item_code"] = data["code"]
        data["form_schema"] = json.loads(data.pop("form_schema_json") or "{}")
        data["materials"] = [{**m, "license_type": _none(m["license_type"])} for m in data["materials"]]
        return cls.model_validate(data)


class ItemPage(BaseModel):
    items: list[ItemRead]
    next_cursor: str | None = None


class ItemStatusChange(BaseModel):
    reason: str = Field(default="", max_length=500, description="required to suspend or cancel")


class ItemChangeRead(BaseModel):
    id: int
    code: str
    action: str
    actor: str
    reason: str
    at: str
    changed_fields: list[str]


class MaterialFile(BaseModel):
    material_id: str = Field(min_length=1, max_length=40)
    file_id: str = Field(min_length=1, max_length=100)


class ApplicationCreate(BaseModel):
    item_code: str = Field(min_length=1, max_length=40)
    region: str = County
    form: dict[str, Any] = Field(default_factory=dict)
    materials: list[MaterialFile] = Field(default_factory=list, max_length=100)
    channel: Literal["online", "mobile", "window"] | None = None
    applicant_id: str | None = Field(default=None, max_length=64, description="window staff: the applicant")


class TimelineRead(BaseModel):
    at: str
    action: str
    actor: str
    status: str
    note: str


Status = Literal["submitted", "accepted", "correction_requested", "refused", "concluded"]


class ApplicationRead(BaseModel):
    application_no: str
    item_code: str
    item_name: str
    department: str
    region: str
    mode: Mode
    status: Status
    applicant_id: str
    agent_id: str | None
    channel: str
    form: dict[str, Any]
    materials: list[MaterialFile]
    prefilled: list[str] = Field(description="form fields the applicant's e-licenses answered")
    waived_materials: list[str] = Field(description="materials an e-license proves (双免)")
    missing: list[str] = Field(description="what 补齐补正 asks for")
    acceptance_due: str | None
    completion_due: str | None
    next_deadline: str | None
    next_deadline_kind: Literal["acceptance", "completion", "deficiency", "procedure"] | None
    overdue: bool
    submitted_at: str
    accepted_at: str | None
    concluded_at: str | None
    outcome: Literal["approved", "denied"] | None
    reason: str | None
    opinion: str | None
    receipt_no: str | None = Field(description="受理凭证 number, once accepted")
    acceptance_kind: Literal["instant", "normal", "deficiency", "promise"] | None
    deficiency_material: str | None
    deficiency_due: str | None
    procedure: str | None
    procedure_until: str | None
    bundle_no: str | None
    timeline: list[TimelineRead]

    @classmethod
    def from_message(cls, data: dict[str, Any]) -> ApplicationRead:
        out = {k: _none(v) if isinstance(v, str) else v for k, v in data.items()}
        for keep in ("applicant_id", "channel", "submitted_at"):
            out[keep] = data[keep]
        out["form"] = json.loads(data["form_json"] or "{}")
        return cls.model_validate(out)


class ApplicationPage(BaseModel):
    items: list[ApplicationRead]
    next_cursor: str | None = None


class Receipt(BaseModel):
    """受理凭证: what the applicant shows as proof that the application was accepted."""

    receipt_no: str
    application_no: str
    item_name: str
    department: str
    accepted_at: str
    completion_due: str
    text: str


class Opinion(BaseModel):
    opinion: str = Field(default="", max_length=2000)


class CorrectionRequest(Opinion):
    missing: list[str] = Field(
        default_factory=list, max_length=50, description="what must be supplied or corrected"
    )


class Refusal(BaseModel):
    reason: str = Field(default="", max_length=2000, description="required: 不予受理 always says why")


class DeficiencyAcceptance(Opinion):
    material_id: str = Field(min_length=1, max_length=40, description="the non-key material still missing")
    due_days: int = Field(ge=1, le=30, description="working days to supply it")


class ProcedureStart(BaseModel):
    procedure: str = Field(min_length=1, max_length=40)


class Conclusion(Opinion):
    outcome: Literal["approved", "denied"]
    reasons: str = Field(default="", max_length=2000, description="required when denied")
    result_fields: dict[str, str] = Field(
        default_factory=dict,
        description="fields of the resulting e-license, named as its type's fields (GET /api/v1/licenses/types); "
        "unless every field is given, the wallet gets the approval document (APPROVAL-DOC) instead",
    )


class Resubmission(BaseModel):
    form: dict[str, Any] | None = Field(default=None, description="fields to change; the rest stay")
    materials: list[MaterialFile] | None = None


class BundleWrite(BaseModel):
    bundle_code: str = Field(min_length=2, max_length=40, pattern=r"^[A-Z0-9][A-Z0-9-]*$")
    name: str = Field(min_length=2, max_length=200)
    item_codes: list[str] = Field(min_length=2, max_length=20)
    regions: list[str] = Field(min_length=1)
    department: str = Field(min_length=2, max_length=100, description="the leading department")


class BundleSubmit(BaseModel):
    bundle_code: str = Field(min_length=2, max_length=40)
    region: str = County
    form: dict[str, Any] = Field(default_factory=dict, description="one form for every item of the bundle")
    materials: list[MaterialFile] = Field(default_factory=list)


class BundleApplicationRead(BaseModel):
    bundle_no: str
    bundle_code: str
    name: str
    status: Literal["in_progress", "concluded"]
    outcome: Literal["approved", "denied"] | None
    applications: list[ApplicationRead]


class SlotsCreate(BaseModel):
    region: str = County
    window: str = Field(min_length=1, max_length=60, description="the service window, e.g. 3号窗口")
    day: str = Field(pattern=r"^\d{4}-\d{2}-\d{2}$")
    starts: list[str] = Field(min_length=1, max_length=40, description='"09:00", "09:30", ...')
    minutes: int = Field(default=30, ge=5, le=240)
    capacity: int = Field(default=1, ge=1, le=100)
    item_code: str = Field(default="", max_length=40)


class SlotRead(BaseModel):
    slot_id: str
    region: str
    window: str
    day: str
    start: str
    end: str
    capacity: int
    booked: int
    item_code: str


class AppointmentCreate(BaseModel):
    slot_id: str = Field(min_length=1, max_length=40)
    application_no: str = Field(default="", max_length=24)


class AppointmentRead(BaseModel):
    appointment_id: str
    slot_id: str
    account_id: str
    application_no: str
    status: Literal["booked", "cancelled", "no_show", "attended"]
    day: str
    start: str
    window: str
    region: str
    created_at: str


class FlagRead(BaseModel):
    """A daily flag to a department: a case overdue or due by the next working day."""

    application_no: str
    kind: Literal["overdue", "due_soon"]
    text: str
    day: str
    region: str
