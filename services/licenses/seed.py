"""The catalogue of e-license types. Seeding twice changes nothing."""

from __future__ import annotations

from sqlalchemy import select

from services.kernel.db import Database
from services.kernel.settings import Settings
from services.licenses.models import LicenseType

LICENSE_TYPES: list[tuple[str, str, str, str, int]] = [
    ("ID-CARD", "居民身份证", "公安厅", "person", 20),
    ("HOUSEHOLD-REGISTER", "居民户口簿", "公安厅", "person", 0),
    ("DRIVING-LICENSE", "机动车驾驶证", "公安厅交通管理局", "person", 6),
    ("SOCIAL-SECURITY-CARD", "社会保障卡", "人力资源和社会保障厅", "person", 10),
    ("MARRIAGE-CERT", "结婚证", "民政厅", "person", 0),
    ("BIRTH-CERT", "出生医学证明", "卫生健康委员会", "person", 0),
    ("REAL-ESTATE-CERT", "不动产权证书", "自然资源厅", "person", 0),
    ("BUSINESS-LICENSE", "营业执照", "市场监督管理局", "legal_person", 0),
    ("FOOD-BUSINESS-PERMIT", "食品经营许可证", "市场监督管理局", "legal_person", 5),
]


async def seed(db: Database, settings: Settings) -> None:
    async with db.transaction() as session:
        existing = set((await session.scalars(select(LicenseType.code))).all())
        for code, name, issuer, holder_kind, years in LICENSE_TYPES:
            if code not in existing:
                session.add(LicenseType(code=code, name=name, issuer_department=issuer, holder_kind=holder_kind,
                                        validity_years=years))
