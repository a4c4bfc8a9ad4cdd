"""Demo figures: a village whose answers bunch in the last hour before the deadline, a group meeting whose
quorum came only with the last minutes' check-ins, villagers typed in by hand where the roster was
imported (surface-use flags the other demo parts do not produce; late and missing disclosures come from
the disclosure demo), the quarter's survey with answers (enough in most villages, too few in one; last
quarter's too, for the trend; the one reminder sent in the first village), then the daily roll-ups of the demo's history, computed the way the nightly job does.

Runs last, after every domain has written its cases, so the figures page, its trends and the one table
read stored roll-ups from the first request. The roll-up skips empty spans in one query each, so a
year of sparse demo history costs a few hundred grouped queries.
"""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from cunzhi.concerns import services as concern_services
from cunzhi.concerns.models import Category, Channel, Kind
from cunzhi.core import periods
from cunzhi.core.idnumbers import id_number_build
from cunzhi.insights import services
from cunzhi.insights.models import SurveyChannel, SurveyInvite
from cunzhi.insights.selectors import quarter_shift
from cunzhi.meetings import services as meeting_services
from cunzhi.meetings.models import Attendance, Body, Meeting
from cunzhi.people.models import Household, ImportStatus, Role, RoleAssignment, RosterImport, Villager
from cunzhi.people.services import villager_create
from cunzhi.regions.models import Level, Region

HISTORY_DAYS = 400
MAIN_VILLAGE = "330523100201"


def _last_hour_answers(*, rng, now: dt.datetime) -> int:
    """In the first other village with a party secretary: six phoned-in concerns, each answered about half
    an hour before its answer deadline (recorded as the cadre would, on the day)."""
    for village in Region.objects.filter(level=Level.VILLAGE).exclude(code=MAIN_VILLAGE).order_by("code"):
        leader = RoleAssignment.objects.filter(region_prefix=village.code, role=Role.PARTY_SECRETARY).first()
        people = list(Villager.objects.filter(region_code__under=village.code, user__isnull=True).order_by("id")[:6])
        if leader is None or len(people) < 6:
            continue
        category = Category.objects.get(code="roads")
        done = 0
        for i, who in enumerate(people):
            c = concern_services.concern_submit(
                actor=leader.user,
                category=category,
                kind=Kind.REPORT,
                text=rng.choice(["村道有坑，雨天积水。", "路边护栏松动。", "机耕路被冲坏了一段。"]),
                villager=who,
                village=village,
                channel=Channel.PHONE,
                now=now - dt.timedelta(days=20 + 3 * i),
            )
            at = c.answer_due_at - dt.timedelta(minutes=rng.randint(10, 50))
            if at >= now or c.owner is None:
                continue
            if c.status == "open":
                concern_services.concern_acknowledge(actor=c.owner, concern=c, now=min(c.ack_due_at, at))
            concern_services.concern_answer(actor=c.owner, concern=c, text="已安排人员处理。", now=at)
            done += 1
        return done
    return 0


def _main_meeting_check_ins() -> None:
    """The meetings demo records its past meeting's check-ins at build time (check-in stamps the moment);
    put them where they happened — between half an hour before the start and a quarter of an hour after,
    before the first vote — so the meeting is not mistaken for a last-minute quorum."""
    for meeting in Meeting.objects.filter(region_code=MAIN_VILLAGE, opened_at__isnull=False, closed_at__isnull=False):
        for i, pk in enumerate(Attendance.objects.filter(meeting=meeting).order_by("pk").values_list("pk", flat=True)):
            at = meeting.starts_at - dt.timedelta(minutes=30) + dt.timedelta(seconds=(i * 37) % 2700)
            Attendance.objects.filter(pk=pk).update(created_at=at)


def _last_minute_quorum(*, now: dt.datetime) -> int:
    """In another village, a group meeting last week: a third of the group checked in on time, the rest in
    the two minutes before the vote, so the quorum came only from the last minutes' check-ins."""
    for village in Region.objects.filter(level=Level.VILLAGE).exclude(code=MAIN_VILLAGE).order_by("code")[1:]:
        cadre = RoleAssignment.objects.filter(region=village, role=Role.CADRE).select_related("user").first()
        group = Region.objects.filter(parent=village, level=Level.GROUP).order_by("code").first()
        if cadre is None or group is None:
            continue
        start = now - dt.timedelta(days=7, hours=3)
        meeting = meeting_services.meeting_create(
            actor=cadre.user,
            village=village,
            group=group,
            body=Body.GROUP,
            title="小组道路养护分工",
            agenda="一、小组道路养护分工\n二、其他事项",
            place=f"{group.name}晒场",
            starts_at=now + dt.timedelta(hours=1),
        )
        meeting_services.meeting_notice_send(actor=cadre.user, meeting=meeting)
        Meeting.objects.filter(pk=meeting.pk).update(starts_at=start, ends_at=start + dt.timedelta(hours=2))
        meeting.refresh_from_db()
        meeting_services.meeting_open(actor=cadre.user, meeting=meeting, now=start)
        members = list(meeting.members.order_by("pk"))
        present = members[: -(-2 * len(members) // 3) + 1]  # a group needs two-thirds of its adults
        if len(present) < 3:
            continue
        for m in present:
            meeting_services.attendance_check_in(actor=cadre.user, meeting=meeting, member=m, at_venue=True)
        vote_at = start + dt.timedelta(minutes=30)
        early = {a.pk for a in Attendance.objects.filter(meeting=meeting).order_by("pk")[: len(present) // 3]}
        for a in Attendance.objects.filter(meeting=meeting):
            at = start - dt.timedelta(minutes=10) if a.pk in early else vote_at - dt.timedelta(minutes=2)
            Attendance.objects.filter(pk=a.pk).update(created_at=at)
        motion = meeting_services.motion_add(
            actor=cadre.user, meeting=meeting, title="道路养护按户分段", text="每户负责门前一段，每月清扫两次。"
        )
        meeting_services.motion_open(actor=cadre.user, motion=motion, now=vote_at)
        return 1
    return 0


def _typed_twice(*, rng, now: dt.datetime) -> int:
    """A village whose roster was imported two months ago, where two villagers were then typed in by hand."""
    villages = list(Region.objects.filter(level=Level.VILLAGE).exclude(code=MAIN_VILLAGE).order_by("code"))
    if len(villages) < 3:
        return 0
    village = villages[2]
    cadre = RoleAssignment.objects.filter(region=village, role=Role.CADRE).select_related("user").first()
    RosterImport.objects.create(
        village=village,
        original_name=f"{village.name}花名册.xlsx",
        status=ImportStatus.DONE,
        finished_at=now - dt.timedelta(days=60),
        uploaded_by=cadre.user if cadre else None,
    )
    # Typed into an existing household (as a daughter-in-law who married in is), as the roster would have had them.
    household = Household.objects.filter(village=village).order_by("pk").first()
    kin = household.members.select_related("group", "grid").first() if household else None  # same group and grid
    for i, name in enumerate(["周桂英", "吴建华"]):
        birth = dt.date(1960 + rng.randint(0, 30), rng.randint(1, 12), rng.randint(1, 28))
        typed = villager_create(
            actor=cadre.user if cadre else None,
            name=name,
            id_number=id_number_build(village.code[:6], birth, 900 + i),
            village=village,
            household=household,
            group=kin.group if kin else None,
            grid=kin.grid if kin else None,
        )
        # Typed in five days ago: flags count finished days (insights.cases.flags), so today's would wait a night.
        Villager.objects.filter(pk=typed.pk).update(created_at=now - dt.timedelta(days=5))
    return 2


def _survey(*, rng, today: dt.date, quarter: str = "") -> int:
    """The quarter's survey in every village, and the answers of some of those asked: most villages have
    enough to show, the last village only a few (shown as too few)."""
    quarter = quarter or periods.current_quarter(today)
    services.survey_round_start(quarter=quarter, rng=rng, size=services.SURVEY_SAMPLE)
    villages = sorted(set(SurveyInvite.objects.filter(quarter=quarter).values_list("region_code", flat=True)))
    answered = 0
    for n, code in enumerate(villages):
        invites = list(SurveyInvite.objects.filter(quarter=quarter, region_code=code).order_by("pk"))
        share = 0.1 if n == len(villages) - 1 else 0.35 + 0.3 * rng.random()
        leaning = rng.choice([(3, 5), (2, 5), (1, 4)])  # villages differ in how they see things
        for invite in invites[: int(len(invites) * share)]:
            scores: list[int | None] = [rng.randint(*leaning) for _i in range(7)]
            if rng.random() < 0.1:
                scores[rng.randrange(7)] = None  # a question left out
            channel = SurveyChannel.SMS if rng.random() < 0.4 else SurveyChannel.WEB
            services.survey_answer(invite=invite, scores=scores, channel=channel)
            answered += 1
    return answered


def seed(*, rng, today: dt.date, logins: dict) -> dict:
    now = timezone.now()
    bunched = _last_hour_answers(rng=rng, now=now)
    _main_meeting_check_ins()
    late_quorum = _last_minute_quorum(now=now)
    typed = _typed_twice(rng=rng, now=now)
    # Last quarter's survey too, so the results page has a trend to show; then this quarter's, and the one
    # reminder to those of the first village who have not answered (a cadre's button on the results page).
    answers = _survey(rng=rng, today=today, quarter=quarter_shift(periods.current_quarter(today), -1))
    answers += _survey(rng=rng, today=today)
    first = Region.objects.filter(level=Level.VILLAGE).order_by("code").first()
    reminded = services.survey_remind(quarter=periods.current_quarter(today), region=first) if first else 0
    days, rows = services.rollup_range(today - dt.timedelta(days=HISTORY_DAYS), today - dt.timedelta(days=1))
    return {
        "concerns answered in the last hour": bunched,
        "meetings with a last-minute quorum": late_quorum,
        "villagers typed twice": typed,
        "survey answers": answers,
        "survey reminders": reminded,
        "figure rollup days": days,
        "figure rollup rows": rows,
    }
