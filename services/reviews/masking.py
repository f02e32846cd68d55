"""Personal data out of public comments (个人信息脱敏): ID numbers, phone numbers, names and addresses.

The rules err on the side of hiding: a comment shown to the public keeps its sense, never a person's data."""

from __future__ import annotations

import re

# 18-digit resident ID numbers (GB 11643) and 15-digit old ones.
_ID_NUMBER = re.compile(r"(?<![0-9A-Za-z])(\d{6})\d{8,11}([0-9Xx])(?![0-9A-Za-z])")
_MOBILE = re.compile(r"(?<!\d)(\+?86[- ]?)?(1[3-9]\d)[- ]?\d{4}[- ]?(\d{4})(?!\d)")
_LANDLINE = re.compile(r"(?<!\d)(0\d{2,3})[- ]?\d{7,8}(?!\d)")
_LONG_NUMBER = re.compile(r"\d{7,}")
# Addresses: a numbered house, room, building, group; a named village, community, estate, street or road.
_ADDRESS_NUMBER = re.compile(r"\d+(?:号楼|号院|号|室|栋|幢|单元|组|楼|弄|巷|排|户)")
_ADDRESS_PLACE = re.compile(
    r"[\u4e00-\u9fff]{1,6}(?:村委会|村|社区|小区|花园|公寓|新村|街道|大街|街|路|巷|苑)"
)
_SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟"
    "谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤普李岩杨刀字者"
)
_TITLES = (
    "师傅|大爷|大妈|大叔|大姐|阿姨|奶奶|爷爷|先生|女士|小姐|老师|"
    "经理|主任|科长|处长|局长|站长|所长|医生|同志|书记|村长"
)
_NAME_WITH_TITLE = re.compile(rf"([{_SURNAMES}])[\u4e00-\u9fff]{{0,2}}?({_TITLES})")
_NAME_INTRODUCED = re.compile(r"(我叫|我是|姓名[:：]?|名叫|叫做)([\u4e00-\u9fff])[\u4e00-\u9fff]{1,2}")
_OLD_OR_YOUNG = re.compile(rf"(老|小)([{_SURNAMES}])(?=[^\u4e00-\u9fff]|$|[，。！？、,.!?\s的])")


def mask(text: str) -> str:
    """`text` with ID numbers, phones, names and addresses replaced by asterisks."""
    if not text:
        return ""
    out = _ID_NUMBER.sub(lambda m: f"{m.group(1)}********{m.group(2)}", text)
    out = _MOBILE.sub(lambda m: f"{m.group(2)}****{m.group(3)}", out)
    out = _LANDLINE.sub(lambda m: f"{m.group(1)}-********", out)
    out = _LONG_NUMBER.sub(lambda m: "*" * len(m.group(0)), out)
    out = _ADDRESS_NUMBER.sub(lambda m: "*" + m.group(0).lstrip("0123456789"), out)
    out = _ADDRESS_PLACE.sub(lambda m: "**" + _place_suffix(m.group(0)), out)
    out = _NAME_INTRODUCED.sub(lambda m: f"{m.group(1)}{m.group(2)}**", out)
    out = _NAME_WITH_TITLE.sub(lambda m: f"{m.group(1)}{m.group(2)}", out)
    return _OLD_OR_YOUNG.sub(lambda m: f"{m.group(1)}*", out)


def _place_suffix(place: str) -> str:
    for suffix in (
        "村委会",
        "社区",
        "小区",
        "花园",
        "公寓",
        "新村",
        "街道",
        "大街",
        "村",
        "街",
        "路",
        "巷",
        "苑",
    ):
        if place.endswith(suffix):
            return suffix
    return ""
