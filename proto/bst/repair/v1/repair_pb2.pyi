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
    __slots__ = ("outlet_id", "county", "name", "kind", "categories", "lat", "lng", "phone", "capacity", "active", "business_hours", "open_tickets", "four_haves_on_record")
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
    BUSINESS_HOURS_FIELD_NUMBER: _ClassVar[int]
    OPEN_TICKETS_FIELD_NUMBER: _ClassVar[int]
    FOUR_HAVES_ON_RECORD_FIELD_NUMBER: _ClassVar[int]
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
    business_hours: str
    open_tickets: int
    four_haves_on_record: bool
    def __init__(self, outlet_id: _Optional[str] = ..., county: _Optional[str] = ..., name: _Optional[str] = ..., kind: _Optional[str] = ..., categories: _Optional[_Iterable[str]] = ..., lat: _Optional[float] = ..., lng: _Optional[float] = ..., phone: _Optional[str] = ..., capacity: _Optional[int] = ..., active: _Optional[bool] = ..., business_hours: _Optional[str] = ..., open_tickets: _Optional[int] = ..., four_haves_on_record: _Optional[bool] = ...) -> None: ...

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

class CreateOutletRequest(_message.Message):
    __slots__ = ("county", "name", "kind", "categories", "lat", "lng", "phone", "capacity", "business_hours", "qualification")
    COUNTY_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    CATEGORIES_FIELD_NUMBER: _ClassVar[int]
    LAT_FIELD_NUMBER: _ClassVar[int]
    LNG_FIELD_NUMBER: _ClassVar[int]
    PHONE_FIELD_NUMBER: _ClassVar[int]
    CAPACITY_FIELD_NUMBER: _ClassVar[int]
    BUSINESS_HOURS_FIELD_NUMBER: _ClassVar[int]
    QUALIFICATION_FIELD_NUMBER: _ClassVar[int]
    county: str
    name: str
    kind: str
    categories: _containers.RepeatedScalarFieldContainer[str]
    lat: float
    lng: float
    phone: str
    capacity: int
    business_hours: str
    qualification: FourHaves
    def __init__(self, county: _Optional[str] = ..., name: _Optional[str] = ..., kind: _Optional[str] = ..., categories: _Optional[_Iterable[str]] = ..., lat: _Optional[float] = ..., lng: _Optional[float] = ..., phone: _Optional[str] = ..., capacity: _Optional[int] = ..., business_hours: _Optional[str] = ..., qualification: _Optional[_Union[FourHaves, _Mapping]] = ...) -> None: ...

class FourHaves(_message.Message):
    __slots__ = ("licence_no", "shop_address", "technicians", "spare_parts", "township_point_id")
    LICENCE_NO_FIELD_NUMBER: _ClassVar[int]
    SHOP_ADDRESS_FIELD_NUMBER: _ClassVar[int]
    TECHNICIANS_FIELD_NUMBER: _ClassVar[int]
    SPARE_PARTS_FIELD_NUMBER: _ClassVar[int]
    TOWNSHIP_POINT_ID_FIELD_NUMBER: _ClassVar[int]
    licence_no: str
    shop_address: str
    technicians: int
    spare_parts: bool
    township_point_id: str
    def __init__(self, licence_no: _Optional[str] = ..., shop_address: _Optional[str] = ..., technicians: _Optional[int] = ..., spare_parts: _Optional[bool] = ..., township_point_id: _Optional[str] = ...) -> None: ...

class UpdateOutletRequest(_message.Message):
    __slots__ = ("outlet_id", "active", "capacity", "phone", "name", "business_hours", "categories", "set_categories", "lat", "lng")
    OUTLET_ID_FIELD_NUMBER: _ClassVar[int]
    ACTIVE_FIELD_NUMBER: _ClassVar[int]
    CAPACITY_FIELD_NUMBER: _ClassVar[int]
    PHONE_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    BUSINESS_HOURS_FIELD_NUMBER: _ClassVar[int]
    CATEGORIES_FIELD_NUMBER: _ClassVar[int]
    SET_CATEGORIES_FIELD_NUMBER: _ClassVar[int]
    LAT_FIELD_NUMBER: _ClassVar[int]
    LNG_FIELD_NUMBER: _ClassVar[int]
    outlet_id: str
    active: bool
    capacity: int
    phone: str
    name: str
    business_hours: str
    categories: _containers.RepeatedScalarFieldContainer[str]
    set_categories: bool
    lat: float
    lng: float
    def __init__(self, outlet_id: _Optional[str] = ..., active: _Optional[bool] = ..., capacity: _Optional[int] = ..., phone: _Optional[str] = ..., name: _Optional[str] = ..., business_hours: _Optional[str] = ..., categories: _Optional[_Iterable[str]] = ..., set_categories: _Optional[bool] = ..., lat: _Optional[float] = ..., lng: _Optional[float] = ...) -> None: ...

class ServicePoint(_message.Message):
    __slots__ = ("point_id", "county", "name", "level", "lat", "lng", "agent_ids")
    POINT_ID_FIELD_NUMBER: _ClassVar[int]
    COUNTY_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    LEVEL_FIELD_NUMBER: _ClassVar[int]
    LAT_FIELD_NUMBER: _ClassVar[int]
    LNG_FIELD_NUMBER: _ClassVar[int]
    AGENT_IDS_FIELD_NUMBER: _ClassVar[int]
    point_id: str
    county: str
    name: str
    level: str
    lat: float
    lng: float
    agent_ids: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, point_id: _Optional[str] = ..., county: _Optional[str] = ..., name: _Optional[str] = ..., level: _Optional[str] = ..., lat: _Optional[float] = ..., lng: _Optional[float] = ..., agent_ids: _Optional[_Iterable[str]] = ...) -> None: ...

class ListServicePointsRequest(_message.Message):
    __slots__ = ("county",)
    COUNTY_FIELD_NUMBER: _ClassVar[int]
    county: str
    def __init__(self, county: _Optional[str] = ...) -> None: ...

class ListServicePointsResponse(_message.Message):
    __slots__ = ("points",)
    POINTS_FIELD_NUMBER: _ClassVar[int]
    points: _containers.RepeatedCompositeFieldContainer[ServicePoint]
    def __init__(self, points: _Optional[_Iterable[_Union[ServicePoint, _Mapping]]] = ...) -> None: ...

class CreateServicePointRequest(_message.Message):
    __slots__ = ("county", "name", "level", "lat", "lng", "agent_ids")
    COUNTY_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    LEVEL_FIELD_NUMBER: _ClassVar[int]
    LAT_FIELD_NUMBER: _ClassVar[int]
    LNG_FIELD_NUMBER: _ClassVar[int]
    AGENT_IDS_FIELD_NUMBER: _ClassVar[int]
    county: str
    name: str
    level: str
    lat: float
    lng: float
    agent_ids: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, county: _Optional[str] = ..., name: _Optional[str] = ..., level: _Optional[str] = ..., lat: _Optional[float] = ..., lng: _Optional[float] = ..., agent_ids: _Optional[_Iterable[str]] = ...) -> None: ...

class GetCountyQrRequest(_message.Message):
    __slots__ = ("county", "point", "format")
    COUNTY_FIELD_NUMBER: _ClassVar[int]
    POINT_FIELD_NUMBER: _ClassVar[int]
    FORMAT_FIELD_NUMBER: _ClassVar[int]
    county: str
    point: str
    format: str
    def __init__(self, county: _Optional[str] = ..., point: _Optional[str] = ..., format: _Optional[str] = ...) -> None: ...

class CountyQr(_message.Message):
    __slots__ = ("url", "content_type", "image", "kid")
    URL_FIELD_NUMBER: _ClassVar[int]
    CONTENT_TYPE_FIELD_NUMBER: _ClassVar[int]
    IMAGE_FIELD_NUMBER: _ClassVar[int]
    KID_FIELD_NUMBER: _ClassVar[int]
    url: str
    content_type: str
    image: bytes
    kid: str
    def __init__(self, url: _Optional[str] = ..., content_type: _Optional[str] = ..., image: _Optional[bytes] = ..., kid: _Optional[str] = ...) -> None: ...

class ResolveQrRequest(_message.Message):
    __slots__ = ("qr",)
    QR_FIELD_NUMBER: _ClassVar[int]
    qr: str
    def __init__(self, qr: _Optional[str] = ...) -> None: ...

class QrTarget(_message.Message):
    __slots__ = ("county", "county_name", "point", "point_name")
    COUNTY_FIELD_NUMBER: _ClassVar[int]
    COUNTY_NAME_FIELD_NUMBER: _ClassVar[int]
    POINT_FIELD_NUMBER: _ClassVar[int]
    POINT_NAME_FIELD_NUMBER: _ClassVar[int]
    county: str
    county_name: str
    point: str
    point_name: str
    def __init__(self, county: _Optional[str] = ..., county_name: _Optional[str] = ..., point: _Optional[str] = ..., point_name: _Optional[str] = ...) -> None: ...

class RotateQrKeyRequest(_message.Message):
    __slots__ = ("county",)
    COUNTY_FIELD_NUMBER: _ClassVar[int]
    county: str
    def __init__(self, county: _Optional[str] = ...) -> None: ...

class RevokeQrKeyRequest(_message.Message):
    __slots__ = ("county", "kid")
    COUNTY_FIELD_NUMBER: _ClassVar[int]
    KID_FIELD_NUMBER: _ClassVar[int]
    county: str
    kid: str
    def __init__(self, county: _Optional[str] = ..., kid: _Optional[str] = ...) -> None: ...

class QrKey(_message.Message):
    __slots__ = ("county", "kid", "created_at", "revoked_at")
    COUNTY_FIELD_NUMBER: _ClassVar[int]
    KID_FIELD_NUMBER: _ClassVar[int]
    CREATED_AT_FIELD_NUMBER: _ClassVar[int]
    REVOKED_AT_FIELD_NUMBER: _ClassVar[int]
    county: str
    kid: str
    created_at: str
    revoked_at: str
    def __init__(self, county: _Optional[str] = ..., kid: _Optional[str] = ..., created_at: _Optional[str] = ..., revoked_at: _Optional[str] = ...) -> None: ...

class UploadEvidenceRequest(_message.Message):
    __slots__ = ("content_type", "data", "filename")
    CONTENT_TYPE_FIELD_NUMBER: _ClassVar[int]
    DATA_FIELD_NUMBER: _ClassVar[int]
    FILENAME_FIELD_NUMBER: _ClassVar[int]
    content_type: str
    data: bytes
    filename: str
    def __init__(self, content_type: _Optional[str] = ..., data: _Optional[bytes] = ..., filename: _Optional[str] = ...) -> None: ...

class Evidence(_message.Message):
    __slots__ = ("evidence_id", "content_type", "size", "sha256")
    EVIDENCE_ID_FIELD_NUMBER: _ClassVar[int]
    CONTENT_TYPE_FIELD_NUMBER: _ClassVar[int]
    SIZE_FIELD_NUMBER: _ClassVar[int]
    SHA256_FIELD_NUMBER: _ClassVar[int]
    evidence_id: str
    content_type: str
    size: int
    sha256: str
    def __init__(self, evidence_id: _Optional[str] = ..., content_type: _Optional[str] = ..., size: _Optional[int] = ..., sha256: _Optional[str] = ...) -> None: ...

class GetEvidenceRequest(_message.Message):
    __slots__ = ("evidence_id",)
    EVIDENCE_ID_FIELD_NUMBER: _ClassVar[int]
    evidence_id: str
    def __init__(self, evidence_id: _Optional[str] = ...) -> None: ...

class EvidenceContent(_message.Message):
    __slots__ = ("content_type", "data")
    CONTENT_TYPE_FIELD_NUMBER: _ClassVar[int]
    DATA_FIELD_NUMBER: _ClassVar[int]
    content_type: str
    data: bytes
    def __init__(self, content_type: _Optional[str] = ..., data: _Optional[bytes] = ...) -> None: ...

class CreateTicketRequest(_message.Message):
    __slots__ = ("qr", "county", "category", "description", "contact_name", "contact_phone", "lat", "lng", "address", "outlet_id", "channel", "idempotency_key", "evidence_ids")
    QR_FIELD_NUMBER: _ClassVar[int]
    COUNTY_FIELD_NUMBER: _ClassVar[int]
    CATEGORY_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    CONTACT_NAME_FIELD_NUMBER: _ClassVar[int]
    CONTACT_PHONE_FIELD_NUMBER: _ClassVar[int]
    LAT_FIELD_NUMBER: _ClassVar[int]
    LNG_FIELD_NUMBER: _ClassVar[int]
    ADDRESS_FIELD_NUMBER: _ClassVar[int]
    OUTLET_ID_FIELD_NUMBER: _ClassVar[int]
    CHANNEL_FIELD_NUMBER: _ClassVar[int]
    IDEMPOTENCY_KEY_FIELD_NUMBER: _ClassVar[int]
    EVIDENCE_IDS_FIELD_NUMBER: _ClassVar[int]
    qr: str
    county: str
    category: str
    description: str
    contact_name: str
    contact_phone: str
    lat: float
    lng: float
    address: str
    outlet_id: str
    channel: str
    idempotency_key: str
    evidence_ids: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, qr: _Optional[str] = ..., county: _Optional[str] = ..., category: _Optional[str] = ..., description: _Optional[str] = ..., contact_name: _Optional[str] = ..., contact_phone: _Optional[str] = ..., lat: _Optional[float] = ..., lng: _Optional[float] = ..., address: _Optional[str] = ..., outlet_id: _Optional[str] = ..., channel: _Optional[str] = ..., idempotency_key: _Optional[str] = ..., evidence_ids: _Optional[_Iterable[str]] = ...) -> None: ...

class Assignee(_message.Message):
    __slots__ = ("outlet_id", "name", "phone", "distance_km")
    OUTLET_ID_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    PHONE_FIELD_NUMBER: _ClassVar[int]
    DISTANCE_KM_FIELD_NUMBER: _ClassVar[int]
    outlet_id: str
    name: str
    phone: str
    distance_km: float
    def __init__(self, outlet_id: _Optional[str] = ..., name: _Optional[str] = ..., phone: _Optional[str] = ..., distance_km: _Optional[float] = ...) -> None: ...

class TimelineEntry(_message.Message):
    __slots__ = ("at", "action", "actor", "note", "status")
    AT_FIELD_NUMBER: _ClassVar[int]
    ACTION_FIELD_NUMBER: _ClassVar[int]
    ACTOR_FIELD_NUMBER: _ClassVar[int]
    NOTE_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    at: str
    action: str
    actor: str
    note: str
    status: str
    def __init__(self, at: _Optional[str] = ..., action: _Optional[str] = ..., actor: _Optional[str] = ..., note: _Optional[str] = ..., status: _Optional[str] = ...) -> None: ...

class Rating(_message.Message):
    __slots__ = ("level", "comment", "at")
    LEVEL_FIELD_NUMBER: _ClassVar[int]
    COMMENT_FIELD_NUMBER: _ClassVar[int]
    AT_FIELD_NUMBER: _ClassVar[int]
    level: int
    comment: str
    at: str
    def __init__(self, level: _Optional[int] = ..., comment: _Optional[str] = ..., at: _Optional[str] = ...) -> None: ...

class Ticket(_message.Message):
    __slots__ = ("ticket_no", "status", "county", "category", "description", "channel", "reporter_id", "agent_id", "contact_name", "contact_phone", "lat", "lng", "address", "point", "assignee", "due_at", "overdue", "created_at", "accepted_at", "resolved_at", "closed_at", "rating", "timeline", "evidence_ids", "resolution_note", "contacted_at", "arrived_at", "pending_rating")
    TICKET_NO_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    COUNTY_FIELD_NUMBER: _ClassVar[int]
    CATEGORY_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    CHANNEL_FIELD_NUMBER: _ClassVar[int]
    REPORTER_ID_FIELD_NUMBER: _ClassVar[int]
    AGENT_ID_FIELD_NUMBER: _ClassVar[int]
    CONTACT_NAME_FIELD_NUMBER: _ClassVar[int]
    CONTACT_PHONE_FIELD_NUMBER: _ClassVar[int]
    LAT_FIELD_NUMBER: _ClassVar[int]
    LNG_FIELD_NUMBER: _ClassVar[int]
    ADDRESS_FIELD_NUMBER: _ClassVar[int]
    POINT_FIELD_NUMBER: _ClassVar[int]
    ASSIGNEE_FIELD_NUMBER: _ClassVar[int]
    DUE_AT_FIELD_NUMBER: _ClassVar[int]
    OVERDUE_FIELD_NUMBER: _ClassVar[int]
    CREATED_AT_FIELD_NUMBER: _ClassVar[int]
    ACCEPTED_AT_FIELD_NUMBER: _ClassVar[int]
    RESOLVED_AT_FIELD_NUMBER: _ClassVar[int]
    CLOSED_AT_FIELD_NUMBER: _ClassVar[int]
    RATING_FIELD_NUMBER: _ClassVar[int]
    TIMELINE_FIELD_NUMBER: _ClassVar[int]
    EVIDENCE_IDS_FIELD_NUMBER: _ClassVar[int]
    RESOLUTION_NOTE_FIELD_NUMBER: _ClassVar[int]
    CONTACTED_AT_FIELD_NUMBER: _ClassVar[int]
    ARRIVED_AT_FIELD_NUMBER: _ClassVar[int]
    PENDING_RATING_FIELD_NUMBER: _ClassVar[int]
    ticket_no: str
    status: str
    county: str
    category: str
    description: str
    channel: str
    reporter_id: str
    agent_id: str
    contact_name: str
    contact_phone: str
    lat: float
    lng: float
    address: str
    point: str
    assignee: Assignee
    due_at: str
    overdue: bool
    created_at: str
    accepted_at: str
    resolved_at: str
    closed_at: str
    rating: Rating
    timeline: _containers.RepeatedCompositeFieldContainer[TimelineEntry]
    evidence_ids: _containers.RepeatedScalarFieldContainer[str]
    resolution_note: str
    contacted_at: str
    arrived_at: str
    pending_rating: PendingRating
    def __init__(self, ticket_no: _Optional[str] = ..., status: _Optional[str] = ..., county: _Optional[str] = ..., category: _Optional[str] = ..., description: _Optional[str] = ..., channel: _Optional[str] = ..., reporter_id: _Optional[str] = ..., agent_id: _Optional[str] = ..., contact_name: _Optional[str] = ..., contact_phone: _Optional[str] = ..., lat: _Optional[float] = ..., lng: _Optional[float] = ..., address: _Optional[str] = ..., point: _Optional[str] = ..., assignee: _Optional[_Union[Assignee, _Mapping]] = ..., due_at: _Optional[str] = ..., overdue: _Optional[bool] = ..., created_at: _Optional[str] = ..., accepted_at: _Optional[str] = ..., resolved_at: _Optional[str] = ..., closed_at: _Optional[str] = ..., rating: _Optional[_Union[Rating, _Mapping]] = ..., timeline: _Optional[_Iterable[_Union[TimelineEntry, _Mapping]]] = ..., evidence_ids: _Optional[_Iterable[str]] = ..., resolution_note: _Optional[str] = ..., contacted_at: _Optional[str] = ..., arrived_at: _Optional[str] = ..., pending_rating: _Optional[_Union[PendingRating, _Mapping]] = ...) -> None: ...

class PendingRating(_message.Message):
    __slots__ = ("level", "comment", "recorded_by", "recorded_at", "expires_at")
    LEVEL_FIELD_NUMBER: _ClassVar[int]
    COMMENT_FIELD_NUMBER: _ClassVar[int]
    RECORDED_BY_FIELD_NUMBER: _ClassVar[int]
    RECORDED_AT_FIELD_NUMBER: _ClassVar[int]
    EXPIRES_AT_FIELD_NUMBER: _ClassVar[int]
    level: int
    comment: str
    recorded_by: str
    recorded_at: str
    expires_at: str
    def __init__(self, level: _Optional[int] = ..., comment: _Optional[str] = ..., recorded_by: _Optional[str] = ..., recorded_at: _Optional[str] = ..., expires_at: _Optional[str] = ...) -> None: ...

class GetTicketRequest(_message.Message):
    __slots__ = ("ticket_no",)
    TICKET_NO_FIELD_NUMBER: _ClassVar[int]
    ticket_no: str
    def __init__(self, ticket_no: _Optional[str] = ...) -> None: ...

class ListTicketsRequest(_message.Message):
    __slots__ = ("status", "county", "outlet_id", "mine", "cursor", "limit")
    STATUS_FIELD_NUMBER: _ClassVar[int]
    COUNTY_FIELD_NUMBER: _ClassVar[int]
    OUTLET_ID_FIELD_NUMBER: _ClassVar[int]
    MINE_FIELD_NUMBER: _ClassVar[int]
    CURSOR_FIELD_NUMBER: _ClassVar[int]
    LIMIT_FIELD_NUMBER: _ClassVar[int]
    status: str
    county: str
    outlet_id: str
    mine: bool
    cursor: str
    limit: int
    def __init__(self, status: _Optional[str] = ..., county: _Optional[str] = ..., outlet_id: _Optional[str] = ..., mine: _Optional[bool] = ..., cursor: _Optional[str] = ..., limit: _Optional[int] = ...) -> None: ...

class ListTicketsResponse(_message.Message):
    __slots__ = ("tickets", "next_cursor")
    TICKETS_FIELD_NUMBER: _ClassVar[int]
    NEXT_CURSOR_FIELD_NUMBER: _ClassVar[int]
    tickets: _containers.RepeatedCompositeFieldContainer[Ticket]
    next_cursor: str
    def __init__(self, tickets: _Optional[_Iterable[_Union[Ticket, _Mapping]]] = ..., next_cursor: _Optional[str] = ...) -> None: ...

class TicketActionRequest(_message.Message):
    __slots__ = ("ticket_no", "reason")
    TICKET_NO_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    ticket_no: str
    reason: str
    def __init__(self, ticket_no: _Optional[str] = ..., reason: _Optional[str] = ...) -> None: ...

class ResolveTicketRequest(_message.Message):
    __slots__ = ("ticket_no", "note", "evidence_ids", "fee")
    TICKET_NO_FIELD_NUMBER: _ClassVar[int]
    NOTE_FIELD_NUMBER: _ClassVar[int]
    EVIDENCE_IDS_FIELD_NUMBER: _ClassVar[int]
    FEE_FIELD_NUMBER: _ClassVar[int]
    ticket_no: str
    note: str
    evidence_ids: _containers.RepeatedScalarFieldContainer[str]
    fee: ChargedFee
    def __init__(self, ticket_no: _Optional[str] = ..., note: _Optional[str] = ..., evidence_ids: _Optional[_Iterable[str]] = ..., fee: _Optional[_Union[ChargedFee, _Mapping]] = ...) -> None: ...

class ChargedFee(_message.Message):
    __slots__ = ("item", "amount_fen")
    ITEM_FIELD_NUMBER: _ClassVar[int]
    AMOUNT_FEN_FIELD_NUMBER: _ClassVar[int]
    item: str
    amount_fen: int
    def __init__(self, item: _Optional[str] = ..., amount_fen: _Optional[int] = ...) -> None: ...

class FollowUpTicketRequest(_message.Message):
    __slots__ = ("ticket_no", "reached", "restored", "note")
    TICKET_NO_FIELD_NUMBER: _ClassVar[int]
    REACHED_FIELD_NUMBER: _ClassVar[int]
    RESTORED_FIELD_NUMBER: _ClassVar[int]
    NOTE_FIELD_NUMBER: _ClassVar[int]
    ticket_no: str
    reached: bool
    restored: bool
    note: str
    def __init__(self, ticket_no: _Optional[str] = ..., reached: _Optional[bool] = ..., restored: _Optional[bool] = ..., note: _Optional[str] = ...) -> None: ...

class RateTicketRequest(_message.Message):
    __slots__ = ("ticket_no", "level", "comment")
    TICKET_NO_FIELD_NUMBER: _ClassVar[int]
    LEVEL_FIELD_NUMBER: _ClassVar[int]
    COMMENT_FIELD_NUMBER: _ClassVar[int]
    ticket_no: str
    level: int
    comment: str
    def __init__(self, ticket_no: _Optional[str] = ..., level: _Optional[int] = ..., comment: _Optional[str] = ...) -> None: ...

class Candidate(_message.Message):
    __slots__ = ("outlet_id", "name", "distance_km", "open_tickets", "capacity", "verdict")
    OUTLET_ID_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    DISTANCE_KM_FIELD_NUMBER: _ClassVar[int]
    OPEN_TICKETS_FIELD_NUMBER: _ClassVar[int]
    CAPACITY_FIELD_NUMBER: _ClassVar[int]
    VERDICT_FIELD_NUMBER: _ClassVar[int]
    outlet_id: str
    name: str
    distance_km: float
    open_tickets: int
    capacity: int
    verdict: str
    def __init__(self, outlet_id: _Optional[str] = ..., name: _Optional[str] = ..., distance_km: _Optional[float] = ..., open_tickets: _Optional[int] = ..., capacity: _Optional[int] = ..., verdict: _Optional[str] = ...) -> None: ...

class DispatchDecision(_message.Message):
    __slots__ = ("at", "reason", "chosen_outlet_id", "candidates", "origin_lat", "origin_lng", "origin")
    AT_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    CHOSEN_OUTLET_ID_FIELD_NUMBER: _ClassVar[int]
    CANDIDATES_FIELD_NUMBER: _ClassVar[int]
    ORIGIN_LAT_FIELD_NUMBER: _ClassVar[int]
    ORIGIN_LNG_FIELD_NUMBER: _ClassVar[int]
    ORIGIN_FIELD_NUMBER: _ClassVar[int]
    at: str
    reason: str
    chosen_outlet_id: str
    candidates: _containers.RepeatedCompositeFieldContainer[Candidate]
    origin_lat: float
    origin_lng: float
    origin: str
    def __init__(self, at: _Optional[str] = ..., reason: _Optional[str] = ..., chosen_outlet_id: _Optional[str] = ..., candidates: _Optional[_Iterable[_Union[Candidate, _Mapping]]] = ..., origin_lat: _Optional[float] = ..., origin_lng: _Optional[float] = ..., origin: _Optional[str] = ...) -> None: ...

class DispatchDecisions(_message.Message):
    __slots__ = ("decisions",)
    DECISIONS_FIELD_NUMBER: _ClassVar[int]
    decisions: _containers.RepeatedCompositeFieldContainer[DispatchDecision]
    def __init__(self, decisions: _Optional[_Iterable[_Union[DispatchDecision, _Mapping]]] = ...) -> None: ...

class GetStatsRequest(_message.Message):
    __slots__ = ("region", "since", "until")
    REGION_FIELD_NUMBER: _ClassVar[int]
    SINCE_FIELD_NUMBER: _ClassVar[int]
    UNTIL_FIELD_NUMBER: _ClassVar[int]
    region: str
    since: str
    until: str
    def __init__(self, region: _Optional[str] = ..., since: _Optional[str] = ..., until: _Optional[str] = ...) -> None: ...

class Count(_message.Message):
    __slots__ = ("key", "count")
    KEY_FIELD_NUMBER: _ClassVar[int]
    COUNT_FIELD_NUMBER: _ClassVar[int]
    key: str
    count: int
    def __init__(self, key: _Optional[str] = ..., count: _Optional[int] = ...) -> None: ...

class OutletWorkload(_message.Message):
    __slots__ = ("outlet_id", "name", "assigned", "open", "resolved", "mean_rating", "ratings")
    OUTLET_ID_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    ASSIGNED_FIELD_NUMBER: _ClassVar[int]
    OPEN_FIELD_NUMBER: _ClassVar[int]
    RESOLVED_FIELD_NUMBER: _ClassVar[int]
    MEAN_RATING_FIELD_NUMBER: _ClassVar[int]
    RATINGS_FIELD_NUMBER: _ClassVar[int]
    outlet_id: str
    name: str
    assigned: int
    open: int
    resolved: int
    mean_rating: float
    ratings: int
    def __init__(self, outlet_id: _Optional[str] = ..., name: _Optional[str] = ..., assigned: _Optional[int] = ..., open: _Optional[int] = ..., resolved: _Optional[int] = ..., mean_rating: _Optional[float] = ..., ratings: _Optional[int] = ...) -> None: ...

class Stats(_message.Message):
    __slots__ = ("region", "total", "by_status", "by_category", "restored_within_24h_share", "mean_hours_to_restore", "p90_hours_to_restore", "mean_rating", "ratings", "outlets", "response_circle_share", "response_circle_tickets", "overdue", "restored_tickets", "unrestored_overdue")
    REGION_FIELD_NUMBER: _ClassVar[int]
    TOTAL_FIELD_NUMBER: _ClassVar[int]
    BY_STATUS_FIELD_NUMBER: _ClassVar[int]
    BY_CATEGORY_FIELD_NUMBER: _ClassVar[int]
    RESTORED_WITHIN_24H_SHARE_FIELD_NUMBER: _ClassVar[int]
    MEAN_HOURS_TO_RESTORE_FIELD_NUMBER: _ClassVar[int]
    P90_HOURS_TO_RESTORE_FIELD_NUMBER: _ClassVar[int]
    MEAN_RATING_FIELD_NUMBER: _ClassVar[int]
    RATINGS_FIELD_NUMBER: _ClassVar[int]
    OUTLETS_FIELD_NUMBER: _ClassVar[int]
    RESPONSE_CIRCLE_SHARE_FIELD_NUMBER: _ClassVar[int]
    RESPONSE_CIRCLE_TICKETS_FIELD_NUMBER: _ClassVar[int]
    OVERDUE_FIELD_NUMBER: _ClassVar[int]
    RESTORED_TICKETS_FIELD_NUMBER: _ClassVar[int]
    UNRESTORED_OVERDUE_FIELD_NUMBER: _ClassVar[int]
    region: str
    total: int
    by_status: _containers.RepeatedCompositeFieldContainer[Count]
    by_category: _containers.RepeatedCompositeFieldContainer[Count]
    restored_within_24h_share: float
    mean_hours_to_restore: float
    p90_hours_to_restore: float
    mean_rating: float
    ratings: int
    outlets: _containers.RepeatedCompositeFieldContainer[OutletWorkload]
    response_circle_share: float
    response_circle_tickets: int
    overdue: int
    restored_tickets: int
    unrestored_overdue: int
    def __init__(self, region: _Optional[str] = ..., total: _Optional[int] = ..., by_status: _Optional[_Iterable[_Union[Count, _Mapping]]] = ..., by_category: _Optional[_Iterable[_Union[Count, _Mapping]]] = ..., restored_within_24h_share: _Optional[float] = ..., mean_hours_to_restore: _Optional[float] = ..., p90_hours_to_restore: _Optional[float] = ..., mean_rating: _Optional[float] = ..., ratings: _Optional[int] = ..., outlets: _Optional[_Iterable[_Union[OutletWorkload, _Mapping]]] = ..., response_circle_share: _Optional[float] = ..., response_circle_tickets: _Optional[int] = ..., overdue: _Optional[int] = ..., restored_tickets: _Optional[int] = ..., unrestored_overdue: _Optional[int] = ...) -> None: ...

class ExportMonthRequest(_message.Message):
    __slots__ = ("region", "month")
    REGION_FIELD_NUMBER: _ClassVar[int]
    MONTH_FIELD_NUMBER: _ClassVar[int]
    region: str
    month: str
    def __init__(self, region: _Optional[str] = ..., month: _Optional[str] = ...) -> None: ...

class CsvExport(_message.Message):
    __slots__ = ("filename", "data")
    FILENAME_FIELD_NUMBER: _ClassVar[int]
    DATA_FIELD_NUMBER: _ClassVar[int]
    filename: str
    data: bytes
    def __init__(self, filename: _Optional[str] = ..., data: _Optional[bytes] = ...) -> None: ...

class Notification(_message.Message):
    __slots__ = ("id", "at", "ticket_no", "kind", "text")
    ID_FIELD_NUMBER: _ClassVar[int]
    AT_FIELD_NUMBER: _ClassVar[int]
    TICKET_NO_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    TEXT_FIELD_NUMBER: _ClassVar[int]
    id: int
    at: str
    ticket_no: str
    kind: str
    text: str
    def __init__(self, id: _Optional[int] = ..., at: _Optional[str] = ..., ticket_no: _Optional[str] = ..., kind: _Optional[str] = ..., text: _Optional[str] = ...) -> None: ...

class ListMyNotificationsRequest(_message.Message):
    __slots__ = ("limit",)
    LIMIT_FIELD_NUMBER: _ClassVar[int]
    limit: int
    def __init__(self, limit: _Optional[int] = ...) -> None: ...

class ListMyNotificationsResponse(_message.Message):
    __slots__ = ("notifications",)
    NOTIFICATIONS_FIELD_NUMBER: _ClassVar[int]
    notifications: _containers.RepeatedCompositeFieldContainer[Notification]
    def __init__(self, notifications: _Optional[_Iterable[_Union[Notification, _Mapping]]] = ...) -> None: ...

class CountMyTicketsRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class CountMyTicketsResponse(_message.Message):
    __slots__ = ("count",)
    COUNT_FIELD_NUMBER: _ClassVar[int]
    count: int
    def __init__(self, count: _Optional[int] = ...) -> None: ...
