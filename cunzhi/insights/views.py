"""The figures page: one table per region and period, drill-down to the children, XLSX export."""

import datetime as dt
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from cunzhi.core import periods
from cunzhi.core.tabular import xlsx_response_bytes
from cunzhi.insights import rules, selectors
from cunzhi.people.actors import UserRequest
from cunzhi.regions.models import Region
from cunzhi.regions.selectors import region_ancestors


def _region_and_period(request: UserRequest) -> tuple[Region, str, dt.datetime, dt.datetime]:
    user = request.user
    code = request.GET.get("region", "")
    if code:
        region = Region.objects.select_related("parent__parent").filter(code=code).exclude(level="group").first()
        if region is None or not rules.can_view_figures(user, region):
            raise Http404
    else:
        region = rules.home_region(user)
        if region is None:
            raise PermissionDenied
    period = request.GET.get("period") or periods.current_quarter()
    try:
        start, end = periods.label_bounds(period)
    except ValueError as exc:
        messages.error(request, str(exc))
        period = periods.current_quarter()
        start, end = periods.label_bounds(period)
    return region, period, start, end


def _percent(cell: dict[str, Any]) -> str:
    if cell["den"] is None:
        return str(cell["num"])
    return "—" if cell["value"] is None else f"{cell['value'] * 100:.1f} %"


@login_required
def index(request: UserRequest) -> HttpResponse:
    """Indicators of every domain for the children of a region, in one period."""
    region, period, start, end = _region_and_period(request)
    table = selectors.figures(region=region, start=start, end=end)
    for row in table["rows"]:
        row["display"] = [(_percent(c), c) for c in row["cells"]]
        row["link"] = not row["own"] and row["region"] != region  # drill down into a child
    ancestors = [r for r in region_ancestors(region) if rules.can_view_figures(request.user, r)]
    return render(
        request,
        "insights/index.html",
        {
            "region": region,
            "period": period,
            "periods": periods.recent_labels(),
            "table": table,
            "total_display": [(_percent(c), c) for c in table["total"]],
            "ancestors": ancestors,
        },
    )


@login_required
def export(request: UserRequest) -> HttpResponse:
    """The same table as an XLSX file: numerators and denominators in their own columns."""
    region, period, start, end = _region_and_period(request)
    table = selectors.figures(region=region, start=start, end=end)
    header = [_("Region"), _("Area code")]
    for ind in table["columns"]:
        header += (
            [str(ind.label)] if ind.kind == "count" else [f"{ind.label} (%)", f"{ind.label}: n", f"{ind.label}: N"]
        )

    def cells(cs: list[dict[str, Any]]) -> list[object]:
        out: list[object] = []
        for ind, c in zip(table["columns"], cs):
            if ind.kind == "count":
                out.append(c["num"])
            else:
                out += [round(c["value"] * 100, 1) if c["value"] is not None else None, c["num"], c["den"]]
        return out

    rows = []
    for row in table["rows"]:
        name = row["region"].name if row["region"] is not None else row["key"]
        if row["own"]:
            name = _("%(name)s (own)") % {"name": name}
        rows.append([name, row["region"].code if row["region"] is not None else row["key"], *cells(row["cells"])])
    rows.append([_("Total"), region.code, *cells(table["total"])])
    data = xlsx_response_bytes(header, rows, sheet_title=f"{region.code} {period}")
    response = HttpResponse(data, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    response["Content-Disposition"] = f'attachment; filename="figures-{region.code}-{period}.xlsx"'
    response["Cache-Control"] = "private, no-store"
    return response
