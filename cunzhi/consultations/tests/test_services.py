"""Services and rules: the life of a consultation from draft to adoption, with the refusals."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from cunzhi.consultations import rules, selectors, services
from cunzhi.consultations.models import Adoption, Comment, Draft, Outcome, Stance, Status, Visibility
from cunzhi.consultations.tests.conftest import make_draft
from cunzhi.core.jobs import JOBS
from cunzhi.core.models import AuditEvent
from cunzhi.notify.models import Channel, Delivery, Notice
from cunzhi.people.models import AccessKind, DataAccess, Role, RoleAssignment
from cunzhi.people.tests.factories import UserFactory, VillagerFactory


def inbox_of(user):
    return list(Delivery.objects.filter(recipient=user, channel=Channel.INBOX).select_related("notice").order_by("id"))


def templates_for(user):
    return [d.notice.template for d in inbox_of(user)]


def p(draft, n):
    return draft.paragraphs.get(number=n)


def close(draft, world):
    assert services.draft_close(draft=draft, actor=world.cadre_a)
    draft.refresh_from_db()


# --- Creating, publishing, opening ----------------------------------------------------------


def test_publishing_on_the_opening_day_opens_and_tells_everyone_in_scope(world):
    draft = make_draft(world)
    assert draft.status == Status.OPEN and draft.opened_at is not None
    assert [x.number for x in draft.paragraphs.all()] == [1, 2, 3, 4]
    assert draft.paragraphs.get(number=3).text.startswith("第三条 红白喜事")
    notice = Notice.objects.get(template="consultations_opened")
    assert notice.kind == "announcement" and notice.region_code == world.village_a.code
    assert draft.announcement == notice
    # Both villagers of A are told; the villager of B and the staff (no villager record) are not.
    assert "consultations_opened" in templates_for(world.villager_a)
    assert "consultations_opened" in templates_for(world.helper)
    assert templates_for(world.villager_b) == []
    assert AuditEvent.objects.filter(action="consultation.open", object_id=str(draft.pk)).count() == 1


def test_a_draft_stays_with_its_owner_until_published(world):
    draft = make_draft(world, publish=False)
    assert draft.status == Status.DRAFT
    assert rules.can_view(world.cadre_a, draft)
    assert not rules.can_view(world.villager_a, draft)
    assert not rules.can_view(world.township_staff, draft)
    assert not Notice.objects.exists()


def test_scheduled_draft_is_opened_by_the_job_once(world):
    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    draft = make_draft(world, opens_on=tomorrow)
    assert draft.status == Status.SCHEDULED and not Notice.objects.exists()
    assert services.drafts_open_and_close_due() == "0 opened, 0 closed"
    later = draft.opens_at + dt.timedelta(minutes=3)
    assert services.drafts_open_and_close_due(now=later) == "1 opened, 0 closed"
    # Idempotent: the next tick (or a second scheduler) does nothing more.
    assert services.drafts_open_and_close_due(now=later) == "0 opened, 0 closed"
    draft.refresh_from_db()
    assert draft.status == Status.OPEN
    assert Notice.objects.filter(template="consultations_opened").count() == 1
    assert "consultations.open_and_close" in JOBS


def test_job_closes_when_time_is_up_and_asks_the_owner_for_the_report(world, draft):
    assert services.drafts_open_and_close_due(now=draft.closes_at + dt.timedelta(minutes=1)) == "0 opened, 1 closed"
    draft.refresh_from_db()
    assert draft.status == Status.CLOSED
    assert "consultations_closed" in templates_for(world.cadre_a)
    assert services.drafts_open_and_close_due(now=draft.closes_at + dt.timedelta(minutes=2)) == "0 opened, 0 closed"


@pytest.mark.parametrize(
    "change, message",
    [
        ({"title": "  "}, "title"),
        ({"closes_on": 3}, "at least 7 days"),
        ({"closes_on": -3}, "close after it opens"),
        ({"closes_on": 200}, "at most 90 days"),
        ({"paragraphs": []}, "no text"),
        ({"paragraphs": ["x" * 6000]}, "longer than"),
        ({"committee": ""}, "office or committee"),
    ],
)
def test_bad_drafts_are_refused_and_nothing_is_stored(world, change, message):
    today = timezone.localdate()
    kwargs = {
        "actor": world.cadre_a,
        "title": "村规民约",
        "kind": "village_rules",
        "scope": world.village_a,
        "owner_committee": change.get("committee", "村民委员会"),
        "opens_on": today,
        "closes_on": today + dt.timedelta(days=change.get("closes_on", 13)),
        "paragraphs": change.get("paragraphs", ["第一条"]),
    }
    if "title" in change:
        kwargs["title"] = change["title"]
    with pytest.raises(ValidationError) as exc:
        services.draft_create(**kwargs)
    assert message in str(exc.value)
    assert not Draft.objects.exists()


def test_only_owners_of_the_area_start_drafts(world):
    today = timezone.localdate()
    common = {
        "title": "t",
        "kind": "other",
        "owner_committee": "村民委员会",
        "opens_on": today,
        "closes_on": today + dt.timedelta(days=10),
        "paragraphs": ["一"],
    }
    for actor, scope, office in [
        (world.villager_a, world.village_a, None),
        (world.cadre_a, world.village_b, None),
        (world.cadre_a, world.township_t, None),
        (world.other_township_staff, world.township_t, world.office_u),
        (world.township_staff, world.township_t, world.office_u),
    ]:
        with pytest.raises(ValidationError):
            services.draft_create(actor=actor, scope=scope, owner_office=office, **common)
    assert not Draft.objects.exists()
    # Township staff for their office, over the township or one of its villages; the county admin anywhere.
    services.draft_create(actor=world.township_staff, scope=world.township_t, owner_office=world.office_t, **common)
    services.draft_create(actor=world.township_staff, scope=world.village_a, owner_office=world.office_t, **common)
    services.draft_create(actor=world.county_admin, scope=world.county, owner_office=world.office_county, **common)
    assert Draft.objects.count() == 3


def test_text_cannot_change_once_open(world, draft):
    with pytest.raises(ValidationError, match="can no longer change"):
        services.draft_update(
            actor=world.cadre_a,
            draft=draft,
            title="新标题",
            kind=draft.kind,
            opens_on=timezone.localdate(),
            closes_on=timezone.localdate() + dt.timedelta(days=10),
            paragraphs=["新"],
        )
    draft.refresh_from_db()
    assert draft.title != "新标题" and draft.paragraphs.count() == 4


# --- Scope ----------------------------------------------------------------------------------


def test_scope_of_a_village_draft(world, draft):
    assert rules.can_view(world.villager_a, draft) and rules.can_comment(world.villager_a, draft)
    assert rules.can_view(world.township_staff, draft) and rules.can_moderate(world.township_staff, draft)
    assert not rules.can_manage(world.township_staff, draft)
    assert rules.can_manage(world.cadre_a, draft) and rules.can_manage(world.county_admin, draft)
    for outsider in (world.villager_b, world.other_township_staff):
        assert not rules.can_view(outsider, draft) and not rules.can_comment(outsider, draft)


def test_scope_of_a_township_draft(world, township_draft):
    assert rules.can_view(world.villager_a, township_draft) and rules.can_comment(world.villager_a, township_draft)
    assert rules.can_view(world.cadre_a, township_draft)  # works in a village of the township
    assert not rules.can_moderate(world.cadre_a, township_draft)  # but does not moderate the township's draft
    assert rules.can_manage(world.township_staff, township_draft)
    assert not rules.can_view(world.villager_b, township_draft)
    assert not rules.can_view(world.other_township_staff, township_draft)


def test_lists_are_scoped(world, draft, township_draft):
    def titles(user):
        return sorted(d.public_id for d in selectors.drafts_visible(user=user))

    both = sorted([draft.public_id, township_draft.public_id])
    assert titles(world.villager_a) == both
    assert titles(world.cadre_a) == both
    assert titles(world.township_staff) == both
    assert titles(world.county_admin) == both
    assert titles(world.villager_b) == []
    assert titles(world.other_township_staff) == []


# --- Comments -------------------------------------------------------------------------------


def test_villager_comments_on_a_paragraph_and_it_counts_as_participation(world, draft):
    c = services.comment_add(
        actor=world.villager_a, draft=draft, paragraph=p(draft, 3), body="酒席二十桌太多，建议十桌。"
    )
    assert c.villager == world.villager_a.villager and c.written_by == world.villager_a and c.delegation is None
    assert c.region_code == world.village_a.code and c.visibility == Visibility.PUBLIC
    event = AuditEvent.objects.get(action="consultation.comment")
    assert event.actor == world.villager_a and event.on_behalf_of is None
    assert event.after["villager"] == world.villager_a.villager.public_id and event.after["participation"] is True
    assert event.after["paragraph"] == 3
    assert set(services.PARTICIPATION_ACTIONS) >= {"consultation.comment", "consultation.reply", "consultation.stance"}


def test_a_double_tap_makes_one_comment(world, draft):
    a = services.comment_add(actor=world.villager_a, draft=draft, body="同意")
    b = services.comment_add(actor=world.villager_a, draft=draft, body="同意")
    assert a.pk == b.pk and Comment.objects.count() == 1


@pytest.mark.parametrize(
    "body, message",
    [
        ("", "empty"),
        ("   \n\t ", "empty"),
        ("长" * 2001, "too long"),
    ],
)
def test_empty_and_oversized_comments_are_refused(world, draft, body, message):
    with pytest.raises(ValidationError, match=message):
        services.comment_add(actor=world.villager_a, draft=draft, body=body)
    assert not Comment.objects.exists()
    assert not AuditEvent.objects.filter(action="consultation.comment").exists()


def test_markup_is_stored_as_text_and_control_characters_dropped(world, draft):
    c = services.comment_add(actor=world.villager_a, draft=draft, body="<script>alert(1)</script>\x00<b>加粗</b>")
    assert c.body == "<script>alert(1)</script><b>加粗</b>"


def test_comments_after_close_and_before_opening_are_refused(world, draft):
    close(draft, world)
    with pytest.raises(ValidationError, match="closed"):
        services.comment_add(actor=world.villager_a, draft=draft, body="晚了")
    with pytest.raises(ValidationError, match="closed"):
        services.stance_set(actor=world.villager_a, draft=draft, paragraph=p(draft, 1), stance="support")
    later = make_draft(world, opens_on=timezone.localdate() + dt.timedelta(days=2), title="下一稿")
    with pytest.raises(ValidationError, match="not open yet"):
        services.comment_add(actor=world.villager_a, draft=later, body="早了")
    assert not Comment.objects.exists() and not Stance.objects.exists()


def test_a_comment_is_refused_when_the_closing_time_has_passed_before_the_job_ran(world, draft):
    with pytest.raises(ValidationError, match="closed"):
        services.comment_add(
            actor=world.villager_a, draft=draft, body="晚了", now=draft.closes_at + dt.timedelta(seconds=1)
        )


def test_villagers_outside_the_scope_cannot_comment(world, draft):
    with pytest.raises(ValidationError, match="not among the villagers consulted"):
        services.comment_add(actor=world.villager_b, draft=draft, body="我不是本村的")
    with pytest.raises(ValidationError, match="not among the villagers consulted"):
        services.comment_add(actor=world.cadre_a, draft=draft, body="干部没有村民身份")
    assert not Comment.objects.exists()


def test_a_paragraph_of_another_draft_is_refused(world, draft, township_draft):
    with pytest.raises(ValidationError, match="not part of the draft"):
        services.comment_add(actor=world.villager_a, draft=draft, body="x", paragraph=p(township_draft, 1))


def test_villager_living_away_is_consulted_and_counted(world, draft):
    away = VillagerFactory(
        village=world.village_a,
        group=world.group_a1,
        living_away=True,
        away_city="杭州",
        user=UserFactory(phone="13900000077", name="在外务工"),
    )
    services.comment_add(actor=away.user, draft=draft, body="在杭州打工，也关心村里的事。")
    services.comment_add(actor=world.villager_a, draft=draft, body="同意修订。")
    services.comment_add(actor=world.helper, draft=draft, body="第三条好。", paragraph=p(draft, 3))
    f = selectors.figures(draft=draft)
    assert f["commenters"] == 3 and f["away_commenters"] == 1 and f["away_share"] == pytest.approx(33.3)
    # The share keeps the state at the time of the comment, even if the villager moves home later.
    away.living_away = False
    away.save()
    assert selectors.figures(draft=draft)["away_commenters"] == 1


def test_helper_comments_for_a_villager_under_a_delegation_both_recorded(world, draft, delegation):
    father = world.villager_a.villager
    c = services.comment_add(
        actor=world.helper, draft=draft, body="我父亲说：第二条要配垃圾桶。", paragraph=p(draft, 2), for_villager=father
    )
    assert c.villager == father and c.written_by == world.helper and c.delegation == delegation
    event = AuditEvent.objects.get(action="consultation.comment")
    assert event.actor == world.helper and event.on_behalf_of == father
    access = DataAccess.objects.get(subject=father)
    assert access.kind == AccessKind.DELEGATION_USE and access.actor == world.helper
    # Without a choice, the helper (a villager of A himself) writes as himself.
    own = services.comment_add(actor=world.helper, draft=draft, body="我自己的意见")
    assert own.villager == world.helper.villager and own.delegation is None


def test_helper_without_delegation_cannot_write_for_someone(world, draft):
    with pytest.raises(ValidationError, match="no active delegation"):
        services.comment_add(actor=world.helper, draft=draft, body="代写", for_villager=world.villager_a.villager)
    assert not Comment.objects.exists()


def test_revoked_delegation_no_longer_works(world, draft, delegation):
    delegation.revoked_at = timezone.now()
    delegation.save()
    world.helper.__dict__.pop("_cunzhi_delegations", None)
    with pytest.raises(ValidationError, match="no active delegation"):
        services.comment_add(actor=world.helper, draft=draft, body="代写", for_villager=world.villager_a.villager)


def test_replies_are_one_level_and_keep_private_threads_private(world, draft):
    top = services.comment_add(actor=world.villager_a, draft=draft, body="建议修改", paragraph=p(draft, 2))
    r1 = services.comment_add(actor=world.helper, draft=draft, body="同意楼上", parent=top)
    r2 = services.comment_add(actor=world.villager_a, draft=draft, body="谢谢", parent=r1)
    assert r1.parent == top and r2.parent == top and r2.paragraph == top.paragraph
    assert AuditEvent.objects.filter(action="consultation.reply").count() == 2
    private = services.comment_add(
        actor=world.villager_a, draft=draft, body="只给领导看", visibility=Visibility.LEADERS
    )
    reply = services.comment_add(actor=world.helper, draft=draft, body="回复", parent=private)
    assert reply.visibility == Visibility.LEADERS


def test_leaders_only_comments_are_read_by_leaders_and_author(world, draft):
    c = services.comment_add(actor=world.villager_a, draft=draft, body="私下反映", visibility=Visibility.LEADERS)
    for user, can in [
        (world.villager_a, True),
        (world.cadre_a, True),
        (world.township_staff, True),
        (world.helper, False),
    ]:
        leader = rules.is_leader(user, draft)
        assert rules.can_read_comment(user, c, leader=leader, own_ids=rules.own_villager_ids(user)) is can
    helper_threads = selectors.comments_thread(
        draft=draft, user=world.helper, leader=False, own_ids=rules.own_villager_ids(world.helper), whole=True
    )
    assert list(helper_threads) == []


def test_stances_support_oppose_change_withdraw(world, draft):
    para = p(draft, 3)
    s = services.stance_set(actor=world.villager_a, draft=draft, paragraph=para, stance="support")
    assert s.stance == "support"
    services.stance_set(actor=world.villager_a, draft=draft, paragraph=para, stance="oppose")
    services.stance_set(actor=world.helper, draft=draft, paragraph=para, stance="oppose")
    row = next(x for x in selectors.paragraphs_with_counts(draft=draft) if x.number == 3)
    assert (row.support, row.oppose) == (0, 2)
    assert services.stance_set(actor=world.villager_a, draft=draft, paragraph=para, stance="withdraw") is None
    assert Stance.objects.count() == 1
    with pytest.raises(ValidationError):
        services.stance_set(actor=world.villager_a, draft=draft, paragraph=para, stance="maybe")
    events = AuditEvent.objects.filter(action="consultation.stance")
    assert events.count() == 4  # support, change, helper's, withdraw
    assert selectors.figures(draft=draft)["participants"] == 1  # 张小明's stance remains


# --- Moderation -----------------------------------------------------------------------------


def test_moderator_hides_with_a_reason_and_the_author_is_told(world, draft):
    c = services.comment_add(actor=world.villager_a, draft=draft, body="某某是坏人，电话13900000002")
    with pytest.raises(ValidationError, match="Say why"):
        services.comment_hide(actor=world.cadre_a, comment=c, reason="  ")
    with pytest.raises(ValidationError, match="Only the draft's owner"):
        services.comment_hide(actor=world.villager_b, comment=c, reason="不喜欢")
    c.refresh_from_db()
    assert not c.is_hidden
    services.comment_hide(actor=world.township_staff, comment=c, reason="含他人电话号码")
    c.refresh_from_db()
    assert c.is_hidden and c.hidden_reason == "含他人电话号码" and c.hidden_by == world.township_staff
    notice = inbox_of(world.villager_a)[-1].notice
    assert notice.template == "consultations_hidden" and notice.context["reason"] == "含他人电话号码"
    with pytest.raises(ValidationError, match="hidden already"):
        services.comment_hide(actor=world.cadre_a, comment=c, reason="again")
    services.comment_restore(actor=world.cadre_a, comment=c)
    c.refresh_from_db()
    assert not c.is_hidden


def test_hidden_comment_written_by_helper_tells_the_villager(world, draft, delegation):
    c = services.comment_add(actor=world.helper, draft=draft, body="代父亲说", for_villager=world.villager_a.villager)
    services.comment_hide(actor=world.cadre_a, comment=c, reason="广告")
    assert "consultations_hidden" in templates_for(world.villager_a)


# --- Response report ------------------------------------------------------------------------


def test_response_report_lifecycle(world, draft):
    a = services.comment_add(actor=world.villager_a, draft=draft, paragraph=p(draft, 3), body="酒席改为十桌")
    b = services.comment_add(actor=world.helper, draft=draft, body="整体同意")
    reply = services.comment_add(actor=world.villager_a, draft=draft, body="我也同意", parent=b)
    hidden = services.comment_add(actor=world.helper, draft=draft, body="广告内容")
    services.comment_hide(actor=world.cadre_a, comment=hidden, reason="广告")
    with pytest.raises(ValidationError, match="after the consultation closes"):
        services.comment_set_outcome(actor=world.cadre_a, comment=a, outcome=Outcome.ADOPTED, reason="")
    close(draft, world)
    with pytest.raises(ValidationError, match="Only the draft's owner"):
        services.comment_set_outcome(actor=world.township_staff, comment=a, outcome=Outcome.ADOPTED, reason="")
    with pytest.raises(ValidationError, match="Give the reason"):
        services.comment_set_outcome(actor=world.cadre_a, comment=a, outcome=Outcome.NOT_ADOPTED, reason=" ")
    with pytest.raises(ValidationError, match="Choose adopted"):
        services.comment_set_outcome(actor=world.cadre_a, comment=a, outcome="maybe", reason="x")
    with pytest.raises(ValidationError, match="hidden"):
        services.comment_set_outcome(actor=world.cadre_a, comment=hidden, outcome=Outcome.ADOPTED, reason="")
    services.comment_set_outcome(actor=world.cadre_a, comment=a, outcome=Outcome.PARTLY, reason="改为十五桌")
    with pytest.raises(ValidationError, match="1 comment"):
        services.report_publish(actor=world.cadre_a, draft=draft)  # b is still unanswered (the reply need not be)
    services.comment_set_outcome(actor=world.cadre_a, comment=b, outcome=Outcome.ADOPTED, reason="")
    with pytest.raises(ValidationError, match="summary"):
        services.report_publish(actor=world.cadre_a, draft=draft)
    services.report_save(actor=world.cadre_a, draft=draft, summary="共收到意见3条，采纳2条。")
    report = services.report_publish(actor=world.cadre_a, draft=draft)
    draft.refresh_from_db()
    assert draft.status == Status.RESPONDED and report.published_at and report.notified == 2
    # Each commenter is told what became of their own comments.
    told = inbox_of(world.villager_a)[-1].notice
    assert told.template == "consultations_report"
    assert [(i["paragraph"], i["outcome"]) for i in told.context["items"]] == [(3, "partly"), (None, "")]
    assert told.context["items"][0]["reason"] == "改为十五桌"
    helper_items = inbox_of(world.helper)[-1].notice.context["items"]
    assert [i["outcome"] for i in helper_items] == ["adopted"]  # the hidden comment is not listed
    assert reply.pk  # replies are told with their thread
    # The published report is final.
    with pytest.raises(ValidationError, match="published"):
        services.comment_set_outcome(actor=world.cadre_a, comment=a, outcome=Outcome.ADOPTED, reason="")
    with pytest.raises(ValidationError, match="published"):
        services.report_publish(actor=world.cadre_a, draft=draft)
    f = selectors.figures(draft=draft)
    assert (f["answered"], f["adopted"], f["partly"], f["adoption_rate"]) == (2, 1, 1, 100.0)
    assert f["hidden"] == 1 and f["comments"] == 3


def test_report_notice_renders_in_each_language(world, draft):
    from cunzhi.notify.services import notice_render

    a = services.comment_add(actor=world.villager_a, draft=draft, paragraph=p(draft, 3), body="酒席改为十桌")
    close(draft, world)
    services.comment_set_outcome(actor=world.cadre_a, comment=a, outcome=Outcome.NOT_ADOPTED, reason="多数人反对")
    services.report_save(actor=world.cadre_a, draft=draft, summary="答复")
    services.report_publish(actor=world.cadre_a, draft=draft)
    notice = Notice.objects.get(template="consultations_report")
    subject, body = notice_render(notice, "en")
    assert "What became of your comment" in subject and "not adopted" in body and "多数人反对" in body
    subject_zh, body_zh = notice_render(notice, "zh-hans")
    assert "意见" in subject_zh and "未采纳" in body_zh


# --- Versions, adoption, filing -------------------------------------------------------------


def _responded(world, draft):
    c = services.comment_add(actor=world.villager_a, draft=draft, paragraph=p(draft, 3), body="改为十桌")
    close(draft, world)
    services.comment_set_outcome(actor=world.cadre_a, comment=c, outcome=Outcome.ADOPTED, reason="")
    services.report_save(actor=world.cadre_a, draft=draft, summary="采纳。")
    services.report_publish(actor=world.cadre_a, draft=draft)
    draft.refresh_from_db()
    return draft


def test_next_version_copies_the_text_and_shows_what_changed(world, draft):
    with pytest.raises(ValidationError, match="response report"):
        services.draft_new_version(actor=world.cadre_a, draft=draft)
    _responded(world, draft)
    v2 = services.draft_new_version(actor=world.cadre_a, draft=draft)
    assert v2.version == 2 and v2.previous == draft and v2.status == Status.DRAFT and v2.paragraphs.count() == 4
    with pytest.raises(ValidationError, match="exists already"):
        services.draft_new_version(actor=world.cadre_a, draft=draft)
    texts = list(v2.paragraphs.values_list("text", flat=True))
    texts[2] = texts[2].replace("二十桌", "十桌")
    texts.insert(3, "第四条 禁止在河道内洗涤农药器具。")
    today = timezone.localdate()
    services.draft_update(
        actor=world.cadre_a,
        draft=v2,
        title=v2.title,
        kind=v2.kind,
        opens_on=today,
        closes_on=today + dt.timedelta(days=10),
        paragraphs=texts,
    )
    from cunzhi.consultations.texts import diff_counts, paragraphs_diff

    rows = paragraphs_diff(
        list(draft.paragraphs.values_list("text", flat=True)), list(v2.paragraphs.values_list("text", flat=True))
    )
    assert diff_counts(rows) == {"same": 3, "changed": 1, "added": 1, "removed": 0}
    changed = next(r for r in rows if r["kind"] == "changed")
    assert ("del", "二") in changed["parts"] and changed["old"] == 3


def test_adoption_is_published_and_filed_to_the_township(world, draft):
    _responded(world, draft)
    today = timezone.localdate()
    with pytest.raises(ValidationError, match="future"):
        services.adoption_record(
            actor=world.cadre_a, draft=draft, adopted_on=today + dt.timedelta(days=1), meeting_reference="村民会议"
        )
    with pytest.raises(ValidationError, match="Name the meeting"):
        services.adoption_record(actor=world.cadre_a, draft=draft, adopted_on=today, meeting_reference=" ")
    with pytest.raises(ValidationError, match="web address"):
        services.adoption_record(
            actor=world.cadre_a,
            draft=draft,
            adopted_on=today,
            meeting_reference="x",
            resolution_url="javascript:alert(1)",
        )
    with pytest.raises(ValidationError, match="Only the owner"):
        services.adoption_record(actor=world.township_staff, draft=draft, adopted_on=today, meeting_reference="x")
    assert not Adoption.objects.exists()
    adoption = services.adoption_record(
        actor=world.cadre_a,
        draft=draft,
        adopted_on=today,
        meeting_reference="2024年村民会议第3号决议，到会312人，赞成287人",
        resolution_url="https://example.org/r/3",
    )
    draft.refresh_from_db()
    assert draft.status == Status.ADOPTED
    assert adoption.filed_to == world.township_t and adoption.filed_by == world.cadre_a
    assert AuditEvent.objects.filter(action="consultation.file").exists()
    assert AuditEvent.objects.filter(action="consultation.adopt").exists()
    # Township staff see it and are told; staff of the other township do not see it.
    assert list(selectors.filings_visible(user=world.township_staff)) == [adoption]
    assert list(selectors.filings_visible(user=world.other_township_staff)) == []
    assert "consultations_filed" in templates_for(world.township_staff)
    with pytest.raises(ValidationError, match="township's office staff"):
        services.adoption_acknowledge(actor=world.cadre_a, adoption=adoption)
    services.adoption_acknowledge(actor=world.township_staff, adoption=adoption)
    assert adoption.acknowledged_by == world.township_staff
    with pytest.raises(ValidationError, match="recorded already"):
        services.adoption_record(actor=world.cadre_a, draft=draft, adopted_on=today, meeting_reference="again")


def test_adoption_publishes_on_the_disclosure_board(world, draft):
    from cunzhi.disclosure.models import Post

    _responded(world, draft)
    adoption = services.adoption_record(
        actor=world.cadre_a, draft=draft, adopted_on=timezone.localdate(), meeting_reference="村民会议第3号决议"
    )
    assert adoption.disclosure_post_id and adoption.publish_error == ""
    post = Post.objects.get(public_id=adoption.disclosure_post_id)
    assert post.village == world.village_a and post.category == "village"
    assert "村民会议第3号决议" in post.body and "第三条" in post.body


def test_a_failed_publication_is_recorded_and_can_be_retried(world, draft, monkeypatch):
    import types

    from cunzhi.disclosure import services as disclosure_services

    _responded(world, draft)

    def fail(**kwargs):
        raise RuntimeError("board down")

    monkeypatch.setattr(disclosure_services, "post_publish_about", fail)
    adoption = services.adoption_record(
        actor=world.cadre_a, draft=draft, adopted_on=timezone.localdate(), meeting_reference="村民会议"
    )
    assert adoption.pk and adoption.disclosure_post_id == "" and "board down" in adoption.publish_error
    calls = []

    def ok(**kwargs):
        calls.append(kwargs)
        return types.SimpleNamespace(public_id="post123")

    monkeypatch.setattr(disclosure_services, "post_publish_about", ok)
    assert services.adoption_publish(actor=world.cadre_a, adoption=adoption)
    assert adoption.disclosure_post_id == "post123" and adoption.publish_error == ""
    assert calls[0]["village"] == world.village_a and calls[0]["category"] == "village"
    assert calls[0]["about"] == adoption
    assert calls[0]["source_url"].endswith(f"/consultations/{draft.public_id}/")


def test_township_draft_cannot_be_adopted_by_a_villagers_meeting(world, township_draft):
    assert not rules.can_adopt(world.township_staff, township_draft)


def test_filings_acknowledged_only_by_office_staff_of_that_township(world, draft):
    _responded(world, draft)
    adoption = services.adoption_record(
        actor=world.cadre_a, draft=draft, adopted_on=timezone.localdate(), meeting_reference="村民会议"
    )
    other = UserFactory(phone="13900000099", name="外镇")
    RoleAssignment.objects.create(user=other, role=Role.OFFICE_STAFF, region=world.township_u, office=world.office_u)
    assert not rules.can_acknowledge_filing(other, adoption)
    assert rules.can_acknowledge_filing(world.county_admin, adoption)


def test_comment_masking_is_one_selector_for_pages_and_api(world, draft):
    """Names in full for the leaders and the author, 张* for others; a comment whose writer account is gone
    is nobody's own, so an anonymous reader still sees the name masked."""
    from django.contrib.auth.models import AnonymousUser

    from cunzhi.consultations import selectors
    from cunzhi.core.idnumbers import mask_name

    comment = services.comment_add(actor=world.villager_a, draft=draft, body="同意")
    name = world.villager_a.villager.name
    shown = {
        who: selectors.comment_shown(comment, reader=selectors.comment_reader(user=user, draft=draft)).author
        for who, user in [("author", world.villager_a), ("leader", world.cadre_a), ("other", world.villager_b)]
    }
    assert shown == {"author": name, "leader": name, "other": mask_name(name)}
    comment.written_by_id = None
    anonymous = selectors.comment_reader(user=AnonymousUser(), draft=draft)
    assert selectors.comment_shown(comment, reader=anonymous).author == mask_name(name)
