"""Who may see and change which part of the region tree. Built on people.rules (roles held in regions)."""

from cunzhi.people.models import Role
from cunzhi.people.rules import REGION_ADMIN_ROLES, STAFF_ROLES, in_scope, own_villager, prefixes
from cunzhi.regions.models import Level

# Grids are drawn by the village itself (cadres, Party secretary) or the county administrator.
GRID_ROLES = frozenset({Role.CADRE, Role.PARTY_SECRETARY, Role.COUNTY_ADMIN})


def can_view_region(user, region) -> bool:
    """Staff see their regions' subtrees; a villager sees their own line: county, township, village, groups.

    The same rule as people.selectors.regions_visible (lists and API).
    """
    if in_scope(user, region.code, STAFF_ROLES):
        return True
    own = own_villager(user)
    return own is not None and (region.code.startswith(own.region_code) or own.region_code.startswith(region.prefix))


def can_see_counts(user, region) -> bool:
    """Head counts are working figures for staff of the region."""
    return in_scope(user, region.code, STAFF_ROLES)


def can_create_grid(user, village) -> bool:
    return village.level == Level.VILLAGE and in_scope(user, village.code, GRID_ROLES)


def import_counties(user) -> list[str]:
    """County prefixes (6 digits) into which the user may import regions."""
    return [p for p in prefixes(user, REGION_ADMIN_ROLES) if len(p) == 6]


def can_import_regions(user, county=None) -> bool:
    counties = import_counties(user)
    return bool(counties) if county is None else (county.level == Level.COUNTY and county.prefix in counties)
