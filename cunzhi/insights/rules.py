"""Who sees the figures: staff of a region (any staff role) see it and everything under it."""

from cunzhi.people import rules as people_rules
from cunzhi.regions.models import Region


def can_view_figures(user, region) -> bool:
    return people_rules.in_scope(user, region.code)


def home_region(user):
    """The widest region the user holds a staff role in (their default view), or None."""
    prefixes = sorted(people_rules.prefixes(user), key=len)
    if not prefixes:
        return None
    return Region.objects.filter(prefix=prefixes[0]).exclude(level="group").order_by("code").first()
