# ruff: noqa: F811  (fixtures imported from other domains' conftest files are parameters here)
"""Points proposed from real outcomes (points/outcomes.py): an activity's confirmed hours, a meeting attended
remotely, a public report confirmed resolved. Each is proposed once, as a declaration the review group
reviews like any other; a sign-up alone, or an item not proposed from that outcome, proposes nothing."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from cunzhi.concerns import services as concern_services
from cunzhi.concerns.tests.conftest import cw, raise_concern  # noqa: F401  (fixtures)
from cunzhi.meetings import services as meeting_services
from cunzhi.meetings.tests.helpers import in_session, member_of
from cunzhi.organisations import services as org_services
from cunzhi.organisations.tests.conftest import org, to_activity_day  # noqa: F401  (fixtures)
from cunzhi.points import outcomes, services
from cunzhi.points.models import Entry, EntryStatus


@pytest.fixture
def activity_done(world, pw, org, clock):
    services.adoption_set(
        village=world.village_a, item=pw.cleanup, points=6, yearly_cap=18, actor=world.cadre_a, outcome="activity"
    )
    act = org.activity
    a, _ = org_services.sign_up(activity=act, villager=world.villager_a.villager, actor=world.villager_a)
    org_services.sign_up(activity=act, villager=world.helper.villager, actor=world.helper)  # signs up, never comes
    to_activity_day(clock, org)
    org_services.check_in(activity=act, participant=a, actor=org.leader)
    org_services.hours_confirm(activity=act, hours={a.pk: Decimal("2.5")}, actor=org.leader)
    return act


def test_confirmed_hours_propose_points_once_for_review(world, pw, activity_done):
    assert outcomes.propose_from_outcomes() == 1
    assert outcomes.propose_from_outcomes() == 0  # once per outcome
    entry = Entry.objects.get()
    assert (entry.household_id, entry.points, entry.status) == (world.household_a.pk, 6, EntryStatus.DECLARED)
    assert entry.declared_by is None and entry.declared_by_name == "鹤鹿溪村志愿服务队"
    assert "村口垃圾清理" in entry.description and "2.5" in entry.description
    services.entry_review(entry=entry, approve=True, reason="签到和工时属实", actor=pw.representative)
    entry.refresh_from_db()
    assert entry.status == EntryStatus.POSTED


def test_nothing_is_proposed_without_an_item_for_the_outcome(world, pw, org, clock):
    act = org.activity
    a, _ = org_services.sign_up(activity=act, villager=world.villager_a.villager, actor=world.villager_a)
    to_activity_day(clock, org)
    org_services.check_in(activity=act, participant=a, actor=org.leader)
    org_services.hours_confirm(activity=act, hours={a.pk: Decimal("2")}, actor=org.leader)
    assert outcomes.propose_from_outcomes() == 0


def test_one_item_per_outcome_and_only_earning_items(world, pw):
    services.adoption_set(
        village=world.village_a, item=pw.cleanup, points=6, yearly_cap=18, actor=world.cadre_a, outcome="activity"
    )
    with pytest.raises(ValidationError):
        services.adoption_set(
            village=world.village_a, item=pw.litter, points=5, yearly_cap=0, actor=world.cadre_a, outcome="meeting"
        )


def test_the_yearly_cap_stops_proposals(world, pw, activity_done):
    services.adoption_set(
        village=world.village_a, item=pw.cleanup, points=6, yearly_cap=6, actor=world.cadre_a, outcome="activity"
    )
    services.entry_declare(
        adoption=pw.adopt_cleanup,
        household=world.household_a,
        occurred_on=timezone.localdate(),
        description="清理河道",
        actor=world.villager_a,
    )
    assert outcomes.propose_from_outcomes() == 0


def test_a_meeting_attended_remotely_proposes_points(world, pw, clock):
    item = services.item_create(
        township=world.township_t,
        title="参加村民会议",
        sign="positive",
        points=2,
        min_points=1,
        max_points=3,
        actor=world.township_staff,
    )
    services.adoption_set(
        village=world.village_a, item=item, points=2, yearly_cap=0, actor=world.cadre_a, outcome="meeting"
    )
    meeting = in_session(world)
    member = member_of(meeting, world.villager_a.villager)
    meeting_services.attendance_check_in(actor=world.villager_a, meeting=meeting, member=member)
    assert outcomes.propose_from_outcomes() == 0  # not until the meeting is closed
    meeting_services.meeting_close(actor=world.cadre_a, meeting=meeting)
    assert outcomes.propose_from_outcomes() == 1
    entry = Entry.objects.get()
    assert entry.points == 2 and entry.source.startswith("meeting:") and "村民会议" in entry.description


def test_a_public_report_confirmed_resolved_proposes_points(world, pw, raise_concern):
    item = services.item_create(
        township=world.township_t,
        title="反映公共问题并解决",
        sign="positive",
        points=3,
        min_points=1,
        max_points=5,
        actor=world.township_staff,
    )
    services.adoption_set(
        village=world.village_a, item=item, points=3, yearly_cap=0, actor=world.cadre_a, outcome="concern"
    )
    concern = raise_concern(now=timezone.now())
    concern.refresh_from_db()
    owner = concern.owner or world.cadre_a
    concern_services.concern_answer(actor=owner, concern=concern, text="已更换路灯")
    concern.refresh_from_db()
    assert outcomes.propose_from_outcomes() == 0  # answered is not resolved
    concern_services.concern_confirm(actor=world.villager_a, concern=concern, rating="satisfied")
    assert outcomes.propose_from_outcomes() == 1
    assert Entry.objects.get().source == f"concern:{concern.public_id}"


def test_training_attended_proposes_points_once(world, pw, clock):
    """Checked in at a training session: one proposal per attendee (issue 16), reviewed like any other."""
    from cunzhi.learning import services as learning_services

    services.adoption_set(
        village=world.village_a, item=pw.cleanup, points=6, yearly_cap=18, actor=world.cadre_a, outcome="training"
    )
    session = learning_services.session_record(
        village=world.village_a,
        date=timezone.localdate(),
        topic="concern",
        trainer_kind="cadre",
        trainer_name="王书记",
        start_time=dt.time(9, 0),  # the test clock reads 09:30: the session has started
        actor=world.cadre_a,
    )
    learning_services.attendance_check_in(session=session, villager=world.villager_a.villager, actor=world.cadre_a)
    assert outcomes.propose_from_outcomes() == 1
    assert outcomes.propose_from_outcomes() == 0
    entry = Entry.objects.get()
    assert entry.status == EntryStatus.DECLARED and entry.household_id == world.household_a.pk
    assert entry.source.startswith("training:") and entry.declared_by_name == "培训"
