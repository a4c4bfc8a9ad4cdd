"""Demo data for learning: 余村's cadre records today's training session on raising a concern, with three
villagers checked in at the desk; one of them then raises a concern alone (on their own account, no helper),
so the village's figure "now does it alone" shows 1 of 3.

The attendees are villagers of 余村 with an account who have not raised a concern themselves yet in the demo
(the demo's other concerns are written now, with their story's dates, so their audit rows would count).
"""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from cunzhi.concerns import services as concerns
from cunzhi.concerns.models import Category, Kind
from cunzhi.core.models import AuditEvent
from cunzhi.learning import services
from cunzhi.people.models import Villager
from cunzhi.regions.models import Region

MAIN_VILLAGE = "330523100201"  # 余村


def _started(today: dt.date) -> dt.time:
    """Nine in the morning, or earlier when the demo is built before then: the attendee's concern, raised
    as the demo is built, must come after the session began to count."""
    earlier = timezone.localtime() - dt.timedelta(minutes=30)
    if earlier.date() != today:
        return dt.time(0, 0)
    return min(dt.time(9, 0), earlier.time().replace(second=0, microsecond=0))


def seed(*, rng, today: dt.date, logins: dict) -> dict:
    """The training session in 余村 and its outcome; returns counts for the summary."""
    village = Region.objects.get(code=MAIN_VILLAGE)
    cadre = logins["cadre"]
    session = services.session_record(
        village=village,
        date=today,
        start_time=_started(today),
        end_time=None,
        topic="concern",
        trainer_kind="cadre",
        trainer_name=cadre.name,
        place="村文化礼堂",
        actor=cadre,
    )
    raised = AuditEvent.objects.filter(action="concern.submit", actor__isnull=False).values("actor")
    people = list(
        Villager.objects.filter(region_code=MAIN_VILLAGE, user__isnull=False)
        .exclude(user__in=raised)
        .exclude(user__in=[u.pk for u in logins.values()])
        .select_related("user")
        .order_by("pk")[:3]
    )
    if len(people) < 3:  # a smaller demo county: elderly neighbours without an account fill the desk
        people += list(
            Villager.objects.filter(region_code=MAIN_VILLAGE, user__isnull=True).order_by("pk")[: 3 - len(people)]
        )
    for v in people:
        services.attendance_check_in(session=session, villager=v, actor=cadre)
    alone = next((v for v in people if v.user_id), None)
    if alone is not None:
        category = Category.objects.filter(code="roads").first() or Category.objects.order_by("pk").first()
        concerns.concern_submit(
            actor=alone.user,
            category=category,
            kind=Kind.REPORT,
            text="培训后自己试一试：村口的垃圾桶满了两天没人清运。",
        )
    return {"learning_sessions": 1, "learning_attendees": len(people)}
