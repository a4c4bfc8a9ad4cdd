"""/api/v1/consultations: drafts, paragraphs, comments, stances, moderation, report, figures, changes,
adoption and filings; scope refusals, bad input, fixed query counts."""

import datetime as dt

import pytest
from django.utils import timezone

from cunzhi.consultations import services
from cunzhi.consultations.models import Comment, Draft, Outcome, Stance, Status

API = "/api/v1/consultations"


def p(draft, n):
    return draft.paragraphs.get(number=n)


def post(client, path, data, **headers):
    return client.post(path, data, content_type="application/json", **headers)


def put(client, path, data, **headers):
    return client.put(path, data, content_type="application/json", **headers)


def test_anonymous_gets_401(client, world, draft):
    assert client.get(f"{API}/drafts").status_code == 401
    assert client.get(f"{API}/drafts/{draft.public_id}").status_code == 401
    response = post(client, f"{API}/drafts/{draft.public_id}/comments", {"body": "x"})
    assert response.status_code == 401 and response.json()["code"] == "not_authenticated"
    assert not Comment.objects.exists()


@pytest.mark.parametrize(
    "persona, visible",
    [
        ("villager_a", True),
        ("helper", True),
        ("cadre_a", True),
        ("township_staff", True),
        ("county_admin", True),
        ("villager_b", False),
        ("other_township_staff", False),
    ],
)
def test_scope_of_lists_and_objects(login, world, draft, persona, visible):
    client = login(getattr(world, persona))
    ids = [d["id"] for d in client.get(f"{API}/drafts").json()["items"]]
    assert (draft.public_id in ids) is visible
    for path in ["", "/paragraphs", "/comments", "/figures"]:
        response = client.get(f"{API}/drafts/{draft.public_id}{path}")
        assert response.status_code == (200 if visible else 404), path
        if not visible:
            assert response.json()["code"] == "not_found"


def test_draft_detail_and_paragraphs(login, world, draft):
    client = login(world.villager_a)
    d = client.get(f"{API}/drafts/{draft.public_id}").json()
    assert d["status"] == "open" and d["scope"]["code"] == world.village_a.code and d["paragraph_count"] == 4
    assert d["can_comment"] is True and d["can_manage"] is False and d["owner"] == "村民委员会"
    assert d["closes_on"] == (timezone.localdate() + dt.timedelta(days=13)).isoformat()
    paras = client.get(f"{API}/drafts/{draft.public_id}/paragraphs").json()
    assert [x["number"] for x in paras] == [1, 2, 3, 4] and paras[2]["text"].startswith("第三条")


def test_create_publish_comment_close_report_flow(login, world, bearer, client):
    today = timezone.localdate()
    headers = bearer(world.cadre_a)
    response = post(
        client,
        f"{API}/drafts",
        {
            "title": "鹤鹿溪村村民自治章程（草案）",
            "kind": "village_charter",
            "scope": world.village_a.code,
            "owner_committee": "村民委员会",
            "opens_on": today.isoformat(),
            "closes_on": (today + dt.timedelta(days=10)).isoformat(),
            "text": "第一条 甲\n\n第二条 乙",
        },
        **headers,
    )
    assert response.status_code == 201, response.content
    draft_id = response.json()["id"]
    assert response.json()["status"] == "draft"
    assert post(client, f"{API}/drafts/{draft_id}/publish", {}, **headers).json()["status"] == "open"
    villager = bearer(world.villager_a)
    response = post(client, f"{API}/drafts/{draft_id}/comments", {"body": "第二条要写清楚", "paragraph": 2}, **villager)
    assert response.status_code == 201
    comment = response.json()
    assert comment["paragraph"] == 2 and comment["author"] == "张三" and comment["outcome"] is None
    response = post(client, f"{API}/drafts/{draft_id}/paragraphs/2/stance", {"stance": "support"}, **villager)
    assert response.json() == {"paragraph": 2, "stance": "support"}
    assert post(client, f"{API}/drafts/{draft_id}/close", {}, **villager).status_code == 403
    assert post(client, f"{API}/drafts/{draft_id}/close", {}, **headers).json()["status"] == "closed"
    response = put(
        client, f"{API}/comments/{comment['id']}/outcome", {"outcome": "adopted", "reason": "已写入"}, **headers
    )
    assert response.status_code == 200 and response.json()["outcome"] == "adopted"
    assert put(client, f"{API}/drafts/{draft_id}/report", {"summary": "采纳1条"}, **headers).status_code == 200
    # Before publication villagers see no report and no outcome.
    assert client.get(f"{API}/drafts/{draft_id}/report", **villager).status_code == 404
    items = client.get(f"{API}/drafts/{draft_id}/comments", **villager).json()["items"]
    assert items[0]["outcome"] is None
    report = post(client, f"{API}/drafts/{draft_id}/report/publish", {}, **headers).json()
    assert report["published"] is True and report["notified"] == 1 and report["figures"]["adoption_rate"] == 100.0
    assert client.get(f"{API}/drafts/{draft_id}/report", **villager).json()["summary"] == "采纳1条"
    mine = client.get(f"{API}/drafts/{draft_id}/comments?mine=true", **villager).json()["items"]
    assert [(c["outcome"], c["outcome_reason"]) for c in mine] == [("adopted", "已写入")]
    assert Draft.objects.get(public_id=draft_id).status == Status.RESPONDED


@pytest.mark.parametrize(
    "payload, status, fragment",
    [
        ({"body": ""}, 422, "empty"),
        ({"body": "字" * 2001}, 422, "too long"),
        ({"body": "x", "paragraph": 99}, 422, "not part of the draft"),
        ({"body": "x", "visibility": "everyone"}, 422, "who can read"),
        ({"body": "x", "parent": "nope"}, 422, "not available"),
        ({"body": "x", "for_villager": "nobody"}, 422, "Unknown villager"),
        ({}, 422, ""),
    ],
)
def test_bad_comments_are_refused_and_nothing_stored(login, world, draft, payload, status, fragment):
    response = post(login(world.villager_a), f"{API}/drafts/{draft.public_id}/comments", payload)
    assert response.status_code == status, response.content
    assert fragment in response.json()["detail"]
    assert not Comment.objects.exists()


def test_comment_after_close_and_outside_scope(login, world, draft):
    response = post(login(world.villager_b), f"{API}/drafts/{draft.public_id}/comments", {"body": "外村"})
    assert response.status_code == 404
    services.draft_close(draft=draft, actor=world.cadre_a)
    response = post(login(world.villager_a), f"{API}/drafts/{draft.public_id}/comments", {"body": "晚了"})
    assert response.status_code == 422 and "closed" in response.json()["detail"]
    response = post(
        login(world.villager_a), f"{API}/drafts/{draft.public_id}/paragraphs/1/stance", {"stance": "support"}
    )
    assert response.status_code == 422
    assert not Comment.objects.exists() and not Stance.objects.exists()


def test_markup_comes_back_as_text(login, world, draft):
    response = post(
        login(world.villager_a), f"{API}/drafts/{draft.public_id}/comments", {"body": "<script>alert(1)</script>"}
    )
    assert response.json()["body"] == "<script>alert(1)</script>"
    assert response["Content-Type"].startswith("application/json")


def test_helper_comments_for_villager_through_the_api(login, world, draft, delegation):
    client = login(world.helper)
    response = post(
        client,
        f"{API}/drafts/{draft.public_id}/comments",
        {"body": "代父亲提意见", "for_villager": world.villager_a.villager.public_id},
    )
    assert response.status_code == 201 and response.json()["written_for_by_helper"] is True
    response = post(
        client,
        f"{API}/drafts/{draft.public_id}/comments",
        {"body": "冒充", "for_villager": world.villager_b.villager.public_id},
    )
    assert response.status_code == 422 and "no active delegation" in response.json()["detail"]
    assert Comment.objects.count() == 1


def test_hide_through_the_api(login, world, draft):
    c = services.comment_add(actor=world.villager_a, draft=draft, body="广告")
    assert post(login(world.helper), f"{API}/comments/{c.public_id}/hide", {"reason": "x"}).status_code == 403
    assert post(login(world.villager_b), f"{API}/comments/{c.public_id}/hide", {"reason": "x"}).status_code == 404
    assert (
        post(login(world.other_township_staff), f"{API}/comments/{c.public_id}/hide", {"reason": "x"}).status_code
        == 404
    )
    response = post(login(world.cadre_a), f"{API}/comments/{c.public_id}/hide", {"reason": " "})
    assert response.status_code == 422
    response = post(login(world.cadre_a), f"{API}/comments/{c.public_id}/hide", {"reason": "广告"})
    assert response.json()["hidden"] is True
    other = login(world.helper).get(f"{API}/drafts/{draft.public_id}/comments").json()["items"][0]
    assert other["body"] is None and other["hidden_reason"] == "广告" and other["author"] == "张*"


def test_create_refusals(login, world):
    today = timezone.localdate()
    base = {
        "title": "t",
        "scope": world.village_a.code,
        "owner_committee": "村委会",
        "opens_on": today.isoformat(),
        "closes_on": (today + dt.timedelta(days=10)).isoformat(),
        "text": "一",
    }
    assert post(login(world.villager_a), f"{API}/drafts", base).status_code == 403
    response = post(login(world.cadre_a), f"{API}/drafts", {**base, "scope": world.village_b.code})
    assert response.status_code == 422
    response = post(login(world.cadre_a), f"{API}/drafts", {**base, "scope": "999999999999"})
    assert response.status_code == 422
    response = post(login(world.cadre_a), f"{API}/drafts", {**base, "text": ""})
    assert response.status_code == 422 and "no text" in response.json()["detail"]
    assert not Draft.objects.exists()


def test_changes_adoption_and_filings(login, world, draft):
    c = services.comment_add(actor=world.villager_a, draft=draft, paragraph=p(draft, 3), body="改为十桌")
    services.draft_close(draft=draft, actor=world.cadre_a)
    services.comment_set_outcome(actor=world.cadre_a, comment=c, outcome=Outcome.ADOPTED, reason="")
    services.report_save(actor=world.cadre_a, draft=draft, summary="采纳")
    services.report_publish(actor=world.cadre_a, draft=draft)
    client = login(world.cadre_a)
    assert client.get(f"{API}/drafts/{draft.public_id}/changes").status_code == 404
    v2 = services.draft_new_version(actor=world.cadre_a, draft=draft)
    texts = [t.replace("二十桌", "十桌") for t in v2.paragraphs.values_list("text", flat=True)]
    today = timezone.localdate()
    services.draft_update(
        actor=world.cadre_a,
        draft=v2,
        title=v2.title,
        kind=v2.kind,
        opens_on=today,
        closes_on=today + dt.timedelta(days=9),
        paragraphs=texts,
    )
    changes = client.get(f"{API}/drafts/{v2.public_id}/changes").json()
    assert changes["counts"]["changed"] == 1 and changes["previous_version"] == 1
    response = post(
        login(world.villager_a),
        f"{API}/drafts/{v2.public_id}/adoption",
        {"adopted_on": today.isoformat(), "meeting_reference": "x"},
    )
    assert response.status_code == 404  # version 2 is not public yet
    response = post(
        login(world.cadre_a),
        f"{API}/drafts/{v2.public_id}/adoption",
        {"adopted_on": today.isoformat(), "meeting_reference": "村民会议第5号决议"},
    )
    assert response.status_code == 201, response.content
    assert response.json()["filed_to"] == world.township_t.name
    assert [a["title"] for a in login(world.township_staff).get(f"{API}/filings").json()["items"]] == [v2.title]
    assert login(world.other_township_staff).get(f"{API}/filings").json()["items"] == []
    assert login(world.villager_a).get(f"{API}/filings").json()["items"] == []


def test_lists_run_a_fixed_number_of_queries(login, world, draft, django_assert_max_num_queries):
    from cunzhi.people.tests.factories import UserFactory, VillagerFactory

    for i in range(30):
        user = UserFactory(phone=f"1370002{i:04d}", name=f"村民{i}")
        VillagerFactory(village=world.village_a, group=world.group_a1, user=user)
        top = services.comment_add(actor=user, draft=draft, body=f"意见{i}", paragraph=p(draft, 1 + i % 4))
        services.comment_add(actor=world.villager_a, draft=draft, body=f"回复{i}", parent=top)
    client = login(world.villager_a)
    with django_assert_max_num_queries(10):
        assert len(client.get(f"{API}/drafts/{draft.public_id}/comments").json()["items"]) == 20
    with django_assert_max_num_queries(10):
        assert client.get(f"{API}/drafts").status_code == 200
    with django_assert_max_num_queries(10):
        assert client.get(f"{API}/drafts/{draft.public_id}/paragraphs").status_code == 200
