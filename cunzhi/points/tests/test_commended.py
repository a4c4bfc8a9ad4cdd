"""The annual commendation list and the optional monthly red list (issue 16): generated from counted points
earned for items, printable, for the village's readers; never a list of the lowest, deductions never rank."""

import pytest
from django.urls import reverse

from cunzhi.points import services
from cunzhi.points.tests.conftest import TODAY, declare

API = "/api/v1/points"


@pytest.fixture
def counted(world, pw, clock):
    """张三's household: 6 + 6 earned in June; 王五's: 6 earned in June and 5 deducted (never ranks anyone)."""
    for household, actor, adoption in (
        (world.household_a, world.villager_a, pw.adopt_cleanup),
        (world.household_a, world.villager_a, pw.adopt_cleanup),
        (pw.house2, pw.neighbour, pw.adopt_cleanup),
        (pw.house2, world.cadre_a, pw.adopt_litter),
    ):
        entry = declare(world, pw, household=household, actor=actor, adoption=adoption)
        services.entry_review(entry=entry, approve=True, reason="属实", actor=pw.representative)
    clock.shift(8 * 86400)  # the objection period is over
    assert services.entries_count_due() == 4


def test_the_annual_list_ranks_by_points_earned(world, pw, counted, login):
    c = login(world.villager_a)
    page = c.get(reverse("points:commended", args=[world.village_a.code]), {"year": TODAY.year})
    text = page.content.decode()
    assert page.status_code == 200
    assert text.index("张*") < text.index("王*") and "+12" in text and "+6" in text and "-5" not in text
    rows = c.get(f"{API}/villages/{world.village_a.code}/commended", {"year": TODAY.year}).json()
    assert [(r["rank"], r["name"], r["points"]) for r in rows] == [(1, "张*", 12), (2, "王*", 6)]
    # Another year: nobody; a month while the village keeps no red list: said so, and the API answers empty.
    assert "王*" not in c.get(reverse("points:commended", args=[world.village_a.code]), {"year": 2025}).content.decode()
    month = c.get(reverse("points:commended", args=[world.village_a.code]), {"year": TODAY.year, "month": 6})
    assert "keeps no monthly red list" in month.content.decode()
    assert c.get(f"{API}/villages/{world.village_a.code}/commended", {"year": TODAY.year, "month": 6}).json() == []
    # Bad input: a message, never a 500.
    bad = c.get(reverse("points:commended", args=[world.village_a.code]), {"year": "x"})
    assert bad.status_code == 302
    assert c.get(f"{API}/villages/{world.village_a.code}/commended", {"month": 13}).status_code == 422


def test_the_monthly_red_list_where_the_village_keeps_one(world, pw, counted, login):
    from cunzhi.points.models import VillageRule

    VillageRule.objects.filter(village=world.village_a).update(red_list_size=1)
    c = login(world.villager_a)
    page = c.get(reverse("points:commended", args=[world.village_a.code]), {"year": TODAY.year, "month": 6})
    text = page.content.decode()
    assert "张*" in text and "王*" not in text  # one household on it
    assert (
        "张*"
        not in c.get(
            reverse("points:commended", args=[world.village_a.code]), {"year": TODAY.year, "month": 5}
        ).content.decode()
    )


def test_the_rule_sets_the_sizes(world, pw, login):
    c = login(world.cadre_a)
    url = reverse("points:rules", args=[world.village_a.code])
    data = {
        "action": "rule",
        "holder": "household",
        "base_grant": 10,
        "objection_days": 7,
        "review_roles": ["cadre"],
        "red_list_size": 5,
        "commend_size": 20,
    }
    assert c.post(url, data).status_code == 302
    from cunzhi.points.models import VillageRule

    rule = VillageRule.objects.get(village=world.village_a)
    assert (rule.red_list_size, rule.commend_size) == (5, 20)
    assert c.post(url, data | {"commend_size": 0}).status_code in (200, 400)
    rule.refresh_from_db()
    assert rule.commend_size == 20


@pytest.mark.parametrize("who", ["anonymous", "villager_b", "other_township_staff", "other_office_staff"])
def test_the_lists_are_for_the_village(world, pw, client, who, request):
    if who == "other_office_staff":
        client.force_login(request.getfixturevalue("other_office_staff"))
    elif who != "anonymous":
        client.force_login(getattr(world, who))
    page = client.get(reverse("points:commended", args=[world.village_a.code]))
    assert page.status_code in (302, 404) and (page.status_code == 404 or "login" in page["Location"])
    assert client.get(f"{API}/villages/{world.village_a.code}/commended").status_code in (401, 404)


def test_chinese_list(world, pw, counted, login):
    c = login(world.villager_a)
    c.cookies["django_language"] = "zh-hans"
    text = c.get(
        reverse("points:commended", args=[world.village_a.code]), {"year": TODAY.year}, HTTP_ACCEPT_LANGUAGE="zh-hans"
    ).content.decode()
    assert "表彰" in text
