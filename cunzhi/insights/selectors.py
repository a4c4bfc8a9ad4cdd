"""The figures table, trends and the monthly series, read from the stored daily roll-ups.

One row per child region (townships of a county, villages of a township), one column per indicator.
Additive indicators are sums of roll-up rows (one grouped query for the whole table) plus the running
day counted directly; distinct counts (people, households) are counted directly over the period, one
grouped query each. A rate over fewer than MIN_CASES cases is shown as "too few", not as a percentage.
"""

import datetime as dt
from collections import defaultdict
from typing import Any

from django.db.models import Count, Exists, OuterRef, Q
from django.db.models.functions import Substr
from django.utils import timezone

from cunzhi.concerns import selectors as concerns
from cunzhi.insights.models import (
    SURVEY_ITEMS,
    SURVEY_QUESTIONS,
    MonthProblem,
    MonthRollup,
    SurveyAnswer,
    SurveyInvite,
)
from cunzhi.insights.registry import Indicator, indicator, indicators
from cunzhi.insights.stored import DEPTHS, add, day_bounds, population_key, stored
from cunzhi.insights.stored import running_day as running_day_counts
from cunzhi.people import selectors as people
from cunzhi.points import selectors as points
from cunzhi.regions.models import PREFIX_LENGTH, Level, Region

# Keyed by plain level codes: a region's `level` is the stored string.
CHILD_LEVEL: dict[str, str] = {
    Level.COUNTY: Level.TOWNSHIP,
    Level.TOWNSHIP: Level.VILLAGE,
    Level.VILLAGE: Level.VILLAGE,
}
# Below this many cases a rate says more about chance than about the village (issue 17, domain.md).
MIN_CASES = 5

__all__ = ["indicator", "indicators"]  # re-exported for the views

Counts = dict[str, dict[str, tuple[int, int | None]]]  # indicator key -> child code -> (numerator, denominator)


def _local_date(moment: dt.datetime) -> dt.date:
    return timezone.localtime(moment).date()


def granularity(first: dt.date, stop: dt.date) -> str:
    """ "m", "q" or "y" when the days [first, stop) are one calendar month, quarter or year; "" otherwise."""
    if first.day != 1 or stop.day != 1:
        return ""
    months = (stop.year - first.year) * 12 + stop.month - first.month
    if months == 1:
        return "m"
    if months == 3 and first.month % 3 == 1:
        return "q"
    return "y" if months == 12 and first.month == 1 else ""


def variant(ind: Indicator, grain: str) -> str:
    """The stored key of a distinct count's first-time rows for a kind of period: points_taking_part@q."""
    return f"{ind.key}@{grain}"


def _first_today(
    ind: Indicator,
    *,
    prefix: str,
    length: int,
    starts: tuple[dt.datetime, ...],
    since: dt.datetime,
    end: dt.datetime,
) -> list[dict[str, int]]:
    """For each period beginning in `starts`, per child code: those `ind` counts today (from `since`) who were
    not counted earlier in that period: the running day's share of a distinct count. One query for all the
    periods (the page's own and the running month of its sparkline): today's people, each with whether they
    were counted earlier in each period (a correlated EXISTS: looked up by person, through the foreign key's
    index, however long the period). Asked of the whole country, as every running-day count
    (stored.running_day), and kept under the prefix."""
    assert ind.events is not None
    events = ind.events
    earlier = {
        f"earlier_{i}": Exists(
            events(prefix="", start=first, end=since, period_end=end).filter(who=OuterRef("who"), code=OuterRef("code"))
        )
        for i, first in enumerate(starts)
    }
    rows = (
        events(prefix="", start=since, end=end, period_end=end)
        .filter(who__isnull=False)
        .annotate(**earlier)
        .values_list("who", "code", *earlier)
        .order_by()  # no ordering column in the DISTINCT
        .distinct()
    )
    new: list[dict[str, int]] = [defaultdict(int) for _ in starts]
    for _who, code, *counted_before in rows:
        if code.startswith(prefix):
            for found, before in zip(new, counted_before):
                if not before:
                    found[code[:length]] += 1
    return new


def population(ind: Indicator, *, prefix: str, length: int, end: dt.datetime) -> dict[str, int]:
    """The N of a distinct rate per child code: every household, or every adult on the day the period ends. As
    the roll-up stored it for the period's last month (services._populations: at most a day old for the
    running month), or counted now where it stored none (a period it has not reached)."""
    month = _local_date(end - dt.timedelta(seconds=1)).replace(day=1)
    if length in DEPTHS:
        rows = MonthRollup.objects.filter(
            depth=length, months=1, region_code__under=prefix, month=month, indicator=population_key(ind.population)
        ).values_list("region_code", "numerator")
        found = dict(rows)
        if found:
            return found
    if ind.population == "households":
        return people.households_by(prefix=prefix, length=length)
    return people.adults_by(prefix=prefix, length=length, on=_local_date(end))


def counts(*, prefix: str, length: int, start: dt.datetime, end: dt.datetime, today_out: dict | None = None) -> Counts:
    """Numerators and denominators per indicator and child code for [start, end): the stored rows of the
    finished days, and the running day counted directly. A distinct count (people, households) over a calendar
    month, quarter or year adds the stored first-time rows of that kind of period; over any other span it is
    counted directly. `today_out` receives the running day's additive counts summed over the children (the
    trends' sparkline ends with them: not counted twice)."""
    out: Counts = {ind.key: {} for ind in indicators()}
    if end <= start:
        return out
    today = timezone.localdate()
    first, stop = _local_date(start), _local_date(end)
    grain = granularity(first, stop)
    keys = {
        ind.key: ind.key if ind.additive else (variant(ind, grain) if grain and ind.events else "")
        for ind in indicators()
    }
    sums = stored([k for k in keys.values() if k], prefix=prefix, length=length, first=first, stop=min(stop, today))
    live_start = max(start, day_bounds(today)[0])
    populations: dict[str, dict[str, int]] = {}
    for ind in indicators():
        into = out[ind.key]
        if not keys[ind.key]:
            for k, (n, d) in ind.compute(prefix=prefix, length=length, start=start, end=end).items():
                add(into, k, n, d)
            continue
        for k, (n, d) in sums.get(keys[ind.key], {}).items():
            add(into, k, n, d)
        if live_start < end and ind.additive:
            for k, (n, d) in running_day_counts(
                ind.compute, prefix=prefix, length=length, start=live_start, end=end
            ).items():
                add(into, k, n, d)
                if today_out is not None:
                    add(today_out, ind.key, n, d)
        elif live_start < end:
            # When the period ends with the running month, that month's newcomers (the sparkline's last point)
            # come from the same query, and go to `today_out` under the month's key.
            month = today.replace(day=1)
            with_month = today_out is not None and end == day_bounds(_monthadd(month, 1))[0]
            starts = (start, day_bounds(month)[0]) if with_month else (start,)
            found = _first_today(ind, prefix=prefix, length=length, starts=starts, since=live_start, end=end)
            for k, n in found[0].items():
                add(into, k, n, None)
            if with_month and today_out is not None:
                add(today_out, variant(ind, "m"), sum(found[1].values()), None)
        if ind.population:
            if ind.population not in populations:  # households: two indicators, one count
                populations[ind.population] = population(ind, prefix=prefix, length=length, end=end)
            for k, n in populations[ind.population].items():
                into[k] = (into.get(k, (0, None))[0], n)
    return out


def cell(ind: Indicator, num: int, den: int | None) -> dict[str, Any]:
    """A figure: value (a share, or a count), n, N, and whether there are too few cases for a rate."""
    if ind.kind == "count":
        return {"value": num, "num": num, "den": None, "too_few": False}
    den = den or 0
    too_few = 0 < den < MIN_CASES
    return {"value": (num / den) if den and not too_few else None, "num": num, "den": den, "too_few": too_few}


def figures(*, region: Region, start: dt.datetime, end: dt.datetime) -> dict[str, Any]:
    """{"columns", "rows": [{"region", "cells"}], "total"} for the region's children in [start, end)."""
    child_level = CHILD_LEVEL[region.level]
    length = PREFIX_LENGTH[child_level]
    if region.level == Level.VILLAGE:
        children = [region]
    else:
        children = list(Region.objects.filter(parent=region, level=child_level).only("code", "name", "prefix", "level"))
    columns = list(indicators())
    today: dict[str, tuple[int, int | None]] = {}
    data = counts(prefix=region.prefix, length=length, start=start, end=end, today_out=today)
    results = [data[ind.key] for ind in columns]
    by_prefix = {c.code[:length]: c for c in children}
    # Rows owned by the region itself (a township office's own concerns, say) get a row of their own.
    own_key = region.code[:length]
    extra_keys = sorted({k for r in results for k in r if k not in by_prefix})
    rows = []
    for child in children:
        rows.append(
            {
                "region": child,
                "own": False,
                "key": child.code[:length],
                "cells": [cell(ind, *res.get(child.code[:length], (0, 0))) for ind, res in zip(columns, results)],
            }
        )
    for key in extra_keys:
        rows.append(
            {
                "region": region if key == own_key else None,
                "own": True,
                "key": key,
                "cells": [cell(ind, *res.get(key, (0, 0))) for ind, res in zip(columns, results)],
            }
        )
    total = []
    for ind, res in zip(columns, results):
        num = sum(v[0] for v in res.values())
        den = sum(v[1] or 0 for v in res.values())
        total.append(cell(ind, num, den))
    # The running day's counts, for the trends' sparkline, when the period holds it.
    running_day = today if start <= timezone.now() < end else None
    return {"columns": columns, "rows": rows, "total": total, "child_level": child_level, "running_day": running_day}


def rank(rows: list[dict[str, Any]], columns: list[Indicator], key: str) -> list[dict[str, Any]]:
    """Rows ordered on one outcome indicator, best first; "too few" and empty rows last, unranked."""
    col = next((i for i, ind in enumerate(columns) if ind.key == key), None)
    if col is None:
        return rows
    sign = -1 if columns[col].higher_is_better is not False else 1
    ranked = [r for r in rows if r["cells"][col]["value"] is not None and not r["own"]]
    rest = [r for r in rows if r not in ranked]
    ranked.sort(key=lambda r: (sign * r["cells"][col]["value"], r["key"]))
    for i, r in enumerate(ranked, start=1):
        r["rank"] = i
    return ranked + rest


def _monthadd(day: dt.date, months: int) -> dt.date:
    m = day.year * 12 + day.month - 1 + months
    return dt.date(m // 12, m % 12 + 1, 1)


def monthly_series(
    *,
    region: Region,
    last_month: dt.date,
    months: int = 12,
    running_day: dict[str, tuple[int, int | None]] | None = None,
) -> dict[str, list[dict[str, Any]]]:
    """For each indicator (distinct counts from their monthly first times), one figure per month for the region
    as a whole, oldest first, ending with the month of `last_month`: the region's own month rows, plus today
    counted directly."""
    first = _monthadd(last_month.replace(day=1), -(months - 1))
    stop = _monthadd(last_month.replace(day=1), 1)
    today = timezone.localdate()
    sums: dict[str, dict[dt.date, list[int | None]]] = defaultdict(dict)
    rows = MonthRollup.objects.filter(
        depth=len(region.prefix),
        months=1,
        region_code=region.prefix,
        month__gte=first,
        month__lt=min(stop, today),
    ).values_list("indicator", "month", "numerator", "denominator")
    for key, month, n, d in rows:
        sums[key][month] = [n, d]
    if first <= today < stop:  # the running day, counted directly unless the caller has counted it
        this_month = today.replace(day=1)
        if running_day is None:
            start, end = day_bounds(today)
            running_day = {}
            for ind in (i for i in indicators() if i.additive):
                for n, d in running_day_counts(
                    ind.compute, prefix=region.prefix, length=len(region.prefix), start=start, end=end
                ).values():
                    add(running_day, ind.key, n, d)
        for key, (n, d) in running_day.items():
            old = sums[key].get(this_month, [0, None])
            sums[key][this_month] = [
                (old[0] or 0) + (n or 0),
                None if d is None and old[1] is None else (old[1] or 0) + (d or 0),
            ]
    out = {}
    for ind in indicators():
        if not ind.additive and ind.events is None:
            continue
        series = []
        for i in range(months):
            month = _monthadd(first, i)
            if ind.additive:
                pair = sums[ind.key].get(month, [0, 0])
            else:
                # A distinct count per month: the month's first times (and today's newcomers), its N as stored
                # for the month. A month the roll-up has not reached has no N: a gap, not a zero.
                # The running month's newcomers today are in `running_day` when the caller counted them.
                n = sums[variant(ind, "m")].get(month, [0])[0] or 0
                if (
                    month == today.replace(day=1)
                    and first <= today < stop
                    and variant(ind, "m") not in (running_day or {})
                ):
                    n += sum(
                        _first_today(
                            ind,
                            prefix=region.prefix,
                            length=len(region.prefix),
                            starts=(day_bounds(month)[0],),
                            since=day_bounds(today)[0],
                            end=day_bounds(_monthadd(month, 1))[0],  # as the month's stored rows count
                        )[0].values()
                    )
                pair = [n, sums[population_key(ind.population)].get(month, [0])[0] if ind.population else None]
            series.append({"month": month, **cell(ind, pair[0] or 0, pair[1])})
        out[ind.key] = series
    return out


def totals(*, region: Region, start: dt.datetime, end: dt.datetime) -> dict[str, dict[str, Any]]:
    """The region's own total per indicator for [start, end)."""
    data = counts(prefix=region.prefix, length=len(region.prefix), start=start, end=end)
    out = {}
    for ind in indicators():
        num = sum(v[0] for v in data[ind.key].values())
        den = sum(v[1] or 0 for v in data[ind.key].values())
        out[ind.key] = cell(ind, num, den)
    return out


def points_by_item(*, region: Region, start: dt.datetime, end: dt.datetime) -> dict[str, Any]:
    """Points by item for the region in [start, end) (points.figures_by_item): a breakdown, not a rate. Rows
    per catalogue item; the households of the region (the n) and those with an item's points counted; the
    points earned and deducted in all. Two queries whatever the number of items or villages; counts only."""
    rows = points.figures_by_item(prefix=region.prefix, start=start, end=end)
    with_points, households = points.figures_by_item_households(prefix=region.prefix, start=start, end=end)
    return {
        "rows": rows,
        "households": households,
        "with_points": with_points,
        "entries": sum(r["entries"] for r in rows),
        "earned": sum(r["points"] for r in rows if r["points"] > 0),
        "deducted": sum(r["points"] for r in rows if r["points"] < 0),
    }


# ------------------------------------------------------------------------------ the villagers' survey

# Answers are shown only where at least this many answered (issue 17): below it, a village's few answers
# could be told apart, and say more about who answered than about the village.
SURVEY_MIN = 10
AGREE = (4, 5)
# How many quarters the survey's trend goes back, the quarter shown included (page and API).
SURVEY_TREND_QUARTERS = 4  # "mostly" and "fully" on the 1–5 scale


def survey_quarter(period: str) -> str:
    """The quarter whose survey stands beside a period's figures: the quarter itself, a month's quarter,
    a year's last quarter."""
    if "-Q" in period:
        return period
    if "-" in period:
        return f"{period[:4]}-Q{(int(period[5:7]) - 1) // 3 + 1}"
    return f"{period[:4]}-Q4"


def survey_results(*, region: Region, quarter: str) -> dict[str, Any]:
    """Per child region and for the region: answers (n), invited, and per question the share agreeing
    (4 or 5) of those who answered it — or "too few" under SURVEY_MIN answers. Two grouped queries and
    one read of the scores (a few thousand rows per quarter for a county)."""
    child_level = CHILD_LEVEL[region.level]
    length = PREFIX_LENGTH[child_level]
    invited: dict[str, int] = {}
    reminded: dict[str, int] = {}
    waiting = 0  # not answered and not reminded yet: whom a reminder would reach
    for key, n, r, w in (
        SurveyInvite.objects.filter(quarter=quarter, region_code__under=region.prefix)
        .values_list(Substr("region_code", 1, length))
        .annotate(
            n=Count("id"),
            r=Count("id", filter=Q(reminded_at__isnull=False)),
            w=Count("id", filter=Q(answered=False, reminded_at__isnull=True)),
        )
        .order_by()
    ):
        invited[key], reminded[key] = n, r
        waiting += w
    sums: dict[str, list[list[int]]] = defaultdict(lambda: [[0, 0] for _i in range(SURVEY_ITEMS)])
    answers: dict[str, int] = defaultdict(int)
    for code, scores in SurveyAnswer.objects.filter(quarter=quarter, region_code__under=region.prefix).values_list(
        "region_code", "scores"
    ):
        key = code[:length]
        answers[key] += 1
        for i, score in enumerate(scores[:SURVEY_ITEMS]):
            if score is not None:
                sums[key][i][1] += 1
                sums[key][i][0] += score in AGREE

    def block(n: int, items: list[list[int]], asked: int, reminded: int = 0) -> dict[str, Any]:
        return {**survey_block(n, items, asked), "reminded": reminded}

    if region.level == Level.VILLAGE:
        children = [region]
    else:
        children = list(Region.objects.filter(parent=region, level=child_level).only("code", "name").order_by("code"))
    rows = []
    total_items = [[0, 0] for _i in range(SURVEY_ITEMS)]
    for items in sums.values():
        for i, (a, d) in enumerate(items):
            total_items[i][0] += a
            total_items[i][1] += d
    for child in children:
        key = child.code[:length]
        rows.append(
            {"region": child, **block(answers.get(key, 0), sums[key], invited.get(key, 0), reminded.get(key, 0))}
        )
    return {
        "quarter": quarter,
        "questions": SURVEY_QUESTIONS,
        "rows": rows,
        "total": block(sum(answers.values()), total_items, sum(invited.values()), sum(reminded.values())),
        "min": SURVEY_MIN,
        "waiting": waiting,
    }


def survey_block(n: int, items: list[list[int]], asked: int) -> dict[str, Any]:
    """One place's (or quarter's) survey figures: answers n of those asked, the response rate over everyone
    asked (account or not: the invitations, not the accounts), and per question the share agreeing. Under
    SURVEY_MIN answers nothing is shown ("too few", anonymity); a question fewer than MIN_CASES answered is
    "too few" on its own (questions may be left out)."""
    too_few = n < SURVEY_MIN
    return {
        "n": n,
        "invited": asked,
        "too_few": too_few,
        # The response rate: n of everyone asked; "too few" under MIN_CASES asked, as every rate.
        "response": cell_rate(n, asked),
        "items": [
            {
                "num": a,
                "den": d,
                "value": None if too_few or d < MIN_CASES else a / d,
                "too_few": too_few or 0 < d < MIN_CASES,
            }
            for a, d in items
        ],
    }


def cell_rate(num: int, den: int) -> dict[str, Any]:
    """A rate's figure (value, n, N, too few) without an indicator: the survey's response rate."""
    too_few = 0 < den < MIN_CASES
    return {"value": num / den if den and not too_few else None, "num": num, "den": den, "too_few": too_few}


def quarter_shift(quarter: str, steps: int) -> str:
    """2026-Q1 shifted by -1 is 2025-Q4."""
    n = int(quarter[:4]) * 4 + int(quarter[-1]) - 1 + steps
    return f"{n // 4}-Q{n % 4 + 1}"


def survey_trend(*, region: Region, quarter: str, quarters: int = 4) -> list[dict[str, Any]]:
    """The region's survey per quarter, oldest first, ending with `quarter`: per quarter the answers (n), those
    asked, the response rate and each question's share agreeing ("too few" as in survey_block). Two grouped
    queries and one read of the quarters' scores, whatever the number of quarters."""
    labels = [quarter_shift(quarter, -i) for i in range(quarters - 1, -1, -1)]
    invited = dict(
        SurveyInvite.objects.filter(quarter__in=labels, region_code__under=region.prefix)
        .values_list("quarter")
        .annotate(n=Count("id"))
        .order_by()
    )
    sums: dict[str, list[list[int]]] = {q: [[0, 0] for _i in range(SURVEY_ITEMS)] for q in labels}
    answers: dict[str, int] = defaultdict(int)
    for q, scores in SurveyAnswer.objects.filter(quarter__in=labels, region_code__under=region.prefix).values_list(
        "quarter", "scores"
    ):
        answers[q] += 1
        for i, score in enumerate(scores[:SURVEY_ITEMS]):
            if score is not None:
                sums[q][i][1] += 1
                sums[q][i][0] += score in AGREE
    return [{"quarter": q, **survey_block(answers.get(q, 0), sums[q], invited.get(q, 0))} for q in labels]


# ------------------------------------------------------------------------------ problem of the month


def month_start(label: str) -> dt.date:
    """The first day of a month label "2026-06"; raises ValueError for anything else."""
    if len(label) != 7 or label[4] != "-":
        raise ValueError(label)
    return dt.date(int(label[:4]), int(label[5:7]), 1)


def problem_candidates(*, region: Region, month: dt.date, limit: int = 10) -> list[dict[str, Any]]:
    """The concern categories and villages that grew most in a month against the month before, with their
    counts: {category, place, now, before, growth}, biggest growth first. One grouped query."""
    start, end = day_bounds(month)[0], day_bounds(_monthadd(month, 1))[0]
    before_start = day_bounds(_monthadd(month, -1))[0]
    rows = concerns.figures_by_category(prefix=region.prefix, start=before_start, middle=start, end=end)
    places = {
        r.code: r
        for r in Region.objects.filter(code__in={r["place"] for r in rows}).only("code", "name", "parent__name")
    }
    out = []
    for r in rows:
        if r["now"] > r["before"] and r["place"] in places:
            out.append({**r, "growth": r["now"] - r["before"], "region": places[r["place"]]})
    out.sort(key=lambda r: (-r["growth"], -r["now"], r["place"], r["category"]))
    return out[:limit]


def month_problem(*, region: Region, month: dt.date) -> dict[str, Any] | None:
    """The problem the region (or the county above it) picked for the month, and how its concerns fare since
    the month began: dispatched, resolved (n of N), with the category's name."""
    # The region's own pick or its township's or county's (codes are paths: 6 + 3 + 3 digits).
    codes = {region.code, region.code[:9] + "000", region.code[:6] + "000000"}
    problem = MonthProblem.objects.filter(region_code__in=codes, month=month).order_by("-region_code").first()
    if problem is None:
        return None
    start = day_bounds(month)[0]
    end = timezone.now() + dt.timedelta(seconds=1)
    progress = concerns.figures_category_progress(
        category_code=problem.category_code, prefix=problem.place_code, start=start, end=end
    )
    place = Region.objects.filter(code=problem.place_code).first()
    return {
        "problem": problem,
        "place": place,
        "category": progress["category"],
        "resolution": cell(indicator("concerns_resolution"), progress["resolved"], progress["dispatched"]),  # type: ignore[arg-type]
        "dispatched": progress["dispatched"],
    }
