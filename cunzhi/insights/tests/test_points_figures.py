"""Points in the figures (issue 16): objections and their outcome as indicators with their cases, and points by
item (page and API), on points' hand-built story (cunzhi/points/tests/conftest.py: every number counted by hand)."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from cunzhi.api.services import token_issue
from cunzhi.core import periods
from cunzhi.insights import selectors
from cunzhi.insights.models import MonthRollup, Rollup
from cunzhi.insights.services import rollup_range
from cunzhi.people.tests.factories import HouseholdFactory
from cunzhi.points.models import Adoption, Entry, Item
from cunzhi.points.tests.conftest import JUNE, Q2, pw, story  # noqa: F401  (fixtures)
from cunzhi.regions.models import Level, Region

URL = "/api/v1/insights/points/by-item"


@pytest.fixture
def rolled(story):  # noqa: F811
    """The story with its finished days rolled up, as the nightly job would have (the clock is on 24 June)."""
    rollup_range(dt.date(2026, 4, 1), dt.date(2026, 6, 30))


def _cell(table, key, code=None):
    col = [i.key for i in table["columns"]].index(key)
    if code is None:
        return table["total"][col]
    return next(r for r in table["rows"] if r["region"] is not None and r["region"].code == code)["cells"][col]


def test_objections_upheld_and_raised_in_the_figures_table(world, rolled):
    june = selectors.figures(region=world.township_t, **JUNE)
    upheld = _cell(june, "points_objections_upheld", world.village_a.code)
    assert (upheld["num"], upheld["den"], upheld["too_few"]) == (1, 2, True)  # one upheld of two decided in June
    assert _cell(june, "points_objections_raised", world.village_a.code)["num"] == 3
    quarter = selectors.figures(region=world.county, **Q2)
    assert (_cell(quarter, "points_objections_upheld")["num"], _cell(quarter, "points_objections_upheld")["den"]) == (
        1,
        3,
    )
    assert _cell(quarter, "points_objections_raised")["num"] == 4
    b = _cell(quarter, "points_objections_upheld", world.township_u.code)
    assert (b["num"], b["den"], b["value"]) == (0, 0, None)  # nothing decided: a dash, not 0 %


def test_objections_are_not_ranked(world, rolled, login):
    page = login(world.township_staff).get(
        reverse("insights:index"),
        {"region": world.township_t.code, "period": "2026-06", "sort": "points_objections_upheld"},
    )
    assert page.status_code == 200 and page.context["sort"] == ""
    html = page.content.decode()
    assert "Objections upheld" in html and 'sort=points_objections_upheld" title=' not in html  # no rank link
    assert 'sort=concerns_response" title=' in html  # outcomes with a better direction still have one


def test_objections_drill_through_to_the_entries_for_the_boards_readers(world, rolled, login, other_office_staff):
    query = {"what": "points_objections_upheld", "region": world.village_a.code, "period": "2026-06"}
    page = login(world.township_staff).get(reverse("insights:cases"), query)  # the township's points office
    assert page.status_code == 200 and (page.context["total"], page.context["hidden"]) == (2, 0)
    assert {r["status"] for r in page.context["rows"]} == {
        "Upheld: the points do not count",
        "Dismissed: the points count",
    }
    counted = login(world.cadre_a).get(reverse("insights:cases"), {**query, "counted": "1"})
    (row,) = counted.context["rows"]
    assert row["title"] == "鹤鹿溪村 · 参加环境整治" and row["url"].startswith("/points/e/")
    assert login(world.cadre_a).get(row["url"]).status_code == 200
    html = page.content.decode() + counted.content.decode()
    assert "张三" not in html and "王五" not in html and "张*" not in html and "王*" not in html  # no one named
    # Another office of the township sees the figure but not the village's board: counted, not listed.
    other = login(other_office_staff).get(reverse("insights:cases"), query)
    assert other.status_code == 200 and (other.context["total"], other.context["hidden"], other.context["rows"]) == (
        2,
        2,
        [],
    )
    raised = login(world.township_staff).get(
        reverse("insights:cases"), {**query, "what": "points_objections_raised", "period": "2026-Q2"}
    )
    assert raised.context["total"] == 4


@pytest.mark.usefixtures("story")
def test_points_by_item_page(world, login):
    response = login(world.township_staff).get(
        reverse("insights:points_by_item"), {"region": world.township_t.code, "period": "2026-06"}
    )
    assert response.status_code == 200
    rows = [(r["title"], r["villages"], r["entries"], r["points"], r["households"]) for r in response.context["rows"]]
    assert rows == [("参加环境整治", 2, 2, 12, 1), ("乱倒垃圾", 1, 1, -5, 1)]
    ctx = response.context
    assert (ctx["with_points"], ctx["households"], ctx["entries"], ctx["earned"], ctx["deducted"]) == (2, 2, 3, 12, -5)
    html = response.content.decode()
    assert "2 of 2 households had points for an item counted in 2026-06" in html and "新村" in html
    assert "张三" not in html and "王五" not in html  # counts only
    village = login(world.cadre_a).get(reverse("insights:points_by_item"), {"period": "2026-Q2"})
    assert village.context["region"] == world.village_a  # a cadre's own village by default
    assert [(r["entries"], r["points"]) for r in village.context["rows"]] == [(3, 18), (1, -5)]
    assert "Villages using it" not in village.content.decode()  # one village: no such column
    chinese = login(world.township_staff).get(
        reverse("insights:points_by_item"),
        {"region": world.township_t.code, "period": "2026-06"},
        HTTP_ACCEPT_LANGUAGE="zh-hans",
    )
    assert (
        "递铺街道分项积分" in chinese.content.decode()
        and "2户中有2户在2026-06有积分项目计入。" in chinese.content.decode()
    )


@pytest.mark.usefixtures("story")
def test_points_by_item_page_is_a_fixed_number_of_queries(world, login):
    client = login(world.township_staff)
    query = {"region": world.township_t.code, "period": "2026-06"}
    client.get(reverse("insights:points_by_item"), query)  # the first request may warm a cache
    with CaptureQueriesContext(connection) as before:
        client.get(reverse("insights:points_by_item"), query)
    counted_at = timezone.make_aware(dt.datetime(2026, 6, 10))
    for i in range(6):
        village = Region.objects.create(
            code=f"3305231003{i:02d}", name=f"村{i}", level=Level.VILLAGE, parent=world.township_t
        )
        item = Item.objects.create(
            township=world.township_t, title=f"项目{i}", points=2, min_points=1, max_points=3, sign="positive"
        )
        adoption = Adoption.objects.create(village=village, item=item, points=2)
        house = HouseholdFactory(village=village, number=f"N{i}")
        Entry.objects.create(
            village=village,
            household=house,
            adoption=adoption,
            points=2,
            year=2026,
            occurred_on=counted_at.date(),
            status="counted",
            counted_at=counted_at,
        )
    with CaptureQueriesContext(connection) as after:
        response = client.get(reverse("insights:points_by_item"), query)
    assert len(response.context["rows"]) == 8 and response.context["households"] == 8
    assert len(after) == len(before) <= 8  # session, user, roles, the region, children, the two figure queries


@pytest.mark.parametrize(
    "who,region,status",
    [
        ("township_staff", "township_t", 200),
        ("other_office_staff", "township_t", 200),  # the figures' rule: any staff of the place sees counts
        ("cadre_a", "village_a", 200),
        ("county_admin", "village_b", 200),
        ("villager_a", "village_a", 404),  # no staff role: no figures
        ("villager_b", "village_b", 404),
        ("other_township_staff", "township_t", 404),
        ("township_staff", "county", 404),  # above them
        ("cadre_a", "village_b", 404),
    ],
)
def test_who_may_see_points_by_item(world, login, request, who, region, status):
    user = request.getfixturevalue(who) if who == "other_office_staff" else getattr(world, who)
    code = getattr(world, region).code
    assert login(user).get(reverse("insights:points_by_item"), {"region": code}).status_code == status


def test_points_by_item_refuses_the_anonymous_and_bad_input(world, client, login):
    url = reverse("insights:points_by_item")
    assert client.get(url, {"region": world.township_t.code}).status_code == 302  # to the login page
    assert login(world.villager_a).get(url).status_code == 403  # no staff role, no region of their own
    staff = login(world.township_staff)
    assert staff.get(url, {"region": "999999999999"}).status_code == 404
    assert staff.get(url, {"region": "x' or 1=1"}).status_code == 404
    bad = staff.get(url, {"region": world.township_t.code, "period": "2026-Q9"})
    assert bad.status_code == 200 and bad.context["period"] == periods.current_quarter()
    assert "A period is a year" in bad.content.decode()
    assert "Figures start in 2000" in staff.get(url, {"period": "1926"}).content.decode()


@pytest.mark.usefixtures("story")
def test_points_by_item_api(world, client):
    assert client.get(URL, {"region": world.township_t.code}).status_code == 401
    key, _t = token_issue(user=world.township_staff, name="test")
    auth = {"HTTP_AUTHORIZATION": f"Bearer {key}"}
    data = client.get(URL, {"region": world.township_t.code, "period": "2026-06"}, **auth).json()
    assert (data["region"], data["period"], data["households"], data["households_with_points"]) == (
        world.township_t.code,
        "2026-06",
        2,
        2,
    )
    assert [
        (i["title"], i["sign"], i["villages"], i["entries"], i["points"], i["households"]) for i in data["items"]
    ] == [
        ("参加环境整治", "positive", 2, 2, 12, 1),
        ("乱倒垃圾", "negative", 1, 1, -5, 1),
    ]
    assert "张三" not in str(data) and "王五" not in str(data)
    bad = client.get(URL, {"region": world.township_t.code, "period": "2026-Q9"}, **auth)
    assert bad.status_code == 422 and bad.json()["code"] == "bad_period" and "2026-Q4" in bad.json()["detail"]
    unknown = client.get(URL, {"region": "999999999999"}, **auth)
    assert unknown.status_code == 404 and unknown.json()["code"] == "not_found" and unknown.json()["detail"]
    assert client.get(URL, **auth).status_code == 422  # no region
    assert client.get(URL, {"region": world.township_u.code}, **auth).status_code == 404
    key_b, _t = token_issue(user=world.villager_b, name="test")
    assert client.get(URL, {"region": world.village_b.code}, HTTP_AUTHORIZATION=f"Bearer {key_b}").status_code == 404


@pytest.mark.usefixtures("story")
def test_points_by_item_is_linked_from_the_figures_and_the_points_pages(world, login):
    link = reverse("insights:points_by_item")
    figures = login(world.township_staff).get(reverse("insights:index"), {"region": world.township_t.code})
    assert link in figures.content.decode()
    catalogue = login(world.township_staff).get(reverse("points:township", args=[world.township_t.code]))
    assert f"{link}?region={world.township_t.code}" in catalogue.content.decode()
    board = reverse("points:board", args=[world.village_a.code])
    assert f"{link}?region={world.village_a.code}" in login(world.cadre_a).get(board).content.decode()
    assert link not in login(world.villager_a).get(board).content.decode()  # a villager sees no figures


def test_households_earning_points_is_a_sum_of_stored_first_times_equal_to_a_direct_count(world, rolled):
    """A distinct count (households) over a month, quarter or year is the sum of stored rows: per day, those
    counted for the first time in the day's period, plus the running day's newcomers. 张三's household was
    first counted on 30 May and again today (24 June, the running day): once in Q2 and in the year, once in
    May and once in June (hand count)."""
    ind = selectors.indicator("points_taking_part")
    hand = {"2026-05": 1, "2026-06": 1, "2026-04": 0, "2026-Q2": 1, "2026": 1}
    for label, n in hand.items():
        start, end = periods.label_bounds(label)
        for region in (world.county, world.township_t, world.village_a):
            total = selectors.totals(region=region, start=start, end=end)["points_taking_part"]
            direct = ind.compute(prefix=region.prefix, length=len(region.prefix), start=start, end=end)
            assert (total["num"], total["den"]) == tuple(map(sum, zip(*direct.values()))), (label, region.code)
            assert total["num"] == n, (label, region.code)
    # The stored rows: one household first counted on 30 May in its month, its quarter and its year.
    assert sorted(
        Rollup.objects.filter(indicator__startswith="points_taking_part@").values_list("indicator", "day")
    ) == [
        ("points_taking_part@m", dt.date(2026, 5, 30)),
        ("points_taking_part@q", dt.date(2026, 5, 30)),
        ("points_taking_part@y", dt.date(2026, 5, 30)),
    ]
    county = MonthRollup.objects.filter(
        depth=6, region_code=world.county.prefix, indicator="points_taking_part@q", months=1
    )
    assert list(county.values_list("month", "numerator")) == [(dt.date(2026, 5, 1), 1)]
    # Its monthly line: May 1, June 1 (today's newcomer), April none; N = every household of the village, as
    # the roll-up stored it for each month.
    line = selectors.monthly_series(region=world.village_a, last_month=dt.date(2026, 6, 24), months=3)
    households = ind.compute(prefix=world.village_a.prefix, length=12, **JUNE)[world.village_a.code][1]
    points = [(p["num"], p["den"]) for p in line["points_taking_part"]]
    assert points == [(0, households), (1, households), (1, households)]


def test_the_running_months_newcomers_come_with_the_table_and_equal_a_line_counted_alone(world, rolled):
    """The running quarter's table counts today's newcomers of the quarter and of the running month in one query
    (selectors._first_today); the monthly line reads the month's from the table's running day. 张三's household,
    counted on 30 May and again today (24 June), is new in June but not in Q2. The line is the same as when it
    counts today's newcomers itself."""
    start, end = periods.label_bounds("2026-Q2")
    table = selectors.figures(region=world.county, start=start, end=end)
    assert table["total"][[c.key for c in table["columns"]].index("points_taking_part")]["num"] == 1
    assert table["running_day"]["points_taking_part@m"] == (1, None)
    shared = selectors.monthly_series(
        region=world.county, last_month=dt.date(2026, 6, 24), months=3, running_day=table["running_day"]
    )
    alone = selectors.monthly_series(region=world.county, last_month=dt.date(2026, 6, 24), months=3)
    assert shared == alone
    assert [p["num"] for p in alone["points_taking_part"]] == [0, 1, 1]
