"""Fixtures for learning: a concern category to raise concerns with, a third villager of village A,
a grid worker of A, and a session helper."""

import datetime as dt

import pytest

from cunzhi.concerns.models import Category, Clock, Level, RoutingRule
from cunzhi.learning import services
from cunzhi.people.models import Role, RoleAssignment
from cunzhi.people.tests.factories import UserFactory, VillagerFactory

DAY = dt.date(2026, 6, 16)  # the clock fixture's day


@pytest.fixture
def lw(world, clock):
    """The world plus: a roads category routed to the village, 王五 (a third villager of A with an account),
    陈网格 (a grid worker of A)."""
    roads = Category.objects.create(
        code="roads", name="道路", name_en="Roads", clock=Clock.UTILITIES, level=Level.VILLAGE
    )
    RoutingRule.objects.create(category=roads, region=world.county, level=Level.VILLAGE)
    world.roads = roads
    user = UserFactory(phone="13900000005", name="王五")
    VillagerFactory(name="王五", village=world.village_a, group=world.group_a1, user=user, phone="13900000005")
    world.wangwu = user
    world.grid_a = UserFactory(phone="13900000050", name="陈网格")
    RoleAssignment.objects.create(user=world.grid_a, role=Role.GRID_WORKER, region=world.village_a)
    return world


@pytest.fixture
def session_of(lw):
    """session_of(attendees, topic="concern"): a session in village A today, its attendees checked in."""

    def _make(attendees=(), topic="concern", date=DAY, start=dt.time(9, 0)):
        s = services.session_record(
            village=lw.village_a,
            date=date,
            start_time=start,
            topic=topic,
            trainer_kind="cadre",
            trainer_name="王书记",
            actor=lw.cadre_a,
        )
        for user in attendees:
            services.attendance_check_in(session=s, villager=user.villager, actor=lw.cadre_a)
        return s

    return _make
