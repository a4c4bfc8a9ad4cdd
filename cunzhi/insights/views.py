"""The figures page (trends, the table, surface-use flags), drill-through to the cases, and the county's
one table (XLSX and PDF): every number is read from the roll-ups through selectors.py."""

import datetime as dt
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext, pgettext
from django.views.decorators.http import require_http_methods

from cunzhi.core import periods
from cunzhi.core.dbrouter import on_replica
from cunzhi.core.tabular import xlsx_response_bytes
from cunzhi.core.views import refusal_messages
from cunzhi.insights import cases as cases_mod
from cunzhi.insights import rules, selectors, services
from cunzhi.insights.models import SURVEY_QUESTIONS, SurveyChannel
from cunzhi.insights.registry import Indicator
from cunzhi.insights.trends import cases_link, cases_links, percent, trends
from cunzhi.people.actors import UserRequest
from cunzhi.regions.models import Level, Region
from cunzhi.regions.selectors import region_ancestors

# No platform data before this year; a period of 1926 or 9999 is a typing mistake, not a question.
FIRST_YEAR = 2000
# The table's rows per page: a county's townships (a few dozen) fit on one; ten times as many are paged, so
# the page's work and size do not grow with them (ranking still orders every row).
TABLE_ROWS = 50


def _region_and_period(request: UserRequest) -> tuple[Region, str, dt.datetime, dt.datetime]:
    user = request.user
    code = request.GET.get("region", "")[:20]
    if code:
        region = Region.objects.select_related("parent__parent").filter(code=code).exclude(level="group").first()
        if region is None or not rules.can_view_figures(user, region):
            raise Http404
    else:
        region = rules.home_region(user)
        if region is None:
            raise PermissionDenied
    period = request.GET.get("period", "")[:10] or periods.current_quarter()
    try:
        start, end = periods.label_bounds(period)
        if not FIRST_YEAR <= start.year <= timezone.localdate().year + 1:
            raise ValueError(_("Figures start in %(first)s and end next year.") % {"first": FIRST_YEAR})
    except ValueError as exc:
        messages.error(request, str(exc))
        period = periods.current_quarter()
        start, end = periods.label_bounds(period)
    return region, period, start, end


def _linked(ind: Indicator, people_ok: bool) -> bool:
    """Whether an indicator's numbers link to their cases for this viewer: lists of people only for those who
    keep the roster (rules.can_list_people); the others see the figure without a link that would refuse them."""
    return bool(ind.cases) and (people_ok or ind.cases not in cases_mod.PEOPLE_KINDS)


def _table(
    region: Region,
    period: str,
    start: dt.datetime,
    end: dt.datetime,
    sort: str,
    people_ok: bool = False,
    page: str | None = None,
) -> dict[str, Any]:
    """The table with its texts and links; given `page` (the figures page), only that page's rows get them
    and `table["page"]` holds the rows shown. The exports show every row."""
    table = selectors.figures(region=region, start=start, end=end)
    if sort:
        table["rows"] = selectors.rank(table["rows"], table["columns"], sort)
    shown = table["rows"]
    if page is not None:
        table["page"] = Paginator(table["rows"], TABLE_ROWS).get_page(page)
        shown = table["page"].object_list
    linked = [_linked(ind, people_ok) for ind in table["columns"]]

    def display(code: str, cells: list[dict[str, Any]]) -> list[tuple[str, dict[str, Any], str]]:
        link = cases_links(code, period)
        return [
            (percent(c), c, link(ind.key) if ok and (c["den"] or c["num"]) else "")
            for ind, ok, c in zip(table["columns"], linked, cells)
        ]

    for row in shown:
        row["display"] = display(row["region"].code if row["region"] is not None else row["key"], row["cells"])
        row["link"] = not row["own"] and row["region"] != region  # drill down into a child
    table["total_display"] = display(region.code, table["total"])
    return table


def _trends(
    region: Region,
    period: str,
    start: dt.datetime,
    end: dt.datetime,
    people_ok: bool,
    table: dict[str, Any] | None = None,
) -> list[dict[str, Any]]:
    """The trend cards, without the links to lists of people for a viewer who may not see them. Given the
    period's table, its total row is this period's figure (the same counts summed over the children)."""
    now = {ind.key: c for ind, c in zip(table["columns"], table["total"])} if table else None
    out = trends(region, period, start, end, now=now, running_day=table["running_day"] if table else None)
    for t in out:
        if not _linked(t["ind"], people_ok):
            t["link"] = t["counted_link"] = ""
    return out


@login_required
@on_replica
def index(request: UserRequest) -> HttpResponse:
    """Trends, the table for the children of a region, and the surface-use flags, in one period."""
    region, period, start, end = _region_and_period(request)
    # Only outcomes with a better direction are ranked (objections upheld, say, are neither good nor bad).
    keys = {ind.key for ind in selectors.indicators() if ind.kind == "rate" and ind.higher_is_better is not None}
    sort = request.GET.get("sort", "")
    sort = sort if sort in keys else ""
    # A county's flags are folded per township (its villages are listed on each township's page).
    folded = region.level == Level.COUNTY
    if folded:
        flags = cases_mod.flags_by_township(region=region, start=start, end=end)
        for township in flags:
            n = township["villages"]
            township["text"] = ngettext("%(n)s village flagged", "%(n)s villages flagged", n) % {"n": n}
            for kind in township["kinds"]:
                n = kind["villages"]
                values = {"label": kind["label"], "n": n}
                kind["text"] = ngettext("%(label)s: %(n)s village", "%(label)s: %(n)s villages", n) % values
    else:
        flags = cases_mod.flags(region=region, start=start, end=end)
        for village in flags:
            for flag in village["flags"]:
                flag["link"] = cases_link(flag["what"], village["village"].code, period)
                count = f"{flag['n']}/{flag['den']}" if flag["den"] else str(flag["n"])
                flag["text"] = _("%(label)s: %(count)s") % {"label": flag["label"], "count": count}
    month = timezone.localtime(min(end - dt.timedelta(seconds=1), timezone.now())).date().replace(day=1)
    problem = selectors.month_problem(region=region, month=month)
    if problem is not None:
        problem["text"] = percent(problem["resolution"])
        problem["link"] = (
            cases_link("problem", problem["problem"].place_code, f"{month:%Y-%m}")
            + "&"
            + urlencode({"category": problem["problem"].category_code})
        )
    ancestors = [r for r in region_ancestors(region) if rules.can_view_figures(request.user, r)]
    people_ok = rules.can_list_people(request.user, region)
    table = _table(region, period, start, end, sort, people_ok, page=request.GET.get("page") or "1")
    return render(
        request,
        "insights/index.html",
        {
            "region": region,
            "period": period,
            "periods": periods.recent_labels(),
            "table": table,
            "sort": sort,
            "trends": _trends(region, period, start, end, people_ok, table),
            "flags": flags,
            "folded": folded,
            "ancestors": ancestors,
            "min_cases": selectors.MIN_CASES,
            "survey": _survey_display(
                selectors.survey_results(region=region, quarter=selectors.survey_quarter(period))
            ),
            "problem": problem,
            "can_pick": rules.can_pick_problem(request.user, region),
        },
    )


def _survey_text(item: dict[str, Any], too_few: str) -> str:
    return too_few if item["too_few"] else ("—" if item["value"] is None else f"{item['value'] * 100:.1f} %")


def _survey_display(results: dict[str, Any]) -> dict[str, Any]:
    """Each survey figure as text: "72.0 %" of n, or "too few" under the minimum of answers; the response
    rate over everyone asked beside its n."""
    # Texts made here, not by {% blocktranslate %} per row: a county of 200 townships paid 20 ms for them.
    asked, too_few = _("%(n)s of %(asked)s asked"), _("too few")
    for block in [*results["rows"], results["total"]]:
        block["display"] = [_survey_text(item, too_few) for item in block["items"]]
        block["response_text"] = _survey_text(block["response"], too_few)
        block["asked_text"] = asked % {"n": block["n"], "asked": block["invited"]}
    return results


def _survey_trend_display(trend: list[dict[str, Any]]) -> list[dict[str, Any]]:
    too_few = _("too few")
    for block in trend:
        block["display"] = [_survey_text(item, too_few) for item in block["items"]]
        block["response_text"] = _survey_text(block["response"], too_few)
    return trend


@login_required
def case_list(request: UserRequest) -> HttpResponse:
    """The cases behind one number of the figures page (or a flag), as far as the viewer may open them."""
    region, period, start, end = _region_and_period(request)
    what = request.GET.get("what", "")
    if what not in cases_mod.SOURCES:
        raise Http404
    if cases_mod.SOURCES[what].kind in cases_mod.PEOPLE_KINDS and not rules.can_list_people(request.user, region):
        raise PermissionDenied(_("Only those who keep the roster of this place may see who is counted."))
    counted = request.GET.get("counted") == "1"
    category = request.GET.get("category", "")[:40]
    ind = selectors.indicator(what)
    title = ind.label if ind is not None else cases_mod.SOURCES[what].label
    result = cases_mod.cases(
        what=what,
        region=region,
        start=start,
        end=end,
        user=request.user,
        counted=counted,
        category=category,
        quarter=selectors.survey_quarter(period),
    )
    return render(
        request,
        "insights/cases.html",
        {"region": region, "period": period, "title": title, "counted": counted, "what": what, **result},
    )


def _report_rows(region: Region, period: str, start: dt.datetime, end: dt.datetime) -> dict[str, Any]:
    table = _table(region, period, start, end, "")
    flags = cases_mod.flags(region=region, start=start, end=end)
    survey = _survey_display(selectors.survey_results(region=region, quarter=selectors.survey_quarter(period)))
    month = timezone.localtime(min(end - dt.timedelta(seconds=1), timezone.now())).date().replace(day=1)
    problem = selectors.month_problem(region=region, month=month)
    if problem is not None:
        problem["text"] = percent(problem["resolution"])
    return {"table": table, "flags": flags, "survey": survey, "problem": problem}


@login_required
@on_replica
def export(request: UserRequest) -> HttpResponse:
    """The county's one table as an XLSX file: the figures (n and N in their own columns), then the flags."""
    region, period, start, end = _region_and_period(request)
    data = _report_rows(region, period, start, end)
    table = data["table"]
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
                value = (
                    round(c["value"] * 100, 1) if c["value"] is not None else (_("too few") if c["too_few"] else None)
                )
                out += [value, c["num"], c["den"]]
        return out

    rows: list[list[object]] = []
    for row in table["rows"]:
        name = row["region"].name if row["region"] is not None else row["key"]
        if row["own"]:
            name = _("%(name)s (own)") % {"name": name}
        rows.append([name, row["region"].code if row["region"] is not None else row["key"], *cells(row["cells"])])
    rows.append([_("Total"), region.code, *cells(table["total"])])
    if data["flags"]:
        rows.append([])
        rows.append([_("Surface-use flags (questions to look at, not scores)")])
        for village in data["flags"]:
            for flag in village["flags"]:
                count = f"{flag['n']}/{flag['den']}" if flag["den"] else str(flag["n"])
                rows.append([village["village"].name, village["village"].code, str(flag["label"]), count])
    survey = data["survey"]
    rows.append([])
    rows.append(
        [
            _("The villagers' own verdict") + f" {survey['quarter']}",
            pgettext("survey", "Answers"),
            *map(str, survey["questions"]),
            # Everyone asked and the response rate over them, as on the page (n of N asked).
            pgettext("survey", "Asked"),
            pgettext("survey", "Answered (%)"),
        ]
    )
    for block in [*survey["rows"], survey["total"]]:
        name = block["region"].name if "region" in block else _("Total")
        rows.append([name, block["n"], *block["display"], block["invited"], block["response_text"]])
    if data["problem"] is not None:
        p = data["problem"]
        rows.append([])
        rows.append(
            [
                _("Problem of the month"),
                f"{p['category']} · {p['place'].name if p['place'] else p['problem'].place_code}",
                p["text"],
                p["resolution"]["num"],
                p["resolution"]["den"],
            ]
        )
    content = xlsx_response_bytes(header, rows, sheet_title=f"{region.code} {period}")
    response = HttpResponse(content, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    response["Content-Disposition"] = f'attachment; filename="figures-{region.code}-{period}.xlsx"'
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
@on_replica
def export_pdf(request: UserRequest) -> HttpResponse:
    """The same one table as a printable A4 PDF (WeasyPrint), with each indicator's 12-month line."""
    from weasyprint import HTML

    region, period, start, end = _region_and_period(request)
    data = _report_rows(region, period, start, end)
    html = render_to_string(
        "insights/report.html",
        {
            "region": region,
            "period": period,
            "trends": _trends(region, period, start, end, rules.can_list_people(request.user, region), data["table"]),
            "generated": timezone.localtime(),
            "pdf": True,  # no links to pages in print
            **data,
        },
        request=request,
    )
    pdf = HTML(string=html, base_url=request.build_absolute_uri("/")).write_pdf()
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="figures-{region.code}-{period}.pdf"'
    response["Cache-Control"] = "private, no-store"
    return response


# The four factors of seed 003, each with the existing indicators that describe it and what is not yet measured.
FACTORS = [
    (
        gettext_lazy("Rural environment"),
        gettext_lazy("Can villagers be reached and take part: channels that work, people who can use them."),
        ["notice_reach"],
        [gettext_lazy("villagers trained to use the platform")],
    ),
    (
        gettext_lazy("Government system"),
        gettext_lazy(
            "Whether the rules let services be done: promised times kept, data reused instead of asked again."
        ),
        ["applications_on_time"],
        [gettext_lazy("items on the conditional-acceptance list"), gettext_lazy("data reused instead of asked again")],
    ),
    (
        gettext_lazy("Government governance"),
        gettext_lazy("How the offices and village committees answer, decide and disclose."),
        ["concerns_response", "concerns_resolution", "disclosure_on_time"],
        [],
    ),
    (
        gettext_lazy("Social organisation"),
        gettext_lazy("How far villagers organise and take part themselves."),
        ["consultation_participants", "consultation_adoption", "points_taking_part"],
        [gettext_lazy("organisations, activities and volunteer hours")],
    ),
    (
        gettext_lazy("Effect"),
        gettext_lazy("What villagers themselves say of the result."),
        ["concerns_satisfaction"],
        [],  # the villagers' quarterly survey is shown below the effect's figures
    ),
]


@login_required
def factors(request: UserRequest) -> HttpResponse:
    """The four-factor view of a region: existing indicators grouped, no composite score."""
    region, period, start, end = _region_and_period(request)
    by_key = {t["ind"].key: t for t in _trends(region, period, start, end, rules.can_list_people(request.user, region))}
    groups = [
        {
            "title": title,
            "about": about,
            "trends": [by_key[k] for k in keys if k in by_key],
            "missing": pgettext("list separator", "; ").join(str(m) for m in missing),
        }
        for title, about, keys, missing in FACTORS
    ]
    survey = _survey_display(selectors.survey_results(region=region, quarter=selectors.survey_quarter(period)))
    return render(
        request, "insights/factors.html", {"region": region, "period": period, "factors": groups, "survey": survey}
    )


@login_required
@on_replica
def points_by_item(request: UserRequest) -> HttpResponse:
    """Points by catalogue item for a region and period (issue 16): entries counted, points, households; the
    households of the region beside it. Who may see it and how region and period are chosen: as the figures."""
    region, period, start, end = _region_and_period(request)
    # Whoever sees a region sees everything under it (rules.can_view_figures): its children need no check.
    children = list(Region.objects.filter(parent=region).exclude(level="group").only("code", "name").order_by("code"))
    return render(
        request,
        "insights/points_by_item.html",
        {
            "region": region,
            "period": period,
            "periods": periods.recent_labels(),
            "ancestors": [r for r in region_ancestors(region) if rules.can_view_figures(request.user, r)],
            "children": children,
            **selectors.points_by_item(region=region, start=start, end=end),
        },
    )


# ------------------------------------------------------------------------------ the villagers' survey


def survey_form_scores(data: Any) -> list[int | None]:
    """The seven answers of the form: "1".."5", or empty for a question left out."""
    out: list[int | None] = []
    for i in range(len(SURVEY_QUESTIONS)):
        raw = str(data.get(f"q{i + 1}", "")).strip()
        if raw == "":
            out.append(None)
        elif raw in {"1", "2", "3", "4", "5"}:
            out.append(int(raw))
        else:
            raise ValidationError(_("Each answer is a number from 1 to 5."))
    return out


@login_required
@require_http_methods(["GET", "POST"])
def survey(request: UserRequest) -> HttpResponse:
    """The quarterly survey for a villager drawn by lot: seven questions, one answer per quarter, anonymous."""
    quarter = periods.current_quarter()
    villager = rules.survey_villager(request.user)
    invite = services.survey_invite_open(villager=villager, quarter=quarter) if villager is not None else None
    if request.method == "POST":
        if invite is None:
            messages.error(request, _("There is no survey for you to answer this quarter."))
            return HttpResponseRedirect(reverse("insights:survey"))
        try:
            services.survey_answer(
                invite=invite, scores=survey_form_scores(request.POST), channel=SurveyChannel.WEB, actor=request.user
            )
        except ValidationError as exc:
            refusal_messages(request, exc)
            return HttpResponseRedirect(reverse("insights:survey"))
        messages.success(request, _("Thank you: your answer is counted, without your name."))
        return HttpResponseRedirect(reverse("insights:survey"))
    return render(
        request,
        "insights/survey.html",
        {
            "quarter": quarter,
            "invite": invite,
            "questions": list(enumerate(SURVEY_QUESTIONS, start=1)),
            "scale": [
                (1, _("Not at all")),
                (2, _("A little")),
                (3, _("Partly")),
                (4, _("Mostly")),
                (5, _("Fully")),
            ],
        },
    )


@login_required
@on_replica
def survey_results(request: UserRequest) -> HttpResponse:
    """The survey's results for a region: per place the answers of everyone asked (the response rate with its
    n), each question's share agreeing, the region's trend over the last quarters, and (for the roster's
    keepers) who was asked, and one reminder to those who have not answered."""
    region, period, _start, _end = _region_and_period(request)
    quarter = selectors.survey_quarter(period)
    results = _survey_display(selectors.survey_results(region=region, quarter=quarter))
    trend = _survey_trend_display(
        selectors.survey_trend(region=region, quarter=quarter, quarters=selectors.SURVEY_TREND_QUARTERS)
    )
    people_ok = rules.can_list_people(request.user, region)
    return render(
        request,
        "insights/survey_results.html",
        {
            "region": region,
            "period": period,
            "survey": results,
            "trend": trend,
            "people_link": cases_link("survey_asked", region.code, quarter) if people_ok else "",
            "answered_link": cases_link("survey_asked", region.code, quarter, counted=True) if people_ok else "",
            # Reminders go out for the running quarter only: a past quarter's survey is closed.
            "can_remind": rules.can_remind_survey(request.user, region) and quarter == periods.current_quarter(),
            "waiting": results["waiting"],
        },
    )


@login_required
@require_http_methods(["POST"])
def survey_remind(request: UserRequest) -> HttpResponse:
    """Send the one reminder to those drawn this quarter in a region who have not answered and were not yet
    reminded (the periodic job does the same after INSIGHTS_SURVEY_REMIND_DAYS)."""
    code = request.POST.get("region", "")[:20]
    region = Region.objects.filter(code=code).exclude(level="group").first()
    if region is None or not rules.can_view_figures(request.user, region):
        raise Http404
    if not rules.can_remind_survey(request.user, region):
        raise PermissionDenied(_("Only those who keep the roster of this place may remind its villagers."))
    n = services.survey_remind(quarter=periods.current_quarter(), region=region, actor=request.user)
    if n:
        messages.success(
            request,
            ngettext(
                "%(n)s person who had not answered was reminded, once.",
                "%(n)s people who had not answered were reminded, once.",
                n,
            )
            % {"n": n},
        )
    else:
        messages.info(request, _("Nobody to remind: everyone asked has answered or was reminded already."))
    return HttpResponseRedirect(reverse("insights:survey_results") + "?" + urlencode({"region": region.code}))


# ------------------------------------------------------------------------------ problem of the month


@login_required
@require_http_methods(["GET", "POST"])
def problem(request: UserRequest) -> HttpResponse:
    """The concern categories and places that grew most in a month, with their cases; the county picks one."""
    region, _period, _start, _end = _region_and_period(request)
    label = request.GET.get("month", "")[:7]
    try:
        month = selectors.month_start(label) if label else timezone.localdate().replace(day=1)
        if not FIRST_YEAR <= month.year <= timezone.localdate().year + 1:
            raise ValueError(label)
    except ValueError:
        messages.error(request, _("Choose a month as YYYY-MM, e.g. 2026-06."))
        month = timezone.localdate().replace(day=1)
    can_pick = rules.can_pick_problem(request.user, region)
    candidates = selectors.problem_candidates(region=region, month=month)
    if request.method == "POST":
        if not can_pick:
            raise PermissionDenied
        chosen = request.POST.get("choice", "")
        match = next((c for c in candidates if f"{c['category']}@{c['place']}" == chosen), None)
        target = reverse("insights:problem") + "?" + urlencode({"region": region.code, "month": f"{month:%Y-%m}"})
        if match is None:
            messages.error(request, _("Choose one of the listed categories and places."))
            return HttpResponseRedirect(target)
        services.problem_pick(
            actor=request.user,
            region=region,
            month=month,
            category_code=match["category"],
            place_code=match["place"],
            note=request.POST.get("note", ""),
        )
        messages.success(request, _("The problem of the month is chosen; the figures page follows its concerns."))
        return HttpResponseRedirect(target)
    month_label = f"{month:%Y-%m}"
    for c in candidates:
        c["link"] = cases_link("problem", c["place"], month_label) + "&" + urlencode({"category": c["category"]})
        c["key"] = f"{c['category']}@{c['place']}"
    current = selectors.month_problem(region=region, month=month)
    return render(
        request,
        "insights/problem.html",
        {
            "region": region,
            "month": month_label,
            "candidates": candidates,
            "can_pick": can_pick,
            "current": current,
        },
    )
