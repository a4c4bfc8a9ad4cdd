"""Learning API: the lessons (public), a village's training sessions, attendance and the outcome figure
"now does it alone", with the same rules as the pages.

- A village or a session outside the caller's reach answers 404, like one that does not exist.
- Refusals are JSON {"detail", "code"}: 403 for a role the caller lacks, 422 for bad input.
"""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Path, Router, Schema, Status
from ninja.pagination import paginate

from cunzhi.core.apikit.auth import PUBLIC
from cunzhi.core.apikit.errors import LIST_ERRORS, OBJECT_ERRORS, ApiError, ErrorOut, ValidationErrorOut
from cunzhi.core.apikit.pagination import Pages
from cunzhi.learning import lessons, rules, selectors, services
from cunzhi.learning.models import TrainingSession
from cunzhi.people.models import User
from cunzhi.regions.models import Region

router = Router(tags=["learning"])

WRITE_ERRORS = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ValidationErrorOut}
CODE = Path(..., pattern=r"^\d{12}$")
PUBLIC_ID = Path(..., max_length=16)
KEY = Path(..., max_length=20)


class LearningStepOut(Schema):
    text: str
    picture: str = Field(description="The picture's file under /static/learning/lessons/, or empty.")


class LearningLessonOut(Schema):
    key: str
    title: str
    summary: str
    measured: bool = Field(description="Whether the figure counts who then does this task alone.")
    steps: list[LearningStepOut]


class LearningSessionOut(Schema):
    id: str
    village_code: str
    date: dt.date
    start_time: dt.time | None = Field(description="Local time it starts (null for sessions recorded before 2026-12).")
    end_time: dt.time | None = Field(description="Local time it ends, if recorded.")
    topic: str
    trainer_kind: str
    trainer_name: str
    place: str
    attendees: int


class LearningSessionIn(Schema):
    date: dt.date
    start_time: dt.time | None = Field(None, description="Local time it starts, HH:MM (required).")
    end_time: dt.time | None = Field(None, description="Local time it ends, HH:MM (optional).")
    topic: str = Field(..., max_length=20)
    trainer_kind: str = Field(..., max_length=20)
    trainer_name: str = Field(..., max_length=50)
    place: str = Field("", max_length=100)


class LearningAttendeeOut(Schema):
    villager: str = Field(description="The villager's public id.")
    name: str
    checked_in_at: dt.datetime
    alone: bool | None = Field(description="Did the session's task alone within 90 days since; null: not measured.")


class LearningAttendanceIn(Schema):
    villager: str = Field(..., max_length=16, description="The villager's public id.")


class LearningOutcomeOut(Schema):
    trained: int = Field(description="Villagers trained on a task that is measured (the n).")
    alone: int = Field(description="Of them, those who then did it alone within 90 days.")
    percent: int | None
    waiting: int = Field(description="Not yet, but still within their 90 days.")


def _lesson_out(lesson: lessons.Lesson) -> dict[str, object]:
    return {
        "key": lesson.key,
        "title": str(lesson.title),
        "summary": str(lesson.summary),
        "measured": bool(lesson.proof),
        "steps": [{"text": str(s.text), "picture": s.picture} for s in lesson.steps],
    }


def _session_out(s: TrainingSession, attendees: int) -> dict[str, object]:
    return {
        "id": s.public_id,
        "village_code": s.region_code,
        "date": s.date,
        "start_time": s.start_time,
        "end_time": s.end_time,
        "topic": s.topic,
        "trainer_kind": s.trainer_kind,
        "trainer_name": s.trainer_name,
        "place": s.place,
        "attendees": attendees,
    }


def _village(request: HttpRequest, code: str) -> Region:
    village = selectors.village_by_code(code=code)
    if village is None or not rules.can_see_village(request.user, village.code):
        raise Http404
    return village


def _session(request: HttpRequest, public_id: str) -> TrainingSession:
    session = selectors.session_by_public_id(public_id=public_id)
    if session is None or not rules.can_see_village(request.user, session.region_code):
        raise Http404
    return session


def _recorder(request: HttpRequest, village_code: str) -> User:
    if not rules.can_record(request.user, village_code) or not isinstance(request.user, User):
        raise ApiError(403, _("Training sessions are recorded by the village's cadres and grid workers."), "forbidden")
    return request.user


@router.get("/learning/lessons", auth=PUBLIC, response={200: list[LearningLessonOut], **LIST_ERRORS})
def lesson_list(request: HttpRequest) -> list[dict[str, object]]:
    """Every lesson with its steps, in the caller's language (public)."""
    return [_lesson_out(lesson) for lesson in lessons.LESSONS]


@router.get("/learning/lessons/{key}", auth=PUBLIC, response={200: LearningLessonOut, **OBJECT_ERRORS})
def lesson_detail(request: HttpRequest, key: str = KEY) -> dict[str, object]:
    found = lessons.lesson(key)
    if found is None:
        raise Http404
    return _lesson_out(found)


@router.get("/learning/villages/{code}/sessions", response={200: list[LearningSessionOut], **LIST_ERRORS})
@paginate(Pages)
def session_list(request: HttpRequest, code: str = CODE) -> list[dict[str, object]]:
    """The village's sessions, newest first (its cadres, grid workers, supervisors; county administrators)."""
    rows = selectors.sessions_of(village=_village(request, code))
    # `attendees` is the count sessions_of annotates.
    return [_session_out(s, s.attendees) for s in rows]  # type: ignore[attr-defined]


@router.post("/learning/villages/{code}/sessions", response={201: LearningSessionOut, **WRITE_ERRORS})
def session_create(request: HttpRequest, payload: LearningSessionIn, code: str = CODE) -> Status:
    """Record a session: date, start time (and end time), lesson (a key of /learning/lessons), trainer kind
    (cadre, grid_worker, volunteer) and name."""
    village = _village(request, code)
    actor = _recorder(request, village.code)
    try:
        session = services.session_record(village=village, actor=actor, **payload.dict())
    except PermissionDenied:
        raise ApiError(403, _("You may not do this."), "forbidden") from None
    except ValidationError as exc:
        raise ApiError(422, exc.messages[0], "invalid") from None
    return Status(201, _session_out(session, 0))


@router.get("/learning/sessions/{public_id}", response={200: LearningSessionOut, **OBJECT_ERRORS})
def session_detail(request: HttpRequest, public_id: str = PUBLIC_ID) -> dict[str, object]:
    session = _session(request, public_id)
    return _session_out(session, session.attendances.count())


def _attendees(session: TrainingSession) -> list[dict[str, object]]:
    return [
        {
            "villager": a.villager.public_id,
            "name": a.villager.name,
            "checked_in_at": a.created_at,
            "alone": vars(a)["alone"],
        }
        for a in selectors.attendees(session=session)
    ]


@router.get("/learning/sessions/{public_id}/attendance", response={200: list[LearningAttendeeOut], **LIST_ERRORS})
def attendance_list(request: HttpRequest, public_id: str = PUBLIC_ID) -> list[dict[str, object]]:
    """Who attended, each with whether they now do the session's task alone."""
    return _attendees(_session(request, public_id))


@router.post("/learning/sessions/{public_id}/attendance", response={201: LearningAttendeeOut, **WRITE_ERRORS})
def attendance_create(request: HttpRequest, payload: LearningAttendanceIn, public_id: str = PUBLIC_ID) -> Status:
    """Check a villager of the village in (checking in twice keeps the first)."""
    session = _session(request, public_id)
    actor = _recorder(request, session.region_code)
    person = selectors.villager_by_public_id(village_code=session.region_code, public_id=payload.villager)
    if person is None:
        raise ApiError(422, _("Choose a villager of the village."), "invalid")
    try:
        services.attendance_check_in(session=session, villager=person, actor=actor)
    except ValidationError as exc:
        raise ApiError(422, exc.messages[0], "invalid") from None
    return Status(201, next(a for a in _attendees(session) if a["villager"] == person.public_id))


@router.get("/learning/villages/{code}/outcome", response={200: LearningOutcomeOut, **OBJECT_ERRORS})
def outcome(request: HttpRequest, code: str = CODE) -> dict[str, object]:
    """Trained, and now does it alone (within 90 days, not through a helper), with n. Never views or clicks."""
    return selectors.outcome(village=_village(request, code), now=timezone.now())
