"""Calendar periods, one place for every domain: months, quarters and years, as date bounds and as labels.

The ledger signs months and quarters off, disclosure schedules them, insights reports on labelled periods
(2026-11, 2026-Q4, 2026): all three use this arithmetic, so a quarter ends on the same day everywhere.
"""

from __future__ import annotations

import datetime as dt
import re

from django.utils import timezone
from django.utils.translation import gettext as _

MONTHLY, QUARTERLY, YEARLY = "monthly", "quarterly", "yearly"


def month_bounds(day: dt.date) -> tuple[dt.date, dt.date]:
    """First and last day of the month that contains `day`."""
    start = day.replace(day=1)
    nxt = (start + dt.timedelta(days=32)).replace(day=1)
    return start, nxt - dt.timedelta(days=1)


def quarter_bounds(day: dt.date) -> tuple[dt.date, dt.date]:
    """First and last day of the quarter that contains `day`."""
    first_month = 3 * ((day.month - 1) // 3) + 1
    start = dt.date(day.year, first_month, 1)
    return start, month_bounds(dt.date(day.year, first_month + 2, 1))[1]


def period_bounds(frequency: str, day: dt.date) -> tuple[dt.date, dt.date]:
    """The month (MONTHLY), year (YEARLY) or quarter (anything else) that contains `day`."""
    if frequency == YEARLY:
        return dt.date(day.year, 1, 1), dt.date(day.year, 12, 31)
    return month_bounds(day) if frequency == MONTHLY else quarter_bounds(day)


def periods_between(frequency: str, first: dt.date, last: dt.date) -> list[tuple[dt.date, dt.date]]:
    """Every period of this frequency from the one containing `first` to the one containing `last`."""
    out = []
    start, end = period_bounds(frequency, first)
    while start <= last:
        out.append((start, end))
        start, end = period_bounds(frequency, end + dt.timedelta(days=1))
    return out


def previous_period(frequency: str, day: dt.date) -> tuple[dt.date, dt.date]:
    """The period before the one that contains `day`."""
    start, _end = period_bounds(frequency, day)
    return period_bounds(frequency, start - dt.timedelta(days=1))


# ---------------------------------------------------------------- labelled periods (2026-11, 2026-Q4, 2026)

LABEL = re.compile(r"^(\d{4})(?:-(?:(0[1-9]|1[0-2])|Q([1-4])))?$")


def label_bounds(label: str) -> tuple[dt.datetime, dt.datetime]:
    """[start, end) of a labelled period as aware local datetimes; ValueError with a message for anything else."""
    m = LABEL.match(label or "")
    if not m:
        raise ValueError(_("A period is a year (2026), a quarter (2026-Q4) or a month (2026-11)."))
    year, month, quarter = int(m.group(1)), m.group(2), m.group(3)
    if not 1900 <= year <= 9000:  # 9999-12 would end in the year 10000, which no date can hold
        raise ValueError(_("A period is a year (2026), a quarter (2026-Q4) or a month (2026-11)."))
    if month:
        first, last = month_bounds(dt.date(year, int(month), 1))
    elif quarter:
        first, last = quarter_bounds(dt.date(year, 3 * int(quarter) - 2, 1))
    else:
        first, last = dt.date(year, 1, 1), dt.date(year, 12, 31)
    tz = timezone.get_current_timezone()
    return (
        timezone.make_aware(dt.datetime.combine(first, dt.time()), tz),
        timezone.make_aware(dt.datetime.combine(last + dt.timedelta(days=1), dt.time()), tz),
    )


def current_quarter(today: dt.date | None = None) -> str:
    """The label of the running quarter (2026-Q4)."""
    today = today or timezone.localdate()
    return f"{today.year}-Q{(today.month - 1) // 3 + 1}"


def recent_labels(today: dt.date | None = None) -> list[str]:
    """The labels offered: this year and last, their quarters, and the last twelve months."""
    today = today or timezone.localdate()
    out = [str(today.year)]
    out += [f"{today.year}-Q{q}" for q in range((today.month - 1) // 3 + 1, 0, -1)]
    y, m = today.year, today.month
    for _i in range(12):
        out.append(f"{y}-{m:02d}")
        y, m = (y, m - 1) if m > 1 else (y - 1, 12)
    out += [str(today.year - 1)] + [f"{today.year - 1}-Q{q}" for q in range(4, 0, -1)]
    return out
