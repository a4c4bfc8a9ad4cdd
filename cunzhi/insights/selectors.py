"""The figures table: one row per child region (townships of a county, villages of a township), one
column per indicator; one grouped query per indicator whatever the number of regions."""

import datetime as dt
from typing import Any

from cunzhi.insights.registry import Indicator, indicators
from cunzhi.regions.models import PREFIX_LENGTH, Level, Region

# Keyed by plain level codes: a region's `level` is the stored string.
CHILD_LEVEL: dict[str, str] = {
    Level.COUNTY: Level.TOWNSHIP,
    Level.TOWNSHIP: Level.VILLAGE,
    Level.VILLAGE: Level.VILLAGE,
}


def _cell(ind: Indicator, num: int, den: int | None) -> dict[str, Any]:
    if ind.kind == "count":
        return {"value": num, "num": num, "den": None}
    return {"value": (num / den) if den else None, "num": num, "den": den}


def figures(*, region: Region, start: dt.datetime, end: dt.datetime) -> dict[str, Any]:
    """{"columns", "rows": [{"region", "cells"}], "total"} for the region's children in [start, end)."""
    child_level = CHILD_LEVEL[region.level]
    length = PREFIX_LENGTH[child_level]
    if region.level == Level.VILLAGE:
        children = [region]
    else:
        children = list(Region.objects.filter(parent=region, level=child_level).only("code", "name", "prefix", "level"))
    columns = list(indicators())
    results = [ind.compute(prefix=region.prefix, length=length, start=start, end=end) for ind in columns]
    by_prefix = {c.code[:length]: c for c in children}
    # Rows owned by the region itself (a township office's own concerns, say) get a row of their own.
    own_key = region.code[:length]
    extra_keys = sorted({k for r in results for k in r if k not in by_prefix})
    rows = []
    for child in children:
        rows.append(
            {
                "region": child,
                "own": False,
                "cells": [_cell(ind, *res.get(child.code[:length], (0, 0))) for ind, res in zip(columns, results)],
            }
        )
    for key in extra_keys:
        rows.append(
            {
                "region": region if key == own_key else None,
                "own": True,
                "key": key,
                "cells": [_cell(ind, *res.get(key, (0, 0))) for ind, res in zip(columns, results)],
            }
        )
    total = []
    for ind, res in zip(columns, results):
        num = sum(v[0] for v in res.values())
        den = sum(v[1] or 0 for v in res.values())
        total.append(_cell(ind, num, den))
    return {"columns": columns, "rows": rows, "total": total, "child_level": child_level}
