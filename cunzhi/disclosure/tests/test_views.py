"""Disclosure pages: permissions (allowed role; refused: anonymous, villager of B, staff of the other township),
bad input, fixed query counts, the printed notice, the calendar export."""

import datetime as dt
import io
import subprocess

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from cunzhi.core.periods import previous_period
from cunzhi.core.tests.xlsx import HOSTILE, live_cells, texts
from cunzhi.disclosure import services
from cunzhi.disclosure.models import DueItem, Post, PostRead, PostStatus, Question


def make(world, category="village", publish=True, **kw):
    post = services.post_create(
        village=kw.pop("village", world.village_a),
        category=category,
        title=kw.pop("title", "第三季度村务公开"),
        body=kw.pop("body", "本季度完成村道硬化。"),
        actor=kw.pop("actor", world.cadre_a),
        **kw,
    )
    if publish:
        services.post_publish(post=post, actor=world.cadre_a)
    return post


def test_index_lists_published_for_anyone(world, client, django_assert_max_num_queries):
    for i in range(25):
        make(world, title=f"公开{i}")
    make(world, publish=False, title="草稿不显示")
    with django_assert_max_num_queries(8):
        r = client.get(reverse("disclosure:index"))
    assert r.status_code == 200
    body = r.content.decode()
    assert "公开24" in body and "草稿不显示" not in body
    assert "Next page" in body


def test_index_query_count_for_a_villager(world, login, django_assert_max_num_queries):
    for i in range(5):
        make(world, title=f"公开{i}")
    c = login(world.villager_a)
    with django_assert_max_num_queries(14):
        r = c.get(reverse("disclosure:index"))
    assert r.status_code == 200 and "公开4" in r.content.decode()


def test_post_page_public_and_counts_reach(world, client, login):
    post = make(world)
    r = client.get(reverse("disclosure:post", args=[post.public_id]))
    assert r.status_code == 200 and "本季度完成村道硬化" in r.content.decode()
    assert "Log in to ask a question" in r.content.decode()
    c = login(world.villager_a)
    c.get(reverse("disclosure:post", args=[post.public_id]))
    c.get(reverse("disclosure:post", args=[post.public_id]))
    post.refresh_from_db()
    assert post.reach == 1 and PostRead.objects.count() == 1


@pytest.mark.parametrize("who", ["anonymous", "villager_a", "villager_b", "other_township_staff"])
def test_drafts_hidden_outside_oversight(world, client, login, who):
    post = make(world, publish=False)
    c = client if who == "anonymous" else login(getattr(world, who))
    assert c.get(reverse("disclosure:post", args=[post.public_id])).status_code == 404
    assert c.get(reverse("disclosure:post_pdf", args=[post.public_id])).status_code == 404


def test_drafts_visible_to_township_staff_and_author(world, login):
    post = make(world, publish=False, body="卡号 6222021234567890123")
    r = login(world.township_staff).get(reverse("disclosure:post", args=[post.public_id]))
    assert r.status_code == 200
    r = login(world.cadre_a).get(reverse("disclosure:post", args=[post.public_id]))
    body = r.content.decode()
    assert "The privacy guard masked 1 number" in body and "***************0123" in body


def test_create_flow_and_privacy_preview(world, login):
    c = login(world.cadre_a)
    r = c.get(reverse("disclosure:post_create"))
    assert r.status_code == 200
    prev_q = previous_period("quarterly", timezone.localdate())
    r = c.post(
        reverse("disclosure:post_create"),
        {
            "village": world.village_a.code,
            "category": "village",
            "period": f"quarterly:{prev_q[0].isoformat()}",
            "title": "低保公示",
            "body": "申请人 张三 身份证 11010519491231002X",
            "table": "姓名\t账号\n张三\t6222021234567890123",
        },
    )
    post = Post.objects.get()
    assert r.status_code == 302 and r["Location"] == reverse("disclosure:post", args=[post.public_id])
    assert post.status == PostStatus.DRAFT and (post.period_start, post.period_end) == prev_q
    assert "11010519491231002X" not in post.body and post.tables[0]["rows"][0][1] == "***************0123"
    r = c.get(r["Location"])
    assert "masked 2 numbers" in r.content.decode()
    r = c.post(reverse("disclosure:post_publish", args=[post.public_id]))
    post.refresh_from_db()
    assert post.status == PostStatus.PUBLISHED


@pytest.mark.parametrize(
    "data, error",
    [
        ({"title": "", "body": "x"}, "This field is required"),
        ({"title": "t", "body": "", "table": ""}, "Write the text of the disclosure"),
        ({"title": "t", "body": "x", "period": "quarterly:2024-13-01"}, "Select a valid choice"),
        ({"title": "t", "body": "x", "village": "330523101201"}, "Select a valid choice"),
    ],
)
def test_create_bad_input(world, login, data, error):
    c = login(world.cadre_a)
    payload = {"village": world.village_a.code, "category": "village", "period": "", **data}
    r = c.post(reverse("disclosure:post_create"), payload)
    assert r.status_code == 200 and error in r.content.decode()
    assert not Post.objects.exists()


@pytest.mark.parametrize("who, status", [("villager_a", 403), ("township_staff", 403), ("cadre_b", 200)])
def test_create_refused(world, login, cadre_b, who, status):
    user = cadre_b if who == "cadre_b" else getattr(world, who)
    c = login(user)
    r = c.post(
        reverse("disclosure:post_create"),
        {"village": world.village_a.code, "category": "village", "title": "t", "body": "b"},
    )
    assert r.status_code == status and not Post.objects.exists()
    if status == 200:  # a cadre of another village: village A is not among the form's choices, so the form refuses
        assert "Select a valid choice" in r.content.decode()


def test_create_anonymous_redirects_to_login(world, client):
    r = client.get(reverse("disclosure:post_create"))
    assert r.status_code == 302 and "/login" in r["Location"]


def test_finance_publish_refused_without_approval(world, login, supervisor_a):
    post = make(world, category="finance", publish=False)
    c = login(world.cadre_a)
    r = c.post(reverse("disclosure:post_publish", args=[post.public_id]), follow=True)
    assert "needs the supervision committee" in r.content.decode()
    post.refresh_from_db()
    assert post.status == PostStatus.DRAFT
    c.post(reverse("disclosure:post_submit", args=[post.public_id]))
    post.refresh_from_db()
    assert post.status == PostStatus.IN_REVIEW
    # The cadre cannot review; the committee member can.
    r = c.post(reverse("disclosure:post_review", args=[post.public_id]), {"decision": "approve"})
    assert r.status_code == 403
    r = login(supervisor_a).get(reverse("disclosure:post", args=[post.public_id]))
    assert "Approve and publish" in r.content.decode()
    login(supervisor_a).post(
        reverse("disclosure:post_review", args=[post.public_id]), {"decision": "approve", "comment": "已核"}
    )
    post.refresh_from_db()
    assert post.status == PostStatus.PUBLISHED


def test_edit_only_drafts(world, login):
    post = make(world, publish=False)
    c = login(world.cadre_a)
    r = c.post(
        reverse("disclosure:post_edit", args=[post.public_id]),
        {"title": "改后标题", "body": "新内容", "period": "", "table": ""},
    )
    assert r.status_code == 302
    post.refresh_from_db()
    assert post.title == "改后标题"
    services.post_publish(post=post, actor=world.cadre_a)
    r = c.post(reverse("disclosure:post_edit", args=[post.public_id]), {"title": "x", "body": "y"})
    assert r.status_code == 403
    assert Post.objects.get(pk=post.pk).title == "改后标题"


def test_questions_by_villagers_answers_by_cadres(world, client, login):
    post = make(world)
    r = login(world.villager_b).post(reverse("disclosure:question_ask", args=[post.public_id]), {"text": "?"})
    assert r.status_code == 403
    client.logout()
    r = client.post(reverse("disclosure:question_ask", args=[post.public_id]), {"text": "?"})
    assert r.status_code == 302 and "/login" in r["Location"]
    c = login(world.villager_a)
    c.post(reverse("disclosure:question_ask", args=[post.public_id]), {"text": ""})
    assert not Question.objects.exists()
    c.post(reverse("disclosure:question_ask", args=[post.public_id]), {"text": "道路什么时候修？"})
    q = Question.objects.get()
    r = login(world.township_staff).post(reverse("disclosure:question_answer", args=[q.public_id]), {"answer": "x"})
    assert r.status_code == 403
    login(world.cadre_a).post(reverse("disclosure:question_answer", args=[q.public_id]), {"answer": "十月开工。"})
    q.refresh_from_db()
    assert q.answer == "十月开工。"
    # Everyone sees the question and the answer, the asker's name masked.
    client.logout()
    body = client.get(reverse("disclosure:post", args=[post.public_id])).content.decode()
    assert "道路什么时候修" in body and "十月开工" in body and "张*" in body and "张三" not in body


def test_printed_notice_is_an_a4_pdf_with_the_link(world, client, settings):
    settings.SITE_URL = "https://cunzhi.example.gov.cn:8443"
    post = make(world, body="村道硬化工程已完工，总投资 12 万元。")
    r = client.get(reverse("disclosure:post_pdf", args=[post.public_id]))
    assert r.status_code == 200 and r["Content-Type"] == "application/pdf"
    text = subprocess.run(["pdftotext", "-", "-"], input=r.content, capture_output=True).stdout.decode()
    # The QR code and the printed link use the site's address (SITE_URL), not the port of a default.
    assert services.post_absolute_url(post) == f"https://cunzhi.example.gov.cn:8443/disclosure/p/{post.public_id}/"
    assert "村道硬化工程已完工" in text and services.post_absolute_url(post) in "".join(text.split())
    info = subprocess.run(["pdfinfo", "-"], input=r.content, capture_output=True).stdout.decode()
    assert "595.276 x 841.89 pts (A4)" in info
    fonts = subprocess.run(["pdffonts", "-"], input=r.content, capture_output=True).stdout.decode()
    assert "Noto-Sans-CJK-SC" in fonts


def test_calendar_public_per_village_and_scope_for_staff(world, client, login, settings, django_assert_max_num_queries):
    today = timezone.localdate()
    settings.DISCLOSURE_CALENDAR_START = (today - dt.timedelta(days=400)).isoformat()
    services.due_items_ensure(today=today)
    r = client.get(reverse("disclosure:calendar"))
    assert "Choose a village" in r.content.decode()
    r = client.get(reverse("disclosure:calendar"), {"village": world.village_b.code})
    assert r.status_code == 200 and "Overdue" in r.content.decode()
    c = login(world.township_staff)
    with django_assert_max_num_queries(12):
        r = c.get(reverse("disclosure:calendar"))
    rows = list(r.context["page"])
    assert rows and {x.region_code for x in rows} == {world.village_a.code}
    # Overdue first: the flags run True... then False...
    flags = [x.is_overdue for x in rows]
    assert flags[0] and flags == sorted(flags, reverse=True)


def test_calendar_says_when_a_disclosure_was_published_late(world, client, login, settings):
    today = timezone.localdate()
    start, end = today - dt.timedelta(days=100), today - dt.timedelta(days=10)
    late = DueItem.objects.create(
        village=world.village_a,
        category="village",
        frequency="quarterly",
        period_start=start,
        period_end=end,
        due_date=today - dt.timedelta(days=3),
    )
    on_time = DueItem.objects.create(
        village=world.village_a,
        category="party",
        frequency="quarterly",
        period_start=start,
        period_end=end,
        due_date=today + dt.timedelta(days=5),
    )
    make(world, category="village", period_start=start, period_end=end)  # published today: three days late
    make(world, category="party", title="党务公开", period_start=start, period_end=end)
    late.refresh_from_db()
    on_time.refresh_from_db()
    assert late.days_late == 3 and on_time.days_late == 0

    page = client.get(reverse("disclosure:calendar"), {"village": world.village_a.code}).content.decode()
    assert page.count("Published late (3 days)") == 1 and "status-published-late" in page
    rows = list(
        load_workbook(
            io.BytesIO(
                login(world.township_staff).get(reverse("disclosure:calendar_export"), {"status": "published"}).content
            )
        ).active.iter_rows(values_only=True)
    )
    statuses = {row[2]: row[6] for row in rows[1:]}
    assert statuses == {"Village affairs": "Published late (3 days)", "Party affairs": "Published"}
    api = {
        r["category"]: r
        for r in client.get(
            "/api/v1/disclosure/calendar", {"village": world.village_a.code, "status": "published"}
        ).json()["items"]
    }
    assert api["village"]["days_late"] == 3 and api["party"]["days_late"] == 0
    settings.LANGUAGE_CODE = "zh-hans"
    page = client.get(
        reverse("disclosure:calendar"), {"village": world.village_a.code}, HTTP_ACCEPT_LANGUAGE="zh-hans"
    ).content.decode()
    assert "逾期3天公开" in page


def test_calendar_export_xlsx(world, client, login, settings):
    today = timezone.localdate()
    settings.DISCLOSURE_CALENDAR_START = (today - dt.timedelta(days=100)).isoformat()
    services.due_items_ensure(today=today)
    r = login(world.township_staff).get(reverse("disclosure:calendar_export"), {"status": "overdue"})
    assert r.status_code == 200
    ws = load_workbook(io.BytesIO(r.content)).active
    rows = list(ws.iter_rows(values_only=True))
    assert (
        rows[0][0] == "Village"
        and len(rows) - 1 == DueItem.objects.filter(region_code=world.village_a.code, due_date__lt=today).count()
    )
    assert all(row[6] == "Overdue" for row in rows[1:])
    client.logout()
    assert client.get(reverse("disclosure:calendar_export")).status_code == 404
    assert client.get(reverse("disclosure:calendar_export"), {"village": world.village_b.code}).status_code == 200


def test_calendar_export_writes_post_titles_never_as_a_formula(world, login, settings):
    today = timezone.localdate()
    settings.DISCLOSURE_CALENDAR_START = (today - dt.timedelta(days=100)).isoformat()
    services.due_items_ensure(today=today)
    post = make(world, title=HOSTILE)
    DueItem.objects.filter(pk=DueItem.objects.filter(region_code=world.village_a.code).first().pk).update(post=post)
    data = login(world.township_staff).get(reverse("disclosure:calendar_export")).content
    assert HOSTILE in texts(data) and live_cells(data) == []


def test_schedule_page_permissions_and_change(world, client, login, cadre_b):
    url = reverse("disclosure:schedule", args=[world.village_a.code])
    assert client.get(url).status_code == 302
    assert login(world.villager_a).get(url).status_code == 403
    assert login(cadre_b).get(url).status_code == 403
    assert login(world.other_township_staff).get(url).status_code == 403
    c = login(world.township_staff)
    r = c.post(
        url,
        {
            "party_frequency": "quarterly",
            "party_grace": "10",
            "village_frequency": "quarterly",
            "village_grace": "10",
            "finance_frequency": "monthly",
            "finance_grace": "40",
        },
    )
    assert r.status_code == 200 and "less than or equal to 31" in r.content.decode()
    r = c.post(
        url,
        {
            "party_frequency": "immediately",
            "party_grace": "0",
            "village_frequency": "quarterly",
            "village_grace": "10",
            "finance_frequency": "monthly",
            "finance_grace": "5",
        },
    )
    assert r.status_code == 302
    from cunzhi.disclosure.models import Schedule

    assert Schedule.objects.get(village=world.village_a, category="finance").frequency == "monthly"


def test_work_queue(world, login, supervisor_a, django_assert_max_num_queries):
    make(world, publish=False, title="草稿一")
    assert login(world.villager_a).get(reverse("disclosure:work")).status_code == 403
    c = login(supervisor_a)
    with django_assert_max_num_queries(8):
        r = c.get(reverse("disclosure:work"))
    assert "草稿一" in r.content.decode()
    r = login(world.other_township_staff).get(reverse("disclosure:work"))
    assert "草稿一" not in r.content.decode()


@pytest.mark.parametrize("action", ["post_publish", "post_submit", "post_review"])
@pytest.mark.parametrize(
    "who, status",
    [
        ("anonymous", 302),
        ("villager_a", 404),
        ("villager_b", 404),
        ("other_township_staff", 404),
        ("township_staff", 403),
    ],
)
def test_post_actions_refused(world, client, login, action, who, status):
    post = make(world, publish=False, category="finance" if action != "post_publish" else "village")
    if action == "post_review":
        from cunzhi.disclosure.models import PostStatus as S

        Post.objects.filter(pk=post.pk).update(status=S.IN_REVIEW)
    c = client if who == "anonymous" else login(getattr(world, who))
    r = c.post(reverse(f"disclosure:{action}", args=[post.public_id]), {"decision": "approve"})
    assert r.status_code == status
    post.refresh_from_db()
    assert post.published_at is None and post.status in (PostStatus.DRAFT, PostStatus.IN_REVIEW)


def test_attachment_of_a_generated_post(world, client, login):
    post = services.post_publish_about(
        about=world.village_a,
        village=world.village_a,
        category="village",
        title="决议",
        body="见附件",
        actor=world.cadre_a,
        pdf=b"%PDF-1.4 minutes",
    )
    r = client.get(reverse("disclosure:post_attachment", args=[post.public_id]))
    assert r.status_code == 200 and b"".join(r.streaming_content).startswith(b"%PDF")
    plain = make(world)
    assert client.get(reverse("disclosure:post_attachment", args=[plain.public_id])).status_code == 404
