"""Household list and page: scope, members, and naming the representative."""

import pytest
from django.urls import reverse

from cunzhi.core.models import AuditEvent
from cunzhi.people.models import AccessKind, DataAccess
from cunzhi.people.tests.factories import HouseholdFactory, VillagerFactory

LIST = reverse("people:household_list")


def url(household):
    return reverse("people:household_detail", args=[household.public_id])


def test_anonymous_is_sent_to_login(client, world):
    assert client.get(LIST).status_code == 302
    assert client.get(url(world.household_a)).status_code == 302
    assert client.post(url(world.household_a), {"member": "x"}).status_code == 302


@pytest.mark.parametrize("persona", ["villager_a", "villager_b"])
def test_villagers_may_not_use_the_staff_list(login, world, persona):
    assert login(getattr(world, persona)).get(LIST).status_code == 403


@pytest.mark.parametrize(
    "persona, sees_a, sees_b",
    [
        ("cadre_a", True, False),
        ("township_staff", True, False),
        ("other_township_staff", False, True),
        ("county_admin", True, True),
    ],
)
def test_list_is_filtered_by_scope(login, world, persona, sees_a, sees_b):
    body = login(getattr(world, persona)).get(LIST).content.decode()
    assert ("A0001" in body) is sees_a
    assert ("B0001" in body) is sees_b


def test_list_shows_members_and_representative_and_searches(login, world):
    client = login(world.cadre_a)
    body = client.get(LIST).content.decode()
    assert "张三" in body  # the representative
    assert client.get(LIST, {"q": "A00"}).content.decode().count("A0001") == 1
    assert "A0001" not in client.get(LIST, {"q": "zzz"}).content.decode()


def test_list_query_count(login, world, django_assert_max_num_queries):
    for i in range(30):
        h = HouseholdFactory(village=world.village_a, group=world.group_a1, number=f"N{i:03d}")
        VillagerFactory(village=world.village_a, household=h)
    client = login(world.township_staff)
    with django_assert_max_num_queries(8):
        response = client.get(LIST)
    assert response.status_code == 200
    assert response.content.decode().count('<td><a href="/people/households/') == 20
    with django_assert_max_num_queries(8):
        client.get(LIST, {"page": 2, "village": world.village_a.code})


def test_a_member_sees_their_household_without_the_edit_form(login, world):
    body = login(world.helper).get(url(world.household_a)).content.decode()
    assert "张三" in body and "张小明" in body
    assert 'name="member"' not in body
    assert not DataAccess.objects.exists()  # family looking at their own household is not a staff read


def test_staff_reading_a_household_is_logged_for_each_member(login, world):
    login(world.township_staff).get(url(world.household_a))
    rows = DataAccess.objects.filter(actor=world.township_staff)
    assert {a.subject.name for a in rows} == {"张三", "张小明"}
    assert {a.kind for a in rows} == {AccessKind.STAFF_READ}


@pytest.mark.parametrize("persona", ["villager_b", "other_township_staff"])
def test_household_out_of_scope_is_not_found(login, world, persona):
    client = login(getattr(world, persona))
    assert client.get(url(world.household_a)).status_code == 404
    assert client.post(url(world.household_a), {"member": world.helper.villager.public_id}).status_code == 404
    world.household_a.refresh_from_db()
    assert world.household_a.representative == world.villager_a.villager


def test_township_staff_see_but_may_not_change_the_representative(login, world):
    client = login(world.township_staff)
    body = client.get(url(world.household_a)).content.decode()
    assert "张小明" in body and 'name="member"' not in body
    response = client.post(url(world.household_a), {"member": world.helper.villager.public_id})
    assert response.status_code == 403
    world.household_a.refresh_from_db()
    assert world.household_a.representative == world.villager_a.villager


@pytest.mark.parametrize("persona", ["cadre_a", "county_admin"])
def test_cadre_names_the_representative(login, world, persona):
    client = login(getattr(world, persona))
    assert 'name="member"' in client.get(url(world.household_a)).content.decode()
    response = client.post(url(world.household_a), {"member": world.helper.villager.public_id})
    assert response.status_code == 302
    world.household_a.refresh_from_db()
    assert world.household_a.representative == world.helper.villager
    assert AuditEvent.objects.filter(action="household.representative").exists()


def test_a_non_member_cannot_be_named(login, world):
    outsider = VillagerFactory(village=world.village_a)
    response = login(world.cadre_a).post(url(world.household_a), {"member": outsider.public_id})
    assert response.status_code == 200
    assert 'class="error"' in response.content.decode()
    world.household_a.refresh_from_db()
    assert world.household_a.representative == world.villager_a.villager
