"""The OpenAPI document made useful offline: a Bearer security scheme, Chinese summaries, request examples, and
every error status documented as an RFC 9457 problem document (whose `type` URL resolves to `/problems/{code}`),
and links from each creation to the operations on what it created.

`enrich(app)` wraps `app.openapi` once; routes keep their own English docstrings as descriptions."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI

from gateway.console.openapi_links import add_links
from gateway.open311.openapi import document as open311_document

PROBLEM = {
    "type": "object",
    "title": "Problem",
    "description": "RFC 9457 problem document; `type` resolves to a page explaining `code`.",
    "required": ["type", "title", "status", "detail", "code"],
    "properties": {
        "type": {
            "type": "string",
            "format": "uri",
            "example": "https://bst.example.gov.cn/problems/unknown_ticket",
        },
        "title": {"type": "string", "example": "未找到"},
        "status": {"type": "integer", "example": 404},
        "detail": {"type": "string", "description": "中文说明", "example": "找不到该报修单。"},
        "detail_en": {"type": "string", "description": "the English message, for developers"},
        "code": {
            "type": "string",
            "description": "stable machine-readable code",
            "example": "unknown_ticket",
        },
        "instance": {"type": "string"},
        "errors": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "field": {"type": "string"},
                    "message": {"type": "string", "description": "中文"},
                    "message_en": {"type": "string"},
                },
            },
        },
    },
}

ERRORS = {
    "401": "未登录或登录凭证无效 (not signed in, bad or expired token)",
    "403": "角色或地区不允许 (role or region not allowed)",
    "404": "不存在 (unknown)",
    "409": "状态不允许或重复 (wrong state or duplicate)",
    "422": "输入有误，逐字段说明 (invalid input, field-level errors)",
    "429": "请求太频繁，见 Retry-After (rate limited)",
    "503": "服务暂时不可用，见 Retry-After (a service or the database did not answer)",
}
GONE = {"get_mini_app", "open_mini_app", "authorize_mini_app", "get_mini_app_consent_prompt"}
PUBLIC = {
    "healthz",
    "readyz",
    "jwks",
    "send_sms_code",
    "issue_token",
    "list_mini_apps",
    "get_mini_app",
    "search",
    "get_county_qr",
    "resolve_repair_qr",
    "list_service_items",
    "get_service_item",
    "list_license_types",
}

SUMMARIES = {
    "healthz": "存活检查",
    "readyz": "就绪检查（数据库、Redis 与四个服务）",
    "jwks": "令牌验签公钥",
    "send_sms_code": "发送短信验证码",
    "issue_token": "登录 / 换取令牌（短信、密码、刷新令牌、通行密钥）",
    "logout": "退出登录",
    "create_delegation": "代办员申请代居民办理",
    "get_me": "我的账号",
    "create_account": "新建工作人员账号",
    "list_accounts": "工作人员账号列表",
    "update_account": "修改账号",
    "list_sms_outbox": "短信发件箱（开发与测试）",
    "list_repair_counties": "县区列表（含网点数）",
    "list_repair_outlets": "维修网点列表",
    "create_repair_outlet": "新增维修网点",
    "update_repair_outlet": "修改维修网点",
    "get_county_qr": "县级报修二维码（可打印）",
    "resolve_repair_qr": "识别扫描的报修码",
    "upload_repair_evidence": "上传照片或视频",
    "create_repair_ticket": "报修",
    "list_repair_tickets": "报修单列表",
    "get_repair_ticket": "报修单详情与进度",
    "accept_repair_ticket": "网点接单",
    "reject_repair_ticket": "网点拒单（转下一个网点）",
    "resolve_repair_ticket": "提交修复（附照片）",
    "follow_up_repair_ticket": "回访",
    "rate_repair_ticket": "评价维修",
    "cancel_repair_ticket": "撤销报修",
    "get_repair_stats": "报修统计",
    "export_repair_month": "导出月度报修",
    "list_mini_apps": "小程序目录",
    "register_mini_app": "登记小程序",
    "get_mini_app": "小程序详情",
    "create_mini_app_version": "提交小程序版本",
    "list_mini_app_versions": "小程序版本列表",
    "list_mini_app_events": "小程序审核记录",
    "authorize_mini_app": "授权小程序",
    "list_mini_apps_for_review": "待审核与全部小程序（审核）",
    "get_mini_app_for_review": "小程序详情（审核）",
    "approve_mini_app_version": "审核通过并上架",
    "reject_mini_app_version": "驳回版本",
    "delist_mini_app": "下架小程序",
    "relist_mini_app": "重新上架小程序",
    "get_mini_app_monitoring": "小程序运行监测",
}

EXAMPLES: dict[str, dict[str, Any]] = {
    "issue_token": {"grant_type": "password", "username": "wuhua.admin", "password": "********"},
    "send_sms_code": {"phone": "13912345678"},
    "create_repair_ticket": {
        "qr": "https://bst.example.gov.cn/r/530102?k=ab04265e&s=...",
        "category": "satellite",
        "description": "户户通一直显示无信号",
        "contact_name": "王大爷",
        "contact_phone": "13912345678",
        "address": "沙朗乡某村3组12号",
    },
    "resolve_repair_ticket": {"note": "高频头进水，更换后信号恢复", "evidence": ["<evidence_id>"]},
    "rate_repair_ticket": {"level": 5, "comment": "师傅来得快"},
    "create_repair_outlet": {
        "county": "530102",
        "name": "五华区沙朗户户通维修点",
        "kind": "market",
        "categories": ["satellite", "dtmb"],
        "lat": 25.13,
        "lng": 102.65,
        "phone": "0871-65110102",
    },
    "register_mini_app": {
        "app_id": "gd.qa",
        "name": "广电政策问答",
        "department": "云南省广播电视局",
        "category": "广播电视",
        "description": "户户通、应急广播相关政策问答",
    },
    "create_mini_app_version": {
        "version": "1.0.0",
        "entry_url": "https://gd.yn.gov.cn/qa/",
        "scopes": ["profile"],
        "changelog": "首个版本",
    },
    "reject_mini_app_version": {"reason": "入口页面无法打开"},
    "delist_mini_app": {"reason": "入口页面存在安全漏洞，整改前暂停服务"},
}


def enrich(app: FastAPI) -> None:
    plain = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema:
            return app.openapi_schema
        schema = plain()
        components = schema.setdefault("components", {})
        components.setdefault("securitySchemes", {})["bearerAuth"] = {
            "type": "http",
            "scheme": "bearer",
            "bearerFormat": "JWT",
            "description": "POST /api/v1/auth/token 取得的 access_token",
        }
        components.setdefault("schemas", {})["Problem"] = PROBLEM
        problem = {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}
        for ops in schema.get("paths", {}).values():
            for op in ops.values():
                op_id = op.get("operationId", "")
                if op_id in SUMMARIES:
                    op["summary"] = SUMMARIES[op_id]
                if op_id not in PUBLIC:
                    op.setdefault("security", [{"bearerAuth": []}])
                responses = op.setdefault("responses", {})
                for status, text in ERRORS.items():
                    if status == "401" and op_id in PUBLIC and op_id != "issue_token":
                        continue
                    # a page route's own non-JSON answer for this status (e.g. an HTML error page) stays documented
                    own = responses.get(status, {}).get("content", {})
                    pages = {kind: body for kind, body in own.items() if not kind.endswith("json")}
                    responses[status] = {"description": text, "content": {**problem, **pages}}
                if op_id in GONE:
                    responses["410"] = {
                        "description": "已下架，detail 给出理由 (delisted)",
                        "content": problem,
                    }
                example = EXAMPLES.get(op_id)
                body = op.get("requestBody", {}).get("content", {}).get("application/json")
                if example and body is not None:
                    body["example"] = example
        add_links(schema)  # a creation's identifier → the operations on what it created
        open311_document(schema)  # /open311/ paths: public, and errors in the GeoReport v2 format
        app.openapi_schema = schema
        return schema

    app.openapi = openapi  # type: ignore[method-assign]
