"""Where an Open311 report is: its county, from the client's own county, the `address_id` (a county adcode), the
point (the county whose centre is nearest, from the region data) or a county named in `address_string`."""

from __future__ import annotations

import math

from services.kernel import regions
from services.kernel.errors import FieldError, InvalidInput

YUNNAN_LAT = (21.0, 29.5)
YUNNAN_LNG = (97.3, 106.3)


def _distance_km(lat1: float, lng1: float, lat2: float, lng2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lng2 - lng1)
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * 6371.0 * math.asin(math.sqrt(h))


def in_yunnan(lat: float, lng: float) -> bool:
    return YUNNAN_LAT[0] <= lat <= YUNNAN_LAT[1] and YUNNAN_LNG[0] <= lng <= YUNNAN_LNG[1]


def nearest_county(lat: float, lng: float) -> regions.Region:
    """The county whose centre is nearest to the point. The region data has centres, not boundaries: near a county
    line this may pick the neighbour; a client that knows better sends `address_id`."""
    return min(regions.counties(), key=lambda c: _distance_km(lat, lng, c.lat, c.lng))


def county_named_in(address: str) -> regions.Region | None:
    """The one county whose full name appears in the address (with its prefecture's name when two share one)."""
    found = [c for c in regions.counties() if c.name in address]
    if len(found) > 1:
        found = [c for c in found if (p := regions.get(c.parent or "")) is not None and p.name in address]
    if len(found) > 1:  # a name inside another (e.g. 西山区 in 西山区某路): the longest one
        longest = max(len(c.name) for c in found)
        found = [c for c in found if len(c.name) == longest]
    return found[0] if len(found) == 1 else None


def report_county(
    *,
    client_county: str | None,
    point: tuple[float, float] | None,
    address_string: str,
    address_id: str,
) -> str:
    """The county a report is filed in; InvalidInput (400 on /open311) when it cannot be told."""
    if address_id:
        region = regions.get(address_id)
        if region is None or region.level != "county":
            raise InvalidInput(
                "address_id is a county adcode of Yunnan",
                code="unknown_address_id",
                fields=[FieldError("address_id", "address_id 应为云南省的县级行政区划代码，如 530102")],
            )
        if client_county and address_id != client_county:
            raise InvalidInput(
                "this client reports for its own county only",
                code="open311_county_mismatch",
                fields=[FieldError("address_id", "该客户端只能报告本县（市、区）的故障")],
            )
        return address_id
    if point is not None and not in_yunnan(*point):
        raise InvalidInput(
            "the point is outside Yunnan",
            code="point_outside_yunnan",
            fields=[FieldError("lat", "该位置不在云南省内，请核对经纬度（lat 为纬度，long 为经度）")],
        )
    if client_county:
        return client_county
    if point is not None:
        return nearest_county(*point).adcode
    named = county_named_in(address_string)
    if named is None:
        raise InvalidInput(
            "the county cannot be told from the address",
            code="county_unknown",
            fields=[
                FieldError(
                    "address_string",
                    "无法从地址中确定所在县（市、区），请提供经纬度（lat、long）或 address_id",
                )
            ],
        )
    return named.adcode
