"""Who may do what with points. Built on people.rules (roles held in regions).

- The township's catalogue is kept by the township offices named in POINTS_OFFICE_KINDS (civil affairs by
  default: it guides villagers' self-governance), and by county administrators. Another office of the same
  township has no part in it.
- A village's cadres set its rule and adopt items; its review group (the village rule's roles: cadres and
  villager representatives by default) approves or rejects declarations and decides objections, never for
  their own household. The supervision committee oversees and may decide objections too (domain.md).
- Villagers of the village declare for their own household (a helper under a "points" delegation for the
  villager's); cadres and representatives (who lead the villager groups) propose for any household.
- The board is the village's: its villagers and the staff whose region holds it see it. Masked names are
  still personal data, and nobody outside the village has a purpose for them (PIPL: the minimum).
"""

from django.conf import settings
from django.db.models import Q

from cunzhi.people.actors import AnyUser, User
from cunzhi.people.models import DelegationScope, Household, Office, Role, Villager
from cunzhi.people.rules import helped, in_scope, own_villager, prefixes, role_rows, scope_q
from cunzhi.points.models import (
    Entry,
    EntryStatus,
    Item,
    Objection,
    ObjectionStatus,
    ShopKeeper,
    VillageRule,
    default_review_roles,
)
from cunzhi.regions.models import Region

CADRE_ROLES = frozenset({Role.CADRE, Role.PARTY_SECRETARY})
PROPOSE_ROLES = frozenset({Role.CADRE, Role.PARTY_SECRETARY, Role.REPRESENTATIVE})
OBJECTION_EXTRA_ROLES = frozenset({Role.SUPERVISOR})
# Roles held in the village (or the county's administrators) that see its points without being villagers.
VILLAGE_ROLES = frozenset(
    {Role.CADRE, Role.PARTY_SECRETARY, Role.SUPERVISOR, Role.REPRESENTATIVE, Role.GRID_WORKER, Role.COUNTY_ADMIN}
)


def _points_offices(user: AnyUser) -> dict[int, str]:
    """{office id: region code} of the user's points offices (POINTS_OFFICE_KINDS)."""
    # One query per request, the first time it is asked (lists ask once, not per row), as people.rules does.
    kinds: dict[int, str] | None = getattr(user, "_points_office_kinds", None)
    if kinds is None:
        ids = {office for role, _p, office in role_rows(user) if role == Role.OFFICE_STAFF and office}
        kinds = dict(
            Office.objects.filter(pk__in=ids, kind__in=settings.POINTS_OFFICE_KINDS).values_list("pk", "region_code")
        )
        vars(user)["_points_office_kinds"] = kinds
    return kinds


def catalogue_keeper(user: AnyUser, township_code: str) -> bool:
    """Staff of a points office of the township (POINTS_OFFICE_KINDS), or a county administrator above it."""
    if in_scope(user, township_code, {Role.COUNTY_ADMIN}):
        return True
    if not in_scope(user, township_code, {Role.OFFICE_STAFF}):
        return False
    return any(township_code.startswith(code[:9]) for code in _points_offices(user).values())


def township_of(village_code: str) -> str:
    return village_code[:9] + "000"


def is_member(user: AnyUser, village_code: str) -> bool:
    own = own_villager(user)
    return own is not None and own.region_code == village_code


def can_see_village(user: AnyUser, village_code: str) -> bool:
    """The board, rules and figures of a village: its villagers, its village roles, the county administrators
    and the township's points office. Other township offices have no part in points (least privilege)."""
    return (
        is_member(user, village_code)
        or in_scope(user, village_code, VILLAGE_ROLES)
        or catalogue_keeper(user, township_of(village_code))
    )


def board_scope_q(user: AnyUser) -> Q:
    """can_see_village as a filter on `region_code`, for lists: the user's own village, the villages under
    their village roles, and the townships of their points offices."""
    q = scope_q(user, VILLAGE_ROLES)
    own = own_villager(user)
    if own is not None:
        q |= Q(region_code=own.region_code)
    if prefixes(user, {Role.OFFICE_STAFF}):
        offices = Q(pk__in=[])
        for code in _points_offices(user).values():
            offices |= Q(region_code__under=code[:9])
        q |= offices & scope_q(user, {Role.OFFICE_STAFF})
    return q


def can_see_figures(user: AnyUser, region_code: str) -> bool:
    """Whether to link a place's points by item (a page of the figures, insights): staff of any role whose region
    holds it, the figures' own rule (insights.rules.can_view_figures, which points may not import)."""
    return in_scope(user, region_code)


def can_set_rules(user: AnyUser, village_code: str) -> bool:
    return in_scope(user, village_code, CADRE_ROLES)


def is_shopkeeper(user: AnyUser, village_code: str) -> bool:
    """Named by the village's cadres to run its points supermarket counter (one query per user, then cached)."""
    if not isinstance(user, User):
        return False
    codes: set[str] | None = getattr(user, "_points_shops", None)
    if codes is None:
        codes = set(ShopKeeper.objects.filter(user_id=user.pk).values_list("region_code", flat=True))
        vars(user)["_points_shops"] = codes
    return village_code in codes


def is_township_code(code: str) -> bool:
    """A township's 12-digit code (its village digits 000), not a county's."""
    return len(code) == 12 and code.endswith("000") and code[6:9] != "000"


def can_redeem(user: AnyUser, shop_code: str) -> bool:
    """Goods taken for points at the counter: the shop's keepers (can_keep_shop) and its shop-keepers. A
    shop-keeper does nothing else with points (no review, no award, no rules, no prices)."""
    return can_keep_shop(user, shop_code) or is_shopkeeper(user, shop_code)


def can_keep_shop(user: AnyUser, shop_code: str) -> bool:
    """The goods' prices and stock, the free-text redemptions and who keeps the shop: the village's cadres; for a
    township's shop serving several villages, the township's points office (and the county administrators)."""
    if is_township_code(shop_code):
        return catalogue_keeper(user, shop_code)
    return in_scope(user, shop_code, CADRE_ROLES)


def review_roles(rule: VillageRule | None) -> set[str]:
    if rule is None:
        return set(default_review_roles())
    return set(rule.review_roles)


def in_review_group(user: AnyUser, village_code: str, rule: VillageRule | None) -> bool:
    return in_scope(user, village_code, review_roles(rule))


def can_open_review(user: AnyUser, village_code: str, rule: VillageRule | None) -> bool:
    """The review queue: the review group, and the supervision committee for objections."""
    return in_scope(user, village_code, review_roles(rule) | OBJECTION_EXTRA_ROLES)


def can_propose(user: AnyUser, village_code: str) -> bool:
    return in_scope(user, village_code, PROPOSE_ROLES)


def delegators(user: AnyUser) -> list[Villager]:
    """Villagers who let this user declare points for them now (an active "points" delegation); cached per user."""
    if not user.is_authenticated:
        return []
    return [d.villager for d in helped(user, DelegationScope.POINTS)]  # people.rules caches the query


def declarable_households(user: AnyUser, village: Region) -> list[Household]:
    """Households this user may declare for in the village: all (a proposer), else their own and their
    delegators' (a helper's)."""
    qs = Household.objects.filter(village=village).select_related("representative").order_by("number")
    if can_propose(user, village.code):
        return list(qs)
    own = own_villager(user)
    ids = {v.household_id for v in delegators(user) if v.region_code == village.code}
    if own is not None and own.region_code == village.code:
        ids.add(own.household_id)
    return list(qs.filter(pk__in=[i for i in ids if i]))


def can_declare_for(user: AnyUser, household: Household) -> bool:
    """The household's own members, a helper of one of them ("points" delegation), or a proposer."""
    if can_propose(user, household.region_code):
        return True
    own = own_villager(user)
    if own is not None and own.household_id == household.pk:
        return True
    return any(v.household_id == household.pk for v in delegators(user))


def own_household_id(user: AnyUser) -> int | None:
    own = own_villager(user)
    return own.household_id if own is not None else None


def may_review(user: AnyUser, entry: Entry, rule: VillageRule | None) -> bool:
    """The review group reviews a declaration, never one for their own household nor one they declared."""
    return (
        entry.status == EntryStatus.DECLARED
        and in_review_group(user, entry.region_code, rule)
        and own_household_id(user) != entry.household_id
        and entry.declared_by_id != getattr(user, "pk", None)
    )


def may_object(user: AnyUser, entry: Entry) -> bool:
    """Any villager of the village, while the objection period runs."""
    return entry.open_for_objection and is_member(user, entry.region_code)


def may_decide(user: AnyUser, objection: Objection, rule: VillageRule | None) -> bool:
    """The review group or the supervision committee decides, never about their own household's points."""
    return (
        objection.status == ObjectionStatus.OPEN
        and in_scope(user, objection.region_code, review_roles(rule) | OBJECTION_EXTRA_ROLES)
        and own_household_id(user) != objection.entry.household_id
        and objection.raised_by_id != getattr(user, "pk", None)
    )


def can_see_household(user: AnyUser, household: Household) -> bool:
    """A household's points file: its members, the village's review group and staff in scope."""
    return (
        own_household_id(user) == household.pk
        or in_scope(user, household.region_code, VILLAGE_ROLES)
        or catalogue_keeper(user, township_of(household.region_code))
    )


def can_see_evidence(user: AnyUser, entry: Entry) -> bool:
    """An evidence photo may show people: the household, reviewers and staff; not the whole village."""
    return can_see_household(user, entry.household)


def can_see_receipt(user: AnyUser, entry: Entry) -> bool:
    """A redemption's receipt: whoever sees the household's file, and the counter of the shop it was taken at
    (its keepers and shop-keepers, who print it for the villager)."""
    shop = entry.goods.region_code if entry.goods_id else entry.region_code  # type: ignore[union-attr]  # goods_id set
    return can_see_household(user, entry.household) or can_redeem(user, shop)


def can_see_entry(user: AnyUser, entry: Entry) -> bool:
    """Posted and later entries are on the village's board; declarations and rejections only for the file."""
    if entry.status in (EntryStatus.DECLARED, EntryStatus.REJECTED):
        return can_see_household(user, entry.household) or entry.declared_by_id == getattr(user, "pk", None)
    return can_see_village(user, entry.region_code)


def is_township_item_for(item: Item, township_code: str) -> bool:
    return item.township.code == township_code
