"""What the ledger's readers show beside a signed-off period.

The ledger stands alone: it knows no other domain. A domain that reads the ledger (disclosure, which
generates the finance disclosure of a period) registers a column here when the app starts; the periods
page then shows that column without importing the reader.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from django.http import HttpRequest

from cunzhi.ledger.models import Period
from cunzhi.regions.models import Region

# cells(periods=[Period, …], request=HttpRequest, village=Region) -> {period.pk: html}: one cell per period it fills.
Cells = Callable[..., dict[int, str]]


@dataclass(frozen=True)
class PeriodColumn:
    heading: Callable[[], str]  # called when shown, so the heading is in the reader's language
    cells: Cells


_columns: list[PeriodColumn] = []


def period_column_register(*, heading: Callable[[], str], cells: Cells) -> None:
    """A reader's column on the periods page (registered once, from the reader's AppConfig.ready)."""
    _columns.append(PeriodColumn(heading=heading, cells=cells))


def period_columns(
    *, periods: Sequence[Period], request: HttpRequest, village: Region
) -> tuple[list[str], dict[int, list[str]]]:
    """The registered columns' headings, and each period's cells in that order ("" where a column has none)."""
    headings: list[str] = []
    cells: dict[int, list[str]] = {p.pk: [] for p in periods}
    for column in _columns:
        filled = column.cells(periods=periods, request=request, village=village)
        headings.append(column.heading())
        for p in periods:
            cells[p.pk].append(filled.get(p.pk, ""))
    return headings, cells
