"""A few real service items of the provincial catalogue, and one 一件事. Seeding twice changes nothing."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from services.intake.models import Bundle, ItemChange, ServiceItem
from services.kernel.db import Database, utcnow
from services.kernel.settings import Settings


def person_form(*extra: tuple[str, dict[str, Any]], required: tuple[str, ...] = ()) -> dict[str, Any]:
    """A form whose applicant name and ID number an ID-card e-license answers."""
    properties: dict[str, Any] = {
        "name": {
            "type": "string",
            "title": "申请人姓名",
            "minLength": 2,
            "maxLength": 30,
            "x-license": {"type": "ID-CARD", "field": "name"},
        },
        "id_number": {
            "type": "string",
            "title": "身份证号码",
            "pattern": r"^\d{17}[\dX]$",
            "x-license": {"type": "ID-CARD", "field": "id_number"},
        },
        "phone": {"type": "string", "title": "联系电话", "pattern": r"^1\d{10}$"},
    }
    properties.update(dict(extra))
    return {"type": "object", "properties": properties, "required": ["name", "id_number", "phone", *required]}


def material(material_id: str, name: str, license_type: str = "", *, key: bool = False) -> dict[str, Any]:
    return {
        "material_id": material_id,
        "name": name,
        "license_type": license_type,
        "required": True,
        "key": key,
    }


ID_CARD = material("id-card", "居民身份证", "ID-CARD", key=True)
PHOTO = material("photo", "本人近期照片")

# code, name, department, regions, category, mode, promised, statutory, mobile, visit, form, materials, procedures,
# result license
DEMO_ITEMS: list[tuple[Any, ...]] = [
    (
        "GA-HJ-001",
        "居民身份证换领",
        "公安厅",
        ["53"],
        "户籍证件",
        "instant",
        15,
        60,
        False,
        True,
        person_form(),
        [ID_CARD, PHOTO],
        [],
        "ID-CARD",
    ),
    (
        "GA-HJ-002",
        "户口迁移（省内）",
        "公安厅",
        ["53"],
        "户籍证件",
        "online",
        5,
        20,
        True,
        False,
        person_form(
            ("to_address", {"type": "string", "title": "迁入地址", "minLength": 4}), required=("to_address",)
        ),
        [
            material("household", "居民户口簿", "HOUSEHOLD-REGISTER", key=True),
            ID_CARD,
            material("housing", "迁入地住房证明"),
        ],
        [],
        "HOUSEHOLD-REGISTER",
    ),
    (
        "SC-GT-001",
        "个体工商户设立登记",
        "市场监督管理局",
        ["53"],
        "市场准入",
        "online",
        1,
        15,
        True,
        False,
        person_form(
            ("shop_name", {"type": "string", "title": "字号名称", "minLength": 2}),
            ("address", {"type": "string", "title": "经营场所", "minLength": 4}),
            required=("shop_name", "address"),
        ),
        [ID_CARD, material("premises", "经营场所使用证明")],
        [],
        "BUSINESS-LICENSE",
    ),
    (
        "SC-QY-001",
        "企业设立登记",
        "市场监督管理局",
        ["53"],
        "市场准入",
        "complex",
        3,
        15,
        True,
        False,
        person_form(
            ("company_name", {"type": "string", "title": "企业名称", "minLength": 4}),
            required=("company_name",),
        ),
        [material("charter", "公司章程", key=True), ID_CARD, material("premises", "住所使用证明")],
        [],
        "BUSINESS-LICENSE",
    ),
    (
        "RS-YL-001",
        "城乡居民基本养老保险参保登记",
        "人力资源和社会保障厅",
        ["53"],
        "社会保障",
        "instant",
        1,
        5,
        True,
        False,
        person_form(),
        [ID_CARD],
        [],
        "",
    ),
    (
        "RS-SB-001",
        "社会保障卡申领",
        "人力资源和社会保障厅",
        ["53"],
        "社会保障",
        "online",
        5,
        20,
        True,
        False,
        person_form(),
        [ID_CARD, PHOTO],
        [],
        "SOCIAL-SECURITY-CARD",
    ),
    (
        "ZR-BDC-001",
        "不动产首次登记",
        "自然资源局",
        ["5301"],
        "不动产",
        "complex",
        5,
        30,
        False,
        True,
        person_form(
            ("parcel", {"type": "string", "title": "不动产单元号", "minLength": 6}), required=("parcel",)
        ),
        [
            material("title-source", "不动产权属来源证明", key=True),
            ID_CARD,
            material("survey", "不动产界址测绘成果"),
        ],
        [{"name": "现场勘验", "days": 5}, {"name": "公告", "days": 15}],
        "REAL-ESTATE-CERT",
    ),
    (
        "MZ-HY-001",
        "结婚登记",
        "民政局",
        ["530102"],
        "婚姻家庭",
        "instant",
        1,
        1,
        False,
        True,
        person_form(
            ("partner_name", {"type": "string", "title": "对方姓名", "minLength": 2}),
            required=("partner_name",),
        ),
        [
            material("household", "居民户口簿", "HOUSEHOLD-REGISTER"),
            ID_CARD,
            material("photo", "本人近期半身免冠照片"),
        ],
        [],
        "MARRIAGE-CERT",
    ),
    (
        "GD-BX-001",
        "广播电视户户通设施维修",
        "广播电视局",
        ["53"],
        "广播电视",
        "online",
        1,
        1,
        True,
        False,
        person_form(
            ("address", {"type": "string", "title": "安装地址", "minLength": 4}), required=("address",)
        ),
        [],
        [],
        "",
    ),
    (
        "WJ-CS-001",
        "出生医学证明办理",
        "卫生健康委员会",
        ["53"],
        "出生",
        "pre_review",
        3,
        10,
        True,
        False,
        person_form(
            ("baby_name", {"type": "string", "title": "新生儿姓名", "minLength": 2}), required=("baby_name",)
        ),
        [material("parents-id", "父母身份证", "ID-CARD"), material("delivery", "分娩记录", key=True)],
        [],
        "BIRTH-CERT",
    ),
]

DEMO_BUNDLES = [
    ("YJS-CS-001", "新生儿出生“一件事”", ["WJ-CS-001", "RS-SB-001"], ["53"], "卫生健康委员会"),
]


async def seed(db: Database, settings: Settings) -> None:
    async with db.transaction() as session:
        existing = set((await session.scalars(select(ServiceItem.code))).all())
        for (
            code,
            name,
            dept,
            regions,
            category,
            mode,
            promised,
            statutory,
            mobile,
            visit,
            form,
            materials,
            procedures,
            result,
        ) in DEMO_ITEMS:
            if code in existing:
                continue
            session.add(
                ServiceItem(
                    code=code,
                    name=name,
                    department=dept,
                    region=regions[0],
                    regions=regions,
                    category=category,
                    mode=mode,
                    promised_days=promised,
                    statutory_days=statutory,
                    mobile=mobile,
                    needs_visit=visit,
                    form_schema=form,
                    materials=materials,
                    special_procedures=procedures,
                    result_license_type=result,
                    status="published",
                    revision=1,
                    updated_at=utcnow(),
                )
            )
            session.add(
                ItemChange(
                    code=code,
                    action="create",
                    actor="seed",
                    reason="",
                    changed_fields=[],
                    before={},
                    at=utcnow(),
                )
            )
        bundles = set((await session.scalars(select(Bundle.bundle_code))).all())
        for code, name, items, regions, dept in DEMO_BUNDLES:
            if code not in bundles:
                session.add(
                    Bundle(bundle_code=code, name=name, item_codes=items, regions=regions, department=dept)
                )
