from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class FieldDef(_message.Message):
    __slots__ = ("name", "label")
    NAME_FIELD_NUMBER: _ClassVar[int]
    LABEL_FIELD_NUMBER: _ClassVar[int]
    name: str
    label: str
    def __init__(self, name: _Optional[str] = ..., label: _Optional[str] = ...) -> None: ...

class LicenseType(_message.Message):
    __slots__ = ("code", "name", "issuer_department", "holder_kind", "validity_years", "fields")
    CODE_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    ISSUER_DEPARTMENT_FIELD_NUMBER: _ClassVar[int]
    HOLDER_KIND_FIELD_NUMBER: _ClassVar[int]
    VALIDITY_YEARS_FIELD_NUMBER: _ClassVar[int]
    FIELDS_FIELD_NUMBER: _ClassVar[int]
    code: str
    name: str
    issuer_department: str
    holder_kind: str
    validity_years: int
    fields: _containers.RepeatedCompositeFieldContainer[FieldDef]
    def __init__(self, code: _Optional[str] = ..., name: _Optional[str] = ..., issuer_department: _Optional[str] = ..., holder_kind: _Optional[str] = ..., validity_years: _Optional[int] = ..., fields: _Optional[_Iterable[_Union[FieldDef, _Mapping]]] = ...) -> None: ...

class ListLicenseTypesRequest(_message.Message):
    __slots__ = ("holder_kind",)
    HOLDER_KIND_FIELD_NUMBER: _ClassVar[int]
    holder_kind: str
    def __init__(self, holder_kind: _Optional[str] = ...) -> None: ...

class ListLicenseTypesResponse(_message.Message):
    __slots__ = ("types",)
    TYPES_FIELD_NUMBER: _ClassVar[int]
    types: _containers.RepeatedCompositeFieldContainer[LicenseType]
    def __init__(self, types: _Optional[_Iterable[_Union[LicenseType, _Mapping]]] = ...) -> None: ...

class GetLicenseFactsRequest(_message.Message):
    __slots__ = ("license_types", "purpose", "reader", "case_ref")
    LICENSE_TYPES_FIELD_NUMBER: _ClassVar[int]
    PURPOSE_FIELD_NUMBER: _ClassVar[int]
    READER_FIELD_NUMBER: _ClassVar[int]
    CASE_REF_FIELD_NUMBER: _ClassVar[int]
    license_types: _containers.RepeatedScalarFieldContainer[str]
    purpose: str
    reader: str
    case_ref: str
    def __init__(self, license_types: _Optional[_Iterable[str]] = ..., purpose: _Optional[str] = ..., reader: _Optional[str] = ..., case_ref: _Optional[str] = ...) -> None: ...

class LicenseFacts(_message.Message):
    __slots__ = ("license_id", "type", "status", "valid_until", "fields")
    class FieldsEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    LICENSE_ID_FIELD_NUMBER: _ClassVar[int]
    TYPE_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    VALID_UNTIL_FIELD_NUMBER: _ClassVar[int]
    FIELDS_FIELD_NUMBER: _ClassVar[int]
    license_id: str
    type: str
    status: str
    valid_until: str
    fields: _containers.ScalarMap[str, str]
    def __init__(self, license_id: _Optional[str] = ..., type: _Optional[str] = ..., status: _Optional[str] = ..., valid_until: _Optional[str] = ..., fields: _Optional[_Mapping[str, str]] = ...) -> None: ...

class GetLicenseFactsResponse(_message.Message):
    __slots__ = ("licenses",)
    LICENSES_FIELD_NUMBER: _ClassVar[int]
    licenses: _containers.RepeatedCompositeFieldContainer[LicenseFacts]
    def __init__(self, licenses: _Optional[_Iterable[_Union[LicenseFacts, _Mapping]]] = ...) -> None: ...

class License(_message.Message):
    __slots__ = ("license_id", "type", "type_name", "issuer_department", "status", "status_reason", "valid_from", "valid_until", "fields", "kid", "seal", "issued_at", "holder_masked")
    class FieldsEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    LICENSE_ID_FIELD_NUMBER: _ClassVar[int]
    TYPE_FIELD_NUMBER: _ClassVar[int]
    TYPE_NAME_FIELD_NUMBER: _ClassVar[int]
    ISSUER_DEPARTMENT_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    STATUS_REASON_FIELD_NUMBER: _ClassVar[int]
    VALID_FROM_FIELD_NUMBER: _ClassVar[int]
    VALID_UNTIL_FIELD_NUMBER: _ClassVar[int]
    FIELDS_FIELD_NUMBER: _ClassVar[int]
    KID_FIELD_NUMBER: _ClassVar[int]
    SEAL_FIELD_NUMBER: _ClassVar[int]
    ISSUED_AT_FIELD_NUMBER: _ClassVar[int]
    HOLDER_MASKED_FIELD_NUMBER: _ClassVar[int]
    license_id: str
    type: str
    type_name: str
    issuer_department: str
    status: str
    status_reason: str
    valid_from: str
    valid_until: str
    fields: _containers.ScalarMap[str, str]
    kid: str
    seal: str
    issued_at: str
    holder_masked: str
    def __init__(self, license_id: _Optional[str] = ..., type: _Optional[str] = ..., type_name: _Optional[str] = ..., issuer_department: _Optional[str] = ..., status: _Optional[str] = ..., status_reason: _Optional[str] = ..., valid_from: _Optional[str] = ..., valid_until: _Optional[str] = ..., fields: _Optional[_Mapping[str, str]] = ..., kid: _Optional[str] = ..., seal: _Optional[str] = ..., issued_at: _Optional[str] = ..., holder_masked: _Optional[str] = ...) -> None: ...

class IssueLicenseRequest(_message.Message):
    __slots__ = ("type", "holder_id_number", "holder_credit_code", "fields", "valid_until", "idempotency_key")
    class FieldsEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    TYPE_FIELD_NUMBER: _ClassVar[int]
    HOLDER_ID_NUMBER_FIELD_NUMBER: _ClassVar[int]
    HOLDER_CREDIT_CODE_FIELD_NUMBER: _ClassVar[int]
    FIELDS_FIELD_NUMBER: _ClassVar[int]
    VALID_UNTIL_FIELD_NUMBER: _ClassVar[int]
    IDEMPOTENCY_KEY_FIELD_NUMBER: _ClassVar[int]
    type: str
    holder_id_number: str
    holder_credit_code: str
    fields: _containers.ScalarMap[str, str]
    valid_until: str
    idempotency_key: str
    def __init__(self, type: _Optional[str] = ..., holder_id_number: _Optional[str] = ..., holder_credit_code: _Optional[str] = ..., fields: _Optional[_Mapping[str, str]] = ..., valid_until: _Optional[str] = ..., idempotency_key: _Optional[str] = ...) -> None: ...

class ChangeLicenseStatusRequest(_message.Message):
    __slots__ = ("license_id", "action", "reason", "valid_until")
    LICENSE_ID_FIELD_NUMBER: _ClassVar[int]
    ACTION_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    VALID_UNTIL_FIELD_NUMBER: _ClassVar[int]
    license_id: str
    action: str
    reason: str
    valid_until: str
    def __init__(self, license_id: _Optional[str] = ..., action: _Optional[str] = ..., reason: _Optional[str] = ..., valid_until: _Optional[str] = ...) -> None: ...

class RotateIssuerKeyRequest(_message.Message):
    __slots__ = ("department",)
    DEPARTMENT_FIELD_NUMBER: _ClassVar[int]
    department: str
    def __init__(self, department: _Optional[str] = ...) -> None: ...

class RotateIssuerKeyResponse(_message.Message):
    __slots__ = ("kid",)
    KID_FIELD_NUMBER: _ClassVar[int]
    kid: str
    def __init__(self, kid: _Optional[str] = ...) -> None: ...

class LinkHolderRequest(_message.Message):
    __slots__ = ("assertion",)
    ASSERTION_FIELD_NUMBER: _ClassVar[int]
    assertion: str
    def __init__(self, assertion: _Optional[str] = ...) -> None: ...

class LinkHolderResponse(_message.Message):
    __slots__ = ("linked", "licenses")
    LINKED_FIELD_NUMBER: _ClassVar[int]
    LICENSES_FIELD_NUMBER: _ClassVar[int]
    linked: bool
    licenses: int
    def __init__(self, linked: _Optional[bool] = ..., licenses: _Optional[int] = ...) -> None: ...

class ListMyLicensesRequest(_message.Message):
    __slots__ = ("status",)
    STATUS_FIELD_NUMBER: _ClassVar[int]
    status: str
    def __init__(self, status: _Optional[str] = ...) -> None: ...

class ListMyLicensesResponse(_message.Message):
    __slots__ = ("licenses", "linked")
    LICENSES_FIELD_NUMBER: _ClassVar[int]
    LINKED_FIELD_NUMBER: _ClassVar[int]
    licenses: _containers.RepeatedCompositeFieldContainer[License]
    linked: bool
    def __init__(self, licenses: _Optional[_Iterable[_Union[License, _Mapping]]] = ..., linked: _Optional[bool] = ...) -> None: ...

class CreatePresentationRequest(_message.Message):
    __slots__ = ("license_id", "fields", "nonce", "audience", "ttl_seconds")
    LICENSE_ID_FIELD_NUMBER: _ClassVar[int]
    FIELDS_FIELD_NUMBER: _ClassVar[int]
    NONCE_FIELD_NUMBER: _ClassVar[int]
    AUDIENCE_FIELD_NUMBER: _ClassVar[int]
    TTL_SECONDS_FIELD_NUMBER: _ClassVar[int]
    license_id: str
    fields: _containers.RepeatedScalarFieldContainer[str]
    nonce: str
    audience: str
    ttl_seconds: int
    def __init__(self, license_id: _Optional[str] = ..., fields: _Optional[_Iterable[str]] = ..., nonce: _Optional[str] = ..., audience: _Optional[str] = ..., ttl_seconds: _Optional[int] = ...) -> None: ...

class Presentation(_message.Message):
    __slots__ = ("presentation", "nonce", "audience", "expires_at")
    PRESENTATION_FIELD_NUMBER: _ClassVar[int]
    NONCE_FIELD_NUMBER: _ClassVar[int]
    AUDIENCE_FIELD_NUMBER: _ClassVar[int]
    EXPIRES_AT_FIELD_NUMBER: _ClassVar[int]
    presentation: str
    nonce: str
    audience: str
    expires_at: str
    def __init__(self, presentation: _Optional[str] = ..., nonce: _Optional[str] = ..., audience: _Optional[str] = ..., expires_at: _Optional[str] = ...) -> None: ...

class ListLicenseUsesRequest(_message.Message):
    __slots__ = ("license_id", "limit")
    LICENSE_ID_FIELD_NUMBER: _ClassVar[int]
    LIMIT_FIELD_NUMBER: _ClassVar[int]
    license_id: str
    limit: int
    def __init__(self, license_id: _Optional[str] = ..., limit: _Optional[int] = ...) -> None: ...

class LicenseUse(_message.Message):
    __slots__ = ("at", "kind", "who", "purpose", "case_ref", "agent_id")
    AT_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    WHO_FIELD_NUMBER: _ClassVar[int]
    PURPOSE_FIELD_NUMBER: _ClassVar[int]
    CASE_REF_FIELD_NUMBER: _ClassVar[int]
    AGENT_ID_FIELD_NUMBER: _ClassVar[int]
    at: str
    kind: str
    who: str
    purpose: str
    case_ref: str
    agent_id: str
    def __init__(self, at: _Optional[str] = ..., kind: _Optional[str] = ..., who: _Optional[str] = ..., purpose: _Optional[str] = ..., case_ref: _Optional[str] = ..., agent_id: _Optional[str] = ...) -> None: ...

class ListLicenseUsesResponse(_message.Message):
    __slots__ = ("uses",)
    USES_FIELD_NUMBER: _ClassVar[int]
    uses: _containers.RepeatedCompositeFieldContainer[LicenseUse]
    def __init__(self, uses: _Optional[_Iterable[_Union[LicenseUse, _Mapping]]] = ...) -> None: ...

class VerifyPresentationRequest(_message.Message):
    __slots__ = ("presentation", "nonce", "audience")
    PRESENTATION_FIELD_NUMBER: _ClassVar[int]
    NONCE_FIELD_NUMBER: _ClassVar[int]
    AUDIENCE_FIELD_NUMBER: _ClassVar[int]
    presentation: str
    nonce: str
    audience: str
    def __init__(self, presentation: _Optional[str] = ..., nonce: _Optional[str] = ..., audience: _Optional[str] = ...) -> None: ...

class VerifyPresentationResponse(_message.Message):
    __slots__ = ("valid", "reason", "message", "type", "type_name", "issuer", "fields")
    class FieldsEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    VALID_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    TYPE_FIELD_NUMBER: _ClassVar[int]
    TYPE_NAME_FIELD_NUMBER: _ClassVar[int]
    ISSUER_FIELD_NUMBER: _ClassVar[int]
    FIELDS_FIELD_NUMBER: _ClassVar[int]
    valid: bool
    reason: str
    message: str
    type: str
    type_name: str
    issuer: str
    fields: _containers.ScalarMap[str, str]
    def __init__(self, valid: _Optional[bool] = ..., reason: _Optional[str] = ..., message: _Optional[str] = ..., type: _Optional[str] = ..., type_name: _Optional[str] = ..., issuer: _Optional[str] = ..., fields: _Optional[_Mapping[str, str]] = ...) -> None: ...

class GetIssuerJwksRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class JsonDocument(_message.Message):
    __slots__ = ("json",)
    JSON_FIELD_NUMBER: _ClassVar[int]
    json: str
    def __init__(self, json: _Optional[str] = ...) -> None: ...

class GetStatusListRequest(_message.Message):
    __slots__ = ("list_id",)
    LIST_ID_FIELD_NUMBER: _ClassVar[int]
    list_id: int
    def __init__(self, list_id: _Optional[int] = ...) -> None: ...

class StatusListToken(_message.Message):
    __slots__ = ("token",)
    TOKEN_FIELD_NUMBER: _ClassVar[int]
    token: str
    def __init__(self, token: _Optional[str] = ...) -> None: ...
