"""Indicators: each domain states how to compute its figures; this app only lays them side by side.

A domain adds `<app>/insights.py` with `INDICATORS = [Indicator(...), ...]`. `compute` gets the
subtree prefix, the length of the child code to group by, and the period, and returns
{child code prefix: (numerator, denominator)} from ONE grouped query over the subtree (rates), or
{prefix: (count, None)} (counts). Totals add numerators and denominators up; a rate is never an
average of rates.

Against formalism (domain.md): indicators measure outcomes — answered on time, resolved, rated
satisfied, disclosed on time, read — never log-ins, clicks, uploads or time online.
"""

from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from importlib import import_module
from importlib.util import find_spec

from django.apps import apps


@dataclass(frozen=True)
class Indicator:
    key: str
    label: str  # lazy translation
    help: str  # what is counted, in one sentence (lazy translation)
    compute: Callable[..., dict[str, tuple[int, int | None]]]
    kind: str = "rate"  # "rate" (numerator / denominator) or "count"
    higher_is_better: bool | None = True
    domain: str = ""


@cache
def indicators() -> tuple[Indicator, ...]:
    """Every domain's indicators, in app order."""
    from cunzhi.insights import domains

    out = list(domains.INDICATORS)
    for config in apps.get_app_configs():
        if config.name.startswith("cunzhi.") and find_spec(f"{config.name}.insights"):
            for ind in import_module(f"{config.name}.insights").INDICATORS:
                out.append(Indicator(**{**ind.__dict__, "domain": ind.domain or str(config.verbose_name)}))
    return tuple(out)


def group_key(field: str, length: int):
    """The expression grouping rows by the first `length` characters of a region-code field."""
    from django.db.models.functions import Substr

    return Substr(field, 1, length)
