"""REST shapes of 好差评 (good/bad reviews), as the public API gives and takes them."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

CaseType = Literal["application", "repair_ticket", "mini_app", "window_visit"]
Channel = Literal["app", "window_qr", "sms", "hotline", "terminal"]


class ReviewCreate(BaseModel):
    """A review by the person served. Levels: 5 非常满意 · 4 满意 · 3 基本满意 · 2 不满意 · 1 非常不满意."""

    case_type: CaseType
    case_id: str = Field(min_length=1, max_length=64)
    level: int = Field(ge=1, le=5)
    tags: list[str] = Field(default_factory=list, max_length=10)
    comment: str = Field(default="", max_length=500)
    channel: Channel = "app"


class LevelCount(BaseModel):
    level: int
    label: str
    count: int


class IndicatorsRead(BaseModel):
    """One dimension's indicators over a period. Rates are shares in [0, 1] (0 when the denominator is 0)."""

    dimension: str = Field(description="region | department | item | outlet | app")
    key: str
    region: str
    from_: str = Field(alias="from", serialization_alias="from", description="first China date, or empty")
    to: str
    public: bool
    cases: int = Field(description="cases served in the period")
    reviews: int = Field(description="counted reviews (first and follow-up; upheld appeals excluded)")
    reviewed_cases: int
    coverage_rate: float = Field(description="评价覆盖率: reviewed cases / cases")
    active_rate: float = Field(
        description="主动评价率: cases reviewed through app, window QR or terminal / cases"
    )
    good_rate: float = Field(description="好评率: levels 4–5 / reviews")
    bad_count: int = Field(description="差评: levels 1–2")
    rectified_on_time_rate: float = Field(description="差评整改率: rectified on time / verified 差评")
    mean_level: float
    verified_bad: int
    rectified_on_time: int
    excluded: int = Field(description="reviews excluded by an upheld appeal")
    satisfaction_rate: float = Field(description="levels 3–5 / reviews")
    total: int = Field(description="= reviews")
    bad_reviews: int = Field(description="= bad_count")
    levels: list[LevelCount]

    model_config = {"populate_by_name": True}


class Invitation(BaseModel):
    invitation_id: str
    case_type: str
    case_id: str
    kind: str = Field(description="first | follow_up")
    title: str
    unit: str
    region: str
    served_at: str
    due_at: str
    status: str


class RectificationStep(BaseModel):
    action: str
    actor: str
    note: str
    at: str
    status: str


class Rectification(BaseModel):
    rectification_id: str
    review_id: str
    case_type: str
    case_id: str
    unit_kind: str
    unit: str
    region: str
    status: str = Field(description="open | verified | disputed | rectified | returned_visit | closed")
    due_at: str
    overdue: bool
    escalated_at: str
    rectified_on_time: bool
    dispute_reason: str
    dispute_evidence: list[str]
    decision: str
    rectify_note: str
    created_at: str
    closed_at: str
    steps: list[RectificationStep]
    level: int
    comment: str = Field(description="the review's comment, personal data masked")


class RectificationPage(BaseModel):
    rectifications: list[Rectification]
    next_cursor: str


class Review(BaseModel):
    review_id: str
    case_type: str
    case_id: str
    kind: str
    level: int
    level_label: str
    tags: list[str]
    comment: str
    channel: str
    reviewer_id: str
    recorded_by: str
    unit: str
    region: str
    created_at: str
    excluded: bool
    excluded_reason: str
    rectification: Rectification | None = None


class RectificationAction(BaseModel):
    """The body of an action; which fields matter depends on the action."""

    reason: str = Field(default="", max_length=1000)
    evidence: list[str] = Field(default_factory=list, max_length=20)
    upheld: bool | None = None
    note: str = Field(default="", max_length=1000)
    reached: bool | None = None
    satisfied: bool | None = None


class AppealCreate(BaseModel):
    reason: str = Field(min_length=2, max_length=1000)
    evidence: list[str] = Field(min_length=1, max_length=20)


class AppealDecision(BaseModel):
    upheld: bool
    reason: str = Field(min_length=2, max_length=1000)


class Appeal(BaseModel):
    appeal_id: str
    review_id: str
    unit: str
    reason: str
    evidence: list[str]
    status: str
    decision_reason: str
    decided_by: str
    created_at: str
    decided_at: str
    region: str


class PublicReview(BaseModel):
    review_id: str
    case_type: str
    unit: str
    region: str
    level: int
    level_label: str
    tags: list[str]
    comment: str = Field(description="personal data (names, phone and ID numbers, addresses) masked")
    channel: str
    created_at: str
    kind: str
    excluded: bool
    excluded_reason: str
    rectification_status: str


class WindowCreate(BaseModel):
    name: str = Field(min_length=1, max_length=100)
    department: str = Field(min_length=1, max_length=100)
    region: str = Field(pattern=r"^\d{6}$")


class Window(BaseModel):
    window_id: str
    name: str
    department: str
    region: str
    review_url: str


class WindowVisitCreate(BaseModel):
    window_id: str = Field(min_length=1, max_length=32)
    phone: str = Field(pattern=r"^1[3-9]\d{9}$", description="the mobile of the person served")
    item_code: str = Field(default="", max_length=64)
    item_name: str = Field(default="", max_length=100)


class MiniAppUseCreate(BaseModel):
    app_id: str = Field(min_length=1, max_length=100)


class ReconcileResult(BaseModel):
    rows_checked: int
    rows_fixed: int
