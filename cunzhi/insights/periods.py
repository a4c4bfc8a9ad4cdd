"""Reporting periods: a month (2026-11), a quarter (2026-Q4) or a year (2026), in local time."""

import datetime as dt
import re

from django.utils import timezone
from django.utils.translation import gettext as _

PERIOD = re.compile(r"^(\d{4})(?:-(?:(0[1-9]|1[0-2])|Q([1-4])))?$")


def period_bounds(period: str) -> tuple[dt.datetime, dt.datetime]:
    """[start, end) of a period as aware datetimes; ValueError with a message for anything else."""
    m = PERIOD.match(period or "")
    if not m:
        raise ValueError(_("A period is a year (2026), a quarter (2026-Q4) or a month (2026-11)."))
    year, month, quarter = int(m.group(1)), m.group(2), m.group(3)
    if month:
        first, months = int(month), 1
    elif quarter:
        first, months = 3 * int(quarter) - 2, 3
    else:
        first, months = 1, 12
    start = dt.date(year, first, 1)
    end_month = first + months
    end = dt.date(year + (end_month - 1) // 12, (end_month - 1) % 12 + 1, 1)
    tz = timezone.get_current_timezone()
    return (
        timezone.make_aware(dt.datetime.combine(start, dt.time()), tz),
        timezone.make_aware(dt.datetime.combine(end, dt.time()), tz),
    )


def current_quarter(today: dt.date | None = None) -> str:
    today = today or timezone.localdate()
    return f"{today.year}-Q{(today.month - 1) // 3 + 1}"


def recent_periods(today: dt.date | None = None) -> list[str]:
    """The choices offered: this year and last, their quarters, and the last twelve months."""
    today = today or timezone.localdate()
    out = [str(today.year)]
    out += [f"{today.year}-Q{q}" for q in range((today.month - 1) // 3 + 1, 0, -1)]
    y, m = today.year, today.month
    for _i in range(12):
        out.append(f"{y}-{m:02d}")
        y, m = (y, m - 1) if m > 1 else (y - 1, 12)
    out += [str(today.year - 1)] + [f"{today.year - 1}-Q{q}" for q in range(4, 0, -1)]
    return out
