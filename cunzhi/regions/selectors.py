"""Reads for the region tree. Fixed query counts: a county tree is one annotated query."""

from django.db.models import Q

from cunzhi.people import rules as people_rules
from cunzhi.people import selectors as people_selectors
from cunzhi.regions import rules as region_rules
from cunzhi.regions.models import PREFIX_LENGTH, Grid, Level, Region


def scope_regions_q(user) -> Q:
    """Regions a user may see: staff prefixes' subtrees, or a villager's own village, its groups and ancestors."""
    q = Q(pk__in=[])
    for p in people_rules.prefixes(user):
        q |= Q(code__startswith=p)
    own = people_rules.own_villager(user)
    if own is not None:
        code = own.region_code
        # Same line as people.selectors.regions_visible and rules.can_view_region.
        q |= Q(code__startswith=code) | Q(code=code[:9] + "000") | Q(code=code[:6] + "000000")
    return q


def region_tree(*, user) -> list:
    """Root nodes of the tree the user may see (county, township, village levels), each with `.kids`.

    Villages carry villager/household/away counts from one annotated query; townships and counties
    carry the sums of their villages.
    """
    nodes = list(
        Region.objects.filter(scope_regions_q(user))
        .exclude(level=Level.GROUP)
        .annotate(**people_selectors.village_count_annotations())
        .order_by("code")
    )
    by_pk = {n.pk: n for n in nodes}
    roots = []
    for n in nodes:
        n.kids = []
        n.show_counts = region_rules.can_see_counts(user, n)
        n.viewable = region_rules.can_view_region(user, n)
    for n in nodes:
        parent = by_pk.get(n.parent_id)
        (parent.kids if parent is not None else roots).append(n)
    # Sum village counts upward (codes are sorted, so walk from the deepest level up).
    for level in (Level.TOWNSHIP, Level.COUNTY):
        for n in nodes:
            if n.level == level and n.kids:
                n.villager_count = sum(k.villager_count for k in n.kids)
                n.household_count = sum(k.household_count for k in n.kids)
                n.away_count = sum(k.away_count for k in n.kids)
                n.village_total = sum(getattr(k, "village_total", 1 if k.level == Level.VILLAGE else 0) for k in n.kids)
    return roots


def region_by_code(*, code: str) -> Region:
    """The region with its ancestors loaded (raises Region.DoesNotExist)."""
    return Region.objects.select_related("parent__parent__parent").get(code=code)


def region_ancestors(region: Region) -> list[Region]:
    chain, node = [], region.parent
    while node is not None:
        chain.append(node)
        node = node.parent
    return chain[::-1]


def region_children(*, region: Region) -> list[Region]:
    """Direct children with head counts, by the cheapest query for the level."""
    children = Region.objects.filter(parent=region).order_by("code")
    if region.level == Level.TOWNSHIP:
        return list(children.annotate(**people_selectors.village_count_annotations()))
    if region.level == Level.VILLAGE:
        return list(children.annotate(**people_selectors.group_count_annotations()))
    # A county's townships: one grouped count over the county's villagers.
    kids = list(children)
    counts = people_selectors.villager_counts_by_prefix(prefix=region.prefix, length=PREFIX_LENGTH[Level.TOWNSHIP])
    for k in kids:
        k.villager_count = counts.get(k.prefix, 0)
    return kids


def village_grids(*, village: Region) -> list[Grid]:
    return list(
        Grid.objects.filter(village=village)
        .select_related("worker")
        .annotate(**people_selectors.grid_count_annotations())
    )


def village_counts(*, village: Region) -> dict:
    row = (
        Region.objects.filter(pk=village.pk)
        .annotate(**people_selectors.village_count_annotations())
        .values("villager_count", "household_count", "away_count")
        .first()
    )
    return row or {}


def villages_in_scope(*, user) -> list[Region]:
    """Villages inside the user's staff scope, for filter menus (one query)."""
    return list(
        Region.objects.filter(people_rules.scope_q(user, field="code"), level=Level.VILLAGE).only(
            "code", "name", "prefix", "level"
        )
    )


def groups_of(*, village: Region) -> list[Region]:
    return list(Region.objects.filter(parent=village, level=Level.GROUP).only("code", "name", "prefix", "level"))


def counties_by_prefix(*, prefixes: list[str]) -> list[Region]:
    return list(Region.objects.filter(level=Level.COUNTY, prefix__in=prefixes))


def villages_find(*, text: str = "", limit: int = 400) -> list[Region]:
    """Villages for the public village finder, with their township (one query); `text` matches part of the
    village's or its township's name, so "天荒坪" finds every village of that township."""
    qs = (
        Region.objects.filter(level=Level.VILLAGE)
        .select_related("parent")
        .only("code", "name", "prefix", "level", "parent__code", "parent__name", "parent__level", "parent__prefix")
    )
    if text:
        qs = qs.filter(Q(name__contains=text) | Q(parent__name__contains=text))
    return list(qs.order_by("code")[:limit])


def village_public(*, code: str) -> Region | None:
    """A village with its township and county, for its public page; None for any other code."""
    return Region.objects.select_related("parent__parent").filter(code=code, level=Level.VILLAGE).first()
