"""Who sees the figures: staff of a region (any staff role) see it and everything under it."""

from cunzhi.people import rules as people_rules
from cunzhi.people.actors import AnyUser
from cunzhi.regions.models import Region


def can_view_figures(user: AnyUser, region: Region) -> bool:
    return people_rules.in_scope(user, region.code)


def home_region(user: AnyUser) -> Region | None:
    """The widest region the user holds a staff role in (their default view), or None."""
    prefixes = sorted(people_rules.prefixes(user), key=len)
    if not prefixes:
        return None
    return Region.objects.filter(prefix=prefixes[0]).exclude(level="group").order_by("code").first()
