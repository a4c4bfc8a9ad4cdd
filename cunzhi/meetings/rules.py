"""Who may do what with meetings.

- Village cadres and the Party secretary of the village convene meetings, send notices, put
  motions and record delegations (CONVENE_ROLES). Grid workers also staff the check-in desk.
- Staff whose scope holds the village (township, county) may read everything; villagers of the
  village read their village's meetings; helpers read a meeting of a villager they hold a
  "meetings" delegation from.
- Only members check in and vote: themselves, or a helper under an active "meetings" delegation
  (recorded), or staff at the venue checking a member in.
"""

from cunzhi.people import rules as people_rules
from cunzhi.people.models import Delegation, DelegationScope, Role
from cunzhi.people.rules import has_role, in_scope, own_villager

CONVENE_ROLES = frozenset({Role.CADRE, Role.PARTY_SECRETARY})
DESK_ROLES = frozenset({Role.CADRE, Role.PARTY_SECRETARY, Role.GRID_WORKER})


def _helped_villagers(user) -> list:
    """Villagers who gave this user an active "meetings" delegation (cached on the user object)."""
    cached = getattr(user, "_meetings_helped", None)
    if cached is None:
        from django.utils import timezone

        now = timezone.now()
        cached = (
            [
                d
                for d in Delegation.objects.filter(
                    helper=user, revoked_at__isnull=True, starts_at__lte=now, ends_at__gt=now
                ).select_related("villager")
                if DelegationScope.MEETINGS in (d.scopes or [])
            ]
            if user.is_authenticated
            else []
        )
        user._meetings_helped = cached
    return cached


def helped_delegations(user) -> list:
    return _helped_villagers(user)


def can_convene(user, village) -> bool:
    return in_scope(user, village.code, CONVENE_ROLES)


def can_manage(user, meeting) -> bool:
    """Convene, notify, open, put motions, close: the village's cadres."""
    return in_scope(user, meeting.region_code, CONVENE_ROLES)


def can_staff_desk(user, meeting) -> bool:
    return in_scope(user, meeting.region_code, DESK_ROLES)


def can_write_minutes(user, meeting) -> bool:
    return (getattr(user, "is_authenticated", False) and meeting.secretary_id == user.pk) or can_manage(user, meeting)


def can_view(user, meeting) -> bool:
    """Staff in scope, villagers of the village, helpers of a villager of the village."""
    if not getattr(user, "is_authenticated", False):
        return False
    if in_scope(user, meeting.region_code):
        return True
    own = own_villager(user)
    if own is not None and own.region_code == meeting.region_code:
        return True
    return any(d.villager.region_code == meeting.region_code for d in _helped_villagers(user))


def can_view_village(user, village_code: str) -> bool:
    if in_scope(user, village_code):
        return True
    own = own_villager(user)
    return own is not None and own.region_code == village_code


def acts_for(user, member) -> str:
    """How this user may act for a member: "self", "helper" or "" (not at all)."""
    if not getattr(user, "is_authenticated", False):
        return ""
    if member.user_id == user.pk:
        return "self"
    if any(d.villager_id == member.villager_id for d in _helped_villagers(user)):
        return "helper"
    return ""


def can_petition(user, village_code: str) -> bool:
    own = own_villager(user)
    return own is not None and own.region_code == village_code


def is_representative(user, village_code: str) -> bool:
    return in_scope(user, village_code, {Role.REPRESENTATIVE})


def can_record_authorisation(user, village) -> bool:
    return can_convene(user, village)


def has_staff_role(user) -> bool:
    return has_role(user, people_rules.STAFF_ROLES)
