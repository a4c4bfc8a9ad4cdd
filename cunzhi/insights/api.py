"""Figures for other software (a county's own dashboard, a province's roll-up)."""

from typing import Any

from django.http import Http404
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema

from cunzhi.core import periods
from cunzhi.core.apikit.errors import OBJECT_ERRORS, ApiError
from cunzhi.insights import rules, selectors
from cunzhi.insights.registry import Indicator
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
