"""Issue 17's targets at county scale: a county of 300 villages and 500,000 villagers with three years of
activity (`manage.py seed_scale`, about 7 minutes on SQLite), then bench/insights.py --scale on it: the
roll-ups (backfill, the nightly window, one day), the whole figures page uncached for the county and its
largest township in four periods, and the county's one table as XLSX.

    .venv/bin/python bench/run.py --only insights_scale     (about 17 minutes in all)
"""

from __future__ import annotations

import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench import insights  # noqa: E402


def section(villages: int = 300, villagers: int = 500_000, years: int = 3, seconds: float = 60.0) -> str:
    with tempfile.TemporaryDirectory() as tmp:
        database = Path(tmp) / "scale.sqlite3"
        env = {**os.environ, "DATABASE_URL": f"sqlite:///{database}", "CUNZHI_DATA_DIR": tmp}
        started = time.perf_counter()
        for args in (
            ["migrate", "-v0"],
            ["seed_scale", "--villages", str(villages), "--villagers", str(villagers), "--years", str(years)],
        ):
            subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env, check=True, capture_output=True)
        built = time.perf_counter() - started
        peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss // 1024
        body = insights._child(str(database), Path(tmp), seconds, scale=True)
    head, _, rest = body.partition("\n\n")
    stamp = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    return (
        f"{head}\n\nThe county: `seed_scale --villages {villages} --villagers {villagers} --years {years}` on SQLite "
        f"(WAL) after the demo, built in {built:.0f} s (peak {peak} MB). Run {stamp}; "
        f"the roll-ups and pages in one process, one request at a time (Django's test client, the county "
        f"administrator signed in).\n\n{rest}"
    )
