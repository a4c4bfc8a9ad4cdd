"""Who sees the figures: staff of a region (any staff role) see it and everything under it."""

from django.db.models import Q

from cunzhi.people import rules as people_rules
from cunzhi.people.actors import AnyUser
from cunzhi.people.models import Villager
from cunzhi.regions.models import Region


def can_view_figures(user: AnyUser, region: Region) -> bool:
    return people_rules.in_scope(user, region.code)


def home_region(user: AnyUser) -> Region | None:
    """The widest region the user holds a staff role in (their default view), or None."""
    prefixes = sorted(people_rules.prefixes(user), key=len)
    if not prefixes:
        return None
    return Region.objects.filter(prefix=prefixes[0]).exclude(level="group").order_by("code").first()


def can_list_people(user: AnyUser, region: Region) -> bool:
    """Lists of the people behind a figure (volunteers, households taking part, those asked in the survey) are
    for those who keep the region's roster (people.rules.ROSTER_ROLES: village cadres, the Party secretary,
    the county administrator). Office staff see the figures, not the names: an office's function, not its
    township, decides what it sees of people (least privilege, people.rules)."""
    return people_rules.in_scope(user, region.code, people_rules.ROSTER_ROLES)


def people_scope_q(user: AnyUser) -> Q:
    """The rows (persons, households) under the regions whose roster the user keeps."""
    return people_rules.scope_q(user, people_rules.ROSTER_ROLES)


def can_remind_survey(user: AnyUser, region: Region) -> bool:
    """Reminding those drawn who have not answered: the roster keepers of the region, who know them."""
    return people_rules.in_scope(user, region.code, people_rules.ROSTER_ROLES)


def can_pick_problem(user: AnyUser, region: Region) -> bool:
    """The problem of the month is the county's choice (issue 17): a county administrator, or staff of a
    county office, over the county. Township staff see it; they do not pick it."""
    if region.level != "county":
        return False
    county_prefixes = [p for p in people_rules.prefixes(user) if len(p) <= len(region.prefix)]
    return any(region.code.startswith(p) for p in county_prefixes)


def survey_villager(user: AnyUser) -> Villager | None:
    """The villager a signed-in person is (the survey asks each person for themself, never through a helper)."""
    return people_rules.own_villager(user)
