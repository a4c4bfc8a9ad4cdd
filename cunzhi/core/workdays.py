"""Working days and working hours: the one place where legal clocks meet the calendar.

"Working days" follow the State Council's yearly holiday arrangement (domain.md): statutory holidays
are not working days, adjusted weekend days (调休) are. The arrangement comes from the maintained
`chinese-calendar` package, which knows the years up to its last release. Beyond them Monday to
Friday stands in: never a crash, logged once per year, flagged by a system check (cunzhi.W004), and
every deadline that falls in such a year says it is an estimate (`is_estimated`), because "a limit
that runs past the calendar's last known year says so".

Working hours (settings.WORKING_HOURS, default 08:30–12:00 and 14:00–17:30) on working days govern
the concerns' acknowledge clock; emergencies run on plain hours, which callers decide.

Every function works in the installation's time zone (settings.TIME_ZONE, Asia/Shanghai), whatever
time zone a request may have activated: a legal day is a day in China.
"""

from __future__ import annotations

import datetime as dt
import logging
import zoneinfo
from functools import cache

import chinese_calendar
from chinese_calendar import constants as calendar_data
from django.conf import settings
from django.utils import timezone

log = logging.getLogger(__name__)

# Default working hours (domain.md); settings.WORKING_HOURS overrides them.
DEFAULT_WORKING_HOURS = ((dt.time(8, 30), dt.time(12, 0)), (dt.time(14, 0), dt.time(17, 30)))
# Days scanned for working time before giving up: only an empty configuration gets that far.
_MAX_SCAN_DAYS = 2 * 366


@cache
def known_years() -> tuple[int, int]:
    """(first, last) year whose holiday arrangement the installed calendar knows."""
    years = [d.year for d in calendar_data.holidays]
    return min(years), max(years)


def last_known_year() -> int:
    return known_years()[1]


def _tz() -> zoneinfo.ZoneInfo:
    return timezone.get_default_timezone()


def local_date(moment: dt.datetime | dt.date) -> dt.date:
    """The date in China of a moment (a date is returned as it is)."""
    if isinstance(moment, dt.datetime):
        return timezone.localtime(moment, _tz()).date() if timezone.is_aware(moment) else moment.date()
    return moment


def is_estimated(moment: dt.datetime | dt.date | None) -> bool:
    """True when a deadline falls in a year the calendar does not know: it was counted Monday to Friday."""
    if moment is None:
        return False
    first, last = known_years()
    return not first <= local_date(moment).year <= last


@cache
def _warn_fallback(year: int) -> None:
    log.warning(
        "The holiday calendar (chinese-calendar) does not know %s; working days in %s are counted "
        "Monday to Friday. Upgrade chinese-calendar once the State Council publishes the arrangement.",
        year,
        year,
    )


def is_working_day(day: dt.date) -> bool:
    """A working day by the State Council's arrangement; Monday to Friday in years the calendar does not know."""
    first, last = known_years()
    if first <= day.year <= last:
        return chinese_calendar.is_workday(day)
    _warn_fallback(day.year)
    return day.weekday() < 5


def end_of_day(day: dt.date) -> dt.datetime:
    """The last second of a day in China: a deadline "by 5 June" includes the whole of 5 June."""
    return dt.datetime.combine(day, dt.time(23, 59, 59), tzinfo=_tz())


def working_day_after(start: dt.datetime | dt.date, days: int) -> dt.date:
    """The date `days` working days after the (local) day of `start`; that day itself is not counted."""
    day = local_date(start)
    left = days
    while left > 0:
        day += dt.timedelta(days=1)
        if is_working_day(day):
            left -= 1
    return day


def add_working_days(start: dt.datetime | dt.date, days: int) -> dt.datetime:
    """The end of the local day `days` working days after `start` (the start day is not counted)."""
    return end_of_day(working_day_after(start, days))


def working_days_between(start: dt.datetime | dt.date, end: dt.datetime | dt.date) -> int:
    """Working days after the day of `start` up to and including the day of `end` (0 when end is not later)."""
    day, last, count = local_date(start), local_date(end), 0
    while day < last:
        day += dt.timedelta(days=1)
        count += is_working_day(day)
    return count


def working_hours() -> tuple[tuple[dt.time, dt.time], ...]:
    """The working periods of a working day, in order (settings.WORKING_HOURS)."""
    periods = settings.WORKING_HOURS or DEFAULT_WORKING_HOURS
    # Pairs, whatever sequence a test's override gives (lists, tuples).
    return tuple(sorted(((begins, ends) for begins, ends in periods), key=lambda p: p[0]))


def add_working_hours(start: dt.datetime, hours: float) -> dt.datetime:
    """The moment `hours` of working time after `start`: only working periods of working days count.

    A concern raised at 17:00 on a Friday with two working hours to acknowledge is due at 10:00 on
    Monday (08:30 start), not at 19:00 on Friday.
    """
    left = dt.timedelta(hours=hours)
    if left <= dt.timedelta(0):
        return start
    tz = _tz()
    now = timezone.localtime(start, tz)
    day = now.date()
    for _scanned in range(_MAX_SCAN_DAYS):
        if is_working_day(day):
            for begins, ends in working_hours():
                period_start = dt.datetime.combine(day, begins, tzinfo=tz)
                period_end = dt.datetime.combine(day, ends, tzinfo=tz)
                begin = max(period_start, now)
                if begin >= period_end:
                    continue
                if left <= period_end - begin:
                    return begin + left
                left -= period_end - begin
        day += dt.timedelta(days=1)
    # Only working hours of zero length get here: plain hours keep the clock running.
    log.error("No working time in the %s days after %s; counting plain hours.", _MAX_SCAN_DAYS, now)
    return now + left
