"""The OpenAPI description of the /open311/ paths: public (no Bearer), Chinese summaries, and every error as the
GeoReport v2 error list (application/json) instead of a problem document; invalid input is 400 there, not 422."""

from __future__ import annotations

from typing import Any

from gateway.open311.errors import OPEN311_PREFIX

SUMMARIES = {
    "create_open311_client": "新建 Open311 客户端（密钥只显示一次）",
    "list_open311_clients": "Open311 客户端列表",
    "revoke_open311_client": "吊销 Open311 客户端密钥",
    "list_open311_services": "Open311 服务列表（报修类别）",
    "get_open311_service_definition": "Open311 服务定义",
    "create_open311_request": "Open311 提交报修",
    "list_open311_requests": "Open311 报修查询（不含个人信息）",
    "get_open311_request": "Open311 单个报修（不含个人信息）",
}
ERROR_LIST = {
    "type": "array",
    "description": 'GeoReport v2 errors: `[{"code": <HTTP status>, "description": "中文说明"}]`',
    "items": {
        "type": "object",
        "required": ["code", "description"],
        "properties": {"code": {"type": "integer"}, "description": {"type": "string"}},
    },
}
STATUS_TEXT = {
    "400": "输入有误（缺少位置、经纬度不对、手机号不对、未知服务编码等）",
    "403": "api_key 无效或已吊销",
    "404": "不存在",
    "429": "请求太频繁，见 Retry-After",
    "503": "服务暂时不可用，见 Retry-After",
}


def document(schema: dict[str, Any]) -> None:
    for path, ops in schema.get("paths", {}).items():
        for op in ops.values():
            op_id = op.get("operationId", "")
            if op_id in SUMMARIES:
                op["summary"] = SUMMARIES[op_id]
            if not path.startswith(OPEN311_PREFIX):
                continue
            op.pop("security", None)
            responses = op.setdefault("responses", {})
            responses.pop("401", None)
            responses.setdefault("400", {})
            for status in [s for s in responses if s.isdigit() and int(s) >= 400]:
                if status == "422":
                    del responses[status]
                    continue
                responses[status] = {
                    "description": STATUS_TEXT.get(status, responses[status].get("description", "Error")),
                    "content": {"application/json": {"schema": ERROR_LIST}},
                }
