"""Answers to a meeting notice (will attend, remotely, cannot): by a reply text from the member's
registered number (meetings/replies.py) or on the meeting page; the chair sees the counts over every
member. Not a vote, not attendance."""

import pytest
from django.urls import reverse

from cunzhi.core.models import AuditEvent
from cunzhi.meetings import replies, selectors, services
from cunzhi.meetings.models import MeetingStatus, Rsvp, RsvpVia
from cunzhi.meetings.tests.helpers import convene, member_of
from cunzhi.notify import sms
from cunzhi.notify.models import InboundStatus
from cunzhi.people.tests.factories import VillagerFactory

SERVICE = "106900001"


@pytest.fixture(autouse=True)
def _english_accounts(world):
    """Answers go out in the account's language (Chinese by default): these tests read the English ones;
    test_an_answer_is_in_the_accounts_language checks the Chinese."""
    from cunzhi.people.models import User

    User.objects.update(language="en")


@pytest.fixture
def noticed(world, settings, clock):
    settings.KANNEL_SENDER = SERVICE
    meeting = convene(world)
    services.meeting_notice_send(actor=world.cadre_a, meeting=meeting)
    meeting.refresh_from_db()
    assert meeting.notice.reply_handler == replies.RSVP and meeting.notice.reply_code
    return meeting


def reply(meeting, text, *, sender="13900000001", gid=None):
    return sms.inbound_receive(
        gateway_id=gid or f"g-{sender}-{text}",
        sender=sender,
        receiver=SERVICE + meeting.notice.reply_code,
        text=text,
    )


@pytest.mark.parametrize(("text", "answer"), [("1", Rsvp.ATTEND), ("２", Rsvp.REMOTE), ("3。", Rsvp.ABSENT)])
def test_a_reply_records_the_members_answer(world, noticed, text, answer):
    row = reply(noticed, text)
    member = member_of(noticed, world.villager_a.villager)
    assert (member.rsvp, member.rsvp_via, member.rsvp_at is not None) == (answer, RsvpVia.SMS, True)
    assert (row.status, row.handled_as) == (InboundStatus.HANDLED, replies.RSVP)
    assert row.answer.startswith("Recorded for 张三:")
    assert not noticed.attendances.exists()  # an answer is not attendance


def test_a_repeated_delivery_is_one_answer_and_a_later_reply_changes_it(world, noticed):
    for _ in range(3):
        reply(noticed, "1", gid="same")
    assert AuditEvent.objects.filter(action="meeting.rsvp").count() == 1
    reply(noticed, "3", gid="later")
    assert member_of(noticed, world.villager_a.villager).rsvp == Rsvp.ABSENT
    assert AuditEvent.objects.filter(action="meeting.rsvp").count() == 2


def test_a_reply_from_a_number_of_no_member_records_nothing(world, noticed):
    for sender in ("13900000002", "13700009999"):  # a villager of village B, an unknown phone
        row = reply(noticed, "1", sender=sender)
        assert row.handled_as == replies.RSVP and "not registered for a member" in row.answer
    assert not noticed.members.exclude(rsvp="").exists()


@pytest.mark.parametrize("text", ["好", "4", "我投赞成票", "y" * 1000])
def test_anything_else_is_told_what_to_reply_and_that_votes_are_not_taken_by_text(world, noticed, text):
    row = reply(noticed, text)
    assert row.answer.startswith("Reply 1 will attend, 2 will attend remotely, 3 cannot attend.")
    assert "Votes are not taken by text" in row.answer
    assert not noticed.members.exclude(rsvp="").exists()


def test_a_member_without_an_account_answers_from_the_roster_number(world, settings, clock):
    settings.KANNEL_SENDER = SERVICE
    elder = VillagerFactory(name="王奶奶", village=world.village_a, phone="13950000001")
    meeting = convene(world)
    services.meeting_notice_send(actor=world.cadre_a, meeting=meeting)
    meeting.refresh_from_db()
    reply(meeting, "2", sender="13950000001")
    member = member_of(meeting, elder)
    assert (member.rsvp, member.rsvp_via) == (Rsvp.REMOTE, RsvpVia.SMS)


def test_no_answers_once_the_meeting_is_open(world, noticed, clock):
    noticed.status = MeetingStatus.IN_SESSION
    noticed.save()
    row = reply(noticed, "1")
    assert "no longer takes answers" in row.answer
    assert member_of(noticed, world.villager_a.villager).rsvp == ""


# --- the meeting page ----------------------------------------------------------------------------


def test_the_member_answers_on_the_page(world, noticed, login):
    member = member_of(noticed, world.villager_a.villager)
    client = login(world.villager_a)
    page = client.get(reverse("meetings:detail", args=[noticed.public_id]))
    assert reverse("meetings:rsvp", args=[noticed.public_id]) in page.text and "Will attend remotely" in page.text
    r = client.post(reverse("meetings:rsvp", args=[noticed.public_id]), {"member": member.pk, "answer": "remote"})
    assert r.status_code == 302
    member.refresh_from_db()
    assert (member.rsvp, member.rsvp_via) == (Rsvp.REMOTE, RsvpVia.WEB)
    assert "Your answer: Will attend remotely. You can change it:" in client.get(r.url).text


def test_a_bad_answer_is_refused_clearly_and_changes_nothing(world, noticed, login):
    member = member_of(noticed, world.villager_a.villager)
    client = login(world.villager_a)
    url = reverse("meetings:rsvp", args=[noticed.public_id])
    r = client.post(url, {"member": member.pk, "answer": "maybe"}, follow=True)
    assert r.status_code == 200 and "Choose whether you will attend." in r.text
    assert client.post(url, {"member": "x", "answer": "attend"}).status_code == 404
    assert client.get(url).status_code == 405
    member.refresh_from_db()
    assert member.rsvp == ""


def test_who_may_answer_for_a_member(world, noticed, login, client, other_office_staff):
    member = member_of(noticed, world.villager_a.villager)
    url = reverse("meetings:rsvp", args=[noticed.public_id])
    data = {"member": member.pk, "answer": "attend"}
    assert client.post(url, data).status_code == 302 and "login" in client.post(url, data).url  # anonymous
    assert login(world.villager_b).post(url, data).status_code == 404  # another village: not revealed
    assert login(world.other_township_staff).post(url, data).status_code == 404
    for refused in (world.cadre_a, world.township_staff, other_office_staff, world.helper):  # not the member
        assert login(refused).post(url, data).status_code in (403, 404)
    member.refresh_from_db()
    assert member.rsvp == ""


def test_the_chair_sees_the_counts_over_all_members(world, noticed, login, django_assert_max_num_queries):
    reply(noticed, "1")
    counts = selectors.rsvp_counts(meeting=noticed)
    assert counts["members"] == noticed.member_count and counts["attend"] == 1 and counts["by_sms"] == 1
    assert counts["none"] == noticed.member_count - 1
    page = login(world.cadre_a).get(reverse("meetings:detail", args=[noticed.public_id])).text
    assert f"Of {noticed.member_count} members: 1 will attend" in page and "1 answered by text message." in page
    # A member sees their own answer, not the counts.
    assert "rsvp-counts" not in login(world.villager_a).get(reverse("meetings:detail", args=[noticed.public_id])).text
