"""Reads for meetings: lists by scope, one meeting, the members a user acts for, the live state that
remote attendees poll, who counted, the desk search, and the result for minutes and disclosure."""

import datetime as dt
import hashlib
import json
import math
import threading
import time
from typing import Any

from django.conf import settings
from django.core.cache import caches
from django.db.models import Count, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone

from cunzhi.meetings import law, rules
from cunzhi.meetings.live import selectors as live_selectors
from cunzhi.meetings.models import (
    Attendance,
    AttendanceMode,
    Authorisation,
    Ballot,
    BallotKind,
    Body,
    Choice,
    Meeting,
    MeetingMember,
    MeetingStatus,
    Motion,
    MotionStatus,
    Petition,
    PetitionSignature,
    Rsvp,
    RsvpVia,
)
from cunzhi.people import rules as people_rules
from cunzhi.people.actors import AnyUser

RECENT_CHECK_INS = 8


# ---------------------------------------------------------------- counting


def attendance_counts(*, meeting_id: int) -> dict:
    """present, remote, households_present, in one query."""
    return Attendance.objects.filter(meeting_id=meeting_id).aggregate(
        present=Count("id"),
        remote=Count("id", filter=Q(mode=AttendanceMode.REMOTE)),
        households_present=Count("id", filter=Q(household_rep=True)),
    )


def rsvp_counts(*, meeting: Meeting) -> dict[str, int]:
    """The members' answers to the notice, over every member (those who did not answer included), in one query."""
    counts = MeetingMember.objects.filter(meeting=meeting).aggregate(
        members=Count("id"),
        attend=Count("id", filter=Q(rsvp=Rsvp.ATTEND)),
        remote=Count("id", filter=Q(rsvp=Rsvp.REMOTE)),
        absent=Count("id", filter=Q(rsvp=Rsvp.ABSENT)),
        by_sms=Count("id", filter=Q(rsvp_via=RsvpVia.SMS)),
    )
    counts = {k: v or 0 for k, v in counts.items()}
    counts["none"] = counts["members"] - counts["attend"] - counts["remote"] - counts["absent"]
    return counts


def quorum_status(*, meeting: Meeting, counts: dict | None = None) -> dict:
    """Every legal quorum mode with its figures, whether the meeting has its quorum, and by which mode."""
    counts = counts or attendance_counts(meeting_id=meeting.pk)
    modes = law.quorum_modes(
        body=meeting.body,
        members=meeting.member_count,
        present=counts["present"] or 0,
        households=meeting.household_count,
        households_present=counts["households_present"] or 0,
    )
    met, mode = law.quorum_reached(body=meeting.body, basis=meeting.basis, modes=modes)
    by_households = law.counts_households(body=meeting.body, basis=meeting.basis)
    return {
        "modes": modes,
        "met": met,
        "mode": mode,
        "present": counts["present"] or 0,
        "remote": counts["remote"] or 0,
        "households_present": counts["households_present"] or 0,
        "attendees": (counts["households_present"] if by_households else counts["present"]) or 0,
        "by_households": by_households,
    }


def tally(*, motion: Motion) -> dict:
    """yes/no/abstain/ballots of a motion, from the rows (open vote) or the counters (secret ballot)."""
    ballots = Ballot.objects.filter(motion=motion).count()
    if motion.ballot == BallotKind.SECRET:
        fresh = Motion.objects.only("secret_yes", "secret_no", "secret_abstain").get(pk=motion.pk)
        return {"yes": fresh.secret_yes, "no": fresh.secret_no, "abstain": fresh.secret_abstain, "ballots": ballots}
    rows = dict(Ballot.objects.filter(motion=motion).values_list("choice").annotate(n=Count("id")).order_by())
    return {
        "yes": rows.get(Choice.YES, 0),
        "no": rows.get(Choice.NO, 0),
        "abstain": rows.get(Choice.ABSTAIN, 0),
        "ballots": ballots,
    }


def _village_q(user: AnyUser, field: str = "region_code") -> Q:
    """Meetings a user may list: staff scope, their own village, villages of those they help."""
    q = people_rules.scope_q(user, field=field)
    own = people_rules.own_villager(user)
    codes = {own.region_code} if own else set()
    codes |= {d.villager.region_code for d in rules.helped_delegations(user)}
    if codes:
        q |= Q(**{f"{field}__in": sorted(codes)})
    return q


def meetings_visible(*, user: AnyUser, status: str = "", body: str = "") -> QuerySet[Meeting]:
    qs = Meeting.objects.filter(_village_q(user)).select_related("village", "group")
    if status:
        qs = qs.filter(status=status)
    if body:
        qs = qs.filter(body=body)
    return qs.order_by("-starts_at", "-id")


def meeting_readable(user: AnyUser, pk: int) -> bool:
    """Notices about a meeting are read by whoever may open the meeting (registered with notify)."""
    meeting = Meeting.objects.filter(pk=pk).first()
    return meeting is not None and rules.can_view(user, meeting)


def meetings_readable(user: AnyUser) -> QuerySet[Meeting]:
    """Meetings whose notices a staff member's list of notices shows: the meetings they may list."""
    return meetings_visible(user=user)


def meeting_get(*, public_id: str) -> Meeting:
    return Meeting.objects.select_related("village", "group", "petition", "secretary", "convened_by").get(
        public_id=public_id
    )


def members_acted_for(*, meeting: Meeting, user: AnyUser) -> list[MeetingMember]:
    """The user's own membership first, then members who gave them a "meetings" delegation."""
    if not getattr(user, "is_authenticated", False):
        return []
    helped = [d.villager_id for d in rules.helped_delegations(user)]
    rows = list(
        MeetingMember.objects.filter(Q(user_id=user.pk) | Q(villager_id__in=helped), meeting=meeting).select_related(
            "villager"
        )
    )
    return sorted(rows, key=lambda m: (m.user_id != user.pk, m.name_pinyin))


def personal_state(*, meeting: Meeting, user: AnyUser) -> list[dict]:
    """For each member the user acts for: attendance and ballot on the motion on the floor (3 queries)."""
    members = members_acted_for(meeting=meeting, user=user)
    if not members:
        return []
    ids = [m.pk for m in members]
    attended = {a.member_id: a for a in Attendance.objects.filter(meeting=meeting, member_id__in=ids)}
    floor = meeting.motions.filter(status=MotionStatus.OPEN).first()
    voted = {}
    if floor is not None:
        voted = {b.member_id: b for b in Ballot.objects.filter(motion=floor, member_id__in=ids)}
    by_households = law.counts_households(body=meeting.body, basis=meeting.basis)
    out = []
    for m in members:
        out.append(
            {
                "member": m,
                "self": m.user_id == user.pk,
                "attendance": attended.get(m.pk),
                "ballot": voted.get(m.pk),
                "floor": floor,
                "may_vote": (not by_households) or m.is_household_rep,
            }
        )
    return out


# --- Live state -----------------------------------------------------------------------------

_live_lock = threading.Lock()


def live_ttl() -> float:
    return float(settings.MEETINGS_LIVE_CACHE_SECONDS)


def _live_compute(meeting_id: int) -> dict:
    meeting = Meeting.objects.only(
        "pk", "public_id", "status", "body", "basis", "member_count", "household_count", "village_id"
    ).get(pk=meeting_id)
    quorum = quorum_status(meeting=meeting)
    motions = list(
        Motion.objects.filter(meeting_id=meeting_id).exclude(status=MotionStatus.WITHDRAWN).order_by("number")
    )
    floor = next((m for m in motions if m.status == MotionStatus.OPEN), None)
    floor_ballots = Ballot.objects.filter(motion=floor).count() if floor else 0
    recent = list(
        Attendance.objects.filter(meeting_id=meeting_id)
        .select_related("member")
        .order_by("-created_at", "-id")[:RECENT_CHECK_INS]
    )
    state = {
        "meeting": meeting.public_id,
        "status": meeting.status,
        "body": meeting.body,
        "members": meeting.member_count,
        "households": meeting.household_count,
        "present": quorum["present"],
        "remote": quorum["remote"],
        "venue": quorum["present"] - quorum["remote"],
        "households_present": quorum["households_present"],
        "attendees": quorum["attendees"],
        "by_households": quorum["by_households"],
        "quorum": {
            "met": quorum["met"],
            "mode": quorum["mode"],
            "modes": [
                {"mode": m.mode, "have": m.have, "of": m.of, "need": m.need, "met": m.met, "short": m.short}
                for m in quorum["modes"]
            ],
        },
        "floor": (
            {
                "id": floor.public_id,
                "number": floor.number,
                "title": floor.title,
                "text": floor.text,
                "ballot": floor.ballot,
                "matter": floor.matter,
                "ballots_cast": floor_ballots,
            }
            if floor
            else None
        ),
        "results": [
            {
                "id": m.public_id,
                "number": m.number,
                "title": m.title,
                "ballot": m.ballot,
                "passed": m.passed,
                "yes": m.yes,
                "no": m.no,
                "abstain": m.abstain,
                "attendees": m.attendees,
                "quorum_mode": m.quorum_mode,
                "resolution": m.resolution_text,
            }
            for m in motions
            if m.status == MotionStatus.CLOSED
        ],
        "pending": [
            {"id": m.public_id, "number": m.number, "title": m.title} for m in motions if m.status == MotionStatus.DRAFT
        ],
        "recent": [
            {"name": a.member.name, "mode": a.mode, "at": timezone.localtime(a.created_at).strftime("%H:%M")}
            for a in recent
        ],
    }
    state["version"] = hashlib.sha1(json.dumps(state, sort_keys=True, default=str).encode()).hexdigest()[:16]  # noqa: S324
    return state


def _live_key(meeting_id: int) -> str:
    return f"meetings:live:{meeting_id}"


def live_state(*, meeting_id: int) -> dict:
    """The state every remote attendee polls, computed at most once per MEETINGS_LIVE_CACHE_SECONDS.

    1,000 attendees polling every 2 s make ~500 requests a second: they share one computation, kept in the
    "memo" cache — with Redis, one for every app server, and a check-in or vote on one server (live_forget)
    is what every poller sees next, whichever server answers it; on one machine without Redis, one per process.
    The lock keeps the threads of one process from computing it side by side.
    """
    ttl = live_ttl()
    if ttl <= 0:
        return _live_compute(meeting_id)
    memo, key = caches["memo"], _live_key(meeting_id)
    # The expiry travels with the state: Redis keeps keys for whole seconds only.
    hit = memo.get(key)
    if hit is not None and hit[0] > time.time():
        return hit[1]
    with _live_lock:
        hit = memo.get(key)
        if hit is not None and hit[0] > time.time():
            return hit[1]
        state = _live_compute(meeting_id)
        memo.set(key, (time.time() + ttl, state), math.ceil(ttl))
    return state


def live_forget(meeting_id: int) -> None:
    caches["memo"].delete(_live_key(meeting_id))


# --- Lists ----------------------------------------------------------------------------------


def attendance_list(*, meeting: Meeting, search: str = "") -> QuerySet[Attendance]:
    """Who counted: every attendance with how and by whom it was recorded, newest first."""
    qs = (
        Attendance.objects.filter(meeting=meeting)
        .select_related("member", "recorded_by", "delegation__helper")
        .order_by("-created_at", "-id")
    )
    if search:
        term = search.strip()
        qs = qs.filter(
            Q(member__name__contains=term) | Q(member__name_pinyin__startswith=term.lower().replace(" ", ""))
        )
    return qs


def desk_search(*, meeting: Meeting, term: str, limit: int = 20) -> list[MeetingMember]:
    """Members matching a name or the start of its pinyin, with whether they are already checked in."""
    term = (term or "").strip()
    if not term:
        return []
    compact = term.lower().replace(" ", "")
    rows = list(
        MeetingMember.objects.filter(meeting=meeting)
        .filter(Q(name__contains=term) | Q(name_pinyin__startswith=compact))
        .select_related("household")[:limit]
    )
    present = dict(Attendance.objects.filter(meeting=meeting, member__in=rows).values_list("member_id", "mode"))
    floor = meeting.motions.filter(status=MotionStatus.OPEN).first()
    voted = (
        set(Ballot.objects.filter(motion=floor, member__in=rows).values_list("member_id", flat=True))
        if floor
        else set()
    )
    for m in rows:
        # Marks the desk template reads on each row; they are not fields of the model.
        vars(m).update(present=m.pk in present, at_venue=present.get(m.pk) == "venue", voted=m.pk in voted, floor=floor)
    return rows


def motions_of(*, meeting: Meeting) -> list[Motion]:
    return list(meeting.motions.select_related("authorisation").order_by("number"))


def result_context(*, meeting: Meeting) -> dict:
    """Everything the minutes PDF, the disclosure post and the result page show."""
    quorum = quorum_status(meeting=meeting)
    motions = [m for m in motions_of(meeting=meeting) if m.status == MotionStatus.CLOSED]
    return {
        "meeting": meeting,
        "quorum": quorum,
        "motions": motions,
        "remote": quorum["remote"],
        "venue": quorum["present"] - quorum["remote"],
        "village": meeting.village,
        "generated_at": timezone.localtime(),
        # Remote members' questions with their outcome, and how many followed the stream (meetings/live).
        "questions": list(live_selectors.questions_of(meeting=meeting)),
        "reach": live_selectors.reach(meeting=meeting),
        "recording": live_selectors.stream_get(meeting=meeting),
    }


def petitions_visible(*, user: AnyUser, status: str = "") -> QuerySet[Petition]:
    qs = Petition.objects.filter(_village_q(user)).select_related("village")
    if status:
        qs = qs.filter(status=status)
    return qs.order_by("-created_at", "-id")


def petition_signed(*, petition: Petition, user: AnyUser) -> bool:
    own = people_rules.own_villager(user)
    return own is not None and PetitionSignature.objects.filter(petition=petition, villager=own).exists()


def authorisations_of(*, village_code: str) -> QuerySet[Authorisation]:
    return (
        Authorisation.objects.filter(region_code=village_code)
        .select_related("created_by")
        .order_by("-granted_on", "-id")
    )


def upcoming_for(*, user: AnyUser, limit: int = 5, brief: bool = False) -> list[Meeting]:
    """Meetings of the user's village(s) still to come or in session. `brief`: only the title, time,
    body and status (the home card), without the village and group."""
    qs = meetings_visible(user=user).filter(status__in=[MeetingStatus.NOTICED, MeetingStatus.IN_SESSION])
    if brief:
        qs = qs.select_related(None).only("public_id", "title", "starts_at", "body", "status")
    return list(qs.order_by("starts_at")[:limit])


def attended_since(*, since: dt.datetime) -> list[dict[str, Any]]:
    """Who attended closed meetings that started since `since` (in person or remotely): the outcome points
    may be proposed from (points/outcomes.py). One plain row per attendance; a stable `key` per row."""
    rows = (
        Attendance.objects.filter(meeting__status=MeetingStatus.CLOSED, meeting__starts_at__gte=since)
        .values(
            "meeting__public_id",
            "meeting__title",
            "meeting__starts_at",
            "meeting__region_code",
            "member__villager_id",
            "member__household_id",
            "mode",
        )
        .order_by("meeting__starts_at", "pk")[:20000]
    )
    return [
        {
            "key": f"meeting:{r['meeting__public_id']}:{r['member__villager_id']}",
            "village_code": r["meeting__region_code"][:12],
            "household_id": r["member__household_id"],
            "villager_id": r["member__villager_id"],
            "day": timezone.localdate(r["meeting__starts_at"]),
            "title": r["meeting__title"],
            "mode": r["mode"],
        }
        for r in rows
    ]


# ---------------------------------------------------------------- figures (insights reads these)


def figures_last_minute_quorum(
    *, prefix: str, start: dt.datetime, end: dt.datetime, window: dt.timedelta
) -> QuerySet[Meeting]:
    """Meetings opened in [start, end) that took a vote, but whose members checked in before the last
    `window` ahead of the first vote would not have made the quorum: the quorum came only from the last
    minutes' check-ins (insights' surface-use flag: people signed in to be counted, not to take part?).
    One grouped query; the quorum arithmetic is the law's own (law.quorum_modes)."""
    first_vote = Subquery(
        Motion.objects.filter(meeting=OuterRef("pk"), opened_at__isnull=False)
        .order_by("opened_at")
        .values("opened_at")[:1]
    )

    def early(**only: bool) -> Coalesce:
        # A count per meeting in a subquery: as a filter on the joined attendances, SQLite worked the first
        # vote out again for every attendance (twice as slow at county scale).
        counted = (
            Attendance.objects.filter(meeting=OuterRef("pk"), created_at__lt=OuterRef("first_vote") - window, **only)
            .order_by()
            .values("meeting")
            .annotate(c=Count("id"))
            .values("c")
        )
        return Coalesce(Subquery(counted), 0)

    rows = (
        Meeting.objects.filter(region_code__under=prefix, opened_at__gte=start, opened_at__lt=end)
        .exclude(body=Body.COUNCIL)  # a deliberation council has no quorum
        .annotate(first_vote=first_vote)
        .filter(first_vote__isnull=False)
        .annotate(early=early(), early_households=early(household_rep=True))
        .values("pk", "body", "basis", "member_count", "household_count", "early", "early_households")
        .order_by()
    )
    late = []
    for r in rows:
        modes = law.quorum_modes(
            body=r["body"],
            members=r["member_count"],
            present=r["early"],
            households=r["household_count"],
            households_present=r["early_households"],
        )
        if not law.quorum_reached(body=r["body"], basis=r["basis"], modes=modes)[0]:
            late.append(r["pk"])
    return Meeting.objects.filter(pk__in=late)


# ---------------------------------------------------------------- resolutions other domains cite

# The bodies whose resolutions choose a village's election committee or supervision committee (arts. 12, 32).
CHOOSING_BODIES = (Body.VILLAGERS, Body.REPRESENTATIVES, Body.GROUP)


def _resolution_row(m: Motion) -> dict[str, Any]:
    return {
        "motion": m.public_id,
        "meeting": m.meeting.public_id,
        "village_code": m.meeting.region_code,
        "body": m.meeting.get_body_display(),
        "meeting_title": m.meeting.title,
        "day": timezone.localdate(m.meeting.starts_at),
        "number": m.number,
        "title": m.title,
        "adopted": m.status == MotionStatus.CLOSED and bool(m.passed) and m.meeting.body in CHOOSING_BODIES,
    }


def adopted_resolutions(*, village_code: str, limit: int = 50) -> list[dict[str, Any]]:
    """The village's adopted resolutions of its villagers', representatives' and group meetings, newest
    first, as plain rows (other domains cite them without reading meetings' models)."""
    rows = (
        Motion.objects.filter(
            meeting__region_code=village_code,
            meeting__body__in=CHOOSING_BODIES,
            status=MotionStatus.CLOSED,
            passed=True,
        )
        .select_related("meeting")
        .order_by("-meeting__starts_at", "number")[:limit]
    )
    return [_resolution_row(m) for m in rows]


def resolution_row(*, motion_id: str) -> dict[str, Any] | None:
    """One motion as a plain row (its village, whether it was adopted), or None."""
    m = Motion.objects.select_related("meeting").filter(public_id=motion_id).first()
    return _resolution_row(m) if m is not None else None
