"""Who may do what in learning. Built on people.rules (roles held in regions).

- Lessons are public: anyone may read them, logged in or not (they teach how to log in, too).
- A village's training sessions — who attended is personal data — are seen by its village roles (cadres,
  Party secretary, supervision committee, grid workers) and the county's administrators; the township's
  offices see only the figures (insights), never the names (PIPL: the minimum).
- Cadres, the Party secretary and grid workers record sessions and check attendees in. A volunteer trainer
  has no role here: a cadre or grid worker records the session and names the volunteer.
- A villager of the village sees their own check-in code for a session.
- Practice mode (learning/practice.py): a villager with an account, or a helper holding an active
  delegation, may practise; an account holding a staff role may not (its writes are the village's work,
  and a practice that silently drops them would deceive colleagues and villagers alike).
"""

from django.utils import timezone

from cunzhi.learning.models import TrainingSession
from cunzhi.people.actors import AnyUser
from cunzhi.people.models import Delegation, Role, User
from cunzhi.people.rules import STAFF_ROLES, has_role, in_scope, own_villager

RECORD_ROLES = frozenset({Role.CADRE, Role.PARTY_SECRETARY, Role.GRID_WORKER})
SEE_ROLES = RECORD_ROLES | {Role.SUPERVISOR, Role.COUNTY_ADMIN}


def can_see_village(user: AnyUser, village_code: str) -> bool:
    """The village's sessions, attendees and its "now does it alone" figure."""
    return in_scope(user, village_code, SEE_ROLES)


def can_record(user: AnyUser, village_code: str) -> bool:
    """Record a session in the village and check its attendees in at the desk."""
    return in_scope(user, village_code, RECORD_ROLES)


def is_member(user: AnyUser, village_code: str) -> bool:
    own = own_villager(user)
    return own is not None and own.region_code == village_code


def can_show_code(user: AnyUser, session: TrainingSession) -> bool:
    """A villager of the session's village shows their own code at its desk."""
    return is_member(user, session.region_code)


def can_practise(user: AnyUser) -> bool:
    """Practice mode: villagers and helpers, never staff (nor the site's administrators)."""
    if not isinstance(user, User) or not user.is_authenticated or user.is_staff or user.is_superuser:
        return False
    if has_role(user, STAFF_ROLES):
        return False
    if own_villager(user) is not None:
        return True
    now = timezone.now()
    return Delegation.objects.filter(helper=user, revoked_at__isnull=True, starts_at__lte=now, ends_at__gt=now).exists()
