"""Figures for other software (a county's own dashboard, a province's roll-up)."""

from typing import Any

from django.core.exceptions import ValidationError
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema, Status

from cunzhi.core import periods
from cunzhi.core.apikit.errors import OBJECT_ERRORS, ApiError, ErrorOut, ValidationErrorOut
from cunzhi.insights import cases, rules, selectors, services
from cunzhi.insights.models import SURVEY_QUESTIONS, SurveyChannel
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


class PointsItemRow(Schema):
    item: str  # the catalogue item's public id
    title: str
    sign: str  # "positive" (earns) or "negative" (deducts)
    villages: int  # villages of the region using it now
    entries: int  # its entries counted in the period
    points: int  # their points, signed (a deduction item's are negative)
    households: int  # distinct households they went to


class PointsByItemOut(Schema):
    region: str
    period: str
    start: str
    end: str
    households: int  # all households of the region: the n
    households_with_points: int  # of them, those with an item's points counted in the period
    items: list[PointsItemRow]


@router.get("/insights/points/by-item", response={200: PointsByItemOut, **OBJECT_ERRORS})
def points_by_item(request: UserRequest, query: Query[FiguresIn]) -> dict[str, object]:
    """Points by catalogue item for a region (county, township or village) in a period: per item the entries
    counted, their points and the households they went to, beside all households of the region. Counts only,
    never a household's name. Who may ask, and the periods: as insights/figures."""
    region, period, start, end = _region_period(query, request.user)
    data = selectors.points_by_item(region=region, start=start, end=end)
    return {
        "region": region.code,
        "period": period,
        "start": start.isoformat(),
        "end": end.isoformat(),
        "households": data["households"],
        "households_with_points": data["with_points"],
        "items": data["rows"],
    }


WRITE_ERRORS = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ValidationErrorOut}


class SurveyBlock(Schema):
    code: str
    name: str
    answers: int
    invited: int  # everyone asked, account or not: the denominator of the response rate
    # answers / invited; null (with response_too_few) when fewer than 5 were asked
    response_rate: float | None = None
    response_too_few: bool = False
    reminded: int = 0  # asked who had not answered and got the one reminder
    too_few: bool  # fewer than 10 answers: shares are null, so nobody's answer can be told apart
    agree: list[float | None]  # per question, the share answering 4 or 5 of those who answered it
    answered: list[int | None]  # per question, how many answered it (null when too few)


class SurveyQuarter(Schema):
    quarter: str
    answers: int
    invited: int
    response_rate: float | None
    response_too_few: bool
    too_few: bool
    agree: list[float | None]  # null: too few answers overall (under 10) or to this question (under 5)
    answered: list[int | None]


class SurveyOut(Schema):
    region: str
    quarter: str
    questions: list[str]
    minimum: int
    rows: list[SurveyBlock]
    total: SurveyBlock
    trend: list[SurveyQuarter] = []  # the region as a whole, the last quarters, oldest first


def _block(code: str, name: str, b: dict[str, Any]) -> SurveyBlock:
    return SurveyBlock(
        code=code,
        name=name,
        answers=b["n"],
        invited=b["invited"],
        response_rate=b["response"]["value"],
        response_too_few=b["response"]["too_few"],
        reminded=b["reminded"],
        too_few=b["too_few"],
        agree=[i["value"] for i in b["items"]],
        answered=[None if b["too_few"] else i["den"] for i in b["items"]],
    )


def _quarter(b: dict[str, Any]) -> SurveyQuarter:
    return SurveyQuarter(
        quarter=b["quarter"],
        answers=b["n"],
        invited=b["invited"],
        response_rate=b["response"]["value"],
        response_too_few=b["response"]["too_few"],
        too_few=b["too_few"],
        agree=[i["value"] for i in b["items"]],
        answered=[None if b["too_few"] else i["den"] for i in b["items"]],
    )


@router.get("/insights/survey", response={200: SurveyOut, **OBJECT_ERRORS})
def survey_results(request: UserRequest, query: Query[FiguresIn]) -> SurveyOut:
    """The villagers' own verdict: the quarter's survey (of the period: a month's quarter, a year's last)
    per child region, each question's share agreeing, null where fewer than 10 answered; the response rate
    over everyone asked; and the region's trend over the last four quarters."""
    region, period, _start, _end = _region_period(query, request.user)
    quarter = selectors.survey_quarter(period)
    r = selectors.survey_results(region=region, quarter=quarter)
    trend = selectors.survey_trend(region=region, quarter=quarter, quarters=selectors.SURVEY_TREND_QUARTERS)
    return SurveyOut(
        region=region.code,
        quarter=r["quarter"],
        questions=[str(q) for q in r["questions"]],
        minimum=r["min"],
        rows=[_block(row["region"].code, row["region"].name, row) for row in r["rows"]],
        total=_block(region.code, region.name, r["total"]),
        trend=[_quarter(b) for b in trend],
    )


class SurveyRemindIn(Schema):
    region: str


@router.post("/insights/survey/remind", response={201: dict, **WRITE_ERRORS})
def survey_remind(request: UserRequest, payload: SurveyRemindIn) -> Status:
    """Remind, once, those drawn for this quarter's survey in the region who have not answered (the roster's
    keepers: village cadres, the Party secretary, the county administrator). Nobody is reminded twice; a
    second call reminds nobody and says so (reminded: 0)."""
    region = Region.objects.filter(code=payload.region).exclude(level="group").first()
    if region is None or not rules.can_view_figures(request.user, region):
        raise Http404
    if not rules.can_remind_survey(request.user, region):
        raise ApiError(403, _("Only those who keep the roster of this place may remind its villagers."), "forbidden")
    quarter = periods.current_quarter()
    n = services.survey_remind(quarter=quarter, region=region, actor=request.user)
    return Status(201, {"quarter": quarter, "reminded": n})


class CaseIn(Schema):
    what: str
    region: str
    period: str = ""
    counted: bool = False
    category: str = ""


class CaseRow(Schema):
    title: str
    ref: str
    url: str
    status: str
    when: str | None


class CasesOut(Schema):
    what: str
    region: str
    period: str
    total: int  # every case (or person) the figure counts, whether the caller may open it or not
    hidden: int  # of them, those the caller may not open (counted, not listed)
    more: int  # openable but beyond the list's limit
    rows: list[CaseRow]


@router.get("/insights/cases", response={200: CasesOut, 403: ErrorOut, **OBJECT_ERRORS})
def case_list(request: UserRequest, query: Query[CaseIn]) -> CasesOut:
    """The cases behind a figure or a flag (`what`: an indicator key, a flag, `survey_asked`), as far as the
    caller may open them; `counted` narrows to the numerator. Lists of people (volunteers, households taking
    part, those asked in the survey) only for the roster's keepers, names masked."""
    if query.what not in cases.SOURCES:
        raise ApiError(422, _("No such figure."), code="invalid")
    region, period, start, end = _region_period(FiguresIn(region=query.region, period=query.period), request.user)
    if cases.SOURCES[query.what].kind in cases.PEOPLE_KINDS and not rules.can_list_people(request.user, region):
        raise ApiError(403, _("Only those who keep the roster of this place may see who is counted."), "forbidden")
    result = cases.cases(
        what=query.what,
        region=region,
        start=start,
        end=end,
        user=request.user,
        counted=query.counted,
        category=query.category[:40],
        quarter=selectors.survey_quarter(period),
    )
    return CasesOut(
        what=query.what,
        region=region.code,
        period=period,
        total=result["total"],
        hidden=result["hidden"],
        more=result["more"],
        rows=[
            CaseRow(
                title=str(r["title"]),
                ref=str(r["ref"]),
                url=r["url"],
                status=str(r["status"]),
                when=r["when"].isoformat() if r.get("when") else None,
            )
            for r in result["rows"]
        ],
    )


class SurveyMineOut(Schema):
    quarter: str
    open: bool  # drawn this quarter and not yet answered
    questions: list[str]


class SurveyAnswerIn(Schema):
    scores: list[int | None]  # seven answers 1–5 in the order of the questions; null leaves one out


@router.get("/insights/survey/mine", response={200: SurveyMineOut, 401: ErrorOut})
def survey_mine(request: UserRequest) -> SurveyMineOut:
    """Whether the caller was drawn for this quarter's survey and may still answer it."""
    quarter = periods.current_quarter()
    villager = rules.survey_villager(request.user)
    invite = services.survey_invite_open(villager=villager, quarter=quarter) if villager is not None else None
    return SurveyMineOut(quarter=quarter, open=invite is not None, questions=[str(q) for q in SURVEY_QUESTIONS])


@router.post("/insights/survey/answer", response={201: dict, **WRITE_ERRORS})
def survey_answer(request: UserRequest, payload: SurveyAnswerIn) -> Status:
    """Answer this quarter's survey (once; anonymous in results). Only a villager drawn by lot may answer."""
    quarter = periods.current_quarter()
    villager = rules.survey_villager(request.user)
    invite = services.survey_invite_open(villager=villager, quarter=quarter) if villager is not None else None
    if invite is None:
        raise ApiError(403, _("There is no survey for you to answer this quarter."), "forbidden")
    try:
        services.survey_answer(invite=invite, scores=payload.scores, channel=SurveyChannel.WEB, actor=request.user)
    except ValidationError as exc:
        raise ApiError(422, exc.messages[0], "invalid") from None
    return Status(201, {"quarter": quarter})


class ProblemCandidate(Schema):
    category: str
    category_name: str
    place: str
    place_name: str
    now: int
    before: int
    growth: int


class ProblemOut(Schema):
    region: str
    month: str
    candidates: list[ProblemCandidate]
    chosen_category: str | None
    chosen_place: str | None
    resolved: int | None
    dispatched: int | None


class ProblemIn(Schema):
    region: str
    month: str = ""


class ProblemPickIn(Schema):
    region: str
    month: str
    category: str
    place: str
    note: str = ""


def _problem_scope(region_code: str, month_label: str, user: Any) -> tuple[Region, Any]:
    region = Region.objects.filter(code=region_code).exclude(level="group").first()
    if region is None or not rules.can_view_figures(user, region):
        raise Http404
    try:
        month = selectors.month_start(month_label) if month_label else timezone.localdate().replace(day=1)
        if not 2000 <= month.year <= timezone.localdate().year + 1:
            raise ValueError(month_label)
    except ValueError:
        raise ApiError(422, _("Choose a month as YYYY-MM, e.g. 2026-06."), "bad_period") from None
    return region, month


@router.get("/insights/problem", response={200: ProblemOut, **OBJECT_ERRORS})
def problem(request: UserRequest, query: Query[ProblemIn]) -> ProblemOut:
    """Problem of the month: the categories and places that grew most against the month before, and the
    problem chosen for the month with its concerns resolved so far (n of N)."""
    region, month = _problem_scope(query.region, query.month, request.user)
    current = selectors.month_problem(region=region, month=month)
    return ProblemOut(
        region=region.code,
        month=f"{month:%Y-%m}",
        candidates=[
            ProblemCandidate(
                category=c["category"],
                category_name=c["category_name"],
                place=c["place"],
                place_name=c["region"].name,
                now=c["now"],
                before=c["before"],
                growth=c["growth"],
            )
            for c in selectors.problem_candidates(region=region, month=month)
        ],
        chosen_category=current["problem"].category_code if current else None,
        chosen_place=current["problem"].place_code if current else None,
        resolved=current["resolution"]["num"] if current else None,
        dispatched=current["dispatched"] if current else None,
    )


@router.post("/insights/problem", response={201: dict, **WRITE_ERRORS})
def problem_pick(request: UserRequest, payload: ProblemPickIn) -> Status:
    """The county picks one of the month's candidates (a category in a place) as the problem of the month."""
    region, month = _problem_scope(payload.region, payload.month, request.user)
    if not rules.can_pick_problem(request.user, region):
        raise ApiError(403, _("The county chooses the problem of the month."), "forbidden")
    candidates = selectors.problem_candidates(region=region, month=month)
    if not any(c["category"] == payload.category and c["place"] == payload.place for c in candidates):
        raise ApiError(422, _("Choose one of the listed categories and places."), "invalid")
    services.problem_pick(
        actor=request.user,
        region=region,
        month=month,
        category_code=payload.category,
        place_code=payload.place,
        note=payload.note,
    )
    return Status(201, {"month": f"{month:%Y-%m}", "category": payload.category, "place": payload.place})
