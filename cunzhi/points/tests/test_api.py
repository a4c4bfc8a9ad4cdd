"""Points API: each endpoint with its allowed role and refused for anonymous, a villager of another village,
staff of another township and staff of another office of the same township; JSON refusals; fixed queries."""

import pytest

from cunzhi.points import services
from cunzhi.points.models import Entry, EntryStatus

from .conftest import TODAY, declare, posted

API = "/api/v1/points"
REFUSED = ["anonymous", "villager_b", "other_township_staff", "other_office_staff"]


@pytest.fixture
def objects(world, pw):
    services.base_grant_apply(village=world.village_a, actor=world.cadre_a)
    entry = posted(world, pw)
    objection = services.objection_raise(entry=entry, reason="那天他不在村里", actor=pw.neighbour)
    return {
        "entry": entry,
        "objection": objection,
        "waiting": declare(world, pw, text="清理河道"),
        "open": posted(world, pw, text="修路"),
    }


def endpoints(world, pw, o):
    a = world.village_a.code
    return [
        ("get", f"{API}/villages/{a}/items", None, world.villager_a, 200),
        ("get", f"{API}/villages/{a}/summary", None, world.villager_a, 200),
        ("get", f"{API}/villages/{a}/board", None, world.villager_a, 200),
        ("get", f"{API}/households/{world.household_a.public_id}", None, world.villager_a, 200),
        ("get", f"{API}/households/{world.household_a.public_id}/entries", None, world.villager_a, 200),
        (
            "post",
            f"{API}/villages/{a}/declarations",
            {
                "adoption": pw.adopt_litter.pk,
                "household": world.household_a.public_id,
                "occurred_on": TODAY.isoformat(),
                "description": "乱倒垃圾",
            },
            world.villager_a,
            201,
        ),
        (
            "post",
            f"{API}/entries/{o['waiting'].public_id}/review",
            {"approve": True, "reason": "属实"},
            world.cadre_a,
            200,
        ),
        ("post", f"{API}/entries/{o['open'].public_id}/objections", {"reason": "不对"}, pw.neighbour, 201),
        (
            "post",
            f"{API}/objections/{o['objection'].public_id}/decide",
            {"uphold": False, "reason": "属实"},
            pw.representative,
            200,
        ),
        (
            "post",
            f"{API}/villages/{a}/redemptions",
            {"household": world.household_a.public_id, "goods": "洗衣粉", "points": 3},
            world.cadre_a,
            201,
        ),
    ]


@pytest.mark.parametrize("index", range(10))
def test_each_endpoint_allowed_and_refused(world, pw, objects, client, login, request, index):
    method, url, data, allowed, ok = endpoints(world, pw, objects)[index]
    for who in REFUSED:
        client.logout()
        if who == "anonymous":
            c = client
        else:
            c = login(request.getfixturevalue(who) if who == "other_office_staff" else getattr(world, who))
        r = getattr(c, method)(url, data, content_type="application/json") if data else getattr(c, method)(url)
        expected = (401,) if who == "anonymous" else (403, 404)
        assert r.status_code in expected, (url, who, r.status_code)
        assert "detail" in r.json() and "code" in r.json()
    client.logout()
    c = login(allowed)
    r = getattr(c, method)(url, data, content_type="application/json") if data else getattr(c, method)(url)
    assert r.status_code == ok, (url, r.content)


def test_catalogue_is_public(world, pw, client):
    r = client.get(f"{API}/townships/{world.township_t.code}/items")
    assert r.status_code == 200 and {i["title"] for i in r.json()["items"]} == {"参加环境整治", "乱倒垃圾"}


def test_refusals_are_clear_and_change_nothing(world, pw, objects, login):
    c = login(world.cadre_a)
    r = c.post(
        f"{API}/villages/{world.village_a.code}/redemptions",
        {"household": world.household_a.public_id, "goods": "米", "points": 999},
        content_type="application/json",
    )
    assert r.status_code == 422 and "Not enough points" in r.json()["detail"]
    r = c.post(
        f"{API}/entries/{objects['entry'].public_id}/review",
        {"approve": True, "reason": "x"},
        content_type="application/json",
    )
    assert r.status_code == 409
    r = c.post(
        f"{API}/villages/{world.village_a.code}/declarations",
        {
            "adoption": 9999,
            "household": world.household_a.public_id,
            "occurred_on": TODAY.isoformat(),
            "description": "x",
        },
        content_type="application/json",
    )
    assert r.status_code == 422
    r = login(world.villager_a).post(
        f"{API}/villages/{world.village_a.code}/declarations",
        {
            "adoption": pw.adopt_cleanup.pk,
            "household": pw.house2.public_id,
            "occurred_on": TODAY.isoformat(),
            "description": "x",
        },
        content_type="application/json",
    )
    assert r.status_code == 403
    assert Entry.objects.filter(status=EntryStatus.DECLARED).count() == 1


def test_objection_after_the_period(world, pw, objects, login, clock):
    clock.shift(8 * 86400)
    r = login(pw.neighbour).post(
        f"{API}/entries/{objects['open'].public_id}/objections", {"reason": "晚了"}, content_type="application/json"
    )
    assert r.status_code == 409


def test_board_queries_fixed(world, pw, login, django_assert_max_num_queries):
    for i in range(5):
        posted(world, pw, adoption=pw.adopt_litter, text=f"乱倒{i}")
    c = login(world.villager_a)
    with django_assert_max_num_queries(9):
        r = c.get(f"{API}/villages/{world.village_a.code}/board")
    assert r.status_code == 200 and r.json()["count"] == 5
    assert r.json()["items"][0]["household"] == "张*"
