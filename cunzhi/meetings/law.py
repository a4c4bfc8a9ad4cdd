"""The law's arithmetic for village meetings (村民委员会组织法 arts. 21–28), as pure functions.

"More than half" (过半数) is strictly more than n/2; "at least two-thirds" (三分之二以上) and
"one-tenth or more" (十分之一以上) include the boundary. All arithmetic is on integers, so there is
no rounding to get wrong: need = the smallest count that satisfies the rule.
"""

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _

from cunzhi.core.workdays import local_date
from cunzhi.meetings.models import Basis, Body, Matter, PetitionKind, QuorumMode

DEFAULT_NOTICE_DAYS: dict[str, int] = {Body.VILLAGERS: 10, Body.REPRESENTATIVES: 0, Body.GROUP: 0, Body.COUNCIL: 0}
# Reserved matters a villager group meeting may decide for the group's own collective property (art. 28).
GROUP_PROPERTY_MATTERS = frozenset(
    {
        Matter.COLLECTIVE_INCOME,
        Matter.PUBLIC_WELFARE,
        Matter.LAND_CONTRACT,
        Matter.COLLECTIVE_PROJECT,
        Matter.LAND_COMPENSATION,
        Matter.PROPERTY_DISPOSAL,
    }
)
RESERVED_MATTERS = tuple(m for m in Matter.values if m != Matter.GENERAL)


def more_than_half(n: int) -> int:
    """Smallest count that is more than half of n (过半数)."""
    return n // 2 + 1


def at_least_fraction(n: int, num: int, den: int) -> int:
    """Smallest count that is at least num/den of n (…以上), and at least 1."""
    return max(1, -(-n * num // den))


@dataclass(frozen=True)
class ModeStatus:
    mode: str
    label: str
    have: int
    of: int
    need: int
    rule: str

    @property
    def met(self) -> bool:
        return self.of > 0 and self.have >= self.need

    @property
    def short(self) -> int:
        return max(0, self.need - self.have)


def quorum_modes(
    *, body: str, members: int, present: int, households: int, households_present: int
) -> list[ModeStatus]:
    """Each legal way the body can reach its quorum, with what it has and needs."""
    if body == Body.VILLAGERS:
        return [
            ModeStatus(
                QuorumMode.PERSONS,
                _("Adult villagers present"),
                present,
                members,
                more_than_half(members),
                _("more than half of adult villagers"),
            ),
            ModeStatus(
                QuorumMode.HOUSEHOLDS,
                _("Households represented"),
                households_present,
                households,
                at_least_fraction(households, 2, 3),
                _("at least two-thirds of households"),
            ),
        ]
    if body == Body.GROUP:
        return [
            ModeStatus(
                QuorumMode.PERSONS,
                _("Adult group members present"),
                present,
                members,
                at_least_fraction(members, 2, 3),
                _("at least two-thirds of adult members"),
            ),
            ModeStatus(
                QuorumMode.HOUSEHOLDS,
                _("Group households represented"),
                households_present,
                households,
                at_least_fraction(households, 2, 3),
                _("at least two-thirds of the group's households"),
            ),
        ]
    if body == Body.REPRESENTATIVES:
        return [
            ModeStatus(
                QuorumMode.MEMBERS,
                _("Members present"),
                present,
                members,
                at_least_fraction(members, 2, 3),
                _("at least two-thirds of its members"),
            )
        ]
    return []  # the deliberation council is informal: no legal quorum


def quorum_reached(*, body: str, basis: str, modes: list[ModeStatus]) -> tuple[bool, str]:
    """(met, mode). The law accepts either mode; the meeting's own basis is named first when both hold."""
    if body == Body.COUNCIL:
        return True, QuorumMode.INFORMAL
    ordered = sorted(modes, key=lambda m: m.mode != basis)
    for m in ordered:
        if m.met:
            return True, m.mode
    return False, QuorumMode.NONE


def passes(*, yes: int, attendees: int) -> bool:
    """A motion passes with more than half of the attendees (not of the votes cast)."""
    return attendees > 0 and yes >= more_than_half(attendees)


def counts_households(*, body: str, basis: str) -> bool:
    """Whether ballots and the passing threshold count households (one vote each) rather than persons."""
    return basis == Basis.HOUSEHOLDS and body in (Body.VILLAGERS, Body.GROUP)


def petition_needed(*, kind: str, eligible: int) -> int:
    """Signatures that oblige the committee to convene: 1/10 of adults, 1/3 or 1/5 of representatives."""
    if kind == PetitionKind.VILLAGERS:
        return at_least_fraction(eligible, 1, 10)
    if kind == PetitionKind.REPS_FOR_VILLAGERS:
        return at_least_fraction(eligible, 1, 3)
    return at_least_fraction(eligible, 1, 5)


def petition_body(kind: str) -> str:
    return Body.REPRESENTATIVES if kind == PetitionKind.REPS_FOR_REPS else Body.VILLAGERS


def notice_days(body: str) -> int:
    """Days of notice the body needs (MEETINGS_NOTICE_DAYS overrides the law's defaults per body)."""
    configured = settings.MEETINGS_NOTICE_DAYS or {}
    return int(configured.get(body, DEFAULT_NOTICE_DAYS.get(body, 0)))


def notice_deadline(starts_at: dt.datetime, days: int) -> dt.datetime:
    """The last moment a notice may go out for a meeting starting at `starts_at`.

    The days are calendar days in China (domain.md, "Counting the 10 days"): the day the notice goes
    out is not counted, the meeting day is, and the hours do not matter, so a notice sent at 18:00 on
    1 March allows a meeting at 09:00 on 11 March. With no notice period, before the meeting starts.
    """
    if days <= 0:
        return starts_at
    last_day = local_date(starts_at) - dt.timedelta(days=days)
    return dt.datetime.combine(last_day, dt.time.max, tzinfo=timezone.get_default_timezone())


def earliest_meeting_day(sent_at: dt.datetime, days: int) -> dt.date:
    """The first day a meeting may be held after a notice sent at `sent_at`."""
    return local_date(sent_at) + dt.timedelta(days=days)


def decision_refusal(*, body: str, matter: str, authorised: bool = False, group_property: bool = False) -> str:
    """Why this body may not decide this matter (art. 24, 28), or "" when it may."""
    if matter == Matter.GENERAL or body == Body.VILLAGERS:
        return ""
    if body == Body.REPRESENTATIVES:
        if authorised:
            return ""
        return _(
            "This is a reserved matter (art. 24): only the villagers' meeting decides it, or the "
            "representatives' meeting when the villagers' meeting has delegated it on record."
        )
    if body == Body.GROUP:
        if group_property and matter in GROUP_PROPERTY_MATTERS:
            return ""
        return _(
            "This is a reserved matter (art. 24): a villager group meeting decides it only for the "
            "group's own collective property (art. 28); otherwise the villagers' meeting decides."
        )
    return _(
        "This is a reserved matter (art. 24): a deliberation council may discuss it but not decide it. "
        "Put it to the villagers' meeting."
    )
