"""API: /api/v1/learning/ — lessons (public), sessions, attendance, the outcome; permissions per endpoint."""

import pytest

from cunzhi.learning.models import TrainingAttendance, TrainingSession

BASE = "/api/v1/learning"


def test_lessons_are_public(client, db):
    rows = client.get(f"{BASE}/lessons").json()
    assert [r["key"] for r in rows][:2] == ["concern", "rate"]
    assert rows[0]["measured"] and rows[0]["steps"][0]["picture"] == "concern-1.png"
    assert not next(r for r in rows if r["key"] == "login")["measured"]
    zh = client.get(f"{BASE}/lessons/concern", HTTP_ACCEPT_LANGUAGE="zh-hans").json()
    assert zh["title"] == "提出诉求并跟进"
    missing = client.get(f"{BASE}/lessons/nope")
    assert missing.status_code == 404 and missing.json()["code"] == "not_found"


def test_record_check_in_and_outcome(lw, login, session_of, clock):
    c = login(lw.cadre_a)
    a = lw.village_a.code
    r = c.post(
        f"{BASE}/villages/{a}/sessions",
        {
            "date": "2026-06-16",
            "start_time": "08:30",
            "end_time": "10:00",
            "topic": "concern",
            "trainer_kind": "grid_worker",
            "trainer_name": "陈网格",
        },
        content_type="application/json",
    )
    assert r.status_code == 201, r.content
    assert (r.json()["start_time"], r.json()["end_time"]) == ("08:30:00", "10:00:00")
    sid = r.json()["id"]
    for user in (lw.villager_a, lw.helper, lw.wangwu):
        r = c.post(
            f"{BASE}/sessions/{sid}/attendance", {"villager": user.villager.public_id}, content_type="application/json"
        )
        assert r.status_code == 201 and r.json()["alone"] is False
    from cunzhi.learning.tests.test_outcome import raise_concern

    clock.shift(86400)
    raise_concern(lw, lw.wangwu)
    rows = c.get(f"{BASE}/sessions/{sid}/attendance").json()
    assert {r["name"]: r["alone"] for r in rows} == {"张三": False, "张小明": False, "王五": True}
    assert c.get(f"{BASE}/villages/{a}/outcome").json() == {"trained": 3, "alone": 1, "percent": 33, "waiting": 2}
    listed = c.get(f"{BASE}/villages/{a}/sessions").json()
    assert listed["count"] == 1 and listed["items"][0]["attendees"] == 3
    assert c.get(f"{BASE}/sessions/{sid}").json()["attendees"] == 3


def test_bad_input_is_a_clear_422_and_changes_nothing(lw, login, session_of):
    s = session_of()
    c = login(lw.cadre_a)
    a = lw.village_a.code
    r = c.post(
        f"{BASE}/villages/{a}/sessions",
        {"date": "2026-06-16", "topic": "nope", "trainer_kind": "cadre", "trainer_name": "王"},
        content_type="application/json",
    )
    assert r.status_code == 422 and r.json()["detail"] == "Choose the lesson the session taught."
    r = c.post(f"{BASE}/villages/{a}/sessions", {"date": "soon"}, content_type="application/json")
    assert r.status_code == 422
    late = {"date": "2026-06-16", "topic": "concern", "trainer_kind": "cadre", "trainer_name": "王"}
    r = c.post(f"{BASE}/villages/{a}/sessions", late, content_type="application/json")
    assert r.status_code == 422 and r.json()["detail"] == "Write the time the session starts."
    r = c.post(
        f"{BASE}/villages/{a}/sessions",
        {**late, "start_time": "10:00", "end_time": "09:00"},
        content_type="application/json",
    )
    assert r.status_code == 422 and r.json()["detail"] == "The session must end after it starts."
    r = c.post(
        f"{BASE}/sessions/{s.public_id}/attendance",
        {"villager": lw.villager_b.villager.public_id},
        content_type="application/json",
    )
    assert r.status_code == 422 and r.json()["detail"] == "Choose a villager of the village."
    assert TrainingSession.objects.count() == 1 and not TrainingAttendance.objects.exists()


@pytest.mark.parametrize(
    "persona,read,write",
    [
        ("cadre_a", 200, 201),
        ("grid_a", 200, 201),
        ("supervisor_a", 200, 403),
        ("county_admin", 200, 403),
        ("anonymous", 401, 401),
        ("villager_a", 404, 404),
        ("villager_b", 404, 404),
        ("cadre_b", 404, 404),
        ("township_staff", 404, 404),
        ("other_township_staff", 404, 404),
        ("other_office_staff", 404, 404),
    ],
)
def test_permissions_of_every_endpoint(request, lw, login, client, session_of, persona, read, write):
    s = session_of([lw.villager_a])
    if persona != "anonymous":
        login(getattr(lw, persona, None) or request.getfixturevalue(persona))
    a = lw.village_a.code
    assert client.get(f"{BASE}/villages/{a}/sessions").status_code == read
    assert client.get(f"{BASE}/villages/{a}/outcome").status_code == read
    assert client.get(f"{BASE}/sessions/{s.public_id}").status_code == read
    assert client.get(f"{BASE}/sessions/{s.public_id}/attendance").status_code == read
    new = {
        "date": "2026-06-16",
        "start_time": "09:00",
        "topic": "rate",
        "trainer_kind": "volunteer",
        "trainer_name": "小周",
    }
    assert client.post(f"{BASE}/villages/{a}/sessions", new, content_type="application/json").status_code == write
    r = client.post(
        f"{BASE}/sessions/{s.public_id}/attendance",
        {"villager": lw.wangwu.villager.public_id},
        content_type="application/json",
    )
    assert r.status_code == write
    made = 1 if write == 201 else 0
    assert TrainingSession.objects.count() == 1 + made and TrainingAttendance.objects.count() == 1 + made
