"""Page-number pagination for every API list: ?page=1&page_size=20 (at most 100)."""

from typing import Any

from django.db.models import QuerySet
from django.http import HttpRequest
from ninja import Field, Schema
from ninja.pagination import PaginationBase

DEFAULT_PAGE_SIZE = 20  # DESIGN.md: pages of 20 rows
MAX_PAGE_SIZE = 100
# Lists are counted up to here. A county administrator's villagers are half a million: counting them all on
# every page cost more than the page itself (the web lists stop at the same number: core.pagination).
COUNT_CAP = 10_000


class Pages(PaginationBase):
    """Two queries per page whatever the table size: the rows of this page and the count (up to COUNT_CAP)."""

    class Input(Schema):
        page: int = Field(1, ge=1, le=100_000)
        page_size: int = Field(DEFAULT_PAGE_SIZE, ge=1, le=MAX_PAGE_SIZE)

    class Output(Schema):
        items: list[Any]
        count: int = Field(description=f"How many items the list holds, counted up to {COUNT_CAP:,}.")
        count_exact: bool = Field(
            description=f"False when the list holds more than {COUNT_CAP:,} items: `count` is then {COUNT_CAP:,} "
            "and more pages follow; a filter narrows the list."
        )
        page: int
        page_size: int

    def paginate_queryset(
        self, queryset: QuerySet[Any], pagination: Input, request: HttpRequest, **params: Any
    ) -> dict[str, Any]:
        offset = (pagination.page - 1) * pagination.page_size
        count = self._capped_count(queryset)
        return {
            "items": list(queryset[offset : offset + pagination.page_size]),
            "count": min(count, COUNT_CAP),
            "count_exact": count <= COUNT_CAP,
            "page": pagination.page,
            "page_size": pagination.page_size,
        }

    @staticmethod
    def _capped_count(queryset: QuerySet[Any] | list[Any]) -> int:
        """The count, stopping one past the cap: COUNT over a LIMITed subquery, unordered."""
        if not isinstance(queryset, QuerySet):
            return len(queryset)
        return queryset.order_by()[: COUNT_CAP + 1].count()
