"""Organisation pages: who may open each, what they do, and the refusals (anonymous, a villager of another
village, staff of another township, another office of the same township)."""

from decimal import Decimal

import pytest
from django.urls import reverse

from cunzhi.organisations import codes, services
from cunzhi.organisations.models import ActivityStatus, Participant
from cunzhi.organisations.tests.conftest import to_activity_day
from cunzhi.people.tests.factories import VillagerFactory

REFUSED = ("anonymous", "villager_b", "other_township_staff", "other_office_staff")


@pytest.fixture
def as_(client, world, org, other_office_staff):
    def _as(who):
        client.logout()
        if who != "anonymous":
            user = {"leader": org.leader, "other_office_staff": other_office_staff}.get(who) or getattr(world, who)
            client.force_login(user)
        return client

    return _as


def _refused(response):
    return response.status_code in (302, 403, 404) and (
        response.status_code != 302 or "/login" in response["Location"] or "login" in response["Location"]
    )


def test_public_pages_open_to_everyone(client, world, org, django_assert_max_num_queries):
    for i in range(5):
        services.organisation_register(region=world.village_a, kind="elders", name=f"协会{i}", actor=world.cadre_a)
    with django_assert_max_num_queries(12):
        page = client.get(reverse("organisations:region", args=[world.village_a.code]))
    assert page.status_code == 200 and "鹤鹿溪村志愿服务队" in page.content.decode()
    page = client.get(reverse("organisations:detail", args=[org.team.public_id]))
    assert page.status_code == 200 and "刘队长" in page.content.decode()
    page = client.get(reverse("organisations:activity", args=[org.activity.public_id]))
    assert page.status_code == 200 and "村口垃圾清理" in page.content.decode()
    assert client.get(reverse("organisations:region", args=["330523999999"])).status_code == 404


@pytest.mark.parametrize("who", (*REFUSED, "villager_a"))
def test_registering_is_refused_to_others(as_, world, who):
    url = reverse("organisations:register", args=[world.village_a.code])
    assert _refused(as_(who).get(url))
    assert _refused(as_(who).post(url, {"kind": "elders", "name": "x"}))


def test_the_cadre_registers(as_, world):
    url = reverse("organisations:register", args=[world.village_a.code])
    assert as_("cadre_a").get(url).status_code == 200
    bad = as_("cadre_a").post(url, {"kind": "elders", "name": ""})
    assert bad.status_code == 200
    done = as_("cadre_a").post(url, {"kind": "elders", "name": "老年协会"})
    assert done.status_code == 302


@pytest.mark.parametrize("who", ("anonymous", "villager_b", "other_township_staff", "other_office_staff"))
def test_writing_to_the_organisation_is_for_its_area(as_, org, who):
    url = reverse("organisations:contact", args=[org.team.public_id])
    assert _refused(as_(who).post(url, {"message": "你好"}))


def test_a_villager_writes_to_the_organisation(as_, org):
    url = reverse("organisations:contact", args=[org.team.public_id])
    assert as_("villager_a").post(url, {"message": "你好"}).status_code == 302
    assert as_("villager_a").post(url, {"message": ""}).status_code == 200


MANAGE = ("members", "activity_new")
ACT_MANAGE = ("desk", "hours")


@pytest.mark.parametrize("who", (*REFUSED, "villager_a"))
@pytest.mark.parametrize("name", MANAGE)
def test_organiser_pages_refused(as_, org, who, name):
    assert _refused(as_(who).get(reverse(f"organisations:{name}", args=[org.team.public_id])))


@pytest.mark.parametrize("who", (*REFUSED, "villager_a"))
@pytest.mark.parametrize("name", (*ACT_MANAGE, "cancel"))
def test_activity_organiser_pages_refused(as_, org, who, name):
    url = reverse(f"organisations:{name}", args=[org.activity.public_id])
    assert _refused(as_(who).post(url, {"reason": "x", "q": ""}))
    assert org.activity.status == ActivityStatus.OPEN


@pytest.mark.parametrize("who", ("leader", "cadre_a"))
def test_organiser_pages_open_to_leaders_and_cadres(as_, org, who):
    for name in MANAGE:
        assert as_(who).get(reverse(f"organisations:{name}", args=[org.team.public_id])).status_code == 200
    for name in ACT_MANAGE:
        assert as_(who).get(reverse(f"organisations:{name}", args=[org.activity.public_id])).status_code == 200


def test_members_are_found_by_name_and_added(as_, world, org):
    url = reverse("organisations:members", args=[org.team.public_id])
    done = as_("leader").post(url, {"term": "张小明"})
    assert done.status_code == 302
    assert org.team.memberships.filter(villager=world.helper.villager).exists()
    nobody = as_("leader").post(url, {"term": "李四"})  # another village's villager is not found
    assert nobody.status_code == 200 and not org.team.memberships.filter(villager=world.villager_b.villager).exists()


def test_activity_flow_through_the_pages(as_, world, org, clock, django_assert_max_num_queries):
    act = org.activity
    url = reverse("organisations:sign_up", args=[act.public_id])
    villager = world.villager_a.villager
    assert _refused(as_("villager_b").post(url, {"villager": villager.public_id}))
    assert as_("villager_a").post(url, {"villager": villager.public_id}).status_code == 302
    code = as_("villager_a").get(reverse("organisations:code", args=[act.public_id]))
    assert code.status_code == 200 and "data:image/svg+xml" in code.content.decode()
    assert as_("villager_b").get(reverse("organisations:code", args=[act.public_id])).status_code == 403
    for i in range(2):
        v = VillagerFactory(name=f"王{i}", village=world.village_a, household=org.house)
        services.sign_up(activity=act, villager=v, actor=org.leader)
    to_activity_day(clock, org)
    desk = reverse("organisations:desk", args=[act.public_id])
    page = as_("leader").get(desk + "?q=张")
    assert "张三" in page.content.decode()
    p = Participant.objects.get(activity=act, villager=villager)
    assert as_("leader").post(desk, {"participant": p.pk}).status_code == 302
    other = Participant.objects.exclude(pk=p.pk).filter(activity=act).first()
    token = codes.participant_code(activity=act, participant=other)
    assert as_("leader").post(desk, {"code": token}).status_code == 302
    assert as_("leader").post(desk, {"code": "nonsense"}).status_code == 302
    scan = reverse("organisations:scan", args=[act.public_id, token])
    assert as_("villager_a").get(scan).status_code == 403
    leader = as_("leader")
    with django_assert_max_num_queries(25):  # the same with 3 participants or 300: none per row
        page = leader.get(reverse("organisations:activity", args=[act.public_id]))
    assert page.status_code == 200
    hours = reverse("organisations:hours", args=[act.public_id])
    bad = as_("leader").post(hours, {f"hours_{p.pk}": "abc"})
    assert bad.status_code == 200 and "abc" not in str(Participant.objects.values_list("hours", flat=True))
    assert as_("leader").post(hours, {f"hours_{p.pk}": "2.5", f"hours_{other.pk}": "3"}).status_code == 302
    p.refresh_from_db()
    assert p.hours == Decimal("2.5") and p.confirmed_at is not None
