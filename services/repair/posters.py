"""The printable county QR poster (县级报修二维码海报): the county's name, its service QR code, the hotline and the
service scope, as an SVG (print shops) or an A4 HTML page (print from any browser). Unknown county: 404."""

from __future__ import annotations

import html
import re

from sqlalchemy.ext.asyncio import AsyncSession

from services.kernel.errors import FieldError, InvalidInput
from services.repair.common import RepairContext
from services.repair.county_qr import get_county_qr
from services.repair.grassroots import county_scope, get_hotline
from services.repair.models import ServicePoint

CATEGORY_NAMES = {
    "satellite": "直播卫星户户通",
    "dtmb": "地面数字电视",
    "transmitter": "发射转播台",
    "emergency_broadcast": "应急广播",
    "cable": "有线电视",
    "iptv": "IPTV",
    "ott": "互联网电视",
}
FONT = "'WenQuanYi Micro Hei','Noto Sans CJK SC','Microsoft YaHei',sans-serif"


def _qr_inner(svg: bytes) -> str:
    """The QR code's own SVG without its XML declaration, to nest inside the poster."""
    return re.sub(r"^<\?xml[^>]*\?>\s*", "", svg.decode("utf-8"))


def scope_text(scope: list[str]) -> str:
    return "、".join(CATEGORY_NAMES.get(c, c) for c in scope) or "广播电视故障"


async def render_poster(
    *, session: AsyncSession, ctx: RepairContext, county: str, point: str, fmt: str
) -> tuple[str, bytes, str]:
    """(content type, poster, the URL the code carries)."""
    if fmt not in ("svg", "html"):
        raise InvalidInput(
            "格式只能是 svg 或 html", code="invalid_format", fields=[FieldError("format", "svg 或 html")]
        )
    hotline = await get_hotline(session=session, county=county)  # 404 for an unknown county
    url, _, qr_svg, _ = await get_county_qr(session=session, ctx=ctx, county=county, point=point, fmt="svg")
    point_name = ""
    if point:
        found = await session.get(ServicePoint, point)
        point_name = found.name if found else ""
    scope = scope_text(await county_scope(session, county))
    e = html.escape
    place = e(hotline.county_name + (f" · {point_name}" if point_name else ""))
    hours = f"（{e(hotline.hours)}）" if hotline.hours else ""
    if fmt == "svg":
        poster = f"""<?xml version="1.0" encoding="UTF-8"?>
<svg xmlns="http://www.w3.org/2000/svg" width="210mm" height="297mm" viewBox="0 0 840 1188" font-family="{FONT}">
<title>{place} 广电报修二维码</title>
<rect width="840" height="1188" fill="#fff"/>
<rect width="840" height="170" fill="#c8102e"/>
<text x="420" y="80" font-size="52" fill="#fff" text-anchor="middle" font-weight="bold">{place}</text>
<text x="420" y="140" font-size="40" fill="#fff" text-anchor="middle">广播电视报修 · 扫码即报</text>
<svg x="170" y="210" width="500" height="500">{_qr_inner(qr_svg)}</svg>
<text x="420" y="760" font-size="30" text-anchor="middle">用手机扫码（微信、办事通均可），登录后填写故障</text>
<text x="420" y="850" font-size="34" text-anchor="middle">服务热线</text>
<text x="420" y="930" font-size="72" text-anchor="middle" font-weight="bold" fill="#c8102e">{e(hotline.phone)}</text>
<text x="420" y="975" font-size="26" text-anchor="middle">{hours}</text>
<text x="420" y="1040" font-size="28" text-anchor="middle">服务范围：{e(scope)}</text>
<text x="420" y="1090" font-size="24" text-anchor="middle">24小时内修复 · 修好后请您扫码评价</text>
<text x="420" y="1150" font-size="18" text-anchor="middle" fill="#666">{e(url)}</text>
</svg>
"""
        return "image/svg+xml", poster.encode("utf-8"), url
    page = f"""<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>{place} 广电报修二维码</title>
<style>
@page {{ size: A4; margin: 12mm; }}
body {{ font-family: {FONT}; text-align: center; margin: 0; }}
header {{ background: #c8102e; color: #fff; padding: 8mm 0; }}
h1 {{ font-size: 30pt; margin: 0; }} .sub {{ font-size: 22pt; margin: 2mm 0 0; }}
.qr svg {{ width: 120mm; height: 120mm; }}
.hotline {{ font-size: 40pt; font-weight: bold; color: #c8102e; margin: 2mm 0; }}
p {{ font-size: 16pt; margin: 3mm 0; }} .url {{ font-size: 9pt; color: #666; }}
</style></head>
<body>
<header><h1>{place}</h1><p class="sub">广播电视报修 · 扫码即报</p></header>
<div class="qr">{_qr_inner(qr_svg)}</div>
<p>用手机扫码（微信、办事通均可），登录后填写故障</p>
<p>服务热线</p>
<p class="hotline" id="hotline">{e(hotline.phone)}</p>
<p>{hours}</p>
<p id="scope">服务范围：{e(scope)}</p>
<p>24小时内修复 · 修好后请您扫码评价</p>
<p class="url">{e(url)}</p>
</body></html>
"""
    return "text/html; charset=utf-8", page.encode("utf-8"), url
