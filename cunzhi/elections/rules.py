"""Who may do what in a village election. Built on people.rules (roles held in regions).

- The village's cadres and the members of the election committee (while they sit on it) manage the
  election: voter registration, the list, objections, proxies, nominations, candidates, stations, counts.
- The villagers of the village see the public lists (voter list, proxies, candidates, result): the law
  makes them public to the village, not to the world. Village roles (supervision committee, representatives),
  the county's administrators and the township's office that guides elections (ELECTIONS_OFFICE_KINDS) see
  them too; other township offices have no part in an election (least privilege).
- Any voter of the election, or any villager of the village, may object to the list.
"""

from django.conf import settings

from cunzhi.elections.models import Election
from cunzhi.people.actors import AnyUser
from cunzhi.people.models import Office, Role
from cunzhi.people.rules import in_scope, own_villager, role_rows

CADRE_ROLES = frozenset({Role.CADRE, Role.PARTY_SECRETARY})
VILLAGE_ROLES = frozenset(
    {Role.CADRE, Role.PARTY_SECRETARY, Role.SUPERVISOR, Role.REPRESENTATIVE, Role.GRID_WORKER, Role.COUNTY_ADMIN}
)


def township_of(village_code: str) -> str:
    return village_code[:9] + "000"


def guiding_office(user: AnyUser, village_code: str) -> bool:
    """Staff of a township office that guides elections (civil affairs by default) above the village."""
    if not in_scope(user, township_of(village_code), {Role.OFFICE_STAFF}):
        return False
    kinds: dict[int, str] | None = getattr(user, "_elections_office_kinds", None)
    if kinds is None:
        ids = {office for role, _p, office in role_rows(user) if role == Role.OFFICE_STAFF and office}
        kinds = dict(
            Office.objects.filter(pk__in=ids, kind__in=settings.ELECTIONS_OFFICE_KINDS).values_list("pk", "region_code")
        )
        vars(user)["_elections_office_kinds"] = kinds
    return any(village_code.startswith(code[:9]) for code in kinds.values())


def is_member(user: AnyUser, village_code: str) -> bool:
    own = own_villager(user)
    return own is not None and own.region_code == village_code


def can_see_village(user: AnyUser, village_code: str) -> bool:
    """The public lists of the village's elections."""
    return (
        is_member(user, village_code)
        or in_scope(user, village_code, VILLAGE_ROLES)
        or guiding_office(user, village_code)
    )


def on_committee(user: AnyUser, election: Election) -> bool:
    own = own_villager(user)
    if own is None:
        return False
    return election.committee.filter(villager=own, left_on__isnull=True).exists()


def can_manage(user: AnyUser, election: Election) -> bool:
    """The village's cadres and the sitting members of the election committee."""
    return in_scope(user, election.region_code, CADRE_ROLES) or on_committee(user, election)


def can_create(user: AnyUser, village_code: str) -> bool:
    return in_scope(user, village_code, CADRE_ROLES)


def can_object(user: AnyUser, election: Election) -> bool:
    return is_member(user, election.region_code) or can_manage(user, election)


def can_keep_term(user: AnyUser, village_code: str) -> bool:
    """The records of the sitting committee's term — the supervision committee and its kinship check, the
    democratic appraisal, the economic audits, declared near relatives: the village's cadres, and the township
    office that guides the village's self-government (it organises the audits)."""
    return in_scope(user, village_code, CADRE_ROLES) or guiding_office(user, village_code)


def live_prefixes(user: AnyUser, county_code: str) -> list[str]:
    """What of the county's live results the user sees: the whole county for its administrators, the
    township for the staff of a guiding office there; nothing for anyone else."""
    county = county_code[:6]
    if in_scope(user, county + "000000", {Role.COUNTY_ADMIN}):
        return [county]
    ids = {office for role, _p, office in role_rows(user) if role == Role.OFFICE_STAFF and office}
    if not ids:
        return []
    codes = Office.objects.filter(pk__in=ids, kind__in=settings.ELECTIONS_OFFICE_KINDS).values_list(
        "region_code", flat=True
    )
    return sorted({code[:9] for code in codes if code.startswith(county)})
