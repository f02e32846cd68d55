"""The gateway's SMS consumer: who is texted for the events of repair, intake and reviews."""

from __future__ import annotations

from gateway.notify.consumers import recipients_of
from services.kernel.events import Event


def event(source: str, **payload) -> Event:
    return Event(
        event_id="e1",
        event_type=f"{source}.x",
        aggregate_id="a",
        payload=payload,
        occurred_at="",
        source=source,
    )


def test_named_accounts_are_texted_once_each_in_order():
    assert recipients_of(event("reviews", notify_account_ids=["a", "b", "a", None])) == ["a", "b"]
    assert recipients_of(event("intake", notify_account_ids=["c"], applicant_id="d")) == ["c"]


def test_repair_keeps_its_reporter_and_agent_rule_and_others_need_names():
    assert recipients_of(event("repair", reporter_id="r", agent_id="g")) == ["r", "g"]
    assert recipients_of(event("repair", reporter_id="r", agent_id=None)) == ["r"]
    assert recipients_of(event("repair", reporter_id="r", notify_account_ids=["x"])) == ["x"]
    assert recipients_of(event("intake", applicant_id="d")) == []
