"""Reads for village organisations: lists by region, pages, the desk search, and the confirmed participation
other domains read (points proposes points from it; insights counts it). No query per row on lists."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet, Sum
from django.utils import timezone

from cunzhi.core.figures import as_counts, as_rates, grouped
from cunzhi.organisations.models import (
    Activity,
    ActivityStatus,
    Handover,
    HandoverWork,
    Membership,
    Organisation,
    Participant,
)
from cunzhi.people.actors import AnyUser
from cunzhi.people.models import Household, Villager
from cunzhi.people.selectors import adult_cutoff
from cunzhi.regions.models import Level, Region


def region_by_code(*, code: str) -> Region | None:
    return Region.objects.filter(code=code, level__in=(Level.VILLAGE, Level.TOWNSHIP)).first()


def organisations_of(*, region: Region) -> QuerySet[Organisation]:
    """A village's organisations and its township's; a township's own. With member counts (no query per row)."""
    codes = [region.code]
    if region.level == Level.VILLAGE and region.parent is not None:
        codes.append(region.parent.code)
    return (
        Organisation.objects.filter(region_code__in=codes, active=True)
        .select_related("region")
        .annotate(member_count=Count("memberships"))
        .order_by("-region_code", "kind", "name")
    )


def organisation_by_public_id(*, public_id: str) -> Organisation | None:
    return Organisation.objects.filter(public_id=public_id).select_related("region").first()


def leaders(*, organisation: Organisation) -> list[Membership]:
    return list(organisation.memberships.filter(is_leader=True).select_related("villager"))


def members(*, organisation: Organisation) -> list[Membership]:
    return list(organisation.memberships.select_related("villager"))


def membership_by_id(*, organisation: Organisation, pk: int) -> Membership | None:
    return organisation.memberships.filter(pk=pk).select_related("villager", "organisation__region").first()


def activities_of(*, organisation: Organisation) -> QuerySet[Activity]:
    return Activity.objects.filter(organisation=organisation).annotate(
        taken=Count("participants", filter=Q(participants__withdrawn_at__isnull=True))
    )


def activity_by_public_id(*, public_id: str) -> Activity | None:
    return (
        Activity.objects.filter(public_id=public_id)
        .select_related("organisation__region")
        .annotate(taken=Count("participants", filter=Q(participants__withdrawn_at__isnull=True)))
        .first()
    )


def participants(*, activity: Activity) -> list[Participant]:
    return list(Participant.objects.filter(activity=activity, withdrawn_at__isnull=True).select_related("villager"))


def participant_by_id(*, activity: Activity, pk: int) -> Participant | None:
    return Participant.objects.filter(activity=activity, pk=pk).select_related("villager").first()


def participant_of(*, activity: Activity, villager_ids: list[int]) -> list[Participant]:
    return list(Participant.objects.filter(activity=activity, villager_id__in=villager_ids).select_related("villager"))


def desk_search(*, activity: Activity, term: str, limit: int = 20) -> list[Participant]:
    """Signed-up villagers matching a name or the start of its pinyin."""
    term = (term or "").strip()
    if not term:
        return []
    compact = term.lower().replace(" ", "")
    return list(
        Participant.objects.filter(activity=activity, withdrawn_at__isnull=True)
        .filter(Q(name__contains=term) | Q(name_pinyin__startswith=compact))
        .select_related("villager")[:limit]
    )


def villager_candidates(*, organisation: Organisation, term: str, limit: int = 10) -> list[Villager]:
    """Villagers of the organisation's area matching a name, pinyin or phone (adding members)."""
    term = (term or "").strip()
    if not term:
        return []
    code = organisation.region_code[:9] if organisation.region.level == Level.TOWNSHIP else organisation.region_code
    q = Q(name__contains=term) | Q(name_pinyin__startswith=term.lower().replace(" ", ""))
    if term.isdigit() and len(term) >= 4:
        q |= Q(phone__endswith=term)
    return list(Villager.objects.filter(q, region_code__under=code).select_related("household")[:limit])


# ---------------------------------------------------------------- what other domains read


Figures = dict[str, tuple[int, int | None]]  # core/figures.py: {child code: (numerator, denominator)}


@dataclass(frozen=True)
class ConfirmedParticipation:
    """One villager's confirmed participation in an activity (hours > 0), for points and figures."""

    key: str  # stable: "activity public id:villager id", so a proposal is made once
    village_code: str
    household_id: int | None
    villager_id: int
    day: dt.date
    hours: Decimal
    title: str
    organisation: str


def confirmed_participations(*, since: dt.datetime, region_code: str = "") -> list[ConfirmedParticipation]:
    """Participations whose hours were confirmed since `since` (hours > 0), oldest first."""
    qs = Participant.objects.filter(
        confirmed_at__gte=since, hours__gt=0, activity__status=ActivityStatus.DONE, withdrawn_at__isnull=True
    ).select_related("activity__organisation", "villager")
    if region_code:
        qs = qs.filter(villager__region_code__under=region_code)
    return [
        ConfirmedParticipation(
            key=f"{p.activity.public_id}:{p.villager_id}",
            village_code=p.villager.region_code[:12],
            household_id=p.household_id,
            villager_id=p.villager_id,
            day=timezone.localdate(p.activity.starts_at),
            hours=p.hours,
            title=p.activity.title,
            organisation=p.activity.organisation.name,
        )
        for p in qs.order_by("confirmed_at", "pk")[:5000]
    ]


@dataclass(frozen=True)
class OrgFigures:
    activities: int  # activities whose hours were confirmed
    hours: Decimal
    volunteers: int  # distinct villagers with confirmed hours
    households: int  # distinct households with confirmed hours


def figures(*, region_code: str, since: dt.datetime | None = None) -> OrgFigures:
    """Activities with confirmed hours, the hours, and distinct volunteers, of villagers under `region_code`."""
    qs = Participant.objects.filter(
        villager__region_code__under=region_code, hours__gt=0, activity__status=ActivityStatus.DONE
    )
    if since is not None:
        qs = qs.filter(confirmed_at__gte=since)
    agg = qs.aggregate(
        activities=Count("activity", distinct=True),
        hours=Sum("hours"),
        volunteers=Count("villager", distinct=True),
        households=Count("household", distinct=True),
    )
    return OrgFigures(
        activities=agg["activities"] or 0,
        hours=agg["hours"] or Decimal("0"),
        volunteers=agg["volunteers"] or 0,
        households=agg["households"] or 0,
    )


# ---------------------------------------------------------------- figures for insights (core/figures.py)


def _confirmed_in(start: dt.datetime, end: dt.datetime) -> QuerySet[Participant]:
    return Participant.objects.filter(
        hours__gt=0,
        activity__status=ActivityStatus.DONE,
        withdrawn_at__isnull=True,
        confirmed_at__gte=start,
        confirmed_at__lt=end,
    )


def figures_activities(
    *, prefix: str, length: int, start: dt.datetime, end: dt.datetime
) -> dict[str, tuple[int, int | None]]:
    """Activities whose hours the organiser confirmed in the period (by the organisation's region)."""
    qs = figures_activities_cases(prefix=prefix, start=start, end=end)
    return as_counts(grouped(qs, "region_code", length, n=Count("id")))


def figures_activities_cases(*, prefix: str, start: dt.datetime, end: dt.datetime) -> QuerySet[Activity]:
    """The activities `figures_activities` counts: one definition for the figure and insights' drill-through."""
    return Activity.objects.filter(
        region_code__under=prefix, status=ActivityStatus.DONE, confirmed_at__gte=start, confirmed_at__lt=end
    )


def activities_readable(user: AnyUser) -> QuerySet[Activity]:
    """Activities anyone may open (an activity's page is public; who took part is the organisers' alone)."""
    return Activity.objects.all()


def figures_hours(
    *, prefix: str, length: int, start: dt.datetime, end: dt.datetime
) -> dict[str, tuple[int, int | None]]:
    """Hours confirmed in the period, whole hours, by the volunteers' villages."""
    qs = _confirmed_in(start, end).filter(villager__region_code__under=prefix)
    rows = grouped(qs, "villager__region_code", length, n=Sum("hours"))
    return {r["k"]: (int(r["n"] or 0), None) for r in rows}


def figures_volunteers(
    *, prefix: str, length: int, start: dt.datetime, end: dt.datetime
) -> dict[str, tuple[int, int | None]]:
    """Volunteers per 100 adults: adults with confirmed hours in the period, of all adults (the n)."""
    qs, gave = figures_volunteers_cases(prefix=prefix, start=start, end=end)
    return as_rates(grouped(qs, "region_code", length, n=Count("id", filter=gave), d=Count("id")))


def figures_volunteers_cases(*, prefix: str, start: dt.datetime, end: dt.datetime) -> tuple[QuerySet[Villager], Q]:
    """The adults `figures_volunteers` counts (the N) and the filter of those with confirmed hours (the n):
    one definition for the figure and insights' drill-through."""
    gave = _confirmed_in(start, end).filter(villager=OuterRef("pk"))
    qs = Villager.objects.filter(region_code__under=prefix, birth_date__lte=adult_cutoff(end.date())).annotate(
        gave=Exists(gave)
    )
    return qs, Q(gave=True)


def figures_volunteers_events(
    *, prefix: str, start: dt.datetime, end: dt.datetime, period_end: dt.datetime
) -> QuerySet[Participant]:
    """The confirmed hours `figures_volunteers` counts an adult for, as rows of (who, code, at): adults on the
    last day of the period (`period_end`), as the figure counts them. Insights stores per day the people
    counted for the first time in a month, quarter or year."""
    return (
        _confirmed_in(start, end)
        .filter(villager__region_code__under=prefix, villager__birth_date__lte=adult_cutoff(period_end.date()))
        .annotate(who=F("villager_id"), code=F("villager__region_code"), at=F("confirmed_at"))
    )


def figures_households(
    *, prefix: str, length: int, start: dt.datetime, end: dt.datetime
) -> dict[str, tuple[int, int | None]]:
    """Households with a member whose hours were confirmed in the period, of all households."""
    qs, gave = figures_households_cases(prefix=prefix, start=start, end=end)
    return as_rates(grouped(qs, "region_code", length, n=Count("id", filter=gave), d=Count("id")))


def figures_households_cases(*, prefix: str, start: dt.datetime, end: dt.datetime) -> tuple[QuerySet[Household], Q]:
    """The households `figures_households` counts (the N) and the filter of those volunteering (the n)."""
    gave = _confirmed_in(start, end).filter(household=OuterRef("pk"))
    return Household.objects.filter(region_code__under=prefix).annotate(gave=Exists(gave)), Q(gave=True)


def figures_households_events(
    *, prefix: str, start: dt.datetime, end: dt.datetime, period_end: dt.datetime
) -> QuerySet[Participant]:
    """The confirmed hours `figures_households` counts a household for, as rows of (who, code, at)."""
    return (
        _confirmed_in(start, end)
        .filter(household__region_code__under=prefix)
        .annotate(who=F("household_id"), code=F("household__region_code"), at=F("confirmed_at"))
    )


def handovers_of(*, organisation: Organisation) -> QuerySet[Handover]:
    """Concerns handed to the organisation, newest first, with the concern (no query per row)."""
    return Handover.objects.filter(organisation=organisation).select_related(
        "concern", "concern__category", "organisation"
    )


def handover_by_public_id(*, public_id: str) -> Handover | None:
    return (
        Handover.objects.filter(public_id=public_id)
        .select_related("concern", "concern__category", "organisation__region", "handed_by")
        .first()
    )


def handover_work(*, handover: Handover) -> list[HandoverWork]:
    return list(handover.work.all())


def organisations_for_concern(*, region_code: str) -> list[Organisation]:
    """The active organisations a concern of this village may be handed to: the village's and its township's."""
    return list(
        Organisation.objects.filter(region_code__in=[region_code[:12], region_code[:9] + "000"], active=True)
        .select_related("region")
        .order_by("-region_code", "kind", "name")
    )
