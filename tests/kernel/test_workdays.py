"""Tests for the mainland China working-day calendar (services.kernel.workdays).

The 2026 expectations come from 国务院办公厅关于2026年部分节假日安排的通知
(issued 2025-11-04), and are checked against the installed chinesecalendar data.
"""

from __future__ import annotations

import logging
from datetime import date, datetime, timedelta, timezone

import chinese_calendar
import pytest

from services.kernel import workdays
from services.kernel.workdays import (
    add_working_days,
    covered_years,
    is_working_day,
    working_days_between,
)

LOGGER_NAME = "bst.workdays"
UNCOVERED_YEAR = 2099


def _days(first: date, last: date) -> list[date]:
    return [first + timedelta(days=i) for i in range((last - first).days + 1)]


# 2026 notice: weekend days that are 调休 working days.
ADJUSTED_WORKDAYS_2026 = [
    date(2026, 1, 4),  # Sunday, 元旦
    date(2026, 2, 14),  # Saturday, 春节
    date(2026, 2, 28),  # Saturday, 春节
    date(2026, 5, 9),  # Saturday, 劳动节
    date(2026, 9, 20),  # Sunday, 国庆节
    date(2026, 10, 10),  # Saturday, 国庆节
]

# 2026 notice: holiday periods (放假), inclusive.
HOLIDAYS_2026 = [
    *_days(date(2026, 1, 1), date(2026, 1, 3)),  # 元旦
    *_days(date(2026, 2, 15), date(2026, 2, 23)),  # 春节, 9 days
    *_days(date(2026, 4, 4), date(2026, 4, 6)),  # 清明节
    *_days(date(2026, 5, 1), date(2026, 5, 5)),  # 劳动节
    *_days(date(2026, 6, 19), date(2026, 6, 21)),  # 端午节
    *_days(date(2026, 9, 25), date(2026, 9, 27)),  # 中秋节
    *_days(date(2026, 10, 1), date(2026, 10, 7)),  # 国庆节
]


@pytest.fixture
def fresh_calendar():
    """Start with empty caches and no remembered warnings; leave them empty afterwards."""
    directory = (
        workdays._loaded.directory
    )  # where official schedules are read from (the platform's, in a run)
    workdays.clear_caches()
    yield
    workdays.configure(directory)  # a test that loads schedules of its own leaves no trace for the next one
    workdays.clear_caches()


def _warnings_for(caplog: pytest.LogCaptureFixture, year: int) -> list[logging.LogRecord]:
    return [
        r
        for r in caplog.records
        if r.name == LOGGER_NAME and r.levelno == logging.WARNING and str(year) in r.getMessage()
    ]


# --- coverage ---------------------------------------------------------------------------


def test_covered_years_matches_library_and_includes_2026():
    years = covered_years()
    assert isinstance(years, range)
    assert years.start == min(d.year for d in chinese_calendar.holidays)
    assert years.stop - 1 == max(d.year for d in chinese_calendar.holidays)
    assert 2025 in years
    assert 2026 in years
    assert UNCOVERED_YEAR not in years


# --- 2026 as published by the State Council ---------------------------------------------


@pytest.mark.parametrize("day", ADJUSTED_WORKDAYS_2026, ids=str)
def test_2026_adjusted_weekend_workdays(day: date):
    assert day.weekday() >= 5, "the notice lists weekend days only"
    assert chinese_calendar.is_workday(day)
    assert is_working_day(day)


@pytest.mark.parametrize("day", HOLIDAYS_2026, ids=str)
def test_2026_statutory_holidays_are_not_working_days(day: date):
    assert chinese_calendar.is_holiday(day)
    assert not is_working_day(day)


def test_2026_whole_year_matches_notice():
    """Every 2026 day is a weekday workday unless the notice says otherwise."""
    holidays = set(HOLIDAYS_2026)
    adjusted = set(ADJUSTED_WORKDAYS_2026)
    for day in _days(date(2026, 1, 1), date(2026, 12, 31)):
        expected = day in adjusted or (day.weekday() < 5 and day not in holidays)
        assert is_working_day(day) is expected, day
    # 261 weekdays - 19 weekday holidays + 6 adjusted working days.
    assert working_days_between(date(2025, 12, 31), date(2026, 12, 31)) == 248


def test_national_day_week_2026_is_not_working():
    for day in _days(date(2026, 10, 1), date(2026, 10, 7)):
        assert not is_working_day(day), day
    assert is_working_day(date(2026, 9, 30))
    assert is_working_day(date(2026, 10, 8))
    assert working_days_between(date(2026, 9, 30), date(2026, 10, 7)) == 0
    assert add_working_days(date(2026, 9, 30), 1) == date(2026, 10, 8)


def test_is_working_day_accepts_datetime():
    assert is_working_day(datetime(2026, 1, 4, 9, 0))
    assert not is_working_day(datetime(2026, 10, 1, 9, 0, tzinfo=timezone(timedelta(hours=8))))


# --- add_working_days --------------------------------------------------------------------


def test_add_across_spring_festival_2026():
    # Friday before the holiday -> Saturday 2026-02-14 is a 调休 working day.
    assert add_working_days(date(2026, 2, 13), 1) == date(2026, 2, 14)
    # From the last working day before 春节 the next one is Tuesday 2026-02-24.
    assert add_working_days(date(2026, 2, 14), 1) == date(2026, 2, 24)
    # Starting inside the holiday.
    assert add_working_days(date(2026, 2, 18), 1) == date(2026, 2, 24)
    # "10个工作日内" from Tuesday 2026-02-10: 11, 12, 13, 14(Sat), 24, 25, 26, 27, 28(Sat), 3-02.
    assert add_working_days(date(2026, 2, 10), 10) == date(2026, 3, 2)
    assert working_days_between(date(2026, 2, 10), date(2026, 3, 2)) == 10


def test_add_across_new_year_2026_uses_sunday_workday():
    assert add_working_days(date(2025, 12, 31), 1) == date(2026, 1, 4)
    assert add_working_days(date(2025, 12, 31), 2) == date(2026, 1, 5)


def test_add_across_ordinary_weekend():
    friday, saturday, sunday, monday = (date(2026, 3, d) for d in (6, 7, 8, 9))
    assert add_working_days(friday, 1) == monday
    # The start date is never counted: day 1 is the first working day after it.
    assert add_working_days(saturday, 1) == monday
    assert add_working_days(sunday, 1) == monday
    assert add_working_days(friday, 5) == date(2026, 3, 13)
    assert add_working_days(friday, 6) == date(2026, 3, 16)


def test_add_zero_returns_start_unchanged():
    saturday = date(2026, 3, 7)
    assert add_working_days(saturday, 0) == saturday
    moment = datetime(2026, 10, 3, 8, 15, tzinfo=timezone(timedelta(hours=8)))
    assert add_working_days(moment, 0) is moment


def test_add_negative_raises():
    with pytest.raises(ValueError):
        add_working_days(date(2026, 3, 6), -1)


def test_add_non_int_days_raises():
    with pytest.raises(TypeError):
        add_working_days(date(2026, 3, 6), 1.5)  # type: ignore[arg-type]


def test_add_datetime_keeps_time_and_tz():
    cst = timezone(timedelta(hours=8), "CST")
    accepted = datetime(2026, 9, 30, 15, 30, 45, 123456, tzinfo=cst)
    due = add_working_days(accepted, 1)
    assert isinstance(due, datetime)
    assert due == datetime(2026, 10, 8, 15, 30, 45, 123456, tzinfo=cst)
    assert due.tzinfo is cst
    assert due.utcoffset() == timedelta(hours=8)

    naive = datetime(2026, 2, 13, 23, 59)
    due_naive = add_working_days(naive, 2)
    assert due_naive == datetime(2026, 2, 24, 23, 59)
    assert due_naive.tzinfo is None


def test_add_date_returns_plain_date():
    due = add_working_days(date(2026, 3, 6), 3)
    assert type(due) is date


# --- working_days_between ----------------------------------------------------------------


def test_between_is_zero_when_end_not_after_start():
    day = date(2026, 3, 9)
    assert working_days_between(day, day) == 0
    assert working_days_between(day, day - timedelta(days=10)) == 0
    assert working_days_between(datetime(2026, 3, 9, 8), datetime(2026, 3, 9, 18)) == 0


def test_between_counts_end_but_not_start():
    # Monday to Tuesday: only Tuesday counts.
    assert working_days_between(date(2026, 3, 9), date(2026, 3, 10)) == 1
    # Friday to Sunday: nothing.
    assert working_days_between(date(2026, 3, 6), date(2026, 3, 8)) == 0
    # Mixed date / datetime input.
    assert working_days_between(date(2026, 3, 6), datetime(2026, 3, 9, 0, 1)) == 1


def test_between_is_inverse_of_add_over_2025_2026():
    """Property: for every start in 2025-2026, between(s, add(s, n)) == n and add is minimal."""
    start = date(2025, 1, 1)
    for offset in range((date(2026, 12, 31) - start).days + 1):
        s = start + timedelta(days=offset)
        for n in range(0, 23):
            due = add_working_days(s, n)
            assert working_days_between(s, due) == n, (s, n)
            if n:
                assert is_working_day(due), (s, n)
                assert working_days_between(s, due - timedelta(days=1)) == n - 1, (s, n)


def test_between_is_inverse_of_add_for_datetimes():
    cst = timezone(timedelta(hours=8))
    for offset in range(0, 730, 7):
        s = datetime(2025, 1, 1, 17, 45, tzinfo=cst) + timedelta(days=offset)
        for n in (1, 5, 20):
            assert working_days_between(s, add_working_days(s, n)) == n


# --- years the calendar does not cover: statutory holidays computed from the lunar calendar ---------------


def test_uncovered_year_rests_on_computed_statutory_holidays_and_warns_once(
    fresh_calendar, caplog: pytest.LogCaptureFixture
):
    assert UNCOVERED_YEAR not in covered_years()
    caplog.set_level(logging.WARNING, logger=LOGGER_NAME)
    holidays = workdays.statutory_holidays(UNCOVERED_YEAR)
    year_days = _days(date(UNCOVERED_YEAR, 1, 1), date(UNCOVERED_YEAR, 12, 31))
    for _ in range(2):
        for day in year_days:
            assert is_working_day(day) is (day.weekday() < 5 and day not in holidays), day
    # 2099-01-01 is a Thursday and 元旦: +1 -> Friday 2 January, +2 -> Monday 5 January.
    assert not is_working_day(date(UNCOVERED_YEAR, 1, 1))
    assert add_working_days(date(2098, 12, 31), 1) == date(UNCOVERED_YEAR, 1, 2)
    records = _warnings_for(caplog, UNCOVERED_YEAR)
    assert len(records) == 1
    assert "not covered by an official schedule" in records[0].getMessage()


def test_2027_statutory_holidays_of_the_2024_revision():
    """《全国年节及纪念日放假办法》 (2024): 春节 is 除夕 to 初三 (2027: 5-8 February, 初一 Saturday 6 February), 清明
    on the solar term, 劳动节 1-2 May, 端午 五月初五, 中秋 八月十五, 国庆 1-3 October; weekend ones made up after."""
    holidays = workdays.statutory_holidays(2027)
    named = {}
    for day, name in holidays.items():
        named.setdefault(name, []).append(day)
    assert named["元旦"] == [date(2027, 1, 1)]
    assert sorted(named["春节"]) == _days(date(2027, 2, 5), date(2027, 2, 8))
    assert sorted(named["春节补假"]) == [
        date(2027, 2, 9),
        date(2027, 2, 10),
    ]  # 6 and 7 Feb fell on the weekend
    assert named["清明节"] == [date(2027, 4, 5)]
    assert sorted(named["劳动节"]) == [date(2027, 5, 1), date(2027, 5, 2)]
    assert named["端午节"] == [date(2027, 6, 9)]
    assert named["中秋节"] == [date(2027, 9, 15)]
    assert sorted(named["国庆节"]) == _days(date(2027, 10, 1), date(2027, 10, 3))
    # the 2024 revision's totals: 13 days of statutory holidays
    assert sum(1 for n in holidays.values() if not n.endswith("补假")) == 13


def test_the_computed_rule_reproduces_2026_holidays_that_the_notice_kept_on_their_day():
    """Where the 2026 notice put a holiday on its own day, the computation agrees (it cannot know 调休)."""
    computed = workdays.statutory_holidays(2026)
    for day, name in computed.items():
        if not name.endswith("补假"):
            assert day in HOLIDAYS_2026, (day, name)


def test_deadline_across_new_year_into_2027(fresh_calendar):
    # Wednesday 30 December 2026 + 2 working days: Thursday 31, then 元旦 Friday and the weekend -> Monday 4 Jan.
    assert add_working_days(date(2026, 12, 30), 2) == date(2027, 1, 4)
    # Thursday 4 February 2027 + 2: 春节 5-8 Feb and 补假 9-10 Feb are rest -> 11, 12 February.
    assert add_working_days(date(2027, 2, 4), 2) == date(2027, 2, 12)
    assert working_days_between(date(2027, 2, 4), date(2027, 2, 12)) == 2


def test_an_official_schedule_overrides_the_computation_for_its_year(fresh_calendar, tmp_path):
    notice = {
        "year": 2027,
        "source": "测试通知",
        "holidays": [{"date": f"2027-02-{d:02d}", "name": "春节"} for d in range(5, 14)] + ["2027-01-01"],
        "workdays": [{"date": "2027-02-20", "name": "春节调休"}],
    }
    schedule = workdays.parse_schedule(notice)
    workdays.configure(tmp_path)
    assert workdays.uncovered_ahead(90, today=date(2026, 11, 30)) == [2027]
    assert is_working_day(date(2027, 2, 11))  # computed: an ordinary Thursday
    workdays.save_schedule(tmp_path, schedule)
    workdays.configure(tmp_path)  # what every process does by itself within 30 s
    assert not is_working_day(date(2027, 2, 11))
    assert is_working_day(date(2027, 2, 20))  # a Saturday worked
    assert is_working_day(date(2027, 5, 4))  # no 补假 in this notice
    assert workdays.uncovered_ahead(90, today=date(2026, 11, 30)) == []
    assert 2027 in workdays.official_years()


@pytest.mark.parametrize(
    "document",
    [
        {"year": 2027, "holidays": []},
        {"year": 2027, "holidays": ["2028-01-01"]},
        {"year": 2027, "holidays": ["2027-01-01"], "workdays": ["2027-01-01"]},
        {"year": 2027, "holidays": ["2027-01-01"], "workdays": ["2027-01-04"]},  # a Monday
        {"year": "2027", "holidays": ["2027-01-01"]},
        {"year": 2027, "holidays": ["2027-13-01"]},
    ],
)
def test_a_schedule_that_is_not_one_is_refused(document):
    with pytest.raises(ValueError):
        workdays.parse_schedule(document)


def test_covered_year_does_not_warn(fresh_calendar, caplog: pytest.LogCaptureFixture):
    caplog.set_level(logging.WARNING, logger=LOGGER_NAME)
    for day in _days(date(2026, 1, 1), date(2026, 12, 31)):
        is_working_day(day)
    assert [r for r in caplog.records if r.name == LOGGER_NAME] == []
