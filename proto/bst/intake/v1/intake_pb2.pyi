from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class Material(_message.Message):
    __slots__ = ("material_id", "name", "license_type", "required", "key")
    MATERIAL_ID_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    LICENSE_TYPE_FIELD_NUMBER: _ClassVar[int]
    REQUIRED_FIELD_NUMBER: _ClassVar[int]
    KEY_FIELD_NUMBER: _ClassVar[int]
    material_id: str
    name: str
    license_type: str
    required: bool
    key: bool
    def __init__(self, material_id: _Optional[str] = ..., name: _Optional[str] = ..., license_type: _Optional[str] = ..., required: _Optional[bool] = ..., key: _Optional[bool] = ...) -> None: ...

class SpecialProcedure(_message.Message):
    __slots__ = ("name", "days")
    NAME_FIELD_NUMBER: _ClassVar[int]
    DAYS_FIELD_NUMBER: _ClassVar[int]
    name: str
    days: int
    def __init__(self, name: _Optional[str] = ..., days: _Optional[int] = ...) -> None: ...

class ServiceItem(_message.Message):
    __slots__ = ("code", "name", "department", "region", "category", "promised_days", "statutory_days", "materials", "online", "regions", "mode", "mobile", "form_schema_json", "special_procedures", "status", "needs_visit", "revision", "updated_at", "result_license_type")
    CODE_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    DEPARTMENT_FIELD_NUMBER: _ClassVar[int]
    REGION_FIELD_NUMBER: _ClassVar[int]
    CATEGORY_FIELD_NUMBER: _ClassVar[int]
    PROMISED_DAYS_FIELD_NUMBER: _ClassVar[int]
    STATUTORY_DAYS_FIELD_NUMBER: _ClassVar[int]
    MATERIALS_FIELD_NUMBER: _ClassVar[int]
    ONLINE_FIELD_NUMBER: _ClassVar[int]
    REGIONS_FIELD_NUMBER: _ClassVar[int]
    MODE_FIELD_NUMBER: _ClassVar[int]
    MOBILE_FIELD_NUMBER: _ClassVar[int]
    FORM_SCHEMA_JSON_FIELD_NUMBER: _ClassVar[int]
    SPECIAL_PROCEDURES_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    NEEDS_VISIT_FIELD_NUMBER: _ClassVar[int]
    REVISION_FIELD_NUMBER: _ClassVar[int]
    UPDATED_AT_FIELD_NUMBER: _ClassVar[int]
    RESULT_LICENSE_TYPE_FIELD_NUMBER: _ClassVar[int]
    code: str
    name: str
    department: str
    region: str
    category: str
    promised_days: int
    statutory_days: int
    materials: _containers.RepeatedCompositeFieldContainer[Material]
    online: bool
    regions: _containers.RepeatedScalarFieldContainer[str]
    mode: str
    mobile: bool
    form_schema_json: str
    special_procedures: _containers.RepeatedCompositeFieldContainer[SpecialProcedure]
    status: str
    needs_visit: bool
    revision: int
    updated_at: str
    result_license_type: str
    def __init__(self, code: _Optional[str] = ..., name: _Optional[str] = ..., department: _Optional[str] = ..., region: _Optional[str] = ..., category: _Optional[str] = ..., promised_days: _Optional[int] = ..., statutory_days: _Optional[int] = ..., materials: _Optional[_Iterable[_Union[Material, _Mapping]]] = ..., online: _Optional[bool] = ..., regions: _Optional[_Iterable[str]] = ..., mode: _Optional[str] = ..., mobile: _Optional[bool] = ..., form_schema_json: _Optional[str] = ..., special_procedures: _Optional[_Iterable[_Union[SpecialProcedure, _Mapping]]] = ..., status: _Optional[str] = ..., needs_visit: _Optional[bool] = ..., revision: _Optional[int] = ..., updated_at: _Optional[str] = ..., result_license_type: _Optional[str] = ...) -> None: ...

class ServiceItemInput(_message.Message):
    __slots__ = ("code", "name", "department", "regions", "category", "mode", "promised_days", "statutory_days", "mobile", "form_schema_json", "materials", "special_procedures", "needs_visit", "publish", "result_license_type")
    CODE_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    DEPARTMENT_FIELD_NUMBER: _ClassVar[int]
    REGIONS_FIELD_NUMBER: _ClassVar[int]
    CATEGORY_FIELD_NUMBER: _ClassVar[int]
    MODE_FIELD_NUMBER: _ClassVar[int]
    PROMISED_DAYS_FIELD_NUMBER: _ClassVar[int]
    STATUTORY_DAYS_FIELD_NUMBER: _ClassVar[int]
    MOBILE_FIELD_NUMBER: _ClassVar[int]
    FORM_SCHEMA_JSON_FIELD_NUMBER: _ClassVar[int]
    MATERIALS_FIELD_NUMBER: _ClassVar[int]
    SPECIAL_PROCEDURES_FIELD_NUMBER: _ClassVar[int]
    NEEDS_VISIT_FIELD_NUMBER: _ClassVar[int]
    PUBLISH_FIELD_NUMBER: _ClassVar[int]
    RESULT_LICENSE_TYPE_FIELD_NUMBER: _ClassVar[int]
    code: str
    name: str
    department: str
    regions: _containers.RepeatedScalarFieldContainer[str]
    category: str
    mode: str
    promised_days: int
    statutory_days: int
    mobile: bool
    form_schema_json: str
    materials: _containers.RepeatedCompositeFieldContainer[Material]
    special_procedures: _containers.RepeatedCompositeFieldContainer[SpecialProcedure]
    needs_visit: bool
    publish: bool
    result_license_type: str
    def __init__(self, code: _Optional[str] = ..., name: _Optional[str] = ..., department: _Optional[str] = ..., regions: _Optional[_Iterable[str]] = ..., category: _Optional[str] = ..., mode: _Optional[str] = ..., promised_days: _Optional[int] = ..., statutory_days: _Optional[int] = ..., mobile: _Optional[bool] = ..., form_schema_json: _Optional[str] = ..., materials: _Optional[_Iterable[_Union[Material, _Mapping]]] = ..., special_procedures: _Optional[_Iterable[_Union[SpecialProcedure, _Mapping]]] = ..., needs_visit: _Optional[bool] = ..., publish: _Optional[bool] = ..., result_license_type: _Optional[str] = ...) -> None: ...

class ChangeServiceItemRequest(_message.Message):
    __slots__ = ("code", "action", "reason", "changes")
    CODE_FIELD_NUMBER: _ClassVar[int]
    ACTION_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    CHANGES_FIELD_NUMBER: _ClassVar[int]
    code: str
    action: str
    reason: str
    changes: ServiceItemInput
    def __init__(self, code: _Optional[str] = ..., action: _Optional[str] = ..., reason: _Optional[str] = ..., changes: _Optional[_Union[ServiceItemInput, _Mapping]] = ...) -> None: ...

class ItemChange(_message.Message):
    __slots__ = ("id", "code", "action", "actor", "reason", "at", "changed_fields")
    ID_FIELD_NUMBER: _ClassVar[int]
    CODE_FIELD_NUMBER: _ClassVar[int]
    ACTION_FIELD_NUMBER: _ClassVar[int]
    ACTOR_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    AT_FIELD_NUMBER: _ClassVar[int]
    CHANGED_FIELDS_FIELD_NUMBER: _ClassVar[int]
    id: int
    code: str
    action: str
    actor: str
    reason: str
    at: str
    changed_fields: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, id: _Optional[int] = ..., code: _Optional[str] = ..., action: _Optional[str] = ..., actor: _Optional[str] = ..., reason: _Optional[str] = ..., at: _Optional[str] = ..., changed_fields: _Optional[_Iterable[str]] = ...) -> None: ...

class ListItemChangesResponse(_message.Message):
    __slots__ = ("changes",)
    CHANGES_FIELD_NUMBER: _ClassVar[int]
    changes: _containers.RepeatedCompositeFieldContainer[ItemChange]
    def __init__(self, changes: _Optional[_Iterable[_Union[ItemChange, _Mapping]]] = ...) -> None: ...

class ListServiceItemsRequest(_message.Message):
    __slots__ = ("region", "category", "q", "mobile", "include_unpublished", "cursor", "limit")
    REGION_FIELD_NUMBER: _ClassVar[int]
    CATEGORY_FIELD_NUMBER: _ClassVar[int]
    Q_FIELD_NUMBER: _ClassVar[int]
    MOBILE_FIELD_NUMBER: _ClassVar[int]
    INCLUDE_UNPUBLISHED_FIELD_NUMBER: _ClassVar[int]
    CURSOR_FIELD_NUMBER: _ClassVar[int]
    LIMIT_FIELD_NUMBER: _ClassVar[int]
    region: str
    category: str
    q: str
    mobile: str
    include_unpublished: bool
    cursor: str
    limit: int
    def __init__(self, region: _Optional[str] = ..., category: _Optional[str] = ..., q: _Optional[str] = ..., mobile: _Optional[str] = ..., include_unpublished: _Optional[bool] = ..., cursor: _Optional[str] = ..., limit: _Optional[int] = ...) -> None: ...

class ListServiceItemsResponse(_message.Message):
    __slots__ = ("items", "next_cursor")
    ITEMS_FIELD_NUMBER: _ClassVar[int]
    NEXT_CURSOR_FIELD_NUMBER: _ClassVar[int]
    items: _containers.RepeatedCompositeFieldContainer[ServiceItem]
    next_cursor: str
    def __init__(self, items: _Optional[_Iterable[_Union[ServiceItem, _Mapping]]] = ..., next_cursor: _Optional[str] = ...) -> None: ...

class GetServiceItemRequest(_message.Message):
    __slots__ = ("code",)
    CODE_FIELD_NUMBER: _ClassVar[int]
    code: str
    def __init__(self, code: _Optional[str] = ...) -> None: ...

class MaterialFile(_message.Message):
    __slots__ = ("material_id", "file_id")
    MATERIAL_ID_FIELD_NUMBER: _ClassVar[int]
    FILE_ID_FIELD_NUMBER: _ClassVar[int]
    material_id: str
    file_id: str
    def __init__(self, material_id: _Optional[str] = ..., file_id: _Optional[str] = ...) -> None: ...

class TimelineEntry(_message.Message):
    __slots__ = ("at", "action", "actor", "status", "note")
    AT_FIELD_NUMBER: _ClassVar[int]
    ACTION_FIELD_NUMBER: _ClassVar[int]
    ACTOR_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    NOTE_FIELD_NUMBER: _ClassVar[int]
    at: str
    action: str
    actor: str
    status: str
    note: str
    def __init__(self, at: _Optional[str] = ..., action: _Optional[str] = ..., actor: _Optional[str] = ..., status: _Optional[str] = ..., note: _Optional[str] = ...) -> None: ...

class Application(_message.Message):
    __slots__ = ("application_no", "item_code", "item_name", "department", "region", "mode", "status", "applicant_id", "agent_id", "channel", "form_json", "materials", "prefilled", "waived_materials", "missing", "acceptance_due", "completion_due", "next_deadline", "next_deadline_kind", "overdue", "submitted_at", "accepted_at", "concluded_at", "outcome", "reason", "receipt_no", "acceptance_kind", "deficiency_material", "deficiency_due", "procedure", "procedure_until", "bundle_no", "timeline", "opinion")
    APPLICATION_NO_FIELD_NUMBER: _ClassVar[int]
    ITEM_CODE_FIELD_NUMBER: _ClassVar[int]
    ITEM_NAME_FIELD_NUMBER: _ClassVar[int]
    DEPARTMENT_FIELD_NUMBER: _ClassVar[int]
    REGION_FIELD_NUMBER: _ClassVar[int]
    MODE_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    APPLICANT_ID_FIELD_NUMBER: _ClassVar[int]
    AGENT_ID_FIELD_NUMBER: _ClassVar[int]
    CHANNEL_FIELD_NUMBER: _ClassVar[int]
    FORM_JSON_FIELD_NUMBER: _ClassVar[int]
    MATERIALS_FIELD_NUMBER: _ClassVar[int]
    PREFILLED_FIELD_NUMBER: _ClassVar[int]
    WAIVED_MATERIALS_FIELD_NUMBER: _ClassVar[int]
    MISSING_FIELD_NUMBER: _ClassVar[int]
    ACCEPTANCE_DUE_FIELD_NUMBER: _ClassVar[int]
    COMPLETION_DUE_FIELD_NUMBER: _ClassVar[int]
    NEXT_DEADLINE_FIELD_NUMBER: _ClassVar[int]
    NEXT_DEADLINE_KIND_FIELD_NUMBER: _ClassVar[int]
    OVERDUE_FIELD_NUMBER: _ClassVar[int]
    SUBMITTED_AT_FIELD_NUMBER: _ClassVar[int]
    ACCEPTED_AT_FIELD_NUMBER: _ClassVar[int]
    CONCLUDED_AT_FIELD_NUMBER: _ClassVar[int]
    OUTCOME_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    RECEIPT_NO_FIELD_NUMBER: _ClassVar[int]
    ACCEPTANCE_KIND_FIELD_NUMBER: _ClassVar[int]
    DEFICIENCY_MATERIAL_FIELD_NUMBER: _ClassVar[int]
    DEFICIENCY_DUE_FIELD_NUMBER: _ClassVar[int]
    PROCEDURE_FIELD_NUMBER: _ClassVar[int]
    PROCEDURE_UNTIL_FIELD_NUMBER: _ClassVar[int]
    BUNDLE_NO_FIELD_NUMBER: _ClassVar[int]
    TIMELINE_FIELD_NUMBER: _ClassVar[int]
    OPINION_FIELD_NUMBER: _ClassVar[int]
    application_no: str
    item_code: str
    item_name: str
    department: str
    region: str
    mode: str
    status: str
    applicant_id: str
    agent_id: str
    channel: str
    form_json: str
    materials: _containers.RepeatedCompositeFieldContainer[MaterialFile]
    prefilled: _containers.RepeatedScalarFieldContainer[str]
    waived_materials: _containers.RepeatedScalarFieldContainer[str]
    missing: _containers.RepeatedScalarFieldContainer[str]
    acceptance_due: str
    completion_due: str
    next_deadline: str
    next_deadline_kind: str
    overdue: bool
    submitted_at: str
    accepted_at: str
    concluded_at: str
    outcome: str
    reason: str
    receipt_no: str
    acceptance_kind: str
    deficiency_material: str
    deficiency_due: str
    procedure: str
    procedure_until: str
    bundle_no: str
    timeline: _containers.RepeatedCompositeFieldContainer[TimelineEntry]
    opinion: str
    def __init__(self, application_no: _Optional[str] = ..., item_code: _Optional[str] = ..., item_name: _Optional[str] = ..., department: _Optional[str] = ..., region: _Optional[str] = ..., mode: _Optional[str] = ..., status: _Optional[str] = ..., applicant_id: _Optional[str] = ..., agent_id: _Optional[str] = ..., channel: _Optional[str] = ..., form_json: _Optional[str] = ..., materials: _Optional[_Iterable[_Union[MaterialFile, _Mapping]]] = ..., prefilled: _Optional[_Iterable[str]] = ..., waived_materials: _Optional[_Iterable[str]] = ..., missing: _Optional[_Iterable[str]] = ..., acceptance_due: _Optional[str] = ..., completion_due: _Optional[str] = ..., next_deadline: _Optional[str] = ..., next_deadline_kind: _Optional[str] = ..., overdue: _Optional[bool] = ..., submitted_at: _Optional[str] = ..., accepted_at: _Optional[str] = ..., concluded_at: _Optional[str] = ..., outcome: _Optional[str] = ..., reason: _Optional[str] = ..., receipt_no: _Optional[str] = ..., acceptance_kind: _Optional[str] = ..., deficiency_material: _Optional[str] = ..., deficiency_due: _Optional[str] = ..., procedure: _Optional[str] = ..., procedure_until: _Optional[str] = ..., bundle_no: _Optional[str] = ..., timeline: _Optional[_Iterable[_Union[TimelineEntry, _Mapping]]] = ..., opinion: _Optional[str] = ...) -> None: ...

class SubmitApplicationRequest(_message.Message):
    __slots__ = ("item_code", "region", "form_json", "materials", "idempotency_key", "channel", "applicant_id")
    ITEM_CODE_FIELD_NUMBER: _ClassVar[int]
    REGION_FIELD_NUMBER: _ClassVar[int]
    FORM_JSON_FIELD_NUMBER: _ClassVar[int]
    MATERIALS_FIELD_NUMBER: _ClassVar[int]
    IDEMPOTENCY_KEY_FIELD_NUMBER: _ClassVar[int]
    CHANNEL_FIELD_NUMBER: _ClassVar[int]
    APPLICANT_ID_FIELD_NUMBER: _ClassVar[int]
    item_code: str
    region: str
    form_json: str
    materials: _containers.RepeatedCompositeFieldContainer[MaterialFile]
    idempotency_key: str
    channel: str
    applicant_id: str
    def __init__(self, item_code: _Optional[str] = ..., region: _Optional[str] = ..., form_json: _Optional[str] = ..., materials: _Optional[_Iterable[_Union[MaterialFile, _Mapping]]] = ..., idempotency_key: _Optional[str] = ..., channel: _Optional[str] = ..., applicant_id: _Optional[str] = ...) -> None: ...

class GetApplicationRequest(_message.Message):
    __slots__ = ("application_no",)
    APPLICATION_NO_FIELD_NUMBER: _ClassVar[int]
    application_no: str
    def __init__(self, application_no: _Optional[str] = ...) -> None: ...

class ListApplicationsRequest(_message.Message):
    __slots__ = ("status", "item_code", "overdue", "mine", "cursor", "limit", "department", "region")
    STATUS_FIELD_NUMBER: _ClassVar[int]
    ITEM_CODE_FIELD_NUMBER: _ClassVar[int]
    OVERDUE_FIELD_NUMBER: _ClassVar[int]
    MINE_FIELD_NUMBER: _ClassVar[int]
    CURSOR_FIELD_NUMBER: _ClassVar[int]
    LIMIT_FIELD_NUMBER: _ClassVar[int]
    DEPARTMENT_FIELD_NUMBER: _ClassVar[int]
    REGION_FIELD_NUMBER: _ClassVar[int]
    status: str
    item_code: str
    overdue: str
    mine: bool
    cursor: str
    limit: int
    department: str
    region: str
    def __init__(self, status: _Optional[str] = ..., item_code: _Optional[str] = ..., overdue: _Optional[str] = ..., mine: _Optional[bool] = ..., cursor: _Optional[str] = ..., limit: _Optional[int] = ..., department: _Optional[str] = ..., region: _Optional[str] = ...) -> None: ...

class ListApplicationsResponse(_message.Message):
    __slots__ = ("applications", "next_cursor")
    APPLICATIONS_FIELD_NUMBER: _ClassVar[int]
    NEXT_CURSOR_FIELD_NUMBER: _ClassVar[int]
    applications: _containers.RepeatedCompositeFieldContainer[Application]
    next_cursor: str
    def __init__(self, applications: _Optional[_Iterable[_Union[Application, _Mapping]]] = ..., next_cursor: _Optional[str] = ...) -> None: ...

class ApplicationActionRequest(_message.Message):
    __slots__ = ("application_no", "action", "opinion", "missing", "reason", "outcome", "material_id", "due_days", "procedure", "result_fields")
    class ResultFieldsEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    APPLICATION_NO_FIELD_NUMBER: _ClassVar[int]
    ACTION_FIELD_NUMBER: _ClassVar[int]
    OPINION_FIELD_NUMBER: _ClassVar[int]
    MISSING_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    OUTCOME_FIELD_NUMBER: _ClassVar[int]
    MATERIAL_ID_FIELD_NUMBER: _ClassVar[int]
    DUE_DAYS_FIELD_NUMBER: _ClassVar[int]
    PROCEDURE_FIELD_NUMBER: _ClassVar[int]
    RESULT_FIELDS_FIELD_NUMBER: _ClassVar[int]
    application_no: str
    action: str
    opinion: str
    missing: _containers.RepeatedScalarFieldContainer[str]
    reason: str
    outcome: str
    material_id: str
    due_days: int
    procedure: str
    result_fields: _containers.ScalarMap[str, str]
    def __init__(self, application_no: _Optional[str] = ..., action: _Optional[str] = ..., opinion: _Optional[str] = ..., missing: _Optional[_Iterable[str]] = ..., reason: _Optional[str] = ..., outcome: _Optional[str] = ..., material_id: _Optional[str] = ..., due_days: _Optional[int] = ..., procedure: _Optional[str] = ..., result_fields: _Optional[_Mapping[str, str]] = ...) -> None: ...

class ResubmitApplicationRequest(_message.Message):
    __slots__ = ("application_no", "form_json", "materials", "has_form", "has_materials")
    APPLICATION_NO_FIELD_NUMBER: _ClassVar[int]
    FORM_JSON_FIELD_NUMBER: _ClassVar[int]
    MATERIALS_FIELD_NUMBER: _ClassVar[int]
    HAS_FORM_FIELD_NUMBER: _ClassVar[int]
    HAS_MATERIALS_FIELD_NUMBER: _ClassVar[int]
    application_no: str
    form_json: str
    materials: _containers.RepeatedCompositeFieldContainer[MaterialFile]
    has_form: bool
    has_materials: bool
    def __init__(self, application_no: _Optional[str] = ..., form_json: _Optional[str] = ..., materials: _Optional[_Iterable[_Union[MaterialFile, _Mapping]]] = ..., has_form: _Optional[bool] = ..., has_materials: _Optional[bool] = ...) -> None: ...

class Bundle(_message.Message):
    __slots__ = ("bundle_code", "name", "item_codes", "regions", "department")
    BUNDLE_CODE_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    ITEM_CODES_FIELD_NUMBER: _ClassVar[int]
    REGIONS_FIELD_NUMBER: _ClassVar[int]
    DEPARTMENT_FIELD_NUMBER: _ClassVar[int]
    bundle_code: str
    name: str
    item_codes: _containers.RepeatedScalarFieldContainer[str]
    regions: _containers.RepeatedScalarFieldContainer[str]
    department: str
    def __init__(self, bundle_code: _Optional[str] = ..., name: _Optional[str] = ..., item_codes: _Optional[_Iterable[str]] = ..., regions: _Optional[_Iterable[str]] = ..., department: _Optional[str] = ...) -> None: ...

class ListBundlesRequest(_message.Message):
    __slots__ = ("region",)
    REGION_FIELD_NUMBER: _ClassVar[int]
    region: str
    def __init__(self, region: _Optional[str] = ...) -> None: ...

class ListBundlesResponse(_message.Message):
    __slots__ = ("bundles",)
    BUNDLES_FIELD_NUMBER: _ClassVar[int]
    bundles: _containers.RepeatedCompositeFieldContainer[Bundle]
    def __init__(self, bundles: _Optional[_Iterable[_Union[Bundle, _Mapping]]] = ...) -> None: ...

class SubmitBundleRequest(_message.Message):
    __slots__ = ("bundle_code", "region", "form_json", "materials", "idempotency_key")
    BUNDLE_CODE_FIELD_NUMBER: _ClassVar[int]
    REGION_FIELD_NUMBER: _ClassVar[int]
    FORM_JSON_FIELD_NUMBER: _ClassVar[int]
    MATERIALS_FIELD_NUMBER: _ClassVar[int]
    IDEMPOTENCY_KEY_FIELD_NUMBER: _ClassVar[int]
    bundle_code: str
    region: str
    form_json: str
    materials: _containers.RepeatedCompositeFieldContainer[MaterialFile]
    idempotency_key: str
    def __init__(self, bundle_code: _Optional[str] = ..., region: _Optional[str] = ..., form_json: _Optional[str] = ..., materials: _Optional[_Iterable[_Union[MaterialFile, _Mapping]]] = ..., idempotency_key: _Optional[str] = ...) -> None: ...

class GetBundleApplicationRequest(_message.Message):
    __slots__ = ("bundle_no",)
    BUNDLE_NO_FIELD_NUMBER: _ClassVar[int]
    bundle_no: str
    def __init__(self, bundle_no: _Optional[str] = ...) -> None: ...

class BundleApplication(_message.Message):
    __slots__ = ("bundle_no", "bundle_code", "name", "status", "outcome", "applications")
    BUNDLE_NO_FIELD_NUMBER: _ClassVar[int]
    BUNDLE_CODE_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    OUTCOME_FIELD_NUMBER: _ClassVar[int]
    APPLICATIONS_FIELD_NUMBER: _ClassVar[int]
    bundle_no: str
    bundle_code: str
    name: str
    status: str
    outcome: str
    applications: _containers.RepeatedCompositeFieldContainer[Application]
    def __init__(self, bundle_no: _Optional[str] = ..., bundle_code: _Optional[str] = ..., name: _Optional[str] = ..., status: _Optional[str] = ..., outcome: _Optional[str] = ..., applications: _Optional[_Iterable[_Union[Application, _Mapping]]] = ...) -> None: ...

class Slot(_message.Message):
    __slots__ = ("slot_id", "region", "window", "day", "start", "end", "capacity", "booked", "item_code")
    SLOT_ID_FIELD_NUMBER: _ClassVar[int]
    REGION_FIELD_NUMBER: _ClassVar[int]
    WINDOW_FIELD_NUMBER: _ClassVar[int]
    DAY_FIELD_NUMBER: _ClassVar[int]
    START_FIELD_NUMBER: _ClassVar[int]
    END_FIELD_NUMBER: _ClassVar[int]
    CAPACITY_FIELD_NUMBER: _ClassVar[int]
    BOOKED_FIELD_NUMBER: _ClassVar[int]
    ITEM_CODE_FIELD_NUMBER: _ClassVar[int]
    slot_id: str
    region: str
    window: str
    day: str
    start: str
    end: str
    capacity: int
    booked: int
    item_code: str
    def __init__(self, slot_id: _Optional[str] = ..., region: _Optional[str] = ..., window: _Optional[str] = ..., day: _Optional[str] = ..., start: _Optional[str] = ..., end: _Optional[str] = ..., capacity: _Optional[int] = ..., booked: _Optional[int] = ..., item_code: _Optional[str] = ...) -> None: ...

class CreateSlotsRequest(_message.Message):
    __slots__ = ("region", "window", "day", "starts", "minutes", "capacity", "item_code")
    REGION_FIELD_NUMBER: _ClassVar[int]
    WINDOW_FIELD_NUMBER: _ClassVar[int]
    DAY_FIELD_NUMBER: _ClassVar[int]
    STARTS_FIELD_NUMBER: _ClassVar[int]
    MINUTES_FIELD_NUMBER: _ClassVar[int]
    CAPACITY_FIELD_NUMBER: _ClassVar[int]
    ITEM_CODE_FIELD_NUMBER: _ClassVar[int]
    region: str
    window: str
    day: str
    starts: _containers.RepeatedScalarFieldContainer[str]
    minutes: int
    capacity: int
    item_code: str
    def __init__(self, region: _Optional[str] = ..., window: _Optional[str] = ..., day: _Optional[str] = ..., starts: _Optional[_Iterable[str]] = ..., minutes: _Optional[int] = ..., capacity: _Optional[int] = ..., item_code: _Optional[str] = ...) -> None: ...

class ListSlotsRequest(_message.Message):
    __slots__ = ("region", "day", "item_code")
    REGION_FIELD_NUMBER: _ClassVar[int]
    DAY_FIELD_NUMBER: _ClassVar[int]
    ITEM_CODE_FIELD_NUMBER: _ClassVar[int]
    region: str
    day: str
    item_code: str
    def __init__(self, region: _Optional[str] = ..., day: _Optional[str] = ..., item_code: _Optional[str] = ...) -> None: ...

class ListSlotsResponse(_message.Message):
    __slots__ = ("slots",)
    SLOTS_FIELD_NUMBER: _ClassVar[int]
    slots: _containers.RepeatedCompositeFieldContainer[Slot]
    def __init__(self, slots: _Optional[_Iterable[_Union[Slot, _Mapping]]] = ...) -> None: ...

class BookAppointmentRequest(_message.Message):
    __slots__ = ("slot_id", "application_no", "idempotency_key")
    SLOT_ID_FIELD_NUMBER: _ClassVar[int]
    APPLICATION_NO_FIELD_NUMBER: _ClassVar[int]
    IDEMPOTENCY_KEY_FIELD_NUMBER: _ClassVar[int]
    slot_id: str
    application_no: str
    idempotency_key: str
    def __init__(self, slot_id: _Optional[str] = ..., application_no: _Optional[str] = ..., idempotency_key: _Optional[str] = ...) -> None: ...

class ChangeAppointmentRequest(_message.Message):
    __slots__ = ("appointment_id", "action")
    APPOINTMENT_ID_FIELD_NUMBER: _ClassVar[int]
    ACTION_FIELD_NUMBER: _ClassVar[int]
    appointment_id: str
    action: str
    def __init__(self, appointment_id: _Optional[str] = ..., action: _Optional[str] = ...) -> None: ...

class Appointment(_message.Message):
    __slots__ = ("appointment_id", "slot_id", "account_id", "application_no", "status", "day", "start", "window", "region", "created_at")
    APPOINTMENT_ID_FIELD_NUMBER: _ClassVar[int]
    SLOT_ID_FIELD_NUMBER: _ClassVar[int]
    ACCOUNT_ID_FIELD_NUMBER: _ClassVar[int]
    APPLICATION_NO_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    DAY_FIELD_NUMBER: _ClassVar[int]
    START_FIELD_NUMBER: _ClassVar[int]
    WINDOW_FIELD_NUMBER: _ClassVar[int]
    REGION_FIELD_NUMBER: _ClassVar[int]
    CREATED_AT_FIELD_NUMBER: _ClassVar[int]
    appointment_id: str
    slot_id: str
    account_id: str
    application_no: str
    status: str
    day: str
    start: str
    window: str
    region: str
    created_at: str
    def __init__(self, appointment_id: _Optional[str] = ..., slot_id: _Optional[str] = ..., account_id: _Optional[str] = ..., application_no: _Optional[str] = ..., status: _Optional[str] = ..., day: _Optional[str] = ..., start: _Optional[str] = ..., window: _Optional[str] = ..., region: _Optional[str] = ..., created_at: _Optional[str] = ...) -> None: ...

class ListAppointmentsRequest(_message.Message):
    __slots__ = ("mine", "region", "day")
    MINE_FIELD_NUMBER: _ClassVar[int]
    REGION_FIELD_NUMBER: _ClassVar[int]
    DAY_FIELD_NUMBER: _ClassVar[int]
    mine: bool
    region: str
    day: str
    def __init__(self, mine: _Optional[bool] = ..., region: _Optional[str] = ..., day: _Optional[str] = ...) -> None: ...

class ListAppointmentsResponse(_message.Message):
    __slots__ = ("appointments",)
    APPOINTMENTS_FIELD_NUMBER: _ClassVar[int]
    appointments: _containers.RepeatedCompositeFieldContainer[Appointment]
    def __init__(self, appointments: _Optional[_Iterable[_Union[Appointment, _Mapping]]] = ...) -> None: ...

class ListFlagsRequest(_message.Message):
    __slots__ = ("day",)
    DAY_FIELD_NUMBER: _ClassVar[int]
    day: str
    def __init__(self, day: _Optional[str] = ...) -> None: ...

class Flag(_message.Message):
    __slots__ = ("application_no", "kind", "text", "day", "region")
    APPLICATION_NO_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    TEXT_FIELD_NUMBER: _ClassVar[int]
    DAY_FIELD_NUMBER: _ClassVar[int]
    REGION_FIELD_NUMBER: _ClassVar[int]
    application_no: str
    kind: str
    text: str
    day: str
    region: str
    def __init__(self, application_no: _Optional[str] = ..., kind: _Optional[str] = ..., text: _Optional[str] = ..., day: _Optional[str] = ..., region: _Optional[str] = ...) -> None: ...

class ListFlagsResponse(_message.Message):
    __slots__ = ("flags",)
    FLAGS_FIELD_NUMBER: _ClassVar[int]
    flags: _containers.RepeatedCompositeFieldContainer[Flag]
    def __init__(self, flags: _Optional[_Iterable[_Union[Flag, _Mapping]]] = ...) -> None: ...
