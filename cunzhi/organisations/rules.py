"""Who may do what with village organisations. Built on people.rules (roles held in regions).

- An organisation's page is public (name, kind, what it does, leaders, activities): it recruits.
- A village organisation is registered and kept by the village's cadres; a township organisation by the
  township offices named in ORGANISATIONS_OFFICE_KINDS (civil affairs by default: it registers social
  organisations) — another office of the same township has no part in it. County administrators may do both.
- The organisation's leaders run it: its members, activities, the check-in desk and the hours.
- Villagers of the organisation's area (the village, or the villages of the township) sign up themselves, or
  through a helper holding an "organisations" delegation. Any signed-in villager of the area may write to it.
"""

from django.conf import settings
from django.utils import timezone

from cunzhi.organisations.models import Activity, ActivityStatus, Handover, Organisation
from cunzhi.people.actors import AnyUser, User
from cunzhi.people.models import DelegationScope, Office, Role, Villager
from cunzhi.people.rules import helped, in_scope, own_villager, role_rows
from cunzhi.regions.models import Level, Region

CADRE_ROLES = frozenset({Role.CADRE, Role.PARTY_SECRETARY})


def _office_keeper(user: AnyUser, township_code: str) -> bool:
    """Staff of an organisations office (ORGANISATIONS_OFFICE_KINDS) of this township."""
    if not in_scope(user, township_code, {Role.OFFICE_STAFF}):
        return False
    # One query per request, the first time it is asked (lists ask once, not per row).
    codes: list[str] | None = getattr(user, "_org_office_codes", None)
    if codes is None:
        ids = {office for role, _p, office in role_rows(user) if role == Role.OFFICE_STAFF and office}
        codes = list(
            Office.objects.filter(pk__in=ids, kind__in=settings.ORGANISATIONS_OFFICE_KINDS).values_list(
                "region_code", flat=True
            )
        )
        vars(user)["_org_office_codes"] = codes
    return any(township_code.startswith(code[:9]) for code in codes)


def can_register(user: AnyUser, region: Region) -> bool:
    """Register an organisation of this village (its cadres) or township (its civil affairs office)."""
    if in_scope(user, region.code, {Role.COUNTY_ADMIN}):
        return True
    if region.level == Level.VILLAGE:
        return in_scope(user, region.code, CADRE_ROLES)
    if region.level == Level.TOWNSHIP:
        return _office_keeper(user, region.code)
    return False


def _leader_of(user: AnyUser, organisation: Organisation) -> bool:
    own = own_villager(user)
    if own is None:
        return False
    cache: dict[int, bool] = vars(user).setdefault("_org_leads", {})
    if organisation.pk not in cache:
        cache[organisation.pk] = organisation.memberships.filter(villager=own, is_leader=True).exists()
    return cache[organisation.pk]


def can_manage(user: AnyUser, organisation: Organisation) -> bool:
    """Its leaders, and whoever registers organisations where it is."""
    if not getattr(user, "is_authenticated", False):
        return False
    return _leader_of(user, organisation) or can_register(user, organisation.region)


def in_area(villager: Villager | None, organisation: Organisation) -> bool:
    """A villager of the organisation's village, or of a village of its township."""
    if villager is None:
        return False
    code = organisation.region_code
    return villager.region_code.startswith(code[:9] if organisation.region.level == Level.TOWNSHIP else code)


def can_contact(user: AnyUser, organisation: Organisation) -> bool:
    return in_area(own_villager(user), organisation) or can_manage(user, organisation)


def delegators(user: AnyUser) -> list[Villager]:
    """Villagers who let this user sign them up now (an active "organisations" delegation); cached per user."""
    if not isinstance(user, User):
        return []
    return [d.villager for d in helped(user, DelegationScope.ORGANISATIONS)]  # people.rules caches the query


def sign_up_for(user: AnyUser, activity: Activity) -> list[Villager]:
    """Villagers this user may sign up for the activity: themself and their delegators, of its area."""
    own = own_villager(user)
    people = ([own] if own is not None else []) + delegators(user)
    return [v for v in people if in_area(v, activity.organisation)]


def can_sign_up(activity: Activity) -> bool:
    return activity.status == ActivityStatus.OPEN and timezone.now() < activity.ends_at


def can_check_in(activity: Activity) -> bool:
    """The desk is open from the start of the activity's day to its end, and until hours are confirmed."""
    start = timezone.localtime(activity.starts_at).replace(hour=0, minute=0, second=0, microsecond=0)
    return activity.status == ActivityStatus.OPEN and timezone.now() >= start


def can_see_participants(user: AnyUser, activity: Activity) -> bool:
    """The list of names is for the organisers (and staff keeping organisations), not the public."""
    return can_manage(user, activity.organisation)


def covers(organisation: Organisation, region_code: str) -> bool:
    """A place of the organisation's area: its village, or a village of its township."""
    code = organisation.region_code
    return region_code.startswith(code[:9] if organisation.region.level == Level.TOWNSHIP else code)


def can_work_on(user: AnyUser, handover: Handover) -> bool:
    """A concern handed to the organisation is seen and worked on by its leaders (and whoever keeps it)."""
    return can_manage(user, handover.organisation)
