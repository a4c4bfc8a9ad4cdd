"""Concerns handed to an organisation (issue 16, "concerns co-handled"): the cadre hands a public concern to the
village's volunteer team; its leader sees it, records work and answers under the team's name; the villager is told;
the concern keeps its owner and its clock. Pages and API, with the refusals for every role."""

import pytest
from django.urls import reverse

from cunzhi.concerns import services as concern_services
from cunzhi.concerns.models import Category, Clock, Concern, Kind, Level, Status
from cunzhi.core.models import AuditEvent
from cunzhi.notify.models import Notice
from cunzhi.organisations import services as org_services
from cunzhi.organisations.models import Handover, HandoverStatus

API = "/api/v1/organisations"
REFUSED = ("anonymous", "villager_b", "other_township_staff", "other_office_staff")


@pytest.fixture
def concern(world, org):
    roads = Category.objects.create(
        code="roads", name="道路", name_en="Roads", clock=Clock.UTILITIES, level=Level.VILLAGE
    )
    return concern_services.concern_submit(
        actor=world.villager_a, category=roads, kind=Kind.REPORT, text="竹林步道上有很多垃圾，需要清理"
    )


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
    return response.status_code in (302, 401, 403, 404) and (
        response.status_code != 302 or "login" in response["Location"]
    )


def test_hand_work_answer_through_the_pages(as_, world, org, concern):
    due = concern.answer_due_at
    c = as_("cadre_a")
    detail = c.get(reverse("concerns:detail", args=[concern.public_id])).content.decode()
    hand_url = reverse("organisations:hand", args=[concern.public_id])
    assert hand_url in detail
    page = c.get(hand_url)
    assert page.status_code == 200 and "鹤鹿溪村志愿服务队" in page.content.decode()
    bad = c.post(hand_url, {"organisation": "", "note": "x"})  # no organisation chosen: nothing changed
    assert bad.status_code == 400 and not Handover.objects.exists()
    done = c.post(hand_url, {"organisation": org.team.public_id, "note": "请周末组织清理"})
    assert done.status_code == 302
    h = Handover.objects.get()
    concern.refresh_from_db()
    # The cadre took it and stays responsible; the clock did not move.
    assert concern.owner == world.cadre_a and concern.status == Status.ACKNOWLEDGED and concern.answer_due_at == due
    assert Notice.objects.filter(template="concerns_handed").exists()  # the villager is told
    again = c.post(hand_url, {"organisation": org.team.public_id})
    assert again.status_code == 400 and Handover.objects.count() == 1

    leader = as_("leader")
    listing = leader.get(reverse("organisations:handovers", args=[org.team.public_id])).content.decode()
    assert concern.number in listing
    url = reverse("organisations:handover", args=[h.public_id])
    assert "竹林步道" in leader.get(url).content.decode()
    assert leader.post(url, {"action": "work", "text": ""}).status_code == 400
    assert leader.post(url, {"action": "work", "text": "周六8人清理了步道"}).status_code == 302
    assert leader.post(url, {"action": "answer", "text": "已清理完毕，并安排每周巡查"}).status_code == 302
    h.refresh_from_db()
    concern.refresh_from_db()
    assert h.status == HandoverStatus.ANSWERED
    assert concern.status == Status.ANSWERED and concern.owner == world.cadre_a and concern.answered_in_time
    answer = concern.answers.get()
    assert answer.office_name == "鹤鹿溪村志愿服务队" and answer.author == org.leader
    actions = list(
        AuditEvent.objects.filter(object_type="concerns.concern", object_id=str(concern.pk)).values_list(
            "action", flat=True
        )
    )
    assert {"concern.hand_to_org", "concern.org_work", "concern.answer"} <= set(actions)
    # The villager reads it on the concern's timeline, in both languages.
    villager = as_("villager_a")
    text = villager.get(reverse("concerns:detail", args=[concern.public_id])).content.decode()
    assert "鹤鹿溪村志愿服务队" in text and "周六8人清理了步道" in text
    villager.cookies["django_language"] = "zh-hans"
    zh = villager.get(reverse("concerns:detail", args=[concern.public_id]), HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert "交给" in zh.content.decode() or "交办" in zh.content.decode()
    # Once answered, no more work.
    leader = as_("leader")
    assert leader.post(url, {"action": "work", "text": "再补充"}).status_code == 400


def test_a_private_concern_is_not_handed(as_, world, org, concern):
    Concern.objects.filter(pk=concern.pk).update(is_public=False)
    r = as_("cadre_a").post(
        reverse("organisations:hand", args=[concern.public_id]), {"organisation": org.team.public_id}
    )
    assert r.status_code == 400 and not Handover.objects.exists()


@pytest.mark.parametrize("who", (*REFUSED, "villager_a", "leader"))
def test_handing_is_refused_to_others(as_, org, concern, who):
    url = reverse("organisations:hand", args=[concern.public_id])
    assert _refused(as_(who).get(url))
    assert _refused(as_(who).post(url, {"organisation": org.team.public_id}))
    api = as_(who).post(
        f"{API}/{org.team.public_id}/concerns", {"concern": concern.public_id}, content_type="application/json"
    )
    assert api.status_code in (401, 403, 404)
    assert not Handover.objects.exists()


@pytest.mark.parametrize("who", (*REFUSED, "villager_a", "cadre_b"))
def test_the_handed_concern_is_for_the_leaders(as_, world, org, concern, who, request):
    if who == "cadre_b":  # a cadre of another village
        world.cadre_b = request.getfixturevalue("cadre_b")
    h = org_services.concern_hand(concern=concern, organisation=org.team, actor=world.cadre_a)
    c = as_(who)
    assert _refused(c.get(reverse("organisations:handovers", args=[org.team.public_id])))
    url = reverse("organisations:handover", args=[h.public_id])
    assert _refused(c.get(url))
    assert _refused(c.post(url, {"action": "answer", "text": "x"}))
    assert c.get(f"{API}/{org.team.public_id}/concerns").status_code in (401, 403)
    assert c.post(
        f"{API}/handovers/{h.public_id}/work", {"text": "x"}, content_type="application/json"
    ).status_code in (
        401,
        403,
    )
    assert not h.work.exists() and Handover.objects.get().status == HandoverStatus.WORKING


def test_the_api_flow(as_, world, org, concern, django_assert_max_num_queries):
    c = as_("cadre_a")
    made = c.post(
        f"{API}/{org.team.public_id}/concerns",
        {"concern": concern.public_id, "note": "n"},
        content_type="application/json",
    )
    assert made.status_code == 201, made.content
    hid = made.json()["id"]
    leader = as_("leader")
    with django_assert_max_num_queries(12):
        rows = leader.get(f"{API}/{org.team.public_id}/concerns").json()
    assert rows["items"][0]["number"] == concern.number
    assert leader.post(f"{API}/handovers/{hid}/work", {"text": ""}, content_type="application/json").status_code == 422
    assert (
        leader.post(f"{API}/handovers/{hid}/work", {"text": "去看了"}, content_type="application/json").status_code
        == 200
    )
    done = leader.post(f"{API}/handovers/{hid}/answer", {"text": "已处理"}, content_type="application/json")
    assert done.status_code == 200 and done.json()["status"] == "answered"
    again = leader.post(f"{API}/handovers/{hid}/answer", {"text": "已处理"}, content_type="application/json")
    assert again.status_code == 409
