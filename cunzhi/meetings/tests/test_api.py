"""API: meetings, attendance, motions, ballots, results; scope, retries, bad input, fixed queries."""

import json

import pytest

from cunzhi.meetings import services
from cunzhi.meetings.models import Attendance, Ballot

from .conftest import add_villagers
from .helpers import convene, in_session, member_of

API = "/api/v1"


def post(client, path, data):
    return client.post(API + path, json.dumps(data), content_type="application/json")


def test_meeting_list_by_scope_with_fixed_queries(world, client, login, django_assert_max_num_queries):
    for i in range(4):
        convene(world, title=f"会{i}")
    assert client.get(API + "/meetings").status_code == 401
    c = login(world.villager_a)
    with django_assert_max_num_queries(8):
        r = c.get(API + "/meetings")
    assert r.status_code == 200 and r.json()["count"] == 4
    assert login(world.villager_b).get(API + "/meetings").json()["count"] == 0
    assert login(world.other_township_staff).get(API + "/meetings").json()["count"] == 0
    assert login(world.township_staff).get(API + "/meetings?status=draft").json()["count"] == 4
    assert login(world.township_staff).get(API + "/meetings?status=bogus").status_code == 422


def test_meeting_detail_scope_and_my_members(world, login):
    meeting = in_session(world)
    r = login(world.villager_a).get(f"{API}/meetings/{meeting.public_id}")
    body = r.json()
    assert r.status_code == 200 and body["quorum"]["modes"][0]["mode"] == "persons"
    assert body["my_members"] == [
        {
            "member_id": member_of(meeting, world.villager_a.villager).pk,
            "name": "张三",
            "self": True,
            "checked_in": False,
        }
    ]
    for refused in (world.villager_b, world.other_township_staff):
        r = login(refused).get(f"{API}/meetings/{meeting.public_id}")
        assert r.status_code == 404 and r.json()["code"] == "not_found"


def test_check_in_and_vote_with_retries(world, login):
    add_villagers(world.village_a, 1)
    meeting = in_session(world)
    c = login(world.villager_a)
    r = post(c, f"/meetings/{meeting.public_id}/attendance", {})
    assert r.status_code == 201 and r.json()["attendance"]["mode"] == "remote"
    r = post(c, f"/meetings/{meeting.public_id}/attendance", {})
    assert r.status_code == 200 and r.json()["created"] is False
    services.attendance_check_in(
        actor=world.cadre_a, meeting=meeting, member=member_of(meeting, world.helper.villager), at_venue=True
    )
    motion = services.motion_add(actor=world.cadre_a, meeting=meeting, title="x", text="…", ballot="secret")
    services.motion_open(actor=world.cadre_a, motion=motion)
    path = f"/meetings/{meeting.public_id}/motions/{motion.public_id}/ballots"
    r = post(c, path, {"choice": "yes"})
    assert r.status_code == 201 and r.json()["choice"] == ""
    assert post(c, path, {"choice": "yes"}).status_code == 200
    r = post(c, path, {"choice": "perhaps"})
    assert r.status_code == 422 and r.json()["code"] == "invalid"
    motions = c.get(f"{API}/meetings/{meeting.public_id}/motions").json()
    assert motions[0]["ballots_cast"] == 1 and motions[0]["yes"] is None  # secret: hidden until close
    other = member_of(meeting, world.helper.villager)
    assert post(c, path, {"choice": "no", "member_id": other.pk}).status_code == 403
    assert post(login(world.villager_b), path, {"choice": "no"}).status_code == 404
    services.motion_close(actor=world.cadre_a, motion=motion)
    r = post(login(world.helper), path, {"choice": "no"})
    assert r.status_code == 422 and "closed" in r.json()["detail"]
    results = login(world.villager_a).get(f"{API}/meetings/{meeting.public_id}/results").json()
    assert results["motions"][0]["yes"] == 1 and results["motions"][0]["attendees"] == 2
    assert Ballot.objects.count() == 1


def test_attendance_list_shows_who_counted(world, login, django_assert_max_num_queries):
    add_villagers(world.village_a, 10)
    meeting = in_session(world)
    for m in meeting.members.select_related("villager"):
        services.attendance_check_in(actor=world.cadre_a, meeting=meeting, member=m, at_venue=True)
    c = login(world.villager_a)
    with django_assert_max_num_queries(10):
        r = c.get(f"{API}/meetings/{meeting.public_id}/attendance")
    rows = r.json()["items"]
    assert r.json()["count"] == 12 and rows[0]["recorded_by"] == "王书记" and rows[0]["method"] == "staff_search"
    assert login(world.other_township_staff).get(f"{API}/meetings/{meeting.public_id}/attendance").status_code == 404


def test_desk_staff_check_in_through_the_api(world, login):
    meeting = in_session(world)
    me = member_of(meeting, world.villager_a.villager)
    r = post(login(world.cadre_a), f"/meetings/{meeting.public_id}/attendance", {"member_id": me.pk, "at_venue": True})
    assert r.status_code == 201 and r.json()["attendance"]["method"] == "staff_search"
    r = post(
        login(world.township_staff),
        f"/meetings/{meeting.public_id}/attendance",
        {"member_id": member_of(meeting, world.helper.villager).pk, "at_venue": True},
    )
    assert r.status_code == 403
    assert Attendance.objects.count() == 1


def test_live_endpoint(world, login):
    meeting = in_session(world)
    r = login(world.villager_a).get(f"{API}/meetings/{meeting.public_id}/live")
    assert r.status_code == 200 and r.json()["members"] == 2 and r.json()["floor"] is None
    assert login(world.villager_b).get(f"{API}/meetings/{meeting.public_id}/live").status_code == 404


@pytest.mark.parametrize("path", ["/meetings/nope", "/meetings/nope/attendance", "/meetings/nope/results"])
def test_unknown_meeting_is_404(world, login, path):
    assert login(world.villager_a).get(API + path).status_code == 404
