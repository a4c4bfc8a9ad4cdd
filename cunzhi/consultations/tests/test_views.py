"""Pages: who may open what, forms with bad input, comments shown as text, fixed query counts."""

import datetime as dt
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from cunzhi.consultations import services
from cunzhi.consultations.models import Comment, Draft, Outcome, Stance, Status, Visibility
from cunzhi.people.tests.factories import UserFactory, VillagerFactory


def url(name, *args):
    return reverse(f"consultations:{name}", args=args)


def body(response):
    return response.content.decode()


def p(draft, n):
    return draft.paragraphs.get(number=n)


def closed_with_comment(world, draft):
    c = services.comment_add(actor=world.villager_a, draft=draft, paragraph=p(draft, 3), body="酒席改为十桌")
    services.draft_close(draft=draft, actor=world.cadre_a)
    draft.refresh_from_db()
    return c


# --- Permissions ----------------------------------------------------------------------------


def test_anonymous_is_sent_to_login_everywhere(client, world, draft):
    c = services.comment_add(actor=world.villager_a, draft=draft, body="意见")
    for u in [
        url("index"),
        url("new"),
        url("mine"),
        url("filings"),
        url("detail", draft.public_id),
        url("paragraph", draft.public_id, 1),
        url("report", draft.public_id),
        url("figures", draft.public_id),
        url("response", draft.public_id),
        url("reply", c.public_id),
        url("hide", c.public_id),
    ]:
        assert client.get(u).status_code == 302, u
    for u in [
        url("detail", draft.public_id),
        url("paragraph", draft.public_id, 1),
        url("close", draft.public_id),
        url("stance", draft.public_id, 1),
        url("hide", c.public_id),
        url("reply", c.public_id),
    ]:
        assert client.post(u, {"body": "x", "stance": "support", "reason": "x"}).status_code == 302, u
    draft.refresh_from_db()
    assert draft.status == Status.OPEN and Comment.objects.count() == 1 and not Stance.objects.exists()


@pytest.mark.parametrize(
    "persona, status",
    [
        ("villager_a", 200),
        ("helper", 200),
        ("cadre_a", 200),
        ("township_staff", 200),
        ("county_admin", 200),
        ("villager_b", 404),
        ("other_township_staff", 404),
    ],
)
def test_draft_pages_follow_the_scope(login, world, draft, persona, status):
    client = login(getattr(world, persona))
    for u in [url("detail", draft.public_id), url("paragraph", draft.public_id, 2), url("figures", draft.public_id)]:
        assert client.get(u).status_code == status, u


def test_index_lists_only_drafts_in_scope(login, world, draft, township_draft):
    assert draft.title in body(login(world.villager_a).get(url("index")))
    page = body(login(world.villager_b).get(url("index")))
    assert draft.title not in page and township_draft.title not in page
    page = body(login(world.other_township_staff).get(url("index")))
    assert draft.title not in page


def test_outsiders_cannot_comment_and_nothing_is_stored(login, world, draft):
    for persona in ("villager_b", "other_township_staff"):
        response = login(getattr(world, persona)).post(
            url("paragraph", draft.public_id, 1), {"body": "外村意见", "visibility": "public"}
        )
        assert response.status_code == 404
    assert not Comment.objects.exists()


def test_owner_pages_are_refused_to_others(login, world, draft):
    closed_with_comment(world, draft)
    for persona in ("villager_a", "township_staff"):
        client = login(getattr(world, persona))
        assert client.get(url("response", draft.public_id)).status_code == 403
        assert client.post(url("report_publish", draft.public_id)).status_code == 403
        assert client.get(url("edit", draft.public_id)).status_code == 403
        assert client.get(url("adopt", draft.public_id)).status_code == 403
    assert login(world.villager_b).get(url("response", draft.public_id)).status_code == 404
    assert login(world.cadre_a).get(url("response", draft.public_id)).status_code == 200


def test_new_draft_page_only_for_those_who_start_drafts(login, world):
    assert login(world.villager_a).get(url("new")).status_code == 403
    assert login(world.cadre_a).get(url("new")).status_code == 200
    assert login(world.township_staff).get(url("new")).status_code == 200


# --- Creating a draft -----------------------------------------------------------------------


def _form(world, **kw):
    today = timezone.localdate()
    data = {
        "title": "村规民约修订",
        "kind": "village_rules",
        "scope": world.village_a.code,
        "owner": "committee",
        "owner_committee": "村民委员会",
        "opens_on": today.isoformat(),
        "closes_on": (today + dt.timedelta(days=13)).isoformat(),
        "summary": "",
        "text": "第一条 甲\n第二条 乙",
    }
    data.update(kw)
    return data


def test_cadre_creates_and_publishes_a_draft(login, world):
    client = login(world.cadre_a)
    response = client.post(url("new"), _form(world))
    draft = Draft.objects.get()
    assert response.status_code == 302 and response.headers["Location"] == url("detail", draft.public_id)
    assert list(draft.paragraphs.values_list("text", flat=True)) == ["第一条 甲", "第二条 乙"]
    assert draft.owner_committee == "村民委员会" and draft.status == Status.DRAFT
    assert client.post(url("publish", draft.public_id)).status_code == 302
    draft.refresh_from_db()
    assert draft.status == Status.OPEN


def test_draft_from_an_uploaded_docx(login, world):
    import docx

    document = docx.Document()
    for text in ["第一条 总则", "", "第二条 环境卫生", "第三条 移风易俗"]:
        document.add_paragraph(text)
    buffer = io.BytesIO()
    document.save(buffer)
    upload = SimpleUploadedFile("rules.docx", buffer.getvalue())
    response = login(world.cadre_a).post(url("new"), {**_form(world, text=""), "file": upload})
    assert response.status_code == 302
    assert list(Draft.objects.get().paragraphs.values_list("text", flat=True)) == [
        "第一条 总则",
        "第二条 环境卫生",
        "第三条 移风易俗",
    ]


@pytest.mark.parametrize(
    "change, message",
    [
        ({"text": ""}, "Paste the text"),
        ({"scope": "330523101201"}, "valid choice"),  # village B: not the cadre's
        ({"closes_on": "2000-01-01"}, "close after it opens"),
        ({"owner_committee": ""}, "office or committee"),
        ({"opens_on": "not a date"}, "valid date"),
    ],
)
def test_bad_draft_input_is_explained_and_nothing_stored(login, world, change, message):
    response = login(world.cadre_a).post(url("new"), _form(world, **change))
    assert response.status_code == 200 and message in body(response)
    assert not Draft.objects.exists()


def test_a_picture_is_not_a_draft(login, world):
    upload = SimpleUploadedFile("rules.docx", b"\x89PNG\r\n\x1a\n" + b"\x00" * 100)
    response = login(world.cadre_a).post(url("new"), {**_form(world, text=""), "file": upload})
    assert response.status_code == 200 and "Word document (DOCX) or a plain text" in body(response)
    assert not Draft.objects.exists()


# --- Commenting -----------------------------------------------------------------------------


def test_villager_comments_on_a_paragraph(login, world, draft):
    client = login(world.villager_a)
    response = client.post(url("paragraph", draft.public_id, 3), {"body": "酒席改为十桌", "visibility": "public"})
    c = Comment.objects.get()
    assert response.status_code == 302 and response.headers["Location"].endswith(f"#c-{c.public_id}")
    assert c.paragraph.number == 3 and c.villager == world.villager_a.villager
    page = body(client.get(url("paragraph", draft.public_id, 3)))
    assert "酒席改为十桌" in page and "张三" in page


def test_other_villagers_see_a_masked_name_leaders_the_full_name(login, world, draft):
    services.comment_add(actor=world.villager_a, draft=draft, body="整体同意")
    assert "张*" in body(login(world.helper).get(url("detail", draft.public_id)))
    page = body(login(world.cadre_a).get(url("detail", draft.public_id)))
    assert "张三" in page


@pytest.mark.parametrize(
    "text, message",
    [
        ("", "empty"),
        ("  ", "empty"),
        ("字" * 2001, "too long"),
    ],
)
def test_empty_or_oversized_comment_is_refused_on_the_page(login, world, draft, text, message):
    response = login(world.villager_a).post(url("detail", draft.public_id), {"body": text, "visibility": "public"})
    assert response.status_code == 200 and message in body(response)
    assert not Comment.objects.exists()


def test_script_in_a_comment_is_shown_as_text(login, world, draft):
    login(world.villager_a).post(
        url("detail", draft.public_id),
        {"body": '<script>alert("x")</script><img src=x onerror=alert(1)>', "visibility": "public"},
    )
    page = body(login(world.helper).get(url("detail", draft.public_id)))
    assert "<script>alert" not in page and "<img src=x" not in page
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in page


def test_comment_after_close_is_refused_with_a_message(login, world, draft):
    services.draft_close(draft=draft, actor=world.cadre_a)
    client = login(world.villager_a)
    response = client.post(url("paragraph", draft.public_id, 1), {"body": "晚了", "visibility": "public"}, follow=True)
    assert "closed" in body(response)
    assert not Comment.objects.exists()


def test_helper_chooses_whom_they_write_for(login, world, draft, delegation):
    client = login(world.helper)
    page = body(client.get(url("paragraph", draft.public_id, 2)))
    assert "you help them" in page
    client.post(
        url("paragraph", draft.public_id, 2),
        {"body": "父亲的意见", "visibility": "public", "for_villager": world.villager_a.villager.public_id},
    )
    c = Comment.objects.get()
    assert c.villager == world.villager_a.villager and c.written_by == world.helper
    page = body(login(world.cadre_a).get(url("paragraph", draft.public_id, 2)))
    assert "written for them by 张小明" in page
    # A villager the helper has no delegation from: refused, nothing stored.
    client = login(world.helper)
    response = client.post(
        url("paragraph", draft.public_id, 2),
        {"body": "冒充", "visibility": "public", "for_villager": world.villager_b.villager.public_id},
    )
    assert response.status_code == 200 and Comment.objects.count() == 1


def test_leaders_only_comment_is_not_shown_to_other_villagers(login, world, draft):
    login(world.villager_a).post(url("detail", draft.public_id), {"body": "私下反映的问题", "visibility": "leaders"})
    assert Comment.objects.get().visibility == Visibility.LEADERS
    assert "私下反映的问题" not in body(login(world.helper).get(url("detail", draft.public_id)))
    assert "私下反映的问题" in body(login(world.cadre_a).get(url("detail", draft.public_id)))
    assert "私下反映的问题" in body(login(world.villager_a).get(url("detail", draft.public_id)))
    c = Comment.objects.get()
    assert login(world.helper).get(url("reply", c.public_id)).status_code == 404


def test_reply_and_stance_pages(login, world, draft):
    c = services.comment_add(actor=world.villager_a, draft=draft, body="建议", paragraph=p(draft, 2))
    client = login(world.helper)
    assert client.get(url("reply", c.public_id)).status_code == 200
    client.post(url("reply", c.public_id), {"body": "同意", "visibility": "public"})
    assert Comment.objects.filter(parent=c).count() == 1
    client.post(url("stance", draft.public_id, 2), {"stance": "oppose"})
    assert Stance.objects.get().stance == "oppose"
    response = client.post(url("stance", draft.public_id, 2), {"stance": "whatever"}, follow=True)
    assert "Choose support or oppose" in body(response) and Stance.objects.get().stance == "oppose"
    assert login(world.villager_b).post(url("stance", draft.public_id, 2), {"stance": "support"}).status_code == 404


def test_moderator_hides_and_others_see_only_the_reason(login, world, draft):
    c = services.comment_add(actor=world.villager_a, draft=draft, body="骂人的话")
    assert login(world.villager_b).get(url("hide", c.public_id)).status_code == 404
    assert login(world.helper).get(url("hide", c.public_id)).status_code == 403
    client = login(world.cadre_a)
    response = client.post(url("hide", c.public_id), {"reason": ""})
    assert response.status_code == 200 and "Say why" in body(response)
    client.post(url("hide", c.public_id), {"reason": "人身攻击"})
    c.refresh_from_db()
    assert c.is_hidden
    page = body(login(world.helper).get(url("detail", draft.public_id)))
    assert "人身攻击" in page and "骂人的话" not in page
    assert "骂人的话" in body(login(world.villager_a).get(url("detail", draft.public_id)))


# --- Close, response report, report ---------------------------------------------------------


def test_owner_closes_answers_and_publishes_and_the_villager_sees_the_outcome(login, world, draft):
    c = services.comment_add(actor=world.villager_a, draft=draft, paragraph=p(draft, 3), body="酒席改为十桌")
    client = login(world.cadre_a)
    client.post(url("close", draft.public_id))
    draft.refresh_from_db()
    assert draft.status == Status.CLOSED
    response = client.post(
        url("response", draft.public_id),
        {"action": "outcomes", f"outcome-{c.public_id}": "not_adopted", f"reason-{c.public_id}": ""},
    )
    assert response.status_code == 200 and "Give the reason" in body(response)
    client.post(
        url("response", draft.public_id),
        {"action": "outcomes", f"outcome-{c.public_id}": "partly", f"reason-{c.public_id}": "改为十五桌"},
    )
    c.refresh_from_db()
    assert c.outcome == Outcome.PARTLY
    response = client.post(url("report_publish", draft.public_id), follow=True)
    assert "summary" in body(response)
    client.post(url("response", draft.public_id), {"action": "summary", "summary": "采纳部分意见。"})
    response = client.post(url("report_publish", draft.public_id))
    assert response.status_code == 302
    villager = login(world.villager_a)
    page = body(villager.get(url("report", draft.public_id)))
    assert "Partly adopted" in page and "改为十五桌" in page and "采纳部分意见。" in page
    page = body(villager.get(url("mine")))
    assert "Partly adopted" in page and "改为十五桌" in page


def test_report_is_not_shown_before_it_is_published(login, world, draft):
    closed_with_comment(world, draft)
    response = login(world.villager_a).get(url("report", draft.public_id))
    assert response.status_code == 200 and "Not published yet" in body(response)
    assert login(world.cadre_a).get(url("report", draft.public_id)).status_code == 302


def test_changes_page_shows_the_word_changes(login, world, draft):
    c = closed_with_comment(world, draft)
    services.comment_set_outcome(actor=world.cadre_a, comment=c, outcome=Outcome.ADOPTED, reason="")
    services.report_save(actor=world.cadre_a, draft=draft, summary="采纳")
    services.report_publish(actor=world.cadre_a, draft=draft)
    client = login(world.cadre_a)
    response = client.post(url("new_version", draft.public_id))
    v2 = Draft.objects.get(version=2)
    assert response.headers["Location"] == url("edit", v2.public_id)
    today = timezone.localdate()
    text = "\n\n".join(v2.paragraphs.values_list("text", flat=True)).replace("二十桌", "十桌")
    client.post(
        url("edit", v2.public_id),
        {
            "title": v2.title,
            "kind": v2.kind,
            "owner_committee": "村民委员会",
            "opens_on": today.isoformat(),
            "closes_on": (today + dt.timedelta(days=9)).isoformat(),
            "text": text,
        },
    )
    page = body(client.get(url("changes", v2.public_id)))
    assert "<del>二</del>" in page and "1 changed" in page
    # Not yet published: villagers do not see version 2.
    assert login(world.villager_a).get(url("changes", v2.public_id)).status_code == 404
    assert login(world.cadre_a).get(url("changes", draft.public_id)).status_code == 404  # version 1 has no previous


def test_adoption_page_and_filings(login, world, draft):
    c = closed_with_comment(world, draft)
    services.comment_set_outcome(actor=world.cadre_a, comment=c, outcome=Outcome.ADOPTED, reason="")
    services.report_save(actor=world.cadre_a, draft=draft, summary="采纳")
    services.report_publish(actor=world.cadre_a, draft=draft)
    client = login(world.cadre_a)
    response = client.post(url("adopt", draft.public_id), {"adopted_on": "", "meeting_reference": ""})
    assert response.status_code == 200
    client.post(
        url("adopt", draft.public_id),
        {
            "adopted_on": timezone.localdate().isoformat(),
            "meeting_reference": "村民会议第3号决议",
            "resolution_url": "",
        },
    )
    draft.refresh_from_db()
    assert draft.status == Status.ADOPTED
    assert "村民会议第3号决议" in body(login(world.villager_a).get(url("detail", draft.public_id)))
    staff = login(world.township_staff)
    page = body(staff.get(url("filings")))
    assert draft.title in page
    adoption = draft.adoption
    staff.post(url("filing_acknowledge", adoption.public_id), follow=True)
    adoption.refresh_from_db()
    assert adoption.acknowledged_by == world.township_staff
    assert draft.title not in body(login(world.other_township_staff).get(url("filings")))
    assert login(world.other_township_staff).post(url("filing_acknowledge", adoption.public_id)).status_code == 404
    assert login(world.villager_a).get(url("filings")).status_code == 403


# --- Query counts ---------------------------------------------------------------------------


@pytest.fixture
def busy(world, draft):
    """25 villagers of A each comment on paragraphs and the whole draft, with replies and stances."""
    people = []
    for i in range(25):
        user = UserFactory(phone=f"1370001{i:04d}", name=f"村民{i}")
        VillagerFactory(village=world.village_a, group=world.group_a1, user=user, living_away=i % 4 == 0)
        people.append(user)
    for i, user in enumerate(people):
        top = services.comment_add(actor=user, draft=draft, body=f"意见{i}", paragraph=p(draft, 1 + i % 4))
        services.comment_add(actor=user, draft=draft, body=f"整体意见{i}")
        services.comment_add(actor=people[(i + 1) % 25], draft=draft, body=f"回复{i}", parent=top)
        services.stance_set(actor=user, draft=draft, paragraph=p(draft, 1 + i % 4), stance="support")
    return draft


def test_pages_run_a_fixed_number_of_queries(login, world, busy, django_assert_max_num_queries):
    client = login(world.villager_a)
    for u, n in [
        (url("index"), 12),
        (url("detail", busy.public_id), 18),
        (url("paragraph", busy.public_id, 1), 20),
        (url("figures", busy.public_id), 16),
        (url("mine"), 12),
    ]:
        with django_assert_max_num_queries(n):
            assert client.get(u).status_code == 200
    services.draft_close(draft=busy, actor=world.cadre_a)
    owner = login(world.cadre_a)
    with django_assert_max_num_queries(22):
        assert owner.get(url("response", busy.public_id)).status_code == 200


def test_the_last_day_of_comments_is_shown_one_way_everywhere(login, world, draft):
    """Comments close at the midnight after the last day; every page names that last day, never the next
    day or a 00:00 time."""
    last = timezone.localdate() + dt.timedelta(days=13)
    after = (last + dt.timedelta(days=1)).isoformat()
    client = login(world.villager_a)
    pages = {
        "index": body(client.get(url("index"))),
        "detail": body(client.get(url("detail", draft.public_id))),
        "home": body(client.get("/")),
    }
    for name, page in pages.items():
        assert f"until the end of {last.isoformat()}" in page, name
        assert after not in page and "00:00" not in page, name
    notice = services_notice_text(draft)
    assert f"until the end of {last.isoformat()}" in notice and after not in notice


def services_notice_text(draft):
    from cunzhi.notify.services import notice_render

    draft.refresh_from_db()
    return notice_render(draft.announcement, "en")[1]
