"""The public REST shapes of 广电报修 (broadcast-TV repair), owned by the gateway (shared/API.md).

Requests are validated here before they become protos; answers are described here for the OpenAPI and built from
the protos once (`gateway.convert`), never validated again. `tests/gateway/test_repair_contract.py` keeps each shape
and its proto in step. The repair service has shapes of its own (`services/repair/schemas.py`): a change there does
not change the public API.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

from services.kernel.validators import ContactPhone, CountyCode


class Category(StrEnum):
    """Fault categories: basic public service, public facilities, and non-basic (operator) services."""

    SATELLITE = "satellite"  # 直播卫星户户通/村村通
    DTMB = "dtmb"  # 地面数字电视
    TRANSMITTER = "transmitter"  # 发射转播台
    EMERGENCY_BROADCAST = "emergency_broadcast"  # 应急广播终端
    CABLE = "cable"
    IPTV = "iptv"
    OTT = "ott"


BASIC_SERVICE = {Category.SATELLITE, Category.DTMB}
NON_BASIC = {Category.CABLE, Category.IPTV, Category.OTT}


class OutletKind(StrEnum):
    MARKET = "market"
    OPERATOR = "operator"


class TicketStatus(StrEnum):
    PENDING_DISPATCH = "pending_dispatch"
    DISPATCHED = "dispatched"
    ACCEPTED = "accepted"
    RESOLVED = "resolved"
    CLOSED = "closed"
    CANCELLED = "cancelled"


class Channel(StrEnum):
    QR = "qr"  # a citizen scanned the county code
    APP = "app"  # a citizen in the app without a code
    AGENT = "agent"  # a village agent for a resident
    WINDOW = "window"  # a walk-in at a service window
    PHONE = "phone"  # a call taken by window staff
    OPEN311 = "open311"  # an Open311 GeoReport v2 client (/open311/v2/requests.json)


class PointLevel(StrEnum):
    TOWNSHIP = "township"  # 乡镇便民服务网点: the 3-hour service circle
    VILLAGE = "village"  # 村组代办点: the 1-hour service circle


Latitude = Annotated[float, Field(ge=-90, le=90)]
Longitude = Annotated[float, Field(ge=-180, le=180)]
Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=500)]
ShortText = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
ServicePhone = Annotated[str, StringConstraints(pattern=r"^[0-9+\-]{5,20}$")]
EvidenceIds = Annotated[
    list[Annotated[str, StringConstraints(pattern=r"^EV[0-9a-f]{20}$")]], Field(max_length=9)
]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class QualificationIn(Strict):
    """四有: business licence (统一社会信用代码), shop address, at least one technician, spare parts."""

    licence_no: Annotated[str, StringConstraints(strip_whitespace=True, pattern=r"^([0-9A-Z]{15,18})?$")] = ""
    shop_address: Annotated[str, StringConstraints(strip_whitespace=True, max_length=200)] = ""
    technicians: Annotated[int, Field(ge=0, le=1000)] = 0
    spare_parts: bool = False
    township_point_id: Annotated[str, StringConstraints(max_length=40)] | None = None


class OutletCreate(Strict):
    county: CountyCode
    name: ShortText
    kind: OutletKind
    categories: Annotated[list[Category], Field(min_length=1)]
    lat: Latitude
    lng: Longitude
    phone: ServicePhone
    capacity: Annotated[int, Field(ge=1, le=10_000)] = 20
    business_hours: Annotated[str, StringConstraints(pattern=r"^\d{2}:\d{2}-\d{2}:\d{2}$")] = "08:30-18:00"
    # 四有, checked (all four) and recorded with the outlet; without it the outlet is registered as 四有未登记.
    qualification: QualificationIn | None = None

    @model_validator(mode="after")
    def _kind_fits_categories(self) -> OutletCreate:
        if self.kind == OutletKind.OPERATOR and BASIC_SERVICE.intersection(self.categories):
            raise ValueError("basic public service (satellite, dtmb) is repaired by market outlets")
        if self.kind == OutletKind.MARKET and NON_BASIC.intersection(self.categories):
            raise ValueError("cable, iptv and ott are repaired by the operator's outlets")
        return self


class OutletUpdate(Strict):
    active: bool | None = None
    capacity: Annotated[int, Field(ge=1, le=10_000)] | None = None
    phone: ServicePhone | None = None
    name: ShortText | None = None
    business_hours: Annotated[str, StringConstraints(pattern=r"^\d{2}:\d{2}-\d{2}:\d{2}$")] | None = None
    categories: Annotated[list[Category], Field(min_length=1)] | None = None
    lat: Latitude | None = None
    lng: Longitude | None = None


class ServicePointCreate(Strict):
    county: CountyCode
    name: ShortText
    level: PointLevel
    lat: Latitude
    lng: Longitude
    agent_ids: Annotated[list[Annotated[str, StringConstraints(max_length=36)]], Field(max_length=50)] = []


class TicketCreate(Strict):
    qr: Annotated[str, StringConstraints(max_length=500)] | None = None
    county: Annotated[str, StringConstraints(pattern=r"^\d{6}$")] | None = None
    category: Category
    description: Text
    contact_name: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=50)]
    contact_phone: ContactPhone = Field(
        description="a mobile, or a landline with its area code such as 0871-12345678"
    )
    lat: Latitude | None = None
    lng: Longitude | None = None
    address: Annotated[str, StringConstraints(strip_whitespace=True, max_length=200)] = ""
    outlet_id: Annotated[str, StringConstraints(max_length=40)] | None = None
    channel: Channel | None = Field(None, description="window staff only: window or phone")
    evidence: EvidenceIds = []

    @model_validator(mode="after")
    def _where(self) -> TicketCreate:
        if not self.qr and not self.county:
            raise ValueError("give the scanned qr or the county")
        if (self.lat is None) != (self.lng is None):
            raise ValueError("give both lat and lng, or neither")
        return self


class RejectIn(Strict):
    reason: Text


class FeeCharged(Strict):
    """A fee charged for the repair: an item of the county's approved list, at most its approved amount."""

    item: ShortText
    amount_fen: Annotated[int, Field(ge=0, le=10_000_000)]


class ResolveIn(Strict):
    note: Text
    evidence: Annotated[
        EvidenceIds, Field(min_length=1, description="at least one photo of the repaired fault")
    ]
    fee: FeeCharged | None = Field(None, description="the fee charged, if any (422 when not approved)")


class FollowUpIn(Strict):
    reached: bool
    restored: bool
    note: Annotated[str, StringConstraints(strip_whitespace=True, max_length=500)] = ""


class RatingIn(Strict):
    level: Annotated[int, Field(ge=1, le=5)]
    comment: Annotated[str, StringConstraints(strip_whitespace=True, max_length=500)] = ""


class CancelIn(Strict):
    reason: Annotated[str, StringConstraints(strip_whitespace=True, max_length=500)] = ""


class CountyRead(BaseModel):
    adcode: str
    name: str
    prefecture: str
    lat: float
    lng: float
    active_outlets: int


class OutletRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    outlet_id: str
    county: str
    name: str
    kind: OutletKind
    categories: list[Category]
    lat: float
    lng: float
    phone: str
    capacity: int
    active: bool
    business_hours: str = "08:30-18:00"
    open_tickets: int = 0


class OutletCreated(OutletRead):
    four_haves_on_record: bool  # the 四有 were given, checked and recorded with the outlet


class ServicePointRead(BaseModel):
    point_id: str
    county: str
    name: str
    level: PointLevel
    lat: float
    lng: float
    agent_ids: list[str]


class AssigneeRead(BaseModel):
    outlet_id: str
    name: str
    phone: str
    distance_km: float


class TimelineRead(BaseModel):
    at: str
    action: str
    actor: str
    note: str
    status: str


class RatingRead(BaseModel):
    level: int
    comment: str
    at: str


class PendingRatingRead(BaseModel):
    """A rating the filing agent recorded for the resident (六(一)2(3)): not counted until the resident confirms it
    (the code texted to them, read out to the agent) or rates it themselves, which replaces it."""

    level: int
    comment: str
    recorded_by: str
    recorded_at: str
    expires_at: str


class TicketRead(BaseModel):
    ticket_no: str
    status: TicketStatus
    county: str
    category: Category
    description: str
    channel: Channel
    reporter_id: str
    agent_id: str | None = None
    contact_name: str
    contact_phone: str
    lat: float | None = None
    lng: float | None = None
    address: str = ""
    point: str = ""
    assignee: AssigneeRead | None = None
    due_at: str
    overdue: bool = False
    created_at: str
    accepted_at: str | None = None
    resolved_at: str | None = None
    closed_at: str | None = None
    rating: RatingRead | None = None
    pending_rating: PendingRatingRead | None = None
    timeline: list[TimelineRead] = []
    evidence_ids: list[str] = []
    resolution_note: str = ""
    contacted_at: str | None = Field(None, description="the technician's first contact with the resident")
    arrived_at: str | None = Field(
        None, description="the technician's arrival on site (the circles' measure)"
    )


class EvidenceRead(BaseModel):
    evidence_id: str
    content_type: str
    size: int
    sha256: str


class QrTargetRead(BaseModel):
    county: str
    county_name: str
    point: str
    point_name: str


class QrKeyRead(BaseModel):
    county: str
    kid: str
    created_at: str
    revoked_at: str | None = None


class CandidateRead(BaseModel):
    outlet_id: str
    name: str
    distance_km: float
    open_tickets: int
    capacity: int
    verdict: str


class DispatchDecisionRead(BaseModel):
    at: str
    reason: str
    chosen_outlet_id: str | None
    origin: str
    origin_lat: float
    origin_lng: float
    candidates: list[CandidateRead]


class CountRead(BaseModel):
    key: str
    count: int


class OutletWorkloadRead(BaseModel):
    outlet_id: str
    name: str
    assigned: int
    open: int
    resolved: int
    mean_rating: float
    ratings: int


class StatsRead(BaseModel):
    region: str
    total: int
    by_status: list[CountRead]
    by_category: list[CountRead]
    restored_within_24h_share: float
    mean_hours_to_restore: float
    p90_hours_to_restore: float
    mean_rating: float
    ratings: int
    outlets: list[OutletWorkloadRead]
    response_circle_share: float
    response_circle_tickets: int
    overdue: int
    restored_tickets: int = Field(0, description="closed after the follow-up confirmed the repair")
    unrestored_overdue: int = Field(
        0, description="not restored and past 24 hours: counted against the share"
    )


class NotificationRead(BaseModel):
    id: int
    at: str
    ticket_no: str
    kind: str
    text: str


class TicketPage(BaseModel):
    tickets: list[TicketRead]
    next_cursor: str | None
