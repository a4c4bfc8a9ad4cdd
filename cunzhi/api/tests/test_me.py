"""/api/v1/me/delegations and /api/v1/me/data-access: each person sees only their own."""

import datetime as dt

import pytest
from django.utils import timezone

from cunzhi.core.idnumbers import mask_phone
from cunzhi.people.models import AccessKind, Delegation, DelegationScope, Relation
from cunzhi.people.services import access_record
from cunzhi.people.tests.factories import UserFactory, VillagerFactory

DELEGATIONS = "/api/v1/me/delegations"
ACCESS = "/api/v1/me/data-access"


def grant(villager_user, helper, scopes=(DelegationScope.RECORDS,), days=30, **kw):
    return Delegation.objects.create(
        villager=villager_user.villager,
        helper=helper,
        relation=Relation.FAMILY,
        scopes=list(scopes),
        ends_at=timezone.now() + dt.timedelta(days=days),
        **kw,
    )


def test_anonymous_is_refused(client, db):
    assert client.get(DELEGATIONS).status_code == 401
    assert client.get(ACCESS).status_code == 401


def test_delegations_granted_and_held(world, login):
    d = grant(world.villager_a, world.helper, scopes=(DelegationScope.RECORDS, DelegationScope.MEETINGS))
    granted = login(world.villager_a).get(DELEGATIONS).json()
    assert granted["granted_count"] == 1 and granted["held"] == [] and granted["held_count"] == 0
    row = granted["granted"][0]
    assert row["id"] == d.public_id and row["villager_id"] == world.villager_a.villager.public_id
    assert row["helper_name"] == "张小明" and row["helper_phone"] == mask_phone(world.helper.phone)
    assert row["scopes"] == ["records", "meetings"] and len(row["scope_labels"]) == 2
    assert row["relation"] == "family" and row["is_active"] is True and row["revoked_at"] is None

    held = login(world.helper).get(DELEGATIONS).json()
    assert held["granted"] == [] and [h["id"] for h in held["held"]] == [d.public_id]
    assert held["held"][0]["villager_name"] == "张三"


def test_others_see_none_of_it(world, login):
    grant(world.villager_a, world.helper)
    for persona in ("villager_b", "cadre_a", "county_admin"):
        body = login(getattr(world, persona)).get(DELEGATIONS).json()
        assert body == {"granted": [], "held": [], "granted_count": 0, "held_count": 0}, persona


def test_active_filter(world, login):
    live = grant(world.villager_a, world.helper)
    grant(world.villager_a, world.helper, revoked_at=timezone.now())
    client = login(world.villager_a)
    assert client.get(DELEGATIONS).json()["granted_count"] == 2
    body = client.get(DELEGATIONS, {"active": "true"}).json()
    assert [d["id"] for d in body["granted"]] == [live.public_id] and body["granted_count"] == 1


@pytest.fixture
def many_delegations(world):
    for _ in range(30):
        grant(world.villager_a, UserFactory())
        v = VillagerFactory(village=world.village_a, user=UserFactory())
        Delegation.objects.create(
            villager=v,
            helper=world.helper,
            relation=Relation.STATION,
            scopes=[DelegationScope.CONCERNS],
            ends_at=timezone.now() + dt.timedelta(days=9),
        )
    return world


@pytest.mark.parametrize("persona", ["villager_a", "helper"])
def test_delegations_query_count_is_fixed(many_delegations, login, persona, django_assert_max_num_queries):
    client = login(getattr(many_delegations, persona))
    with django_assert_max_num_queries(7):
        body = client.get(DELEGATIONS).json()
    assert body["granted_count"] + body["held_count"] >= 30


# --- Who looked at my data ------------------------------------------------------------------


def test_a_staff_read_shows_in_the_villagers_access_log(world, login, client):
    login(world.township_staff).get(f"/api/v1/villagers/{world.villager_a.villager.public_id}", {"purpose": "核对材料"})
    client.logout()
    body = login(world.villager_a).get(ACCESS).json()
    assert body["count"] == 1
    row = body["items"][0]
    assert row["actor_name"] == "赵干事" and row["purpose"] == "核对材料"
    assert row["kind"] == "staff_read" and row["kind_label"] and row["actor_office"]
    assert set(row) == {"at", "actor_name", "actor_office", "kind", "kind_label", "purpose", "times", "last_at"}


def test_access_log_is_only_the_callers_own(world, login):
    access_record(actor=world.cadre_a, villager=world.villager_a.villager, kind=AccessKind.STAFF_READ, purpose="x")
    assert login(world.helper).get(ACCESS).json()["count"] == 0
    assert login(world.villager_b).get(ACCESS).json()["count"] == 0
    # Staff without a villager record of their own get an empty page.
    assert login(world.cadre_a).get(ACCESS).json() == {
        "items": [],
        "count": 0,
        "count_exact": True,
        "page": 1,
        "page_size": 20,
    }


def test_access_log_query_count_is_fixed(world, login, django_assert_max_num_queries):
    for i in range(30):
        access_record(
            actor=world.cadre_a, villager=world.villager_a.villager, kind=AccessKind.STAFF_READ, purpose=f"read {i}"
        )
    client = login(world.villager_a)
    with django_assert_max_num_queries(5):
        body = client.get(ACCESS, {"page_size": 50}).json()
    assert body["count"] == 30 and len(body["items"]) == 30
    assert body["items"][0]["purpose"] == "read 29"  # newest first
