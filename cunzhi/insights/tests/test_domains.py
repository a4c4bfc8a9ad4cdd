"""The domains' indicators on the demo county: every one computes on real data, and the concern rates
agree with the concerns domain's own rate table (computed independently, for its staff pages)."""

import datetime as dt

import pytest
from django.utils import timezone

from cunzhi.concerns import selectors as concern_selectors
from cunzhi.insights import selectors
from cunzhi.insights.registry import indicators
from cunzhi.regions.models import Level, Region


@pytest.fixture
def demo(db, demo_county):
    """The demo county, copied in (built once per process: see the root conftest)."""


def test_every_indicator_computes_and_concern_rates_match_the_concerns_domain(demo):
    county = Region.objects.get(level=Level.COUNTY)
    today = timezone.localdate()
    start = timezone.make_aware(dt.datetime(today.year - 1, 1, 1))
    end = timezone.make_aware(dt.datetime(today.year + 1, 1, 1))
    table = selectors.figures(region=county, start=start, end=end)
    keys = [i.key for i in table["columns"]]
    assert {
        "concerns_response",
        "concerns_resolution",
        "concerns_satisfaction",
        "notice_reach",
        "applications_on_time",
        "disclosure_on_time",
        "consultation_adoption",
    } <= set(keys)
    assert len(table["rows"]) == 3 and len(keys) == len(indicators())

    theirs = concern_selectors.rates(
        prefixes=[county.prefix], group="township", start=start.date(), end=(end - dt.timedelta(days=1)).date()
    )
    assert sum(r["dispatched"] for r in theirs) > 0  # the demo has concerns to count
    by_township = {r["key"]: r for r in theirs}
    col = {k: i for i, k in enumerate(keys)}
    for row in table["rows"]:
        mine = row["cells"]
        ref = by_township.get(row["region"].prefix)
        if ref is None:
            assert mine[col["concerns_response"]]["den"] == 0
            continue
        assert (mine[col["concerns_response"]]["num"], mine[col["concerns_response"]]["den"]) == (
            ref["answered_in_time"],
            ref["dispatched"],
        )
        assert mine[col["concerns_resolution"]]["num"] == ref["resolved"]
        assert (mine[col["concerns_satisfaction"]]["num"], mine[col["concerns_satisfaction"]]["den"]) == (
            ref["satisfied"],
            ref["rated"],
        )

    # Disclosure: the demo leaves some villages overdue, so the rate is below 100 % and above 0 %.
    disclosed = table["total"][col["disclosure_on_time"]]
    assert disclosed["den"] > 0 and 0 <= disclosed["num"] <= disclosed["den"]
    from cunzhi.applications.models import Application, Status

    decided = Application.objects.filter(
        finished_at__gte=start, finished_at__lt=end, status__in=[Status.APPROVED, Status.REJECTED]
    ).count()
    assert table["total"][col["applications_on_time"]]["den"] == decided


def test_the_demo_shows_the_survey_and_the_new_flags_with_their_cases(demo, client):
    """Issue 17's demo: the quarter's survey has answers (shown in most villages, "too few" in one), and
    the county's figures show late disclosures, a last-minute quorum and villagers typed twice, each
    with cases."""
    from django.urls import reverse

    from cunzhi.core import periods
    from cunzhi.people.models import Role, RoleAssignment

    admin = RoleAssignment.objects.filter(role=Role.COUNTY_ADMIN).select_related("user").first().user
    client.force_login(admin)
    period = periods.current_quarter()
    page = client.get(reverse("insights:index"), {"period": period})
    assert page.status_code == 200
    survey = page.context["survey"]
    assert survey["total"]["n"] >= survey["min"] and not survey["total"]["too_few"]
    county = Region.objects.get(level=Level.COUNTY)
    by_village = selectors.survey_results(region=county.children.filter(level=Level.TOWNSHIP).first(), quarter=period)
    assert by_village["rows"]
    # The county's flags, folded per township; each township's page lists the same villages with their cases.
    folded = page.context["flags"]
    assert page.context["folded"] and folded
    raised = {k["what"] for row in folded for k in row["kinds"]}
    kinds = {}
    for row in folded:
        township = client.get(reverse("insights:index"), {"region": row["township"].code, "period": period})
        assert len(township.context["flags"]) == row["villages"] and not township.context["folded"]
        kinds.update({f["what"]: (v, f) for v in township.context["flags"] for f in v["flags"]})
    assert set(kinds) == raised
    for kind in ("flag_disclosure_late", "flag_quorum_last_minute", "flag_typed_twice", "flag_last_hour"):
        assert kind in kinds, kind
    for kind in ("flag_disclosure_late", "flag_quorum_last_minute", "flag_typed_twice"):
        cases = client.get(kinds[kind][1]["link"])
        assert cases.status_code == 200 and cases.context["total"] == kinds[kind][1]["n"] > 0 and cases.context["rows"]
    # The main village's own meeting (its check-ins put back where they happened) is not flagged.
    assert not any(
        v["village"].code == "330523100201" for v, f in kinds.values() if f["what"] == "flag_quorum_last_minute"
    )
    # Drill-through of the indicators that gained it: each number opens its cases.
    year = client.get(reverse("insights:index"), {"period": str(timezone.localdate().year)})
    links = {t["ind"].key: t["link"] for t in year.context["trends"]}
    for key in ("disclosure_on_time", "organisations_activities", "consultation_adoption"):
        listed = client.get(links[key])
        assert listed.status_code == 200 and listed.context["total"] > 0 and listed.context["rows"], key
    # The survey quarter by quarter (last quarter's answers too), the first village's reminder, and who was
    # asked, listed for the county administrator with names masked.
    results = client.get(reverse("insights:survey_results"), {"region": county.code, "period": period})
    assert results.status_code == 200
    trend = results.context["trend"]
    assert trend[-1]["n"] > 0 and trend[-2]["n"] > 0 and results.context["survey"]["total"]["reminded"] > 0
    asked = client.get(results.context["people_link"])
    assert asked.status_code == 200 and asked.context["people"] and asked.context["rows"]
    assert asked.context["total"] == results.context["survey"]["total"]["invited"]
    # The lists of people behind the figures that count people open for the county administrator.
    for key in ("organisations_volunteers", "points_taking_part"):
        assert links[key], key
        listed = client.get(links[key])
        assert listed.status_code == 200 and listed.context["people"] and listed.context["total"] > 0, key
    # Issue 16: the objections raised on the boards, each opening its entry, and points by item for the county.
    raised = client.get(links["points_objections_raised"])
    assert raised.status_code == 200 and raised.context["total"] > 0 and raised.context["rows"]
    assert client.get(raised.context["rows"][0]["url"]).status_code == 200
    by_item = client.get(reverse("insights:points_by_item"), {"period": str(timezone.localdate().year)})
    assert by_item.status_code == 200 and by_item.context["households"] > 0
    assert any(r["title"] == "参加村庄环境整治" and r["entries"] > 0 for r in by_item.context["rows"])
