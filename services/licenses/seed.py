"""The catalogue of e-license types and their fields. Seeding twice changes nothing."""

from __future__ import annotations

from sqlalchemy import select

from services.kernel.db import Database
from services.kernel.settings import Settings
from services.licenses.models import LicenseType

NAME, ID = ("name", "姓名"), ("id_number", "公民身份号码")
ENTITY, CREDIT = ("name", "名称"), ("credit_code", "统一社会信用代码")

# code, name, issuing department, holder kind, validity years, fields
LICENSE_TYPES: list[tuple[str, str, str, str, int, list[tuple[str, str]]]] = [
    (
        "ID-CARD",
        "居民身份证",
        "公安厅",
        "person",
        20,
        [NAME, ID, ("sex", "性别"), ("ethnicity", "民族"), ("birth_date", "出生"), ("address", "住址")],
    ),
    (
        "HOUSEHOLD-REGISTER",
        "居民户口簿",
        "公安厅",
        "person",
        0,
        [NAME, ID, ("household_no", "户号"), ("relation", "与户主关系"), ("address", "住址")],
    ),
    (
        "DRIVING-LICENSE",
        "机动车驾驶证",
        "公安厅交通管理局",
        "person",
        6,
        [NAME, ID, ("class", "准驾车型"), ("file_no", "档案编号"), ("first_issued", "初次领证日期")],
    ),
    (
        "VEHICLE-LICENSE",
        "机动车行驶证",
        "公安厅交通管理局",
        "person",
        0,
        [
            ("owner", "所有人"),
            ID,
            ("plate_no", "号牌号码"),
            ("vehicle_type", "车辆类型"),
            ("vin", "车辆识别代号"),
        ],
    ),
    (
        "SOCIAL-SECURITY-CARD",
        "社会保障卡",
        "人力资源和社会保障厅",
        "person",
        10,
        [NAME, ID, ("card_no", "社会保障卡号"), ("bank", "发卡银行")],
    ),
    (
        "MEDICAL-INSURANCE",
        "医保电子凭证",
        "医疗保障局",
        "person",
        0,
        [NAME, ID, ("insured_place", "参保地"), ("insurance_type", "险种")],
    ),
    (
        "MARRIAGE-CERT",
        "结婚证",
        "民政厅",
        "person",
        0,
        [NAME, ID, ("spouse_name", "配偶姓名"), ("registered_on", "登记日期"), ("cert_no", "结婚证字号")],
    ),
    (
        "BIRTH-CERT",
        "出生医学证明",
        "卫生健康委员会",
        "person",
        0,
        [NAME, ID, ("birth_date", "出生日期"), ("mother_name", "母亲姓名"), ("cert_no", "出生证编号")],
    ),
    (
        "REAL-ESTATE-CERT",
        "不动产权证书",
        "自然资源厅",
        "person",
        0,
        [NAME, ID, ("cert_no", "不动产权证号"), ("location", "坐落"), ("area", "面积"), ("usage", "用途")],
    ),
    (
        "BUSINESS-LICENSE",
        "营业执照",
        "市场监督管理局",
        "legal_person",
        0,
        [
            ENTITY,
            CREDIT,
            ("legal_rep", "法定代表人"),
            ("entity_type", "类型"),
            ("address", "住所"),
            ("scope", "经营范围"),
        ],
    ),
    (
        "FOOD-BUSINESS-PERMIT",
        "食品经营许可证",
        "市场监督管理局",
        "legal_person",
        5,
        [ENTITY, CREDIT, ("permit_no", "许可证编号"), ("address", "经营场所"), ("items", "经营项目")],
    ),
    # The result of an approved application (办件结果), issued by the department that approved it.
    (
        "APPROVAL-DOC",
        "审批结果文书",
        "*",
        "person",
        0,
        [
            ("application_no", "办件编号"),
            ("item_name", "事项名称"),
            ("outcome", "审批结果"),
            ("concluded_at", "办结时间"),
        ],
    ),
]


async def seed(db: Database, settings: Settings) -> None:
    async with db.transaction() as session:
        existing = {t.code: t for t in (await session.scalars(select(LicenseType))).all()}
        for code, name, issuer, holder_kind, years, fields in LICENSE_TYPES:
            shaped = [{"name": n, "label": label} for n, label in fields]
            if code not in existing:
                session.add(
                    LicenseType(
                        code=code,
                        name=name,
                        issuer_department=issuer,
                        holder_kind=holder_kind,
                        validity_years=years,
                        fields=shaped,
                    )
                )
            elif not existing[code].fields:
                existing[code].fields = shaped
