"""Who may do what with people's records. Every role is held in a region and reaches its subtree.

All checks read the user's roles once per request (cached on the user object), so a list page
asks the database for roles once, not once per row.
"""

from django.core.exceptions import ObjectDoesNotExist
from django.db.models import Q
from django.utils import timezone

from cunzhi.people.models import Delegation, DelegationScope, Role

# Roles that work with villagers' records (a villager representative is a villager role).
STAFF_ROLES = frozenset({Role.CADRE, Role.PARTY_SECRETARY, Role.SUPERVISOR, Role.GRID_WORKER,
                         Role.OFFICE_STAFF, Role.COUNTY_ADMIN})
# Roles that may see a full ID number: those who must match it against other records.
FULL_ID_ROLES = frozenset({Role.CADRE, Role.PARTY_SECRETARY, Role.OFFICE_STAFF, Role.COUNTY_ADMIN})
ROSTER_ROLES = frozenset({Role.CADRE, Role.PARTY_SECRETARY, Role.COUNTY_ADMIN})
REGION_ADMIN_ROLES = frozenset({Role.COUNTY_ADMIN})
# Roles that call villagers back, so they see full phone numbers; others see them masked.
PHONE_ROLES = frozenset({Role.CADRE, Role.PARTY_SECRETARY, Role.GRID_WORKER, Role.OFFICE_STAFF})


def role_rows(user) -> list[tuple[str, str, int | None]]:
    """(role, region prefix, office id) for every role the user holds; cached per user object."""
    if not getattr(user, "is_authenticated", False):
        return []
    cached = getattr(user, "_cunzhi_roles", None)
    if cached is None:
        cached = list(user.roles.values_list("role", "region_prefix", "office_id"))
        user._cunzhi_roles = cached
    return cached


def prefixes(user, roles=STAFF_ROLES) -> list[str]:
    return sorted({prefix for role, prefix, _ in role_rows(user) if role in roles})


def has_role(user, roles=STAFF_ROLES) -> bool:
    return bool(prefixes(user, roles))


def in_scope(user, region_code: str, roles=STAFF_ROLES) -> bool:
    return any(region_code.startswith(p) for p in prefixes(user, roles))


def scope_q(user, roles=STAFF_ROLES, field: str = "region_code") -> Q:
    """A filter for list queries: rows whose region code lies under one of the user's regions."""
    ps = prefixes(user, roles)
    if not ps:
        return Q(pk__in=[])
    q = Q()
    for p in ps:
        q |= Q(**{f"{field}__startswith": p})
    return q


def own_villager(user):
    """The user's own villager record, or None (staff from outside the county have none)."""
    if not getattr(user, "is_authenticated", False):
        return None
    try:
        return user.villager
    except ObjectDoesNotExist:
        return None


def active_delegation(user, villager, scope: str):
    """The helper's active delegation from this villager covering `scope`, or None."""
    if not getattr(user, "is_authenticated", False):
        return None
    now = timezone.now()
    for d in Delegation.objects.filter(villager=villager, helper=user, revoked_at__isnull=True,
                                       starts_at__lte=now, ends_at__gt=now):
        if scope in d.scopes:
            return d
    return None


def is_self(user, villager) -> bool:
    return getattr(user, "is_authenticated", False) and villager.user_id == user.pk


def can_view_villager(user, villager) -> bool:
    return (is_self(user, villager) or in_scope(user, villager.region_code)
            or active_delegation(user, villager, DelegationScope.RECORDS) is not None)


def can_see_full_id(user, villager) -> bool:
    return is_self(user, villager) or in_scope(user, villager.region_code, FULL_ID_ROLES)


def can_see_full_phone(user, villager) -> bool:
    """The villager themself, or a role that needs to call them, in the villager's region."""
    return is_self(user, villager) or in_scope(user, villager.region_code, PHONE_ROLES)


def can_view_household(user, household) -> bool:
    """Staff whose scope holds the household, or one of its own members."""
    if in_scope(user, household.region_code):
        return True
    own = own_villager(user)
    return own is not None and own.household_id == household.pk


def can_manage_roster(user, village) -> bool:
    return in_scope(user, village.code, ROSTER_ROLES)


def can_export_roster(user, village) -> bool:
    """Staff who may list a village's villagers may export them; masking follows FULL_ID_ROLES and PHONE_ROLES."""
    return in_scope(user, village.code)


def can_admin_regions(user) -> bool:
    return has_role(user, REGION_ADMIN_ROLES)


def can_grant_delegation(user, villager) -> bool:
    """Only the villager grants a delegation of their own affairs."""
    return is_self(user, villager)


def can_revoke_delegation(user, delegation) -> bool:
    """The villager revokes; the helper may also give a delegation up."""
    return is_self(user, delegation.villager) or (
        getattr(user, "is_authenticated", False) and delegation.helper_id == user.pk)
