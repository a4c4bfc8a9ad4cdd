"""Scope rules and people services, below the views."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from cunzhi.core.models import AuditEvent
from cunzhi.people import rules, selectors, services
from cunzhi.people.models import (
    AccessKind,
    DataAccess,
    DelegationScope,
    Relation,
    Role,
    RoleAssignment,
    User,
    Villager,
)
from cunzhi.people.tests.factories import VillagerFactory, full_width, next_id_number


def test_roles_reach_their_subtree_only(world):
    a, b = world.village_a.code, world.village_b.code
    assert rules.in_scope(world.cadre_a, a) and not rules.in_scope(world.cadre_a, b)
    assert rules.in_scope(world.township_staff, a) and not rules.in_scope(world.township_staff, b)
    assert rules.in_scope(world.other_township_staff, b) and not rules.in_scope(world.other_township_staff, a)
    assert rules.in_scope(world.county_admin, a) and rules.in_scope(world.county_admin, b)
    assert not rules.in_scope(world.villager_a, a)  # a villager holds no staff role


def test_scoped_list_and_single_roles_query(world, django_assert_num_queries):
    user = type(world.cadre_a).objects.get(pk=world.cadre_a.pk)
    with django_assert_num_queries(2):  # roles once, then the list
        names = {v.name for v in selectors.villagers_visible(user=user)}
        rules.in_scope(user, world.village_a.code)
    assert names == {"张三", "张小明"}


def test_the_signed_in_account_says_what_it_holds_in_one_query(world, django_assert_num_queries):
    """rules.signed_in (every request's account, core.logins): flags spare plain villagers four queries,
    and an account with something to find still finds it."""
    from django.contrib.auth import get_user_model

    from cunzhi.core.logins import AccountDelayBackend

    backend = AccountDelayBackend()
    with django_assert_num_queries(1):
        plain = backend.get_user(world.villager_b.pk)
        assert rules.role_rows(plain) == [] and rules.delegations_held_open(plain) == []
        assert not plain.cunzhi_is_helped and not plain.cunzhi_was_read
    staff = backend.get_user(world.township_staff.pk)
    assert staff.cunzhi_holds_roles and rules.in_scope(staff, world.village_a.code)
    # Open delegations only: a revoked or ended one is not "helps" nor "is helped".
    now = timezone.now()
    grant = {"helper": world.villager_b, "relation": Relation.FAMILY}
    world.villager_a.villager.delegations.create(
        **grant, scopes=[DelegationScope.MEETINGS], ends_at=now, revoked_at=now
    )
    world.villager_a.villager.delegations.create(**grant, scopes=[DelegationScope.MEETINGS], ends_at=now)
    helper, helped = backend.get_user(world.villager_b.pk), backend.get_user(world.villager_a.pk)
    assert not helper.cunzhi_helps and not helped.cunzhi_is_helped
    world.villager_a.villager.delegations.create(
        **grant, scopes=[DelegationScope.MEETINGS], ends_at=now + dt.timedelta(days=1)
    )
    helper, helped = backend.get_user(world.villager_b.pk), backend.get_user(world.villager_a.pk)
    assert helper.cunzhi_helps and len(rules.delegations_held_open(helper)) == 1 and helped.cunzhi_is_helped
    DataAccess.objects.create(subject=world.villager_a.villager, actor=world.township_staff, kind=AccessKind.STAFF_READ)
    assert backend.get_user(world.villager_a.pk).cunzhi_was_read
    # A role given later is found on the next request; an account switched off is not signed in.
    services.role_assign(actor=world.county_admin, user=helper, role=Role.CADRE, region=world.village_a)
    assert rules.role_rows(helper) and backend.get_user(helper.pk).cunzhi_holds_roles
    get_user_model().objects.filter(pk=helper.pk).update(is_active=False)
    assert backend.get_user(helper.pk) is None and backend.get_user(10**9) is None


def test_villager_derived_fields(world):
    v = world.villager_a.villager
    assert v.birth_date == dt.date(int(v.id_number[6:10]), int(v.id_number[10:12]), int(v.id_number[12:14]))
    assert v.sex == ("M" if int(v.id_number[16]) % 2 else "F")
    assert v.name_pinyin == "zhangsan"
    assert v.region_code == world.village_a.code


def test_adults_are_derived_from_birth_dates(world):
    today = timezone.localdate()
    child = VillagerFactory(
        village=world.village_a, name="小孩", id_number=next_id_number(birth=today.replace(year=today.year - 10))
    )
    adults = selectors.adults_in(region=world.village_a)
    assert child not in adults and world.villager_a.villager in adults
    assert not child.is_adult


def test_duplicate_id_number_is_refused(world):
    with pytest.raises(ValidationError):
        services.villager_create(
            actor=world.cadre_a, name="重复", id_number=world.villager_a.villager.id_number, village=world.village_a
        )
    assert Villager.objects.filter(name="重复").count() == 0


def test_full_width_numbers_are_stored_in_ascii_on_every_write(world):
    number = next_id_number()
    villager = services.villager_create(
        actor=world.cadre_a,
        name="赵六",
        id_number=full_width(number),
        village=world.village_a,
        phone=full_width("139 1234 5678"),
    )
    villager.refresh_from_db()
    assert (villager.id_number, villager.phone) == (number, "13912345678")
    with pytest.raises(ValidationError):  # the same person typed in ASCII is the same person
        services.villager_create(actor=world.cadre_a, name="赵六", id_number=number, village=world.village_a)
    villager.phone = full_width("139 1234 0000")  # e.g. corrected in the admin site
    villager.save()
    assert Villager.objects.get(pk=villager.pk).phone == "13912340000"
    assert services.user_create(phone=full_width("139 1234 5678"), name="赵六", password=None).phone == "13912345678"
    assert User.objects.create_user(full_width("13912345679"), password="x", name="钱七").phone == "13912345679"


def test_admin_account_form_stores_the_phone_in_ascii_and_sees_duplicates(world):
    from cunzhi.people.admin import UserCreationForm

    data = {"name": "赵六", "language": "zh-hans", "password1": "pass-word-123", "password2": "pass-word-123"}
    form = UserCreationForm(data={**data, "phone": full_width("139 1234 5678")})
    assert form.is_valid(), form.errors
    assert form.save().phone == "13912345678"
    form = UserCreationForm(data={**data, "phone": full_width(world.villager_a.phone)})
    assert not form.is_valid() and "phone" in form.errors


def test_delegation_grant_use_revoke(world):
    villager = world.villager_a.villager
    ends = timezone.now() + dt.timedelta(days=30)
    d = services.delegation_grant(
        villager=villager,
        actor=world.villager_a,
        helper=world.helper,
        relation=Relation.FAMILY,
        scopes=[DelegationScope.CONCERNS, "nonsense"],
        ends_at=ends,
    )
    assert d.scopes == [DelegationScope.CONCERNS]
    services.delegation_use(helper=world.helper, villager=villager, scope=DelegationScope.CONCERNS, purpose="raise")
    log = DataAccess.objects.get(subject=villager)
    assert log.kind == AccessKind.DELEGATION_USE and log.actor == world.helper
    with pytest.raises(ValidationError):  # scope not granted
        services.delegation_use(helper=world.helper, villager=villager, scope=DelegationScope.MEETINGS, purpose="x")
    services.delegation_revoke(delegation=d, actor=world.villager_a)
    with pytest.raises(ValidationError):
        services.delegation_use(helper=world.helper, villager=villager, scope=DelegationScope.CONCERNS, purpose="x")
    actions = list(AuditEvent.objects.filter(object_id=str(d.pk)).values_list("action", flat=True))
    assert sorted(actions) == ["delegation.grant", "delegation.revoke"]


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"scopes": []}, "at least one"),
        ({"ends_at": "past"}, "future"),
        ({"relation": Relation.GRID_WORKER}, "grid worker"),
    ],
)
def test_delegation_bad_input_is_refused(world, kwargs, message):
    base = {
        "villager": world.villager_a.villager,
        "actor": world.villager_a,
        "helper": world.helper,
        "relation": Relation.FAMILY,
        "scopes": [DelegationScope.CONCERNS],
        "ends_at": timezone.now() + dt.timedelta(days=3),
    }
    base.update(kwargs)
    if base["ends_at"] == "past":
        base["ends_at"] = timezone.now() - dt.timedelta(days=1)
    with pytest.raises(ValidationError) as err:
        services.delegation_grant(**base)
    assert message in str(err.value)
    assert not world.villager_a.villager.delegations.exists()


def test_only_the_villager_grants(world):
    with pytest.raises(ValidationError):
        services.delegation_grant(
            villager=world.villager_a.villager,
            actor=world.cadre_a,
            helper=world.helper,
            relation=Relation.FAMILY,
            scopes=[DelegationScope.CONCERNS],
            ends_at=timezone.now() + dt.timedelta(days=3),
        )


def test_grid_worker_delegation_needs_the_role(world):
    RoleAssignment.objects.create(user=world.helper, role=Role.GRID_WORKER, region=world.village_a)
    d = services.delegation_grant(
        villager=world.villager_a.villager,
        actor=world.villager_a,
        helper=world.helper,
        relation=Relation.GRID_WORKER,
        scopes=[DelegationScope.APPLICATIONS],
        ends_at=timezone.now() + dt.timedelta(days=3),
    )
    assert d.is_active


def test_access_record_skips_own_reads(world):
    villager = world.villager_a.villager
    assert (
        services.access_record(actor=world.villager_a, villager=villager, kind=AccessKind.STAFF_READ, purpose="self")
        is None
    )
    row = services.access_record(
        actor=world.township_staff, villager=villager, kind=AccessKind.STAFF_READ, purpose="check"
    )
    assert row.actor_office.startswith("递铺街道民政办")
