"""Fixtures for elections: village A (of the test world) electing a committee of 3 on 2026-07-20, with a
roster of adults in a few households (women and men), a minor, and a committee member chosen by a meeting."""

import datetime as dt
import itertools
from types import SimpleNamespace

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from cunzhi.core.idnumbers import id_number_build
from cunzhi.elections import services
from cunzhi.people.tests.factories import HouseholdFactory, VillagerFactory

TODAY = dt.date(2026, 6, 16)  # the clock fixture's day
DAY = dt.date(2026, 7, 20)  # election day: 34 days on
_seq = itertools.count(500)


def person(village, name, *, female=False, born=dt.date(1980, 3, 1), household=None, **kw):
    n = next(_seq)
    n = n * 2 if female else n * 2 + 1  # odd sequence = male
    return VillagerFactory(
        name=name, village=village, household=household, id_number=id_number_build("330523", born, n), **kw
    )


def png():
    from io import BytesIO

    from PIL import Image

    buf = BytesIO()
    Image.new("RGB", (20, 20), "white").save(buf, "PNG")
    return SimpleUploadedFile("form.png", buf.getvalue(), content_type="image/png")


@pytest.fixture
def el(world, clock):
    a = world.village_a
    h1 = HouseholdFactory(village=a, group=world.group_a1, number="E0001")
    h2 = HouseholdFactory(village=a, group=world.group_a1, number="E0002")
    people = SimpleNamespace(
        li=person(a, "李明", household=h1),
        wang=person(a, "王芳", female=True, household=h1),
        zhao=person(a, "赵强", household=h2),
        qian=person(a, "钱丽", female=True, household=h2),
        sun=person(a, "孙伟", household=h2, living_away=True),
        zhou=person(a, "周杰", household=h2),
        kid=person(a, "李小", born=dt.date(2009, 1, 1), household=h1),  # 17 on election day
    )
    election = services.election_create(
        village=a, title="第十二届村民委员会选举", election_day=DAY, seats=3, actor=world.cadre_a
    )
    member = services.committee_member_add(
        election=election,
        villager=people.zhou,
        resolution="2026年6月村民代表会议决议第1号",
        is_chair=True,
        actor=world.cadre_a,
    )
    return SimpleNamespace(election=election, p=people, member=member, h1=h1, h2=h2)


def to_list_final(world, el, clock):
    """Register from the roster, publish, let the objection period pass, make the list final."""
    services.voters_register_roster(election=el.election, actor=world.cadre_a)
    services.list_publish(election=el.election, actor=world.cadre_a)
    clock.shift(dt.timedelta(days=6).total_seconds())
    services.list_finalise(election=el.election, actor=world.cadre_a)
    el.election.refresh_from_db()
    return el.election


def voter(election, villager):
    return election.voters.get(villager=villager)
