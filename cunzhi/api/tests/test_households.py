"""/api/v1/households: scoped lists, detail with members, refusals across villages and townships,
access logging, query counts."""

import pytest

from cunzhi.api.tests.conftest import ROWS
from cunzhi.people.models import AccessKind, DataAccess

URL = "/api/v1/households"


def numbers(response):
    assert response.status_code == 200, response.content
    return [h["number"] for h in response.json()["items"]]


def test_anonymous_is_refused(client, world):
    assert client.get(URL).status_code == 401
    assert client.get(f"{URL}/{world.household_a.public_id}").status_code == 401


def test_list_row_shape(world, login):
    body = login(world.cadre_a).get(URL).json()
    assert body["count"] == 1 and body["page"] == 1 and body["page_size"] == 20
    assert body["items"] == [
        {
            "id": world.household_a.public_id,
            "number": "A0001",
            "address": world.household_a.address,
            "village": {"code": world.village_a.code, "name": world.village_a.name},
            "group": {"code": world.group_a1.code, "name": world.group_a1.name},
            "member_count": 2,
            "representative_name": "张三",
        }
    ]


@pytest.mark.parametrize(
    "persona, expected",
    [
        ("county_admin", ["A0001", "B0001"]),
        ("township_staff", ["A0001"]),
        ("other_township_staff", ["B0001"]),
        ("cadre_a", ["A0001"]),
        # Lists are staff lists: villagers reach their own household through /me.
        ("villager_a", []),
        ("villager_b", []),
    ],
)
def test_list_is_scoped(world, login, persona, expected):
    assert numbers(login(getattr(world, persona)).get(URL)) == expected


def test_list_filters(crowded, login):
    client = login(crowded.county_admin)
    assert client.get(URL, {"village": crowded.village_b.code}).json()["count"] == ROWS + 1
    assert numbers(client.get(URL, {"q": "A0001"})) == ["A0001"]
    assert numbers(client.get(URL, {"q": "张三"})) == ["A0001"]
    assert client.get(URL, {"village": "330523999999"}).json()["count"] == 0
    assert client.get(URL, {"village": "abc"}).status_code == 422
    # Filtering by another township's village does not widen a staff member's scope.
    assert login(crowded.cadre_a).get(URL, {"village": crowded.village_b.code}).json()["count"] == 0


@pytest.mark.parametrize("persona", ["county_admin", "township_staff", "cadre_a"])
def test_list_query_count_is_fixed(crowded, login, persona, django_assert_max_num_queries):
    client = login(getattr(crowded, persona))
    with django_assert_max_num_queries(5):
        response = client.get(URL, {"page_size": 100})
    assert len(response.json()["items"]) >= ROWS


def test_list_with_village_filter_query_count(crowded, login, django_assert_max_num_queries):
    client = login(crowded.county_admin)
    with django_assert_max_num_queries(6):
        response = client.get(URL, {"village": crowded.village_a.code, "page_size": 100})
    assert len(response.json()["items"]) == ROWS + 1


# --- Detail ---------------------------------------------------------------------------------


def test_detail_for_cadre_lists_members_and_is_logged(world, login):
    response = login(world.cadre_a).get(f"{URL}/{world.household_a.public_id}", {"purpose": "低保复核"})
    assert response.status_code == 200
    body = response.json()
    assert body["member_count"] == 2 and body["representative_name"] == "张三"
    assert [(m["name"], m["is_representative"]) for m in body["members"]] == [("张三", True), ("张小明", False)]
    assert set(body["members"][0]) == {"id", "name", "sex", "age", "is_adult", "is_representative", "living_away"}
    rows = DataAccess.objects.filter(actor=world.cadre_a)
    assert {r.subject_id for r in rows} == {world.villager_a.villager.pk, world.helper.villager.pk}
    assert {(r.kind, r.purpose) for r in rows} == {(AccessKind.STAFF_READ, "低保复核")}


def test_member_reads_own_household_without_a_staff_log(world, login):
    response = login(world.helper).get(f"{URL}/{world.household_a.public_id}")
    assert response.status_code == 200
    assert len(response.json()["members"]) == 2
    assert not DataAccess.objects.exists()


@pytest.mark.parametrize(
    "persona, status",
    [
        ("county_admin", 200),
        ("township_staff", 200),
        ("cadre_a", 200),
        ("villager_a", 200),
        ("helper", 200),
        ("villager_b", 404),
        ("other_township_staff", 404),
    ],
)
def test_detail_of_household_a(world, login, persona, status):
    assert login(getattr(world, persona)).get(f"{URL}/{world.household_a.public_id}").status_code == status


@pytest.mark.parametrize("persona", ["cadre_a", "township_staff", "villager_a", "helper"])
def test_household_b_is_hidden_from_a(world, login, persona):
    client = login(getattr(world, persona))
    hidden = client.get(f"{URL}/{world.household_b.public_id}")
    # Out of scope looks exactly like "no such household": existence is not revealed.
    assert hidden.status_code == 404
    assert hidden.json() == client.get(f"{URL}/doesnotexist").json()
    assert not DataAccess.objects.exists()


def test_detail_query_count(crowded, login, django_assert_max_num_queries):
    client = login(crowded.cadre_a)
    with django_assert_max_num_queries(7):  # members in one query, access rows in one insert
        assert client.get(f"{URL}/{crowded.household_a.public_id}").status_code == 200
