"""/api/v1/regions: scope by persona, filters, paging, detail with grids, refusals, query counts."""

import pytest

from cunzhi.people.models import Grid
from cunzhi.people.tests.factories import RegionFactory
from cunzhi.regions.models import Level

URL = "/api/v1/regions"


def codes(response):
    assert response.status_code == 200, response.content
    return [r["code"] for r in response.json()["items"]]


def test_anonymous_is_refused(client, world):
    assert client.get(URL).status_code == 401
    assert client.get(f"{URL}/{world.village_a.code}").status_code == 401


def test_county_admin_sees_the_whole_tree(world, login):
    response = login(world.county_admin).get(URL)
    assert response.json()["count"] == 7
    assert set(codes(response)) == {
        world.county.code,
        world.township_t.code,
        world.township_u.code,
        world.village_a.code,
        world.village_b.code,
        world.group_a1.code,
        world.group_b1.code,
    }


def test_township_staff_sees_their_township_only(world, login):
    assert codes(login(world.township_staff).get(URL)) == [
        world.township_t.code,
        world.village_a.code,
        world.group_a1.code,
    ]


def test_other_township_staff_does_not_see_township_t(world, login):
    client = login(world.other_township_staff)
    assert world.village_a.code not in codes(client.get(URL))
    assert client.get(f"{URL}/{world.village_a.code}").status_code == 404
    assert client.get(f"{URL}/{world.township_t.code}").status_code == 404


def test_cadre_sees_village_a_not_b(world, login):
    client = login(world.cadre_a)
    assert codes(client.get(URL)) == [world.village_a.code, world.group_a1.code]
    assert client.get(f"{URL}/{world.village_a.code}").status_code == 200
    assert client.get(f"{URL}/{world.village_b.code}").status_code == 404


def test_villager_sees_their_own_line(world, login):
    client = login(world.villager_a)
    assert codes(client.get(URL)) == [
        world.county.code,
        world.township_t.code,
        world.village_a.code,
        world.group_a1.code,
    ]
    # Village B exists, but to villager A it answers like a code that does not exist.
    missing = client.get(f"{URL}/{world.village_b.code}")
    assert missing.status_code == 404
    assert missing.json() == client.get(f"{URL}/330523999999").json()


def test_villager_b_cannot_read_village_a(world, login):
    assert login(world.villager_b).get(f"{URL}/{world.village_a.code}").status_code == 404


def test_filters(world, login):
    client = login(world.county_admin)
    assert codes(client.get(URL, {"level": "village"})) == [world.village_a.code, world.village_b.code]
    assert codes(client.get(URL, {"parent": world.county.code})) == [world.township_t.code, world.township_u.code]
    assert codes(client.get(URL, {"q": "余村"})) == [world.village_b.code]
    assert codes(client.get(URL, {"q": "330523101"})) == [
        world.township_u.code,
        world.village_b.code,
        world.group_b1.code,
    ]
    assert client.get(URL, {"level": "planet"}).status_code == 422
    assert client.get(URL, {"parent": "12x"}).status_code == 422


def test_paging(world, login):
    client = login(world.county_admin)
    first = client.get(URL, {"page_size": 3}).json()
    second = client.get(URL, {"page_size": 3, "page": 2}).json()
    assert first["count"] == second["count"] == 7
    assert len(first["items"]) == len(second["items"]) == 3
    assert not {r["code"] for r in first["items"]} & {r["code"] for r in second["items"]}
    assert client.get(URL, {"page_size": 1000}).status_code == 422


def test_detail_of_a_village_includes_grids_and_children(world, login, grid_worker_a):
    body = login(world.cadre_a).get(f"{URL}/{world.village_a.code}").json()
    assert body["level"] == "village" and body["parent_code"] == world.township_t.code
    assert body["parent_name"] == world.township_t.name
    assert [c["code"] for c in body["children"]] == [world.group_a1.code]
    assert body["grids"] == [{"id": Grid.objects.get().pk, "name": "东片", "worker_name": "吴网格"}]


def test_detail_children_are_scoped(world, login):
    # Villager A looking at the county sees only their own township among its children.
    body = login(world.villager_a).get(f"{URL}/{world.county.code}").json()
    assert [c["code"] for c in body["children"]] == [world.township_t.code]
    assert body["grids"] == []


@pytest.fixture
def many_villages(world):
    for i in range(30):
        village = RegionFactory(code=f"330523100{300 + i}", level=Level.VILLAGE, parent=world.township_t)
        Grid.objects.create(village=village, name="网格")
    return world


# A villager's line of the tree costs one query per level above their village (at most three).
@pytest.mark.parametrize("persona, queries", [("county_admin", 6), ("township_staff", 6), ("villager_a", 9)])
def test_region_list_query_count_is_fixed(many_villages, login, persona, queries, django_assert_max_num_queries):
    client = login(getattr(many_villages, persona))
    with django_assert_max_num_queries(queries):
        response = client.get(URL, {"page_size": 100})
    assert response.status_code == 200
    if persona != "villager_a":
        assert response.json()["count"] > 30


def test_region_detail_query_count_is_fixed(many_villages, login, django_assert_max_num_queries):
    client = login(many_villages.county_admin)
    with django_assert_max_num_queries(7):
        body = client.get(f"{URL}/{many_villages.township_t.code}").json()
    assert len(body["children"]) == 31
