from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class LicenseType(_message.Message):
    __slots__ = ("code", "name", "issuer_department", "holder_kind", "validity_years")
    CODE_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    ISSUER_DEPARTMENT_FIELD_NUMBER: _ClassVar[int]
    HOLDER_KIND_FIELD_NUMBER: _ClassVar[int]
    VALIDITY_YEARS_FIELD_NUMBER: _ClassVar[int]
    code: str
    name: str
    issuer_department: str
    holder_kind: str
    validity_years: int
    def __init__(self, code: _Optional[str] = ..., name: _Optional[str] = ..., issuer_department: _Optional[str] = ..., holder_kind: _Optional[str] = ..., validity_years: _Optional[int] = ...) -> None: ...

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
