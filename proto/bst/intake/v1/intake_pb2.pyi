from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class ServiceItem(_message.Message):
    __slots__ = ("code", "name", "department", "region", "category", "promised_days", "statutory_days", "materials", "online")
    CODE_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    DEPARTMENT_FIELD_NUMBER: _ClassVar[int]
    REGION_FIELD_NUMBER: _ClassVar[int]
    CATEGORY_FIELD_NUMBER: _ClassVar[int]
    PROMISED_DAYS_FIELD_NUMBER: _ClassVar[int]
    STATUTORY_DAYS_FIELD_NUMBER: _ClassVar[int]
    MATERIALS_FIELD_NUMBER: _ClassVar[int]
    ONLINE_FIELD_NUMBER: _ClassVar[int]
    code: str
    name: str
    department: str
    region: str
    category: str
    promised_days: int
    statutory_days: int
    materials: _containers.RepeatedScalarFieldContainer[str]
    online: bool
    def __init__(self, code: _Optional[str] = ..., name: _Optional[str] = ..., department: _Optional[str] = ..., region: _Optional[str] = ..., category: _Optional[str] = ..., promised_days: _Optional[int] = ..., statutory_days: _Optional[int] = ..., materials: _Optional[_Iterable[str]] = ..., online: _Optional[bool] = ...) -> None: ...

class ListServiceItemsRequest(_message.Message):
    __slots__ = ("region", "category", "q")
    REGION_FIELD_NUMBER: _ClassVar[int]
    CATEGORY_FIELD_NUMBER: _ClassVar[int]
    Q_FIELD_NUMBER: _ClassVar[int]
    region: str
    category: str
    q: str
    def __init__(self, region: _Optional[str] = ..., category: _Optional[str] = ..., q: _Optional[str] = ...) -> None: ...

class ListServiceItemsResponse(_message.Message):
    __slots__ = ("items",)
    ITEMS_FIELD_NUMBER: _ClassVar[int]
    items: _containers.RepeatedCompositeFieldContainer[ServiceItem]
    def __init__(self, items: _Optional[_Iterable[_Union[ServiceItem, _Mapping]]] = ...) -> None: ...

class GetServiceItemRequest(_message.Message):
    __slots__ = ("code",)
    CODE_FIELD_NUMBER: _ClassVar[int]
    code: str
    def __init__(self, code: _Optional[str] = ...) -> None: ...
