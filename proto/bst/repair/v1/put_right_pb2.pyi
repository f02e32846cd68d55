from bst.repair.v1 import repair_pb2 as _repair_pb2
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from typing import ClassVar as _ClassVar, Optional as _Optional

DESCRIPTOR: _descriptor.FileDescriptor

class DispatchTicketRequest(_message.Message):
    __slots__ = ("ticket_no", "outlet_id", "note")
    TICKET_NO_FIELD_NUMBER: _ClassVar[int]
    OUTLET_ID_FIELD_NUMBER: _ClassVar[int]
    NOTE_FIELD_NUMBER: _ClassVar[int]
    ticket_no: str
    outlet_id: str
    note: str
    def __init__(self, ticket_no: _Optional[str] = ..., outlet_id: _Optional[str] = ..., note: _Optional[str] = ...) -> None: ...

class GetResponseSettingsRequest(_message.Message):
    __slots__ = ("county",)
    COUNTY_FIELD_NUMBER: _ClassVar[int]
    county: str
    def __init__(self, county: _Optional[str] = ...) -> None: ...

class SetResponseSettingsRequest(_message.Message):
    __slots__ = ("county", "village_accept_minutes", "township_accept_minutes")
    COUNTY_FIELD_NUMBER: _ClassVar[int]
    VILLAGE_ACCEPT_MINUTES_FIELD_NUMBER: _ClassVar[int]
    TOWNSHIP_ACCEPT_MINUTES_FIELD_NUMBER: _ClassVar[int]
    county: str
    village_accept_minutes: int
    township_accept_minutes: int
    def __init__(self, county: _Optional[str] = ..., village_accept_minutes: _Optional[int] = ..., township_accept_minutes: _Optional[int] = ...) -> None: ...

class ResponseSettings(_message.Message):
    __slots__ = ("county", "village_accept_minutes", "township_accept_minutes", "customised", "updated_at")
    COUNTY_FIELD_NUMBER: _ClassVar[int]
    VILLAGE_ACCEPT_MINUTES_FIELD_NUMBER: _ClassVar[int]
    TOWNSHIP_ACCEPT_MINUTES_FIELD_NUMBER: _ClassVar[int]
    CUSTOMISED_FIELD_NUMBER: _ClassVar[int]
    UPDATED_AT_FIELD_NUMBER: _ClassVar[int]
    county: str
    village_accept_minutes: int
    township_accept_minutes: int
    customised: bool
    updated_at: str
    def __init__(self, county: _Optional[str] = ..., village_accept_minutes: _Optional[int] = ..., township_accept_minutes: _Optional[int] = ..., customised: _Optional[bool] = ..., updated_at: _Optional[str] = ...) -> None: ...
