"""Reads for the region tree itself. What people see of it (scope, head counts, grids) is in people.selectors."""

from django.db.models import Q

from cunzhi.regions.models import Level, Region


def region_by_code(*, code: str) -> Region:
    """The region with its ancestors loaded (raises Region.DoesNotExist)."""
    return Region.objects.select_related("parent__parent__parent").get(code=code)


def region_ancestors(region: Region) -> list[Region]:
    chain, node = [], region.parent
    while node is not None:
        chain.append(node)
        node = node.parent
    return chain[::-1]


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
