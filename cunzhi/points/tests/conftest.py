"""Fixtures for points: township T's catalogue kept by its civil affairs office (world.township_staff),
village A's rule and adopted items, a second household in A whose head (王五) objects, a representative
of A in the review group."""

import datetime as dt
from types import SimpleNamespace

import pytest
from django.utils import timezone

from cunzhi.people.models import Role, RoleAssignment
from cunzhi.people.tests.factories import HouseholdFactory, UserFactory, VillagerFactory
from cunzhi.points import services
from cunzhi.points.models import Adoption, Entry, EntryStatus, Objection
from cunzhi.regions.models import Level, Region

TODAY = dt.date(2026, 6, 16)  # the clock fixture's day


@pytest.fixture
def pw(world, clock):
    cleanup = services.item_create(
        township=world.township_t,
        title="参加环境整治",
        sign="positive",
        points=5,
        min_points=3,
        max_points=8,
        evidence="活动照片",
        yearly_cap=20,
        actor=world.township_staff,
    )
    litter = services.item_create(
        township=world.township_t,
        title="乱倒垃圾",
        sign="negative",
        points=5,
        min_points=2,
        max_points=10,
        actor=world.township_staff,
    )
    services.rule_set(
        village=world.village_a,
        holder="household",
        base_grant=10,
        exclude_away=True,
        objection_days=7,
        review_roles=[Role.CADRE, Role.REPRESENTATIVE],
        actor=world.cadre_a,
    )
    adopt_cleanup = services.adoption_set(
        village=world.village_a, item=cleanup, points=6, yearly_cap=18, actor=world.cadre_a
    )
    adopt_litter = services.adoption_set(
        village=world.village_a, item=litter, points=5, yearly_cap=0, actor=world.cadre_a
    )
    house2 = HouseholdFactory(village=world.village_a, group=world.group_a1, number="A0002")
    user2 = UserFactory(phone="13950000002", name="王五")
    neighbour = VillagerFactory(name="王五", village=world.village_a, household=house2, user=user2, phone=user2.phone)
    house2.representative = neighbour
    house2.save()
    rep = UserFactory(phone="13950000009", name="陈代表")
    RoleAssignment.objects.create(user=rep, role=Role.REPRESENTATIVE, region=world.village_a)
    return SimpleNamespace(
        cleanup=cleanup,
        litter=litter,
        adopt_cleanup=adopt_cleanup,
        adopt_litter=adopt_litter,
        house2=house2,
        neighbour=user2,
        representative=rep,
    )


def declare(world, pw, *, actor=None, household=None, adoption=None, day=TODAY, text="清理村口垃圾"):
    return services.entry_declare(
        adoption=adoption or pw.adopt_cleanup,
        household=household or world.household_a,
        occurred_on=day,
        description=text,
        actor=actor or world.villager_a,
    )


def posted(world, pw, **kw):
    entry = declare(world, pw, **kw)
    return services.entry_review(entry=entry, approve=True, reason="照片属实", actor=world.cadre_a)


def _aware(*args):
    return timezone.make_aware(dt.datetime(*args))


JUNE = {"start": _aware(2026, 6, 1), "end": _aware(2026, 7, 1)}
MAY = {"start": _aware(2026, 5, 1), "end": _aware(2026, 6, 1)}
Q2 = {"start": _aware(2026, 4, 1), "end": _aware(2026, 7, 1)}


def _decide(objection, uphold, actor):
    return services.objection_decide(objection=objection, uphold=uphold, reason="经核实", actor=actor)


@pytest.fixture
def story(world, pw, clock):
    """Points figures' hand-built village (issue 16): village A of township T, June 2026 (the clock's month).

    - 张三's household: two clean-ups counted in June (+6 each, one after an objection dismissed), a third counted
      in May (its objection raised and dismissed in May), a litter deduction declared but never reviewed.
    - 王五's household: a clean-up overturned on an objection upheld, a litter deduction counted (−5), another
      litter deduction whose objection is still open (not counted).
    - base grants (not an item); a second village of T (新村) using the clean-up item with no entry; an item A
      stopped using, with no entry (shown nowhere).
    The clock ends on 24 June."""
    posted(world, pw)  # counted in June
    e2 = posted(world, pw, text="清理河道")
    e5 = posted(world, pw, text="清理水塘")
    e3 = posted(world, pw, household=pw.house2, actor=pw.neighbour, text="清理村口")
    posted(world, pw, household=pw.house2, adoption=pw.adopt_litter, actor=pw.neighbour, text="溪边倒垃圾")
    e6 = posted(world, pw, household=pw.house2, adoption=pw.adopt_litter, actor=pw.neighbour, text="路边堆杂物")
    declare(world, pw, adoption=pw.adopt_litter, actor=world.cadre_a, text="没有评议")
    upheld = services.objection_raise(entry=e3, reason="那天他不在村里", actor=world.villager_a)
    _decide(upheld, True, pw.representative)
    _decide(services.objection_raise(entry=e2, reason="照片是别人的", actor=pw.neighbour), False, world.cadre_a)
    services.objection_raise(entry=e6, reason="杂物是施工材料", actor=world.villager_a)  # still open
    may = services.objection_raise(entry=e5, reason="不对", actor=pw.neighbour)
    _decide(may, False, world.cadre_a)
    Objection.objects.filter(pk=may.pk).update(created_at=_aware(2026, 5, 20), decided_at=_aware(2026, 5, 21))
    services.base_grant_apply(village=world.village_a, actor=world.cadre_a)
    clock.shift(8 * 86400)  # 24 June: the objection periods are over
    assert services.entries_count_due() == 4  # the first, e2, the litter deduction, e5
    Entry.objects.filter(pk=e5.pk).update(counted_at=_aware(2026, 5, 30))
    newer = Region.objects.create(code="330523100202", name="新村", level=Level.VILLAGE, parent=world.township_t)
    Adoption.objects.create(village=newer, item=pw.cleanup, points=5)
    unused = services.item_create(
        township=world.township_t,
        title="不再使用的项目",
        sign="positive",
        points=2,
        min_points=1,
        max_points=3,
        actor=world.township_staff,
    )
    services.adoption_set(
        village=world.village_a, item=unused, points=2, yearly_cap=0, active=False, actor=world.cadre_a
    )
    assert {e.pk: e.status for e in Entry.objects.filter(pk__in=[e3.pk, e6.pk])} == {
        e3.pk: EntryStatus.OVERTURNED,
        e6.pk: EntryStatus.OBJECTED,
    }
