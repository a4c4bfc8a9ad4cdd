"""Delegations: a villager grants, lists and revokes; the helper lists and may give one up."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from cunzhi.core.models import AuditEvent
from cunzhi.core.ratelimits import CREATE_RATE
from cunzhi.people.models import Delegation, DelegationScope, Relation, Role, RoleAssignment
from cunzhi.people.tests.factories import UserFactory, VillagerFactory, full_width

LIST = reverse("people:delegation_list")
NEW = reverse("people:delegation_new")


def revoke_url(d):
    return reverse("people:delegation_revoke", args=[d.public_id])


def form_data(phone, **kw):
    data = {
        "helper_phone": phone,
        "relation": Relation.FAMILY,
        "scopes": [DelegationScope.CONCERNS, DelegationScope.MEETINGS],
        "ends_on": (timezone.localdate() + dt.timedelta(days=90)).isoformat(),
    }
    data.update(kw)
    return data


def grant(world, helper=None, **kw):
    return Delegation.objects.create(
        villager=world.villager_a.villager,
        helper=helper or world.helper,
        relation=Relation.FAMILY,
        scopes=[DelegationScope.CONCERNS],
        ends_at=timezone.now() + dt.timedelta(days=30),
        **kw,
    )


def test_anonymous_is_sent_to_login(client, world):
    d = grant(world)
    assert client.get(LIST).status_code == 302
    assert client.get(NEW).status_code == 302
    assert client.post(NEW, form_data("13900000003")).status_code == 302
    assert client.post(revoke_url(d)).status_code == 302
    assert not Delegation.objects.exclude(pk=d.pk).exists()
    d.refresh_from_db()
    assert d.revoked_at is None


def test_helper_found_by_a_full_width_mobile_number(login, world):
    response = login(world.villager_a).post(NEW, form_data(full_width("139 0000 0003")))
    assert response.status_code == 302
    assert Delegation.objects.get().helper == world.helper


def test_villager_grants_a_delegation_and_both_see_it(login, client, world):
    client = login(world.villager_a)
    assert client.get(NEW).status_code == 200
    response = client.post(NEW, form_data("139 0000 0003"))  # the son's number, typed with spaces
    assert response.status_code == 302 and response.headers["Location"] == LIST
    d = Delegation.objects.get()
    assert d.villager == world.villager_a.villager and d.helper == world.helper
    assert d.scopes == [DelegationScope.CONCERNS, DelegationScope.MEETINGS]
    # The delegation lasts to the end of the chosen day, local time.
    assert timezone.localtime(d.ends_at).date() == timezone.localdate() + dt.timedelta(days=91)
    assert AuditEvent.objects.filter(action="delegation.grant").exists()
    body = client.get(LIST).content.decode()
    assert "张小明" in body
    client.logout()
    body = login(world.helper).get(LIST).content.decode()
    assert "张三" in body and "Villagers I help" in body


@pytest.mark.parametrize(
    "data, message",
    [
        (form_data("13812345678"), "Nobody has an account"),
        (form_data("12345"), "11 digits"),
        (form_data("13900000001"), "cannot delegate to yourself"),
        (form_data("13900000003", scopes=[]), "at least one"),
        (form_data("13900000003", scopes=["everything"]), "valid choice"),
        (form_data("13900000003", ends_on=(timezone.localdate() - dt.timedelta(days=1)).isoformat()), "future"),
        (form_data("13900000003", ends_on=(timezone.localdate() + dt.timedelta(days=5000)).isoformat()), "three years"),
        (form_data("13900000003", ends_on="not-a-date"), "valid date"),
        (form_data("13900000003", relation=Relation.GRID_WORKER), "not a grid worker"),
    ],
)
def test_bad_input_gets_a_clear_message_and_changes_nothing(login, world, settings, data, message):
    client = login(world.villager_a)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"  # the messages are checked in English
    response = client.post(NEW, data)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not Delegation.objects.exists()


def test_grid_worker_delegation_needs_the_role_in_the_villagers_village(login, world):
    worker_a = UserFactory(phone="13700000001", name="网格员甲")
    RoleAssignment.objects.create(user=worker_a, role=Role.GRID_WORKER, region=world.village_a)
    worker_b = UserFactory(phone="13700000002", name="网格员乙")
    RoleAssignment.objects.create(user=worker_b, role=Role.GRID_WORKER, region=world.village_b)
    client = login(world.villager_a)
    response = client.post(NEW, form_data("13700000002", relation=Relation.GRID_WORKER))
    assert "not a grid worker" in response.content.decode()
    assert not Delegation.objects.exists()
    response = client.post(NEW, form_data("13700000001", relation=Relation.GRID_WORKER))
    assert response.status_code == 302
    assert Delegation.objects.get().helper == worker_a


def test_accounts_without_a_villager_record_cannot_grant(login, world):
    client = login(world.cadre_a)
    assert client.get(NEW).status_code == 403
    assert client.post(NEW, form_data("13900000003")).status_code == 403
    assert not Delegation.objects.exists()


def test_villager_revokes(login, world):
    d = grant(world)
    client = login(world.villager_a)
    assert client.get(revoke_url(d)).status_code == 405  # only by a POST form
    response = client.post(revoke_url(d))
    assert response.status_code == 302
    d.refresh_from_db()
    assert d.revoked_at is not None and not d.is_active
    assert AuditEvent.objects.filter(action="delegation.revoke").count() == 1
    client.post(revoke_url(d))  # a second press changes nothing
    assert AuditEvent.objects.filter(action="delegation.revoke").count() == 1
    assert "ended" in client.get(LIST).content.decode()


def test_helper_gives_a_delegation_up(login, world):
    d = grant(world)
    assert login(world.helper).post(revoke_url(d)).status_code == 302
    d.refresh_from_db()
    assert d.revoked_at is not None


@pytest.mark.parametrize("persona", ["villager_b", "cadre_a", "township_staff", "other_township_staff", "county_admin"])
def test_nobody_else_may_revoke(login, world, persona):
    d = grant(world)
    assert login(getattr(world, persona)).post(revoke_url(d)).status_code == 404
    d.refresh_from_db()
    assert d.revoked_at is None


def test_other_villagers_do_not_see_the_delegation(login, world):
    grant(world)
    body = login(world.villager_b).get(LIST).content.decode()
    assert "张小明" not in body and "张三" not in body


def test_list_query_count_for_a_busy_helper(login, world, django_assert_max_num_queries):
    worker = UserFactory(phone="13700000009", name="网格员")
    for _ in range(30):
        v = VillagerFactory(village=world.village_a)
        Delegation.objects.create(
            villager=v,
            helper=worker,
            relation=Relation.STATION,
            scopes=[DelegationScope.APPLICATIONS],
            ends_at=timezone.now() + dt.timedelta(days=9),
        )
    for _ in range(30):
        grant(world, helper=UserFactory())
    client = login(worker)
    with django_assert_max_num_queries(7):
        response = client.get(LIST)
    assert response.content.decode().count("Give this delegation up") == 20
    client = login(world.villager_a)
    with django_assert_max_num_queries(7):
        response = client.get(LIST)
    assert response.content.decode().count("End this delegation now") == 30


def test_the_form_needs_the_csrf_token(world):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(world.villager_a)
    assert client.post(NEW, form_data("13900000003")).status_code == 403
    assert not Delegation.objects.exists()


def test_granting_is_rate_limited(login, world, clock):
    # The window is measured on the test's clock: however long a loaded machine takes for these
    # requests, they all fall in one window, and only moving the clock opens the next one.
    limit = int(CREATE_RATE.split("/")[0])
    client = login(world.villager_a)
    statuses = [client.post(NEW, form_data("13812345678")).status_code for _ in range(limit + 1)]
    assert statuses[:limit] == [200] * limit and statuses[limit] == 429
    clock.shift(61)
    assert client.post(NEW, form_data("13812345678")).status_code == 200
    assert not Delegation.objects.exists()
