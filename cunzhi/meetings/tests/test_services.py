"""Convening, rosters, notice, attendance, motions, ballots, results, minutes, petitions, delegations."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from cunzhi.core.models import AuditEvent
from cunzhi.meetings import selectors, services
from cunzhi.meetings.models import (
    Attendance,
    AttendanceMode,
    Ballot,
    BallotKind,
    Basis,
    Body,
    CheckInMethod,
    Matter,
    MeetingStatus,
    PetitionKind,
    PetitionStatus,
    QuorumMode,
)
from cunzhi.notify.models import Delivery, Notice
from cunzhi.people.models import AccessKind, DataAccess, DelegationScope, Relation, Role, RoleAssignment, Villager
from cunzhi.people.services import delegation_grant

from .conftest import add_villagers
from .helpers import convene, in_session, member_of


def grant_meetings(world, scopes=(DelegationScope.MEETINGS,)):
    return delegation_grant(
        villager=world.villager_a.villager,
        actor=world.villager_a,
        helper=world.helper,
        relation=Relation.FAMILY,
        scopes=list(scopes),
        ends_at=timezone.now() + dt.timedelta(days=30),
    )


# --- Convening and rosters --------------------------------------------------------------------


def test_cadre_convenes_others_may_not(world):
    meeting = convene(world)
    assert meeting.status == MeetingStatus.DRAFT and meeting.region_code == world.village_a.code
    assert AuditEvent.objects.filter(action="meeting.create", object_id=str(meeting.pk)).exists()
    for outsider in (world.township_staff, world.villager_a, world.other_township_staff):
        with pytest.raises(PermissionDenied):
            services.meeting_create(
                actor=outsider,
                village=world.village_a,
                body=Body.VILLAGERS,
                title="x",
                agenda="x",
                place="x",
                starts_at=timezone.now() + dt.timedelta(days=11),
            )


def test_bad_meeting_input_is_refused_with_field_messages(world):
    with pytest.raises(ValidationError) as exc:
        services.meeting_create(
            actor=world.cadre_a,
            village=world.village_a,
            body=Body.GROUP,
            title="x",
            agenda="x",
            place="x",
            starts_at=timezone.now() - dt.timedelta(hours=1),
            stream_url="ftp://x",
        )
    assert set(exc.value.message_dict) == {"group", "starts_at", "stream_url"}
    with pytest.raises(ValidationError):
        services.meeting_create(
            actor=world.cadre_a,
            village=world.village_a,
            body=Body.GROUP,
            group=world.group_b1,
            title="x",
            agenda="x",
            place="x",
            starts_at=timezone.now() + dt.timedelta(days=1),
        )


def test_villagers_meeting_roster_is_the_adults_of_the_village(world):
    add_villagers(world.village_a, 6, age=40)
    add_villagers(world.village_a, 3, age=12, prefix="孩子")
    add_villagers(world.village_b, 4)
    meeting = convene(world)
    services.roster_sync(meeting=meeting)
    names = set(meeting.members.values_list("name", flat=True))
    assert len(names) == 6 + 2  # 6 adults + 张三 and 张小明
    assert not any(n.startswith("孩子") for n in names)
    assert meeting.member_count == 8
    # households: the fixture's A0001 plus 3 adult households and 2 households of children
    assert meeting.household_count == 1 + 3 + 2
    assert member_of(meeting, world.villager_a.villager).is_household_rep
    assert not member_of(meeting, world.helper.villager).is_household_rep


def test_group_meeting_roster_is_the_groups_adults(world):
    add_villagers(world.village_a, 4, group=world.group_a1)
    add_villagers(world.village_a, 5)  # no group
    meeting = convene(world, body=Body.GROUP, group=world.group_a1, days=2)
    services.roster_sync(meeting=meeting)
    assert meeting.member_count == 4 + 2


def test_representatives_meeting_roster_is_committee_and_representatives(world):
    reps = add_villagers(world.village_a, 5, users=True)
    for v in reps[:3]:
        RoleAssignment.objects.create(user=v.user, role=Role.REPRESENTATIVE, region=world.village_a)
    RoleAssignment.objects.create(user=reps[3].user, role=Role.CADRE, region=world.village_a)
    meeting = convene(world, body=Body.REPRESENTATIVES, days=1)
    services.roster_sync(meeting=meeting)
    assert sorted(meeting.members.values_list("villager_id", flat=True)) == sorted(v.pk for v in reps[:4])


def test_council_roster_adds_invited_villagers(world):
    reps = add_villagers(world.village_a, 2, users=True)
    RoleAssignment.objects.create(user=reps[0].user, role=Role.REPRESENTATIVE, region=world.village_a)
    meeting = convene(world, body=Body.COUNCIL, days=1, invited=[world.helper.villager])
    services.roster_sync(meeting=meeting)
    assert set(meeting.members.values_list("villager_id", flat=True)) == {reps[0].pk, world.helper.villager.pk}
    with pytest.raises(ValidationError):
        convene(world, body=Body.COUNCIL, days=1, invited=[world.villager_b.villager])


# --- Notice -----------------------------------------------------------------------------------


def test_villagers_meeting_needs_ten_days_notice(world):
    meeting = convene(world, days=9)
    with pytest.raises(ValidationError) as exc:
        services.meeting_notice_send(actor=world.cadre_a, meeting=meeting)
    assert "10 days" in str(exc.value)
    meeting.refresh_from_db()
    assert meeting.status == MeetingStatus.DRAFT and not Notice.objects.exists()


def _at(y, m, d, hh, mm=0):
    return timezone.make_aware(dt.datetime(y, m, d, hh, mm))


@pytest.mark.parametrize(
    "sent, starts, allowed",
    [
        (_at(2026, 3, 1, 18), _at(2026, 3, 11, 9), True),  # 18:00 on day D for 09:00 on D+10: ten days
        (
            _at(2026, 3, 1, 23, 59),
            _at(2026, 3, 11, 0, 30),
            True,
        ),  # the law: a notice on 1 March, a meeting from 11 March
        (_at(2026, 3, 2, 0, 1), _at(2026, 3, 11, 20), False),  # sent on 2 March: nine days, whatever the hours
        (
            _at(2026, 3, 1, 9),
            _at(2026, 3, 10, 23),
            False,
        ),  # meeting on 10 March: the meeting day counts, the notice day not
    ],
)
def test_ten_days_notice_counts_calendar_days_in_china(world, sent, starts, allowed):
    meeting = services.meeting_create(
        actor=world.cadre_a,
        village=world.village_a,
        body=Body.VILLAGERS,
        basis="persons",
        title="宅基地使用方案表决",
        agenda="宅基地使用方案",
        place="村委会大会议室",
        starts_at=starts,
        now=sent,
    )
    if not allowed:
        with pytest.raises(ValidationError) as exc:
            services.meeting_notice_send(actor=world.cadre_a, meeting=meeting, now=sent)
        text = " ".join(exc.value.messages)
        last_day = timezone.localtime(starts).date() - dt.timedelta(days=10)
        earliest = timezone.localtime(sent).date() + dt.timedelta(days=10)
        assert f"send it by {last_day.isoformat()}" in text and f"move the meeting to {earliest.isoformat()}" in text
        return
    services.meeting_notice_send(actor=world.cadre_a, meeting=meeting, now=sent)
    meeting.refresh_from_db()
    assert meeting.status == MeetingStatus.NOTICED and not meeting.urgent
    # The deadline kept on record is the end of the last day a notice could go out, in China.
    due = timezone.localtime(meeting.notice_due_by)
    assert due.date() == timezone.localtime(starts).date() - dt.timedelta(days=10) and due.hour == 23


def test_the_notice_day_is_the_day_in_china(world):
    # 17:00 UTC on 1 March is 01:00 on 2 March in China: only nine days before a meeting on 11 March.
    sent = dt.datetime(2026, 3, 1, 17, 0, tzinfo=dt.UTC)
    meeting = services.meeting_create(
        actor=world.cadre_a,
        village=world.village_a,
        body=Body.VILLAGERS,
        basis="persons",
        title="村民会议",
        agenda="议程",
        place="村委会",
        starts_at=_at(2026, 3, 11, 19),
        now=sent,
    )
    with pytest.raises(ValidationError):
        services.meeting_notice_send(actor=world.cadre_a, meeting=meeting, now=sent)


def test_urgent_exception_needs_a_reason_and_is_recorded(world):
    meeting = convene(world, days=3)
    with pytest.raises(ValidationError) as exc:
        services.meeting_notice_send(actor=world.cadre_a, meeting=meeting, urgent=True, urgent_reason="急")
    assert "urgent_reason" in exc.value.message_dict
    services.meeting_notice_send(
        actor=world.cadre_a, meeting=meeting, urgent=True, urgent_reason="防汛抢险，须三日内决定转移方案"
    )
    meeting.refresh_from_db()
    assert meeting.urgent and meeting.urgent_reason.startswith("防汛")
    assert meeting.notice.urgency == "urgent"
    event = AuditEvent.objects.get(action="meeting.notice")
    assert event.after["urgent"] is True and event.after["urgent_reason"].startswith("防汛")


def test_notice_goes_to_every_member_by_what_each_can_receive_with_agenda_ics_and_remote_link(world):
    add_villagers(world.village_a, 3)  # no accounts
    texted = Villager.objects.filter(user__isnull=True, village=world.village_a).order_by("pk").first()
    Villager.objects.filter(pk=texted.pk).update(phone="13950000077")  # no consent recorded: the law requires it
    meeting = convene(world, days=11, stream_url="https://meeting.tencent.com/dm/abc")
    services.meeting_notice_send(actor=world.cadre_a, meeting=meeting)
    meeting.refresh_from_db()
    assert meeting.status == MeetingStatus.NOTICED and not meeting.urgent
    notice = meeting.notice
    assert notice.recipient_count == 5  # every member, account or not
    assert set(Delivery.objects.filter(notice=notice, channel="inbox").values_list("recipient_id", flat=True)) == {
        world.villager_a.pk,
        world.helper.pk,
    }
    sms = Delivery.objects.get(notice=notice, channel="sms", villager=texted)
    assert (sms.recipient_id, sms.address) == (None, "13950000077")
    assert Delivery.objects.filter(notice=notice, channel="door").count() == 2  # no phone: door to door
    from cunzhi.notify.services import notice_render

    _subject, body = notice_render(notice, "zh-hans")
    assert "宅基地使用方案" in body and "/invite.ics" in body and f"/meetings/{meeting.public_id}/" in body
    assert "meeting.tencent.com" in body
    subject_en, body_en = notice_render(notice, "en")
    assert "Agenda" in body_en and "Villagers' meeting" in subject_en
    with pytest.raises(ValidationError):
        services.meeting_notice_send(actor=world.cadre_a, meeting=meeting)


def test_notice_subject_fits_a_text_message(world):
    meeting = convene(world, days=11, title="关于本村宅基地使用方案及村道硬化工程资金筹集的表决会议" * 2)
    services.meeting_notice_send(actor=world.cadre_a, meeting=meeting)
    from cunzhi.notify.services import notice_link, notice_render, notice_sms

    subject, _ = notice_render(meeting.notice, "zh-hans")
    sms = notice_sms(meeting.notice, "zh-hans", subject, notice_link(meeting.notice))
    local = timezone.localtime(meeting.starts_at)
    # The body and the date survive the shortening to one text of two segments.
    assert sms.startswith("村民会议 " + local.strftime("%m-%d %H:%M")) and len(sms) <= 134
    # Never cut: how to answer (the notice takes replies) and how to stop texts.
    assert sms.endswith(" 回1参加，2远程参加，3不能参加。 回TD退订")


def test_after_notice_only_the_stream_can_change(world):
    meeting = convene(world, days=11)
    services.meeting_notice_send(actor=world.cadre_a, meeting=meeting)
    with pytest.raises(ValidationError):
        services.meeting_update(
            actor=world.cadre_a,
            meeting=meeting,
            title=meeting.title,
            agenda=meeting.agenda,
            place="新地点",
            starts_at=meeting.starts_at,
            ends_at=None,
            stream_url="",
        )
    services.meeting_update(
        actor=world.cadre_a,
        meeting=meeting,
        title=meeting.title,
        agenda=meeting.agenda,
        place=meeting.place,
        starts_at=meeting.starts_at,
        ends_at=meeting.ends_at,
        stream_url="https://live.example.cn/a.m3u8",
    )
    meeting.refresh_from_db()
    assert meeting.stream_is_hls


def test_cancel_tells_members_again(world):
    meeting = convene(world, days=11)
    services.meeting_notice_send(actor=world.cadre_a, meeting=meeting)
    with pytest.raises(ValidationError):
        services.meeting_cancel(actor=world.cadre_a, meeting=meeting, reason=" ")
    services.meeting_cancel(actor=world.cadre_a, meeting=meeting, reason="会场维修")
    assert Notice.objects.filter(template="meetings_cancelled").count() == 1
    assert meeting.status == MeetingStatus.CANCELLED


def test_meeting_opens_only_after_notice_and_near_its_time(world):
    meeting = convene(world, days=11)
    with pytest.raises(ValidationError):
        services.meeting_open(actor=world.cadre_a, meeting=meeting)
    services.meeting_notice_send(actor=world.cadre_a, meeting=meeting)
    with pytest.raises(ValidationError):
        services.meeting_open(actor=world.cadre_a, meeting=meeting)  # 11 days early
    services.meeting_open(actor=world.cadre_a, meeting=meeting, now=meeting.starts_at - dt.timedelta(minutes=30))
    assert meeting.status == MeetingStatus.IN_SESSION


# --- Attendance -------------------------------------------------------------------------------


def test_member_checks_in_remotely_once(world):
    meeting = in_session(world)
    me = member_of(meeting, world.villager_a.villager)
    a, created = services.attendance_check_in(actor=world.villager_a, meeting=meeting, member=me)
    assert created and a.mode == AttendanceMode.REMOTE and a.method == CheckInMethod.SELF
    again, created = services.attendance_check_in(actor=world.villager_a, meeting=meeting, member=me)
    assert not created and again.pk == a.pk
    assert Attendance.objects.count() == 1


def test_helper_checks_in_under_a_meetings_delegation_and_it_is_recorded(world):
    meeting = in_session(world)
    member = member_of(meeting, world.villager_a.villager)
    with pytest.raises(PermissionDenied):
        services.attendance_check_in(actor=world.helper, meeting=meeting, member=member)
    grant_meetings(world)
    world.helper.__dict__.pop("_cunzhi_delegations", None)
    a, created = services.attendance_check_in(actor=world.helper, meeting=meeting, member=member)
    assert created and a.method == CheckInMethod.HELPER and a.delegation is not None
    assert DataAccess.objects.filter(subject=world.villager_a.villager, kind=AccessKind.DELEGATION_USE).exists()
    event = AuditEvent.objects.get(action="meeting.check_in")
    assert event.actor_id == world.helper.pk and event.on_behalf_of_id == world.villager_a.villager.pk


def test_a_notices_delegation_does_not_let_a_helper_check_in(world):
    meeting = in_session(world)
    grant_meetings(world, scopes=(DelegationScope.NOTICES,))
    with pytest.raises(PermissionDenied):
        services.attendance_check_in(
            actor=world.helper, meeting=meeting, member=member_of(meeting, world.villager_a.villager)
        )


def test_desk_staff_check_in_at_the_venue_others_may_not(world):
    meeting = in_session(world)
    member = member_of(meeting, world.helper.villager)
    a, created = services.attendance_check_in(
        actor=world.cadre_a, meeting=meeting, member=member, at_venue=True, by_qr=True
    )
    assert created and a.mode == AttendanceMode.VENUE and a.method == CheckInMethod.STAFF_QR
    for outsider in (world.township_staff, world.other_township_staff, world.villager_b):
        with pytest.raises(PermissionDenied):
            services.attendance_check_in(
                actor=outsider, meeting=meeting, member=member_of(meeting, world.villager_a.villager), at_venue=True
            )


def test_no_check_in_outside_the_session(world):
    meeting = convene(world, days=11)
    services.meeting_notice_send(actor=world.cadre_a, meeting=meeting)
    with pytest.raises(ValidationError):
        services.attendance_check_in(
            actor=world.villager_a, meeting=meeting, member=member_of(meeting, world.villager_a.villager)
        )


def test_roster_is_fixed_once_members_check_in(world):
    meeting = in_session(world)
    services.attendance_check_in(
        actor=world.villager_a, meeting=meeting, member=member_of(meeting, world.villager_a.villager)
    )
    with pytest.raises(ValidationError):
        services.roster_sync(meeting=meeting)


def test_quorum_status_by_each_mode(world):
    add_villagers(world.village_a, 8, per_household=2)  # 10 adults, 5 households
    meeting = in_session(world)
    assert (meeting.member_count, meeting.household_count) == (10, 5)
    reps = list(meeting.members.filter(is_household_rep=True).select_related("villager"))
    for m in reps[:4]:
        services.attendance_check_in(actor=world.cadre_a, meeting=meeting, member=m, at_venue=True)
    status = selectors.quorum_status(meeting=meeting)
    modes = {m.mode: m for m in status["modes"]}
    assert (modes["persons"].have, modes["persons"].need, modes["persons"].met) == (4, 6, False)
    assert (modes["households"].have, modes["households"].need, modes["households"].met) == (4, 4, True)
    assert status["met"] and status["mode"] == QuorumMode.HOUSEHOLDS


# --- Motions and ballots ----------------------------------------------------------------------


def seated(world, n=8, **kw):
    """A villagers' meeting in session with 10 members, all checked in at the venue."""
    add_villagers(world.village_a, n, per_household=2)
    meeting = in_session(world, **kw)
    for m in meeting.members.select_related("villager"):
        services.attendance_check_in(actor=world.cadre_a, meeting=meeting, member=m, at_venue=True)
    return meeting


def test_reserved_matter_only_before_the_body_the_law_requires(world):
    reps = convene(world, body=Body.REPRESENTATIVES, days=1)
    with pytest.raises(ValidationError) as exc:
        services.motion_add(
            actor=world.cadre_a, meeting=reps, title="宅基地使用方案", text="…", matter=Matter.HOMESTEAD
        )
    assert "art. 24" in str(exc.value)
    villagers = convene(world)
    motion = services.motion_add(
        actor=world.cadre_a, meeting=villagers, title="宅基地使用方案", text="…", matter=Matter.HOMESTEAD
    )
    assert motion.is_reserved and motion.number == 1


def test_representatives_decide_a_reserved_matter_under_a_recorded_delegation(world):
    reps = convene(world, body=Body.REPRESENTATIVES, days=1)
    a = services.authorisation_record(
        actor=world.cadre_a,
        village=world.village_a,
        matters=[Matter.HOMESTEAD, Matter.PUBLIC_WELFARE],
        reference="2024年第1次村民会议决议",
        granted_on=timezone.localdate(),
    )
    motion = services.motion_add(
        actor=world.cadre_a, meeting=reps, title="宅基地使用方案", text="…", matter=Matter.HOMESTEAD
    )
    assert motion.authorisation == a
    with pytest.raises(ValidationError):  # not delegated
        services.motion_add(
            actor=world.cadre_a, meeting=reps, title="处置集体资产", text="…", matter=Matter.PROPERTY_DISPOSAL
        )
    services.authorisation_revoke(actor=world.cadre_a, authorisation=a)
    with pytest.raises(ValidationError):
        services.motion_add(actor=world.cadre_a, meeting=reps, title="宅基地", text="…", matter=Matter.HOMESTEAD)


def test_expired_delegation_does_not_count(world):
    services.authorisation_record(
        actor=world.cadre_a,
        village=world.village_a,
        matters=[Matter.HOMESTEAD],
        reference="旧决议",
        granted_on=timezone.localdate() - dt.timedelta(days=400),
        valid_until=timezone.localdate() - dt.timedelta(days=1),
    )
    reps = convene(world, body=Body.REPRESENTATIVES, days=1)
    with pytest.raises(ValidationError):
        services.motion_add(actor=world.cadre_a, meeting=reps, title="宅基地", text="…", matter=Matter.HOMESTEAD)


def test_delegation_input_is_checked(world):
    with pytest.raises(ValidationError):
        services.authorisation_record(
            actor=world.cadre_a,
            village=world.village_a,
            matters=["general"],
            reference="x",
            granted_on=timezone.localdate(),
        )
    with pytest.raises(ValidationError):
        services.authorisation_record(
            actor=world.cadre_a,
            village=world.village_a,
            matters=[Matter.HOMESTEAD],
            reference=" ",
            granted_on=timezone.localdate(),
        )
    with pytest.raises(PermissionDenied):
        services.authorisation_record(
            actor=world.township_staff,
            village=world.village_a,
            matters=[Matter.HOMESTEAD],
            reference="x",
            granted_on=timezone.localdate(),
        )


def test_group_meeting_decides_the_groups_own_property_only(world):
    group = convene(world, body=Body.GROUP, group=world.group_a1, days=1)
    with pytest.raises(ValidationError):
        services.motion_add(actor=world.cadre_a, meeting=group, title="土地承包", text="…", matter=Matter.LAND_CONTRACT)
    services.motion_add(
        actor=world.cadre_a,
        meeting=group,
        title="本组土地承包方案",
        text="…",
        matter=Matter.LAND_CONTRACT,
        group_property=True,
    )
    with pytest.raises(ValidationError):
        services.motion_add(
            actor=world.cadre_a, meeting=group, title="宅基地", text="…", matter=Matter.HOMESTEAD, group_property=True
        )


def test_vote_needs_quorum_and_one_motion_at_a_time(world):
    add_villagers(world.village_a, 8)
    meeting = in_session(world)
    m1 = services.motion_add(actor=world.cadre_a, meeting=meeting, title="道路硬化", text="…")
    with pytest.raises(ValidationError) as exc:
        services.motion_open(actor=world.cadre_a, motion=m1)
    assert "quorum" in str(exc.value)
    for m in meeting.members.select_related("villager")[:6]:
        services.attendance_check_in(actor=world.cadre_a, meeting=meeting, member=m, at_venue=True)
    services.motion_open(actor=world.cadre_a, motion=m1)
    m2 = services.motion_add(actor=world.cadre_a, meeting=meeting, title="路灯", text="…")
    with pytest.raises(ValidationError):
        services.motion_open(actor=world.cadre_a, motion=m2)


def test_open_ballot_counts_and_passes_by_more_than_half_of_attendees(world):
    meeting = seated(world)  # 10 present
    motion = services.motion_add(actor=world.cadre_a, meeting=meeting, title="道路硬化", text="…")
    services.motion_open(actor=world.cadre_a, motion=motion)
    members = list(meeting.members.select_related("villager"))
    # Members vote through their own accounts; here the seated villagers have none, so give them one.
    from cunzhi.people.tests.factories import UserFactory

    for m in members:
        if m.user_id is None:
            m.user = UserFactory()
            m.save(update_fields=["user"])
    choices = ["yes"] * 5 + ["no"] * 2 + ["abstain"] * 2  # the tenth does not vote
    for m, c in zip(members, choices):
        _b, created = services.ballot_cast(actor=m.user, motion=motion, member=m, choice=c)
        assert created
    closed = services.motion_close(actor=world.cadre_a, motion=motion)
    assert (closed.yes, closed.no, closed.abstain, closed.attendees) == (5, 2, 2, 10)
    assert closed.passed is False  # 5 of 10 is not more than half
    assert closed.quorum_mode == QuorumMode.PERSONS
    assert "not adopted" in closed.resolution_text or "未" in closed.resolution_text
    with pytest.raises(ValidationError):
        services.ballot_cast(actor=members[9].user, motion=motion, member=members[9], choice="yes")
    with pytest.raises(ValidationError):
        services.motion_close(actor=world.cadre_a, motion=motion)
    closed.refresh_from_db()
    assert closed.yes == 5 and Ballot.objects.filter(motion=motion).count() == 9


def test_secret_ballot_keeps_no_choice_with_the_member_and_hides_the_tally(world):
    meeting = seated(world)
    motion = services.motion_add(
        actor=world.cadre_a,
        meeting=meeting,
        title="处置集体资产",
        text="…",
        matter=Matter.PROPERTY_DISPOSAL,
        ballot=BallotKind.SECRET,
    )
    services.motion_open(actor=world.cadre_a, motion=motion)
    me = member_of(meeting, world.villager_a.villager)
    ballot, created = services.ballot_cast(actor=world.villager_a, motion=motion, member=me, choice="yes")
    assert created and ballot.choice == ""
    helper = member_of(meeting, world.helper.villager)
    services.ballot_cast(actor=world.helper, motion=motion, member=helper, choice="no")
    event = AuditEvent.objects.filter(action="motion.ballot").first()
    assert "choice" not in event.after
    from cunzhi.meetings.selectors import live_state

    state = live_state(meeting_id=meeting.pk)
    assert state["floor"]["ballots_cast"] == 2 and "yes" not in state["floor"]
    assert state["results"] == []
    closed = services.motion_close(actor=world.cadre_a, motion=motion)
    assert (closed.yes, closed.no, closed.abstain) == (1, 1, 0)
    assert live_state(meeting_id=meeting.pk)["results"][0]["yes"] == 1


def test_ballot_needs_check_in_and_own_membership(world):
    others = add_villagers(world.village_a, 4)
    meeting = in_session(world)  # 6 members
    for v in others:
        services.attendance_check_in(actor=world.cadre_a, meeting=meeting, member=member_of(meeting, v), at_venue=True)
    motion = services.motion_add(actor=world.cadre_a, meeting=meeting, title="x", text="…")
    services.motion_open(actor=world.cadre_a, motion=motion)
    me = member_of(meeting, world.villager_a.villager)
    with pytest.raises(ValidationError) as exc:
        services.ballot_cast(actor=world.villager_a, motion=motion, member=me, choice="yes")
    assert "Check in" in str(exc.value)
    with pytest.raises(PermissionDenied):
        services.ballot_cast(actor=world.helper, motion=motion, member=me, choice="yes")
    with pytest.raises(PermissionDenied):
        services.ballot_cast(actor=world.township_staff, motion=motion, member=me, choice="yes")
    with pytest.raises(ValidationError):
        services.ballot_cast(actor=world.villager_a, motion=motion, member=me, choice="maybe")
    # Tellers enter ballots only for members at the venue; remote members vote themselves.
    services.attendance_check_in(actor=world.villager_a, meeting=meeting, member=me)
    with pytest.raises(ValidationError) as exc:
        services.ballot_cast(actor=world.cadre_a, motion=motion, member=me, choice="yes")
    assert "remotely" in str(exc.value)
    ballot, created = services.ballot_cast(
        actor=world.cadre_a, motion=motion, member=member_of(meeting, others[0]), choice="no"
    )
    assert created and ballot.cast_by == world.cadre_a and not ballot.remote


def test_households_meeting_lets_only_the_representative_vote_and_counts_households(world):
    add_villagers(world.village_a, 4, per_household=2)  # 6 adults in 3 households
    meeting = in_session(world, basis=Basis.HOUSEHOLDS)
    for m in meeting.members.select_related("villager"):
        services.attendance_check_in(actor=world.cadre_a, meeting=meeting, member=m, at_venue=True)
    motion = services.motion_add(actor=world.cadre_a, meeting=meeting, title="x", text="…")
    services.motion_open(actor=world.cadre_a, motion=motion)
    with pytest.raises(ValidationError) as exc:
        services.ballot_cast(
            actor=world.helper, motion=motion, member=member_of(meeting, world.helper.villager), choice="yes"
        )
    assert "household" in str(exc.value)
    services.ballot_cast(
        actor=world.villager_a, motion=motion, member=member_of(meeting, world.villager_a.villager), choice="yes"
    )
    closed = services.motion_close(actor=world.cadre_a, motion=motion)
    assert closed.attendees == 3 and closed.yes == 1 and not closed.passed


def test_helper_votes_for_the_villager_recorded(world):
    meeting = seated(world)
    grant_meetings(world)
    motion = services.motion_add(actor=world.cadre_a, meeting=meeting, title="x", text="…")
    services.motion_open(actor=world.cadre_a, motion=motion)
    ballot, _ = services.ballot_cast(
        actor=world.helper, motion=motion, member=member_of(meeting, world.villager_a.villager), choice="yes"
    )
    assert ballot.cast_by == world.helper and ballot.delegation is not None
    # the helper still votes for themself separately
    _b2, created = services.ballot_cast(
        actor=world.helper, motion=motion, member=member_of(meeting, world.helper.villager), choice="no"
    )
    assert created


def test_no_quorum_at_close_means_not_decided(world):
    meeting = seated(world)
    motion = services.motion_add(actor=world.cadre_a, meeting=meeting, title="x", text="…")
    services.motion_open(actor=world.cadre_a, motion=motion)
    Attendance.objects.filter(meeting=meeting).exclude(
        member__villager=world.villager_a.villager
    ).delete()  # members left (simulated)
    services.ballot_cast(
        actor=world.villager_a, motion=motion, member=member_of(meeting, world.villager_a.villager), choice="yes"
    )
    closed = services.motion_close(actor=world.cadre_a, motion=motion)
    assert closed.quorum_mode == QuorumMode.NONE and closed.passed is False


def test_closing_the_meeting_needs_the_floor_clear(world):
    meeting = seated(world)
    motion = services.motion_add(actor=world.cadre_a, meeting=meeting, title="x", text="…")
    services.motion_open(actor=world.cadre_a, motion=motion)
    with pytest.raises(ValidationError):
        services.meeting_close(actor=world.cadre_a, meeting=meeting)
    services.motion_close(actor=world.cadre_a, motion=motion)
    services.meeting_close(actor=world.cadre_a, meeting=meeting)
    assert meeting.status == MeetingStatus.CLOSED
    with pytest.raises(ValidationError):
        services.attendance_check_in(
            actor=world.villager_a, meeting=meeting, member=member_of(meeting, world.villager_a.villager)
        )


# --- Minutes ----------------------------------------------------------------------------------


def test_minutes_become_a_pdf_and_a_disclosure_post(world):
    meeting = seated(world)
    motion = services.motion_add(
        actor=world.cadre_a, meeting=meeting, title="宅基地使用方案", text="…", matter=Matter.HOMESTEAD
    )
    services.motion_open(actor=world.cadre_a, motion=motion)
    services.ballot_cast(
        actor=world.villager_a, motion=motion, member=member_of(meeting, world.villager_a.villager), choice="yes"
    )
    services.motion_close(actor=world.cadre_a, motion=motion)
    with pytest.raises(ValidationError):
        services.minutes_publish(actor=world.cadre_a, meeting=meeting)  # still in session
    services.meeting_close(actor=world.cadre_a, meeting=meeting)
    with pytest.raises(ValidationError):
        services.minutes_publish(actor=world.cadre_a, meeting=meeting)  # no minutes yet
    with pytest.raises(PermissionDenied):
        services.minutes_save(actor=world.villager_a, meeting=meeting, minutes="x")
    services.minutes_save(
        actor=world.cadre_a,
        meeting=meeting,
        minutes="会议由王书记主持。与会村民对方案进行了讨论。",
        resolutions={motion.pk: "宅基地使用方案未获通过，村委会修改后再提交。"},
    )
    services.minutes_publish(actor=world.cadre_a, meeting=meeting)
    meeting.refresh_from_db()
    assert meeting.minutes_published_at
    with meeting.minutes_pdf.open("rb") as fh:
        assert fh.read(5) == b"%PDF-"
    motion.refresh_from_db()
    assert motion.resolution_text.startswith("宅基地使用方案未获通过")
    with pytest.raises(ValidationError):
        services.minutes_save(actor=world.cadre_a, meeting=meeting, minutes="changed")
    assert meeting.disclosure_ref


def test_disclosure_is_retried_until_it_works(world, monkeypatch):
    meeting = seated(world)
    services.meeting_close(actor=world.cadre_a, meeting=meeting)
    services.minutes_save(actor=world.cadre_a, meeting=meeting, minutes="纪要")
    import types

    from cunzhi.disclosure import services as disclosure_services

    posted = []

    def unavailable(**kw):
        raise RuntimeError("disclosure unavailable")

    def post_publish_about(**kw):
        posted.append(kw)
        return types.SimpleNamespace(public_id="post123")

    monkeypatch.setattr(disclosure_services, "post_publish_about", unavailable)  # fails: retried later
    services.minutes_publish(actor=world.cadre_a, meeting=meeting)
    meeting.refresh_from_db()
    assert meeting.disclosure_ref == ""
    monkeypatch.setattr(disclosure_services, "post_publish_about", post_publish_about)
    assert services.disclosure_retry() == 1
    meeting.refresh_from_db()
    assert meeting.disclosure_ref == "post123"
    kw = posted[0]
    assert kw["village"] == world.village_a and kw["category"] == "village" and kw["pdf"][:5] == b"%PDF-"
    assert "纪要" not in kw["title"] and meeting.title in kw["title"]
    assert "10" in kw["body"]  # members present
    assert kw["about"] == meeting  # a real reference to the meeting, not a string
    assert services.disclosure_retry() == 0  # idempotent


# --- Petitions --------------------------------------------------------------------------------


def test_petition_progress_toward_one_tenth_and_the_committee_is_told(world):
    adults = add_villagers(world.village_a, 18, users=True)  # 20 adults: 2 signatures needed
    petition = services.petition_start(
        actor=adults[0].user,
        village=world.village_a,
        kind=PetitionKind.VILLAGERS,
        title="召开村民会议讨论垃圾分类",
        reason="村里垃圾无人清运",
    )
    assert (petition.eligible_count, petition.needed, petition.signature_count) == (20, 2, 1)
    assert petition.status == PetitionStatus.OPEN
    _p, created = services.petition_sign(actor=adults[0].user, petition=petition)
    assert not created
    petition, created = services.petition_sign(actor=adults[1].user, petition=petition)
    assert created and petition.status == PetitionStatus.REACHED and petition.reached_at
    told = Notice.objects.get(template="meetings_petition_reached")
    assert Delivery.objects.filter(notice=told, recipient=world.cadre_a).exists()
    meeting = services.meeting_create(
        actor=world.cadre_a,
        village=world.village_a,
        body=Body.VILLAGERS,
        title="垃圾分类",
        agenda="…",
        place="村委会",
        starts_at=timezone.now() + dt.timedelta(days=11),
        petition=petition,
    )
    petition.refresh_from_db()
    assert petition.status == PetitionStatus.CONVENED and meeting.petition == petition


def test_petition_signers_must_be_entitled(world):
    kids = add_villagers(world.village_a, 1, age=15, users=True)
    with pytest.raises(ValidationError):
        services.petition_start(
            actor=kids[0].user, village=world.village_a, kind=PetitionKind.VILLAGERS, title="x", reason="y"
        )
    with pytest.raises(ValidationError):
        services.petition_start(
            actor=world.villager_b, village=world.village_a, kind=PetitionKind.VILLAGERS, title="x", reason="y"
        )
    with pytest.raises(ValidationError):  # not a representative
        services.petition_start(
            actor=world.villager_a, village=world.village_a, kind=PetitionKind.REPS_FOR_VILLAGERS, title="x", reason="y"
        )


def test_representatives_request_counts_toward_a_third_of_representatives(world):
    reps = add_villagers(world.village_a, 6, users=True)
    for v in reps:
        RoleAssignment.objects.create(user=v.user, role=Role.REPRESENTATIVE, region=world.village_a)
    p = services.petition_start(
        actor=reps[0].user,
        village=world.village_a,
        kind=PetitionKind.REPS_FOR_VILLAGERS,
        title="召开村民会议",
        reason="…",
    )
    assert (p.eligible_count, p.needed) == (6, 2)
    p5 = services.petition_start(
        actor=reps[0].user, village=world.village_a, kind=PetitionKind.REPS_FOR_REPS, title="召开代表会议", reason="…"
    )
    assert p5.needed == 2  # 6/5 = 1.2 -> 2
    with pytest.raises(ValidationError):
        services.meeting_create(
            actor=world.cadre_a,
            village=world.village_a,
            body=Body.VILLAGERS,
            title="x",
            agenda="x",
            place="x",
            starts_at=timezone.now() + dt.timedelta(days=11),
            petition=p,
        )
