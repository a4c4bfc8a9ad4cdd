"""Concern pages: who may open and act on what, bad input, the public board, lists, rates, configuration."""

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from cunzhi.concerns import services
from cunzhi.concerns.models import Category, Concern, Kind, Open311Key, Photo, Rating, RoutingRule, Status
from cunzhi.concerns.tests.conftest import photo
from cunzhi.people.models import Delegation, DelegationScope, Relation, Role, RoleAssignment
from cunzhi.people.tests.factories import full_width

H = dt.timedelta(hours=1)


def url(name, *args):
    return reverse(f"concerns:{name}", args=args)


def make(cw, **kw):
    kw.setdefault("actor", cw.villager_a)
    kw.setdefault("category", cw.roads)
    kw.setdefault("kind", Kind.REPORT)
    kw.setdefault("text", "村口路灯坏了三盏，晚上很黑")
    return services.concern_submit(**kw)


# --- raising -------------------------------------------------------------------------------------


def test_villager_raises_a_concern_with_a_photo(login, cw):
    client = login(cw.villager_a)
    assert client.get(url("new")).status_code == 200
    response = client.post(
        url("new"),
        {
            "kind": "report",
            "category": "roads",
            "text": "桥头护栏断了",
            "is_public": "on",
            "photos": [photo()],
            "action": "submit",
        },
    )
    c = Concern.objects.get()
    assert response.status_code == 302 and response["Location"] == url("detail", c.public_id)
    assert c.photo_count == 1 and Photo.objects.count() == 1 and c.owner == cw.cadre_a and c.is_public
    body = client.get(response["Location"]).content.decode()
    assert "桥头护栏断了" in body and "王书记" in body and "Raised (Online)" in body


@pytest.mark.parametrize(
    "data, message",
    [
        ({"text": ""}, "This field is required"),
        ({"category": "nonsense"}, "Select a valid choice"),
        (
            {"photos": [SimpleUploadedFile("virus.jpg", b"MZ not an image", content_type="image/jpeg")]},
            "This file type is not accepted",
        ),
        ({"lat": "30.1"}, "Give both latitude and longitude"),
    ],
)
def test_bad_input_shows_a_message_and_stores_nothing(login, cw, data, message):
    post = {"kind": "report", "category": "roads", "text": "桥头护栏断了", "action": "submit", **data}
    response = login(cw.villager_a).post(url("new"), post)
    assert response.status_code == 200 and message in response.content.decode()
    assert not Concern.objects.exists() and not Photo.objects.exists()


def test_no_script_similar_button_shows_similar_and_keeps_the_text(login, cw):
    make(cw, text="村口的路灯坏了，晚上很黑")
    response = login(cw.helper).post(
        url("new"), {"kind": "report", "category": "roads", "text": "路灯坏了", "action": "similar"}
    )
    body = response.content.decode()
    assert "Similar open concerns" in body and "村口的路灯坏了" in body and "\n路灯坏了</textarea>" in body
    assert Concern.objects.count() == 1


def test_similar_fragment(login, cw, client):
    c = make(cw, text="村口的路灯坏了，晚上很黑")
    assert client.get(url("similar"), {"village": cw.village_a.code, "text": "路灯坏了"}).status_code == 302
    body = login(cw.helper).get(url("similar"), {"village": cw.village_a.code, "text": "路灯坏了"}).content.decode()
    assert c.number in body and "<html" not in body
    assert c.number not in login(cw.helper).get(url("similar"), {"village": "abc", "text": "路灯坏了"}).content.decode()


def test_helper_raises_for_the_villager(login, cw):
    now = timezone.now()
    Delegation.objects.create(
        villager=cw.villager_a.villager,
        helper=cw.villager_b,
        relation=Relation.FAMILY,
        scopes=[DelegationScope.CONCERNS],
        starts_at=now - H,
        ends_at=now + 100 * H,
    )
    client = login(cw.villager_b)  # a son in another village, helping his father in village A
    body = client.get(url("new") + "?mode=helper").content.decode()
    assert "张三" in body
    response = client.post(
        url("new"),
        {
            "mode": "helper",
            "for_villager": cw.villager_a.villager.public_id,
            "kind": "help",
            "category": "roads",
            "text": "水管爆了",
            "action": "submit",
        },
    )
    assert response.status_code == 302
    c = Concern.objects.get()
    assert c.villager == cw.villager_a.villager and c.raised_by == cw.villager_b and c.village == cw.village_a


def test_staff_records_a_phone_call(login, cw):
    client = login(cw.township_staff)
    assert client.get(url("new") + "?mode=staff").status_code == 200
    response = client.post(
        url("new"),
        {
            "mode": "staff",
            "village": cw.village_a.code,
            "channel": "phone",
            "villager_phone": "13900000001",
            "kind": "complaint",
            "category": "subsidy",
            "text": "低保金没有按时发",
            "action": "submit",
        },
    )
    assert response.status_code == 302
    c = Concern.objects.get()
    assert c.channel == "phone" and c.villager == cw.villager_a.villager and c.owner == cw.township_staff
    # A village outside their township is refused with a message.
    response = client.post(
        url("new"),
        {
            "mode": "staff",
            "village": cw.village_b.code,
            "channel": "phone",
            "contact_name": "某人",
            "kind": "complaint",
            "category": "subsidy",
            "text": "x",
            "action": "submit",
        },
    )
    assert response.status_code == 200 and Concern.objects.count() == 1


def test_staff_find_the_villager_by_a_full_width_mobile_number(login, cw):
    response = login(cw.township_staff).post(
        url("new"),
        {
            "mode": "staff",
            "village": cw.village_a.code,
            "channel": "phone",
            "villager_phone": full_width("139 0000 0001"),
            "kind": "complaint",
            "category": "subsidy",
            "text": "低保金没有按时发",
            "action": "submit",
        },
    )
    assert response.status_code == 302 and Concern.objects.get().villager == cw.villager_a.villager


def test_a_full_width_contact_telephone_is_kept_in_ascii(login, cw):
    response = login(cw.township_staff).post(
        url("new"),
        {
            "mode": "staff",
            "village": cw.village_a.code,
            "channel": "phone",
            "contact_name": "李大爷",
            "contact_phone": "０５７２－５１２３４５６",
            "kind": "complaint",
            "category": "subsidy",
            "text": "x",
            "action": "submit",
        },
    )
    assert response.status_code == 302 and Concern.objects.get().contact_phone == "0572-5123456"


def test_who_may_raise(login, cw, client):
    assert client.get(url("new")).status_code == 302  # anonymous: log in first
    no_record = RoleAssignment.objects.get(user=cw.county_admin).user
    RoleAssignment.objects.filter(user=no_record).delete()
    assert login(no_record).get(url("new")).status_code == 403


# --- one concern: who sees it, who acts ---------------------------------------------------------------


def test_private_concern_is_hidden_from_others(login, client, cw):
    c = make(cw, is_public=False)
    assert client.get(url("detail", c.public_id)).status_code == 404
    # The township's civil affairs office is not the village's: a private village matter is not its to read.
    for persona, code in [
        ("villager_b", 404),
        ("other_township_staff", 404),
        ("helper", 404),
        ("township_staff", 404),
        ("villager_a", 200),
        ("cadre_a", 200),
        ("county_admin", 200),
    ]:
        client.logout()
        assert login(getattr(cw, persona)).get(url("detail", c.public_id)).status_code == code, persona


def test_public_concern_is_masked_for_the_public(client, login, cw):
    c = make(cw)
    body = client.get(url("detail", c.public_id)).content.decode()
    assert "张*" in body and "张三" not in body and "Timeline" not in body and "13900000001" not in body
    body = login(cw.cadre_a).get(url("detail", c.public_id)).content.decode()
    assert "张三" in body and "13900000001" in body and "Timeline" in body


def test_staff_reading_a_concern_is_logged_for_the_villager(login, cw):
    from cunzhi.people.models import DataAccess

    c = make(cw)
    login(cw.cadre_a).get(url("detail", c.public_id))
    assert DataAccess.objects.filter(subject=cw.villager_a.villager, actor=cw.cadre_a).exists()


def test_the_whole_loop_through_the_pages(login, client, cw):
    c = make(cw)
    # Not the owner: refused, nothing changes.
    response = login(cw.township_staff).post(url("acknowledge", c.public_id), {"clock": "", "note": ""})
    assert response.status_code == 400
    client.logout()
    staff = login(cw.cadre_a)
    assert staff.post(url("acknowledge", c.public_id), {"clock": "", "note": "马上去看"}).status_code == 302
    response = staff.post(url("answer", c.public_id), {"text": ""})
    assert response.status_code == 400 and "This field is required" in response.content.decode()
    assert staff.post(url("answer", c.public_id), {"text": "已换新灯", "photos": [photo()]}).status_code == 302
    # Staff cannot confirm it themselves.
    assert staff.post(url("confirm", c.public_id), {"rating": "satisfied"}).status_code == 400
    client.logout()
    villager = login(cw.villager_a)
    body = villager.get(url("detail", c.public_id)).content.decode()
    assert "已换新灯" in body and "confirm-form" in body
    assert villager.post(url("confirm", c.public_id), {"rating": "excellent"}).status_code == 400
    assert villager.post(url("confirm", c.public_id), {"rating": "satisfied", "comment": "谢谢"}).status_code == 302
    c.refresh_from_db()
    assert c.status == Status.RESOLVED and c.rating == Rating.SATISFIED
    body = villager.get(url("detail", c.public_id)).content.decode()
    for line in ["Acknowledged", "Answered", "Confirmed resolved and rated: Satisfied", "马上去看"]:
        assert line in body


def test_reopen_transfer_me_too_merge_pages(login, client, cw):
    c = make(cw)
    staff = login(cw.cadre_a)
    assert (
        staff.post(url("transfer", c.public_id), {"to_user": str(cw.township_staff.pk), "reason": ""}).status_code
        == 400
    )
    assert (
        staff.post(
            url("transfer", c.public_id), {"to_user": str(cw.township_staff.pk), "reason": "需街道协调"}
        ).status_code
        == 302
    )
    c.refresh_from_db()
    assert c.owner == cw.township_staff
    client.logout()
    assert login(cw.helper).post(url("me_too", c.public_id)).status_code == 302
    assert login(cw.helper).post(url("me_too", c.public_id)).status_code == 302  # twice: a message, no change
    c.refresh_from_db()
    assert c.me_too_count == 1
    client.logout()
    assert login(cw.villager_b).post(url("me_too", c.public_id)).status_code == 302
    c.refresh_from_db()
    assert c.me_too_count == 1
    other = make(cw, actor=cw.helper, text="路灯")
    client.logout()
    # The village's own duplicate is the village's to merge: another office may not (issue 12, item 13).
    assert login(cw.township_staff).post(url("merge", other.public_id), {"target": c.number}).status_code == 400
    staff = login(cw.cadre_a)
    assert staff.post(url("merge", other.public_id), {"target": "nope"}).status_code == 400
    assert staff.post(url("merge", other.public_id), {"target": c.number}).status_code == 302
    other.refresh_from_db()
    assert other.status == Status.MERGED
    services.concern_answer(actor=cw.township_staff, concern=c, text="好了")
    client.logout()
    villager = login(cw.villager_a)
    assert villager.post(url("reopen", c.public_id), {"reason": "还没好"}).status_code == 302
    c.refresh_from_db()
    assert c.status == Status.REOPENED


def test_photo_follows_the_concern(client, login, cw):
    c = make(cw, is_public=False, photos=[photo()])
    p = Photo.objects.get(concern=c)
    assert client.get(url("photo", p.public_id)).status_code == 404
    assert login(cw.villager_b).get(url("photo", p.public_id)).status_code == 404
    response = login(cw.villager_a).get(url("photo", p.public_id))
    assert response.status_code == 200 and response["Content-Type"] == "image/jpeg"
    assert response["Cache-Control"] == "private, no-store"


# --- index, lists and boards -----------------------------------------------------------------------


def test_index_for_villager_and_staff(client, login, cw):
    make(cw)
    assert client.get(url("index")).status_code == 302
    body = login(cw.villager_a).get(url("index")).content.decode()
    assert "My concerns" in body and "村口路灯坏了" in body
    client.logout()
    body = login(cw.cadre_a).get(url("index")).content.decode()
    assert "Deadlines in your area" in body and "Waiting for you" in body


def populate(cw, n=25):
    out = []
    for i in range(n):
        c = make(cw, text=f"第{i}号：村口路灯坏了")
        if i % 2:
            services.concern_answer(actor=cw.cadre_a, concern=c, text=f"第{i}号已修")
        if i % 3 == 0:
            services.concern_me_too(actor=cw.helper, concern=c)
        out.append(c)
    return out


def test_staff_list_scope_and_refusals(client, login, cw, django_assert_max_num_queries):
    populate(cw, 25)
    private = make(cw, is_public=False, text="私下反映的事")
    assert client.get(url("list")).status_code == 302
    for persona in ("villager_a", "villager_b", "helper"):
        client.logout()
        assert login(getattr(cw, persona)).get(url("list")).status_code == 403
    client.logout()
    assert "Showing" not in login(cw.other_township_staff).get(url("list")).content.decode()
    assert "0 concerns" in login(cw.other_township_staff).get(url("list")).content.decode()
    client.logout()
    # The township's civil affairs office lists the public ones; the private village matter is not its.
    body = login(cw.township_staff).get(url("list")).content.decode()
    assert "25 concerns" in body and private.number not in body
    client.logout()
    staff = login(cw.cadre_a)
    with django_assert_max_num_queries(12):
        body = staff.get(url("list")).content.decode()
    assert "26 concerns" in body and private.number in body
    # A villager representative sees public concerns only.
    RoleAssignment.objects.create(user=cw.helper, role=Role.REPRESENTATIVE, region=cw.village_a)
    client.logout()
    body = login(cw.helper).get(url("list")).content.decode()
    assert "25 concerns" in body and private.number not in body


def test_overdue_and_due_soon_lists(login, cw):
    # Long enough ago that its clock has run out whatever the time of day (working hours) the test runs.
    late = make(cw, now=timezone.now() - 30 * 24 * H)
    soon = make(cw)
    staff = login(cw.cadre_a)
    body = staff.get(url("list"), {"due": "overdue"}).content.decode()
    assert late.number in body and soon.number not in body
    body = staff.get(url("list"), {"due": "soon"}).content.decode()
    assert soon.number in body and late.number not in body
    body = staff.get(url("list"), {"due": "bogus", "status": "bogus"}).content.decode()  # ignored, no error
    assert late.number in body


def test_public_board_of_village_and_township(client, cw, django_assert_max_num_queries):
    populate(cw, 25)
    private = make(cw, is_public=False, text="私下反映的事")
    anonymous = make(cw, is_anonymous=True, text="匿名的事")
    with django_assert_max_num_queries(12):  # built and stored in the cache
        response = client.get(url("board", cw.village_a.code))
    body = response.content.decode()
    assert response.status_code == 200 and "张*" in body and "张三" not in body and "私下反映的事" not in body
    assert "第1号已修" not in body or "Answer" in body
    assert "me too" in body
    body = client.get(url("board", cw.village_a.code), {"page": 2}).content.decode()
    assert "第0号" in body  # the oldest is on the second page
    body = client.get(url("board", cw.township_t.code)).content.decode()
    assert anonymous.number in body and private.number not in body
    assert client.get(url("board", cw.village_b.code)).status_code == 200
    # Cached, but never stale: a new public concern and a new answer show at once.
    with django_assert_max_num_queries(2):
        client.get(url("board", cw.village_a.code))
    fresh = make(cw, text="新的一件事")
    assert fresh.number in client.get(url("board", cw.village_a.code)).content.decode()
    services.concern_answer(actor=cw.cadre_a, concern=fresh, text="马上处理这件新事")
    assert "马上处理这件新事" in client.get(url("board", cw.township_t.code)).content.decode()
    assert client.get(url("board", "999999999999")).status_code == 404
    assert client.get(url("board", cw.group_a1.code)).status_code == 404


def test_rates_page(client, login, cw):
    c = make(cw)
    services.concern_answer(actor=cw.cadre_a, concern=c, text="好")
    services.concern_confirm(actor=cw.villager_a, concern=c, rating=Rating.SATISFIED)
    assert client.get(url("rates")).status_code == 302
    assert login(cw.villager_a).get(url("rates")).status_code == 403
    client.logout()
    body = login(cw.township_staff).get(url("rates"), {"group": "village"}).content.decode()
    assert "鹤鹿溪村" in body and "100 %" in body
    client.logout()
    body = login(cw.other_township_staff).get(url("rates"), {"group": "village"}).content.decode()
    assert "鹤鹿溪村" not in body
    body = (
        login(cw.other_township_staff).get(url("rates"), {"start": "2026-05-01", "end": "2026-01-01"}).content.decode()
    )
    assert "The end is before the start" in body


# --- configuration -------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["categories", "rules", "keys"])
def test_configuration_is_for_the_county_admin(client, login, cw, name):
    assert client.get(url(name)).status_code == 302
    for persona in ("villager_a", "cadre_a", "township_staff"):
        client.logout()
        assert login(getattr(cw, persona)).get(url(name)).status_code == 403
    client.logout()
    assert login(cw.county_admin).get(url(name)).status_code == 200


def test_admin_adds_a_category_and_a_rule(login, cw):
    admin = login(cw.county_admin)
    response = admin.post(
        url("categories"), {"code": "Bad Code!", "name": "x", "clock": "general", "level": "village", "position": 1}
    )
    assert response.status_code == 200 and "lower-case" in response.content.decode()
    response = admin.post(
        url("categories"),
        {
            "code": "water",
            "name": "饮水",
            "name_en": "Water",
            "clock": "utilities",
            "level": "village",
            "position": 5,
            "active": "on",
        },
    )
    assert response.status_code == 302 and Category.objects.filter(code="water").exists()
    response = admin.post(
        url("rules"),
        {"category": "water", "region": cw.township_t.code, "level": "township", "office": "", "responsible": ""},
    )
    assert response.status_code == 200 and "needs an office" in response.content.decode()
    response = admin.post(
        url("rules"),
        {
            "category": "water",
            "region": cw.township_t.code,
            "level": "township",
            "office": str(cw.office_t.pk),
            "responsible": "13900000021",
        },
    )
    assert "no role that handles concerns" in response.content.decode()
    response = admin.post(
        url("rules"),
        {
            "category": "water",
            "region": cw.township_t.code,
            "level": "township",
            "office": str(cw.office_t.pk),
            "responsible": "13900000020",
        },
    )
    assert response.status_code == 302
    rule = RoutingRule.objects.get(category__code="water")
    assert rule.responsible == cw.township_staff and rule.office == cw.office_t
    c = make(cw, category=Category.objects.get(code="water"))
    assert c.owner == cw.township_staff
    assert admin.post(url("rule_edit", rule.public_id), {"delete": "1"}).status_code == 302
    assert not RoutingRule.objects.filter(pk=rule.pk).exists()


def test_rule_names_the_responsible_person_by_a_full_width_mobile_number(login, cw):
    RoutingRule.objects.filter(category=cw.subsidy, region=cw.township_t).delete()
    response = login(cw.county_admin).post(
        url("rules"),
        {
            "category": "subsidy",
            "region": cw.township_t.code,
            "level": "township",
            "office": str(cw.office_t.pk),
            "responsible": full_width("139 0000 0020"),
        },
    )
    assert response.status_code == 302
    assert RoutingRule.objects.get(category=cw.subsidy, region=cw.township_t).responsible == cw.township_staff


def test_admin_issues_and_revokes_an_open311_key(login, cw):
    admin = login(cw.county_admin)
    response = admin.post(url("keys"), {"name": "县12345热线"})
    key = Open311Key.objects.get()
    body = response.content.decode()
    assert key.key_prefix in body and "not shown again" in body
    assert admin.post(url("keys"), {"revoke": str(key.pk)}).status_code == 302
    key.refresh_from_db()
    assert key.revoked_at is not None


# --- for whom: a helper who is also a villager chooses, as on the services pages ----------------------


@pytest.fixture
def helping(cw):
    """张小明 (a villager of A himself) helps his father 张三 with concerns."""
    now = timezone.now()
    return Delegation.objects.create(
        villager=cw.villager_a.villager,
        helper=cw.helper,
        relation=Relation.FAMILY,
        scopes=[DelegationScope.CONCERNS],
        starts_at=now - H,
        ends_at=now + 100 * H,
    )


def test_helper_who_is_a_villager_is_asked_for_whom(login, cw, helping):
    client = login(cw.helper)
    father, himself = cw.villager_a.villager, cw.helper.villager
    chooser = client.get(url("new")).content.decode()
    assert "Who is the concern for?" in chooser
    assert f'href="?for={himself.public_id}"' in chooser and f'href="?for={father.public_id}"' in chooser
    form = client.get(url("new") + f"?for={father.public_id}").content.decode()
    assert f'<option value="{father.public_id}" selected>' in form
    response = client.post(
        url("new") + f"?for={father.public_id}",
        {
            "mode": "helper",
            "for_villager": father.public_id,
            "kind": "help",
            "category": "roads",
            "text": "水管爆了",
            "action": "submit",
        },
    )
    assert response.status_code == 302
    c = Concern.objects.get()
    assert c.villager == father and c.raised_by == cw.helper
    # Choosing himself gives his own form, raised as himself.
    own_form = client.get(url("new") + f"?for={himself.public_id}").content.decode()
    assert 'name="for_villager"' not in own_form and 'name="mode" value="self"' in own_form


@pytest.mark.parametrize(
    "persona", ["villager_b", "cadre_a", "township_staff", "other_township_staff", "county_admin", "other_office_staff"]
)
def test_for_whom_refuses_a_villager_one_does_not_help(login, cw, helping, persona):
    if persona == "other_office_staff":  # another office of the same township as the villager
        from cunzhi.people.models import Office, OfficeKind
        from cunzhi.people.tests.factories import UserFactory

        office = Office.objects.create(
            name="递铺街道自然资源所", kind=OfficeKind.NATURAL_RESOURCES, region=cw.township_t
        )
        user = UserFactory(phone="13900000050", name="冯干事")
        RoleAssignment.objects.create(user=user, role=Role.OFFICE_STAFF, region=cw.township_t, office=office)
    else:
        user = getattr(cw, persona)
    assert login(user).get(url("new") + f"?for={cw.villager_a.villager.public_id}").status_code == 404


def test_helper_without_a_delegation_cannot_choose_the_villager(login, cw, client):
    assert client.get(url("new") + f"?for={cw.villager_a.villager.public_id}").status_code == 302  # log in first
    helper = login(cw.helper)
    assert helper.get(url("new") + f"?for={cw.villager_a.villager.public_id}").status_code == 404
    assert "Who is the concern for?" not in helper.get(url("new")).content.decode()  # only himself: no question


def test_helpers_list_says_who_raised_each_concern(login, cw, helping):
    by_father = make(cw)
    by_son = make(cw, actor=cw.helper, villager=cw.villager_a.villager, text="水管爆了，请派人修")
    body = login(cw.helper).get(url("index")).content.decode()
    row = {c.number: body.split(c.number, 1)[1].split("</li>", 1)[0] for c in (by_father, by_son)}
    assert "raised by 张三" in row[by_father.number] and "for 张三" not in row[by_father.number]
    assert "raised for 张三" in row[by_son.number]
    # The father sees who raised the concern for him.
    father = login(cw.villager_a).get(url("index")).content.decode()
    assert "raised for you by 张小明" in father.split(by_son.number, 1)[1].split("</li>", 1)[0]
