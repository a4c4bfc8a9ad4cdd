"""Indicators: each domain offers its figures as selectors; this app names them and lays them side by side.

A domain adds `figures_*` functions to its selectors.py (core/figures.py: they get the subtree prefix,
the length of the child code to group by, and the period, and return {child code prefix: (numerator,
denominator)} from ONE grouped query over the subtree (rates), or {prefix: (count, None)} (counts));
INDICATORS below names and explains them. No domain imports insights: insights reads them. Totals
add numerators and denominators up; a rate is never an average of rates.

Against formalism (domain.md): indicators measure outcomes — answered on time, resolved, rated
satisfied, disclosed on time, read — never log-ins, clicks, uploads or time online.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from cunzhi.applications import selectors as applications
from cunzhi.concerns import selectors as concerns
from cunzhi.consultations import selectors as consultations
from cunzhi.disclosure import selectors as disclosure
from cunzhi.learning import selectors as learning
from cunzhi.notify import selectors as notify
from cunzhi.organisations import selectors as organisations
from cunzhi.points import selectors as points


@dataclass(frozen=True)
class Indicator:
    key: str
    label: str | Promise  # lazy translation
    help: str | Promise  # what is counted, in one sentence (lazy translation)
    compute: Callable[..., dict[str, tuple[int, int | None]]]
    kind: str = "rate"  # "rate" (numerator / denominator) or "count"
    higher_is_better: bool | None = True
    domain: str | Promise = ""
    # Counts of cases can be summed over days and villages; a count of distinct people or households over a
    # period cannot (the same household on two days is one household). For those, `events` gives the moments
    # that count someone, as rows of (who, code, at): the roll-up stores per day those counted for the first
    # time in the day's month, quarter and year, so a calendar period's count is again a sum of stored rows.
    additive: bool = True
    events: Callable[..., QuerySet[Any]] | None = None
    # The N of a distinct rate: "households" or "adults" (people.selectors), counted on the page; "" for counts.
    population: str = ""
    # Drill-through: "concerns", "applications", "notices", "comments", "due", "activities", "objections" (cases.py),
    # "persons" or "households" (people counted: listed only to the roster's keepers, rules.can_list_people),
    # or "" when the figure has no list of cases a viewer could open.
    cases: str = ""


# Kept in one place so that the figures table is defined here; each follows the counting rules of domain.md.
INDICATORS = [
    Indicator(
        key="concerns_response",
        cases="concerns",
        label=_("Concerns answered on time"),
        compute=concerns.figures_response,
        domain=_("Concerns"),
        help=_(
            "Response rate: concerns dispatched in the period and answered before their deadline, out of "
            "all concerns dispatched in the period."
        ),
    ),
    Indicator(
        key="concerns_resolution",
        cases="concerns",
        label=_("Concerns resolved"),
        compute=concerns.figures_resolution,
        domain=_("Concerns"),
        help=_(
            "Resolution rate: concerns dispatched in the period that the villager confirmed as resolved, "
            "out of all concerns dispatched in the period."
        ),
    ),
    Indicator(
        key="concerns_satisfaction",
        cases="concerns",
        label=_("Satisfied with the answer"),
        compute=concerns.figures_satisfaction,
        domain=_("Concerns"),
        help=_(
            "Satisfaction rate: concerns rated satisfied or basically satisfied, out of the rated "
            "concerns dispatched in the period."
        ),
    ),
    Indicator(
        key="consultation_participants",
        cases="persons",
        additive=False,
        label=_("Villagers commenting on drafts"),
        kind="count",
        compute=consultations.figures_participants,
        events=consultations.figures_participants_events,
        domain=_("Consultations"),
        help=_(
            "Villagers who commented on a draft rule or policy in the period (each counted once, in "
            "their own village), those living away included."
        ),
    ),
    Indicator(
        key="consultation_adoption",
        cases="comments",
        label=_("Comments adopted"),
        compute=consultations.figures_adoption,
        domain=_("Consultations"),
        help=_(
            "Comments the owner adopted in full or in part, out of the comments answered in the period's "
            "response reports."
        ),
    ),
    Indicator(
        key="applications_on_time",
        cases="applications",
        label=_("Applications decided on time"),
        compute=applications.figures_on_time,
        domain=_("Services"),
        help=_(
            "Applications approved or rejected in the period within the processing time promised in the "
            "service catalogue, out of all applications decided in the period."
        ),
    ),
    Indicator(
        key="disclosure_on_time",
        cases="due",
        label=_("Disclosed on time"),
        compute=disclosure.figures_on_time,
        domain=_("Disclosure"),
        help=_(
            "Party, village and finance disclosures due in the period (deadline reached) that were "
            "published by their deadline, out of all those due."
        ),
    ),
    Indicator(
        key="points_taking_part",
        cases="households",
        additive=False,
        label=_("Households earning points"),
        compute=points.figures_taking_part,
        events=points.figures_taking_part_events,
        population="households",
        domain=_("Points"),
        help=_(
            "Households whose points for a contribution were reviewed, posted without a standing objection and "
            "counted in the period, out of all households. Log-ins and clicks never earn points."
        ),
    ),
    # Objections to posted points and how the supervision committee or the review group decided them: how the
    # public posting works, neither good nor bad in itself (many upheld may mean careless reviews or a watchful
    # village), so nothing is ranked on them.
    Indicator(
        key="points_objections_upheld",
        cases="objections",
        label=_("Objections upheld"),
        compute=points.figures_objections_upheld,
        higher_is_better=None,
        domain=_("Points"),
        help=_(
            "Objections to posted points decided in the period that were upheld (the points do not count), out of "
            "all objections decided in the period."
        ),
    ),
    Indicator(
        key="points_objections_raised",
        cases="objections",
        label=_("Objections raised"),
        kind="count",
        compute=points.figures_objections_raised,
        higher_is_better=None,
        domain=_("Points"),
        help=_("Objections villagers raised in the period against points posted on their village's board."),
    ),
    # Village organisations (organisations/selectors.py): confirmed hours only, never sign-ups or clicks.
    Indicator(
        key="organisations_volunteers",
        cases="persons",
        additive=False,
        label=_("Volunteers per 100 adults"),
        compute=organisations.figures_volunteers,
        events=organisations.figures_volunteers_events,
        population="adults",
        domain=_("Organisations"),
        help=_(
            "Adults whose hours at an activity of a village organisation were confirmed by its organiser in the "
            "period, out of all adults (shown per 100). Signing up alone does not count."
        ),
    ),
    Indicator(
        key="organisations_households",
        cases="households",
        additive=False,
        label=_("Households volunteering"),
        compute=organisations.figures_households,
        events=organisations.figures_households_events,
        population="households",
        domain=_("Organisations"),
        help=_("Households with a member whose activity hours were confirmed in the period, out of all households."),
    ),
    Indicator(
        key="organisations_activities",
        cases="activities",
        label=_("Activities held"),
        kind="count",
        compute=organisations.figures_activities,
        domain=_("Organisations"),
        help=_("Activities of village organisations whose hours the organiser confirmed in the period."),
    ),
    Indicator(
        key="organisations_hours",
        label=_("Volunteer hours confirmed"),
        kind="count",
        compute=organisations.figures_hours,
        domain=_("Organisations"),
        help=_("Hours the organisers confirmed in the period for the villagers of each place (whole hours)."),
    ),
    Indicator(
        key="notice_reach",
        cases="notices",
        label=_("Notices reached"),
        compute=notify.figures_reach,
        domain=_("Notifications"),
        help=_(
            "People a notice of the period reached by any channel (e-mail or text accepted, read in the "
            "inbox, or aired on the village loudspeaker), out of everyone it was meant for. The rest are on "
            "door-to-door lists."
        ),
    ),
    Indicator(
        key="learning_alone",
        cases="persons",
        label=_("Trained villagers who now do it alone"),
        compute=learning.figures_does_it_alone,
        domain=_("Learning"),
        help=_(
            "Villagers trained in the period on a task, out of everyone trained (the n), who then did the task "
            "with their own account, not through a helper or staff, within 90 days of the session. Never lesson "
            "views, clicks or time spent."
        ),
    ),
]


def indicators() -> tuple[Indicator, ...]:
    """Every indicator of the figures table, in order."""
    return tuple(INDICATORS)


def indicator(key: str) -> Indicator | None:
    return next((i for i in INDICATORS if i.key == key), None)
