"""Shapes the grassroots rules take (五个一, 回访, 四有, duplicates); the gateway validates with the same ones."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field, StringConstraints

from services.kernel.validators import Phone
from services.repair.schemas import Category, Latitude, Longitude, ServicePhone, ShortText, Strict, Text

Hours = Annotated[str, StringConstraints(strip_whitespace=True, max_length=40)]
Note = Annotated[str, StringConstraints(strip_whitespace=True, max_length=500)]
Day = Annotated[str, StringConstraints(pattern=r"^\d{4}-\d{2}-\d{2}$")]

PROVINCE_HOTLINE = "12345"  # 12345 政务服务便民热线: stands in while a county has set no hotline of its own
DUPLICATE_RADIUS_M = 200
DUPLICATE_DAYS = 7


class HotlineIn(Strict):
    phone: ServicePhone
    hours: Hours = ""


class PointProfileIn(Strict):
    address: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
    hours: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=40)]
    phone: ServicePhone
    scope: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]


class WalkInIn(Strict):
    """A walk-in report written into the window register; it becomes a ticket with channel `window`."""

    category: Category
    description: Text
    contact_name: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=50)]
    contact_phone: Phone
    address: Annotated[str, StringConstraints(strip_whitespace=True, max_length=200)] = ""
    lat: Latitude | None = None
    lng: Longitude | None = None
    outlet_id: Annotated[str, StringConstraints(max_length=40)] | None = None


class VisitIn(Strict):
    reached: bool
    restored: bool
    note: Note = ""


class QualificationIn(Strict):
    """四有: a business licence (营业执照 number), a shop address, at least one technician, spare parts in stock."""

    licence_no: Annotated[str, StringConstraints(strip_whitespace=True, pattern=r"^([0-9A-Z]{15,18})?$")] = ""
    shop_address: Annotated[str, StringConstraints(strip_whitespace=True, max_length=200)] = ""
    technicians: Annotated[int, Field(ge=0, le=1000)] = 0
    spare_parts: bool = False
    township_point_id: Annotated[str, StringConstraints(max_length=40)] | None = None


class VillageRepairerIn(Strict):
    name: ShortText
    phone: Phone


class JoinIn(Strict):
    lat: Latitude
    lng: Longitude


class CategoryIn(Strict):
    category: Category
