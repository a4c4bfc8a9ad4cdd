"""Organisations API: public lists, sign-up, and the organisers' participants, check-in and hours — with the
refusals (403 for another village's villager, other township staff, another office; 401 anonymous)."""

import pytest

from cunzhi.organisations import codes
from cunzhi.organisations.models import Participant
from cunzhi.organisations.tests.conftest import to_activity_day

API = "/api/v1/organisations"


@pytest.fixture
def api(client, world, org, other_office_staff):
    def _as(who):
        client.logout()
        if who != "anonymous":
            user = {"leader": org.leader, "other_office_staff": other_office_staff}.get(who) or getattr(world, who)
            client.force_login(user)
        return client

    return _as


def test_public_reads(api, world, org):
    c = api("anonymous")
    rows = c.get(f"{API}/regions/{world.village_a.code}").json()
    assert rows["items"][0]["name"] == "鹤鹿溪村志愿服务队" and rows["items"][0]["leaders"] == ["刘队长"]
    assert c.get(f"{API}/{org.team.public_id}").status_code == 200
    acts = c.get(f"{API}/{org.team.public_id}/activities").json()
    assert acts["items"][0]["places"] == 3
    assert c.get(f"{API}/activities/{org.activity.public_id}").json()["taken"] == 0
    assert c.get(f"{API}/activities/nope").status_code == 404


@pytest.mark.parametrize("who", ("anonymous", "villager_b", "other_township_staff", "other_office_staff"))
def test_refusals(api, org, who):
    c = api(who)
    act = org.activity.public_id
    expected = 401 if who == "anonymous" else 403
    assert c.post(f"{API}/activities/{act}/signups", {}, content_type="application/json").status_code == expected
    assert c.get(f"{API}/activities/{act}/participants").status_code == expected
    body = {"participant": 1}
    assert c.post(f"{API}/activities/{act}/checkins", body, content_type="application/json").status_code == expected
    hours = {"hours": {"1": "2"}}
    assert c.post(f"{API}/activities/{act}/hours", hours, content_type="application/json").status_code == expected
    new = {
        "title": "x",
        "place": "y",
        "starts_at": "2026-07-01T09:00:00+08:00",
        "ends_at": "2026-07-01T10:00:00+08:00",
        "places": 2,
    }
    assert (
        c.post(f"{API}/{org.team.public_id}/activities", new, content_type="application/json").status_code == expected
    )


def test_sign_up_check_in_and_hours(api, world, org, clock):
    act = org.activity.public_id
    c = api("villager_a")
    made = c.post(f"{API}/activities/{act}/signups", {}, content_type="application/json")
    assert made.status_code == 201 and made.json()["name"] == "张三"
    assert c.get(f"{API}/activities/{act}/participants").status_code == 403
    lead = api("leader")
    pid = made.json()["id"]
    early = lead.post(f"{API}/activities/{act}/checkins", {"participant": pid}, content_type="application/json")
    assert early.status_code == 409
    to_activity_day(clock, org)
    p = Participant.objects.get(pk=pid)
    token = codes.participant_code(activity=p.activity, participant=p)
    done = lead.post(f"{API}/activities/{act}/checkins", {"code": token}, content_type="application/json")
    assert done.status_code == 200 and done.json()["checked_in_at"]
    bad = lead.post(f"{API}/activities/{act}/hours", {"hours": {str(pid): "x"}}, content_type="application/json")
    assert bad.status_code == 422
    ok = lead.post(f"{API}/activities/{act}/hours", {"hours": {str(pid): "2"}}, content_type="application/json")
    assert ok.status_code == 200 and ok.json()["status"] == "done"
    again = lead.post(f"{API}/activities/{act}/hours", {"hours": {str(pid): "2"}}, content_type="application/json")
    assert again.status_code == 409
    rows = lead.get(f"{API}/activities/{act}/participants").json()["items"]
    assert rows[0]["hours"] == "2.0" and rows[0]["confirmed"]


def test_organisers_post_activities(api, org):
    new = {
        "title": "敬老探访",
        "place": "村老年活动室",
        "starts_at": "2026-07-01T09:00:00+08:00",
        "ends_at": "2026-07-01T11:00:00+08:00",
        "places": 5,
    }
    made = api("leader").post(f"{API}/{org.team.public_id}/activities", new, content_type="application/json")
    assert made.status_code == 201 and made.json()["places"] == 5
    bad = dict(new, ends_at="2026-07-01T08:00:00+08:00")
    assert (
        api("leader").post(f"{API}/{org.team.public_id}/activities", bad, content_type="application/json").status_code
        == 422
    )
