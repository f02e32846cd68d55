"""The reviews service's clock: one place to read the time, so deadlines can be checked at any date in tests."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

CHINA = ZoneInfo("Asia/Shanghai")


def now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def china_day(value: dt.datetime) -> str:
    """The China calendar date of an instant, as YYYY-MM-DD."""
    return value.astimezone(CHINA).date().isoformat()


def rfc3339(value: dt.datetime | None) -> str:
    return value.astimezone(CHINA).isoformat(timespec="seconds") if value is not None else ""
