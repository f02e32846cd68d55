from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class GetIndicatorsRequest(_message.Message):
    __slots__ = ("region", "department", "outlet_id", "app_id", "item_code", "to", "public")
    REGION_FIELD_NUMBER: _ClassVar[int]
    DEPARTMENT_FIELD_NUMBER: _ClassVar[int]
    OUTLET_ID_FIELD_NUMBER: _ClassVar[int]
    APP_ID_FIELD_NUMBER: _ClassVar[int]
    ITEM_CODE_FIELD_NUMBER: _ClassVar[int]
    FROM_FIELD_NUMBER: _ClassVar[int]
    TO_FIELD_NUMBER: _ClassVar[int]
    PUBLIC_FIELD_NUMBER: _ClassVar[int]
    region: str
    department: str
    outlet_id: str
    app_id: str
    item_code: str
    to: str
    public: bool
    def __init__(self, region: _Optional[str] = ..., department: _Optional[str] = ..., outlet_id: _Optional[str] = ..., app_id: _Optional[str] = ..., item_code: _Optional[str] = ..., to: _Optional[str] = ..., public: _Optional[bool] = ..., **kwargs) -> None: ...

class LevelCount(_message.Message):
    __slots__ = ("level", "label", "count")
    LEVEL_FIELD_NUMBER: _ClassVar[int]
    LABEL_FIELD_NUMBER: _ClassVar[int]
    COUNT_FIELD_NUMBER: _ClassVar[int]
    level: int
    label: str
    count: int
    def __init__(self, level: _Optional[int] = ..., label: _Optional[str] = ..., count: _Optional[int] = ...) -> None: ...

class Indicators(_message.Message):
    __slots__ = ("region", "total", "levels", "satisfaction_rate", "bad_reviews", "dimension", "key", "to", "cases", "reviews", "reviewed_cases", "coverage_rate", "active_rate", "good_rate", "bad_count", "rectified_on_time_rate", "mean_level", "verified_bad", "rectified_on_time", "excluded", "public")
    REGION_FIELD_NUMBER: _ClassVar[int]
    TOTAL_FIELD_NUMBER: _ClassVar[int]
    LEVELS_FIELD_NUMBER: _ClassVar[int]
    SATISFACTION_RATE_FIELD_NUMBER: _ClassVar[int]
    BAD_REVIEWS_FIELD_NUMBER: _ClassVar[int]
    DIMENSION_FIELD_NUMBER: _ClassVar[int]
    KEY_FIELD_NUMBER: _ClassVar[int]
    FROM_FIELD_NUMBER: _ClassVar[int]
    TO_FIELD_NUMBER: _ClassVar[int]
    CASES_FIELD_NUMBER: _ClassVar[int]
    REVIEWS_FIELD_NUMBER: _ClassVar[int]
    REVIEWED_CASES_FIELD_NUMBER: _ClassVar[int]
    COVERAGE_RATE_FIELD_NUMBER: _ClassVar[int]
    ACTIVE_RATE_FIELD_NUMBER: _ClassVar[int]
    GOOD_RATE_FIELD_NUMBER: _ClassVar[int]
    BAD_COUNT_FIELD_NUMBER: _ClassVar[int]
    RECTIFIED_ON_TIME_RATE_FIELD_NUMBER: _ClassVar[int]
    MEAN_LEVEL_FIELD_NUMBER: _ClassVar[int]
    VERIFIED_BAD_FIELD_NUMBER: _ClassVar[int]
    RECTIFIED_ON_TIME_FIELD_NUMBER: _ClassVar[int]
    EXCLUDED_FIELD_NUMBER: _ClassVar[int]
    PUBLIC_FIELD_NUMBER: _ClassVar[int]
    region: str
    total: int
    levels: _containers.RepeatedCompositeFieldContainer[LevelCount]
    satisfaction_rate: float
    bad_reviews: int
    dimension: str
    key: str
    to: str
    cases: int
    reviews: int
    reviewed_cases: int
    coverage_rate: float
    active_rate: float
    good_rate: float
    bad_count: int
    rectified_on_time_rate: float
    mean_level: float
    verified_bad: int
    rectified_on_time: int
    excluded: int
    public: bool
    def __init__(self, region: _Optional[str] = ..., total: _Optional[int] = ..., levels: _Optional[_Iterable[_Union[LevelCount, _Mapping]]] = ..., satisfaction_rate: _Optional[float] = ..., bad_reviews: _Optional[int] = ..., dimension: _Optional[str] = ..., key: _Optional[str] = ..., to: _Optional[str] = ..., cases: _Optional[int] = ..., reviews: _Optional[int] = ..., reviewed_cases: _Optional[int] = ..., coverage_rate: _Optional[float] = ..., active_rate: _Optional[float] = ..., good_rate: _Optional[float] = ..., bad_count: _Optional[int] = ..., rectified_on_time_rate: _Optional[float] = ..., mean_level: _Optional[float] = ..., verified_bad: _Optional[int] = ..., rectified_on_time: _Optional[int] = ..., excluded: _Optional[int] = ..., public: _Optional[bool] = ..., **kwargs) -> None: ...

class CountMyReviewsRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class CountMyReviewsResponse(_message.Message):
    __slots__ = ("count",)
    COUNT_FIELD_NUMBER: _ClassVar[int]
    count: int
    def __init__(self, count: _Optional[int] = ...) -> None: ...

class ListMyInvitationsRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class Invitation(_message.Message):
    __slots__ = ("invitation_id", "case_type", "case_id", "kind", "title", "unit", "region", "served_at", "due_at", "status")
    INVITATION_ID_FIELD_NUMBER: _ClassVar[int]
    CASE_TYPE_FIELD_NUMBER: _ClassVar[int]
    CASE_ID_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    TITLE_FIELD_NUMBER: _ClassVar[int]
    UNIT_FIELD_NUMBER: _ClassVar[int]
    REGION_FIELD_NUMBER: _ClassVar[int]
    SERVED_AT_FIELD_NUMBER: _ClassVar[int]
    DUE_AT_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    invitation_id: str
    case_type: str
    case_id: str
    kind: str
    title: str
    unit: str
    region: str
    served_at: str
    due_at: str
    status: str
    def __init__(self, invitation_id: _Optional[str] = ..., case_type: _Optional[str] = ..., case_id: _Optional[str] = ..., kind: _Optional[str] = ..., title: _Optional[str] = ..., unit: _Optional[str] = ..., region: _Optional[str] = ..., served_at: _Optional[str] = ..., due_at: _Optional[str] = ..., status: _Optional[str] = ...) -> None: ...

class InvitationList(_message.Message):
    __slots__ = ("invitations",)
    INVITATIONS_FIELD_NUMBER: _ClassVar[int]
    invitations: _containers.RepeatedCompositeFieldContainer[Invitation]
    def __init__(self, invitations: _Optional[_Iterable[_Union[Invitation, _Mapping]]] = ...) -> None: ...

class SubmitReviewRequest(_message.Message):
    __slots__ = ("case_type", "case_id", "level", "tags", "comment", "channel", "idempotency_key", "client_ip")
    CASE_TYPE_FIELD_NUMBER: _ClassVar[int]
    CASE_ID_FIELD_NUMBER: _ClassVar[int]
    LEVEL_FIELD_NUMBER: _ClassVar[int]
    TAGS_FIELD_NUMBER: _ClassVar[int]
    COMMENT_FIELD_NUMBER: _ClassVar[int]
    CHANNEL_FIELD_NUMBER: _ClassVar[int]
    IDEMPOTENCY_KEY_FIELD_NUMBER: _ClassVar[int]
    CLIENT_IP_FIELD_NUMBER: _ClassVar[int]
    case_type: str
    case_id: str
    level: int
    tags: _containers.RepeatedScalarFieldContainer[str]
    comment: str
    channel: str
    idempotency_key: str
    client_ip: str
    def __init__(self, case_type: _Optional[str] = ..., case_id: _Optional[str] = ..., level: _Optional[int] = ..., tags: _Optional[_Iterable[str]] = ..., comment: _Optional[str] = ..., channel: _Optional[str] = ..., idempotency_key: _Optional[str] = ..., client_ip: _Optional[str] = ...) -> None: ...

class GetReviewRequest(_message.Message):
    __slots__ = ("review_id",)
    REVIEW_ID_FIELD_NUMBER: _ClassVar[int]
    review_id: str
    def __init__(self, review_id: _Optional[str] = ...) -> None: ...

class Review(_message.Message):
    __slots__ = ("review_id", "case_type", "case_id", "kind", "level", "level_label", "tags", "comment", "channel", "reviewer_id", "recorded_by", "unit", "region", "created_at", "excluded", "excluded_reason", "rectification")
    REVIEW_ID_FIELD_NUMBER: _ClassVar[int]
    CASE_TYPE_FIELD_NUMBER: _ClassVar[int]
    CASE_ID_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    LEVEL_FIELD_NUMBER: _ClassVar[int]
    LEVEL_LABEL_FIELD_NUMBER: _ClassVar[int]
    TAGS_FIELD_NUMBER: _ClassVar[int]
    COMMENT_FIELD_NUMBER: _ClassVar[int]
    CHANNEL_FIELD_NUMBER: _ClassVar[int]
    REVIEWER_ID_FIELD_NUMBER: _ClassVar[int]
    RECORDED_BY_FIELD_NUMBER: _ClassVar[int]
    UNIT_FIELD_NUMBER: _ClassVar[int]
    REGION_FIELD_NUMBER: _ClassVar[int]
    CREATED_AT_FIELD_NUMBER: _ClassVar[int]
    EXCLUDED_FIELD_NUMBER: _ClassVar[int]
    EXCLUDED_REASON_FIELD_NUMBER: _ClassVar[int]
    RECTIFICATION_FIELD_NUMBER: _ClassVar[int]
    review_id: str
    case_type: str
    case_id: str
    kind: str
    level: int
    level_label: str
    tags: _containers.RepeatedScalarFieldContainer[str]
    comment: str
    channel: str
    reviewer_id: str
    recorded_by: str
    unit: str
    region: str
    created_at: str
    excluded: bool
    excluded_reason: str
    rectification: Rectification
    def __init__(self, review_id: _Optional[str] = ..., case_type: _Optional[str] = ..., case_id: _Optional[str] = ..., kind: _Optional[str] = ..., level: _Optional[int] = ..., level_label: _Optional[str] = ..., tags: _Optional[_Iterable[str]] = ..., comment: _Optional[str] = ..., channel: _Optional[str] = ..., reviewer_id: _Optional[str] = ..., recorded_by: _Optional[str] = ..., unit: _Optional[str] = ..., region: _Optional[str] = ..., created_at: _Optional[str] = ..., excluded: _Optional[bool] = ..., excluded_reason: _Optional[str] = ..., rectification: _Optional[_Union[Rectification, _Mapping]] = ...) -> None: ...

class RecordWindowVisitRequest(_message.Message):
    __slots__ = ("window_id", "account_id", "item_code", "item_name")
    WINDOW_ID_FIELD_NUMBER: _ClassVar[int]
    ACCOUNT_ID_FIELD_NUMBER: _ClassVar[int]
    ITEM_CODE_FIELD_NUMBER: _ClassVar[int]
    ITEM_NAME_FIELD_NUMBER: _ClassVar[int]
    window_id: str
    account_id: str
    item_code: str
    item_name: str
    def __init__(self, window_id: _Optional[str] = ..., account_id: _Optional[str] = ..., item_code: _Optional[str] = ..., item_name: _Optional[str] = ...) -> None: ...

class RecordMiniAppUseRequest(_message.Message):
    __slots__ = ("app_id", "app_name", "department")
    APP_ID_FIELD_NUMBER: _ClassVar[int]
    APP_NAME_FIELD_NUMBER: _ClassVar[int]
    DEPARTMENT_FIELD_NUMBER: _ClassVar[int]
    app_id: str
    app_name: str
    department: str
    def __init__(self, app_id: _Optional[str] = ..., app_name: _Optional[str] = ..., department: _Optional[str] = ...) -> None: ...

class CreateWindowRequest(_message.Message):
    __slots__ = ("name", "department", "region")
    NAME_FIELD_NUMBER: _ClassVar[int]
    DEPARTMENT_FIELD_NUMBER: _ClassVar[int]
    REGION_FIELD_NUMBER: _ClassVar[int]
    name: str
    department: str
    region: str
    def __init__(self, name: _Optional[str] = ..., department: _Optional[str] = ..., region: _Optional[str] = ...) -> None: ...

class GetWindowRequest(_message.Message):
    __slots__ = ("window_id", "qr")
    WINDOW_ID_FIELD_NUMBER: _ClassVar[int]
    QR_FIELD_NUMBER: _ClassVar[int]
    window_id: str
    qr: str
    def __init__(self, window_id: _Optional[str] = ..., qr: _Optional[str] = ...) -> None: ...

class Window(_message.Message):
    __slots__ = ("window_id", "name", "department", "region", "review_url")
    WINDOW_ID_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    DEPARTMENT_FIELD_NUMBER: _ClassVar[int]
    REGION_FIELD_NUMBER: _ClassVar[int]
    REVIEW_URL_FIELD_NUMBER: _ClassVar[int]
    window_id: str
    name: str
    department: str
    region: str
    review_url: str
    def __init__(self, window_id: _Optional[str] = ..., name: _Optional[str] = ..., department: _Optional[str] = ..., region: _Optional[str] = ..., review_url: _Optional[str] = ...) -> None: ...

class ListRectificationsRequest(_message.Message):
    __slots__ = ("status", "overdue", "cursor", "limit")
    STATUS_FIELD_NUMBER: _ClassVar[int]
    OVERDUE_FIELD_NUMBER: _ClassVar[int]
    CURSOR_FIELD_NUMBER: _ClassVar[int]
    LIMIT_FIELD_NUMBER: _ClassVar[int]
    status: str
    overdue: bool
    cursor: str
    limit: int
    def __init__(self, status: _Optional[str] = ..., overdue: _Optional[bool] = ..., cursor: _Optional[str] = ..., limit: _Optional[int] = ...) -> None: ...

class RectificationStep(_message.Message):
    __slots__ = ("action", "actor", "note", "at", "status")
    ACTION_FIELD_NUMBER: _ClassVar[int]
    ACTOR_FIELD_NUMBER: _ClassVar[int]
    NOTE_FIELD_NUMBER: _ClassVar[int]
    AT_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    action: str
    actor: str
    note: str
    at: str
    status: str
    def __init__(self, action: _Optional[str] = ..., actor: _Optional[str] = ..., note: _Optional[str] = ..., at: _Optional[str] = ..., status: _Optional[str] = ...) -> None: ...

class Rectification(_message.Message):
    __slots__ = ("rectification_id", "review_id", "case_type", "case_id", "unit_kind", "unit", "region", "status", "due_at", "overdue", "escalated_at", "rectified_on_time", "dispute_reason", "dispute_evidence", "decision", "rectify_note", "created_at", "closed_at", "steps", "level", "comment")
    RECTIFICATION_ID_FIELD_NUMBER: _ClassVar[int]
    REVIEW_ID_FIELD_NUMBER: _ClassVar[int]
    CASE_TYPE_FIELD_NUMBER: _ClassVar[int]
    CASE_ID_FIELD_NUMBER: _ClassVar[int]
    UNIT_KIND_FIELD_NUMBER: _ClassVar[int]
    UNIT_FIELD_NUMBER: _ClassVar[int]
    REGION_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    DUE_AT_FIELD_NUMBER: _ClassVar[int]
    OVERDUE_FIELD_NUMBER: _ClassVar[int]
    ESCALATED_AT_FIELD_NUMBER: _ClassVar[int]
    RECTIFIED_ON_TIME_FIELD_NUMBER: _ClassVar[int]
    DISPUTE_REASON_FIELD_NUMBER: _ClassVar[int]
    DISPUTE_EVIDENCE_FIELD_NUMBER: _ClassVar[int]
    DECISION_FIELD_NUMBER: _ClassVar[int]
    RECTIFY_NOTE_FIELD_NUMBER: _ClassVar[int]
    CREATED_AT_FIELD_NUMBER: _ClassVar[int]
    CLOSED_AT_FIELD_NUMBER: _ClassVar[int]
    STEPS_FIELD_NUMBER: _ClassVar[int]
    LEVEL_FIELD_NUMBER: _ClassVar[int]
    COMMENT_FIELD_NUMBER: _ClassVar[int]
    rectification_id: str
    review_id: str
    case_type: str
    case_id: str
    unit_kind: str
    unit: str
    region: str
    status: str
    due_at: str
    overdue: bool
    escalated_at: str
    rectified_on_time: bool
    dispute_reason: str
    dispute_evidence: _containers.RepeatedScalarFieldContainer[str]
    decision: str
    rectify_note: str
    created_at: str
    closed_at: str
    steps: _containers.RepeatedCompositeFieldContainer[RectificationStep]
    level: int
    comment: str
    def __init__(self, rectification_id: _Optional[str] = ..., review_id: _Optional[str] = ..., case_type: _Optional[str] = ..., case_id: _Optional[str] = ..., unit_kind: _Optional[str] = ..., unit: _Optional[str] = ..., region: _Optional[str] = ..., status: _Optional[str] = ..., due_at: _Optional[str] = ..., overdue: _Optional[bool] = ..., escalated_at: _Optional[str] = ..., rectified_on_time: _Optional[bool] = ..., dispute_reason: _Optional[str] = ..., dispute_evidence: _Optional[_Iterable[str]] = ..., decision: _Optional[str] = ..., rectify_note: _Optional[str] = ..., created_at: _Optional[str] = ..., closed_at: _Optional[str] = ..., steps: _Optional[_Iterable[_Union[RectificationStep, _Mapping]]] = ..., level: _Optional[int] = ..., comment: _Optional[str] = ...) -> None: ...

class RectificationPage(_message.Message):
    __slots__ = ("rectifications", "next_cursor")
    RECTIFICATIONS_FIELD_NUMBER: _ClassVar[int]
    NEXT_CURSOR_FIELD_NUMBER: _ClassVar[int]
    rectifications: _containers.RepeatedCompositeFieldContainer[Rectification]
    next_cursor: str
    def __init__(self, rectifications: _Optional[_Iterable[_Union[Rectification, _Mapping]]] = ..., next_cursor: _Optional[str] = ...) -> None: ...

class RectificationActionRequest(_message.Message):
    __slots__ = ("rectification_id", "action", "reason", "evidence", "upheld", "note", "reached", "satisfied")
    RECTIFICATION_ID_FIELD_NUMBER: _ClassVar[int]
    ACTION_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    EVIDENCE_FIELD_NUMBER: _ClassVar[int]
    UPHELD_FIELD_NUMBER: _ClassVar[int]
    NOTE_FIELD_NUMBER: _ClassVar[int]
    REACHED_FIELD_NUMBER: _ClassVar[int]
    SATISFIED_FIELD_NUMBER: _ClassVar[int]
    rectification_id: str
    action: str
    reason: str
    evidence: _containers.RepeatedScalarFieldContainer[str]
    upheld: bool
    note: str
    reached: bool
    satisfied: bool
    def __init__(self, rectification_id: _Optional[str] = ..., action: _Optional[str] = ..., reason: _Optional[str] = ..., evidence: _Optional[_Iterable[str]] = ..., upheld: _Optional[bool] = ..., note: _Optional[str] = ..., reached: _Optional[bool] = ..., satisfied: _Optional[bool] = ...) -> None: ...

class AppealReviewRequest(_message.Message):
    __slots__ = ("review_id", "reason", "evidence")
    REVIEW_ID_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    EVIDENCE_FIELD_NUMBER: _ClassVar[int]
    review_id: str
    reason: str
    evidence: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, review_id: _Optional[str] = ..., reason: _Optional[str] = ..., evidence: _Optional[_Iterable[str]] = ...) -> None: ...

class DecideAppealRequest(_message.Message):
    __slots__ = ("appeal_id", "upheld", "reason")
    APPEAL_ID_FIELD_NUMBER: _ClassVar[int]
    UPHELD_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    appeal_id: str
    upheld: bool
    reason: str
    def __init__(self, appeal_id: _Optional[str] = ..., upheld: _Optional[bool] = ..., reason: _Optional[str] = ...) -> None: ...

class Appeal(_message.Message):
    __slots__ = ("appeal_id", "review_id", "unit", "reason", "evidence", "status", "decision_reason", "decided_by", "created_at", "decided_at", "region")
    APPEAL_ID_FIELD_NUMBER: _ClassVar[int]
    REVIEW_ID_FIELD_NUMBER: _ClassVar[int]
    UNIT_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    EVIDENCE_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    DECISION_REASON_FIELD_NUMBER: _ClassVar[int]
    DECIDED_BY_FIELD_NUMBER: _ClassVar[int]
    CREATED_AT_FIELD_NUMBER: _ClassVar[int]
    DECIDED_AT_FIELD_NUMBER: _ClassVar[int]
    REGION_FIELD_NUMBER: _ClassVar[int]
    appeal_id: str
    review_id: str
    unit: str
    reason: str
    evidence: _containers.RepeatedScalarFieldContainer[str]
    status: str
    decision_reason: str
    decided_by: str
    created_at: str
    decided_at: str
    region: str
    def __init__(self, appeal_id: _Optional[str] = ..., review_id: _Optional[str] = ..., unit: _Optional[str] = ..., reason: _Optional[str] = ..., evidence: _Optional[_Iterable[str]] = ..., status: _Optional[str] = ..., decision_reason: _Optional[str] = ..., decided_by: _Optional[str] = ..., created_at: _Optional[str] = ..., decided_at: _Optional[str] = ..., region: _Optional[str] = ...) -> None: ...

class ListAppealsRequest(_message.Message):
    __slots__ = ("status",)
    STATUS_FIELD_NUMBER: _ClassVar[int]
    status: str
    def __init__(self, status: _Optional[str] = ...) -> None: ...

class AppealList(_message.Message):
    __slots__ = ("appeals",)
    APPEALS_FIELD_NUMBER: _ClassVar[int]
    appeals: _containers.RepeatedCompositeFieldContainer[Appeal]
    def __init__(self, appeals: _Optional[_Iterable[_Union[Appeal, _Mapping]]] = ...) -> None: ...

class ListPublicReviewsRequest(_message.Message):
    __slots__ = ("department", "region", "limit")
    DEPARTMENT_FIELD_NUMBER: _ClassVar[int]
    REGION_FIELD_NUMBER: _ClassVar[int]
    LIMIT_FIELD_NUMBER: _ClassVar[int]
    department: str
    region: str
    limit: int
    def __init__(self, department: _Optional[str] = ..., region: _Optional[str] = ..., limit: _Optional[int] = ...) -> None: ...

class PublicReview(_message.Message):
    __slots__ = ("review_id", "case_type", "unit", "region", "level", "level_label", "tags", "comment", "channel", "created_at", "kind", "excluded", "excluded_reason", "rectification_status")
    REVIEW_ID_FIELD_NUMBER: _ClassVar[int]
    CASE_TYPE_FIELD_NUMBER: _ClassVar[int]
    UNIT_FIELD_NUMBER: _ClassVar[int]
    REGION_FIELD_NUMBER: _ClassVar[int]
    LEVEL_FIELD_NUMBER: _ClassVar[int]
    LEVEL_LABEL_FIELD_NUMBER: _ClassVar[int]
    TAGS_FIELD_NUMBER: _ClassVar[int]
    COMMENT_FIELD_NUMBER: _ClassVar[int]
    CHANNEL_FIELD_NUMBER: _ClassVar[int]
    CREATED_AT_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    EXCLUDED_FIELD_NUMBER: _ClassVar[int]
    EXCLUDED_REASON_FIELD_NUMBER: _ClassVar[int]
    RECTIFICATION_STATUS_FIELD_NUMBER: _ClassVar[int]
    review_id: str
    case_type: str
    unit: str
    region: str
    level: int
    level_label: str
    tags: _containers.RepeatedScalarFieldContainer[str]
    comment: str
    channel: str
    created_at: str
    kind: str
    excluded: bool
    excluded_reason: str
    rectification_status: str
    def __init__(self, review_id: _Optional[str] = ..., case_type: _Optional[str] = ..., unit: _Optional[str] = ..., region: _Optional[str] = ..., level: _Optional[int] = ..., level_label: _Optional[str] = ..., tags: _Optional[_Iterable[str]] = ..., comment: _Optional[str] = ..., channel: _Optional[str] = ..., created_at: _Optional[str] = ..., kind: _Optional[str] = ..., excluded: _Optional[bool] = ..., excluded_reason: _Optional[str] = ..., rectification_status: _Optional[str] = ...) -> None: ...

class PublicReviewList(_message.Message):
    __slots__ = ("reviews",)
    REVIEWS_FIELD_NUMBER: _ClassVar[int]
    reviews: _containers.RepeatedCompositeFieldContainer[PublicReview]
    def __init__(self, reviews: _Optional[_Iterable[_Union[PublicReview, _Mapping]]] = ...) -> None: ...

class ReconcileRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class ReconcileResponse(_message.Message):
    __slots__ = ("rows_checked", "rows_fixed")
    ROWS_CHECKED_FIELD_NUMBER: _ClassVar[int]
    ROWS_FIXED_FIELD_NUMBER: _ClassVar[int]
    rows_checked: int
    rows_fixed: int
    def __init__(self, rows_checked: _Optional[int] = ..., rows_fixed: _Optional[int] = ...) -> None: ...
