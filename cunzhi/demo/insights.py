"""Demo figures: the daily roll-ups of the demo's history, computed the way the nightly job does.

Runs last, after every domain has written its cases, so the figures page, its trends and the one table
read stored roll-ups from the first request. The demo's story spans about a year (ledger quarters,
disclosure deadlines); the roll-up is one grouped query per indicator and day.
"""

from __future__ import annotations

import datetime as dt

from cunzhi.insights import services

HISTORY_DAYS = 400


def seed(*, rng, today: dt.date, logins: dict) -> dict:
    days, rows = services.rollup_range(today - dt.timedelta(days=HISTORY_DAYS), today - dt.timedelta(days=1))
    return {"figure_rollup_days": days, "figure_rollup_rows": rows}
