"""Stored daily roll-ups: equal to a direct count after any day is recomputed, idempotent, summed (never
averaged) over days and villages; the "too few" rule; trends, flags, drill-through and their permissions."""

import datetime as dt
import importlib
import io

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from cunzhi.core import periods
from cunzhi.insights import cases, selectors, services
from cunzhi.insights.models import MonthRollup, Rollup
from cunzhi.insights.registry import indicators
from cunzhi.insights.stored import stored as read_stored
from cunzhi.insights.trends import shifted
from cunzhi.notify.models import Channel, Delivery, Notice
from cunzhi.notify.services import notice_send
from cunzhi.people.tests.factories import UserFactory, VillagerFactory

DAY1 = dt.date(2026, 5, 10)  # the clock fixture stands at 2026-06-16
DAY2 = dt.date(2026, 5, 20)
TODAY = dt.date(2026, 6, 16)


@pytest.fixture
def notices(world, settings, clock):
    """Village A: on DAY1 a notice to 6 people, 4 reached; on DAY2 one to 6 people, 1 reached (a flag:
    80 % or more never reached). Village B: on DAY1 a notice to 2 people, 1 reached (too few for a rate)."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    people = [VillagerFactory(village=world.village_a, user=UserFactory()).user for _i in range(6)]

    def send(region, users, reached, day):
        at = timezone.make_aware(dt.datetime.combine(day, dt.time(10)))
        n = notice_send(kind="direct", region_code=region.code, users=users, subject={"en": f"N {day}"}, now=at)
        for u in users[:reached]:
            Delivery.objects.filter(notice=n, channel=Channel.INBOX, recipient=u).update(read_at=at)
        Notice.objects.filter(pk=n.pk).update(created_at=at)
        return n

    send(world.village_a, people, 4, DAY1)
    send(world.village_a, people, 1, DAY2)
    send(world.village_b, [world.villager_b, UserFactory()], 1, DAY1)


def _direct(ind, region, start, end):
    res = ind.compute(prefix=region.prefix, length=len(region.prefix), start=start, end=end)
    return sum(v[0] for v in res.values()), sum(v[1] or 0 for v in res.values())


def test_rollups_equal_a_direct_count_after_any_day_is_recomputed(world, notices):
    start, end = services.day_bounds(dt.date(2026, 5, 1))[0], services.day_bounds(dt.date(2026, 6, 1))[0]
    services.rollup_range(dt.date(2026, 5, 1), dt.date(2026, 5, 31))
    first = sorted(Rollup.objects.values_list("region_code", "day", "indicator", "numerator", "denominator"))
    for region in (world.county, world.township_t, world.village_a, world.village_b):
        stored = selectors.totals(region=region, start=start, end=end)
        for ind in indicators():
            assert (stored[ind.key]["num"], stored[ind.key]["den"] or 0) == _direct(ind, region, start, end), ind.key
        # The surface-use flags' counts per village, stored per day, add up to the month's direct count.
        may = read_stored(list(cases.FLAGS), prefix=region.prefix, length=12, first=start.date(), stop=end.date())
        for what in cases.FLAGS:
            direct = cases.flag_counts(what, prefix=region.prefix, length=12, start=start, end=end)
            assert may.get(what, {}) == direct, what
        if region == world.county:  # DAY2's notice: 1 of 6 reached
            assert may["flag_unreached"] == {world.village_a.code: (1, None)}
    # Recomputing is idempotent: the same rows, not twice as many.
    services.rollup_range(dt.date(2026, 5, 1), dt.date(2026, 5, 31))
    assert sorted(Rollup.objects.values_list("region_code", "day", "indicator", "numerator", "denominator")) == first
    # A late read on DAY2 changes that day once it is recomputed; the other days are untouched.
    n2 = Notice.objects.get(created_at__date=DAY2)
    Delivery.objects.filter(notice=n2, channel=Channel.INBOX, read_at__isnull=True).update(read_at=timezone.now())
    assert services.rollup_day(DAY2) >= 1
    stored = selectors.totals(region=world.village_a, start=start, end=end)["notice_reach"]
    assert (stored["num"], stored["den"]) == _direct(selectors.indicator("notice_reach"), world.village_a, start, end)
    assert (stored["num"], stored["den"]) == (4 + 6, 12)


def test_quarters_and_years_are_stored_as_the_sums_of_their_months(world, notices):
    """The running quarter's and year's rows (read for a quarter's or a year's figures and flags) equal a direct
    count, follow a day recomputed in them, and are what the migration builds from the months already stored."""
    from django.apps import apps

    migration = importlib.import_module("cunzhi.insights.migrations.0006_month_spans")
    services.rollup_range(dt.date(2026, 4, 1), dt.date(2026, 6, 15))  # the clock stands at 2026-06-16

    def check(label):
        start, end = periods.label_bounds(label)
        for region in (world.county, world.township_t, world.village_a):
            found = selectors.totals(region=region, start=start, end=end)
            for ind in indicators():
                direct = _direct(ind, region, start, end)
                assert (found[ind.key]["num"], found[ind.key]["den"] or 0) == direct, (label, ind.key)
            flags = read_stored(list(cases.FLAGS), prefix=region.prefix, length=12, first=start.date(), stop=TODAY)
            for what in cases.FLAGS:
                direct = cases.flag_counts(what, prefix=region.prefix, length=12, start=start, end=end)
                assert flags.get(what, {}) == direct, (label, what)

    spans = MonthRollup.objects.exclude(months=1)
    assert set(spans.values_list("months", "month").distinct()) == {(3, dt.date(2026, 4, 1)), (12, dt.date(2026, 1, 1))}
    assert not spans.filter(indicator__startswith="population@").exists()  # a head count is not summed
    reach = spans.filter(months=3, depth=12, region_code=world.village_a.code, indicator="notice_reach")
    assert reach.values_list("numerator", "denominator").get() == (4 + 1, 12)
    check("2026-Q2")
    check("2026")
    # A late read on DAY2, recomputed: the quarter and the year follow.
    n2 = Notice.objects.get(created_at__date=DAY2)
    Delivery.objects.filter(notice=n2, channel=Channel.INBOX, read_at__isnull=True).update(read_at=timezone.now())
    services.rollup_day(DAY2)
    assert reach.values_list("numerator", "denominator").get() == (4 + 6, 12)
    check("2026-Q2")
    check("2026")
    # A database rolled up before the spans gets them from its months.
    before = sorted(
        spans.values_list("depth", "months", "month", "region_code", "indicator", "numerator", "denominator")
    )
    spans.delete()
    migration.spans_from_months(apps, None)
    after = sorted(
        spans.values_list("depth", "months", "month", "region_code", "indicator", "numerator", "denominator")
    )
    assert after == before and after


def test_rates_are_sums_of_counts_against_a_hand_count(world, notices):
    services.rollup_range(DAY1, DAY2)
    start, end = services.day_bounds(DAY1)[0], services.day_bounds(DAY2 + dt.timedelta(days=1))[0]
    table = selectors.figures(region=world.township_t, start=start, end=end)
    col = [i.key for i in table["columns"]].index("notice_reach")
    a = next(r for r in table["rows"] if r["region"] == world.village_a)["cells"][col]
    # Hand count: 4 of 6 and 1 of 6 → 5 of 12 = 41.7 %, not the average of 66.7 % and 16.7 %.
    assert (a["num"], a["den"], a["too_few"]) == (5, 12, False) and a["value"] == pytest.approx(5 / 12)
    county = selectors.totals(region=world.county, start=start, end=end)["notice_reach"]
    assert (county["num"], county["den"]) == (6, 14)  # village B's 1 of 2 added, not averaged
    b = selectors.totals(region=world.village_b, start=start, end=end)["notice_reach"]
    assert b["too_few"] and b["value"] is None and (b["num"], b["den"]) == (1, 2)


def test_the_running_day_is_never_stored_and_is_counted_directly(world, notices, clock):
    assert services.rollup_day(timezone.localdate()) == 0
    notice_send(kind="direct", region_code=world.village_a.code, users=[world.villager_a], subject={"en": "today"})
    start, end = services.day_bounds(timezone.localdate())
    assert selectors.totals(region=world.village_a, start=start, end=end)["notice_reach"]["den"] == 1


def test_command_recomputes_and_refuses_bad_ranges(world, notices):
    out = io.StringIO()
    call_command("insights_rollup", "--from", "2026-05-01", "--to", "2026-05-31", stdout=out)
    assert "31 days" in out.getvalue() and Rollup.objects.filter(day=DAY1).exists()
    from django.core.management.base import CommandError

    for args in (["--from", "2026-05-31", "--to", "2026-05-01"], ["--from", "1926-01-01"], ["--day", "31/05/2026"]):
        with pytest.raises(CommandError):
            call_command("insights_rollup", *args, stdout=out)


def test_nightly_job_is_registered():
    from cunzhi.core.jobs import JOBS

    assert JOBS["insights.rollup"].every == dt.timedelta(days=1)


@pytest.mark.parametrize(
    "label,prev,year", [("2026-01", "2025-12", "2025-01"), ("2026-Q1", "2025-Q4", "2025-Q1"), ("2026", "2025", "2025")]
)
def test_period_shifts(label, prev, year):
    assert (shifted(label, steps=-1), shifted(label, years=-1)) == (prev, year)


def test_page_shows_trends_sparkline_flags_and_links_to_the_cases(world, notices, login):
    services.rollup_range(dt.date(2026, 5, 1), dt.date(2026, 6, 15))
    client = login(world.township_staff)
    response = client.get(reverse("insights:index"), {"period": "2026-05", "sort": "notice_reach"})
    assert response.status_code == 200
    page = response.content.decode()
    assert '<svg class="sparkline"' in page and "<script" not in page.split("<main", 1)[-1].split("</main>")[0]
    flags = response.context["flags"]
    assert [f["what"] for v in flags if v["village"] == world.village_a for f in v["flags"]] == ["flag_unreached"]
    link = next(t["link"] for t in response.context["trends"] if t["ind"].key == "notice_reach")
    cases = client.get(link)
    # Village B is in township U; direct notices to villagers are not township staff's to open: counted, not listed.
    assert cases.status_code == 200 and cases.context["total"] == 2 and cases.context["hidden"] == 2
    flagged = client.get(flags[0]["flags"][0]["link"])
    assert flagged.context["total"] == 1  # only the DAY2 notice: 1 of 6 reached


def test_the_county_folds_its_flags_per_township_and_pages_its_table(world, notices, login, monkeypatch):
    """The county reads how many villages of each township raise each flag, and the township's page lists
    them; a table of more rows than a page holds is paged, ranked across all its rows."""
    from cunzhi.insights import views

    services.rollup_range(dt.date(2026, 5, 1), dt.date(2026, 6, 15))
    client = login(world.county_admin)
    response = client.get(reverse("insights:index"), {"period": "2026-05"})
    folded = response.context["flags"]
    assert [(r["township"], r["villages"], [(k["what"], k["villages"]) for k in r["kinds"]]) for r in folded] == [
        (world.township_t, 1, [("flag_unreached", 1)])
    ]
    page = response.content.decode()
    assert f'href="?region={world.township_t.code}&amp;period=2026-05#flags"' in page
    assert world.village_a.name not in page.split('id="flags"', 1)[1]  # the villages are on the township's page
    township = client.get(reverse("insights:index"), {"region": world.township_t.code, "period": "2026-05"})
    assert [v["village"] for v in township.context["flags"]] == [world.village_a]
    # Paged: one row a page. Ranked on the reach first (township T 5 of 12, U 1 of 2: too few, unranked last).
    monkeypatch.setattr(views, "TABLE_ROWS", 1)
    shown = []
    for number in ("1", "2", "99", "nonsense"):
        got = client.get(reverse("insights:index"), {"period": "2026-05", "sort": "notice_reach", "page": number})
        assert got.status_code == 200
        shown.append([r["key"] for r in got.context["table"]["page"]])
    t, u = world.township_t.prefix, world.township_u.prefix
    assert shown == [[t], [u], [u], [t]]
    assert "Page 1 of 2" in client.get(reverse("insights:index"), {"period": "2026-05"}).content.decode()


def test_drill_through_permissions(world, notices, login, client):
    url = reverse("insights:cases")
    q = {"what": "notice_reach", "region": world.village_a.code, "period": "2026-05"}
    assert client.get(url, q).status_code == 302  # anonymous
    assert login(world.villager_b).get(url, q).status_code in (403, 404)  # a villager of another village
    assert login(world.other_township_staff).get(url, q).status_code == 404  # staff of another township
    assert login(world.township_staff).get(url, {**q, "what": "nonsense"}).status_code == 404
    ok = login(world.township_staff).get(url, q)
    assert ok.status_code == 200 and ok.context["rows"] == [] and ok.context["hidden"] == 2


def test_bad_input_gives_a_clear_page(world, login):
    client = login(world.county_admin)
    for period in ("1926", "2026-Q9", "9999", ""):
        response = client.get(reverse("insights:index"), {"period": period})
        assert response.status_code == 200
    # A region with no cases: dashes and "no flags", never 0 %.
    response = client.get(reverse("insights:index"), {"region": world.township_u.code, "period": "2026-05"})
    assert response.status_code == 200 and "0.0 %" not in response.content.decode()


def test_one_table_pdf_downloads(world, notices, login):
    services.rollup_range(DAY1, DAY2)
    response = login(world.township_staff).get(reverse("insights:report_pdf"), {"period": "2026-05"})
    assert response.status_code == 200 and response.content[:4] == b"%PDF"
    assert (
        login(world.other_township_staff)
        .get(reverse("insights:report_pdf"), {"region": world.township_t.code})
        .status_code
        == 404
    )


def test_api_trends_and_flags(world, notices, client):
    from cunzhi.api.services import token_issue

    services.rollup_range(DAY1, DAY2)
    q = {"region": world.township_t.code, "period": "2026-05"}
    for path in ("/api/v1/insights/trends", "/api/v1/insights/flags"):
        assert client.get(path, q).status_code == 401  # anonymous
        key_b, _t = token_issue(user=world.villager_b, name="t")
        assert client.get(path, q, HTTP_AUTHORIZATION=f"Bearer {key_b}").status_code == 404
        key_u, _t = token_issue(user=world.other_township_staff, name="t")
        assert client.get(path, q, HTTP_AUTHORIZATION=f"Bearer {key_u}").status_code == 404
    key, _t = token_issue(user=world.township_staff, name="t")
    auth = {"HTTP_AUTHORIZATION": f"Bearer {key}"}
    reach = next(t for t in client.get("/api/v1/insights/trends", q, **auth).json() if t["indicator"] == "notice_reach")
    assert (reach["numerator"], reach["denominator"], reach["previous_period"]) == (5, 12, "2026-04")
    assert len(reach["months"]) == 12 and reach["months"][-1]["month"] == "2026-05"
    flags = client.get("/api/v1/insights/flags", q, **auth).json()
    assert [(f["village"], f["kind"], f["numerator"]) for f in flags] == [(world.village_a.code, "flag_unreached", 1)]
    bad = client.get("/api/v1/insights/flags", {**q, "period": "2026-Q9"}, **auth)
    assert bad.status_code == 422


def test_four_factor_page_groups_indicators_without_a_score(world, notices, login, client):
    services.rollup_range(DAY1, DAY2)
    url = reverse("insights:factors")
    q = {"region": world.township_t.code, "period": "2026-05"}
    assert client.get(url, q).status_code == 302  # anonymous
    response = login(world.township_staff).get(url, q)
    assert response.status_code == 200
    groups = response.context["factors"]
    assert [len(g["trends"]) for g in groups] == [1, 1, 3, 3, 1]
    reach = groups[0]["trends"][0]
    assert reach["ind"].key == "notice_reach" and (reach["now"]["num"], reach["now"]["den"]) == (5, 12)
    assert any(g["missing"] for g in groups)  # what is not measured is said, not hidden
    assert login(world.villager_b).get(url, q).status_code in (403, 404)
    assert login(world.other_township_staff).get(url, q).status_code == 404
