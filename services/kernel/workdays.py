"""Mainland China working-day calendar for the shared kernel.

A 工作日 (working day) is a day on which government offices are open. It is not simply Monday to Friday: the State
Council publishes every year the 法定节假日 (statutory holidays) and the 调休 (adjusted working days), i.e. weekend
days that become working days to bridge a holiday (for example Sunday 2026-01-04 is a working day).

Where a year's answer comes from, first match wins:

1. an official schedule an operator loaded for that year (`bst calendar load FILE`, the State Council's notice as a
   JSON file in the calendar directory, ``var/calendar`` or ``BST_CALENDAR_DIR``). Every process re-reads the
   directory when it changes (looked at no more than every 30 seconds), so no code change or restart is needed;
2. the ``chinesecalendar`` package (import name ``chinese_calendar``) for the years it covers;
3. for any other year, the statutory holidays of 《全国年节及纪念日放假办法》 (2024 revision) computed from the lunar
   calendar (``lunar-python``): 元旦 1 day, 春节 4 days from 除夕, 清明 1, 劳动节 2 (1-2 May), 端午 1, 中秋 1,
   国庆 3 (1-3 October); a holiday that falls on a Saturday or Sunday is made up on the next working day (补假,
   article 6 of the 办法); Saturday and Sunday are rest. Adjusted working days (调休) cannot be known before the
   notice, so none are assumed. One warning per such year is logged on the ``bst.workdays`` logger.

Counting rule (承诺时限, "N个工作日内办结"): the start date itself is never counted. Day 1 is the first working day
strictly after the start date, day 2 the next one, and so on. :func:`add_working_days` and
:func:`working_days_between` are exact inverses::

    working_days_between(s, add_working_days(s, n)) == n

Datetimes are reduced to their calendar date as written (``dt.date()`` in the datetime's own ``tzinfo``); convert
aware datetimes to Asia/Shanghai first (:func:`china_today`, :data:`CHINA`).
"""

from __future__ import annotations

import json
import logging
import os
import threading
import time
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from functools import lru_cache
from pathlib import Path
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

import chinese_calendar

__all__ = [
    "CHINA",
    "OfficialSchedule",
    "add_working_days",
    "china_today",
    "clear_caches",
    "configure",
    "covered_years",
    "directory_for",
    "is_working_day",
    "official_years",
    "parse_schedule",
    "save_schedule",
    "statutory_holidays",
    "uncovered_ahead",
    "working_days_between",
]

logger = logging.getLogger("bst.workdays")

CHINA = ZoneInfo("Asia/Shanghai")

_D = TypeVar("_D", date, datetime)

_ONE_DAY = timedelta(days=1)
_RESCAN_SECONDS = 30.0

_warned_years: set[int] = set()
_warned_lock = threading.Lock()


def china_today() -> date:
    """Today's date in China time."""
    return datetime.now(CHINA).date()


# -- official schedules loaded by an operator --------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class OfficialSchedule:
    """The State Council's schedule of one year: its holidays (放假) and adjusted working days (调休上班)."""

    year: int
    holidays: dict[date, str]
    workdays: dict[date, str]
    source: str = ""


@dataclass
class _Loaded:
    directory: Path | None = None
    schedules: dict[int, OfficialSchedule] = field(default_factory=dict)
    stamp: tuple[tuple[str, int], ...] = ()
    checked_at: float = -1e9


_loaded = _Loaded()
_loaded_lock = threading.Lock()


def directory_for(var_dir: Path | str) -> Path:
    """The calendar directory of a deployment: ``BST_CALENDAR_DIR`` (e.g. a mounted ConfigMap) or var/calendar."""
    explicit = os.environ.get("BST_CALENDAR_DIR")
    return Path(explicit) if explicit else Path(var_dir) / "calendar"


def _default_directory() -> Path:
    return directory_for(os.environ.get("BST_VAR_DIR", "var"))


def configure(directory: Path | str | None) -> None:
    """Read official schedules from `directory` (None: ``BST_CALENDAR_DIR`` or ``var/calendar``) from now on."""
    with _loaded_lock:
        _loaded.directory = Path(directory) if directory is not None else None
        _loaded.checked_at = -1e9
        _loaded.stamp = (("", -1),)  # matches no directory, an empty one included: the schedules are re-read
    _refresh(force=True)


def _dated(items: Any, what: str, year: int) -> dict[date, str]:
    if not isinstance(items, list):
        raise ValueError(f"'{what}' must be a list")
    out: dict[date, str] = {}
    for item in items:
        if isinstance(item, str):
            text, name = item, ""
        elif isinstance(item, dict) and isinstance(item.get("date"), str):
            text, name = item["date"], str(item.get("name") or "")
        else:
            raise ValueError(f"each entry of '{what}' is a date 'YYYY-MM-DD' or {{date, name}}")
        day = date.fromisoformat(text)
        if day.year != year:
            raise ValueError(f"{text} in '{what}' is not in {year}")
        out[day] = name
    return out


def parse_schedule(document: dict[str, Any]) -> OfficialSchedule:
    """Check and read a schedule document::

        {"year": 2027, "source": "国办发明电〔2026〕…号",
         "holidays": [{"date": "2027-01-01", "name": "元旦"}, ...],
         "workdays": [{"date": "2027-02-20", "name": "春节调休"}, ...]}

    Raises ValueError when it is not one: a date outside the year, a day both holiday and working day, an adjusted
    working day that is not a weekend day, or no holidays at all.
    """
    year = document.get("year")
    if not isinstance(year, int) or not 2000 <= year <= 2200:
        raise ValueError("'year' must be a year such as 2027")
    holidays = _dated(document.get("holidays"), "holidays", year)
    workdays = _dated(document.get("workdays", []), "workdays", year)
    if not holidays:
        raise ValueError("a schedule lists its holidays")
    both = sorted(set(holidays) & set(workdays))
    if both:
        raise ValueError(f"{both[0]} is listed as a holiday and as a working day")
    weekday_work = sorted(d for d in workdays if d.weekday() < 5)
    if weekday_work:
        raise ValueError(f"{weekday_work[0]} is a weekday already; adjusted working days are weekend days")
    return OfficialSchedule(year, holidays, workdays, str(document.get("source") or ""))


def save_schedule(directory: Path | str, schedule: OfficialSchedule) -> Path:
    """Write `schedule` into the calendar directory (atomically), where every process finds it."""
    target_dir = Path(directory)
    target_dir.mkdir(parents=True, exist_ok=True)
    path = target_dir / f"{schedule.year}.json"
    document = {
        "year": schedule.year,
        "source": schedule.source,
        "holidays": [{"date": d.isoformat(), "name": n} for d, n in sorted(schedule.holidays.items())],
        "workdays": [{"date": d.isoformat(), "name": n} for d, n in sorted(schedule.workdays.items())],
    }
    scratch = path.with_suffix(".json.tmp")
    scratch.write_text(json.dumps(document, ensure_ascii=False, indent=1), encoding="utf-8")
    os.replace(scratch, path)
    return path


def _refresh(*, force: bool = False) -> None:
    """Re-read the calendar directory when a file in it changed (at most every 30 s unless forced)."""
    now = time.monotonic()
    if not force and now - _loaded.checked_at < _RESCAN_SECONDS:
        return
    with _loaded_lock:
        _loaded.checked_at = now
        directory = _loaded.directory or _default_directory()
        try:
            files = sorted(directory.glob("*.json"))
            stamp = tuple((p.name, p.stat().st_mtime_ns) for p in files)
        except OSError:
            files, stamp = [], ()
        if stamp == _loaded.stamp:
            return
        schedules: dict[int, OfficialSchedule] = {}
        for path in files:
            try:
                schedule = parse_schedule(json.loads(path.read_text(encoding="utf-8")))
            except (OSError, ValueError) as exc:
                logger.error("Working-day calendar: ignoring %s: %s", path, exc)
                continue
            schedules[schedule.year] = schedule
        _loaded.schedules = schedules
        _loaded.stamp = stamp
    _is_working_day_cached.cache_clear()
    if schedules:
        logger.info("Working-day calendar: official schedules loaded for %s", sorted(schedules))


def official_years() -> set[int]:
    """Years answered by an official schedule: loaded ones and those chinesecalendar covers."""
    _refresh()
    return set(_loaded.schedules) | set(covered_years())


def uncovered_ahead(days: int = 90, *, today: date | None = None) -> list[int]:
    """Years within the next `days` days that no official schedule covers yet (empty when all is well)."""
    start = today or china_today()
    end = start + timedelta(days=days)
    official = official_years()
    return [y for y in range(start.year, end.year + 1) if y not in official]


# -- chinesecalendar ---------------------------------------------------------------------------------------------


def covered_years() -> range:
    """Return the years for which the installed ``chinesecalendar`` has data."""
    return _covered_years()


@lru_cache(maxsize=1)
def _covered_years() -> range:
    years = [d.year for d in chinese_calendar.holidays]
    return range(min(years), max(years) + 1)


# -- the statutory holidays computed from the lunar calendar -----------------------------------------------------


@lru_cache(maxsize=64)
def statutory_holidays(year: int) -> dict[date, str]:
    """The rest days of 《全国年节及纪念日放假办法》 (2024 revision) in `year`, with 补假 for those on a weekend."""
    from lunar_python import Lunar, Solar

    def lunar(month: int, day: int) -> date:
        solar = Lunar.fromYmd(year, month, day).getSolar()
        return date(solar.getYear(), solar.getMonth(), solar.getDay())

    def lunar_new_year(of: int) -> date:
        solar = Lunar.fromYmd(of, 1, 1).getSolar()
        return date(solar.getYear(), solar.getMonth(), solar.getDay())

    qingming = Solar.fromYmd(year, 4, 1).getLunar().getJieQiTable()["清明"]
    days: dict[date, str] = {date(year, 1, 1): "元旦"}
    # 春节: 除夕 and 正月初一 to 初三. The festival of the lunar year starting in `year`, and the tail of the next
    # one's 除夕 when it falls in this year (it never does in practice, but the rule is the rule).
    for of in (year, year + 1):
        eve = lunar_new_year(of) - _ONE_DAY
        for offset in range(4):
            day = eve + timedelta(days=offset)
            if day.year == year:
                days[day] = "春节"
    days[date(year, qingming.getMonth(), qingming.getDay())] = "清明节"
    days[date(year, 5, 1)] = days[date(year, 5, 2)] = "劳动节"
    days[lunar(5, 5)] = "端午节"
    days[lunar(8, 15)] = "中秋节"
    for d in (1, 2, 3):
        days[date(year, 10, d)] = "国庆节"
    made_up: dict[date, str] = {}
    for day, name in sorted(days.items()):
        if day.weekday() >= 5:  # 补假: the next weekday that is not itself a holiday
            substitute = day + _ONE_DAY
            while substitute.weekday() >= 5 or substitute in days or substitute in made_up:
                substitute += _ONE_DAY
            if substitute.year == year:
                made_up[substitute] = f"{name}补假"
    return {**days, **made_up}


def _warn_computed(year: int) -> None:
    """Log once per process that `year` runs on computed holidays."""
    with _warned_lock:
        if year in _warned_years:
            return
        _warned_years.add(year)
    span = covered_years()
    logger.warning(
        "Working-day calendar: year %d is not covered by an official schedule (chinesecalendar covers %d-%d; "
        "load the State Council's notice with 'bst calendar load FILE'); using the statutory holidays computed "
        "from the lunar calendar, Saturday/Sunday as rest days, without adjusted working days (调休).",
        year,
        span.start,
        span.stop - 1,
    )


# -- the answers -------------------------------------------------------------------------------------------------


def _as_date(value: date | datetime) -> date:
    """Return the plain calendar date of a ``date`` or ``datetime``."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return date(value.year, value.month, value.day)
    raise TypeError(f"expected a date or datetime, got {type(value).__name__}")


@lru_cache(maxsize=16384)
def _is_working_day_cached(day: date) -> bool:
    official = _loaded.schedules.get(day.year)
    if official is not None:
        if day in official.workdays:
            return True
        if day in official.holidays:
            return False
        return day.weekday() < 5
    if day.year in covered_years():
        try:
            return bool(chinese_calendar.is_workday(day))
        except NotImplementedError:
            pass  # should not happen inside covered_years(); compute instead
    _warn_computed(day.year)
    return day.weekday() < 5 and day not in statutory_holidays(day.year)


def is_working_day(day: date | datetime) -> bool:
    """Return True if ``day`` is a 工作日 in mainland China (see the module docstring for the sources)."""
    _refresh()
    return _is_working_day_cached(_as_date(day))


def add_working_days(start: _D, days: int) -> _D:
    """Return the point ``days`` working days after ``start``.

    Day 1 is the first working day strictly after the date of ``start``; the start date is never counted, whether
    or not it is a working day. For a ``datetime`` the time of day and ``tzinfo`` are kept; a ``date`` gives a
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
    _refresh()
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

    Returns 0 when ``end`` is on or before the date of ``start``. Consistent with :func:`add_working_days`:
    ``working_days_between(s, add_working_days(s, n)) == n``.
    """
    first = _as_date(start)
    last = _as_date(end)
    if last <= first:
        return 0
    _refresh()
    count = 0
    current = first + _ONE_DAY
    while current <= last:
        if _is_working_day_cached(current):
            count += 1
        current += _ONE_DAY
    return count


def clear_caches() -> None:
    """Forget cached answers, loaded schedules and which years were already warned about (tests)."""
    _is_working_day_cached.cache_clear()
    _covered_years.cache_clear()
    with _loaded_lock:
        _loaded.stamp = ()
        _loaded.schedules = {}
        _loaded.checked_at = -1e9
    with _warned_lock:
        _warned_years.clear()
