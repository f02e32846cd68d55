"""A page for each problem `type`: `type` URLs of problem documents (`{BST_PUBLIC_URL}/problems/{code}`) resolve to
a short Chinese explanation from the message catalogue."""

from __future__ import annotations

import html
from typing import Annotated

from fastapi import APIRouter
from fastapi import Path as PathParam
from fastapi.responses import HTMLResponse

from gateway.console.pages import SECURITY_HEADERS
from gateway.messages import CATALOGUE, detail_zh

router = APIRouter(tags=["console"], include_in_schema=False)

PAGE = """<!doctype html>
<html lang="zh-CN">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>错误代码 {code} · 办事通</title>
<link rel="stylesheet" href="/static/console.css"><link rel="stylesheet" href="/static/elder.css">
<script src="/static/elder.js"></script></head>
<body><header class="bar"><a class="brand" href="/">办事通</a>
<button type="button" class="elder-toggle" data-elder-toggle aria-pressed="false">长辈模式</button></header>
<main id="main"><h1>错误代码 <code>{code}</code></h1><p class="lead">{text}</p>
<p class="small">API 的错误响应是 RFC 9457 problem 文档：<code>detail</code> 为中文说明，
<code>detail_en</code> 为英文原文，<code>code</code> 为稳定的机器可读代码（即本页地址的最后一段）。</p>
<p><a href="/docs">API 文档</a></p></main></body></html>
"""


@router.get("/problems/{code}", operation_id="problem_type_page")
def problem_page(code: Annotated[str, PathParam(pattern=r"^[a-z][a-z0-9_]{1,60}$")]) -> HTMLResponse:
    text = CATALOGUE.get(code) or detail_zh(code, 400, "")
    status = 200 if code in CATALOGUE or code.startswith(("ticket_", "http_")) else 404
    return HTMLResponse(
        PAGE.format(code=html.escape(code), text=html.escape(text)),
        status_code=status,
        headers=SECURITY_HEADERS,
    )
