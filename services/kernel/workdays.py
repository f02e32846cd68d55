"""Mainland China working-day calendar for the shared kernel.

A 工作日 (working day) is a day on which government offices are open. It is
not simply Monday to Friday: the State Council publishes every year the
法定节假日 (statutory holidays) and the 调休 (adjusted working days), i.e.
weekend days that become working days to bridge a holiday (for example
Sunday 2026-01-04 is a working day). This module does not hold any holiday
table itself; it asks the ``chinesecalendar`` package (import name
``chinese_calendar``), whose ``is_workday`` already applies both rules.

Counting rule (承诺时限, "N个工作日内办结"): the start date itself is never
counted. Day 1 is the first working day strictly after the start date, day 2
the next one, and so on. This follows the general rule for time limits in
Chinese law (the day on which a period begins is not counted) and makes
:func:`add_working_days` and :func:`working_days_between` exact inverses::

    working_days_between(s, add_working_days(s, n)) == n

Consequences: an application accepted on Friday 2026-03-06 with a one
working day limit is due on Monday 2026-03-09; one accepted on Saturday
2026-03-07 (a non-working day) is also due on Monday 2026-03-09, because
the first working day after the start date is that Monday. A caller whose
rules say that a weekend submission "counts as accepted on the next working
day" must move the acceptance date to that day first and then add days.

Datetimes are reduced to their calendar date as written (``dt.date()`` in
the datetime's own ``tzinfo``); convert aware datetimes to Asia/Shanghai
first if they are stored in UTC.

Years the installed ``chinesecalendar`` does not cover (see
:func:`covered_years`; the library raises ``NotImplementedError`` for them)
fall back to Monday-Friday working, Saturday/Sunday rest, without statutory
holidays or adjusted working days. One warning per such year is logged on
the ``bst.workdays`` logger; nothing is raised.
"""

from __future__ import annotations

import logging
import threading
from datetime import date, datetime, timedelta
from functools import lru_cache
from typing import TypeVar

import chinese_calendar

__all__ = [
    "add_working_days",
    "clear_caches",
    "covered_years",
    "is_working_day",
    "working_days_between",
]

logger = logging.getLogger("bst.workdays")

_D = TypeVar("_D", date, datetime)

_ONE_DAY = timedelta(days=1)

_warned_years: set[int] = set()
_warned_lock = threading.Lock()


def covered_years() -> range:
    """Return the years for which the installed ``chinesecalendar`` has data.

    The library validates dates against the smallest and largest year present
    in its ``holidays`` table and raises ``NotImplementedError`` outside that
    span; this mirrors the same check.
    """
    return _covered_years()


@lru_cache(maxsize=1)
def _covered_years() -> range:
    years = [d.year for d in chinese_calendar.holidays]
    return range(min(years), max(years) + 1)


def _as_date(value: date | datetime) -> date:
    """Return the plain calendar date of a ``date`` or ``datetime``."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return date(value.year, value.month, value.day)
    raise TypeError(f"expected a date or datetime, got {type(value).__name__}")


def _warn_uncovered(year: int) -> None:
    """Log the fallback warning for ``year`` once per process."""
    with _warned_lock:
        if year in _warned_years:
            return
        _warned_years.add(year)
    span = covered_years()
    logger.warning(
        "Working-day calendar: year %d is not covered by chinesecalendar %s (covered: %d-%d); "
        "falling back to Monday-Friday as working days and Saturday/Sunday as rest days, "
        "without statutory holidays (法定节假日) or adjusted working days (调休).",
        year,
        getattr(chinese_calendar, "__version__", "?"),
        span.start,
        span.stop - 1,
    )


@lru_cache(maxsize=16384)
def _is_working_day_cached(day: date) -> bool:
    if day.year in covered_years():
        try:
            return bool(chinese_calendar.is_workday(day))
        except NotImplementedError:
            pass  # should not happen inside covered_years(); use the fallback anyway
    _warn_uncovered(day.year)
    return day.weekday() < 5


def is_working_day(day: date | datetime) -> bool:
    """Return True if ``day`` is a 工作日 in mainland China.

    Statutory holidays are rest days and adjusted working days (调休) are
    working days even on a weekend. For a year the calendar does not cover,
    Monday-Friday is assumed (with a one-time warning per year).
    """
    return _is_working_day_cached(_as_date(day))


def add_working_days(start: _D, days: int) -> _D:
    """Return the point ``days`` working days after ``start``.

    Day 1 is the first working day strictly after the date of ``start``; the
    start date is never counted, whether or not it is a working day. For a
    ``datetime`` the time of day and ``tzinfo`` are kept; a ``date`` gives a
    ``date``. ``days=0`` returns ``start`` unchanged.

    Raises:
        TypeError: ``days`` is not an ``int``.
        ValueError: ``days`` is negative.
    """
    if isinstance(days, bool) or not isinstance(days, int):
        raise TypeError(f"days must be an int, got {type(days).__name__}")
    if days < 0:
        raise ValueError(f"days must be >= 0, got {days}")
    if days == 0:
        return start
    origin = _as_date(start)
    current = origin
    remaining = days
    while remaining:
        current += _ONE_DAY
        if _is_working_day_cached(current):
            remaining -= 1
    if isinstance(start, datetime):
        return start + (current - origin)
    return current


def working_days_between(start: date | datetime, end: date | datetime) -> int:
    """Count the working days ``d`` with ``start < d <= end`` (calendar dates).

    Datetimes are compared by their dates only. Returns 0 when ``end`` is on or
    before the date of ``start``. Consistent with :func:`add_working_days`:
    ``working_days_between(s, add_working_days(s, n)) == n``.
    """
    first = _as_date(start)
    last = _as_date(end)
    if last <= first:
        return 0
    count = 0
    current = first + _ONE_DAY
    while current <= last:
        if _is_working_day_cached(current):
            count += 1
        current += _ONE_DAY
    return count


def clear_caches() -> None:
    """Forget cached answers and which uncovered years were already warned about.

    Meant for tests, or after replacing the ``chinesecalendar`` data at run time.
    """
    _is_working_day_cached.cache_clear()
    _covered_years.cache_clear()
    with _warned_lock:
        _warned_years.clear()
