"""Paging lists too long to count whole: a county's villagers and households."""

from functools import cached_property

from django.core.paginator import Paginator
from django.db.models import QuerySet


class CappedPaginator(Paginator):
    """Counts at most `cap` rows (and one more, to know there are more), so that a county administrator's
    list of half a million villagers does not count them all on every page: the count was half the page's
    time on the generated county (docs/benchmarks.md). Past the cap the list says "more than", the pager
    shows no last page, and pages go as far as the cap; the filters narrow the list."""

    cap = 10_000

    @cached_property
    def count(self) -> int:
        # COUNT over a LIMITed subquery of bare ids: no ordering, no annotations (a household's member count
        # would be computed for every row counted).
        rows = self.object_list
        assert isinstance(rows, QuerySet), "CappedPaginator pages querysets"
        return rows.order_by().values("pk")[: self.cap + 1].count()

    @property
    def capped(self) -> bool:
        return self.count > self.cap
