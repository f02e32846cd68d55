"""Grassroots rules that need no service around them: the 四有 check, the register's CSV, and what qualifies an
outlet for a reporter's choice."""

from __future__ import annotations

import csv
import io

from services.repair.grassroots import WalkIn, walk_ins_csv
from services.repair.grassroots_schemas import QualificationIn
from services.repair.intake_hooks import why_not_qualifying
from services.repair.models import Outlet
from services.repair.outlet_choice import missing_four_haves
from services.repair.schemas import Category


def outlet(**fields: object) -> Outlet:
    values: dict[str, object] = {
        "outlet_id": "OUT-1", "county": "530324", "kind": "market", "active": True, "open_tickets": 0, "capacity": 5,
    }  # fmt: skip
    return Outlet(**(values | fields))


def test_every_missing_one_of_the_four_haves_is_named():
    assert {e.field for e in missing_four_haves(QualificationIn())} == {
        "licence_no", "shop_address", "technicians", "spare_parts"
    }  # fmt: skip
    complete = QualificationIn(
        licence_no="92530324MA6K0000XY", shop_address="九龙街道振兴路18号", technicians=1, spare_parts=True
    )
    assert missing_four_haves(complete) == []
    assert [e.field for e in missing_four_haves(complete.model_copy(update={"technicians": 0}))] == [
        "technicians"
    ]


def test_an_outlet_qualifies_only_in_its_county_for_its_kind_while_active_and_below_capacity():
    sat = Category.SATELLITE
    assert why_not_qualifying(outlet(), county="530324", category=sat, serves=True) is None
    assert why_not_qualifying(None, county="530324", category=sat, serves=False) is not None
    assert why_not_qualifying(outlet(county="530323"), county="530324", category=sat, serves=True) is not None
    assert why_not_qualifying(outlet(), county="530324", category=sat, serves=False) is not None
    assert why_not_qualifying(outlet(kind="operator"), county="530324", category=sat, serves=True) is not None
    assert why_not_qualifying(outlet(active=False), county="530324", category=sat, serves=True) is not None
    assert why_not_qualifying(outlet(open_tickets=5), county="530324", category=sat, serves=True) is not None


def test_the_register_csv_opens_in_excel_and_runs_no_formula():
    line = WalkIn(
        point_id="SP-1", day="2026-11-30", ticket_no="BX5303232611300001", at="2026-11-30T09:05:00+08:00",
        category="satellite", contact_name="=cmd|'/c calc'!A1", contact_phone="13900000000", address="@村",
        status="dispatched", recorded_by="w1",
    )  # fmt: skip
    data = walk_ins_csv([line])
    assert data.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert rows[1][:3] == ["2026-11-30", "09:05", "BX5303232611300001"]
    assert rows[1][4].startswith("'=") and rows[1][6] == "'@村"
