"""Writing the daily roll-ups: recompute any day or range; idempotent (a day's rows are replaced whole).

Each additive indicator's domain selector is asked for one day over the whole country (prefix ""),
grouped by the 12-digit village code: one grouped query per indicator and day. Only finished days are
stored (before today, local time): the running day is always counted directly (selectors.py), so a
figure never counts a case twice and never misses today's.

Cohort figures settle: a concern dispatched on 1 March may be resolved in April, which changes the
1 March row. The nightly job therefore recomputes a trailing window (INSIGHTS_ROLLUP_DAYS, 120 days
by default); older days can be recomputed at any time with `manage.py insights_rollup`.
"""

import datetime as dt

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from cunzhi.insights.models import Rollup
from cunzhi.insights.registry import Indicator, indicators
from cunzhi.regions.models import PREFIX_LENGTH

VILLAGE_LENGTH = PREFIX_LENGTH["village"]


def day_bounds(day: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """[start, end) of a local calendar day as aware datetimes."""
    tz = timezone.get_current_timezone()
    start = timezone.make_aware(dt.datetime.combine(day, dt.time()), tz)
    return start, timezone.make_aware(dt.datetime.combine(day + dt.timedelta(days=1), dt.time()), tz)


def _collect(ind: Indicator, first: dt.date, stop: dt.date, now: dt.datetime, out: list[Rollup]) -> None:
    """The indicator's rows for the days [first, stop): a span with nothing to count is skipped in one
    query, one with cases is halved until single days remain, so sparse history costs few queries."""
    start, end = day_bounds(first)[0], day_bounds(stop)[0]
    found = ind.compute(prefix="", length=VILLAGE_LENGTH, start=start, end=end)
    if not any(num or den for num, den in found.values()):
        return
    if (stop - first).days == 1:
        out.extend(
            Rollup(region_code=code, day=first, indicator=ind.key, numerator=num or 0, denominator=den, computed_at=now)
            for code, (num, den) in found.items()
            if num or den  # an empty cell writes no row: the sum of nothing is 0 of 0
        )
        return
    middle = first + dt.timedelta(days=(stop - first).days // 2)
    _collect(ind, first, middle, now, out)
    _collect(ind, middle, stop, now, out)


def rollup_range(first: dt.date, last: dt.date) -> tuple[int, int]:
    """Replace the roll-up rows of every finished day from `first` to `last` (inclusive), in one
    transaction; returns (days, rows). The running day is never stored (it is counted directly)."""
    last = min(last, timezone.localdate() - dt.timedelta(days=1))
    if last < first:
        return 0, 0
    stop = last + dt.timedelta(days=1)
    now = timezone.now()
    rows: list[Rollup] = []
    for ind in indicators():
        if ind.additive:
            _collect(ind, first, stop, now, rows)
    with transaction.atomic():
        Rollup.objects.filter(day__gte=first, day__lt=stop).delete()
        Rollup.objects.bulk_create(rows, batch_size=2000)
    return (stop - first).days, len(rows)


def rollup_day(day: dt.date) -> int:
    """Replace the roll-up rows of one finished day; returns the number of rows written."""
    return rollup_range(day, day)[1]


def rollup_nightly() -> str:
    """The periodic job: the trailing window up to yesterday (cohort figures settle over weeks)."""
    window = int(getattr(settings, "INSIGHTS_ROLLUP_DAYS", 120))
    yesterday = timezone.localdate() - dt.timedelta(days=1)
    days, rows = rollup_range(yesterday - dt.timedelta(days=window - 1), yesterday)
    return f"{days} days, {rows} rows"
