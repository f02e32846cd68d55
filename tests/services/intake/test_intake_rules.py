"""Intake rules on their own database: the unified number across processes, prefill and 双免, form faults in
Chinese, the daily flags, and the licenses call that may not answer."""

from __future__ import annotations

import asyncio
import datetime as dt
import random

import pytest
from sqlalchemy import select

from services.cli import COMPONENTS
from services.intake import forms, transitions
from services.intake.licenses_client import LicenseFactsClient
from services.intake.models import Application, Notification, OutboxEvent, ServiceItem
from services.intake.numbers import NumberAllocator, check_character, compose, is_valid_number
from services.intake.schemas import LicenseFact
from services.intake.seed import DEMO_ITEMS
from services.kernel.db import Database
from services.kernel.errors import InvalidInput
from services.kernel.events import Outbox
from services.kernel.migrations import upgrade
from services.kernel.workdays import CHINA
from tests.conftest import free_port


@pytest.fixture(scope="module")
async def rules_db(backend):
    url = await backend.scratch_database("intake_rules")
    await asyncio.to_thread(upgrade, COMPONENTS["intake"].migrations, url)
    db = Database(url)
    yield db
    await db.dispose()


def shop_item() -> ServiceItem:
    row = next(r for r in DEMO_ITEMS if r[0] == "SC-GT-001")
    return ServiceItem(
        code=row[0],
        name=row[1],
        department=row[2],
        regions=row[3],
        region=row[3][0],
        mode=row[5],
        promised_days=row[6],
        form_schema=row[10],
        materials=row[11],
        special_procedures=row[12],
        status="published",
    )


def test_the_check_character_catches_a_changed_digit_or_swapped_neighbours():
    number = compose("530102", "20270104", 123)
    assert len(number) == 21 and is_valid_number(number)
    assert check_character("11010519491231002") == "X"  # the GB 11643 example: the same MOD 11-2
    for i in range(20):
        changed = number[:i] + str((int(number[i]) + 1) % 10) + number[i + 1 :]
        assert not is_valid_number(changed)


async def test_numbers_from_several_processes_never_collide_and_take_no_row_per_submission(rules_db):
    """Three allocators (as three replicas would) hand out 3 × 120 numbers for one day: all distinct, and the
    database row is touched once per block of 50, not once per number."""
    allocators = [NumberAllocator(rules_db, block_size=50) for _ in range(3)]
    now = dt.datetime(2031, 5, 6, 9, tzinfo=CHINA)

    async def draw(allocator: NumberAllocator) -> list[str]:
        return [await allocator.next_number("530102", now) for _ in range(120)]

    drawn = [n for batch in await asyncio.gather(*(draw(a) for a in allocators)) for n in batch]
    assert len(set(drawn)) == 360 and all(is_valid_number(n) for n in drawn)
    assert all(n.startswith("53010220310506") for n in drawn)
    assert await allocators[0].peek("20310506") == 1 + 50 * 9  # 3 blocks each: 9 reservations in all


def test_prefill_fills_only_what_the_form_leaves_empty_and_the_license_answers():
    item = shop_item()
    facts = [
        LicenseFact(
            license_id="L1", type="ID-CARD", fields={"name": "李四", "id_number": "530102199001011234"}
        )
    ]
    form, filled = forms.prefill(item, {"name": "", "id_number": "530102199001019999", "phone": "1"}, facts)
    assert filled == ["name"] and form["name"] == "李四" and form["id_number"] == "530102199001019999"
    assert forms.prefill(item, {}, [])[1] == []
    other = [LicenseFact(license_id="L2", type="DRIVING-LICENSE", fields={"name": "李四"})]
    assert forms.prefill(item, {}, other)[1] == []


def test_an_e_license_waives_the_material_it_proves_and_only_that_one():
    item = shop_item()
    facts = [LicenseFact(license_id="L1", type="ID-CARD", fields={})]
    assert forms.check_materials(item, [{"material_id": "premises", "file_id": "f"}], facts) == ["id-card"]
    with pytest.raises(InvalidInput) as missing:
        forms.check_materials(item, [{"material_id": "premises", "file_id": "f"}], [])
    assert missing.value.code == "materials_missing" and "居民身份证" in missing.value.message
    with pytest.raises(InvalidInput) as unknown:
        forms.check_materials(item, [{"material_id": "nope", "file_id": "f"}], facts)
    assert unknown.value.code == "unknown_material"


def test_form_faults_name_each_field_in_chinese():
    item = shop_item()
    faults = forms.form_errors(item.form_schema, {"name": "李", "phone": "abc", "extra": 1, "id_number": 5})
    by_field = {f.field: f.message for f in faults}
    assert by_field["form.name"] == "申请人姓名：内容过短"
    assert by_field["form.phone"] == "联系电话：格式不正确"
    assert by_field["form.id_number"] == "身份证号码：类型不正确"
    assert by_field["form.shop_name"] == "字号名称：必填" and by_field["form.address"] == "经营场所：必填"


async def test_the_daily_flags_reach_the_department_once_a_day(rules_db):
    department = f"测试局{random.randrange(10**8)}"
    today = dt.date(2031, 6, 10)  # a Tuesday
    async with rules_db.transaction() as session:
        for number, due_on in (
            ("A1", dt.date(2031, 6, 9)),
            ("A2", dt.date(2031, 6, 11)),
            ("A3", dt.date(2031, 6, 20)),
        ):
            session.add(
                Application(
                    application_no=f"{department}{number}",
                    item_code="X",
                    item_name="测试事项",
                    department=department,
                    region="530102",
                    mode="online",
                    status="submitted",
                    applicant_id="c",
                    filed_by="c",
                    channel="online",
                    acceptance_due=due_on,
                    next_due=due_on,
                    next_due_kind="acceptance",
                )
            )
    now = dt.datetime.combine(today, dt.time(8), CHINA)
    outbox = Outbox(OutboxEvent)
    for _ in range(2):  # the timer ticks more than once a day
        async with rules_db.transaction() as session:
            await transitions.flag_due_applications(session=session, outbox=outbox, now=now)
    async with rules_db.reader() as session:
        notes = (
            await session.scalars(
                select(Notification)
                .where(Notification.recipient == f"dept:{department}:530102")
                .order_by(Notification.id)
            )
        ).all()
        events = (
            await session.scalars(
                select(OutboxEvent.event_type).where(OutboxEvent.aggregate_id.startswith(department))
            )
        ).all()
    assert [(n.application_no[-2:], n.kind) for n in notes] == [("A1", "overdue"), ("A2", "due_soon")]
    assert "已超期" in notes[0].text and "即将到期" in notes[1].text
    assert sorted(events) == ["intake.application.due_soon", "intake.application.overdue"]


class _Context:
    def invocation_metadata(self):
        return (("authorization", "Bearer x"), ("x-request-id", "r1"))


async def test_a_licenses_service_that_does_not_answer_means_no_facts(backend):
    settings = backend.settings(licenses_addr=f"127.0.0.1:{free_port()}", grpc_deadline_seconds=0.5)
    client = LicenseFactsClient(settings)
    try:
        facts = await client.facts(_Context(), types=["ID-CARD"], purpose="申办", reader="部门", case_ref="k")
    finally:
        await client.close()
    assert facts == []
