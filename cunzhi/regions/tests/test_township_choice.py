"""A county's staff choose a township first when a list holds more villages than fit on one page
(regions.selectors.villages_by_township): the points, ledger and organisations indexes."""

import pytest
from django.urls import reverse

from cunzhi.regions import selectors

A, B = "330523100201", "330523101201"  # the world's two villages, one in each township
T, U = "330523100000", "330523101000"


@pytest.fixture
def few(monkeypatch):
    """One village "fits on a page": the world's two villages in two townships then need a choice."""
    monkeypatch.setattr(selectors, "VILLAGES_AT_ONCE", 1)


def test_the_choice_needs_more_villages_than_fit_and_more_than_one_township(world, few, django_assert_num_queries):
    villages = [world.village_a, world.village_b]
    with django_assert_num_queries(1):
        shown, townships, chosen = selectors.villages_by_township(villages)
    assert shown == [] and chosen is None
    assert [(t.code, t.village_count) for t in townships] == [(T, 1), (U, 1)]
    assert selectors.villages_by_township(villages, township=U)[0] == [world.village_b]
    assert selectors.villages_by_township(villages, township=U)[2].code == U
    # A code that is not one of the choices (another township's, a village's, nonsense): the choice again.
    for code in ("330523999000", A, "x" * 500, ""):
        assert selectors.villages_by_township(villages, township=code)[1] == townships
    with django_assert_num_queries(0):  # one township: no choice, no query
        assert selectors.villages_by_township([world.village_a], township=U) == ([world.village_a], [], None)


def test_everything_fits_on_one_page_below_the_limit(world):
    assert selectors.villages_by_township([world.village_a, world.village_b]) == (
        [world.village_a, world.village_b],
        [],
        None,
    )


@pytest.mark.parametrize(
    "name, query",
    [("points:index", ""), ("ledger:index", "all&"), ("organisations:index", "")],
)
def test_the_county_administrator_chooses_a_township_then_sees_its_villages(login, world, few, name, query):
    client = login(world.county_admin)
    page = client.get(reverse(name) + "?" + query).content.decode()
    assert "Choose a township" in page
    assert f'href="?{query}township={U}"' in page and "天荒坪镇" in page
    assert A not in page and B not in page  # no village listed yet
    chosen = client.get(reverse(name) + f"?{query}township={U}").content.decode()
    assert B in chosen and A not in chosen and "Choose a township" not in chosen
    assert f'href="?{query}">All townships</a>' in chosen
    zh = client.get(reverse(name) + "?" + query, HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "选择乡镇" in zh


def test_the_public_ledger_index_chooses_too_and_a_villager_keeps_the_list(client, login, world, few):
    assert "Choose a township" in client.get(reverse("ledger:index")).content.decode()  # anonymous
    # A villager's own ledger is the default; from the whole list the choice keeps them on the list.
    villager = login(world.villager_a)
    assert villager.get(reverse("ledger:index")).status_code == 302
    page = villager.get(reverse("ledger:index") + f"?all&township={U}")
    assert page.status_code == 200 and B in page.content.decode()


def test_a_township_office_sees_its_villages_whatever_it_asks(login, world, few):
    page = login(world.township_staff).get(reverse("organisations:index") + f"?township={U}").content.decode()
    assert "Choose a township" not in page and A in page and B not in page
