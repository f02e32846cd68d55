"""The message catalogue: the Chinese `detail` of every problem document, by its stable `code`.

Services and the gateway raise errors with an English message meant for developers; people read Chinese. The
problem renderer (`gateway.problems.problem`) calls `localize` once per problem: a message that is already Chinese
is kept as it is (it is the more specific text, such as a delisting reason); otherwise the catalogue gives the
Chinese text for the code, with the variable part (a reason, a list of roles) carried over where the English
message has one. The English message is kept in `detail_en` for developers. A code the catalogue does not know yet
falls back to a Chinese sentence for the HTTP status, so a `detail` is never English-only.

Field errors (`errors[].message`) are translated the same way: the framework's validation messages by pattern, the
services' own short English notes by a table; the original stays in `message_en`.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

CJK = re.compile(r"[\u4e00-\u9fff]")
ENGLISH_PHRASE = re.compile(r"[A-Za-z]{2,}[ ,;:'-]+[A-Za-z]{2,}[ ,;:'-]+[A-Za-z]{2,}")

ROLE_NAMES = {
    "platform_admin": "平台管理员",
    "app_reviewer": "应用审核员",
    "app_developer": "应用开发者",
    "county_admin": "县级管理员",
    "outlet_technician": "维修网点技术员",
    "village_agent": "村级代办员",
    "window_staff": "窗口工作人员",
    "department_staff": "部门工作人员",
    "license_issuer": "证照签发人员",
}

TICKET_STATUS_NAMES = {
    "pending_dispatch": "待派单",
    "dispatched": "已派单",
    "accepted": "已接单",
    "resolved": "已修复",
    "closed": "已办结",
    "cancelled": "已撤销",
}

# code → Chinese detail. Keep each sentence short, polite and actionable.
CATALOGUE: dict[str, str] = {
    # generic, and the gateway's own
    "invalid_input": "提交的内容有误，请按提示修改后重试。",
    "not_found": "找不到您要的内容。",
    "method_not_allowed": "不支持此请求方式。",
    "already_exists": "该记录已存在。",
    "wrong_state": "当前状态下不能执行此操作。",
    "unauthenticated": "请先登录。",
    "forbidden": "您没有权限执行此操作。",
    "rate_limited": "操作太频繁，请稍后再试。",
    "unavailable": "服务暂时不可用，请稍后再试。",
    "busy": "系统繁忙，请稍后再试。",
    "database_unavailable": "数据库暂时无法访问，请稍后再试。",
    "unstorable_text": "提交的内容含有无法保存的字符（如空字符），请删除后重试。",
    "internal_error": "系统出错了，我们已记录，请稍后再试。",
    "too_large": "文件太大，请压缩后重新上传。",
    "unsupported_media": "文件类型不支持：请上传 JPEG、PNG、WebP 照片或 MP4 视频。",
    "idempotency_key_reused": "同一个 Idempotency-Key 已用于内容不同的请求。",
    "idempotency_conflict": "同一个 Idempotency-Key 已用于内容不同的报修。",
    "idempotency_in_flight": "同样的请求正在处理中，请稍候再试。",
    # gRPC status names (when a service gives no code)
    "invalid_argument": "提交的内容有误。",
    "failed_precondition": "当前状态下不能执行此操作。",
    "permission_denied": "您没有权限执行此操作。",
    "resource_exhausted": "操作太频繁，请稍后再试。",
    "deadline_exceeded": "服务响应超时，请稍后再试。",
    "unimplemented": "此功能尚未开通。",
    "internal": "服务出错了，请稍后再试。",
    "cancelled": "服务正在重启，请求没有完成，请稍后重试。",
    "aborted": "操作冲突，请重试。",
    "out_of_range": "取值超出范围。",
    "unknown": "服务出错了，请稍后再试。",
    # sign-in and tokens
    "not_signed_in": "请先登录。",
    "invalid_token": "登录凭证无效，请重新登录。",
    "token_expired": "登录已过期，请重新登录。",
    "token_revoked": "登录凭证已失效，请重新登录。",
    "invalid_grant": "登录已失效，请重新登录。",
    "refresh_token_reused": "检测到登录凭证被重复使用，为安全起见已退出登录，请重新登录。",
    "invalid_credentials": "用户名或密码错误。",
    "invalid_code": "验证码错误、已使用或已过期，请重新获取。",
    "account_disabled": "该账号已停用。",
    "account_locked": "连续登录失败次数过多，账号已暂时锁定，请稍后再试。",
    "no_session": "该凭证不属于任何登录会话。",
    "account_gone": "该登录凭证对应的账号已不存在，请重新登录。",
    "consent_required": "此操作需要居民本人同意：请居民本人办理，或由代办员取得居民授权（代办凭证）后办理。",
    "role_required": "您的账号没有执行此操作所需的角色。",
    "region_forbidden": "该地区不在您的管辖范围内。",
    "delegation_required": "代办员请先取得居民授权（代办凭证）后再为居民办理。",
    "not_for_delegates": "此操作只能由本人办理，代办员不能代办。",
    "citizen_required": "请以本人身份登录后办理。",
    "not_a_citizen": "只有居民账号可以绑定身份证号。",
    "not_a_resident": "代办员只能为居民办理。",
    "unknown_citizen": "该手机号还没有注册办事通，请本人先登录一次。",
    "qr_expired": "二维码已过期，请在电脑上刷新后重新扫码。",
    "qr_other_account": "该二维码已被其他账号扫描。",
    "qr_wrong_state": "扫码登录状态已变化，请刷新二维码。",
    "invalid_poll_token": "扫码登录凭证不正确。",
    # accounts and identity
    "unknown_account": "找不到该账号。",
    "username_taken": "该用户名已被使用。",
    "phone_taken": "该手机号已绑定其他账号。",
    "cannot_disable_self": "不能停用自己的账号。",
    "not_staff": "只有工作人员账号才有角色和地区。",
    "id_number_taken": "该身份证号已绑定其他账号。",
    "real_name_required": "请先完成实名认证（绑定身份证号）。",
    "credit_code_taken": "该统一社会信用代码已登记。",
    "unknown_legal_person": "找不到该统一社会信用代码对应的法人。",
    "not_authorised": "您未获授权代表该法人办理。",
    "owner_required": "只有法人本人可以授权经办人。",
    "unknown_region": "该地区不是云南省的行政区划。",
    # mini-app registry
    "unknown_app": "找不到该应用。",
    "unknown_version": "该应用没有这个版本。",
    "app_exists": "该应用标识已被使用。",
    "not_your_department": "该应用不属于您所在的部门。",
    "own_department": "审核员不能审核本部门的应用，请由其他部门的审核员处理。",
    "already_member": "该账号已是本部门成员。",
    "not_a_member": "该账号不是本部门成员。",
    "review_in_progress": "已有版本正在审核中，请等待审核结果。",
    "version_exists": "该版本号已存在。",
    "version_not_draft": "该版本不是草稿，不能提交。",
    "version_not_pending": "该版本不在待审核状态。",
    "version_not_approved": "该版本尚未审核通过。",
    "version_not_newer": "新版本号必须大于已上架的版本号。",
    "no_listed_version": "该应用还没有已上架的版本，请先全量通过第一个版本。",
    "no_gray_release": "当前没有灰度发布中的版本。",
    "not_listed": "该应用当前不在上架状态。",
    "not_delisted": "该应用当前不在下架状态。",
    "not_flagged": "该应用没有被监测标记。",
    "gone": "该内容已下架或停用。",
    "app_delisted": "该应用已下架，其授权凭证已失效。",
    "insufficient_scope": "该应用未获得此操作所需的授权范围。",
    "no_consent": "您尚未授权该应用。",
    # broadcast-TV repair
    "unknown_county": "找不到该县（市、区）。",
    "unknown_outlet": "找不到该维修网点。",
    "unknown_point": "找不到该服务网点。",
    "unknown_ticket": "找不到该报修单。",
    "unknown_evidence": "找不到该照片或视频，请重新上传。",
    "evidence_taken": "该照片已用于其他报修单，请重新上传。",
    "unknown_qr_key": "找不到该二维码密钥。",
    "invalid_qr": "这不是办事通的报修二维码。",
    "qr_signature": "这个二维码暂时无法识别，请拨打县广电服务热线，或请村里的代办员帮您报修。",
    "invalid_format": "格式只能是 svg 或 png。",
    "point_outside_county": "所选位置不在该县范围内。",
    "county_mismatch": "所填县区与扫描的二维码不一致。",
    "category_not_served": "本县暂无该类故障的维修网点，请致电县广电部门。",
    "invalid_channel": "报修渠道不正确。",
    "not_your_ticket": "该报修单不归您处理。",
    "not_your_outlet": "技术员只能查看本网点的报修单。",
    "already_rated": "该报修已评价过。",
    "invalid_cursor": "分页游标无效，请从第一页重新查询。",
    "invalid_status": "状态取值不正确。",
    "invalid_time": "时间格式不正确，应为 RFC 3339 格式。",
    "invalid_month": "月份格式应为 YYYY-MM。",
    # grassroots broadcast-TV service (五个一, 回访, outlet choice and 四有, duplicates)
    "outlet_not_qualified": "所选维修网点目前不能承接这张报修单，请另选附近的网点，或不选由系统派单。",
    "four_haves_missing": "维修网点须“四有”：有营业执照、有门店、有技术人员、有备品备件。",
    "unknown_township": "所选乡镇服务网点不在该网点所在县。",
    "not_a_village_point": "兼职维修员只能登记在村组服务点。",
    "not_your_village": "该报修单不属于您代办的村组服务点。",
    "not_a_duplicate": "您的位置离这张报修单太远，不是同一故障，请单独报修。",
    "own_ticket": "这是您自己报修的单子。",
    "county_required": "请给出扫描的二维码或县区。",
    "invalid_day": "日期格式应为 YYYY-MM-DD。",
    "invalid_days": "天数应在1到30之间。",
    "invalid_point": "经纬度要同时给出。",
    # intake, licenses, reviews
    "unknown_service_item": "找不到该服务事项。",
    "invalid_holder_kind": "持证主体类型不正确。",
    # Open311 GeoReport v2 (gateway/open311, gateway/routers/open311.py)
    "invalid_api_key": "api_key 无效或已吊销，无法提交报修。",
    "unknown_open311_client": "找不到该 Open311 客户端。",
    "open311_client_revoked": "该 Open311 客户端的密钥已经吊销。",
    "unknown_service_code": "未知的服务编码，请从 services.json 中选择。",
    "location_required": "请提供报修位置：经纬度（lat、long）、地址（address_string）或县区代码（address_id）。",
    "invalid_location": "经纬度不正确。",
    "point_outside_yunnan": "报修位置不在云南省内。",
    "county_unknown": "无法确定报修所在的县（市、区）。",
    "unknown_address_id": "address_id 应为云南省的县级行政区划代码。",
    "open311_county_mismatch": "报修位置与该客户端所属的县（市、区）不符。",
    "jurisdiction_mismatch": "报修位置不在 jurisdiction_id 所指的辖区内。",
    "phone_required": "请填写报修人的手机号码，维修网点据此联系。",
    "invalid_phone": "手机号码不正确。",
    "invalid_email": "邮箱格式不正确。",
    "invalid_media_url": "media_url 应为 http(s) 网址。",
    "invalid_service_code": "服务编码取值不正确。",
    "invalid_service_request_id": "报修单号不正确。",
    "invalid_span": "查询的时间范围不能超过90天。",
}

# Codes whose English message carries a part worth keeping: (pattern on the English message, Chinese template).
TEMPLATES: dict[str, list[tuple[re.Pattern[str], str]]] = {
    "gone": [
        (re.compile(r"delisted: (?P<reason>.+)$", re.S), "该应用已下架：{reason}"),
        (re.compile(r"code has been withdrawn"), "此二维码已停用，请扫描本县最新张贴的报修码。"),
    ],
    "role_required": [
        (re.compile(r"cannot be used for staff"), "代办凭证不能用于工作人员的操作。"),
        (re.compile(r"roles: (?P<roles>[a-z_, ]+)$"), "需要以下角色之一：{roles}。"),
    ],
    "unsupported_media": [
        (re.compile(r"the file is (?P<real>\S+), not (?P<declared>\S+)"), "文件内容与声明的类型不符。"),
    ],
    "too_large": [(re.compile(r"larger than (?P<mb>\d+) MB"), "文件超过 {mb} MB，请压缩后重新上传。")],
    "invalid_channel": [
        (re.compile(r"window staff"), "窗口工作人员报修请选择“窗口”或“电话”渠道。"),
        (re.compile(r"citizens report"), "居民请通过办事通或扫描县里的报修码报修。"),
    ],
}


def _ticket_state(code: str) -> str | None:
    status = code.removeprefix("ticket_")
    if code.startswith("ticket_") and status in TICKET_STATUS_NAMES:
        return f"该报修单当前为“{TICKET_STATUS_NAMES[status]}”，不能执行此操作。"
    return None


DYNAMIC: list[Callable[[str], str | None]] = [_ticket_state]

# When nothing else is known: by HTTP status.
BY_STATUS: dict[int, str] = {
    400: "请求有误。",
    401: "请先登录。",
    403: "您没有权限执行此操作。",
    404: "找不到您要的内容。",
    405: "不支持此请求方式。",
    409: "当前状态下不能执行此操作。",
    410: "该内容已下架或停用。",
    413: "提交的内容太大。",
    415: "不支持的内容类型。",
    422: "提交的内容有误，请按提示修改后重试。",
    429: "操作太频繁，请稍后再试。",
    499: "请求已取消。",
    500: "系统出错了，我们已记录，请稍后再试。",
    501: "此功能尚未开通。",
    503: "服务暂时不可用，请稍后再试。",
    504: "服务响应超时，请稍后再试。",
}

TITLES_ZH: dict[int, str] = {
    400: "请求有误",
    401: "未登录",
    403: "无权操作",
    404: "未找到",
    405: "不支持的请求方式",
    409: "状态冲突",
    410: "已下架",
    413: "内容太大",
    415: "类型不支持",
    422: "输入有误",
    429: "请求太频繁",
    499: "已取消",
    500: "系统错误",
    501: "未开通",
    503: "服务不可用",
    504: "超时",
}


def is_chinese(text: str) -> bool:
    """Chinese text a person can read: it has Chinese characters and no English phrase."""
    return bool(CJK.search(text)) and not ENGLISH_PHRASE.search(text)


def detail_zh(code: str, status: int, english: str) -> str:
    """The Chinese detail of a problem (`english` is what the raiser said)."""
    if english and is_chinese(english):
        return english
    for pattern, template in TEMPLATES.get(code, ()):
        match = pattern.search(english or "")
        if match:
            parts = dict(match.groupdict())
            if "roles" in parts:
                parts["roles"] = "、".join(
                    ROLE_NAMES.get(r.strip(), r.strip()) for r in parts["roles"].split(",")
                )
            return template.format(**parts)
    if code in CATALOGUE:
        return CATALOGUE[code]
    for rule in DYNAMIC:
        text = rule(code)
        if text:
            return text
    return BY_STATUS.get(status, "出错了，请稍后再试。")


def localize(body: dict[str, Any], *, retry_after: str | None = None) -> dict[str, Any]:
    """Give a problem body its Chinese `detail` (English in `detail_en`) and Chinese field messages."""
    english = str(body.get("detail") or "")
    chinese = detail_zh(str(body.get("code", "")), int(body.get("status", 500)), english)
    if retry_after and retry_after.isdigit() and "秒" not in chinese:
        chinese = chinese.rstrip("。") + f"，请{retry_after}秒后再试。"
    body["detail"] = chinese
    body["title"] = TITLES_ZH.get(int(body.get("status", 500)), body.get("title", ""))
    if english and english != chinese:
        body["detail_en"] = english
    for error in body.get("errors") or ():
        message = str(error.get("message", ""))
        translated = field_message_zh(message)
        if translated != message:
            error["message"] = translated
            error["message_en"] = message
    return body


# -- field messages ----------------------------------------------------------------------------------------------

FIELD_PATTERNS: list[tuple[re.Pattern[str], str | Callable[[re.Match[str]], str]]] = [
    (re.compile(r"^Field required$"), "必填"),
    (re.compile(r"^String should have at least (\d+) characters?$"), "至少{0}个字符"),
    (re.compile(r"^String should have at most (\d+) characters?$"), "最多{0}个字符"),
    (re.compile(r"^String should match pattern"), "格式不正确"),
    (re.compile(r"^List should have at least (\d+) items?"), "至少{0}项"),
    (re.compile(r"^List should have at most (\d+) items?"), "最多{0}项"),
    (re.compile(r"^Input should be greater than or equal to (\S+)$"), "不能小于{0}"),
    (re.compile(r"^Input should be greater than (\S+)$"), "必须大于{0}"),
    (re.compile(r"^Input should be less than or equal to (\S+)$"), "不能大于{0}"),
    (re.compile(r"^Input should be less than (\S+)$"), "必须小于{0}"),
    (re.compile(r"^Input should be a valid integer"), "应为整数"),
    (re.compile(r"^Input should be a valid number"), "应为数字"),
    (re.compile(r"^Input should be a valid boolean"), "应为是或否（true/false）"),
    (re.compile(r"^Input should be a valid string"), "应为文字"),
    (re.compile(r"^Input should be a valid list"), "应为列表"),
    (re.compile(r"^Input should be a valid dictionary"), "应为对象"),
    (re.compile(r"^Input should be a valid (date|datetime)"), "日期时间格式不正确"),
    (re.compile(r"^Input should be a valid URL"), "网址格式不正确"),
    (re.compile(r"^Input should be (.+)$"), lambda m: "应为以下之一：" + _choices(m.group(1))),
    (re.compile(r"^Extra inputs are not permitted$"), "不接受此字段"),
    (re.compile(r"^JSON decode error"), "不是有效的 JSON"),
    (re.compile(r"^Value error, (.+)$", re.S), lambda m: field_message_zh(m.group(1))),
    (re.compile(r"^Expected UploadFile"), "请上传文件"),
    (re.compile(r"^unknown scope"), "未知的授权范围"),
    (re.compile(r"^the host must match one of"), "网址的主机不在允许的范围内"),
    (re.compile(r"^must be greater than (\S+), the app's latest version$"), "必须大于该应用的最新版本 {0}"),
    (re.compile(r"^this app's manifest does not ask for"), "该应用的清单没有申请此授权范围"),
    (re.compile(r"^not inside (.+)$"), "不在{0}范围内"),
    (re.compile(r"^\S+ is not an upload of yours$"), "不是您上传的文件"),
    (re.compile(r"^\S+ is attached elsewhere$"), "已用于其他报修单"),
    (re.compile(r"^not a semantic version"), "版本号应为语义化版本（如 1.2.0）"),
    (re.compile(r"^not a region scope of Yunnan"), "不是云南省的地区代码"),
    (re.compile(r"mobile number"), "请填写正确的11位手机号码"),
]

FIELD_TEXTS: dict[str, str] = {
    "svg or png": "只能是 svg 或 png",
    "not a photo or video": "不是照片或视频",
    "content does not match its type": "文件内容与类型不符",
    "too large": "文件太大",
    "window or phone": "只能是“窗口”或“电话”",
    "not for citizens": "居民不能指定此渠道",
    "differs from the code's county": "与二维码的县区不一致",
    "no outlet of this county serves it": "本县暂无该类故障的维修网点",
    "not ours": "无效",
    "unknown": "未知取值",
    "RFC 3339 expected": "应为 RFC 3339 时间格式",
    "unknown region": "不是云南省的行政区划",
    "YYYY-MM": "格式应为 YYYY-MM",
    "an outlet technician belongs to an outlet": "维修网点技术员必须属于一个维修网点",
    "a platform admin's region is the province (53)": "平台管理员的地区应为全省（53）",
    "village agents and technicians work in one county": "村级代办员和技术员只能属于一个县",
    "this number is not a resident's": "该号码不是居民账号",
    "reserved by the platform; choose another": "为平台保留，请另选一个",
    # the shared validators (services/kernel/validators.py) and the REST shapes
    "not a mainland China mobile number (11 digits starting with 13-19)": "请填写正确的11位手机号码",
    "an ID number has 17 digits and a check digit or X": "身份证号应为17位数字加1位校验码（数字或X）",
    "the birth date inside the ID number does not exist": "身份证号中的出生日期不存在",
    "the birth date inside the ID number is out of range": "身份证号中的出生日期超出范围",
    "the ID number's check digit is wrong": "身份证号校验位不正确",
    "a unified social credit code has 18 characters from 0-9 and A-Y (no I, O, S, V, Z)": (
        "统一社会信用代码应为18位（数字和除I、O、S、V、Z外的大写字母）"
    ),
    "the credit code's check character is wrong": "统一社会信用代码校验位不正确",
    "not a county adcode of Yunnan": "不是云南省的县级行政区划代码",
    "a region scope is 53, a prefecture prefix such as 5301, or a county adcode such as 530102": (
        "地区应为53（全省）、州市代码（如5301）或县级代码（如530102）"
    ),
    "basic public service (satellite, dtmb) is repaired by market outlets": "户户通和地面数字电视由市场化维修网点维修",
    "cable, iptv and ott are repaired by the operator's outlets": "有线电视、IPTV 和互联网电视由运营商网点维修",
    "give the scanned qr or the county": "请提供扫描的二维码或县区",
    "give both lat and lng, or neither": "经纬度须同时填写或都不填",
    "a URL has no spaces": "网址不能包含空格",
    "the entry URL must use https": "入口地址必须使用 https",
    "the entry URL needs a host and no user name or password": "入口地址须有主机名，且不能包含用户名或密码",
    "the entry URL has an invalid port": "入口地址的端口不正确",
}


def _choices(text: str) -> str:
    parts = re.split(r",\s*|\s+or\s+", text)
    return "、".join(p.strip().strip("'\"") for p in parts if p.strip())


def field_message_zh(message: str) -> str:
    """A field error's message in Chinese (the framework's by pattern, the services' by table)."""
    if not message or is_chinese(message):
        return message
    if message in FIELD_TEXTS:
        return FIELD_TEXTS[message]
    for pattern, template in FIELD_PATTERNS:
        match = pattern.search(message)
        if match:
            return template(match) if callable(template) else template.format(*match.groups())
    return "取值不正确"


# -- public broadcast facilities, terminal heartbeats and repair fees (services/repair/facilities.py, heartbeats.py,
# fees.py) -----------------------------------------------------------------------------------------------------------
CATALOGUE |= {
    "unknown_facility": "找不到该设施（发射转播台或应急广播终端）。",
    "facility_exists": "该设施编号在本县已登记。",
    "unknown_platform": "找不到该应急广播管理平台。",
    "platform_for_terminals": "只有应急广播终端才隶属管理平台。",
    "invalid_kind": "设施类型只能是发射转播台（transmitter）或应急广播终端（emergency_broadcast）。",
    "invalid_interval": "巡检周期应为1至366天。",
    "invalid_public_key": "公钥应为 Base64 编码的32字节 Ed25519 公钥。",
    "stale_timestamp": "心跳时间戳无效或超出前后5分钟的有效期，请校准管理平台的时钟。",
    "bad_signature": "心跳签名校验失败。",
    "nonce_reused": "该心跳的随机数（nonce）已使用过，疑似重放，已拒绝。",
    "invalid_date": "日期格式应为 YYYY-MM-DD。",
    "invalid_period": "统计期间应为1至92天，且开始日期不晚于结束日期。",
    "fee_not_approved": "该收费项目不在本县公布的收费清单内，不能收取。",
    "fee_above_approved": "收费金额高于本县核定的标准，不能收取。",
    "review_out_of_order": "须按村级、乡镇、县级的顺序逐级审核报送，上一级尚未报送。",
    "review_submitted": "该级数据已审核报送，报送后不能更改。",
    "invalid_stage": "审核层级只能是村级（village）、乡镇（township）或县级（county）。",
    "month_not_begun": "该月份尚未开始，不能审核报送。",
    "weights_sum": "各项权重之和必须为100。",
    "invalid_scheme": "考核方案不正确，请检查权重和分数线。",
    "no_assessment_scheme": "本县尚未发布网点绩效考核方案。",
    "invalid_year": "年份不正确。",
}
FIELD_TEXTS |= {
    "an ed25519 platform needs its public key": "Ed25519 签名方式须提供公钥",
    "an hmac-sha256 platform gets its secret from the registration; send no key": (
        "HMAC-SHA256 签名方式的密钥由平台登记时生成，请勿提供公钥"
    ),
    "fee item names must be unique": "收费项目名称不能重复",
    "not a platform of this county": "不是本县登记的管理平台",
    "only for emergency_broadcast": "仅应急广播终端可填写",
    "between 1 and 366": "应为1至366天",
    "not a 32-byte Ed25519 key in base64": "应为 Base64 编码的32字节 Ed25519 公钥",
    "YYYY-MM-DD": "格式应为 YYYY-MM-DD",
    "from must not be after to, nor more than 92 days before": "开始日期不能晚于结束日期，且期间不超过92天",
    "not on the county's approved list": "不在本县公布的收费清单内",
    "unknown kind": "类型不正确",
    "not an outlet of this county": "不是本县的维修网点",
    "the weights must sum to 100": "各项权重之和必须为100",
    "the replacement line is not above the target score": "解约更换分数线不能高于达标分数",
    "a month not yet begun": "该月份尚未开始",
    "village, township or county": "应为 village、township 或 county",
    "unknown measure": "未知的考核指标",
    "each weight is 0 to 100": "每项权重应为0至100",
    "not above the target, 0 to 100": "应为0至100，且不高于达标分数",
    "2000 to 2100": "应为2000至2100年",
}
FIELD_PATTERNS.append((re.compile(r"^at most (\d+)$"), "不能超过{0}（分）"))
