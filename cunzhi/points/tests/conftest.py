"""Fixtures for points: township T's catalogue kept by its civil affairs office (world.township_staff),
village A's rule and adopted items, a second household in A whose head (王五) objects, a representative
of A in the review group."""

import datetime as dt
from types import SimpleNamespace

import pytest

from cunzhi.people.models import Role, RoleAssignment
from cunzhi.people.tests.factories import HouseholdFactory, UserFactory, VillagerFactory
from cunzhi.points import services

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
