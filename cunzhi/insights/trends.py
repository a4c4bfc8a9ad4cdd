"""Trends: per indicator the period's value with n, the previous period, the same period a year before,
and a 12-month sparkline; shared by the page, the PDF and the API."""

import datetime as dt
import functools
from collections.abc import Callable
from typing import Any
from urllib.parse import quote

from django.urls import get_script_prefix, reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from cunzhi.core import periods
from cunzhi.insights import selectors
from cunzhi.insights.sparkline import sparkline
from cunzhi.regions.models import Region


def shifted(label: str, *, years: int = 0, steps: int = 0) -> str:
    """The label `steps` periods (of the label's own length) and `years` years away: 2026-11 → 2026-10."""
    if "-Q" in label:
        y, q = int(label[:4]), int(label[-1])
        n = y * 4 + q - 1 + steps + 4 * years
        return f"{n // 4}-Q{n % 4 + 1}"
    if "-" in label:
        y, m = int(label[:4]), int(label[5:7])
        n = y * 12 + m - 1 + steps + 12 * years
        return f"{n // 12}-{n % 12 + 1:02d}"
    return str(int(label) + steps + years)


def percent(cell: dict[str, Any]) -> str:
    if cell["den"] is None:
        return str(cell["num"])
    if cell["too_few"]:
        return _("too few")
    return "—" if cell["value"] is None else f"{cell['value'] * 100:.1f} %"


def _change(now: dict[str, Any], before: dict[str, Any], kind: str) -> str:
    """The difference in percentage points (rates) or in numbers (counts); empty when either is unknown."""
    if now["value"] is None or before["value"] is None:
        return ""
    if kind == "count":
        return f"{now['value'] - before['value']:+d}"
    return _("%(points)s points") % {"points": f"{(now['value'] - before['value']) * 100:+.1f}"}


@functools.lru_cache
def _cases_path(script_prefix: str) -> str:
    return reverse("insights:cases")


def cases_link(what: str, code: str, period: str, counted: bool = False) -> str:
    query = {"what": what, "region": code, "period": period}
    if counted:
        query["counted"] = "1"
    # Resolved once per script prefix: a county's table has hundreds of links, and reverse() is the cost.
    return _cases_path(get_script_prefix()) + "?" + urlencode(query)


def cases_links(code: str, period: str) -> Callable[[str], str]:
    """cases_link for one place and period, its query made once: a row of the table links 26 figures."""
    head = _cases_path(get_script_prefix()) + "?" + urlencode({"region": code, "period": period}) + "&what="
    return lambda what: head + quote(what)


def trends(
    region: Region,
    period: str,
    start: dt.datetime,
    end: dt.datetime,
    now: dict[str, dict[str, Any]] | None = None,
    running_day: dict[str, tuple[int, int | None]] | None = None,
) -> list[dict[str, Any]]:
    """Per indicator: this period with n, the previous period, the same period a year before, 12 months.
    `now`: this period's totals when the caller has them already (the figures table's total row), so the
    page does not count the period twice; `running_day`: the running day's counts, likewise."""
    previous, last_year = shifted(period, steps=-1), shifted(period, years=-1)
    if now is None:
        now = selectors.totals(region=region, start=start, end=end)
    p_start, p_end = periods.label_bounds(previous)
    before = selectors.totals(region=region, start=p_start, end=p_end)
    y_start, y_end = periods.label_bounds(last_year)
    year_ago = before if last_year == previous else selectors.totals(region=region, start=y_start, end=y_end)
    last_month = min(timezone.localtime(end - dt.timedelta(seconds=1)).date(), timezone.localdate())
    series = selectors.monthly_series(region=region, last_month=last_month, running_day=running_day)
    out = []
    for ind in selectors.indicators():
        out.append(
            {
                "ind": ind,
                "now": now[ind.key],
                "now_text": percent(now[ind.key]),
                "previous": previous,
                "before": before[ind.key],
                "year_ago": year_ago[ind.key],
                "series": series.get(ind.key, []),
                "before_text": percent(before[ind.key]),
                "change": _change(now[ind.key], before[ind.key], ind.kind),
                "last_year": last_year,
                "year_text": percent(year_ago[ind.key]),
                "year_change": _change(now[ind.key], year_ago[ind.key], ind.kind),
                "spark": sparkline(series[ind.key], kind=ind.kind, label=str(ind.label)) if ind.key in series else "",
                "link": cases_link(ind.key, region.code, period) if ind.cases else "",
                "counted_link": cases_link(ind.key, region.code, period, counted=True) if ind.cases else "",
            }
        )
    return out
