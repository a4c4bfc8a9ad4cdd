"""Fixtures for organisations: village A's volunteer team led by 刘队长 (a villager of A), with 张三
(world.villager_a) a member, and a clean-up tomorrow with 3 places."""

import datetime as dt
from types import SimpleNamespace

import pytest

from cunzhi.organisations import services
from cunzhi.people.tests.factories import HouseholdFactory, UserFactory, VillagerFactory

SERVICE = "106900001"


@pytest.fixture
def org(world, clock, settings):
    settings.KANNEL_SENDER = SERVICE
    team = services.organisation_register(
        region=world.village_a,
        kind="volunteers",
        name="鹤鹿溪村志愿服务队",
        description="环境整治",
        actor=world.cadre_a,
    )
    house = HouseholdFactory(village=world.village_a, group=world.group_a1, number="A0009")
    user = UserFactory(phone="13950000077", name="刘队长")
    leader = VillagerFactory(name="刘队长", village=world.village_a, household=house, user=user, phone=user.phone)
    services.member_add(organisation=team, villager=leader, is_leader=True, actor=world.cadre_a)
    services.member_add(organisation=team, villager=world.villager_a.villager, is_leader=False, actor=user)
    from django.utils import timezone

    start = timezone.now() + dt.timedelta(days=1)
    activity = services.activity_create(
        organisation=team,
        title="村口垃圾清理",
        place="村委会门口",
        starts_at=start,
        ends_at=start + dt.timedelta(hours=3),
        places=3,
        actor=user,
    )
    return SimpleNamespace(team=team, leader=user, leader_villager=leader, activity=activity, house=house)


def to_activity_day(clock, org, hours=1):
    """Move the clock into the activity (an hour after it starts)."""
    clock.move_to(org.activity.starts_at + dt.timedelta(hours=hours))
