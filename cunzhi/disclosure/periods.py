"""Calendar arithmetic for disclosure periods (months and quarters) and their deadlines."""

import datetime as dt


def month_bounds(day: dt.date) -> tuple[dt.date, dt.date]:
    start = day.replace(day=1)
    nxt = (start + dt.timedelta(days=32)).replace(day=1)
    return start, nxt - dt.timedelta(days=1)


def quarter_bounds(day: dt.date) -> tuple[dt.date, dt.date]:
    first_month = 3 * ((day.month - 1) // 3) + 1
    start = dt.date(day.year, first_month, 1)
    return start, month_bounds(dt.date(day.year, first_month + 2, 1))[1]


def period_bounds(frequency: str, day: dt.date) -> tuple[dt.date, dt.date]:
    """The month or quarter that contains `day`."""
    return month_bounds(day) if frequency == "monthly" else quarter_bounds(day)


def periods_between(frequency: str, first: dt.date, last: dt.date) -> list[tuple[dt.date, dt.date]]:
    """Every period of this frequency from the one containing `first` to the one containing `last`."""
    out = []
    start, end = period_bounds(frequency, first)
    while start <= last:
        out.append((start, end))
        start, end = period_bounds(frequency, end + dt.timedelta(days=1))
    return out


def previous_period(frequency: str, day: dt.date) -> tuple[dt.date, dt.date]:
    start, _end = period_bounds(frequency, day)
    return period_bounds(frequency, start - dt.timedelta(days=1))
