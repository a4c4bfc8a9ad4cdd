"""Drill-through and surface-use flags: the cases behind a number, as far as the viewer may open them.

Each figure's cases come from the domain selector that also counts them (one definition for both), and
are then narrowed to what the viewer may list in that domain (the readers the domains register with
notify.about, or notify's own rule for notices). What the viewer may not open is counted, not listed,
so the list never pretends the number is smaller than it is.
"""

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db.models import Case, Count, Exists, F, OuterRef, Q, QuerySet, Value, When
from django.db.models.functions import Substr
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import get_language, gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from cunzhi.applications import selectors as applications
from cunzhi.concerns import selectors as concerns
from cunzhi.consultations import selectors as consultations
from cunzhi.core.idnumbers import mask_name
from cunzhi.disclosure import selectors as disclosure
from cunzhi.insights import rules
from cunzhi.insights.models import SurveyInvite
from cunzhi.insights.stored import day_bounds, stored
from cunzhi.learning import selectors as learning
from cunzhi.meetings import selectors as meetings
from cunzhi.notify import selectors as notify
from cunzhi.notify.about import about_reader
from cunzhi.organisations import selectors as organisations
from cunzhi.people import selectors as people
from cunzhi.people.actors import AnyUser
from cunzhi.people.models import Villager
from cunzhi.points import selectors as points
from cunzhi.regions.models import PREFIX_LENGTH, Level, Region

VILLAGE = PREFIX_LENGTH["village"]
LIST_LIMIT = 200


@dataclass(frozen=True)
class Source:
    kind: str  # concerns, applications, notices, drafts
    figure: str = ""  # the domain's name for the figure (concerns.figures_cases)
    label: str | Promise = ""


# What a drill-through link may ask for: every indicator with cases, and every flag.
SOURCES: dict[str, Source] = {
    "concerns_response": Source("concerns", "response"),
    "concerns_resolution": Source("concerns", "resolution"),
    "concerns_satisfaction": Source("concerns", "satisfaction"),
    "applications_on_time": Source("applications"),
    "notice_reach": Source("notices"),
    "flag_unreached": Source(
        "notices", "unreached", _("Notices that four in five of their people or more never received")
    ),
    "flag_unconfirmed": Source("concerns", "unconfirmed", _("Concerns closed without the villager's confirmation")),
    "flag_last_hour": Source("concerns", "last_hour", _("Concerns answered in the last hour before the deadline")),
    "flag_silent": Source("drafts", "silent", _("Consultations that closed without a single comment")),
    "disclosure_on_time": Source("due"),
    "consultation_adoption": Source("comments"),
    "organisations_activities": Source("activities"),
    # Objections to points, each linked to its entry's page (the village's board readers open it).
    "points_objections_upheld": Source("objections", "upheld"),
    "points_objections_raised": Source("objections", "raised"),
    "flag_disclosure_late": Source(
        "due", "late", _("Disclosures published late, or not at all for a period the schedule requires")
    ),
    "flag_quorum_last_minute": Source(
        "meetings", "last_minute", _("Meetings that reached their quorum only with the last minutes' check-ins")
    ),
    "flag_typed_twice": Source(
        "villagers", "typed_twice", _("Villagers typed in by hand where the village's roster was imported")
    ),
    # The problem of the month: one category's concerns in one place (the `category` of the link).
    "problem": Source("concerns", "category", _("The problem of the month")),
    # Figures that count people or households: lists of persons, shown only to those who may see the roster
    # (rules.can_list_people), names masked; opening a record is a logged read (people's access log).
    "consultation_participants": Source("persons", "participants"),
    "organisations_volunteers": Source("persons", "volunteers"),
    "learning_alone": Source("persons", "alone"),
    "points_taking_part": Source("households", "points"),
    "organisations_households": Source("households", "volunteering"),
    "survey_asked": Source("persons", "survey", _("Villagers asked in the quarter's survey")),
}

# Lists of people: a different page layout, and the roster rule instead of each domain's reader.
PEOPLE_KINDS = frozenset({"persons", "households"})

# What the numerator means for a person in each list (the status column); blank: not in it.
COUNTED_AS = {
    "volunteers": pgettext_lazy("counted as", "hours confirmed"),
    "alone": pgettext_lazy("counted as", "did it alone"),
    "points": pgettext_lazy("counted as", "points counted"),
    "volunteering": pgettext_lazy("counted as", "hours confirmed"),
    "survey": pgettext_lazy("counted as", "answered"),
}

# Check-ins this close to the first vote are "the last minutes'" (the quorum flag).
LAST_MINUTES = dt.timedelta(minutes=5)


def _queryset(
    source: Source, prefix: str, start: dt.datetime, end: dt.datetime, category: str = "", quarter: str = ""
) -> tuple[QuerySet[Any], Q | None]:
    if source.kind in PEOPLE_KINDS:
        return _people_queryset(source, prefix, start, end, quarter)
    if source.figure == "category":
        return concerns.figures_category_cases(category_code=category, prefix=prefix, start=start, end=end)
    if source.kind == "concerns":
        return concerns.figures_cases(figure=source.figure, prefix=prefix, start=start, end=end)
    if source.kind == "applications":
        return applications.figures_on_time_cases(prefix=prefix, start=start, end=end)
    if source.kind == "drafts":
        return consultations.figures_silent_drafts(prefix=prefix, start=start, end=end), None
    if source.kind == "comments":
        return consultations.figures_adoption_cases(prefix=prefix, start=start, end=end)
    if source.kind == "activities":
        return organisations.figures_activities_cases(prefix=prefix, start=start, end=end), None
    if source.kind == "objections":
        objections, upheld = points.figures_objections_cases(figure=source.figure, prefix=prefix, start=start, end=end)
        return objections.select_related("entry__adoption__item", "entry__village"), upheld
    if source.kind == "due":
        if source.figure == "late":
            return disclosure.figures_late_or_stale(prefix=prefix, start=start, end=end).select_related(
                "village", "post"
            ), None
        due, on_time = disclosure.figures_due_cases(prefix=prefix, start=start, end=end)
        return due.select_related("village", "post"), on_time
    if source.kind == "meetings":
        return meetings.figures_last_minute_quorum(prefix=prefix, start=start, end=end, window=LAST_MINUTES), None
    if source.kind == "villagers":
        return people.figures_typed_twice(prefix=prefix, start=start, end=end), None
    qs = notify.figures_reach_cases(prefix=prefix, start=start, end=end)
    if source.figure == "unreached":
        qs = _unreached(qs)
    return qs, None


def _people_queryset(
    source: Source, prefix: str, start: dt.datetime, end: dt.datetime, quarter: str
) -> tuple[QuerySet[Any], Q | None]:
    """The persons or households a figure counts (its N) and the filter of its n, from the domain selector
    that counts them."""
    if source.figure == "participants":
        return consultations.figures_participants_cases(prefix=prefix, start=start, end=end), None
    if source.figure == "volunteers":
        return organisations.figures_volunteers_cases(prefix=prefix, start=start, end=end)
    if source.figure == "alone":
        return learning.figures_does_it_alone_cases(prefix=prefix, start=start, end=end)
    if source.figure == "points":
        return points.figures_taking_part_cases(prefix=prefix, start=start, end=end)
    if source.figure == "volunteering":
        return organisations.figures_households_cases(prefix=prefix, start=start, end=end)
    return survey_asked_cases(prefix=prefix, quarter=quarter)


def _unreached(qs: QuerySet[Any]) -> QuerySet[Any]:
    """Notices meant for at least 5 people of which 80 % or more were never reached."""
    return qs.filter(recipient_count__gte=5, reached__lte=F("recipient_count") * 0.2)


def _visible(source: Source, user: AnyUser) -> QuerySet[Any]:
    if source.kind == "persons":
        return people.villagers_visible(user=user).filter(rules.people_scope_q(user))
    if source.kind == "households":
        return people.households_visible(user=user).filter(rules.people_scope_q(user))
    if source.kind == "due":
        return disclosure.due_items_readable(user)
    if source.kind == "comments":
        return consultations.comments_of_readable_drafts(user)
    if source.kind == "activities":
        return organisations.activities_readable(user)
    if source.kind == "objections":
        return points.objections_readable(user)
    if source.kind == "villagers":
        return people.villagers_visible(user=user)
    label = {
        "meetings": "meetings.meeting",
        "concerns": "concerns.concern",
        "applications": "applications.application",
        "drafts": "consultations.draft",
    }.get(source.kind)
    if label is None:
        return notify.notices_visible(user=user)
    reader = about_reader(label)
    if reader is None:  # the domain is not installed: nothing to open
        return Region.objects.none()
    return reader.readable(user)


def _row(source: Source, obj: Any) -> dict[str, Any]:
    # Persons and households: a list of names is not a read of anyone's record, so names are masked as on
    # every list outside the people app; the record (whose opening is logged for the villager) is a click away.
    if source.kind == "persons":
        return {
            "title": mask_name(obj.name),
            "ref": obj.village.name,
            "url": reverse("people:villager_detail", args=[obj.public_id]),
            "status": COUNTED_AS.get(source.figure, "") if getattr(obj, "in_num", False) else "",
        }
    if source.kind == "households":
        rep = obj.representative
        return {
            "title": f"{obj.number} · {mask_name(rep.name) if rep is not None else '—'}",
            "ref": obj.village.name,
            "url": reverse("people:household_detail", args=[obj.public_id]),
            "status": COUNTED_AS.get(source.figure, "") if getattr(obj, "in_num", False) else "",
        }
    if source.kind == "concerns":
        return {
            "title": str(obj),
            "ref": obj.public_id,
            "url": reverse("concerns:detail", args=[obj.public_id]),
            "when": obj.dispatched_at,
            "status": obj.get_status_display(),
        }
    if source.kind == "applications":
        return {
            "title": str(obj),
            "ref": obj.public_id,
            "url": reverse("applications:detail", args=[obj.public_id]),
            "when": obj.finished_at,
            "status": obj.get_status_display(),
        }
    if source.kind == "drafts":
        return {
            "title": obj.title,
            "ref": obj.public_id,
            "url": reverse("consultations:detail", args=[obj.public_id]),
            "when": obj.closed_at,
            "status": obj.get_status_display(),
        }
    if source.kind == "comments":
        return {
            "title": obj.draft.title,
            "ref": obj.public_id,
            "url": reverse("consultations:detail", args=[obj.draft.public_id]),
            "when": obj.outcome_at,
            "status": obj.get_outcome_display(),
        }
    if source.kind == "due":
        if obj.published_at is None:
            status = gettext("not published")
        elif obj.days_late:
            status = gettext("published %(days)s days late") % {"days": obj.days_late}
        else:
            status = gettext("published on time")
        return {
            "title": f"{obj.village.name} · {obj.get_category_display()} "
            f"{obj.period_start:%Y-%m-%d}–{obj.period_end:%Y-%m-%d}",
            "ref": obj.post.public_id if obj.post_id else "",
            "url": reverse("disclosure:post", args=[obj.post.public_id])
            if obj.post_id
            else reverse("disclosure:calendar") + f"?village={obj.region_code}",
            "when": obj.due_date,
            "day": True,  # a deadline is a day, not a moment
            "status": status,
        }
    if source.kind == "activities":
        return {
            "title": obj.title,
            "ref": obj.public_id,
            "url": reverse("organisations:activity", args=[obj.public_id]),
            "when": obj.confirmed_at,
            "status": obj.get_status_display(),
        }
    if source.kind == "objections":
        # The item and the village, never who objected nor whose points: the entry's page shows what its
        # readers may see.
        return {
            "title": f"{obj.entry.village.name} · {obj.entry.title}",
            "ref": obj.public_id,
            "url": reverse("points:entry", args=[obj.entry.public_id]),
            "when": obj.decided_at if source.figure == "upheld" else obj.created_at,
            "status": obj.get_status_display(),
        }
    if source.kind == "meetings":
        return {
            "title": obj.title,
            "ref": obj.public_id,
            "url": reverse("meetings:detail", args=[obj.public_id]),
            "when": obj.opened_at,
            "status": obj.get_status_display(),
        }
    if source.kind == "villagers":
        # A list of names is not a read of anyone's record: masked here, the record (and its access log) a click away.
        return {
            "title": mask_name(obj.name),
            "ref": obj.public_id,
            "url": reverse("people:villager_detail", args=[obj.public_id]),
            "when": obj.created_at,
            "status": "",
        }
    subject = obj.subject or {}
    title = subject.get(get_language() or "", "") or next(iter(subject.values()), "") or obj.kind
    return {
        "title": title,
        "ref": obj.public_id,
        "url": reverse("notify:report", args=[obj.public_id]),
        "when": obj.created_at,
        "status": f"{obj.reached}/{obj.recipient_count}",
    }


def cases(
    *,
    what: str,
    region: Region,
    start: dt.datetime,
    end: dt.datetime,
    user: AnyUser,
    counted: bool,
    category: str = "",
    quarter: str = "",
) -> dict:
    """{"rows", "total", "hidden", "more", "people"}: the cases of a figure (its numerator when `counted`)."""
    source = SOURCES[what]
    if what in FLAGS:  # a flag counts the finished days (flags): its cases are the same
        end = min(end, day_bounds(timezone.localdate())[0])
    qs, numerator = _queryset(source, region.prefix, start, end, category, quarter)
    if counted and numerator is not None:
        qs = qs.filter(numerator)
    total = qs.count()
    visible = qs.filter(pk__in=_visible(source, user).order_by().values("pk")).order_by("pk")
    if source.kind in PEOPLE_KINDS:
        # The rows' village and representative come with the rows, and whether each is in the numerator as
        # one more column: the page is the same three queries whatever the number of people.
        related = ["village"] if source.kind == "persons" else ["village", "representative"]
        visible = visible.select_related(*related).order_by("region_code", "pk")
        if numerator is not None:
            visible = visible.annotate(in_num=Case(When(numerator, then=Value(True)), default=Value(False)))
    shown = list(visible[: LIST_LIMIT + 1])
    n_visible = len(shown) if len(shown) <= LIST_LIMIT else visible.count()
    return {
        "rows": [_row(source, o) for o in shown[:LIST_LIMIT]],
        "total": total,
        "hidden": total - n_visible,
        "more": max(n_visible - LIST_LIMIT, 0),
        "people": source.kind in PEOPLE_KINDS,
    }


# ---------------------------------------------------------------------------------- surface-use flags


# The surface-use flags, stored by the daily roll-up as counts per village and day (services.rollup_range):
# a share flag as (n, N), any other as (n, None). A share flag's threshold applies to the period's sums, never
# to a day's; the setting names the share.
FLAGS = (
    "flag_unreached",
    "flag_unconfirmed",
    "flag_last_hour",
    "flag_silent",
    "flag_disclosure_late",
    "flag_quorum_last_minute",
    "flag_typed_twice",
)
FLAG_SHARES = {"flag_unconfirmed": "INSIGHTS_FLAG_UNCONFIRMED_SHARE", "flag_last_hour": "INSIGHTS_FLAG_LAST_HOUR_SHARE"}


def flag_counts(
    what: str, *, prefix: str, length: int, start: dt.datetime, end: dt.datetime
) -> dict[str, tuple[int, int | None]]:
    """A flag's cases in [start, end) per child code: (n, N) for a share flag, (n, None) otherwise. One grouped
    query."""
    qs, numerator = _queryset(SOURCES[what], prefix, start, end)
    rows = qs.values(k=Substr("region_code", 1, length)).order_by()
    if what in FLAG_SHARES:
        return {r["k"]: (r["n"], r["d"]) for r in rows.annotate(n=Count("id", filter=numerator), d=Count("id"))}
    return {r["k"]: (r["n"], None) for r in rows.annotate(n=Count("id"))}


FLAG_QUESTIONS = {
    "flag_unreached": _("Were these notices only posted, not delivered? Who goes door to door?"),
    "flag_unconfirmed": _("Did the villagers agree the problem was solved? Many closures had no confirmation."),
    "flag_last_hour": _("Are answers written to beat the clock rather than to solve the problem?"),
    "flag_silent": _("Did the villagers know about the consultation, and could they take part?"),
    "flag_disclosure_late": _("Did the villagers see the accounts and affairs when the law says they should?"),
    "flag_quorum_last_minute": _("Were people signed in to be counted rather than to take part in the meeting?"),
    "flag_typed_twice": _("Why was the same person typed in again where the roster is imported? Enter a fact once."),
}


def _flagged(region: Region, start: dt.datetime, end: dt.datetime) -> dict[str, dict[str, tuple]]:
    """The flags raised in [start, end) under the region, per flag and code: (n, N). Worked out each night:
    the stored counts of the finished days, in one query. A code may be an office's (a township's own cases),
    not a village's: the callers keep the villages."""
    first, stop = timezone.localtime(start).date(), timezone.localtime(end).date()
    sums = stored(list(FLAGS), prefix=region.prefix, length=VILLAGE, first=first, stop=min(stop, timezone.localdate()))
    found: dict[str, dict[str, tuple]] = {}
    for what in FLAGS:
        got = sums.get(what, {})
        if what in FLAG_SHARES:
            share = getattr(settings, FLAG_SHARES[what], 0.3)
            found[what] = {k: (n, d) for k, (n, d) in got.items() if (d or 0) >= 5 and n >= share * (d or 0)}
        else:
            found[what] = {k: (n, d) for k, (n, d) in got.items() if n}
    return found


def flags(*, region: Region, start: dt.datetime, end: dt.datetime) -> list[dict[str, Any]]:
    """Per village of the region, the surface-use flags of [start, end): a question, each with its cases.
    The running day is left to the next night (unlike the figures): a flag asks someone to look at a village's
    weeks, not at its morning, and counting today would cost the county's page seven more queries."""
    found = _flagged(region, start, end)
    codes = {code for f in found.values() for code in f}
    villages = {r.code: r for r in Region.objects.filter(code__in=codes, level=Level.VILLAGE)}
    by_village: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for what, hits in found.items():
        for code, (n, d) in hits.items():
            if code in villages:
                by_village[code].append(
                    {"what": what, "label": SOURCES[what].label, "question": FLAG_QUESTIONS[what], "n": n, "den": d}
                )
    return [{"village": villages[c], "flags": by_village[c]} for c in sorted(by_village)]


def flags_by_township(*, region: Region, start: dt.datetime, end: dt.datetime) -> list[dict[str, Any]]:
    """A county's flags folded per township: how many of its villages raise each flag, most flagged first.
    A county reads where to look; the township's own page lists the villages and their cases. (Listing
    every village of a county of 3,000 on one page is neither readable nor quick.)"""
    found = _flagged(region, start, end)
    townships = {
        t.prefix: t for t in Region.objects.filter(parent=region, level=Level.TOWNSHIP).only("code", "name", "prefix")
    }
    # The codes that are not villages' are the offices' own: the county's and its townships' codes. Known
    # without asking for the codes of 3,000 villages (10 ms at ten times a county).
    offices = {region.code, *(t.code for t in townships.values())}
    length = PREFIX_LENGTH[Level.TOWNSHIP]
    per: dict[str, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
    for what, hits in found.items():
        for code in hits.keys() - offices:
            per[code[:length]][what].add(code)
    rows = [
        {
            "township": townships[key],
            "villages": len(set().union(*kinds.values())),
            "kinds": [
                {"what": what, "label": SOURCES[what].label, "villages": len(kinds[what])}
                for what in FLAGS
                if what in kinds
            ],
        }
        for key, kinds in per.items()
        if key in townships
    ]
    return sorted(rows, key=lambda r: (-r["villages"], r["township"].code))


def survey_asked_cases(*, prefix: str, quarter: str) -> tuple[QuerySet[Villager], Q]:
    """The villagers asked in the quarter's survey under `prefix` (the N of its response rate) and the filter of
    those who answered (the n). Who answered, never what: answers carry no person (models.SurveyAnswer)."""
    invites = SurveyInvite.objects.filter(quarter=quarter, region_code__under=prefix)
    answered = invites.filter(answered=True, villager=OuterRef("pk"))
    return Villager.objects.filter(pk__in=invites.values("villager")).annotate(answered=Exists(answered)), Q(
        answered=True
    )
