"""Indicators of the domains, read from their tables by one grouped query each (cross-domain reads only).

Kept here rather than in each domain so that the figures table is defined in one place; each function
follows the counting rules of domain.md.
"""

import datetime as dt

from django.db.models import Count, Q
from django.utils.translation import gettext_lazy as _

from cunzhi.insights.registry import Indicator, group_key


def _rows(qs, field: str, length: int, **aggregates) -> list[dict]:
    return list(qs.values(k=group_key(field, length)).annotate(**aggregates).order_by())


# --- concerns: the three rates (domain.md) ------------------------------------------------------------
def _concerns(prefix, start, end):
    from cunzhi.concerns.models import Concern, Status

    return Concern.objects.filter(
        region_code__startswith=prefix, dispatched_at__gte=start, dispatched_at__lt=end
    ).exclude(status=Status.MERGED)


def concerns_response(*, prefix, length, start, end):
    rows = _rows(
        _concerns(prefix, start, end),
        "region_code",
        length,
        n=Count("id", filter=Q(answered_in_time=True)),
        d=Count("id"),
    )
    return {r["k"]: (r["n"], r["d"]) for r in rows}


def concerns_resolution(*, prefix, length, start, end):
    from cunzhi.concerns.models import Status

    rows = _rows(
        _concerns(prefix, start, end),
        "region_code",
        length,
        n=Count("id", filter=Q(status=Status.RESOLVED)),
        d=Count("id"),
    )
    return {r["k"]: (r["n"], r["d"]) for r in rows}


def concerns_satisfaction(*, prefix, length, start, end):
    from cunzhi.concerns.models import Rating

    rows = _rows(
        _concerns(prefix, start, end).exclude(rating=""),
        "region_code",
        length,
        n=Count("id", filter=Q(rating__in=[Rating.SATISFIED, Rating.BASICALLY])),
        d=Count("id"),
    )
    return {r["k"]: (r["n"], r["d"]) for r in rows}


INDICATORS = [
    Indicator(
        key="concerns_response",
        label=_("Concerns answered on time"),
        compute=concerns_response,
        domain=_("Concerns"),
        help=_(
            "Response rate: concerns dispatched in the period and answered before their deadline, out of "
            "all concerns dispatched in the period."
        ),
    ),
    Indicator(
        key="concerns_resolution",
        label=_("Concerns resolved"),
        compute=concerns_resolution,
        domain=_("Concerns"),
        help=_(
            "Resolution rate: concerns dispatched in the period that the villager confirmed as resolved, "
            "out of all concerns dispatched in the period."
        ),
    ),
    Indicator(
        key="concerns_satisfaction",
        label=_("Satisfied with the answer"),
        compute=concerns_satisfaction,
        domain=_("Concerns"),
        help=_(
            "Satisfaction rate: concerns rated satisfied or basically satisfied, out of the rated "
            "concerns dispatched in the period."
        ),
    ),
]


# --- consultations: who took part, and what became of what they said ------------------------------
def consultation_participants(*, prefix, length, start, end):
    from cunzhi.consultations.models import Comment

    rows = _rows(
        Comment.objects.filter(region_code__startswith=prefix, created_at__gte=start, created_at__lt=end),
        "region_code",
        length,
        n=Count("villager", distinct=True),
    )
    return {r["k"]: (r["n"], None) for r in rows}


def consultation_adoption(*, prefix, length, start, end):
    from cunzhi.consultations.models import Comment, Outcome

    rows = _rows(
        Comment.objects.filter(region_code__startswith=prefix, outcome_at__gte=start, outcome_at__lt=end).exclude(
            outcome=""
        ),
        "region_code",
        length,
        n=Count("id", filter=Q(outcome__in=[Outcome.ADOPTED, Outcome.PARTLY])),
        d=Count("id"),
    )
    return {r["k"]: (r["n"], r["d"]) for r in rows}


INDICATORS += [
    Indicator(
        key="consultation_participants",
        label=_("Villagers commenting on drafts"),
        kind="count",
        compute=consultation_participants,
        domain=_("Consultations"),
        help=_(
            "Villagers who commented on a draft rule or policy in the period (each counted once, in "
            "their own village), those living away included."
        ),
    ),
    Indicator(
        key="consultation_adoption",
        label=_("Comments adopted"),
        compute=consultation_adoption,
        domain=_("Consultations"),
        help=_(
            "Comments the owner adopted in full or in part, out of the comments answered in the period's "
            "response reports."
        ),
    ),
]


# --- applications: decided within the promised time ------------------------------------------------
def applications_on_time(*, prefix, length, start, end):
    from django.db.models import F

    from cunzhi.applications.models import Application, Status

    rows = _rows(
        Application.objects.filter(
            region_code__startswith=prefix,
            finished_at__gte=start,
            finished_at__lt=end,
            status__in=[Status.APPROVED, Status.REJECTED],
        ),
        "region_code",
        length,
        n=Count("id", filter=Q(finished_at__lte=F("promised_due_at"))),
        d=Count("id"),
    )
    return {r["k"]: (r["n"], r["d"]) for r in rows}


INDICATORS += [
    Indicator(
        key="applications_on_time",
        label=_("Applications decided on time"),
        compute=applications_on_time,
        domain=_("Services"),
        help=_(
            "Applications approved or rejected in the period within the processing time promised in the "
            "service catalogue, out of all applications decided in the period."
        ),
    ),
]


# --- disclosure: published by the deadline ----------------------------------------------------------
def disclosure_on_time(*, prefix, length, start, end):
    from django.db.models import F
    from django.utils import timezone

    from cunzhi.disclosure.models import DueItem

    # Disclosures due in the period whose deadline has come; published on or before that day counts.
    last = min(timezone.localtime(end).date(), timezone.localdate() + dt.timedelta(days=1))
    rows = _rows(
        DueItem.objects.filter(
            region_code__startswith=prefix, due_date__gte=timezone.localtime(start).date(), due_date__lt=last
        ),
        "region_code",
        length,
        n=Count("id", filter=Q(published_at__date__lte=F("due_date"))),
        d=Count("id"),
    )
    return {r["k"]: (r["n"], r["d"]) for r in rows}


INDICATORS += [
    Indicator(
        key="disclosure_on_time",
        label=_("Disclosed on time"),
        compute=disclosure_on_time,
        domain=_("Disclosure"),
        help=_(
            "Party, village and finance disclosures due in the period (deadline reached) that were "
            "published by their deadline, out of all those due."
        ),
    ),
]
