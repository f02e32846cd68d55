from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class GetIndicatorsRequest(_message.Message):
    __slots__ = ("region",)
    REGION_FIELD_NUMBER: _ClassVar[int]
    region: str
    def __init__(self, region: _Optional[str] = ...) -> None: ...

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
    __slots__ = ("region", "total", "levels", "satisfaction_rate", "bad_reviews")
    REGION_FIELD_NUMBER: _ClassVar[int]
    TOTAL_FIELD_NUMBER: _ClassVar[int]
    LEVELS_FIELD_NUMBER: _ClassVar[int]
    SATISFACTION_RATE_FIELD_NUMBER: _ClassVar[int]
    BAD_REVIEWS_FIELD_NUMBER: _ClassVar[int]
    region: str
    total: int
    levels: _containers.RepeatedCompositeFieldContainer[LevelCount]
    satisfaction_rate: float
    bad_reviews: int
    def __init__(self, region: _Optional[str] = ..., total: _Optional[int] = ..., levels: _Optional[_Iterable[_Union[LevelCount, _Mapping]]] = ..., satisfaction_rate: _Optional[float] = ..., bad_reviews: _Optional[int] = ...) -> None: ...

class CountMyReviewsRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class CountMyReviewsResponse(_message.Message):
    __slots__ = ("count",)
    COUNT_FIELD_NUMBER: _ClassVar[int]
    count: int
    def __init__(self, count: _Optional[int] = ...) -> None: ...
