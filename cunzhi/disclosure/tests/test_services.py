"""Disclosure services: drafts, review before publication, the calendar, reminders, questions, reach."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from cunzhi.core.jobs import JOBS
from cunzhi.core.models import AuditEvent
from cunzhi.core.periods import month_bounds, periods_between, previous_period, quarter_bounds
from cunzhi.disclosure import services
from cunzhi.disclosure.models import Approval, DueItem, Post, PostStatus, Schedule
from cunzhi.notify.models import Delivery, Notice


def draft(world, category="village", **kw):
    return services.post_create(
        village=kw.pop("village", world.village_a),
        category=category,
        title=kw.pop("title", "2024年第三季度村务公开"),
        body=kw.pop("body", "公开内容"),
        actor=kw.pop("actor", world.cadre_a),
        **kw,
    )


def test_periods():
    assert quarter_bounds(dt.date(2024, 11, 5)) == (dt.date(2024, 10, 1), dt.date(2024, 12, 31))
    assert month_bounds(dt.date(2024, 2, 10)) == (dt.date(2024, 2, 1), dt.date(2024, 2, 29))
    assert previous_period("quarterly", dt.date(2024, 1, 5)) == (dt.date(2023, 10, 1), dt.date(2023, 12, 31))
    assert len(periods_between("monthly", dt.date(2024, 1, 1), dt.date(2024, 12, 31))) == 12


def test_publish_village_post(world):
    post = draft(world, body="身份证 11010519491231002X")
    assert post.status == PostStatus.DRAFT and post.masked_items[0]["shown_as"] == "110105********002X"
    services.post_publish(post=post, actor=world.cadre_a)
    post.refresh_from_db()
    assert post.status == PostStatus.PUBLISHED and post.published_by == world.cadre_a
    with pytest.raises(ValidationError):
        services.post_publish(post=post, actor=world.cadre_a)


def test_finance_needs_the_committee(world, supervisor_a):
    post = draft(world, category="finance", title="10月财务公开")
    with pytest.raises(ValidationError, match="approval"):
        services.post_publish(post=post, actor=world.cadre_a)
    post.refresh_from_db()
    assert post.status == PostStatus.DRAFT and post.published_at is None
    services.post_submit(post=post, actor=world.cadre_a)
    assert Notice.objects.filter(template="disclosure_review").exists()
    with pytest.raises(PermissionDenied):
        services.post_approve(post=post, actor=world.cadre_a)
    with pytest.raises(ValidationError):
        services.post_return(post=post, actor=supervisor_a, comment="")
    services.post_return(post=post, actor=supervisor_a, comment="请附上凭证清单")
    assert post.status == PostStatus.RETURNED
    with pytest.raises(ValidationError, match="not waiting"):
        services.post_approve(post=post, actor=supervisor_a)
    services.post_update(post=post, actor=world.cadre_a, title="10月财务公开（修订）", body="附凭证清单")
    services.post_submit(post=post, actor=world.cadre_a)
    services.post_approve(post=post, actor=supervisor_a, comment="已核对")
    post.refresh_from_db()
    assert post.status == PostStatus.PUBLISHED
    assert list(Approval.objects.filter(post=post).values_list("decision", flat=True)) == ["approved", "returned"]
    assert AuditEvent.objects.filter(action="disclosure.post.approve", actor=supervisor_a).exists()


def test_author_cannot_approve_own_finance_post(world, supervisor_a):
    post = draft(world, category="finance", actor=supervisor_a)
    services.post_submit(post=post, actor=supervisor_a)
    with pytest.raises(ValidationError, match="author"):
        services.post_approve(post=post, actor=supervisor_a)


def test_submit_without_any_reviewer_is_refused(world):
    post = draft(world, category="finance")
    with pytest.raises(ValidationError, match="supervision committee member"):
        services.post_submit(post=post, actor=world.cadre_a)
    post.refresh_from_db()
    assert post.status == PostStatus.DRAFT


def test_published_posts_are_never_rewritten(world):
    post = draft(world)
    services.post_publish(post=post, actor=world.cadre_a)
    with pytest.raises(ValidationError):
        services.post_update(post=post, actor=world.cadre_a, title="改", body="改")
    assert Post.objects.get(pk=post.pk).title == "2024年第三季度村务公开"


def test_calendar_items_and_fulfilment(world, settings):
    today = timezone.localdate()
    settings.DISCLOSURE_CALENDAR_START = (today - dt.timedelta(days=200)).isoformat()
    services.due_items_ensure(today=today, villages=[world.village_a])
    items = DueItem.objects.filter(village=world.village_a)
    quarters = periods_between("quarterly", today - dt.timedelta(days=200), today)
    assert items.filter(category="party").count() == len(quarters)
    assert items.filter(category="finance").count() == len(quarters)
    # Idempotent.
    assert services.due_items_ensure(today=today, villages=[world.village_a]) == 0
    last_q = previous_period("quarterly", today)
    post = draft(world, period_start=last_q[0], period_end=last_q[1])
    services.post_publish(post=post, actor=world.cadre_a)
    item = DueItem.objects.get(village=world.village_a, category="village", period_start=last_q[0])
    assert item.post == post and item.published_at is not None


def test_schedule_change_regenerates_current_periods(world, settings):
    today = timezone.localdate()
    settings.DISCLOSURE_CALENDAR_START = quarter_bounds(today)[0].isoformat()
    services.due_items_ensure(today=today, villages=[world.village_a])
    assert DueItem.objects.filter(village=world.village_a, category="finance", frequency="quarterly").count() == 1
    services.schedule_set(
        village=world.village_a, category="finance", frequency="monthly", grace_days=5, actor=world.cadre_a
    )
    months = DueItem.objects.filter(village=world.village_a, category="finance")
    assert {m.frequency for m in months} == {"monthly"}
    assert all(m.due_date == m.period_end + dt.timedelta(days=5) for m in months)
    assert Schedule.objects.get(village=world.village_a, category="finance").frequency == "monthly"
    with pytest.raises(ValidationError):
        services.schedule_set(
            village=world.village_a, category="village", frequency="immediately", grace_days=5, actor=world.cadre_a
        )
    with pytest.raises(ValidationError):
        services.schedule_set(
            village=world.village_a, category="party", frequency="monthly", grace_days=99, actor=world.cadre_a
        )


def test_reminders_job_is_registered_and_idempotent(world, settings):
    assert "disclosure.calendar" in JOBS
    today = timezone.localdate()
    settings.DISCLOSURE_CALENDAR_START = previous_period("quarterly", previous_period("quarterly", today)[0])[
        0
    ].isoformat()
    counts = services.reminders_send()
    assert counts["overdue"] > 0
    township_notice = Notice.objects.get(template="disclosure_overdue_township", region_code="330523100000")
    staff = set(Delivery.objects.filter(notice=township_notice).values_list("recipient_id", flat=True))
    assert world.township_staff.pk in staff and world.other_township_staff.pk not in staff
    assert Notice.objects.filter(template="disclosure_overdue", region_code=world.village_a.code).exists()
    before = Notice.objects.count()
    again = services.reminders_send()
    assert again["overdue"] == 0 and again["created"] == 0 and Notice.objects.count() == before


def test_questions_and_reach(world, cadre_b):
    post = draft(world)
    services.post_publish(post=post, actor=world.cadre_a)
    villager = world.villager_a
    assert services.post_read_record(post=post, user=villager) is True
    assert services.post_read_record(post=post, user=villager) is False  # distinct villagers
    assert services.post_read_record(post=post, user=world.cadre_a) is False  # not a villager
    services.post_read_record(post=post, user=world.helper)
    post.refresh_from_db()
    assert post.reach == 2
    q = services.question_ask(post=post, actor=villager, text="修路款什么时候公开？")
    with pytest.raises(PermissionDenied):
        services.question_ask(post=post, actor=world.villager_b, text="?")
    with pytest.raises(ValidationError):
        services.question_ask(post=post, actor=villager, text="   ")
    with pytest.raises(PermissionDenied):
        services.question_answer(question=q, actor=cadre_b, answer="x")
    services.question_answer(question=q, actor=world.cadre_a, answer="下月公开。")
    q.refresh_from_db()
    post.refresh_from_db()
    assert q.answer == "下月公开。" and q.answered_by_name == "王书记" and post.question_count == 1
    assert Notice.objects.filter(template="disclosure_answer").exists()


def test_parse_table():
    tables = services.parse_table("姓名\t金额\n张三\t100\n李四")
    assert tables == [{"title": "", "header": ["姓名", "金额"], "rows": [["张三", "100"], ["李四", ""]]}]
    assert services.parse_table("a，b\n1，2")[0]["rows"] == [["1", "2"]]
    assert services.parse_table("  ") == []
    assert services.table_as_text(tables) == "姓名\t金额\n张三\t100\n李四\t"
