"""Meeting endpoints: meetings, attendance (who counted, check in), motions, ballots, results, live state.

Who sees what: staff whose scope holds the village, villagers of the village and helpers of one of
its villagers read a meeting; anyone else gets 404. Only members check in and vote, themselves or
through an active "meetings" delegation; desk staff check members in at the venue. A repeated
check-in or ballot answers 200 with the first record ("created": false), so clients may retry
safely. Secret ballot tallies appear only once the vote is closed.
"""

import datetime as dt
from collections.abc import Sequence
from typing import Any

from django.db.models import QuerySet
from django.http import Http404, HttpRequest
from ninja import Field, Path, Query, Router, Schema, Status
from ninja.pagination import paginate

from cunzhi.core.apikit.errors import LIST_ERRORS, OBJECT_ERRORS, ErrorOut, ValidationErrorOut
from cunzhi.core.apikit.pagination import Pages
from cunzhi.meetings import rules, selectors, services
from cunzhi.meetings.models import Attendance, Body, Choice, Meeting, MeetingMember, MeetingStatus, Motion, MotionStatus
from cunzhi.people.actors import UserRequest

router = Router(tags=["meetings"])
WRITE_ERRORS = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ValidationErrorOut}


class MeetingRowOut(Schema):
    id: str = Field(alias="public_id")
    title: str
    body: str
    body_label: str
    status: str
    status_label: str
    village_code: str = Field(alias="region_code")
    village_name: str
    group_code: str | None
    starts_at: dt.datetime
    ends_at: dt.datetime
    place: str
    urgent: bool

    @staticmethod
    def resolve_body_label(obj: Meeting) -> str:
        return str(obj.get_body_display())

    @staticmethod
    def resolve_status_label(obj: Meeting) -> str:
        return str(obj.get_status_display())

    @staticmethod
    def resolve_village_name(obj: Meeting) -> str:
        return obj.village.name

    @staticmethod
    def resolve_group_code(obj: Meeting) -> str | None:
        return obj.group.code if obj.group else None


class QuorumModeOut(Schema):
    mode: str
    label: str
    have: int
    of: int
    need: int
    met: bool
    rule: str


class QuorumOut(Schema):
    met: bool
    mode: str = Field(description="persons, households, members, informal (council) or none.")
    present: int
    remote: int
    households_present: int
    attendees: int = Field(
        description="The base of the passing threshold: persons present, or households "
        "represented where the meeting votes by households."
    )
    modes: list[QuorumModeOut]


class MyMemberOut(Schema):
    member_id: int
    name: str
    self: bool = Field(description="False: you act for this member under a delegation.")
    checked_in: bool


class MeetingOut(MeetingRowOut):
    agenda: str
    basis: str
    by_households: bool
    stream_url: str
    urgent_reason: str
    notice_sent_at: dt.datetime | None
    member_count: int
    household_count: int
    minutes_published: bool
    quorum: QuorumOut
    my_members: list[MyMemberOut]


class AttendanceOut(Schema):
    member_id: int
    name: str
    mode: str
    method: str
    method_label: str
    household_rep: bool
    recorded_by: str
    via_delegation: bool
    at: dt.datetime = Field(alias="created_at")

    @staticmethod
    def resolve_member_id(obj: Attendance) -> int:
        return obj.member_id

    @staticmethod
    def resolve_name(obj: Attendance) -> str:
        return obj.member.name

    @staticmethod
    def resolve_method_label(obj: Attendance) -> str:
        return str(obj.get_method_display())

    @staticmethod
    def resolve_recorded_by(obj: Attendance) -> str:
        return obj.recorded_by.name if obj.recorded_by else ""

    @staticmethod
    def resolve_via_delegation(obj: Attendance) -> bool:
        return obj.delegation_id is not None


class CheckInIn(Schema):
    member_id: int | None = Field(
        None, description="Omit to check yourself in; a member you help; or (desk staff with at_venue) any member."
    )
    at_venue: bool = False


class CheckInOut(Schema):
    created: bool
    attendance: AttendanceOut


class MotionOut(Schema):
    id: str = Field(alias="public_id")
    number: int
    title: str
    text: str
    matter: str
    reserved: bool
    ballot: str
    status: str
    ballots_cast: int
    yes: int | None = Field(description="Empty until the vote closes (secret and open ballots alike).")
    no: int | None
    abstain: int | None
    attendees: int | None
    quorum_mode: str
    passed: bool | None
    resolution: str = Field(alias="resolution_text")

    @staticmethod
    def resolve_reserved(obj: Motion) -> bool:
        return obj.is_reserved

    @staticmethod
    def resolve_ballots_cast(obj: Motion) -> int:
        return obj.ballot_count  # type: ignore[attr-defined]  # annotated by _motions


class BallotIn(Schema):
    choice: Choice
    member_id: int | None = Field(None, description="Omit to vote for yourself; or a member you help.")


class BallotOut(Schema):
    created: bool
    motion: str
    member_id: int
    choice: str = Field(description="Empty for a secret ballot: the vote is counted, not stored with the member.")


class ResultsOut(Schema):
    meeting: str
    status: str
    quorum: QuorumOut
    motions: list[MotionOut]
    minutes_published: bool


class MeetingFilters(Schema):
    status: MeetingStatus | None = None
    body: Body | None = None


def _meeting(request: HttpRequest, public_id: str, *, lean: bool = False) -> Meeting:
    """The meeting if the caller may see it, else 404. `lean`: no joins (check-in and ballots, the hot path)."""
    try:
        meeting = Meeting.objects.get(public_id=public_id) if lean else selectors.meeting_get(public_id=public_id)
    except Meeting.DoesNotExist:
        raise Http404 from None
    if not rules.can_view(request.user, meeting):
        raise Http404
    return meeting


def _quorum(meeting: Meeting) -> dict[str, Any]:
    q = selectors.quorum_status(meeting=meeting)
    return {
        **q,
        "modes": [
            {"mode": m.mode, "label": m.label, "have": m.have, "of": m.of, "need": m.need, "met": m.met, "rule": m.rule}
            for m in q["modes"]
        ],
    }


def _member(request: UserRequest, meeting: Meeting, member_id: int | None) -> MeetingMember:
    if member_id is None:
        member = (
            MeetingMember.objects.filter(meeting=meeting, user_id=request.user.pk).select_related("villager").first()
        )
    else:
        member = MeetingMember.objects.filter(meeting=meeting, pk=member_id).select_related("villager").first()
    if member is None:
        raise Http404
    return member


def _motions(meeting: Meeting) -> Sequence[Motion]:
    from django.db.models import Count

    rows = list(
        meeting.motions.exclude(status=MotionStatus.WITHDRAWN)
        .annotate(ballot_count=Count("ballots"))
        .order_by("number")
    )
    return rows


@router.get("/meetings", response={200: list[MeetingRowOut], **LIST_ERRORS})
@paginate(Pages)
def meeting_list(request: UserRequest, filters: MeetingFilters = Query(...)) -> QuerySet[Meeting]:
    """Meetings of the caller's village (villagers, helpers) or scope (staff), newest first."""
    return selectors.meetings_visible(user=request.user, status=filters.status or "", body=filters.body or "")


@router.get("/meetings/{public_id}", response={200: MeetingOut, **OBJECT_ERRORS})
def meeting_detail(request: UserRequest, public_id: str = Path(..., max_length=16)) -> Meeting:
    """One meeting with its live quorum status and the members the caller may check in and vote for."""
    meeting = _meeting(request, public_id)
    mine = selectors.personal_state(meeting=meeting, user=request.user)
    meeting.quorum = _quorum(meeting)
    meeting.my_members = [
        {
            "member_id": r["member"].pk,
            "name": r["member"].name,
            "self": r["self"],
            "checked_in": r["attendance"] is not None,
        }
        for r in mine
    ]
    meeting.minutes_published = meeting.minutes_published_at is not None
    return meeting


@router.get("/meetings/{public_id}/live", response={200: dict, **OBJECT_ERRORS})
def meeting_live(request: UserRequest, public_id: str = Path(..., max_length=16)) -> dict[str, Any]:
    """The state remote attendees poll: attendance, quorum by mode, the motion on the floor, closed results."""
    meeting = _meeting(request, public_id)
    return selectors.live_state(meeting_id=meeting.pk)


@router.get("/meetings/{public_id}/attendance", response={200: list[AttendanceOut], **OBJECT_ERRORS})
@paginate(Pages)
def attendance_list(request: UserRequest, public_id: str = Path(..., max_length=16)) -> QuerySet[Attendance]:
    """Who counted: every identified attendee, how (venue/remote, self/helper/desk) and who recorded it."""
    return selectors.attendance_list(meeting=_meeting(request, public_id))


@router.post("/meetings/{public_id}/attendance", response={200: CheckInOut, 201: CheckInOut, **WRITE_ERRORS})
def attendance_check_in(request: UserRequest, data: CheckInIn, public_id: str = Path(..., max_length=16)) -> Status:
    """Check in (remote by default): yourself, a member you help, or — desk staff, at_venue — any member."""
    meeting = _meeting(request, public_id, lean=True)
    member = _member(request, meeting, data.member_id)
    attendance, created = services.attendance_check_in(
        actor=request.user, meeting=meeting, member=member, at_venue=data.at_venue
    )
    selectors.live_forget(meeting.pk)
    attendance.member = member
    return Status(201 if created else 200, {"created": created, "attendance": attendance})


@router.get("/meetings/{public_id}/motions", response={200: list[MotionOut], **OBJECT_ERRORS})
def motion_list(request: UserRequest, public_id: str = Path(..., max_length=16)) -> Sequence[Motion]:
    """The motions in order, with ballots cast so far and, once closed, the tally and the result."""
    return _motions(_meeting(request, public_id))


@router.post(
    "/meetings/{public_id}/motions/{motion_id}/ballots", response={200: BallotOut, 201: BallotOut, **WRITE_ERRORS}
)
def ballot_cast(
    request: UserRequest,
    data: BallotIn,
    public_id: str = Path(..., max_length=16),
    motion_id: str = Path(..., max_length=16),
) -> Status:
    """Cast one ballot (for, against, abstain) while the vote is open; a retry returns the first ballot."""
    meeting = _meeting(request, public_id, lean=True)
    motion = Motion.objects.filter(meeting=meeting, public_id=motion_id).first()
    if motion is None:
        raise Http404
    motion.meeting = meeting
    member = _member(request, meeting, data.member_id)
    ballot, created = services.ballot_cast(actor=request.user, motion=motion, member=member, choice=data.choice)
    return Status(
        201 if created else 200,
        {"created": created, "motion": motion.public_id, "member_id": member.pk, "choice": ballot.choice},
    )


@router.get("/meetings/{public_id}/results", response={200: ResultsOut, **OBJECT_ERRORS})
def results(request: UserRequest, public_id: str = Path(..., max_length=16)) -> dict[str, object]:
    """Attendance, quorum and every closed vote with its result and resolution."""
    meeting = _meeting(request, public_id)
    return {
        "meeting": meeting.public_id,
        "status": meeting.status,
        "quorum": _quorum(meeting),
        "motions": [m for m in _motions(meeting) if m.status == MotionStatus.CLOSED],
        "minutes_published": meeting.minutes_published_at is not None,
    }


# The meeting's own live stream and the remote members' questions (meetings/live/api.py).
from cunzhi.meetings.live.api import router as live_router  # noqa: E402

router.add_router("", live_router)
