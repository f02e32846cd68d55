"""The Open311 view of broadcast-TV repair: categories as services, ticket states as open/closed, a public ticket
as a GeoReport v2 service request. The one table of this mapping; docs/open311.md explains it.

| service_code | service_name | group |
|---|---|---|
| `satellite` | 直播卫星（户户通/村村通）故障 | 基本公共服务 |
| `dtmb` | 地面数字电视故障 | 基本公共服务 |
| `transmitter` | 发射转播台故障 | 公共设施 |
| `emergency_broadcast` | 应急广播终端故障 | 公共设施 |
| `cable` | 有线电视故障 | 运营商服务 |
| `iptv` | IPTV 故障 | 运营商服务 |
| `ott` | 互联网电视（OTT）故障 | 运营商服务 |

| ticket state | Open311 `status` | `status_notes` |
|---|---|---|
| `pending_dispatch` | open | 已受理，正在安排维修网点 |
| `dispatched` | open | 已派单，等待维修网点接单 |
| `accepted` | open | 维修网点已接单，正在维修 |
| `resolved` | closed | 维修网点已修复，待回访确认 |
| `closed` | closed | 已修复并经回访确认，已办结 |
| `cancelled` | closed | 报修人已撤销 |
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from bst.repair.v1 import public_requests_pb2


@dataclass(frozen=True, slots=True)
class Open311Service:
    service_code: str
    service_name: str
    description: str
    group: str
    keywords: str

    def as_dict(self) -> dict[str, Any]:
        return {
            "service_code": self.service_code,
            "service_name": self.service_name,
            "description": self.description,
            "metadata": False,
            "type": "realtime",
            "keywords": self.keywords,
            "group": self.group,
        }


SERVICES: tuple[Open311Service, ...] = (
    Open311Service(
        "satellite",
        "直播卫星（户户通/村村通）故障",
        "直播卫星户户通、村村通收不到信号、机顶盒故障等；基本公共服务，派给最近的市场化维修网点，24小时内修复。",
        "基本公共服务",
        "户户通,村村通,直播卫星,机顶盒,没信号",
    ),
    Open311Service(
        "dtmb",
        "地面数字电视故障",
        "地面数字电视（DTMB）收不到节目、画面卡顿等；基本公共服务，派给最近的市场化维修网点，24小时内修复。",
        "基本公共服务",
        "地面数字电视,DTMB,天线,无线电视",
    ),
    Open311Service(
        "transmitter",
        "发射转播台故障",
        "广播电视发射台、转播台停播或设备故障；公共设施，派给最近的承担该设施维护的网点。",
        "公共设施",
        "发射台,转播台,停播",
    ),
    Open311Service(
        "emergency_broadcast",
        "应急广播终端故障",
        "村组应急广播（大喇叭）终端不响、杂音等；公共设施，派给最近的承担该设施维护的网点。",
        "公共设施",
        "应急广播,大喇叭,广播终端",
    ),
    Open311Service(
        "cable",
        "有线电视故障",
        "有线电视信号或线路故障；非基本服务，由本县（市、区）有线电视运营商的网点维修。",
        "运营商服务",
        "有线电视,有线网络,线路",
    ),
    Open311Service(
        "iptv",
        "IPTV 故障",
        "IPTV 无法播放、机顶盒报错等；非基本服务，由本县（市、区）运营商的网点维修。",
        "运营商服务",
        "IPTV,网络电视,机顶盒",
    ),
    Open311Service(
        "ott",
        "互联网电视（OTT）故障",
        "互联网电视（OTT）无法播放等；非基本服务，由本县（市、区）运营商的网点维修。",
        "运营商服务",
        "OTT,互联网电视,智能电视",
    ),
)
SERVICE_BY_CODE = {s.service_code: s for s in SERVICES}

# ticket state → (Open311 status, status_notes)
STATES: dict[str, tuple[str, str]] = {
    "pending_dispatch": ("open", "已受理，正在安排维修网点"),
    "dispatched": ("open", "已派单，等待维修网点接单"),
    "accepted": ("open", "维修网点已接单，正在维修"),
    "resolved": ("closed", "维修网点已修复，待回访确认"),
    "closed": ("closed", "已修复并经回访确认，已办结"),
    "cancelled": ("closed", "报修人已撤销"),
}
OPEN311_STATUSES = ("open", "closed")


def ticket_states_of(status: str) -> list[str]:
    """The ticket states an Open311 status (`open` or `closed`) stands for."""
    return [state for state, (open311, _) in STATES.items() if open311 == status]


def service_request(ticket: public_requests_pb2.PublicTicket, media_url: str | None = None) -> dict[str, Any]:
    """A public ticket as a GeoReport v2 service request; nothing personal is in `ticket` to begin with."""
    service = SERVICE_BY_CODE.get(ticket.category)
    status, notes = STATES.get(ticket.status, ("open", ""))
    if ticket.overdue and status == "open":
        notes += "（已超过24小时修复时限）"
    has_point = ticket.HasField("lat") and ticket.HasField("lng")
    return {
        "service_request_id": ticket.ticket_no,
        "status": status,
        "status_notes": notes,
        "service_name": service.service_name if service else ticket.category,
        "service_code": ticket.category,
        "description": ticket.description or (service.service_name if service else ""),
        "agency_responsible": ticket.assignee_name or f"{ticket.county_name}广播电视主管部门",
        "service_notice": "24小时内修复",
        "requested_datetime": ticket.created_at,
        "updated_datetime": ticket.updated_at or ticket.created_at,
        "expected_datetime": ticket.due_at,
        "address": f"云南省{ticket.prefecture_name}{ticket.county_name}",
        "address_id": ticket.county,
        "zipcode": None,
        "lat": ticket.lat if has_point else None,
        "long": ticket.lng if has_point else None,
        "media_url": media_url,
    }


def services_table() -> str:
    """The category → service mapping as a Markdown table (for the OpenAPI descriptions)."""
    rows = [f"| `{s.service_code}` | {s.service_name} | {s.group} |" for s in SERVICES]
    return "\n".join(["| service_code | service_name | group |", "|---|---|---|", *rows])


def states_table() -> str:
    """The ticket state → Open311 status mapping as a Markdown table (for the OpenAPI descriptions)."""
    rows = [f"| `{state}` | {status} | {notes} |" for state, (status, notes) in STATES.items()]
    return "\n".join(["| ticket state | status | status_notes |", "|---|---|---|", *rows])
