from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class CreateFacilityRequest(_message.Message):
    __slots__ = ("county", "code", "kind", "name", "lat", "lng", "township", "village", "platform_id", "inspection_interval_days", "outlet_id")
    COUNTY_FIELD_NUMBER: _ClassVar[int]
    CODE_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    LAT_FIELD_NUMBER: _ClassVar[int]
    LNG_FIELD_NUMBER: _ClassVar[int]
    TOWNSHIP_FIELD_NUMBER: _ClassVar[int]
    VILLAGE_FIELD_NUMBER: _ClassVar[int]
    PLATFORM_ID_FIELD_NUMBER: _ClassVar[int]
    INSPECTION_INTERVAL_DAYS_FIELD_NUMBER: _ClassVar[int]
    OUTLET_ID_FIELD_NUMBER: _ClassVar[int]
    county: str
    code: str
    kind: str
    name: str
    lat: float
    lng: float
    township: str
    village: str
    platform_id: str
    inspection_interval_days: int
    outlet_id: str
    def __init__(self, county: _Optional[str] = ..., code: _Optional[str] = ..., kind: _Optional[str] = ..., name: _Optional[str] = ..., lat: _Optional[float] = ..., lng: _Optional[float] = ..., township: _Optional[str] = ..., village: _Optional[str] = ..., platform_id: _Optional[str] = ..., inspection_interval_days: _Optional[int] = ..., outlet_id: _Optional[str] = ...) -> None: ...

class Facility(_message.Message):
    __slots__ = ("asset_id", "county", "code", "kind", "name", "lat", "lng", "township", "village", "platform_id", "inspection_interval_days", "last_inspected_at", "next_inspection_due", "inspection_overdue", "created_at", "outlet_id")
    ASSET_ID_FIELD_NUMBER: _ClassVar[int]
    COUNTY_FIELD_NUMBER: _ClassVar[int]
    CODE_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    LAT_FIELD_NUMBER: _ClassVar[int]
    LNG_FIELD_NUMBER: _ClassVar[int]
    TOWNSHIP_FIELD_NUMBER: _ClassVar[int]
    VILLAGE_FIELD_NUMBER: _ClassVar[int]
    PLATFORM_ID_FIELD_NUMBER: _ClassVar[int]
    INSPECTION_INTERVAL_DAYS_FIELD_NUMBER: _ClassVar[int]
    LAST_INSPECTED_AT_FIELD_NUMBER: _ClassVar[int]
    NEXT_INSPECTION_DUE_FIELD_NUMBER: _ClassVar[int]
    INSPECTION_OVERDUE_FIELD_NUMBER: _ClassVar[int]
    CREATED_AT_FIELD_NUMBER: _ClassVar[int]
    OUTLET_ID_FIELD_NUMBER: _ClassVar[int]
    asset_id: str
    county: str
    code: str
    kind: str
    name: str
    lat: float
    lng: float
    township: str
    village: str
    platform_id: str
    inspection_interval_days: int
    last_inspected_at: str
    next_inspection_due: str
    inspection_overdue: bool
    created_at: str
    outlet_id: str
    def __init__(self, asset_id: _Optional[str] = ..., county: _Optional[str] = ..., code: _Optional[str] = ..., kind: _Optional[str] = ..., name: _Optional[str] = ..., lat: _Optional[float] = ..., lng: _Optional[float] = ..., township: _Optional[str] = ..., village: _Optional[str] = ..., platform_id: _Optional[str] = ..., inspection_interval_days: _Optional[int] = ..., last_inspected_at: _Optional[str] = ..., next_inspection_due: _Optional[str] = ..., inspection_overdue: _Optional[bool] = ..., created_at: _Optional[str] = ..., outlet_id: _Optional[str] = ...) -> None: ...

class ListFacilitiesRequest(_message.Message):
    __slots__ = ("county", "kind")
    COUNTY_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    county: str
    kind: str
    def __init__(self, county: _Optional[str] = ..., kind: _Optional[str] = ...) -> None: ...

class ListFacilitiesResponse(_message.Message):
    __slots__ = ("facilities",)
    FACILITIES_FIELD_NUMBER: _ClassVar[int]
    facilities: _containers.RepeatedCompositeFieldContainer[Facility]
    def __init__(self, facilities: _Optional[_Iterable[_Union[Facility, _Mapping]]] = ...) -> None: ...

class GetFacilityRequest(_message.Message):
    __slots__ = ("asset_id",)
    ASSET_ID_FIELD_NUMBER: _ClassVar[int]
    asset_id: str
    def __init__(self, asset_id: _Optional[str] = ...) -> None: ...

class SetInspectionPlanRequest(_message.Message):
    __slots__ = ("asset_id", "interval_days")
    ASSET_ID_FIELD_NUMBER: _ClassVar[int]
    INTERVAL_DAYS_FIELD_NUMBER: _ClassVar[int]
    asset_id: str
    interval_days: int
    def __init__(self, asset_id: _Optional[str] = ..., interval_days: _Optional[int] = ...) -> None: ...

class RecordInspectionRequest(_message.Message):
    __slots__ = ("asset_id", "result", "note", "evidence_ids")
    ASSET_ID_FIELD_NUMBER: _ClassVar[int]
    RESULT_FIELD_NUMBER: _ClassVar[int]
    NOTE_FIELD_NUMBER: _ClassVar[int]
    EVIDENCE_IDS_FIELD_NUMBER: _ClassVar[int]
    asset_id: str
    result: str
    note: str
    evidence_ids: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, asset_id: _Optional[str] = ..., result: _Optional[str] = ..., note: _Optional[str] = ..., evidence_ids: _Optional[_Iterable[str]] = ...) -> None: ...

class Inspection(_message.Message):
    __slots__ = ("inspection_id", "asset_id", "county", "at", "inspector", "result", "note", "evidence_ids", "on_time")
    INSPECTION_ID_FIELD_NUMBER: _ClassVar[int]
    ASSET_ID_FIELD_NUMBER: _ClassVar[int]
    COUNTY_FIELD_NUMBER: _ClassVar[int]
    AT_FIELD_NUMBER: _ClassVar[int]
    INSPECTOR_FIELD_NUMBER: _ClassVar[int]
    RESULT_FIELD_NUMBER: _ClassVar[int]
    NOTE_FIELD_NUMBER: _ClassVar[int]
    EVIDENCE_IDS_FIELD_NUMBER: _ClassVar[int]
    ON_TIME_FIELD_NUMBER: _ClassVar[int]
    inspection_id: str
    asset_id: str
    county: str
    at: str
    inspector: str
    result: str
    note: str
    evidence_ids: _containers.RepeatedScalarFieldContainer[str]
    on_time: bool
    def __init__(self, inspection_id: _Optional[str] = ..., asset_id: _Optional[str] = ..., county: _Optional[str] = ..., at: _Optional[str] = ..., inspector: _Optional[str] = ..., result: _Optional[str] = ..., note: _Optional[str] = ..., evidence_ids: _Optional[_Iterable[str]] = ..., on_time: _Optional[bool] = ...) -> None: ...

class ListInspectionsResponse(_message.Message):
    __slots__ = ("inspections",)
    INSPECTIONS_FIELD_NUMBER: _ClassVar[int]
    inspections: _containers.RepeatedCompositeFieldContainer[Inspection]
    def __init__(self, inspections: _Optional[_Iterable[_Union[Inspection, _Mapping]]] = ...) -> None: ...

class RegisterBroadcastPlatformRequest(_message.Message):
    __slots__ = ("county", "name", "scheme", "public_key")
    COUNTY_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    SCHEME_FIELD_NUMBER: _ClassVar[int]
    PUBLIC_KEY_FIELD_NUMBER: _ClassVar[int]
    county: str
    name: str
    scheme: str
    public_key: str
    def __init__(self, county: _Optional[str] = ..., name: _Optional[str] = ..., scheme: _Optional[str] = ..., public_key: _Optional[str] = ...) -> None: ...

class BroadcastPlatform(_message.Message):
    __slots__ = ("platform_id", "county", "name", "scheme", "public_key", "secret", "created_at")
    PLATFORM_ID_FIELD_NUMBER: _ClassVar[int]
    COUNTY_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    SCHEME_FIELD_NUMBER: _ClassVar[int]
    PUBLIC_KEY_FIELD_NUMBER: _ClassVar[int]
    SECRET_FIELD_NUMBER: _ClassVar[int]
    CREATED_AT_FIELD_NUMBER: _ClassVar[int]
    platform_id: str
    county: str
    name: str
    scheme: str
    public_key: str
    secret: str
    created_at: str
    def __init__(self, platform_id: _Optional[str] = ..., county: _Optional[str] = ..., name: _Optional[str] = ..., scheme: _Optional[str] = ..., public_key: _Optional[str] = ..., secret: _Optional[str] = ..., created_at: _Optional[str] = ...) -> None: ...

class ListBroadcastPlatformsResponse(_message.Message):
    __slots__ = ("platforms",)
    PLATFORMS_FIELD_NUMBER: _ClassVar[int]
    platforms: _containers.RepeatedCompositeFieldContainer[BroadcastPlatform]
    def __init__(self, platforms: _Optional[_Iterable[_Union[BroadcastPlatform, _Mapping]]] = ...) -> None: ...

class HeartbeatRequest(_message.Message):
    __slots__ = ("platform_id", "timestamp", "nonce", "signature", "body")
    PLATFORM_ID_FIELD_NUMBER: _ClassVar[int]
    TIMESTAMP_FIELD_NUMBER: _ClassVar[int]
    NONCE_FIELD_NUMBER: _ClassVar[int]
    SIGNATURE_FIELD_NUMBER: _ClassVar[int]
    BODY_FIELD_NUMBER: _ClassVar[int]
    platform_id: str
    timestamp: str
    nonce: str
    signature: str
    body: bytes
    def __init__(self, platform_id: _Optional[str] = ..., timestamp: _Optional[str] = ..., nonce: _Optional[str] = ..., signature: _Optional[str] = ..., body: _Optional[bytes] = ...) -> None: ...

class HeartbeatAck(_message.Message):
    __slots__ = ("asset_id", "received_at")
    ASSET_ID_FIELD_NUMBER: _ClassVar[int]
    RECEIVED_AT_FIELD_NUMBER: _ClassVar[int]
    asset_id: str
    received_at: str
    def __init__(self, asset_id: _Optional[str] = ..., received_at: _Optional[str] = ...) -> None: ...

class TerminalHealthRequest(_message.Message):
    __slots__ = ("county", "to")
    COUNTY_FIELD_NUMBER: _ClassVar[int]
    FROM_FIELD_NUMBER: _ClassVar[int]
    TO_FIELD_NUMBER: _ClassVar[int]
    county: str
    to: str
    def __init__(self, county: _Optional[str] = ..., to: _Optional[str] = ..., **kwargs) -> None: ...

class TerminalHealth(_message.Message):
    __slots__ = ("asset_id", "code", "name", "township", "village", "online_rate", "broadcast_hours_per_day", "heartbeats", "below_online_target", "below_broadcast_target")
    ASSET_ID_FIELD_NUMBER: _ClassVar[int]
    CODE_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    TOWNSHIP_FIELD_NUMBER: _ClassVar[int]
    VILLAGE_FIELD_NUMBER: _ClassVar[int]
    ONLINE_RATE_FIELD_NUMBER: _ClassVar[int]
    BROADCAST_HOURS_PER_DAY_FIELD_NUMBER: _ClassVar[int]
    HEARTBEATS_FIELD_NUMBER: _ClassVar[int]
    BELOW_ONLINE_TARGET_FIELD_NUMBER: _ClassVar[int]
    BELOW_BROADCAST_TARGET_FIELD_NUMBER: _ClassVar[int]
    asset_id: str
    code: str
    name: str
    township: str
    village: str
    online_rate: float
    broadcast_hours_per_day: float
    heartbeats: int
    below_online_target: bool
    below_broadcast_target: bool
    def __init__(self, asset_id: _Optional[str] = ..., code: _Optional[str] = ..., name: _Optional[str] = ..., township: _Optional[str] = ..., village: _Optional[str] = ..., online_rate: _Optional[float] = ..., broadcast_hours_per_day: _Optional[float] = ..., heartbeats: _Optional[int] = ..., below_online_target: _Optional[bool] = ..., below_broadcast_target: _Optional[bool] = ...) -> None: ...

class TerminalHealthResponse(_message.Message):
    __slots__ = ("county", "to", "online_target", "broadcast_hours_target", "terminals")
    COUNTY_FIELD_NUMBER: _ClassVar[int]
    FROM_FIELD_NUMBER: _ClassVar[int]
    TO_FIELD_NUMBER: _ClassVar[int]
    ONLINE_TARGET_FIELD_NUMBER: _ClassVar[int]
    BROADCAST_HOURS_TARGET_FIELD_NUMBER: _ClassVar[int]
    TERMINALS_FIELD_NUMBER: _ClassVar[int]
    county: str
    to: str
    online_target: float
    broadcast_hours_target: float
    terminals: _containers.RepeatedCompositeFieldContainer[TerminalHealth]
    def __init__(self, county: _Optional[str] = ..., to: _Optional[str] = ..., online_target: _Optional[float] = ..., broadcast_hours_target: _Optional[float] = ..., terminals: _Optional[_Iterable[_Union[TerminalHealth, _Mapping]]] = ..., **kwargs) -> None: ...

class GetFeeScheduleRequest(_message.Message):
    __slots__ = ("county",)
    COUNTY_FIELD_NUMBER: _ClassVar[int]
    county: str
    def __init__(self, county: _Optional[str] = ...) -> None: ...

class FeeItem(_message.Message):
    __slots__ = ("name", "amount_fen", "unit")
    NAME_FIELD_NUMBER: _ClassVar[int]
    AMOUNT_FEN_FIELD_NUMBER: _ClassVar[int]
    UNIT_FIELD_NUMBER: _ClassVar[int]
    name: str
    amount_fen: int
    unit: str
    def __init__(self, name: _Optional[str] = ..., amount_fen: _Optional[int] = ..., unit: _Optional[str] = ...) -> None: ...

class FeeSchedule(_message.Message):
    __slots__ = ("county", "items", "free_services", "updated_at")
    COUNTY_FIELD_NUMBER: _ClassVar[int]
    ITEMS_FIELD_NUMBER: _ClassVar[int]
    FREE_SERVICES_FIELD_NUMBER: _ClassVar[int]
    UPDATED_AT_FIELD_NUMBER: _ClassVar[int]
    county: str
    items: _containers.RepeatedCompositeFieldContainer[FeeItem]
    free_services: _containers.RepeatedScalarFieldContainer[str]
    updated_at: str
    def __init__(self, county: _Optional[str] = ..., items: _Optional[_Iterable[_Union[FeeItem, _Mapping]]] = ..., free_services: _Optional[_Iterable[str]] = ..., updated_at: _Optional[str] = ...) -> None: ...
