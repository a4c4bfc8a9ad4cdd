"""Demo figures: a village whose answers bunch in the last hour before the deadline (a surface-use flag
the other demo parts do not produce), then the daily roll-ups of the demo's history, computed the way
the nightly job does.

Runs last, after every domain has written its cases, so the figures page, its trends and the one table
read stored roll-ups from the first request. The roll-up skips empty spans in one query each, so a
year of sparse demo history costs a few hundred grouped queries.
"""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from cunzhi.concerns import services as concern_services
from cunzhi.concerns.models import Category, Channel, Kind
from cunzhi.insights import services
from cunzhi.people.models import Role, RoleAssignment, Villager
from cunzhi.regions.models import Level, Region

HISTORY_DAYS = 400
MAIN_VILLAGE = "330523100201"


def _last_hour_answers(*, rng, now: dt.datetime) -> int:
    """In the first other village with a party secretary: six phoned-in concerns, each answered about half
    an hour before its answer deadline (recorded as the cadre would, on the day)."""
    for village in Region.objects.filter(level=Level.VILLAGE).exclude(code=MAIN_VILLAGE).order_by("code"):
        leader = RoleAssignment.objects.filter(region_prefix=village.code, role=Role.PARTY_SECRETARY).first()
        people = list(
            Villager.objects.filter(region_code__startswith=village.code, user__isnull=True).order_by("id")[:6]
        )
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


def seed(*, rng, today: dt.date, logins: dict) -> dict:
    bunched = _last_hour_answers(rng=rng, now=timezone.now())
    days, rows = services.rollup_range(today - dt.timedelta(days=HISTORY_DAYS), today - dt.timedelta(days=1))
    return {"concerns answered in the last hour": bunched, "figure rollup days": days, "figure rollup rows": rows}
