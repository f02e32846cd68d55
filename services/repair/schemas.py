"""Shapes the repair service's rules take and give."""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel, ConfigDict


class Category(StrEnum):
    """Fault categories: basic public service, public facilities, and non-basic (operator) services."""

    SATELLITE = "satellite"  # 直播卫星户户通/村村通
    DTMB = "dtmb"  # 地面数字电视
    TRANSMITTER = "transmitter"  # 发射转播台
    EMERGENCY_BROADCAST = "emergency_broadcast"  # 应急广播终端
    CABLE = "cable"
    IPTV = "iptv"
    OTT = "ott"


class OutletKind(StrEnum):
    MARKET = "market"
    OPERATOR = "operator"


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
