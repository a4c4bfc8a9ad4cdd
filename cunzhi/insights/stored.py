"""Reading the stored roll-ups: the sums of daily rows, or of month rows where the days are whole months.

Shared by the figures (selectors.py) and the surface-use flags (cases.py); the rows are written by
services.rollup_range.
"""

import datetime as dt
from collections import defaultdict
from collections.abc import Callable

from django.db.models import F, Sum
from django.db.models.functions import Substr
from django.utils import timezone

from cunzhi.core import periods
from cunzhi.insights.models import MonthRollup, Rollup
from cunzhi.regions.models import PREFIX_LENGTH

VILLAGE_LENGTH = PREFIX_LENGTH["village"]
# The month rows' depths: per county, township and daily row's own code (models.MonthRollup).
DEPTHS = (PREFIX_LENGTH["county"], PREFIX_LENGTH["township"], VILLAGE_LENGTH)


def population_key(kind: str) -> str:
    """The month rows' key of a stored N: "population@households" or "population@adults"."""
    return f"population@{kind}"


def running_day(
    compute: Callable[..., dict[str, tuple[int, int | None]]],
    *,
    prefix: str,
    length: int,
    start: dt.datetime,
    end: dt.datetime,
) -> dict[str, tuple[int, int | None]]:
    """The running day's counts under `prefix` (a figure's or a flag's `compute`): asked of the whole country
    and kept under the prefix. Today's few rows are then found by their time (the tables' time indexes);
    given a county's area range as well, SQLite's planner reads the whole range instead."""
    found = compute(prefix="", length=length, start=start, end=end)
    return {k: v for k, v in found.items() if k.startswith(prefix)}


Sums = dict[str, dict[str, tuple[int, int | None]]]  # key -> child code -> (numerator, denominator)


def day_bounds(day: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """[start, end) of a local calendar day as aware datetimes."""
    tz = timezone.get_current_timezone()
    start = timezone.make_aware(dt.datetime.combine(day, dt.time()), tz)
    return start, timezone.make_aware(dt.datetime.combine(day + dt.timedelta(days=1), dt.time()), tz)


def add(into: dict[str, tuple[int, int | None]], key: str, num: int, den: int | None) -> None:
    old_n, old_d = into.get(key, (0, None))
    into[key] = (old_n + (num or 0), None if den is None and old_d is None else (old_d or 0) + (den or 0))


def _span(first: dt.date, stop: dt.date) -> int:
    """The stored span (12 or 3 months) that holds exactly the days [first, stop) of whole months, else 1 (sum
    the months). No day from today on is stored, so a span running on past today holds the same days as the
    months up to today: the running year's row is its months' sum."""
    today = timezone.localdate()
    for months, frequency in ((12, periods.YEARLY), (3, periods.QUARTERLY)):
        span_first, span_last = periods.period_bounds(frequency, first)
        end = span_last + dt.timedelta(days=1)
        if span_first == first and (stop == end or (stop == today and end > today)):
            return months
    return 1


def stored(keys: list[str], *, prefix: str, length: int, first: dt.date, stop: dt.date) -> Sums:
    """Sums of the stored rows of `keys` for the days [first, stop) per child code: from the year's or the
    quarter's row, or the month rows, when the days are whole months (the running month's row holds its
    finished days), else from the daily rows."""
    out: Sums = defaultdict(dict)
    if first >= stop or not keys:
        return out
    whole_months = first.day == 1 and (stop.day == 1 or stop == timezone.localdate())
    if whole_months and length in DEPTHS:
        months = _span(first, stop)
        month_rows = MonthRollup.objects.filter(
            depth=length, months=months, region_code__under=prefix, indicator__in=keys
        ).order_by()
        if months > 1 or stop <= periods.month_bounds(first)[1] + dt.timedelta(days=1):
            # One stored row per figure and code (a span, or one month): read as they are, nothing to add up.
            rows = month_rows.filter(month=first).values_list("indicator", "region_code", "numerator", "denominator")
        else:
            rows = (
                month_rows.filter(month__gte=first, month__lt=stop)
                .values("indicator", k=F("region_code"))
                .annotate(n=Sum("numerator"), d=Sum("denominator"))
                .values_list("indicator", "k", "n", "d")  # tuples: a county's year of months is 20,000 rows
            )
    else:
        rows = (
            Rollup.objects.filter(region_code__under=prefix, day__gte=first, day__lt=stop, indicator__in=keys)
            .values("indicator", k=Substr("region_code", 1, length))
            .annotate(n=Sum("numerator"), d=Sum("denominator"))
            .values_list("indicator", "k", "n", "d")
            .order_by()
        )
    for key, code, n, d in rows:
        add(out[key], code, n, d)
    return out
