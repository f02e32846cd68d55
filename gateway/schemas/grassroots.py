"""REST shapes of the grassroots service (五个一, village 回访, outlet choice and 四有, duplicates)."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, Field, StringConstraints

from gateway.schemas.repair import (  # noqa: F401  (QualificationIn is also the body of PUT .../qualification)
    Category,
    Latitude,
    Longitude,
    QualificationIn,
    ServicePhone,
    ShortText,
    Strict,
    Text,
)
from services.kernel.validators import Phone

Hours = Annotated[str, StringConstraints(strip_whitespace=True, max_length=40)]


class HotlineIn(Strict):
    phone: ServicePhone
    hours: Hours = ""


class HotlineRead(BaseModel):
    county: str
    county_name: str
    phone: str
    hours: str
    configured: bool = Field(description="false: the county has set none and the province's 12345 stands in")


class PointProfileIn(Strict):
    address: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
    hours: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=40)]
    phone: ServicePhone
    scope: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]


class BoardPointRead(BaseModel):
    point_id: str
    name: str
    level: str
    address: str
    hours: str
    phone: str
    scope: str
    lat: float
    lng: float


class BoardRead(BaseModel):
    county: str
    county_name: str
    hotline: HotlineRead
    service_points: list[BoardPointRead]
    scope: list[str]


class WalkInIn(Strict):
    category: Category
    description: Text
    contact_name: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=50)]
    contact_phone: Phone
    address: Annotated[str, StringConstraints(strip_whitespace=True, max_length=200)] = ""
    lat: Latitude | None = None
    lng: Longitude | None = None
    outlet_id: Annotated[str, StringConstraints(max_length=40)] | None = None


class WalkInRead(BaseModel):
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


class VisitIn(Strict):
    reached: bool
    restored: bool
    note: Annotated[str, StringConstraints(strip_whitespace=True, max_length=500)] = ""


class VisitTicketRead(BaseModel):
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


class VisitRecordRead(BaseModel):
    ticket_no: str
    point_id: str
    at: str
    reached: bool
    restored: bool
    note: str
    status: str
    rating_invited: bool = Field(description="the resident was asked to rate the repair themself")


class NearbyOutletRead(BaseModel):
    outlet_id: str
    name: str
    distance_km: float
    phone: str
    business_hours: str
    mean_rating: float
    ratings: int
    qualified: bool = Field(description="the outlet's 四有 are on record")


class NearbyOutletsRead(BaseModel):
    county: str
    category: str
    outlets: list[NearbyOutletRead]


class QualificationRead(BaseModel):
    outlet_id: str
    licence_no: str
    shop_address: str
    technicians: int
    spare_parts: bool
    township_point_id: str
    checked_at: str


class VillageRepairerIn(Strict):
    name: ShortText
    phone: Phone


class VillageRepairerRead(BaseModel):
    repairer_id: str
    point_id: str
    point_name: str
    name: str
    phone: str


class CoverageOutletRead(BaseModel):
    outlet_id: str
    name: str
    qualified: bool


class TownshipCoverageRead(BaseModel):
    point_id: str
    name: str
    outlets: list[CoverageOutletRead]
    village_repairers: list[VillageRepairerRead]
    uncovered: bool


class CoverageRead(BaseModel):
    county: str
    county_name: str
    townships: list[TownshipCoverageRead]
    uncovered: list[str] = Field(description="townships without an active qualified outlet")
    unqualified: list[CoverageOutletRead] = Field(description="active outlets without the 四有 on record")


class DuplicateRead(BaseModel):
    ticket_no: str
    status: str
    category: str
    distance_m: int
    reported_at: str
    joined: int


class DuplicatesRead(BaseModel):
    tickets: list[DuplicateRead]
    radius_m: int
    days: int


class JoinIn(Strict):
    lat: Latitude
    lng: Longitude


class JoinedRead(BaseModel):
    ticket_no: str
    status: str
    joined_at: str
    distance_m: int
    already: bool
