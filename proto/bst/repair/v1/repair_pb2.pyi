from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class County(_message.Message):
    __slots__ = ("adcode", "name", "prefecture", "lat", "lng", "active_outlets")
    ADCODE_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    PREFECTURE_FIELD_NUMBER: _ClassVar[int]
    LAT_FIELD_NUMBER: _ClassVar[int]
    LNG_FIELD_NUMBER: _ClassVar[int]
    ACTIVE_OUTLETS_FIELD_NUMBER: _ClassVar[int]
    adcode: str
    name: str
    prefecture: str
    lat: float
    lng: float
    active_outlets: int
    def __init__(self, adcode: _Optional[str] = ..., name: _Optional[str] = ..., prefecture: _Optional[str] = ..., lat: _Optional[float] = ..., lng: _Optional[float] = ..., active_outlets: _Optional[int] = ...) -> None: ...

class ListCountiesRequest(_message.Message):
    __slots__ = ("within",)
    WITHIN_FIELD_NUMBER: _ClassVar[int]
    within: str
    def __init__(self, within: _Optional[str] = ...) -> None: ...

class ListCountiesResponse(_message.Message):
    __slots__ = ("counties",)
    COUNTIES_FIELD_NUMBER: _ClassVar[int]
    counties: _containers.RepeatedCompositeFieldContainer[County]
    def __init__(self, counties: _Optional[_Iterable[_Union[County, _Mapping]]] = ...) -> None: ...

class Outlet(_message.Message):
    __slots__ = ("outlet_id", "county", "name", "kind", "categories", "lat", "lng", "phone", "capacity", "active")
    OUTLET_ID_FIELD_NUMBER: _ClassVar[int]
    COUNTY_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    CATEGORIES_FIELD_NUMBER: _ClassVar[int]
    LAT_FIELD_NUMBER: _ClassVar[int]
    LNG_FIELD_NUMBER: _ClassVar[int]
    PHONE_FIELD_NUMBER: _ClassVar[int]
    CAPACITY_FIELD_NUMBER: _ClassVar[int]
    ACTIVE_FIELD_NUMBER: _ClassVar[int]
    outlet_id: str
    county: str
    name: str
    kind: str
    categories: _containers.RepeatedScalarFieldContainer[str]
    lat: float
    lng: float
    phone: str
    capacity: int
    active: bool
    def __init__(self, outlet_id: _Optional[str] = ..., county: _Optional[str] = ..., name: _Optional[str] = ..., kind: _Optional[str] = ..., categories: _Optional[_Iterable[str]] = ..., lat: _Optional[float] = ..., lng: _Optional[float] = ..., phone: _Optional[str] = ..., capacity: _Optional[int] = ..., active: _Optional[bool] = ...) -> None: ...

class ListOutletsRequest(_message.Message):
    __slots__ = ("county",)
    COUNTY_FIELD_NUMBER: _ClassVar[int]
    county: str
    def __init__(self, county: _Optional[str] = ...) -> None: ...

class ListOutletsResponse(_message.Message):
    __slots__ = ("outlets",)
    OUTLETS_FIELD_NUMBER: _ClassVar[int]
    outlets: _containers.RepeatedCompositeFieldContainer[Outlet]
    def __init__(self, outlets: _Optional[_Iterable[_Union[Outlet, _Mapping]]] = ...) -> None: ...
