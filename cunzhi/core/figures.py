"""Figures grouped by region: the shape every domain's figure selectors return to insights.

A figure selector gets the subtree prefix, the length of the child code to group by and the period
[start, end), and returns {child code prefix: (numerator, denominator)} from ONE grouped query over
the subtree (rates), or {prefix: (count, None)} (counts). Insights adds numerators and denominators up;
a rate is never an average of rates.
"""

from typing import Any

from django.db.models import QuerySet
from django.db.models.functions import Substr


def group_key(field: str, length: int) -> Substr:
    """The expression grouping rows by the first `length` characters of a region-code field."""
    return Substr(field, 1, length)


def grouped(qs: QuerySet[Any], field: str, length: int, **aggregates: Any) -> list[dict]:
    """One row per child region (key "k") with the aggregates asked for, in one query."""
    return list(qs.values(k=group_key(field, length)).annotate(**aggregates).order_by())


def as_rates(rows: list[dict]) -> dict[str, tuple[int, int | None]]:
    """Rows with "n" and "d" as {child code: (numerator, denominator)}."""
    return {r["k"]: (r["n"], r["d"]) for r in rows}


def as_counts(rows: list[dict]) -> dict[str, tuple[int, int | None]]:
    """Rows with "n" as {child code: (count, None)}."""
    return {r["k"]: (r["n"], None) for r in rows}
