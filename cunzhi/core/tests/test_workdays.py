"""Working days from the State Council's calendar, working hours, and the fallback beyond known years."""

import datetime as dt
import logging

import pytest

from cunzhi.core import workdays
from cunzhi.core.checks import holiday_calendar_problems
from cunzhi.core.env import env_time_ranges

TZ = dt.timezone(dt.timedelta(hours=8))  # Asia/Shanghai has no summer time


def at(y, m, d, hh=0, mm=0):
    return dt.datetime(y, m, d, hh, mm, tzinfo=TZ)


def local(moment):
    return moment.astimezone(TZ).replace(tzinfo=None)


# --- working days --------------------------------------------------------------------------------


def test_spring_festival_and_its_adjusted_saturday():
    # 2026: holidays 15–23 February; Saturday 14 February is an adjusted working day (调休).
    thursday = at(2026, 2, 12, 10)
    assert workdays.is_working_day(dt.date(2026, 2, 14))  # a Saturday that is worked
    assert not workdays.is_working_day(dt.date(2026, 2, 16))  # a Monday of the festival
    assert workdays.working_day_after(thursday, 5) == dt.date(2026, 2, 26)  # 13, 14, 24, 25, 26
    due = workdays.add_working_days(thursday, 5)
    assert local(due) == dt.datetime(2026, 2, 26, 23, 59, 59)  # the whole last day counts
    assert workdays.working_days_between(thursday, at(2026, 2, 26, 9)) == 5
    assert workdays.working_days_between(thursday, thursday) == 0


def test_new_year_is_not_a_working_day():
    # 1–3 January 2026 are holidays; Sunday 4 January is worked.
    assert not workdays.is_working_day(dt.date(2026, 1, 1))
    assert workdays.working_day_after(dt.date(2025, 12, 31), 1) == dt.date(2026, 1, 4)


def test_a_local_day_is_a_day_in_china_whatever_the_utc_date():
    # 23:30 UTC on Thursday 12 February is already Friday 13 February in China.
    late_utc = dt.datetime(2026, 2, 12, 23, 30, tzinfo=dt.UTC)
    assert workdays.local_date(late_utc) == dt.date(2026, 2, 13)
    assert workdays.working_day_after(late_utc, 1) == dt.date(2026, 2, 14)


def test_beyond_the_known_years_monday_to_friday_is_used_said_and_logged(caplog):
    year = workdays.last_known_year() + 1
    monday = dt.date(year, 3, 1)
    monday += dt.timedelta(days=(7 - monday.weekday()) % 7)
    with caplog.at_level(logging.WARNING, logger="cunzhi.core.workdays"):
        workdays._warn_fallback.cache_clear()
        after = workdays.working_day_after(monday, 5)  # never NotImplementedError
    assert after == monday + dt.timedelta(days=7)
    assert workdays.is_estimated(workdays.end_of_day(after))
    assert not workdays.is_estimated(workdays.end_of_day(dt.date(year - 1, 6, 1)))
    assert not workdays.is_estimated(None)
    assert str(year) in caplog.text


def test_system_check_warns_when_limits_may_run_past_the_calendar():
    last = workdays.last_known_year()
    assert holiday_calendar_problems(dt.date(last, 3, 1)) == []
    problems = holiday_calendar_problems(dt.date(last, 12, 1))
    assert [p.id for p in problems] == ["cunzhi.W004"]
    assert str(last + 1) in problems[0].msg


# --- working hours -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "start, hours, due",
    [
        (at(2026, 3, 2, 9), 2, (2026, 3, 2, 11, 0)),  # inside the morning
        (at(2026, 3, 2, 11, 30), 2, (2026, 3, 2, 15, 30)),  # over the lunch break
        (at(2026, 3, 2, 20), 2, (2026, 3, 3, 10, 30)),  # at night: from 08:30 the next morning
        (at(2026, 3, 2, 6), 2, (2026, 3, 2, 10, 30)),  # early morning
        (at(2026, 3, 6, 17), 2, (2026, 3, 9, 10, 0)),  # Friday 17:00: half an hour, then Monday
        (at(2026, 9, 30, 17), 2, (2026, 10, 8, 10, 0)),  # before the National Day week
        (at(2026, 2, 13, 17), 1, (2026, 2, 14, 9, 0)),  # the adjusted Saturday is worked
    ],
)
def test_working_hours_skip_nights_lunch_weekends_and_holidays(start, hours, due):
    assert local(workdays.add_working_hours(start, hours)) == dt.datetime(*due)


def test_working_hours_are_a_setting(settings):
    settings.WORKING_HOURS = ((dt.time(9), dt.time(17)),)
    assert local(workdays.add_working_hours(at(2026, 3, 2, 16), 2)) == dt.datetime(2026, 3, 3, 10, 0)


def test_working_hours_from_the_environment(monkeypatch):
    assert env_time_ranges("CUNZHI_TEST_HOURS", "08:30-12:00,14:00-17:30") == (
        (dt.time(8, 30), dt.time(12)),
        (dt.time(14), dt.time(17, 30)),
    )
    monkeypatch.setenv("CUNZHI_TEST_HOURS", "14:00-18:00, 09:00-12:00")
    assert env_time_ranges("CUNZHI_TEST_HOURS", "") == ((dt.time(9), dt.time(12)), (dt.time(14), dt.time(18)))
    for bad in ("9-12", "12:00-09:00", "09:00-13:00,12:00-17:00", "nonsense"):
        monkeypatch.setenv("CUNZHI_TEST_HOURS", bad)
        with pytest.raises(ValueError, match="CUNZHI_TEST_HOURS"):
            env_time_ranges("CUNZHI_TEST_HOURS", "")
