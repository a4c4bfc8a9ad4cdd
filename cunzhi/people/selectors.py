"""Reads for people. Every list is filtered by the reader's scope and runs a fixed number of queries."""

from django.db.models import Count, Q
from django.utils import timezone

from cunzhi.people import rules
from cunzhi.people.models import DataAccess, Delegation, Household, RoleAssignment, Villager
from cunzhi.regions.models import Region


def villagers_visible(*, user, search: str = "", region: Region | None = None):
    """Villagers the user may list, newest structure first; `search` matches name, pinyin or phone."""
    qs = Villager.objects.filter(rules.scope_q(user)).select_related("village", "group", "household")
    if region is not None:
        qs = qs.filter(region_code__startswith=region.prefix)
    if search:
        term = search.strip()
        qs = qs.filter(Q(name__contains=term) | Q(name_pinyin__startswith=term.lower().replace(" ", ""))
                       | Q(phone=term))
    return qs


def households_visible(*, user, region: Region | None = None):
    qs = (Household.objects.filter(rules.scope_q(user)).select_related("village", "group", "representative")
          .annotate(member_count=Count("members")))
    if region is not None:
        qs = qs.filter(region_code__startswith=region.prefix)
    return qs


def regions_visible(*, user, level: str | None = None):
    """Regions in the user's scope (a villager sees their own village's line of the tree)."""
    ps = rules.prefixes(user)
    own = rules.own_villager(user)
    q = Q(pk__in=[])
    for p in ps:
        q |= Q(code__startswith=p)
    if own is not None:
        q |= Q(code__startswith=own.region_code) | Q(pk__in=_ancestor_ids(own.village))
    qs = Region.objects.filter(q)
    if level:
        qs = qs.filter(level=level)
    return qs


def _ancestor_ids(region: Region) -> list[int]:
    ids = []
    node = region
    while node is not None:
        ids.append(node.pk)
        node = node.parent
    return ids


def delegations_granted(*, villager):
    return Delegation.objects.filter(villager=villager).select_related("helper")


def delegations_held(*, user):
    return Delegation.objects.filter(helper=user).select_related("villager", "villager__village")


def data_accesses(*, villager, limit: int = 50):
    return DataAccess.objects.filter(subject=villager)[:limit]


def adults_in(*, region: Region, on=None):
    """Villagers aged 18 or more on a day (default today): derived from birth dates, never typed."""
    day = on or timezone.localdate()
    try:
        cutoff = day.replace(year=day.year - 18)
    except ValueError:  # 29 February
        cutoff = day.replace(year=day.year - 18, day=28)
    return Villager.objects.filter(region_code__startswith=region.prefix, birth_date__lte=cutoff)


def roles_of(*, user):
    return RoleAssignment.objects.filter(user=user).select_related("region", "office")


def home_context(*, user) -> dict:
    """What the home page shows: the villager's own things, and the staff member's region and work."""
    villager = rules.own_villager(user)
    context = {"villager": villager, "now": timezone.now()}
    if villager is not None:
        villager = Villager.objects.select_related("village__parent", "group", "household", "grid__worker").get(
            pk=villager.pk)
        context.update(
            villager=villager,
            household_members=list(Villager.objects.filter(household_id=villager.household_id)
                                   .only("name", "birth_date", "living_away", "public_id"))
            if villager.household_id else [],
            delegations=list(delegations_granted(villager=villager)[:10]),
            accesses=list(data_accesses(villager=villager, limit=5)),
        )
    context["delegations_held"] = list(delegations_held(user=user).filter(revoked_at__isnull=True,
                                                                         ends_at__gt=timezone.now())[:20])
    roles = list(roles_of(user=user))
    context["roles"] = roles
    if roles:
        scope = rules.scope_q(user)
        context["scope_counts"] = {
            "villagers": Villager.objects.filter(scope).count(),
            "households": Household.objects.filter(scope).count(),
            "away": Villager.objects.filter(scope, living_away=True).count(),
        }
    return context
