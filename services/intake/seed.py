"""A few real service items of the provincial catalogue. Seeding twice changes nothing."""

from __future__ import annotations

from sqlalchemy import select

from services.intake.models import ServiceItem
from services.kernel.db import Database
from services.kernel.settings import Settings

# (code, name, department, region, category, promised, statutory, materials, online)
DEMO_ITEMS: list[tuple[str, str, str, str, str, int, int, list[str], bool]] = [
    ("GA-HJ-001", "居民身份证换领", "公安厅", "53", "户籍证件", 15, 60, ["原居民身份证", "本人近期照片"], False),
    ("GA-HJ-002", "户口迁移（省内）", "公安厅", "53", "户籍证件", 5, 20, ["居民户口簿", "居民身份证", "迁入地住房证明"], True),
    ("SC-GT-001", "个体工商户设立登记", "市场监督管理局", "53", "市场准入", 1, 15, ["经营者身份证明", "经营场所使用证明"], True),
    ("SC-QY-001", "企业设立登记", "市场监督管理局", "53", "市场准入", 3, 15, ["公司章程", "法定代表人身份证明", "住所使用证明"], True),
    ("RS-YL-001", "城乡居民基本养老保险参保登记", "人力资源和社会保障厅", "53", "社会保障", 1, 5, ["居民身份证"], True),
    ("RS-SB-001", "社会保障卡申领", "人力资源和社会保障厅", "53", "社会保障", 5, 20, ["居民身份证", "本人近期照片"], True),
    ("ZR-BDC-001", "不动产首次登记", "自然资源局", "5301", "不动产", 5, 30, ["不动产权属来源证明", "身份证明", "不动产界址测绘成果"], False),
    ("MZ-HY-001", "结婚登记", "民政局", "530102", "婚姻家庭", 1, 1, ["居民户口簿", "居民身份证", "本人近期半身免冠照片"], False),
    ("GD-BX-001", "广播电视户户通设施维修", "广播电视局", "53", "广播电视", 1, 1, [], True),
    ("WJ-CS-001", "出生医学证明办理", "卫生健康委员会", "53", "出生", 3, 10, ["父母身份证", "分娩记录"], True),
]


async def seed(db: Database, settings: Settings) -> None:
    async with db.transaction() as session:
        existing = set((await session.scalars(select(ServiceItem.code))).all())
        for code, name, dept, region, category, promised, statutory, materials, online in DEMO_ITEMS:
            if code not in existing:
                session.add(ServiceItem(code=code, name=name, department=dept, region=region, category=category,
                                        promised_days=promised, statutory_days=statutory, materials=materials,
                                        online=online))
