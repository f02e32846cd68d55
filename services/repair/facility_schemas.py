"""Shapes of public facilities, heartbeats and fees that the repair rules take (the gateway has its own copies)."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

from pydantic import Field, StringConstraints, model_validator

from services.kernel.validators import CountyCode
from services.repair.schemas import EvidenceIds, Latitude, Longitude, ShortText, Strict

AssetCode = Annotated[str, StringConstraints(strip_whitespace=True, pattern=r"^[A-Za-z0-9_-]{1,40}$")]
PlaceName = Annotated[str, StringConstraints(strip_whitespace=True, max_length=50)]
Note = Annotated[str, StringConstraints(strip_whitespace=True, max_length=500)]
IntervalDays = Annotated[int, Field(ge=1, le=366)]


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
    platform_id: Annotated[str, StringConstraints(max_length=40)] = ""
    outlet_id: Annotated[str, StringConstraints(max_length=40)] = ""
    inspection_interval_days: IntervalDays | None = None


class InspectionIn(Strict):
    result: InspectionResult
    note: Note = ""
    evidence: Annotated[
        EvidenceIds, Field(min_length=1, description="at least one photo or video of the visit")
    ]


class PlatformCreate(Strict):
    county: CountyCode
    name: ShortText
    scheme: SignatureScheme
    public_key: Annotated[str, StringConstraints(strip_whitespace=True, max_length=100)] = ""

    @model_validator(mode="after")
    def _key_for_scheme(self) -> PlatformCreate:
        if self.scheme is SignatureScheme.ED25519 and not self.public_key:
            raise ValueError("an ed25519 platform needs its public key")
        if self.scheme is SignatureScheme.HMAC_SHA256 and self.public_key:
            raise ValueError("an hmac-sha256 platform gets its secret from the registration; send no key")
        return self


class HeartbeatBody(Strict):
    """What a platform signs for one terminal: its asset code, whether it is online, and the seconds it broadcast
    since its previous heartbeat (at most the 5-minute heartbeat interval)."""

    code: AssetCode
    online: bool
    broadcast_seconds: Annotated[int, Field(ge=0, le=300)] = 0


class FeeItemIn(Strict):
    name: ShortText
    amount_fen: Annotated[int, Field(ge=0, le=10_000_000)]
    unit: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=20)]


class FeeScheduleIn(Strict):
    items: Annotated[list[FeeItemIn], Field(max_length=100)]
    free_services: list[ShortText] = Field(default_factory=list, max_length=100)

    @model_validator(mode="after")
    def _names_unique(self) -> FeeScheduleIn:
        names = [item.name for item in self.items]
        if len(names) != len(set(names)):
            raise ValueError("fee item names must be unique")
        return self
