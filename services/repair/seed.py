"""Demo repair outlets for a few counties, placed around each county's centre. Seeding twice changes nothing."""

from __future__ import annotations

from sqlalchemy import select

from services.kernel import regions
from services.kernel.db import Database
from services.kernel.settings import Settings
from services.repair.models import Outlet, OutletCategory

# (county, suffix, name, kind, categories, north km, east km, phone, capacity)
DEMO_OUTLETS: list[tuple[str, str, str, str, tuple[str, ...], float, float, str, int]] = [
    ("530102", "01", "五华区广电服务站（红云）", "market", ("satellite", "dtmb", "emergency_broadcast"), 2.1, -1.2, "0871-65110101", 30),
    ("530102", "02", "五华区沙朗户户通维修点", "market", ("satellite", "dtmb"), 9.5, -6.0, "0871-65110102", 15),
    ("530102", "03", "五华区发射转播台运维站", "market", ("transmitter", "emergency_broadcast"), -1.0, 0.5, "0871-65110103", 10),
    ("530102", "04", "云南广电网络五华营业厅", "operator", ("cable",), 0.3, 0.8, "0871-96301", 40),
    ("530102", "05", "中国电信五华IPTV服务中心", "operator", ("iptv",), -0.6, 1.5, "0871-10000", 40),
    ("530102", "06", "中国移动五华OTT服务点", "operator", ("ott",), 1.4, 2.2, "0871-10086", 40),
    ("530128", "01", "禄劝县屏山镇广电服务站", "market", ("satellite", "dtmb", "emergency_broadcast"), 0.4, 0.2, "0871-68911201", 20),
    ("530128", "02", "禄劝县撒营盘镇户户通维修点", "market", ("satellite", "dtmb"), 18.0, 9.0, "0871-68911202", 12),
    ("530128", "03", "禄劝县转龙镇户户通维修点", "market", ("satellite",), 38.0, -12.0, "0871-68911203", 10),
    ("530128", "04", "禄劝县发射转播台", "market", ("transmitter", "emergency_broadcast"), 3.0, 2.0, "0871-68911204", 8),
    ("530128", "05", "云南广电网络禄劝分公司", "operator", ("cable", "ott"), 0.2, -0.3, "0871-96301", 30),
    ("530502", "01", "隆阳区永昌广电服务站", "market", ("satellite", "dtmb", "emergency_broadcast"), 0.5, 0.6, "0875-22110101", 25),
    ("530502", "02", "隆阳区板桥户户通维修点", "market", ("satellite", "dtmb"), 12.0, 3.0, "0875-22110102", 12),
    ("530502", "03", "隆阳区发射转播台运维站", "market", ("transmitter",), -4.0, 5.0, "0875-22110103", 8),
    ("530502", "04", "云南广电网络隆阳分公司", "operator", ("cable",), 0.1, 0.2, "0875-96301", 30),
    ("532801", "01", "景洪市广电服务站", "market", ("satellite", "dtmb", "emergency_broadcast", "transmitter"), 0.3, 0.4, "0691-21210101", 25),
    ("532801", "02", "景洪市勐罕镇户户通维修点", "market", ("satellite", "dtmb"), -20.0, -14.0, "0691-21210102", 12),
    ("532801", "03", "云南广电网络景洪分公司", "operator", ("cable", "iptv", "ott"), 0.0, 0.5, "0691-96301", 30),
    ("533401", "01", "香格里拉市建塘镇广电服务站", "market", ("satellite", "dtmb", "emergency_broadcast"), 0.2, 0.1, "0887-82230101", 15),
    ("533401", "02", "香格里拉市小中甸镇户户通维修点", "market", ("satellite",), -25.0, 4.0, "0887-82230102", 8),
    ("533401", "03", "香格里拉市发射转播台", "market", ("transmitter", "emergency_broadcast"), 2.0, -2.0, "0887-82230103", 6),
    ("533401", "04", "云南广电网络香格里拉分公司", "operator", ("cable",), 0.1, 0.0, "0887-96301", 20),
]

KM_PER_DEGREE_LAT = 111.32


async def seed(db: Database, settings: Settings) -> None:
    import math

    async with db.transaction() as session:
        existing = set((await session.scalars(select(Outlet.outlet_id))).all())
        for county, suffix, name, kind, categories, north, east, phone, capacity in DEMO_OUTLETS:
            outlet_id = f"OUT-{county}-{suffix}"
            if outlet_id in existing:
                continue
            centre = regions.get(county)
            assert centre is not None, county
            lat = centre.lat + north / KM_PER_DEGREE_LAT
            lng = centre.lng + east / (KM_PER_DEGREE_LAT * math.cos(math.radians(centre.lat)))
            session.add(Outlet(outlet_id=outlet_id, county=county, name=name, kind=kind, lat=round(lat, 6),
                               lng=round(lng, 6), phone=phone, capacity=capacity,
                               categories=[OutletCategory(category=c) for c in categories]))
