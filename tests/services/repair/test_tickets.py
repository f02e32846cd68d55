"""Filing: ticket numbers, Idempotency-Key scope, and what a delegation token may do."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import select

from services.kernel.db import utcnow
from services.kernel.errors import Forbidden, InvalidInput
from services.repair import service
from services.repair.models import TicketCounter
from services.repair.numbers import TicketNumbers
from services.repair.schemas import CancelIn
from tests.services.repair.factories import agent_for, citizen, context, file, outlet


async def test_a_repeated_key_answers_the_first_ticket_and_another_body_is_refused(session, tmp_path):
    await outlet(session, north_km=0.3)
    ctx, reporter, key = context(tmp_path), citizen(), str(uuid.uuid4())
    first = await file(session, ctx, reporter, key)
    again = await file(session, ctx, reporter, key)
    with pytest.raises(InvalidInput) as refused:
        await file(session, ctx, reporter, key, description="另一个问题")
    assert again.ticket_no == first.ticket_no
    assert refused.value.code == "idempotency_key_reused"


async def test_one_agent_key_for_two_residents_files_two_tickets(session, tmp_path):
    await outlet(session, north_km=0.3)
    ctx, agent, key = context(tmp_path), "agent-1", str(uuid.uuid4())
    first = await file(session, ctx, agent_for(citizen(), agent), key)
    second = await file(session, ctx, agent_for(citizen(), agent), key)
    assert first.ticket_no != second.ticket_no and first.reporter_id != second.reporter_id


async def test_a_delegation_token_cannot_read_or_cancel_the_residents_own_tickets(session, tmp_path):
    await outlet(session, north_km=0.3, capacity=10)
    ctx, resident = context(tmp_path), citizen()
    own = await file(session, ctx, resident)
    delegated = agent_for(resident)
    filed = await file(session, ctx, delegated)
    with pytest.raises(Forbidden):
        await service.get_ticket_for(session=session, principal=delegated, ticket_no=own.ticket_no)
    with pytest.raises(Forbidden):
        await service.cancel_ticket(
            session=session, ctx=ctx, principal=delegated, ticket_no=own.ticket_no, reason=CancelIn().reason
        )
    listed, _ = await service.get_all_tickets(session=session, principal=delegated, mine=True)
    assert [t.ticket_no for t in listed] == [filed.ticket_no]
    assert await service.count_my_tickets(session=session, principal=delegated) == 1
    notes = await service.get_my_notifications(session=session, principal=delegated)
    assert notes and {n.ticket_no for n in notes} == {filed.ticket_no}


async def test_numbers_of_a_county_and_day_follow_on(session, tmp_path):
    await outlet(session, north_km=0.3)
    ctx = context(tmp_path)
    first, second = [(await file(session, ctx, citizen())).ticket_no for _ in range(2)]
    assert first[:14] == second[:14] and int(second[14:]) == int(first[14:]) + 1


async def test_two_processes_take_disjoint_blocks_and_a_rolled_back_block_is_never_used(repair_db):
    """Two replicas (two TicketNumbers) on one database; a block taken by a transaction that rolls back is
    not handed out (the counter did not move, so another process may take the same numbers)."""
    county = f"{uuid.uuid4().int % 10**6:06d}"  # a counter row of its own
    now = utcnow()
    one, two = TicketNumbers(block=3), TicketNumbers(block=3)
    with pytest.raises(RuntimeError):
        async with repair_db.transaction() as s:
            await one.next(s, county, now)
            raise RuntimeError("the report failed")
    sequences = []
    for numbers in (one, two, one, two, one, one, one):
        async with repair_db.transaction() as s:
            sequences.append(int((await numbers.next(s, county, now))[14:]))
    assert sequences == [1, 4, 2, 5, 3, 7, 8]


async def _counter(db, county: str) -> int:
    async with db.reader() as s:
        return int(await s.scalar(select(TicketCounter.last).where(TicketCounter.county == county)) or 0)


async def test_the_next_block_is_taken_half_way_through_the_one_in_use(repair_db):
    """The report that hands out the first number of a block's second half takes the next block, so the block
    runs out into a committed reserve (no report waits for a taker); numbers of one process still follow on."""
    county = f"{uuid.uuid4().int % 10**6:06d}"
    numbers, now = TicketNumbers(block=4), utcnow()
    handed, counters = [], []
    for _ in range(8):
        async with repair_db.transaction() as s:
            handed.append(int((await numbers.next(s, county, now))[14:]))
        counters.append(await _counter(repair_db, county))
    assert handed == [1, 2, 3, 4, 5, 6, 7, 8]
    assert counters == [4, 4, 8, 8, 8, 8, 12, 12]


async def test_a_block_taken_ahead_by_a_report_that_fails_is_taken_again_by_the_next(repair_db):
    county = f"{uuid.uuid4().int % 10**6:06d}"
    numbers, now = TicketNumbers(block=4), utcnow()
    for _ in range(2):
        async with repair_db.transaction() as s:
            await numbers.next(s, county, now)
    with pytest.raises(RuntimeError):
        async with repair_db.transaction() as s:
            assert (await numbers.next(s, county, now)).endswith("0003")
            raise RuntimeError("the report failed")
    assert await _counter(repair_db, county) == 4  # the block taken ahead went with the failed report
    async with repair_db.transaction() as s:
        assert (await numbers.next(s, county, now)).endswith("0004")
    assert await _counter(repair_db, county) == 8
    async with repair_db.transaction() as s:
        assert (await numbers.next(s, county, now)).endswith("0005")
