"""Who may do what with people's records. Every role is held in a region and reaches its subtree.

All checks read the user's roles once per request (cached on the user object), so a list page
asks the database for roles once, not once per row.
"""

from collections.abc import Callable, Collection
from functools import cache
from typing import Any

from django.core.exceptions import ObjectDoesNotExist
from django.db import connections
from django.db.models import Q, QuerySet
from django.utils import timezone

from cunzhi.people.actors import AnyUser
from cunzhi.people.models import (
    DataAccess,
    Delegation,
    DelegationScope,
    Household,
    Role,
    RoleAssignment,
    User,
    Villager,
)
from cunzhi.regions.models import Level as RegionLevel
from cunzhi.regions.models import Region

# Roles that work with villagers' records (a villager representative is a villager role).
STAFF_ROLES = frozenset(
    {Role.CADRE, Role.PARTY_SECRETARY, Role.SUPERVISOR, Role.GRID_WORKER, Role.OFFICE_STAFF, Role.COUNTY_ADMIN}
)
# Roles that may see a full ID number in every record of their regions: those who keep the roster
# and match it against other records.
FULL_ID_ROLES = frozenset({Role.CADRE, Role.PARTY_SECRETARY, Role.COUNTY_ADMIN})
ROSTER_ROLES = frozenset({Role.CADRE, Role.PARTY_SECRETARY, Role.COUNTY_ADMIN})
REGION_ADMIN_ROLES = frozenset({Role.COUNTY_ADMIN})
# Roles that call villagers back, so they see full phone numbers; others see them masked.
PHONE_ROLES = frozenset({Role.CADRE, Role.PARTY_SECRETARY, Role.GRID_WORKER})
# Least privilege inside a township: an office's function, not its township, decides what it sees.
# Office staff read the records of their region with ID and phone masked, and see both in full only
# for villagers whose case (an application, a concern) their own office handles.
OFFICE_ROLES = frozenset({Role.OFFICE_STAFF})

# Domains that route cases to offices register a finder: office ids -> a queryset of the ids of the
# villagers those offices have a case with (values_list of one column). people knows no feature domain;
# the finders' querysets are read together in one UNION query.
_CASE_FINDERS: list[Callable[[set[int]], QuerySet[Any, Any]]] = []


def office_cases_register(finder: Callable[[set[int]], QuerySet[Any, Any]]) -> None:
    """Tell people how to find the villagers an office has a case with (called from a domain's ready())."""
    if finder not in _CASE_FINDERS:
        _CASE_FINDERS.append(finder)


@cache
def _signed_in_sql(vendor: str) -> str:
    """The account by id, and whether it holds a role, helps someone, is helped, or had its record read."""
    q = connections["default"].ops.quote_name

    def col(model: Any, name: str) -> str:
        return q(model._meta.get_field(name).column)

    role, deleg, villager, access = (q(m._meta.db_table) for m in (RoleAssignment, Delegation, Villager, DataAccess))
    open_ = f"d.{col(Delegation, 'revoked_at')} IS NULL AND d.{col(Delegation, 'ends_at')} > %s"
    # Names from the models' metadata, quoted; the values are parameters.
    own = f"SELECT v.{col(Villager, 'id')} FROM {villager} v WHERE v.{col(Villager, 'user')} = u.{q('id')}"  # noqa: S608
    return (
        f"SELECT u.*,"  # noqa: S608
        f" EXISTS(SELECT 1 FROM {role} r WHERE r.{col(RoleAssignment, 'user')} = u.{q('id')}) AS cunzhi_holds_roles,"
        f" EXISTS(SELECT 1 FROM {deleg} d WHERE d.{col(Delegation, 'helper')} = u.{q('id')} AND {open_})"
        " AS cunzhi_helps,"
        f" EXISTS(SELECT 1 FROM {deleg} d WHERE d.{col(Delegation, 'villager')} IN ({own}) AND {open_})"
        " AS cunzhi_is_helped,"
        f" EXISTS(SELECT 1 FROM {access} a WHERE a.{col(DataAccess, 'subject')} IN ({own})) AS cunzhi_was_read"
        f" FROM {q(User._meta.db_table)} u WHERE u.{q('id')} = %s"
    )


def signed_in(pk: Any) -> User | None:
    """The account of a signed-in request, in one query with four flags (Django's auth asks for the account
    on every request; see core.logins.AccountDelayBackend.get_user).

    Most villagers hold no role and help nobody, yet most pages ask role_rows and delegations_held_open
    below: with the flags those two answer from the account, without their queries. The home page reads the
    other two (people.selectors.home_people). Raw SQL made once from the models' metadata: an ORM query with
    four subqueries costs more to build than the two queries it saves (docs/benchmarks.md).
    """
    conn = connections["default"]
    now = conn.ops.adapt_datetimefield_value(timezone.now())
    user = next(iter(User.objects.raw(_signed_in_sql(conn.vendor), [now, now, pk])), None)
    if user is not None:
        flags = vars(user)  # the raw query's extra columns, set as attributes
        if not flags["cunzhi_holds_roles"]:
            flags["_cunzhi_roles"] = []
        if not flags["cunzhi_helps"]:
            flags["_cunzhi_delegations"] = []
    return user


# The readers below also take None: services pass their actor, and the platform (None) holds no role.
def role_rows(user: AnyUser | None) -> list[tuple[str, str, int | None]]:
    """(role, region prefix, office id) for every role the user holds; cached per user object."""
    if not getattr(user, "is_authenticated", False):
        return []
    assert isinstance(user, User)  # only an account is authenticated
    cached: list[tuple[str, str, int | None]] | None = getattr(user, "_cunzhi_roles", None)
    if cached is None:
        cached = list(user.roles.values_list("role", "region_prefix", "office_id"))
        vars(user)["_cunzhi_roles"] = cached  # the cache lives as long as the request's user object
    return cached


def prefixes(user: AnyUser | None, roles: Collection[str] = STAFF_ROLES) -> list[str]:
    return sorted({prefix for role, prefix, _ in role_rows(user) if role in roles})


def has_role(user: AnyUser | None, roles: Collection[str] = STAFF_ROLES) -> bool:
    return bool(prefixes(user, roles))


def in_scope(user: AnyUser | None, region_code: str, roles: Collection[str] = STAFF_ROLES) -> bool:
    return any(region_code.startswith(p) for p in prefixes(user, roles))


def scope_q(user: AnyUser | None, roles: Collection[str] = STAFF_ROLES, field: str = "region_code") -> Q:
    """A filter for list queries: rows whose region code lies under one of the user's regions."""
    ps = prefixes(user, roles)
    if not ps:
        return Q(pk__in=[])
    q = Q()
    for p in ps:
        q |= Q(**{f"{field}__under": p})
    return q


def own_villager(user: AnyUser | None) -> Villager | None:
    """The user's own villager record, or None (staff from outside the county have none)."""
    if not getattr(user, "is_authenticated", False):
        return None
    assert isinstance(user, User)  # only an account is authenticated
    try:
        return user.villager
    except ObjectDoesNotExist:
        return None


def delegations_held_open(user: AnyUser | None) -> list[Delegation]:
    """Delegations this user holds that are not revoked or ended (newest first), with each villager and
    village; cached on the user object like role_rows. One query serves every domain's "for whom?"
    (helped, below) and the home page's list, instead of one query per domain on the same page."""
    if not getattr(user, "is_authenticated", False):
        return []
    assert isinstance(user, User)  # only an account is authenticated
    cached: list[Delegation] | None = getattr(user, "_cunzhi_delegations", None)
    if cached is None:
        cached = list(
            Delegation.objects.filter(helper=user, revoked_at__isnull=True, ends_at__gt=timezone.now())
            .select_related("villager__village")
            .order_by("-created_at", "-id")
        )
        vars(user)["_cunzhi_delegations"] = cached  # lives as long as the request's user object
    return cached


def helped(user: AnyUser | None, scope: str) -> list[Delegation]:
    """The user's delegations in force now that cover `scope` (from the one cached query)."""
    now = timezone.now()
    return [d for d in delegations_held_open(user) if d.starts_at <= now < d.ends_at and scope in (d.scopes or [])]


def active_delegation(user: AnyUser | None, villager: Villager | None, scope: str) -> Delegation | None:
    """The helper's active delegation from this villager covering `scope`, or None."""
    if not getattr(user, "is_authenticated", False):
        return None
    assert isinstance(user, User)  # only an account is authenticated
    now = timezone.now()
    for d in Delegation.objects.filter(
        villager=villager, helper=user, revoked_at__isnull=True, starts_at__lte=now, ends_at__gt=now
    ):
        if scope in d.scopes:
            return d
    return None


def is_self(user: AnyUser, villager: Villager) -> bool:
    return getattr(user, "is_authenticated", False) and villager.user_id == user.pk


def can_view_villager(user: AnyUser, villager: Villager) -> bool:
    return (
        is_self(user, villager)
        or in_scope(user, villager.region_code)
        or active_delegation(user, villager, DelegationScope.RECORDS) is not None
    )


def office_ids(user: AnyUser) -> set[int]:
    """Offices the user works in (office staff roles), from the cached role rows."""
    return {office for role, _p, office in role_rows(user) if role in OFFICE_ROLES and office}


def office_case_villager_ids(user: AnyUser) -> frozenset[int]:
    """Ids of the villagers whose case one of the user's offices handles: one query, the first time it
    is asked for this user object (a list page asks once, not once per row)."""
    cached: frozenset[int] | None = getattr(user, "_cunzhi_office_cases", None)
    if cached is None:
        offices = office_ids(user)
        found: set[int] = set()
        if offices and _CASE_FINDERS:
            first, *rest = [finder(offices).order_by() for finder in _CASE_FINDERS]
            found = {pk for pk in (first.union(*rest) if rest else first) if pk is not None}
        cached = frozenset(found)
        vars(user)["_cunzhi_office_cases"] = cached  # per request's user object, as role_rows
    return cached


def has_office_case(user: AnyUser, villager: Villager) -> bool:
    """Office staff of the villager's region whose office handles a case of this villager."""
    return in_scope(user, villager.region_code, OFFICE_ROLES) and villager.pk in office_case_villager_ids(user)


def can_see_full_id(user: AnyUser, villager: Villager) -> bool:
    """The villager; roster keepers of the region; an office handling the villager's case."""
    return (
        is_self(user, villager)
        or in_scope(user, villager.region_code, FULL_ID_ROLES)
        or has_office_case(user, villager)
    )


def can_see_full_phone(user: AnyUser, villager: Villager) -> bool:
    """The villager themself, or someone who needs to call them: a village role of their region, or
    an office handling their case."""
    return (
        is_self(user, villager) or in_scope(user, villager.region_code, PHONE_ROLES) or has_office_case(user, villager)
    )


def can_view_household(user: AnyUser, household: Household) -> bool:
    """Staff whose scope holds the household, or one of its own members."""
    if in_scope(user, household.region_code):
        return True
    own = own_villager(user)
    return own is not None and own.household_id == household.pk


def can_manage_roster(user: AnyUser, village: Region) -> bool:
    return in_scope(user, village.code, ROSTER_ROLES)


def can_export_roster(user: AnyUser, village: Region) -> bool:
    """Staff who may list a village's villagers may export them; masking follows FULL_ID_ROLES and PHONE_ROLES."""
    return in_scope(user, village.code)


def can_admin_regions(user: AnyUser) -> bool:
    return has_role(user, REGION_ADMIN_ROLES)


# --- The region tree as people see it (moved from regions, which knows no roles) ----------------

# Grids are drawn by the village itself (cadres, Party secretary) or the county administrator.
GRID_ROLES = frozenset({Role.CADRE, Role.PARTY_SECRETARY, Role.COUNTY_ADMIN})


def can_view_region(user: AnyUser, region: Region) -> bool:
    """Staff see their regions' subtrees; a villager sees their own line: county, township, village, groups.

    The same rule as people.selectors.regions_visible (lists and API).
    """
    if in_scope(user, region.code, STAFF_ROLES):
        return True
    own = own_villager(user)
    return own is not None and (region.code.startswith(own.region_code) or own.region_code.startswith(region.prefix))


def can_see_counts(user: AnyUser, region: Region) -> bool:
    """Head counts are working figures for staff of the region."""
    return in_scope(user, region.code, STAFF_ROLES)


def can_create_grid(user: AnyUser, village: Region) -> bool:
    return village.level == RegionLevel.VILLAGE and in_scope(user, village.code, GRID_ROLES)


def import_counties(user: AnyUser) -> list[str]:
    """County prefixes (6 digits) into which the user may import regions."""
    return [p for p in prefixes(user, REGION_ADMIN_ROLES) if len(p) == 6]


def can_import_regions(user: AnyUser, county: Region | None = None) -> bool:
    counties = import_counties(user)
    return bool(counties) if county is None else (county.level == RegionLevel.COUNTY and county.prefix in counties)


def can_grant_delegation(user: AnyUser, villager: Villager) -> bool:
    """Only the villager grants a delegation of their own affairs."""
    return is_self(user, villager)


def can_revoke_delegation(user: AnyUser, delegation: Delegation) -> bool:
    """The villager revokes; the helper may also give a delegation up."""
    return is_self(user, delegation.villager) or (
        getattr(user, "is_authenticated", False) and delegation.helper_id == user.pk
    )
