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
