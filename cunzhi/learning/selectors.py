"""Reads: lessons' sessions, attendees, the desk's search, and the outcome "now does it alone".

The outcome reads the audit rows (core): a domain records one row per state change with who acted and
for whom (concerns, applications, meetings, people). A trained villager "does it alone" when, between the
start of the session's day and 90 days later, their own account did the session's task (an action of
the lesson's `proof`) for nobody else and not through a helper: a helper's or staff's row names another
actor (and the villager in `on_behalf_of`), so it never counts. Learning cannot import the feature
domains (the layers); the audit rows say the same as their `raised_by`/`submitted_by` fields.
Lesson views, clicks and time spent are never counted (domain.md).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.db.models.fields.json import KT
from django.db.models.lookups import Exact

from cunzhi.core.figures import as_rates, grouped
from cunzhi.core.models import AuditEvent
from cunzhi.learning import lessons
from cunzhi.learning.models import TrainingAttendance, TrainingSession
from cunzhi.learning.rules import SEE_ROLES
from cunzhi.people.actors import AnyUser
from cunzhi.people.models import Villager
from cunzhi.people.rules import scope_q
from cunzhi.regions.models import Level, Region


def village_by_code(*, code: str) -> Region | None:
    return Region.objects.filter(code=code, level=Level.VILLAGE).select_related("parent").first()


def _did_it_alone() -> Exists:
    """Per attendance (an outer TrainingAttendance row): the villager's own account did the session's
    task, for nobody else, within the session's outcome window."""
    topic_q = Q()
    for key, actions in lessons.measured().items():
        topic_q |= Q(Exact(OuterRef("session__topic"), key), action__in=actions)
    # Their account, for nobody else: a helper's row names the helper as actor.
    by_account = Q(actor=OuterRef("villager__user")) & (
        Q(on_behalf_of__isnull=True) | Q(on_behalf_of=OuterRef("villager"))
    )
    # A villager without an account who texted from their own roster number: the row has no actor and
    # names them as `texted_by` (concerns.replies). A number also registered to someone else (a helper's
    # phone, a shared household phone) is marked `number_shared` and never counts, with or without account.
    by_own_text = Q(actor__isnull=True, texted_by=OuterRef("villager__public_id"))
    return Exists(
        AuditEvent.objects.annotate(texted_by=KT("after__texted_by"))
        .filter(
            topic_q,
            created_at__gte=OuterRef("session__starts_at"),
            created_at__lt=OuterRef("session__outcome_until"),
        )
        .filter(by_account | by_own_text)
        .exclude(after__has_key="number_shared")
    )


def _measured() -> Q:
    return Q(session__topic__in=list(lessons.measured()))


def _trained_in(prefix: str, start: dt.datetime, end: dt.datetime) -> QuerySet[TrainingAttendance]:
    return TrainingAttendance.objects.filter(
        _measured(), region_code__under=prefix, session__starts_at__gte=start, session__starts_at__lt=end
    )


def figures_does_it_alone_cases(*, prefix: str, start: dt.datetime, end: dt.datetime) -> tuple[QuerySet[Villager], Q]:
    """The villagers `figures_does_it_alone` counts (trained in the period, the N) and the filter of those who
    then did the task alone (the n): one definition for the figure and insights' drill-through."""
    trained = _trained_in(prefix, start, end)
    alone = trained.annotate(alone=_did_it_alone()).filter(alone=True, villager=OuterRef("pk"))
    return Villager.objects.filter(pk__in=trained.values("villager")).annotate(alone=Exists(alone)), Q(alone=True)


def sessions_of(*, village: Region) -> QuerySet[TrainingSession]:
    """The village's sessions, newest first, with how many attended (one query)."""
    return TrainingSession.objects.filter(region_code=village.code).annotate(attendees=Count("attendances"))


def session_by_public_id(*, public_id: str) -> TrainingSession | None:
    return TrainingSession.objects.filter(public_id=public_id).select_related("village").first()


def attendees(*, session: TrainingSession) -> list[TrainingAttendance]:
    """Who attended, in check-in order, each with `alone` (did the task alone since; None: not measured)."""
    qs = TrainingAttendance.objects.filter(session=session).select_related("villager__household", "checked_in_by")
    if session.topic not in lessons.measured():
        rows = list(qs)
        for r in rows:
            vars(r)["alone"] = None
        return rows
    return list(qs.annotate(alone=_did_it_alone()))


def desk_search(*, session: TrainingSession, term: str, limit: int = 20) -> list[Villager]:
    """Villagers of the session's village matching a name or the start of its pinyin (as the meetings'
    desk finds members), each with `present` when already checked in."""
    term = (term or "").strip()
    if not term:
        return []
    compact = term.lower().replace(" ", "")
    rows = list(
        Villager.objects.filter(region_code=session.region_code)
        .filter(Q(name__contains=term) | Q(name_pinyin__startswith=compact))
        .select_related("household")
        .order_by("name_pinyin", "pk")[:limit]
    )
    present = set(
        TrainingAttendance.objects.filter(session=session, villager__in=rows).values_list("villager_id", flat=True)
    )
    for v in rows:
        vars(v)["present"] = v.pk in present
    return rows


def villager_by_public_id(*, village_code: str, public_id: str) -> Villager | None:
    return Villager.objects.filter(region_code=village_code, public_id=public_id).first()


def outcome(*, village: Region, now: dt.datetime) -> dict[str, Any]:
    """The village's figure: villagers trained on a measured task (n), how many of them now do it alone,
    and how many are still within their 90 days without having done it yet. Two queries."""
    rows = (
        TrainingAttendance.objects.filter(_measured(), region_code=village.code)
        .annotate(alone=_did_it_alone())
        .values("villager_id", "alone", "session__outcome_until")
    )
    trained: set[int] = set()
    alone: set[int] = set()
    open_: set[int] = set()
    for r in rows:
        trained.add(r["villager_id"])
        if r["alone"]:
            alone.add(r["villager_id"])
        elif r["session__outcome_until"] > now:
            open_.add(r["villager_id"])
    by_topic = dict(
        TrainingAttendance.objects.filter(_measured(), region_code=village.code)
        .values_list("session__topic")
        .annotate(n=Count("villager", distinct=True))
        .order_by()
    )
    return {
        "trained": len(trained),
        "alone": len(alone),
        "percent": round(100 * len(alone) / len(trained)) if trained else None,
        "waiting": len(open_ - alone),
        "by_topic": [(lesson.title, by_topic[lesson.key]) for lesson in lessons.LESSONS if lesson.key in by_topic],
    }


# ---------------------------------------------------------------- figures (insights reads these; core/figures.py)


def figures_does_it_alone(
    *, prefix: str, length: int, start: dt.datetime, end: dt.datetime
) -> dict[str, tuple[int, int | None]]:
    """Villagers trained in the period on a task that can be measured (the denominator: everyone trained),
    and how many of them then did it alone within 90 days. Never lesson views, clicks or time spent."""
    qs = _trained_in(prefix, start, end).annotate(alone=_did_it_alone())
    return as_rates(
        grouped(
            qs,
            "region_code",
            length,
            n=Count("villager", distinct=True, filter=Q(alone=True)),
            d=Count("villager", distinct=True),
        )
    )


def villages_for(*, user: AnyUser) -> QuerySet[Region]:
    """The villages whose sessions the user sees (learning.rules.SEE_ROLES), by code."""
    return Region.objects.filter(scope_q(user, SEE_ROLES, field="code"), level=Level.VILLAGE).order_by("code")


def sessions_for_villager(*, villager: Villager, limit: int = 10) -> QuerySet[TrainingSession]:
    """The village's recent sessions, for a villager to show their check-in code."""
    return TrainingSession.objects.filter(region_code=villager.region_code)[:limit]


def attended_since(*, since: dt.datetime, until: dt.datetime | None = None) -> list[dict[str, Any]]:
    """Who was checked in at a training session held since `since` (and by `until`): the outcome points may be
    proposed from (points/outcomes.py). One plain row per attendance with a stable `key`; the title is the
    lesson's, in the active language."""
    qs = TrainingAttendance.objects.filter(session__starts_at__gte=since, villager__household__isnull=False)
    if until is not None:
        qs = qs.filter(session__starts_at__lte=until)
    rows = qs.values(
        "session__public_id", "session__topic", "session__date", "region_code", "villager_id", "villager__household_id"
    ).order_by("session__starts_at", "pk")[:20000]
    out = []
    for r in rows:
        lesson = lessons.lesson(r["session__topic"])
        out.append(
            {
                "key": f"training:{r['session__public_id']}:{r['villager_id']}",
                "village_code": r["region_code"][:12],
                "household_id": r["villager__household_id"],
                "villager_id": r["villager_id"],
                "day": r["session__date"],
                "title": str(lesson.title) if lesson is not None else r["session__topic"],
            }
        )
    return out
