"""The console's pages: one layout, one body per page under `pages/`, rendered once per process."""

from __future__ import annotations

import html
from dataclasses import dataclass
from functools import cache
from pathlib import Path

HERE = Path(__file__).resolve().parent
STATIC = HERE / "static"
BODIES = HERE / "pages"


@dataclass(frozen=True, slots=True)
class Page:
    slug: str
    title: str
    roles: tuple[str, ...]  # who sees it in the menu; the API decides what they may do
    script: str


PAGES: dict[str, Page] = {
    p.slug: p
    for p in (
        Page("review", "应用审核", ("app_reviewer", "platform_admin"), "review.js"),
        Page("technician", "今日工单", ("outlet_technician",), "technician.js"),
        Page(
            "dashboard",
            "报修大屏",
            ("county_admin", "platform_admin", "window_staff", "village_agent"),
            "dashboard.js",
        ),
        Page("outlets", "维修网点", ("county_admin", "platform_admin"), "outlets.js"),
        Page("intake", "受理工作台", ("department_staff", "window_staff", "platform_admin"), "intake.js"),
        Page(
            "rectifications",
            "差评整改",
            (
                "department_staff",
                "window_staff",
                "outlet_technician",
                "app_developer",
                "county_admin",
                "platform_admin",
            ),
            "rectifications.js",
        ),
    )
}

SECURITY_HEADERS = {
    "Cache-Control": "no-cache",
    "Content-Security-Policy": (
        "default-src 'self'; img-src 'self' blob: data:; script-src 'self'; style-src 'self'; "
        "connect-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
    ),
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
}

LAYOUT = """<!doctype html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title} · 办事通工作台</title>
<link rel="stylesheet" href="/static/console.css">
<link rel="stylesheet" href="/static/elder.css">
<script src="/static/elder.js"></script>
</head>
<body data-page="{slug}">
<a class="skip" href="#main">跳到正文</a>
<header class="bar">
  <a class="brand" href="/console/">办事通 · 工作台</a>
  <nav id="nav" aria-label="工作台菜单">{nav}</nav>
  <span class="who" id="who" aria-live="polite"></span>
  <button type="button" class="elder-toggle" data-elder-toggle aria-pressed="false">长辈模式</button>
  <button type="button" id="sign-out" hidden>退出</button>
</header>
<main id="main" tabindex="-1">
<h1>{title}</h1>
<p id="status" class="status" role="status" aria-live="polite"></p>
{body}
</main>
<script src="/static/console.js"></script>
{script}
</body>
</html>
"""


def _nav(current: str) -> str:
    links = []
    for page in PAGES.values():
        here = ' aria-current="page"' if page.slug == current else ""
        roles = " ".join(page.roles)
        links.append(f'<a href="/console/{page.slug}" data-roles="{roles}" hidden{here}>{page.title}</a>')
    return "".join(links)


@cache
def render(slug: str) -> str:
    """The page `slug` (`signin` for the sign-in page, `poster` for the printable QR poster)."""
    if slug == "signin":
        title, script = "工作人员登录", "signin.js"
    elif slug == "poster":
        title, script = "报修二维码海报", "poster.js"
    else:
        page = PAGES[slug]
        title, script = page.title, page.script
    body = (BODIES / f"{slug}.html").read_text(encoding="utf-8")
    return LAYOUT.format(
        title=html.escape(title),
        slug=slug,
        nav=_nav(slug),
        body=body,
        script=f'<script src="/static/{script}"></script>',
    )
