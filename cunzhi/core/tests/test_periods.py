"""core/periods.py: one calendar for the ledger, disclosure and insights."""

import datetime as dt

from django.utils import timezone

from cunzhi.core import periods


def test_a_labelled_quarter_ends_where_the_quarter_of_its_days_ends():
    start, end = periods.label_bounds("2024-Q1")
    first, last = periods.quarter_bounds(dt.date(2024, 2, 29))
    assert timezone.localtime(start).date() == first
    assert timezone.localtime(end).date() == last + dt.timedelta(days=1)


def test_month_and_quarter_frequencies():
    assert periods.period_bounds(periods.MONTHLY, dt.date(2024, 2, 10)) == (dt.date(2024, 2, 1), dt.date(2024, 2, 29))
    assert periods.period_bounds(periods.QUARTERLY, dt.date(2024, 12, 31)) == (
        dt.date(2024, 10, 1),
        dt.date(2024, 12, 31),
    )
    assert periods.current_quarter(dt.date(2026, 11, 3)) == "2026-Q4"
    assert periods.recent_labels(dt.date(2026, 2, 1))[:3] == ["2026", "2026-Q1", "2026-02"]
