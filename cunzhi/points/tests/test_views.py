"""Points pages: every page and action with its allowed role, and refused for anonymous, a villager of another
village, staff of another township and staff of another office of the same township; bad input; fixed queries."""

import io

import pytest
from django.urls import reverse
from PIL import Image

from cunzhi.points import services
from cunzhi.points.models import Entry, EntryStatus, Objection

from .conftest import TODAY, declare, posted

REFUSED = ["anonymous", "villager_b", "other_township_staff", "other_office_staff"]


def persona(world, pw, name, request):
    if name == "anonymous":
        return None
    if name == "other_office_staff":
        return request.getfixturevalue("other_office_staff")
    if hasattr(pw, name):
        return getattr(pw, name)
    return getattr(world, name)


@pytest.fixture
def objects(world, pw):
    """A posted entry with an open objection, a declaration waiting, a proposed village item."""
    entry = posted(world, pw)
    objection = services.objection_raise(entry=entry, reason="那天他不在村里", actor=pw.neighbour)
    waiting = declare(world, pw, text="清理河道")
    open_entry = posted(world, pw, text="修路")
    item = services.item_create(
        township=world.township_t,
        village=world.village_a,
        title="照顾孤寡老人",
        sign="positive",
        points=4,
        min_points=2,
        max_points=6,
        actor=world.cadre_a,
    )
    return {"entry": entry, "objection": objection, "waiting": waiting, "open": open_entry, "item": item}


def pages(world, objects):
    """(name, method, url, data, allowed persona, status when allowed)."""
    a = world.village_a.code
    e, o, w = objects["entry"], objects["objection"], objects["waiting"]
    return [
        ("township", "get", reverse("points:township", args=[world.township_t.code]), None, "township_staff", 200),
        (
            "item_decide",
            "post",
            reverse("points:item_decide", args=[objects["item"].public_id]),
            {"decision": "approve"},
            "township_staff",
            302,
        ),
        ("board", "get", reverse("points:board", args=[a]), None, "villager_a", 200),
        ("rules", "get", reverse("points:rules", args=[a]), None, "villager_a", 200),
        ("rules_post", "post", reverse("points:rules", args=[a]), {"action": "base"}, "cadre_a", 302),
        ("declare", "get", reverse("points:declare", args=[a]), None, "villager_a", 200),
        ("review", "get", reverse("points:review", args=[a]), None, "cadre_a", 200),
        ("redeem", "get", reverse("points:redeem", args=[a]), None, "cadre_a", 200),
        ("entry", "get", reverse("points:entry", args=[e.public_id]), None, "villager_a", 200),
        (
            "entry_review",
            "post",
            reverse("points:entry_review", args=[w.public_id]),
            {"decision": "approve", "reason": "属实"},
            "cadre_a",
            302,
        ),
        (
            "entry_object",
            "post",
            reverse("points:entry_object", args=[objects["open"].public_id]),
            {"reason": "不对"},
            "neighbour",
            302,
        ),
        (
            "objection_decide",
            "post",
            reverse("points:objection_decide", args=[o.public_id]),
            {"decision": "dismiss", "reason": "属实"},
            "representative",
            302,
        ),
        ("household", "get", reverse("points:household", args=[world.household_a.public_id]), None, "villager_a", 200),
    ]


@pytest.mark.parametrize("index", range(13))
def test_each_page_allowed_and_refused(world, pw, objects, client, login, request, index):
    name, method, url, data, allowed, ok = pages(world, objects)[index]
    for who in REFUSED:
        user = persona(world, pw, who, request)
        c = login(user) if user else client
        if user is None:
            client.logout()
        r = getattr(c, method)(url, data or {})
        if user is None:
            assert r.status_code == 302 and "/login" in r.url, (name, who)
        else:
            assert r.status_code in (403, 404), (name, who, r.status_code)
    r = getattr(login(persona(world, pw, allowed, request)), method)(url, data or {})
    assert r.status_code == ok, (name, r.status_code)


def test_refusals_changed_nothing(world, pw, objects, login, other_office_staff):
    for user in (world.villager_b, world.other_township_staff, other_office_staff, world.villager_a):
        login(user).post(
            reverse("points:entry_review", args=[objects["waiting"].public_id]), {"decision": "approve", "reason": "x"}
        )
    objects["waiting"].refresh_from_db()
    assert objects["waiting"].status == EntryStatus.DECLARED


def test_township_staff_oversee_the_board_but_do_not_declare(world, pw, login):
    c = login(world.township_staff)
    assert c.get(reverse("points:board", args=[world.village_a.code])).status_code == 200
    assert c.get(reverse("points:declare", args=[world.village_a.code])).status_code == 403


def test_declare_with_photo_then_review_object_decide(world, pw, login, clock):
    c = login(world.villager_a)
    buf = io.BytesIO()
    Image.new("RGB", (30, 30), "red").save(buf, "JPEG")
    buf.name = "p.jpg"
    buf.seek(0)
    r = c.post(
        reverse("points:declare", args=[world.village_a.code]),
        {
            "adoption": pw.adopt_cleanup.pk,
            "household": world.household_a.public_id,
            "occurred_on": TODAY.isoformat(),
            "description": "清理村口垃圾",
            "evidence": buf,
        },
    )
    assert r.status_code == 302, r.content.decode()[:2000]
    entry = Entry.objects.get()
    assert entry.evidence
    assert c.get(reverse("points:evidence", args=[entry.public_id])).status_code == 200
    assert login(pw.neighbour).get(reverse("points:evidence", args=[entry.public_id])).status_code == 404
    # Declarations are not on the board, nor visible to neighbours, until reviewed.
    assert login(pw.neighbour).get(reverse("points:entry", args=[entry.public_id])).status_code == 404
    r = login(world.cadre_a).post(
        reverse("points:entry_review", args=[entry.public_id]), {"decision": "approve", "reason": ""}
    )
    entry.refresh_from_db()
    assert entry.status == EntryStatus.DECLARED  # no reason, nothing changed
    login(world.cadre_a).post(
        reverse("points:entry_review", args=[entry.public_id]), {"decision": "approve", "reason": "照片属实"}
    )
    entry.refresh_from_db()
    assert entry.status == EntryStatus.POSTED
    body = login(pw.neighbour).get(reverse("points:board", args=[world.village_a.code])).content.decode()
    assert "张*" in body and "张三" not in body and "照片属实" in body
    login(pw.neighbour).post(reverse("points:entry_object", args=[entry.public_id]), {"reason": "他那天不在"})
    objection = Objection.objects.get()
    login(pw.representative).post(
        reverse("points:objection_decide", args=[objection.public_id]), {"decision": "dismiss", "reason": "核实属实"}
    )
    clock.shift(8 * 86400)
    services.entries_count_due()
    body = c.get(reverse("points:household", args=[world.household_a.public_id])).content.decode()
    assert "+6" in body and "Counted" in body
    history = c.get(reverse("points:entry", args=[entry.public_id])).content.decode()
    for label in (
        "Points declared",
        "Points approved and posted",
        "Objection raised",
        "Objection decided",
        "Points counted",
    ):
        assert label in history


def test_bad_input_gets_a_message_and_changes_nothing(world, pw, login):
    c = login(world.villager_a)
    r = c.post(
        reverse("points:declare", args=[world.village_a.code]),
        {
            "adoption": pw.adopt_cleanup.pk,
            "household": world.household_a.public_id,
            "occurred_on": "2026-13-45",
            "description": "",
        },
    )
    assert r.status_code == 200 and "Enter a valid date" in r.content.decode()
    r = login(world.cadre_a).post(
        reverse("points:redeem", args=[world.village_a.code]),
        {"household": world.household_a.public_id, "goods": "洗衣粉", "points": 5},
    )
    assert r.status_code == 200 and "Not enough points" in r.content.decode()
    r = login(world.cadre_a).post(
        reverse("points:rules", args=[world.village_a.code]),
        {"action": "adopt", "item": pw.cleanup.public_id, "points": 99, "yearly_cap": 18},
    )
    assert r.status_code == 302
    assert not Entry.objects.exists()
    pw.adopt_cleanup.refresh_from_db()
    assert pw.adopt_cleanup.points == 6


def test_redemption_page(world, pw, login):
    services.base_grant_apply(village=world.village_a, actor=world.cadre_a)
    r = login(world.cadre_a).post(
        reverse("points:redeem", args=[world.village_a.code]),
        {"household": world.household_a.public_id, "goods": "洗衣粉", "points": 4},
    )
    assert r.status_code == 302 and "/receipt/" in r.url  # straight to the receipt, which links back to the file
    villager = login(world.villager_a)
    body = villager.get(r.url).content.decode()
    assert "洗衣粉" in body and ">6<" in body
    file = reverse("points:household", args=[world.household_a.public_id])
    assert f'href="{file}"' in body
    assert r.url.split("?")[0] in villager.get(file).content.decode()  # the file links each redemption's receipt


def test_board_and_file_queries_do_not_grow_with_rows(world, pw, login, django_assert_max_num_queries):
    for i in range(3):
        posted(world, pw, text=f"第{i}次")
    c = login(world.villager_a)
    url = reverse("points:board", args=[world.village_a.code])
    with django_assert_max_num_queries(14) as small:
        c.get(url)
    from cunzhi.people.tests.factories import HouseholdFactory, VillagerFactory

    for i in range(6):
        h = HouseholdFactory(village=world.village_a, number=f"B{i}")
        h.representative = VillagerFactory(village=world.village_a, household=h, name=f"刘{i}")
        h.save()
        services.entry_review(
            entry=services.entry_declare(
                adoption=pw.adopt_litter, household=h, occurred_on=TODAY, description="乱倒", actor=world.cadre_a
            ),
            approve=True,
            reason="属实",
            actor=pw.representative,
        )
    with django_assert_max_num_queries(len(small.captured_queries)):
        r = c.get(url)
    assert "刘*" in r.content.decode()
    hurl = reverse("points:household", args=[world.household_a.public_id])
    with django_assert_max_num_queries(13):  # 12, and one more where an earlier test left a process cache cold
        assert c.get(hurl).status_code == 200
    c = login(world.cadre_a)
    with django_assert_max_num_queries(14):
        assert c.get(reverse("points:review", args=[world.village_a.code])).status_code == 200


def test_no_bottom_list_on_the_board(world, pw, login):
    body = login(world.villager_a).get(reverse("points:board", args=[world.village_a.code])).content.decode()
    assert "Balance" in body and "lowest" not in body.lower()


def test_chinese_page(world, pw, login):
    c = login(world.villager_a)
    r = c.get(reverse("points:board", args=[world.village_a.code]), HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert "积分" in r.content.decode()
