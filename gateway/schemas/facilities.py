"""The public REST shapes of a county's public broadcast facilities (发射转播台, 应急广播终端), their
inspections (巡检), the terminals' signed heartbeats and health, and the county's approved repair fees. Owned by
the gateway; the repair service validates again with its own copies (`services/repair/facility_schemas.py`)."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

from pydantic import BaseModel, Field, StringConstraints, model_validator

from gateway.schemas.repair import EvidenceIds, Latitude, Longitude, ShortText, Strict
from services.kernel.validators import CountyCode

AssetCode = Annotated[
    str,
    StringConstraints(strip_whitespace=True, pattern=r"^[A-Za-z0-9_-]{1,40}$"),
    Field(description="the county's own asset code (letters, digits, - and _)"),
]
PlaceName = Annotated[str, StringConstraints(strip_whitespace=True, max_length=50)]
Note = Annotated[str, StringConstraints(strip_whitespace=True, max_length=500)]
IntervalDays = Annotated[int, Field(ge=1, le=366)]
FeeAmount = Annotated[int, Field(ge=0, le=10_000_000, description="in fen (分)")]


class FacilityKind(StrEnum):
    TRANSMITTER = "transmitter"  # 发射转播台
    EMERGENCY_BROADCAST = "emergency_broadcast"  # 应急广播终端


class InspectionResult(StrEnum):
    NORMAL = "normal"
    FAULT = "fault"


class SignatureScheme(StrEnum):
    ED25519 = "ed25519"
    HMAC_SHA256 = "hmac-sha256"


class FacilityCreate(Strict):
    county: CountyCode
    code: AssetCode
    kind: FacilityKind
    name: ShortText
    lat: Latitude
    lng: Longitude
    township: PlaceName = ""
    village: PlaceName = ""
    platform_id: Annotated[str, StringConstraints(max_length=40)] = Field(
        "", description="the management platform that signs an emergency-broadcast terminal's heartbeats"
    )
    outlet_id: Annotated[str, StringConstraints(max_length=40)] = Field(
        "",
        description="the county's repair outlet that maintains it (its inspections count in its assessment)",
    )
    inspection_interval_days: IntervalDays | None = None


class FacilityRead(BaseModel):
    asset_id: str
    county: str
    code: str
    kind: FacilityKind
    name: str
    lat: float
    lng: float
    township: str
    village: str
    platform_id: str
    outlet_id: str
    inspection_interval_days: int | None = None
    last_inspected_at: str
    next_inspection_due: str
    inspection_overdue: bool
    created_at: str


class InspectionPlanIn(Strict):
    interval_days: IntervalDays


class InspectionIn(Strict):
    result: InspectionResult
    note: Note = ""
    evidence: Annotated[
        EvidenceIds,
        Field(min_length=1, description="photo or video evidence ids from POST /api/v1/repair/uploads"),
    ]


class InspectionRead(BaseModel):
    inspection_id: str
    asset_id: str
    county: str
    at: str
    inspector: str
    result: InspectionResult
    note: str
    evidence_ids: list[str]
    on_time: bool = Field(description="done by the planned due date (or with no plan)")


class PlatformCreate(Strict):
    county: CountyCode
    name: ShortText
    scheme: SignatureScheme
    public_key: Annotated[str, StringConstraints(strip_whitespace=True, max_length=100)] = Field(
        "",
        description="ed25519: the raw 32-byte public key in base64; hmac-sha256: none (the answer has the secret)",
    )

    @model_validator(mode="after")
    def _key_for_scheme(self) -> PlatformCreate:
        if self.scheme is SignatureScheme.ED25519 and not self.public_key:
            raise ValueError("an ed25519 platform needs its public key")
        if self.scheme is SignatureScheme.HMAC_SHA256 and self.public_key:
            raise ValueError("an hmac-sha256 platform gets its secret from the registration; send no key")
        return self


class PlatformRead(BaseModel):
    platform_id: str
    county: str
    name: str
    scheme: SignatureScheme
    public_key: str
    secret: str = Field("", description="hmac-sha256: the shared secret, in the registration answer only")
    created_at: str


class HeartbeatIn(Strict):
    """One terminal's heartbeat, signed by its platform (see the route)."""

    code: AssetCode
    online: bool
    broadcast_seconds: Annotated[int, Field(ge=0, le=300)] = Field(
        0, description="seconds broadcast since the previous heartbeat (heartbeats come every 5 minutes)"
    )


class HeartbeatAck(BaseModel):
    asset_id: str
    received_at: str


class TerminalHealthRead(BaseModel):
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


class TerminalHealthReport(BaseModel):
    county: str
    from_: str = Field(alias="from")
    to: str
    online_target: float
    broadcast_hours_target: float
    terminals: list[TerminalHealthRead]


class FeeItem(Strict):
    name: ShortText
    amount_fen: FeeAmount
    unit: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=20)] = Field(
        description="e.g. 次, 台, 米"
    )


class FeeScheduleIn(Strict):
    items: Annotated[list[FeeItem], Field(max_length=100)]
    free_services: list[ShortText] = Field(default_factory=list, max_length=100)

    @model_validator(mode="after")
    def _names_unique(self) -> FeeScheduleIn:
        names = [item.name for item in self.items]
        if len(names) != len(set(names)):
            raise ValueError("fee item names must be unique")
        return self


class FeeScheduleRead(BaseModel):
    county: str
    items: list[FeeItem]
    free_services: list[str]
    updated_at: str
