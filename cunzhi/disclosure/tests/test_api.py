"""Disclosure API: public parts to anyone, the rest by role; refusals as JSON; fixed query counts."""

import datetime as dt

import pytest
from django.utils import timezone

from cunzhi.disclosure import services
from cunzhi.disclosure.models import Post, PostStatus

API = "/api/v1/disclosure"


def make(world, category="village", publish=True, **kw):
    post = services.post_create(
        village=world.village_a,
        category=category,
        title=kw.pop("title", "村务公开"),
        body=kw.pop("body", "内容"),
        actor=world.cadre_a,
        **kw,
    )
    if publish:
        services.post_publish(post=post, actor=world.cadre_a)
    return post


def test_list_public_and_query_count(world, client, django_assert_max_num_queries):
    for i in range(30):
        make(world, title=f"公开{i}")
    make(world, publish=False, title="草稿")
    with django_assert_max_num_queries(4):
        r = client.get(f"{API}/posts")
    data = r.json()
    assert r.status_code == 200 and data["count"] == 30 and len(data["items"]) == 20
    assert data["items"][0]["title"] == "公开29" and data["items"][0]["village_name"] == "鹤鹿溪村"
    assert data["items"][0]["url"].endswith(f"/disclosure/p/{data['items'][0]['id']}/")


@pytest.mark.parametrize("who", ["anonymous", "villager_a", "villager_b", "other_township_staff"])
def test_drafts_not_listed_or_shown(world, client, login, who):
    post = make(world, publish=False, title="草稿")
    c = client if who == "anonymous" else login(getattr(world, who))
    r = c.get(f"{API}/posts", {"status": "draft"})
    assert r.status_code == 200 and r.json()["count"] == 0
    r = c.get(f"{API}/posts/{post.public_id}")
    assert r.status_code == 404 and r.json()["code"] == "not_found"


def test_drafts_for_officials(world, login):
    post = make(world, publish=False, title="草稿", body="账号 6222021234567890123")
    r = login(world.township_staff).get(f"{API}/posts", {"status": "draft"})
    assert r.json()["count"] == 1
    r = login(world.cadre_a).get(f"{API}/posts/{post.public_id}")
    assert r.json()["masked_items"][0]["shown_as"] == "***************0123"


def test_detail_counts_reach_and_masks_askers(world, login, client):
    post = make(world)
    services.question_ask(post=post, actor=world.villager_a, text="什么时候修路？")
    r = login(world.villager_b).get(f"{API}/posts/{post.public_id}")
    assert r.json()["questions"][0]["asker"] == "张*" and r.json()["masked_items"] == []
    login(world.villager_a).get(f"{API}/posts/{post.public_id}")
    post.refresh_from_db()
    assert post.reach == 2


def test_create_publish_and_refusals(world, login, client, supervisor_a):
    payload = {
        "village": world.village_a.code,
        "category": "finance",
        "title": "10月财务公开",
        "body": "收支情况",
        "tables": [{"header": ["户主", "账号"], "rows": [["张三", "6222021234567890123"]]}],
    }
    client.logout()
    assert client.post(f"{API}/posts", payload, content_type="application/json").status_code == 401
    r = login(world.villager_a).post(f"{API}/posts", payload, content_type="application/json")
    assert r.status_code == 403 and r.json()["code"] == "forbidden"
    r = login(world.other_township_staff).post(f"{API}/posts", payload, content_type="application/json")
    assert r.status_code == 403
    assert not Post.objects.exists()
    c = login(world.cadre_a)
    r = c.post(f"{API}/posts", payload, content_type="application/json")
    assert r.status_code == 201
    data = r.json()
    assert data["tables"][0]["rows"][0][1] == "***************0123" and data["status"] == "draft"
    r = c.post(f"{API}/posts/{data['id']}/publish")
    assert r.status_code == 409 and r.json()["code"] == "approval_required"
    assert Post.objects.get().status == PostStatus.DRAFT
    assert c.post(f"{API}/posts/{data['id']}/submit").json()["status"] == "in_review"
    r = c.post(f"{API}/posts/{data['id']}/approve", {}, content_type="application/json")
    assert r.status_code == 403
    r = login(supervisor_a).post(
        f"{API}/posts/{data['id']}/approve", {"comment": "ok"}, content_type="application/json"
    )
    assert r.status_code == 200 and r.json()["status"] == "published"


@pytest.mark.parametrize(
    "payload",
    [
        {"village": "330523100201", "category": "gossip", "title": "t", "body": "b"},
        {"village": "abc", "category": "village", "title": "t", "body": "b"},
        {"village": "330523100201", "category": "village", "title": "", "body": ""},
        {
            "village": "330523100201",
            "category": "village",
            "title": "t",
            "body": "b",
            "period_start": "2024-03-31",
            "period_end": "2024-01-01",
        },
    ],
)
def test_create_bad_input(world, login, payload):
    r = login(world.cadre_a).post(f"{API}/posts", payload, content_type="application/json")
    assert r.status_code == 422 and r.json()["detail"] and not Post.objects.exists()


def test_questions_endpoint(world, login):
    post = make(world)
    r = login(world.villager_b).post(
        f"{API}/posts/{post.public_id}/questions", {"text": "?"}, content_type="application/json"
    )
    assert r.status_code == 403
    r = login(world.villager_a).post(
        f"{API}/posts/{post.public_id}/questions", {"text": "有多少钱？"}, content_type="application/json"
    )
    assert r.status_code == 201 and r.json()["asker"] == "张三"


def test_calendar_endpoint(world, client, login, settings, django_assert_max_num_queries):
    settings.DISCLOSURE_CALENDAR_START = (timezone.localdate() - dt.timedelta(days=300)).isoformat()
    services.due_items_ensure()
    r = client.get(f"{API}/calendar")
    assert r.status_code == 422
    r = client.get(f"{API}/calendar", {"village": world.village_b.code, "status": "overdue"})
    assert r.status_code == 200 and r.json()["count"] > 0
    assert {i["status"] for i in r.json()["items"]} == {"overdue"}
    c = login(world.township_staff)
    with django_assert_max_num_queries(6):
        r = c.get(f"{API}/calendar")
    items = r.json()["items"]
    assert {i["village_code"] for i in items} == {world.village_a.code}
    assert items[0]["status"] == "overdue"
    r = c.get(f"{API}/calendar", {"status": "nonsense"})
    assert r.status_code == 422
