"""Reads for the region tree itself. What people see of it (scope, head counts, grids) is in people.selectors."""

from collections.abc import Sequence

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


# A county's staff choose a township first when their list holds more villages than this: every village on one
# page cost a county administrator's lists ~40 µs a village in templates (312 villages: 12 ms, docs/benchmarks.md),
# and is a long scroll on a phone. A township's villages (about 20) and the demo county fit on one page.
VILLAGES_AT_ONCE = 60


def villages_by_township(
    villages: Sequence[Region], *, township: str = ""
) -> tuple[list[Region], list[Region], Region | None]:
    """(the villages to list, the townships to choose from, the township chosen).

    Up to VILLAGES_AT_ONCE villages, or the villages of one township: all of them and no choice. More: the
    townships they lie in, each with `village_count`, to choose from; or, when `township` is the code of one of
    those, only its villages. One query (the townships' names), none when there is nothing to choose."""
    by_prefix: dict[str, list[Region]] = {}
    for village in villages:
        by_prefix.setdefault(village.code[:9], []).append(village)
    if len(villages) <= VILLAGES_AT_ONCE or len(by_prefix) < 2:
        return list(villages), [], None
    townships = list(
        Region.objects.filter(level=Level.TOWNSHIP, prefix__in=list(by_prefix))
        .only("code", "name", "prefix", "level")
        .order_by("code")
    )
    for t in townships:
        t.village_count = len(by_prefix[t.prefix])
        if t.code == township:
            return by_prefix[t.prefix], [], t
    return [], townships, None
