"""Reads for concerns. Lists are scope-filtered, paginated by the caller, and run a fixed number of queries.

Scope filters use explicit code ranges (`region_code >= p AND region_code < p+1`), not LIKE: a
range uses the (region_code, ...) indexes on SQLite and PostgreSQL alike, whatever the collation.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.db.models import Count, F, Q, QuerySet
from django.db.models.functions import Substr
from django.utils import timezone
from django.utils.translation import get_language

from cunzhi.core.figures import as_rates, grouped
from cunzhi.core.models import AuditEvent
from cunzhi.people import rules as people_rules
from cunzhi.people import selectors as people_selectors
from cunzhi.people.actors import AnyUser
from cunzhi.people.models import DelegationScope, Office, Role, User, Villager
from cunzhi.people.rules import STAFF_ROLES
from cunzhi.regions.models import Region

from . import rules
from .models import (
    OPEN_STATUSES,
    WORKING_STATUSES,
    Answer,
    Category,
    Concern,
    Kind,
    MeToo,
    Photo,
    Rating,
    RoutingRule,
    Status,
)

LIST_RELATED = ("category", "village", "owner", "owner_office", "villager")


def due_soon_hours() -> float:
    return settings.CONCERNS_DUE_SOON_HOURS


def prefix_q(prefixes: Iterable[str], field: str = "region_code") -> Q:
    """Rows whose code starts with one of the prefixes, as index-friendly ranges (core/lookups.py)."""
    ordered = sorted(set(prefixes))
    # A prefix inside another adds nothing.
    prefixes = [p for p in ordered if not any(p != o and p.startswith(o) for o in prefixes)]
    if not prefixes:
        return Q(pk__in=[])
    q = Q()
    for p in prefixes:
        q |= Q(**{f"{field}__under": p})
    return q


def scope_q(user: AnyUser, roles: frozenset[str] = STAFF_ROLES) -> Q:
    return prefix_q(people_rules.prefixes(user, roles))


def full_view_q(user: AnyUser) -> Q:
    """Concerns the user sees whole as staff (rules.is_staff_in_scope, as a filter): every concern of
    their regions for village roles, supervisors and county administrators; for office staff those of
    their office, and the shared queue of their level (no office named, at or escalated to it)."""
    q = scope_q(user, rules.FULL_VIEW_ROLES)
    for role, prefix, office_id in people_rules.role_rows(user):
        if role != Role.OFFICE_STAFF:
            continue
        levels = rules.QUEUE_LEVELS.get(len(prefix), ())
        mine = Q(owner_office_id=office_id)
        if levels:
            mine |= Q(owner_office__isnull=True) & (Q(level__in=levels) | Q(escalation_level__in=levels))
        q |= prefix_q([prefix]) & mine
    if getattr(user, "is_authenticated", False) and people_rules.role_rows(user):
        q |= Q(owner=user)
    return q


# --- registered with notify (notices about a concern) and people (an office's cases) --------------
def concern_readable(user: AnyUser, pk: int) -> bool:
    """Notices about a concern carry its private details: for those who see it whole."""
    concern = Concern.objects.select_related("villager").filter(pk=pk).first()
    return concern is not None and rules.can_view_full(user, concern)


def concerns_readable(user: AnyUser) -> QuerySet[Concern]:
    """Concerns whose notices a staff member's list of notices shows: those they see whole."""
    return Concern.objects.filter(full_view_q(user))


def office_case_villagers(office_ids: set[int]) -> QuerySet[Concern, int]:
    """Villagers whose concern is with one of these offices."""
    return (
        Concern.objects.filter(owner_office_id__in=office_ids, villager__isnull=False)
        .order_by()
        .values_list("villager_id", flat=True)
    )


def concern_by_public_id(*, public_id: str) -> Concern | None:
    return (
        Concern.objects.select_related(
            "category",
            "village__parent",
            "group",
            "owner",
            "owner_office",
            "villager__user",
            "raised_by",
            "merged_into",
        )
        .filter(public_id=public_id)
        .first()
    )


def categories_active() -> QuerySet[Category]:
    return Category.objects.filter(active=True)


# --- lists ---------------------------------------------------------------------------------------
def _listable_q(user: AnyUser) -> Q:
    """Concerns on a staff list: the public ones of the user's regions, and the private ones they see
    whole (a representative who is staff elsewhere sees private concerns only where they are staff;
    an office, only its own)."""
    q = scope_q(user, rules.LIST_ROLES) & Q(is_public=True)
    if rules.sees_private(user):
        q |= full_view_q(user)
    return q


def concerns_in_scope(
    *,
    user: AnyUser,
    status: str = "",
    village: str = "",
    category: str = "",
    due: str = "",
    owner: User | None = None,
    search: str = "",
    now: dt.datetime | None = None,
) -> QuerySet[Concern]:
    """Concerns the user may list as staff (private ones only for staff roles), newest first."""
    now = now or timezone.now()
    qs = Concern.objects.filter(_listable_q(user))
    if village:
        qs = qs.filter(prefix_q([village]))
    if category:
        qs = qs.filter(category__code=category)
    if owner is not None:
        qs = qs.filter(owner=owner, status__in=OPEN_STATUSES)
    if status == "open":
        qs = qs.filter(status__in=OPEN_STATUSES)
    elif status == "closed":
        qs = qs.exclude(status__in=OPEN_STATUSES)
    elif status in Status.values:
        qs = qs.filter(status=status)
    if search:
        qs = qs.filter(Q(number=search.strip()) | Q(text__contains=search.strip()))
    if due == "overdue":
        qs = qs.filter(due_at__lt=now).order_by("due_at", "id")
    elif due == "soon":
        qs = qs.filter(due_at__gte=now, due_at__lt=now + dt.timedelta(hours=due_soon_hours())).order_by("due_at", "id")
    elif due == "escalated":
        qs = qs.filter(status__in=WORKING_STATUSES).exclude(escalation_level="").order_by("due_at", "id")
    return qs.select_related(*LIST_RELATED)


def due_counts(*, user: AnyUser, now: dt.datetime | None = None) -> dict[str, int]:
    """How many concerns in the user's scope are overdue and due soon (two counts on the due index)."""
    now = now or timezone.now()
    base = Concern.objects.filter(_listable_q(user), due_at__isnull=False)
    return {
        "overdue": base.filter(due_at__lt=now).count(),
        "soon": base.filter(due_at__gte=now, due_at__lt=now + dt.timedelta(hours=due_soon_hours())).count(),
    }


def concerns_of_villager_q(user: User) -> Q:
    """Concerns the user raised, that are for them, or for a villager they help with concerns."""
    q = Q(raised_by=user)
    own = people_rules.own_villager(user)
    if own is not None:
        q |= Q(villager=own)
    helped = [d.villager_id for d in people_rules.helped(user, DelegationScope.CONCERNS)]
    if helped:
        q |= Q(villager_id__in=helped)
    return q


def concerns_mine(*, user: User) -> QuerySet[Concern]:
    # The list says who raised each one (the villager, or a helper for them), so the raiser is loaded too.
    return Concern.objects.filter(concerns_of_villager_q(user)).select_related(*LIST_RELATED, "raised_by")


def concerns_supported(*, user: AnyUser) -> QuerySet[Concern]:
    own = people_rules.own_villager(user)
    if own is None:
        return Concern.objects.none()
    return Concern.objects.filter(supporters__villager=own).select_related(*LIST_RELATED)


def board(*, region: Region) -> QuerySet[Concern]:
    """Public concerns of a village or township for its board (names masked at submission), newest first."""
    return (
        Concern.objects.filter(prefix_q([region.prefix]), is_public=True)
        .exclude(status=Status.MERGED)
        .select_related("category", "village")
        .only(
            "public_id",
            "number",
            "kind",
            "text",
            "status",
            "public_name",
            "me_too_count",
            "answer_text",
            "dispatched_at",
            "answered_at",
            "region_code",
            "category__name",
            "category__name_en",
            "village__name",
            "photo_count",
            "is_anonymous",
        )
        .order_by("-dispatched_at", "-id")
    )


def helped_villagers(*, user: AnyUser) -> list[Villager]:
    """Villagers who gave this user an active delegation covering concerns."""
    return people_selectors.villagers_helped(user=user, scope=DelegationScope.CONCERNS)


# --- similar concerns ----------------------------------------------------------------------------
_WORD = re.compile(r"\w+")


def bigrams(text: str) -> set[str]:
    """Character bigrams of each run of letters/digits/CJK: enough to tell "路灯坏了" from "低保申请"."""
    out: set[str] = set()
    for run in _WORD.findall((text or "").lower()):
        if len(run) == 1:
            continue
        out.update(run[i : i + 2] for i in range(len(run) - 1))
    return out


def similar_open(
    *, village_code: str, text: str, limit: int = 5, exclude_pk: int | None = None, pool: int = 300
) -> list[Concern]:
    """Open public concerns of the village that share the most bigrams with `text` (Dice coefficient)."""
    query = bigrams(text)
    if len(query) < 2:
        return []
    candidates = Concern.objects.filter(prefix_q([village_code[:12]]), is_public=True, status__in=OPEN_STATUSES)
    if exclude_pk is not None:
        candidates = candidates.exclude(pk=exclude_pk)
    rows = list(
        candidates.select_related("category")
        .only(
            "public_id",
            "number",
            "text",
            "status",
            "me_too_count",
            "dispatched_at",
            "category__name",
            "category__name_en",
            "villager_id",
        )
        .order_by("-dispatched_at")[:pool]
    )
    scored: list[tuple[float, Concern]] = []
    for c in rows:
        other = bigrams(c.text)
        shared = len(query & other)
        if shared < 2:
            continue
        score = 2 * shared / (len(query) + len(other))
        if score >= 0.12:
            scored.append((score, c))
    scored.sort(key=lambda sc: -sc[0])
    return [c for _score, c in scored[:limit]]


# --- timeline ------------------------------------------------------------------------------------
def timeline(*, concern: Concern) -> list[AuditEvent]:
    """Every audit row of the concern, oldest first, with actor and the villager acted for."""
    events = list(
        AuditEvent.objects.filter(object_type="concerns.concern", object_id=str(concern.pk))
        .select_related("actor", "on_behalf_of")
        .order_by("created_at", "id")
    )
    answers: dict[object, Answer] = {a.pk: a for a in concern.answers.prefetch_related("photos")}
    for e in events:
        e.answer = answers.get((e.after or {}).get("answer"))  # type: ignore[attr-defined]  # shown in the timeline
    return events


def concern_photos(*, concern: Concern) -> list[Photo]:
    return [p for p in concern.photos.all() if p.answer_id is None]


def is_supporter(*, user: AnyUser, concern: Concern) -> bool:
    own = people_rules.own_villager(user)
    return own is not None and MeToo.objects.filter(concern=concern, villager=own).exists()


# --- the three rates -----------------------------------------------------------------------------
GROUPS = ("office", "village", "township")


def rates(*, prefixes: list[str], group: str, start: dt.date, end: dt.date) -> list[dict[str, Any]]:
    """Response, resolution and satisfaction rates per office, village or township for concerns
    dispatched in [start, end] (local dates), inside the given region prefixes. One grouped query."""
    tz = timezone.get_current_timezone()
    lo = dt.datetime.combine(start, dt.time.min, tzinfo=tz)
    hi = dt.datetime.combine(end + dt.timedelta(days=1), dt.time.min, tzinfo=tz)
    qs = Concern.objects.filter(prefix_q(prefixes), dispatched_at__gte=lo, dispatched_at__lt=hi).exclude(
        status=Status.MERGED
    )
    key = {"office": "owner_office_id", "village": "region_code", "township": "township"}[group]
    if group == "township":
        qs = qs.annotate(township=Substr("region_code", 1, 9))
    rows = list(
        qs.values(key)
        .annotate(
            dispatched=Count("id"),
            in_time=Count("id", filter=Q(answered_in_time=True)),
            resolved=Count("id", filter=Q(status=Status.RESOLVED)),
            rated=Count("id", filter=~Q(rating="")),
            satisfied=Count("id", filter=Q(rating__in=[Rating.SATISFIED, Rating.BASICALLY])),
        )
        .order_by(key)
    )
    names: dict[Any, str]  # office pk, or region code
    if group == "office":
        names = dict(Office.objects.filter(pk__in=[r[key] for r in rows if r[key]]).values_list("pk", "name"))
    else:
        codes = [r[key] if group == "village" else r[key] + "000" for r in rows]
        names = dict(Region.objects.filter(code__in=codes).values_list("code", "name"))
    out: list[dict[str, Any]] = []
    for r in rows:
        k = r[key]
        name = names.get(k if group != "township" else k + "000", "") if k else ""
        n, rated = r["dispatched"], r["rated"]
        out.append(
            {
                "key": str(k or ""),
                "name": name,
                "dispatched": n,
                "answered_in_time": r["in_time"],
                "resolved": r["resolved"],
                "rated": rated,
                "satisfied": r["satisfied"],
                "response_rate": r["in_time"] / n if n else None,
                "resolution_rate": r["resolved"] / n if n else None,
                "satisfaction_rate": r["satisfied"] / rated if rated else None,
            }
        )
    out.sort(key=lambda r: (-r["dispatched"], r["name"]))
    return out


def rates_total(rows: list[dict[str, Any]]) -> dict[str, Any]:
    n = sum(r["dispatched"] for r in rows)
    rated = sum(r["rated"] for r in rows)
    in_time, resolved = sum(r["answered_in_time"] for r in rows), sum(r["resolved"] for r in rows)
    satisfied = sum(r["satisfied"] for r in rows)
    return {
        "dispatched": n,
        "answered_in_time": in_time,
        "resolved": resolved,
        "rated": rated,
        "satisfied": satisfied,
        "response_rate": in_time / n if n else None,
        "resolution_rate": resolved / n if n else None,
        "satisfaction_rate": satisfied / rated if rated else None,
    }


# --- configuration pages -------------------------------------------------------------------------
def rules_visible(*, user: AnyUser) -> QuerySet[RoutingRule]:
    return RoutingRule.objects.filter(
        prefix_q(people_rules.prefixes(user, rules.ADMIN_ROLES), "region_prefix")
        | Q(region_prefix__in=[p[:6] for p in people_rules.prefixes(user, rules.ADMIN_ROLES)])
    ).select_related("category", "region", "office", "responsible")


def regions_for_rules(*, user: AnyUser) -> list[Region]:
    """The county, townships and villages in the administrator's scope (for the rule form)."""
    return list(
        Region.objects.filter(prefix_q(people_rules.prefixes(user, rules.ADMIN_ROLES), "code"))
        .exclude(level="group")
        .only("code", "name", "level", "prefix")
        .order_by("code")
    )


def offices_for_rules(*, user: AnyUser) -> list[Office]:
    return list(
        Office.objects.filter(prefix_q(people_rules.prefixes(user, rules.ADMIN_ROLES)))
        .select_related("region")
        .order_by("region_code", "name")
    )


# ---------------------------------------------------------------- figures (insights reads these; core/figures.py)


def _dispatched_in(prefix: str, start: dt.datetime, end: dt.datetime) -> QuerySet[Concern]:
    """Concerns dispatched in the period under a region (merged duplicates do not count)."""
    return Concern.objects.filter(region_code__under=prefix, dispatched_at__gte=start, dispatched_at__lt=end).exclude(
        status=Status.MERGED
    )


def figures_cases(*, figure: str, prefix: str, start: dt.datetime, end: dt.datetime) -> tuple[QuerySet[Concern], Q]:
    """The concerns a figure counts (its denominator) and the condition of its numerator, for insights'
    figures and for its drill-through to the cases: one definition for both."""
    qs = _dispatched_in(prefix, start, end)
    if figure == "satisfaction":
        return qs.exclude(rating=""), Q(rating__in=[Rating.SATISFIED, Rating.BASICALLY])
    if figure == "resolution":
        return qs, Q(status=Status.RESOLVED)
    if figure == "unconfirmed":  # closed without the villager's confirmation, of those closed
        return qs.filter(status__in=[Status.RESOLVED, Status.CLOSED_UNRATED]), Q(status=Status.CLOSED_UNRATED)
    if figure == "last_hour":  # answered in the last hour before the answer deadline, of those answered
        return qs.filter(answered_at__isnull=False), Q(
            answered_at__lte=F("answer_due_at"), answered_at__gt=F("answer_due_at") - dt.timedelta(hours=1)
        )
    return qs, Q(answered_in_time=True)


def figures_by_category(
    *, prefix: str, start: dt.datetime, middle: dt.datetime, end: dt.datetime
) -> list[dict[str, Any]]:
    """Concerns dispatched per category and village: "before" in [start, middle), "now" in [middle, end),
    with the category's name (insights' problem of the month). One grouped query."""
    rows = (
        _dispatched_in(prefix, start, end)
        .values("category__code", "category__name", "category__name_en", village_code=Substr("region_code", 1, 12))
        .annotate(
            before=Count("id", filter=Q(dispatched_at__lt=middle)),
            now=Count("id", filter=Q(dispatched_at__gte=middle)),
        )
        .order_by()
    )
    return [
        {
            "category": r["category__code"],
            "category_name": _category_name(r["category__name"], r["category__name_en"]),
            "place": r["village_code"],
            "before": r["before"],
            "now": r["now"],
        }
        for r in rows
    ]


def _category_name(name: str, name_en: str) -> str:
    return name_en if name_en and (get_language() or "").startswith("en") else name


def figures_category_cases(
    *, category_code: str, prefix: str, start: dt.datetime, end: dt.datetime
) -> tuple[QuerySet[Concern], Q]:
    """The concerns of one category dispatched under a region in [start, end), and the condition of being
    resolved (the problem of the month's cases and its resolution)."""
    qs = _dispatched_in(prefix, start, end).filter(category__code=category_code)
    return qs, Q(status=Status.RESOLVED)


def figures_category_progress(
    *, category_code: str, prefix: str, start: dt.datetime, end: dt.datetime
) -> dict[str, Any]:
    """{"category": name, "dispatched", "resolved"} of one category under a region in [start, end)."""
    qs, resolved = figures_category_cases(category_code=category_code, prefix=prefix, start=start, end=end)
    counts = qs.aggregate(dispatched=Count("id"), resolved=Count("id", filter=resolved))
    category = Category.objects.filter(code=category_code).values_list("name", "name_en").first()
    return {
        "category": _category_name(*category) if category else category_code,
        "dispatched": counts["dispatched"] or 0,
        "resolved": counts["resolved"] or 0,
    }


def _figure(
    figure: str, prefix: str, length: int, start: dt.datetime, end: dt.datetime
) -> dict[str, tuple[int, int | None]]:
    qs, counted = figures_cases(figure=figure, prefix=prefix, start=start, end=end)
    return as_rates(grouped(qs, "region_code", length, n=Count("id", filter=counted), d=Count("id")))


def figures_response(
    *, prefix: str, length: int, start: dt.datetime, end: dt.datetime
) -> dict[str, tuple[int, int | None]]:
    """Response rate: dispatched in the period and answered before the deadline, of all dispatched."""
    return _figure("response", prefix, length, start, end)


def figures_resolution(
    *, prefix: str, length: int, start: dt.datetime, end: dt.datetime
) -> dict[str, tuple[int, int | None]]:
    """Resolution rate: confirmed resolved by the villager, of all dispatched in the period."""
    return _figure("resolution", prefix, length, start, end)


def figures_satisfaction(
    *, prefix: str, length: int, start: dt.datetime, end: dt.datetime
) -> dict[str, tuple[int, int | None]]:
    """Satisfaction rate: rated satisfied or basically satisfied, of the rated concerns dispatched in the period."""
    return _figure("satisfaction", prefix, length, start, end)


def resolved_public_since(*, since: dt.datetime) -> list[dict[str, Any]]:
    """Public reports and suggestions about the village that the villager who raised them confirmed resolved
    since `since`: the outcome points may be proposed from (points/outcomes.py). One plain row per concern."""
    rows = (
        Concern.objects.filter(
            status=Status.RESOLVED,
            closed_at__gte=since,
            is_public=True,
            kind__in=[Kind.REPORT, Kind.SUGGESTION],
            villager__isnull=False,
            villager__household__isnull=False,
        )
        .values("public_id", "number", "region_code", "villager_id", "villager__household_id", "closed_at")
        .order_by("closed_at", "pk")[:20000]
    )
    return [
        {
            "key": f"concern:{r['public_id']}",
            "village_code": r["region_code"][:12],
            "household_id": r["villager__household_id"],
            "villager_id": r["villager_id"],
            "day": timezone.localdate(r["closed_at"]),
            "title": r["number"],
        }
        for r in rows
    ]
