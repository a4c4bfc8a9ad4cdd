"""/api/v1/villagers: scoped lists and filters, masking by role, refusals across villages and
townships, delegated reads, access logging, query counts."""

import datetime as dt

import pytest
from django.utils import timezone

from cunzhi.api.tests.conftest import ROWS
from cunzhi.core.idnumbers import id_number_build, mask_id_number, mask_phone
from cunzhi.people.models import AccessKind, DataAccess, Delegation, DelegationScope, Relation
from cunzhi.people.tests.factories import VillagerFactory

URL = "/api/v1/villagers"


def names(response):
    assert response.status_code == 200, response.content
    return sorted(v["name"] for v in response.json()["items"])


def detail(client, user_or_villager, **params):
    villager = getattr(user_or_villager, "villager", user_or_villager)
    return client.get(f"{URL}/{villager.public_id}", params)


def test_anonymous_is_refused(client, world):
    assert client.get(URL).status_code == 401
    response = detail(client, world.villager_a)
    assert response.status_code == 401 and response.json()["code"] == "not_authenticated"


# --- Lists ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "persona, expected",
    [
        ("county_admin", ["张三", "张小明", "李四"]),
        ("township_staff", ["张三", "张小明"]),
        ("other_township_staff", ["李四"]),
        ("cadre_a", ["张三", "张小明"]),
        # Plain villagers have no list: their own record is reached through /me.
        ("villager_a", []),
        ("helper", []),
        ("villager_b", []),
    ],
)
def test_list_is_scoped(world, login, persona, expected):
    assert names(login(getattr(world, persona)).get(URL)) == sorted(expected)


def test_list_rows_are_always_masked(world, login):
    v = world.villager_a.villager
    row = next(r for r in login(world.cadre_a).get(URL).json()["items"] if r["id"] == v.public_id)
    assert row["id_number"] == mask_id_number(v.id_number) != v.id_number
    assert row["phone"] == v.phone  # a cadre calls villagers back
    assert row["village"] == {"code": world.village_a.code, "name": world.village_a.name}
    assert row["group"] == {"code": world.group_a1.code, "name": world.group_a1.name}
    assert row["household_id"] == world.household_a.public_id and row["household_number"] == "A0001"
    assert row["is_adult"] is True and row["age"] >= 18
    assert "birth_date" not in row


def test_supervisor_list_masks_phones(world, login, supervisor_a):
    rows = login(supervisor_a).get(URL).json()["items"]
    assert {r["phone"] for r in rows} == {mask_phone(world.villager_a.phone), mask_phone(world.helper.phone)}


@pytest.fixture
def mixed(crowded):
    """A child in village A (not adult) and a villager living away in Hangzhou."""
    VillagerFactory(
        name="小朋友",
        village=crowded.village_a,
        group=crowded.group_a1,
        id_number=id_number_build("330523", timezone.localdate() - dt.timedelta(days=365 * 5), 11),
    )
    v = crowded.helper.villager
    v.living_away, v.away_city = True, "杭州"
    v.save()
    return crowded


def test_list_filters(mixed, login):
    client = login(mixed.county_admin)
    everyone = client.get(URL).json()["count"]
    assert everyone == 2 * ROWS + 4
    assert client.get(URL, {"village": mixed.village_b.code}).json()["count"] == ROWS + 1
    assert client.get(URL, {"group": mixed.group_a1.code}).json()["count"] == ROWS + 3
    assert names(client.get(URL, {"adult": "false"})) == ["小朋友"]
    assert client.get(URL, {"adult": "true"}).json()["count"] == everyone - 1
    away = client.get(URL, {"living_away": "true", "village": mixed.village_a.code}).json()
    assert away["count"] == ROWS // 3 + 1
    assert any(r["away_city"] == "杭州" for r in away["items"])
    assert names(client.get(URL, {"q": "张"})) == ["张三", "张小明"]
    assert names(client.get(URL, {"q": "zhangxiao"})) == ["张小明"]
    # Offices see phones only of the villagers whose case they handle, so they may not search by phone
    # (issue 12, item 13); the village committee may.
    assert names(login(mixed.other_township_staff).get(URL, {"q": mixed.villager_b.phone})) == []
    assert names(login(mixed.cadre_a).get(URL, {"q": mixed.villager_a.phone})) == ["张三"]
    client = login(mixed.county_admin)
    assert client.get(URL, {"village": "330523999999"}).json()["count"] == 0
    assert client.get(URL, {"group": "1"}).status_code == 422
    assert client.get(URL, {"adult": "perhaps"}).status_code == 422


def test_filters_never_widen_scope(mixed, login):
    client = login(mixed.cadre_a)
    assert client.get(URL, {"village": mixed.village_b.code}).json()["count"] == 0
    assert client.get(URL, {"q": "李四"}).json()["count"] == 0


def test_phone_search_needs_a_role_that_sees_phones(world, login, supervisor_a):
    # Supervisors and county administrators see masked phones, so a phone search must not
    # confirm a number either.
    assert login(supervisor_a).get(URL, {"q": world.villager_a.phone}).json()["count"] == 0
    assert login(world.county_admin).get(URL, {"q": world.villager_a.phone[-4:]}).json()["count"] == 0
    assert names(login(world.cadre_a).get(URL, {"q": world.villager_a.phone})) == ["张三"]


@pytest.mark.parametrize("persona", ["county_admin", "township_staff", "cadre_a"])
def test_list_query_count_is_fixed(crowded, login, persona, django_assert_max_num_queries):
    client = login(getattr(crowded, persona))
    # Session, account, roles, one page of rows, the count: whatever the number of rows; for office
    # staff, the villagers whose case their office handles (one query, for the phones).
    with django_assert_max_num_queries(6 if persona == "township_staff" else 5):
        response = client.get(URL, {"page_size": 100})
    assert len(response.json()["items"]) >= ROWS


def test_a_list_longer_than_the_cap_is_not_counted_whole(crowded, login, monkeypatch):
    """Lists are counted up to COUNT_CAP (a county's half a million villagers are not counted on every page):
    past it, `count` is the cap, `count_exact` says so, and the pages still go on."""
    from cunzhi.core.apikit import pagination

    client = login(crowded.county_admin)
    whole = client.get(URL, {"page_size": 10}).json()
    assert whole["count_exact"] is True and whole["count"] > 25
    monkeypatch.setattr(pagination, "COUNT_CAP", 25)
    capped = client.get(URL, {"page_size": 10}).json()
    assert (capped["count"], capped["count_exact"]) == (25, False)
    last = client.get(URL, {"page_size": 10, "page": -(-whole["count"] // 10)}).json()
    assert len(last["items"]) == whole["count"] - 10 * (-(-whole["count"] // 10) - 1)
    narrowed = client.get(URL, {"page_size": 10, "q": "张三"}).json()
    assert (narrowed["count"], narrowed["count_exact"]) == (1, True)


def test_filtered_list_query_count_is_fixed(crowded, login, django_assert_max_num_queries):
    client = login(crowded.county_admin)
    with django_assert_max_num_queries(7):  # + looking up the village and the group
        response = client.get(
            URL,
            {
                "page_size": 100,
                "village": crowded.village_a.code,
                "group": crowded.group_a1.code,
                "adult": "true",
                "q": "村民",
            },
        )
    assert len(response.json()["items"]) == ROWS


def test_bearer_list_query_count_is_fixed(crowded, client, bearer, django_assert_max_num_queries):
    headers = bearer(crowded.township_staff)
    client.get("/api/v1/me", **headers)  # the first call records the token's last use
    with django_assert_max_num_queries(5):  # token (with its account), roles, rows, count, the office's cases
        response = client.get(URL, {"page_size": 100}, **headers)
    assert len(response.json()["items"]) == ROWS + 2


# --- Detail: who may read -------------------------------------------------------------------


@pytest.mark.parametrize(
    "persona, status",
    [
        ("villager_a", 200),  # their own record
        ("cadre_a", 200),
        ("township_staff", 200),
        ("county_admin", 200),
        ("helper", 404),  # the son, without a delegation
        ("villager_b", 404),
        ("other_township_staff", 404),
    ],
)
def test_detail_of_villager_a(world, login, persona, status):
    response = detail(login(getattr(world, persona)), world.villager_a)
    assert response.status_code == status
    if status == 404:
        assert response.json()["code"] == "not_found"


@pytest.mark.parametrize("persona", ["villager_a", "helper", "cadre_a", "township_staff"])
def test_villager_b_is_hidden_from_village_a_and_township_t(world, login, persona):
    client = login(getattr(world, persona))
    hidden = detail(client, world.villager_b)
    assert hidden.status_code == 404
    assert hidden.json() == client.get(f"{URL}/doesnotexist").json()


def test_helper_reads_under_a_records_delegation(world, login):
    Delegation.objects.create(
        villager=world.villager_a.villager,
        helper=world.helper,
        relation=Relation.FAMILY,
        scopes=[DelegationScope.RECORDS],
        ends_at=timezone.now() + dt.timedelta(days=30),
    )
    response = detail(login(world.helper), world.villager_a)
    assert response.status_code == 200
    assert response.json()["id_number_masked"] is True
    access = DataAccess.objects.get()
    assert (access.actor, access.kind) == (world.helper, AccessKind.DELEGATION_USE)


def test_a_delegation_for_other_things_does_not_open_the_record(world, login):
    Delegation.objects.create(
        villager=world.villager_a.villager,
        helper=world.helper,
        relation=Relation.FAMILY,
        scopes=[DelegationScope.CONCERNS],
        ends_at=timezone.now() + dt.timedelta(days=30),
    )
    assert detail(login(world.helper), world.villager_a).status_code == 404


# --- Detail: masking by role ----------------------------------------------------------------


def test_own_record_is_unmasked_and_not_logged(world, login):
    v = world.villager_a.villager
    body = detail(login(world.villager_a), world.villager_a).json()
    assert body["id_number"] == v.id_number and body["id_number_masked"] is False
    assert body["phone"] == v.phone and body["birth_date"] == v.birth_date.isoformat()
    assert body["is_household_representative"] is True and body["household_id"] == world.household_a.public_id
    assert not DataAccess.objects.exists()


def test_cadre_sees_full_id_and_phone(world, login):
    v = world.villager_a.villager
    body = detail(login(world.cadre_a), world.villager_a).json()
    assert (body["id_number"], body["id_number_masked"], body["phone"]) == (v.id_number, False, v.phone)


def test_supervisor_sees_masked_id_phone_and_no_birth_date(world, login, supervisor_a):
    v = world.villager_a.villager
    body = detail(login(supervisor_a), world.villager_a).json()
    assert body["id_number"] == v.id_number_masked and body["id_number_masked"] is True
    assert body["id_number"] != v.id_number
    assert body["phone"] == mask_phone(v.phone) != v.phone
    assert body["birth_date"] is None
    assert body["age"] == v.age and body["is_adult"] is True


def test_grid_worker_sees_phone_but_masked_id(world, login, grid_worker_a):
    v = world.villager_a.villager
    body = detail(login(grid_worker_a), world.villager_a).json()
    assert body["id_number"] == v.id_number_masked and body["phone"] == v.phone


def test_county_admin_sees_full_id_and_masked_phone(world, login):
    v = world.villager_b.villager
    body = detail(login(world.county_admin), world.villager_b).json()
    assert body["id_number"] == v.id_number and body["phone"] == mask_phone(v.phone)


# --- Detail: access log ---------------------------------------------------------------------


def test_staff_reads_are_logged_with_purpose(world, login):
    client = login(world.township_staff)
    detail(client, world.villager_a, purpose="核对低保申请材料")
    detail(client, world.villager_a)
    rows = list(DataAccess.objects.order_by("id"))
    assert [(r.subject_id, r.actor_id, r.kind) for r in rows] == [
        (world.villager_a.villager.pk, world.township_staff.pk, AccessKind.STAFF_READ)
    ] * 2
    assert rows[0].purpose == "核对低保申请材料" and rows[1].purpose
    assert rows[0].actor_office.startswith(world.office_t.name)
    assert rows[0].region_code == world.village_a.code


def test_refused_reads_are_not_logged(world, login):
    detail(login(world.other_township_staff), world.villager_a)
    assert not DataAccess.objects.exists()


def test_overlong_purpose_is_422(world, login):
    assert detail(login(world.cadre_a), world.villager_a, purpose="x" * 201).status_code == 422


def test_detail_query_count(crowded, login, django_assert_max_num_queries):
    client = login(crowded.cadre_a)
    # + counting a repeated read on the access log's row (one UPDATE) before writing a new row.
    with django_assert_max_num_queries(7):
        assert detail(client, crowded.villager_a).status_code == 200
