"""Who sees the figures: staff of a region (any staff role) see it and everything under it."""

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
