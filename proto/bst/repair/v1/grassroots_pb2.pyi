from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class CountyRequest(_message.Message):
    __slots__ = ("county",)
    COUNTY_FIELD_NUMBER: _ClassVar[int]
    county: str
    def __init__(self, county: _Optional[str] = ...) -> None: ...

class Hotline(_message.Message):
    __slots__ = ("county", "county_name", "phone", "hours", "configured")
    COUNTY_FIELD_NUMBER: _ClassVar[int]
    COUNTY_NAME_FIELD_NUMBER: _ClassVar[int]
    PHONE_FIELD_NUMBER: _ClassVar[int]
    HOURS_FIELD_NUMBER: _ClassVar[int]
    CONFIGURED_FIELD_NUMBER: _ClassVar[int]
    county: str
    county_name: str
    phone: str
    hours: str
    configured: bool
    def __init__(self, county: _Optional[str] = ..., county_name: _Optional[str] = ..., phone: _Optional[str] = ..., hours: _Optional[str] = ..., configured: _Optional[bool] = ...) -> None: ...

class SetHotlineRequest(_message.Message):
    __slots__ = ("county", "phone", "hours")
    COUNTY_FIELD_NUMBER: _ClassVar[int]
    PHONE_FIELD_NUMBER: _ClassVar[int]
    HOURS_FIELD_NUMBER: _ClassVar[int]
    county: str
    phone: str
    hours: str
    def __init__(self, county: _Optional[str] = ..., phone: _Optional[str] = ..., hours: _Optional[str] = ...) -> None: ...

class BoardPoint(_message.Message):
    __slots__ = ("point_id", "name", "level", "address", "hours", "phone", "scope", "lat", "lng")
    POINT_ID_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    LEVEL_FIELD_NUMBER: _ClassVar[int]
    ADDRESS_FIELD_NUMBER: _ClassVar[int]
    HOURS_FIELD_NUMBER: _ClassVar[int]
    PHONE_FIELD_NUMBER: _ClassVar[int]
    SCOPE_FIELD_NUMBER: _ClassVar[int]
    LAT_FIELD_NUMBER: _ClassVar[int]
    LNG_FIELD_NUMBER: _ClassVar[int]
    point_id: str
    name: str
    level: str
    address: str
    hours: str
    phone: str
    scope: str
    lat: float
    lng: float
    def __init__(self, point_id: _Optional[str] = ..., name: _Optional[str] = ..., level: _Optional[str] = ..., address: _Optional[str] = ..., hours: _Optional[str] = ..., phone: _Optional[str] = ..., scope: _Optional[str] = ..., lat: _Optional[float] = ..., lng: _Optional[float] = ...) -> None: ...

class Board(_message.Message):
    __slots__ = ("county", "county_name", "hotline", "service_points", "scope")
    COUNTY_FIELD_NUMBER: _ClassVar[int]
    COUNTY_NAME_FIELD_NUMBER: _ClassVar[int]
    HOTLINE_FIELD_NUMBER: _ClassVar[int]
    SERVICE_POINTS_FIELD_NUMBER: _ClassVar[int]
    SCOPE_FIELD_NUMBER: _ClassVar[int]
    county: str
    county_name: str
    hotline: Hotline
    service_points: _containers.RepeatedCompositeFieldContainer[BoardPoint]
    scope: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, county: _Optional[str] = ..., county_name: _Optional[str] = ..., hotline: _Optional[_Union[Hotline, _Mapping]] = ..., service_points: _Optional[_Iterable[_Union[BoardPoint, _Mapping]]] = ..., scope: _Optional[_Iterable[str]] = ...) -> None: ...

class SetPointProfileRequest(_message.Message):
    __slots__ = ("point_id", "address", "hours", "phone", "scope")
    POINT_ID_FIELD_NUMBER: _ClassVar[int]
    ADDRESS_FIELD_NUMBER: _ClassVar[int]
    HOURS_FIELD_NUMBER: _ClassVar[int]
    PHONE_FIELD_NUMBER: _ClassVar[int]
    SCOPE_FIELD_NUMBER: _ClassVar[int]
    point_id: str
    address: str
    hours: str
    phone: str
    scope: str
    def __init__(self, point_id: _Optional[str] = ..., address: _Optional[str] = ..., hours: _Optional[str] = ..., phone: _Optional[str] = ..., scope: _Optional[str] = ...) -> None: ...

class GetPosterRequest(_message.Message):
    __slots__ = ("county", "point", "format")
    COUNTY_FIELD_NUMBER: _ClassVar[int]
    POINT_FIELD_NUMBER: _ClassVar[int]
    FORMAT_FIELD_NUMBER: _ClassVar[int]
    county: str
    point: str
    format: str
    def __init__(self, county: _Optional[str] = ..., point: _Optional[str] = ..., format: _Optional[str] = ...) -> None: ...

class Poster(_message.Message):
    __slots__ = ("content_type", "data", "qr_url")
    CONTENT_TYPE_FIELD_NUMBER: _ClassVar[int]
    DATA_FIELD_NUMBER: _ClassVar[int]
    QR_URL_FIELD_NUMBER: _ClassVar[int]
    content_type: str
    data: bytes
    qr_url: str
    def __init__(self, content_type: _Optional[str] = ..., data: _Optional[bytes] = ..., qr_url: _Optional[str] = ...) -> None: ...

class RecordWalkInRequest(_message.Message):
    __slots__ = ("point_id", "category", "description", "contact_name", "contact_phone", "address", "lat", "lng", "outlet_id", "idempotency_key")
    POINT_ID_FIELD_NUMBER: _ClassVar[int]
    CATEGORY_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    CONTACT_NAME_FIELD_NUMBER: _ClassVar[int]
    CONTACT_PHONE_FIELD_NUMBER: _ClassVar[int]
    ADDRESS_FIELD_NUMBER: _ClassVar[int]
    LAT_FIELD_NUMBER: _ClassVar[int]
    LNG_FIELD_NUMBER: _ClassVar[int]
    OUTLET_ID_FIELD_NUMBER: _ClassVar[int]
    IDEMPOTENCY_KEY_FIELD_NUMBER: _ClassVar[int]
    point_id: str
    category: str
    description: str
    contact_name: str
    contact_phone: str
    address: str
    lat: float
    lng: float
    outlet_id: str
    idempotency_key: str
    def __init__(self, point_id: _Optional[str] = ..., category: _Optional[str] = ..., description: _Optional[str] = ..., contact_name: _Optional[str] = ..., contact_phone: _Optional[str] = ..., address: _Optional[str] = ..., lat: _Optional[float] = ..., lng: _Optional[float] = ..., outlet_id: _Optional[str] = ..., idempotency_key: _Optional[str] = ...) -> None: ...

class WalkIn(_message.Message):
    __slots__ = ("point_id", "day", "ticket_no", "at", "category", "contact_name", "contact_phone", "address", "status", "recorded_by")
    POINT_ID_FIELD_NUMBER: _ClassVar[int]
    DAY_FIELD_NUMBER: _ClassVar[int]
    TICKET_NO_FIELD_NUMBER: _ClassVar[int]
    AT_FIELD_NUMBER: _ClassVar[int]
    CATEGORY_FIELD_NUMBER: _ClassVar[int]
    CONTACT_NAME_FIELD_NUMBER: _ClassVar[int]
    CONTACT_PHONE_FIELD_NUMBER: _ClassVar[int]
    ADDRESS_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    RECORDED_BY_FIELD_NUMBER: _ClassVar[int]
    point_id: str
    day: str
    ticket_no: str
    at: str
    category: str
    contact_name: str
    contact_phone: str
    address: str
    status: str
    recorded_by: str
    def __init__(self, point_id: _Optional[str] = ..., day: _Optional[str] = ..., ticket_no: _Optional[str] = ..., at: _Optional[str] = ..., category: _Optional[str] = ..., contact_name: _Optional[str] = ..., contact_phone: _Optional[str] = ..., address: _Optional[str] = ..., status: _Optional[str] = ..., recorded_by: _Optional[str] = ...) -> None: ...

class ListWalkInsRequest(_message.Message):
    __slots__ = ("point_id", "day", "format")
    POINT_ID_FIELD_NUMBER: _ClassVar[int]
    DAY_FIELD_NUMBER: _ClassVar[int]
    FORMAT_FIELD_NUMBER: _ClassVar[int]
    point_id: str
    day: str
    format: str
    def __init__(self, point_id: _Optional[str] = ..., day: _Optional[str] = ..., format: _Optional[str] = ...) -> None: ...

class WalkIns(_message.Message):
    __slots__ = ("walk_ins", "csv", "filename")
    WALK_INS_FIELD_NUMBER: _ClassVar[int]
    CSV_FIELD_NUMBER: _ClassVar[int]
    FILENAME_FIELD_NUMBER: _ClassVar[int]
    walk_ins: _containers.RepeatedCompositeFieldContainer[WalkIn]
    csv: bytes
    filename: str
    def __init__(self, walk_ins: _Optional[_Iterable[_Union[WalkIn, _Mapping]]] = ..., csv: _Optional[bytes] = ..., filename: _Optional[str] = ...) -> None: ...

class ListVisitsRequest(_message.Message):
    __slots__ = ("done",)
    DONE_FIELD_NUMBER: _ClassVar[int]
    done: bool
    def __init__(self, done: _Optional[bool] = ...) -> None: ...

class VisitTicket(_message.Message):
    __slots__ = ("ticket_no", "point_id", "point_name", "status", "category", "contact_name", "contact_phone", "address", "resolved_at", "rated")
    TICKET_NO_FIELD_NUMBER: _ClassVar[int]
    POINT_ID_FIELD_NUMBER: _ClassVar[int]
    POINT_NAME_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    CATEGORY_FIELD_NUMBER: _ClassVar[int]
    CONTACT_NAME_FIELD_NUMBER: _ClassVar[int]
    CONTACT_PHONE_FIELD_NUMBER: _ClassVar[int]
    ADDRESS_FIELD_NUMBER: _ClassVar[int]
    RESOLVED_AT_FIELD_NUMBER: _ClassVar[int]
    RATED_FIELD_NUMBER: _ClassVar[int]
    ticket_no: str
    point_id: str
    point_name: str
    status: str
    category: str
    contact_name: str
    contact_phone: str
    address: str
    resolved_at: str
    rated: bool
    def __init__(self, ticket_no: _Optional[str] = ..., point_id: _Optional[str] = ..., point_name: _Optional[str] = ..., status: _Optional[str] = ..., category: _Optional[str] = ..., contact_name: _Optional[str] = ..., contact_phone: _Optional[str] = ..., address: _Optional[str] = ..., resolved_at: _Optional[str] = ..., rated: _Optional[bool] = ...) -> None: ...

class Visits(_message.Message):
    __slots__ = ("tickets",)
    TICKETS_FIELD_NUMBER: _ClassVar[int]
    tickets: _containers.RepeatedCompositeFieldContainer[VisitTicket]
    def __init__(self, tickets: _Optional[_Iterable[_Union[VisitTicket, _Mapping]]] = ...) -> None: ...

class RecordVisitRequest(_message.Message):
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

class VisitRecord(_message.Message):
    __slots__ = ("ticket_no", "point_id", "at", "reached", "restored", "note", "status", "rating_invited")
    TICKET_NO_FIELD_NUMBER: _ClassVar[int]
    POINT_ID_FIELD_NUMBER: _ClassVar[int]
    AT_FIELD_NUMBER: _ClassVar[int]
    REACHED_FIELD_NUMBER: _ClassVar[int]
    RESTORED_FIELD_NUMBER: _ClassVar[int]
    NOTE_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    RATING_INVITED_FIELD_NUMBER: _ClassVar[int]
    ticket_no: str
    point_id: str
    at: str
    reached: bool
    restored: bool
    note: str
    status: str
    rating_invited: bool
    def __init__(self, ticket_no: _Optional[str] = ..., point_id: _Optional[str] = ..., at: _Optional[str] = ..., reached: _Optional[bool] = ..., restored: _Optional[bool] = ..., note: _Optional[str] = ..., status: _Optional[str] = ..., rating_invited: _Optional[bool] = ...) -> None: ...

class NearbyOutletsRequest(_message.Message):
    __slots__ = ("qr", "county", "category", "lat", "lng")
    QR_FIELD_NUMBER: _ClassVar[int]
    COUNTY_FIELD_NUMBER: _ClassVar[int]
    CATEGORY_FIELD_NUMBER: _ClassVar[int]
    LAT_FIELD_NUMBER: _ClassVar[int]
    LNG_FIELD_NUMBER: _ClassVar[int]
    qr: str
    county: str
    category: str
    lat: float
    lng: float
    def __init__(self, qr: _Optional[str] = ..., county: _Optional[str] = ..., category: _Optional[str] = ..., lat: _Optional[float] = ..., lng: _Optional[float] = ...) -> None: ...

class NearbyOutlet(_message.Message):
    __slots__ = ("outlet_id", "name", "distance_km", "phone", "business_hours", "mean_rating", "ratings", "qualified")
    OUTLET_ID_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    DISTANCE_KM_FIELD_NUMBER: _ClassVar[int]
    PHONE_FIELD_NUMBER: _ClassVar[int]
    BUSINESS_HOURS_FIELD_NUMBER: _ClassVar[int]
    MEAN_RATING_FIELD_NUMBER: _ClassVar[int]
    RATINGS_FIELD_NUMBER: _ClassVar[int]
    QUALIFIED_FIELD_NUMBER: _ClassVar[int]
    outlet_id: str
    name: str
    distance_km: float
    phone: str
    business_hours: str
    mean_rating: float
    ratings: int
    qualified: bool
    def __init__(self, outlet_id: _Optional[str] = ..., name: _Optional[str] = ..., distance_km: _Optional[float] = ..., phone: _Optional[str] = ..., business_hours: _Optional[str] = ..., mean_rating: _Optional[float] = ..., ratings: _Optional[int] = ..., qualified: _Optional[bool] = ...) -> None: ...

class NearbyOutletsResponse(_message.Message):
    __slots__ = ("county", "category", "outlets")
    COUNTY_FIELD_NUMBER: _ClassVar[int]
    CATEGORY_FIELD_NUMBER: _ClassVar[int]
    OUTLETS_FIELD_NUMBER: _ClassVar[int]
    county: str
    category: str
    outlets: _containers.RepeatedCompositeFieldContainer[NearbyOutlet]
    def __init__(self, county: _Optional[str] = ..., category: _Optional[str] = ..., outlets: _Optional[_Iterable[_Union[NearbyOutlet, _Mapping]]] = ...) -> None: ...

class SetQualificationRequest(_message.Message):
    __slots__ = ("outlet_id", "licence_no", "shop_address", "technicians", "spare_parts", "township_point_id")
    OUTLET_ID_FIELD_NUMBER: _ClassVar[int]
    LICENCE_NO_FIELD_NUMBER: _ClassVar[int]
    SHOP_ADDRESS_FIELD_NUMBER: _ClassVar[int]
    TECHNICIANS_FIELD_NUMBER: _ClassVar[int]
    SPARE_PARTS_FIELD_NUMBER: _ClassVar[int]
    TOWNSHIP_POINT_ID_FIELD_NUMBER: _ClassVar[int]
    outlet_id: str
    licence_no: str
    shop_address: str
    technicians: int
    spare_parts: bool
    township_point_id: str
    def __init__(self, outlet_id: _Optional[str] = ..., licence_no: _Optional[str] = ..., shop_address: _Optional[str] = ..., technicians: _Optional[int] = ..., spare_parts: _Optional[bool] = ..., township_point_id: _Optional[str] = ...) -> None: ...

class Qualification(_message.Message):
    __slots__ = ("outlet_id", "licence_no", "shop_address", "technicians", "spare_parts", "township_point_id", "checked_at")
    OUTLET_ID_FIELD_NUMBER: _ClassVar[int]
    LICENCE_NO_FIELD_NUMBER: _ClassVar[int]
    SHOP_ADDRESS_FIELD_NUMBER: _ClassVar[int]
    TECHNICIANS_FIELD_NUMBER: _ClassVar[int]
    SPARE_PARTS_FIELD_NUMBER: _ClassVar[int]
    TOWNSHIP_POINT_ID_FIELD_NUMBER: _ClassVar[int]
    CHECKED_AT_FIELD_NUMBER: _ClassVar[int]
    outlet_id: str
    licence_no: str
    shop_address: str
    technicians: int
    spare_parts: bool
    township_point_id: str
    checked_at: str
    def __init__(self, outlet_id: _Optional[str] = ..., licence_no: _Optional[str] = ..., shop_address: _Optional[str] = ..., technicians: _Optional[int] = ..., spare_parts: _Optional[bool] = ..., township_point_id: _Optional[str] = ..., checked_at: _Optional[str] = ...) -> None: ...

class AddVillageRepairerRequest(_message.Message):
    __slots__ = ("point_id", "name", "phone")
    POINT_ID_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    PHONE_FIELD_NUMBER: _ClassVar[int]
    point_id: str
    name: str
    phone: str
    def __init__(self, point_id: _Optional[str] = ..., name: _Optional[str] = ..., phone: _Optional[str] = ...) -> None: ...

class VillageRepairer(_message.Message):
    __slots__ = ("repairer_id", "point_id", "point_name", "name", "phone")
    REPAIRER_ID_FIELD_NUMBER: _ClassVar[int]
    POINT_ID_FIELD_NUMBER: _ClassVar[int]
    POINT_NAME_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    PHONE_FIELD_NUMBER: _ClassVar[int]
    repairer_id: str
    point_id: str
    point_name: str
    name: str
    phone: str
    def __init__(self, repairer_id: _Optional[str] = ..., point_id: _Optional[str] = ..., point_name: _Optional[str] = ..., name: _Optional[str] = ..., phone: _Optional[str] = ...) -> None: ...

class CoverageOutlet(_message.Message):
    __slots__ = ("outlet_id", "name", "qualified")
    OUTLET_ID_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    QUALIFIED_FIELD_NUMBER: _ClassVar[int]
    outlet_id: str
    name: str
    qualified: bool
    def __init__(self, outlet_id: _Optional[str] = ..., name: _Optional[str] = ..., qualified: _Optional[bool] = ...) -> None: ...

class TownshipCoverage(_message.Message):
    __slots__ = ("point_id", "name", "outlets", "village_repairers", "uncovered")
    POINT_ID_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    OUTLETS_FIELD_NUMBER: _ClassVar[int]
    VILLAGE_REPAIRERS_FIELD_NUMBER: _ClassVar[int]
    UNCOVERED_FIELD_NUMBER: _ClassVar[int]
    point_id: str
    name: str
    outlets: _containers.RepeatedCompositeFieldContainer[CoverageOutlet]
    village_repairers: _containers.RepeatedCompositeFieldContainer[VillageRepairer]
    uncovered: bool
    def __init__(self, point_id: _Optional[str] = ..., name: _Optional[str] = ..., outlets: _Optional[_Iterable[_Union[CoverageOutlet, _Mapping]]] = ..., village_repairers: _Optional[_Iterable[_Union[VillageRepairer, _Mapping]]] = ..., uncovered: _Optional[bool] = ...) -> None: ...

class Coverage(_message.Message):
    __slots__ = ("county", "county_name", "townships", "uncovered", "unqualified")
    COUNTY_FIELD_NUMBER: _ClassVar[int]
    COUNTY_NAME_FIELD_NUMBER: _ClassVar[int]
    TOWNSHIPS_FIELD_NUMBER: _ClassVar[int]
    UNCOVERED_FIELD_NUMBER: _ClassVar[int]
    UNQUALIFIED_FIELD_NUMBER: _ClassVar[int]
    county: str
    county_name: str
    townships: _containers.RepeatedCompositeFieldContainer[TownshipCoverage]
    uncovered: _containers.RepeatedScalarFieldContainer[str]
    unqualified: _containers.RepeatedCompositeFieldContainer[CoverageOutlet]
    def __init__(self, county: _Optional[str] = ..., county_name: _Optional[str] = ..., townships: _Optional[_Iterable[_Union[TownshipCoverage, _Mapping]]] = ..., uncovered: _Optional[_Iterable[str]] = ..., unqualified: _Optional[_Iterable[_Union[CoverageOutlet, _Mapping]]] = ...) -> None: ...

class FindDuplicatesRequest(_message.Message):
    __slots__ = ("qr", "county", "category", "lat", "lng", "days")
    QR_FIELD_NUMBER: _ClassVar[int]
    COUNTY_FIELD_NUMBER: _ClassVar[int]
    CATEGORY_FIELD_NUMBER: _ClassVar[int]
    LAT_FIELD_NUMBER: _ClassVar[int]
    LNG_FIELD_NUMBER: _ClassVar[int]
    DAYS_FIELD_NUMBER: _ClassVar[int]
    qr: str
    county: str
    category: str
    lat: float
    lng: float
    days: int
    def __init__(self, qr: _Optional[str] = ..., county: _Optional[str] = ..., category: _Optional[str] = ..., lat: _Optional[float] = ..., lng: _Optional[float] = ..., days: _Optional[int] = ...) -> None: ...

class Duplicate(_message.Message):
    __slots__ = ("ticket_no", "status", "category", "distance_m", "reported_at", "joined")
    TICKET_NO_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    CATEGORY_FIELD_NUMBER: _ClassVar[int]
    DISTANCE_M_FIELD_NUMBER: _ClassVar[int]
    REPORTED_AT_FIELD_NUMBER: _ClassVar[int]
    JOINED_FIELD_NUMBER: _ClassVar[int]
    ticket_no: str
    status: str
    category: str
    distance_m: int
    reported_at: str
    joined: int
    def __init__(self, ticket_no: _Optional[str] = ..., status: _Optional[str] = ..., category: _Optional[str] = ..., distance_m: _Optional[int] = ..., reported_at: _Optional[str] = ..., joined: _Optional[int] = ...) -> None: ...

class Duplicates(_message.Message):
    __slots__ = ("tickets", "radius_m", "days")
    TICKETS_FIELD_NUMBER: _ClassVar[int]
    RADIUS_M_FIELD_NUMBER: _ClassVar[int]
    DAYS_FIELD_NUMBER: _ClassVar[int]
    tickets: _containers.RepeatedCompositeFieldContainer[Duplicate]
    radius_m: int
    days: int
    def __init__(self, tickets: _Optional[_Iterable[_Union[Duplicate, _Mapping]]] = ..., radius_m: _Optional[int] = ..., days: _Optional[int] = ...) -> None: ...

class JoinTicketRequest(_message.Message):
    __slots__ = ("ticket_no", "lat", "lng")
    TICKET_NO_FIELD_NUMBER: _ClassVar[int]
    LAT_FIELD_NUMBER: _ClassVar[int]
    LNG_FIELD_NUMBER: _ClassVar[int]
    ticket_no: str
    lat: float
    lng: float
    def __init__(self, ticket_no: _Optional[str] = ..., lat: _Optional[float] = ..., lng: _Optional[float] = ...) -> None: ...

class Joined(_message.Message):
    __slots__ = ("ticket_no", "status", "joined_at", "distance_m", "already")
    TICKET_NO_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    JOINED_AT_FIELD_NUMBER: _ClassVar[int]
    DISTANCE_M_FIELD_NUMBER: _ClassVar[int]
    ALREADY_FIELD_NUMBER: _ClassVar[int]
    ticket_no: str
    status: str
    joined_at: str
    distance_m: int
    already: bool
    def __init__(self, ticket_no: _Optional[str] = ..., status: _Optional[str] = ..., joined_at: _Optional[str] = ..., distance_m: _Optional[int] = ..., already: _Optional[bool] = ...) -> None: ...
