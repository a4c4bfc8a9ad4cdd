"""Writes: recording a training session and checking its attendees in."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cunzhi.core.audit import audit_record
from cunzhi.learning import lessons, rules
from cunzhi.learning.events import LearningEvent
from cunzhi.learning.models import TrainerKind, TrainingAttendance, TrainingSession
from cunzhi.people.models import User, Villager
from cunzhi.regions.models import Level as RegionLevel
from cunzhi.regions.models import Region


def session_record(
    *,
    village: Region,
    date: dt.date,
    topic: str,
    trainer_kind: str,
    trainer_name: str,
    place: str = "",
    start_time: dt.time | None = None,
    end_time: dt.time | None = None,
    actor: User,
) -> TrainingSession:
    """Record a training session the village held (or is holding) on one lesson's task, from its start
    time (and, if given, to its end time), local time."""
    if village.level != RegionLevel.VILLAGE or not rules.can_record(actor, village.code):
        raise PermissionDenied
    errors: dict[str, str] = {}
    trainer_name = (trainer_name or "").strip()[:50]
    place = (place or "").strip()[:100]
    if lessons.lesson(topic) is None:
        errors["topic"] = _("Choose the lesson the session taught.")
    if trainer_kind not in TrainerKind.values:
        errors["trainer_kind"] = _("Choose whether the trainer is a cadre, a grid worker or a volunteer.")
    if not trainer_name:
        errors["trainer_name"] = _("Write the trainer's name.")
    if date > timezone.localdate() + dt.timedelta(days=60):
        errors["date"] = _("A session is recorded at most two months ahead.")
    if start_time is None:
        errors["start_time"] = _("Write the time the session starts.")
    elif end_time is not None and end_time <= start_time:
        errors["end_time"] = _("The session must end after it starts.")
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        session = TrainingSession.objects.create(
            village=village,
            date=date,
            start_time=start_time,
            end_time=end_time,
            topic=topic,
            trainer_kind=trainer_kind,
            trainer_name=trainer_name,
            place=place,
            recorded_by=actor,
        )
        audit_record(
            actor=actor,
            action=LearningEvent.SESSION_RECORD,
            obj=session,
            after={
                "date": date.isoformat(),
                "start_time": start_time.isoformat(timespec="minutes") if start_time else "",
                "end_time": end_time.isoformat(timespec="minutes") if end_time else "",
                "topic": topic,
                "trainer_kind": trainer_kind,
            },
        )
    return session


def attendance_check_in(
    *, session: TrainingSession, villager: Villager, actor: User, by_code: bool = False
) -> tuple[TrainingAttendance, bool]:
    """Check a villager of the session's village in; checking in twice keeps the first. (row, created)"""
    if not rules.can_record(actor, session.region_code):
        raise PermissionDenied
    if villager.region_code != session.region_code:
        raise ValidationError(_("Only villagers of the village can be checked in at its session."))
    existing = TrainingAttendance.objects.filter(session=session, villager=villager).first()
    if existing is not None:
        return existing, False
    try:
        with transaction.atomic():
            row = TrainingAttendance.objects.create(
                session=session,
                villager=villager,
                region_code=session.region_code,
                by_code=by_code,
                checked_in_by=actor,
            )
            audit_record(
                actor=actor,
                action=LearningEvent.ATTENDANCE_CHECK_IN,
                obj=session,
                after={"villager": villager.public_id, "by_code": by_code},
            )
    except IntegrityError:  # the same villager checked in at two desks at once
        return TrainingAttendance.objects.get(session=session, villager=villager), False
    return row, True
