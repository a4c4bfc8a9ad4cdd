"""Figures for other software (a county's own dashboard, a province's roll-up)."""

from typing import Any

from django.http import Http404
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema

from cunzhi.core import periods
from cunzhi.core.apikit.errors import OBJECT_ERRORS, ApiError
from cunzhi.insights import cases, rules, selectors
from cunzhi.insights.registry import Indicator
from cunzhi.insights.trends import trends as trend_rows
from cunzhi.people.actors import UserRequest
from cunzhi.regions.models import Region

router = Router(tags=["insights"])


class Cell(Schema):
    indicator: str
    value: float | None
    numerator: int
    denominator: int | None
    too_few: bool = False  # a rate over fewer than 5 cases: value is null, read n and N instead


class Row(Schema):
    code: str
    name: str
    own: bool
    cells: list[Cell]


class FiguresOut(Schema):
    region: str
    period: str
    start: str
    end: str
    indicators: list[dict]
    rows: list[Row]
    total: list[Cell]


class FiguresIn(Schema):
    region: str
    period: str = ""


def _cells(columns: list[Indicator], cells: list[dict[str, Any]]) -> list[Cell]:
    return [
        Cell(indicator=ind.key, value=c["value"], numerator=c["num"], denominator=c["den"], too_few=c["too_few"])
        for ind, c in zip(columns, cells)
    ]


@router.get("/insights/figures", response={200: FiguresOut, **OBJECT_ERRORS})
def figures(request: UserRequest, query: Query[FiguresIn]) -> dict[str, object]:
    """Every domain's indicators for the children of a region (townships of a county, villages of a
    township) in a period: a year (2026), a quarter (2026-Q4) or a month (2026-11); default this quarter.
    Rates carry their numerator and denominator; totals add them up."""
    region = Region.objects.filter(code=query.region).exclude(level="group").first()
    if region is None or not rules.can_view_figures(request.user, region):
        raise Http404
    period = query.period or periods.current_quarter()
    try:
        start, end = periods.label_bounds(period)
    except ValueError as exc:
        raise ApiError(422, str(exc), code="bad_period") from None
    table = selectors.figures(region=region, start=start, end=end)
    columns = table["columns"]
    return {
        "region": region.code,
        "period": period,
        "start": start.isoformat(),
        "end": end.isoformat(),
        "indicators": [
            {
                "key": i.key,
                "label": str(i.label),
                "help": str(i.help),
                "kind": i.kind,
                "domain": i.domain,
                "higher_is_better": i.higher_is_better,
            }
            for i in columns
        ],
        "rows": [
            Row(
                code=r["region"].code if r["region"] is not None else r["key"],
                name=(r["region"].name if r["region"] is not None else r["key"])
                + (" " + _("(own)") if r["own"] else ""),
                own=r["own"],
                cells=_cells(columns, r["cells"]),
            )
            for r in table["rows"]
        ],
        "total": _cells(columns, table["total"]),
    }


class InsightsTrend(Schema):
    indicator: str
    value: float | None
    numerator: int
    denominator: int | None
    too_few: bool
    previous_period: str
    previous_value: float | None
    last_year_period: str
    last_year_value: float | None
    months: list[dict]


class InsightsFlag(Schema):
    village: str
    name: str
    kind: str
    question: str
    numerator: int
    denominator: int | None


def _region_period(query: FiguresIn, user: Any) -> tuple[Region, str, Any, Any]:
    region = Region.objects.filter(code=query.region).exclude(level="group").first()
    if region is None or not rules.can_view_figures(user, region):
        raise Http404
    period = query.period or periods.current_quarter()
    try:
        start, end = periods.label_bounds(period)
    except ValueError as exc:
        raise ApiError(422, str(exc), code="bad_period") from None
    return region, period, start, end


@router.get("/insights/trends", response={200: list[InsightsTrend], **OBJECT_ERRORS})
def trends(request: UserRequest, query: Query[FiguresIn]) -> list[dict[str, object]]:
    """Per indicator for the region as a whole: the period's value with n and N, the previous period, the
    same period a year before, and the last 12 months (additive indicators only). A rate over fewer than
    5 cases has value null and too_few true."""
    region, period, start, end = _region_period(query, request.user)
    out: list[dict[str, object]] = []
    for t in trend_rows(region, period, start, end):
        out.append(
            {
                "indicator": t["ind"].key,
                "value": t["now"]["value"],
                "numerator": t["now"]["num"],
                "denominator": t["now"]["den"],
                "too_few": t["now"]["too_few"],
                "previous_period": t["previous"],
                "previous_value": t["before"]["value"],
                "last_year_period": t["last_year"],
                "last_year_value": t["year_ago"]["value"],
                "months": [
                    {"month": p["month"].strftime("%Y-%m"), "value": p["value"], "n": p["num"], "N": p["den"]}
                    for p in t["series"]
                ],
            }
        )
    return out


@router.get("/insights/flags", response={200: list[InsightsFlag], **OBJECT_ERRORS})
def flags(request: UserRequest, query: Query[FiguresIn]) -> list[dict[str, object]]:
    """Surface-use flags per village of the region in the period: questions to look at, not scores."""
    region, _period, start, end = _region_period(query, request.user)
    return [
        {
            "village": v["village"].code,
            "name": v["village"].name,
            "kind": f["what"],
            "question": str(f["question"]),
            "numerator": f["n"],
            "denominator": f["den"],
        }
        for v in cases.flags(region=region, start=start, end=end)
        for f in v["flags"]
    ]
