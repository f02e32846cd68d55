from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class PublicTicket(_message.Message):
    __slots__ = ("ticket_no", "status", "category", "county", "county_name", "prefecture_name", "description", "channel", "filed_by", "lat", "lng", "assignee_name", "created_at", "updated_at", "due_at", "overdue")
    TICKET_NO_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    CATEGORY_FIELD_NUMBER: _ClassVar[int]
    COUNTY_FIELD_NUMBER: _ClassVar[int]
    COUNTY_NAME_FIELD_NUMBER: _ClassVar[int]
    PREFECTURE_NAME_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    CHANNEL_FIELD_NUMBER: _ClassVar[int]
    FILED_BY_FIELD_NUMBER: _ClassVar[int]
    LAT_FIELD_NUMBER: _ClassVar[int]
    LNG_FIELD_NUMBER: _ClassVar[int]
    ASSIGNEE_NAME_FIELD_NUMBER: _ClassVar[int]
    CREATED_AT_FIELD_NUMBER: _ClassVar[int]
    UPDATED_AT_FIELD_NUMBER: _ClassVar[int]
    DUE_AT_FIELD_NUMBER: _ClassVar[int]
    OVERDUE_FIELD_NUMBER: _ClassVar[int]
    ticket_no: str
    status: str
    category: str
    county: str
    county_name: str
    prefecture_name: str
    description: str
    channel: str
    filed_by: str
    lat: float
    lng: float
    assignee_name: str
    created_at: str
    updated_at: str
    due_at: str
    overdue: bool
    def __init__(self, ticket_no: _Optional[str] = ..., status: _Optional[str] = ..., category: _Optional[str] = ..., county: _Optional[str] = ..., county_name: _Optional[str] = ..., prefecture_name: _Optional[str] = ..., description: _Optional[str] = ..., channel: _Optional[str] = ..., filed_by: _Optional[str] = ..., lat: _Optional[float] = ..., lng: _Optional[float] = ..., assignee_name: _Optional[str] = ..., created_at: _Optional[str] = ..., updated_at: _Optional[str] = ..., due_at: _Optional[str] = ..., overdue: _Optional[bool] = ...) -> None: ...

class ListPublicTicketsRequest(_message.Message):
    __slots__ = ("ticket_nos", "statuses", "categories", "region", "since", "until", "limit")
    TICKET_NOS_FIELD_NUMBER: _ClassVar[int]
    STATUSES_FIELD_NUMBER: _ClassVar[int]
    CATEGORIES_FIELD_NUMBER: _ClassVar[int]
    REGION_FIELD_NUMBER: _ClassVar[int]
    SINCE_FIELD_NUMBER: _ClassVar[int]
    UNTIL_FIELD_NUMBER: _ClassVar[int]
    LIMIT_FIELD_NUMBER: _ClassVar[int]
    ticket_nos: _containers.RepeatedScalarFieldContainer[str]
    statuses: _containers.RepeatedScalarFieldContainer[str]
    categories: _containers.RepeatedScalarFieldContainer[str]
    region: str
    since: str
    until: str
    limit: int
    def __init__(self, ticket_nos: _Optional[_Iterable[str]] = ..., statuses: _Optional[_Iterable[str]] = ..., categories: _Optional[_Iterable[str]] = ..., region: _Optional[str] = ..., since: _Optional[str] = ..., until: _Optional[str] = ..., limit: _Optional[int] = ...) -> None: ...

class ListPublicTicketsResponse(_message.Message):
    __slots__ = ("tickets",)
    TICKETS_FIELD_NUMBER: _ClassVar[int]
    tickets: _containers.RepeatedCompositeFieldContainer[PublicTicket]
    def __init__(self, tickets: _Optional[_Iterable[_Union[PublicTicket, _Mapping]]] = ...) -> None: ...

class GetPublicTicketRequest(_message.Message):
    __slots__ = ("ticket_no",)
    TICKET_NO_FIELD_NUMBER: _ClassVar[int]
    ticket_no: str
    def __init__(self, ticket_no: _Optional[str] = ...) -> None: ...
