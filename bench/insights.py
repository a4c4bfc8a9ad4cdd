"""Benchmark of the figures (issue 17): the county's table from the stored roll-ups against counting the
raw tables, on the demo county. Bounded in time; the 300-village generator is issue 20's.

    .venv/bin/python bench/insights.py [--database /tmp/demo.sqlite3] [--seconds 10]

Without --database, a fresh SQLite database in a temporary directory is migrated and filled by
`seed_demo` (which computes the roll-ups of the demo's last 400 days). Then, one after the other, for
the county and for one township, periods this year / this quarter / the previous quarter:

- roll-ups: `selectors.figures` (one grouped query over Rollup + the running day and the distinct
  counts, counted directly);
- raw: every indicator's domain selector over the whole period (what the page did before roll-ups);

median and 95th percentile over as many runs as fit in --seconds per case (at most 200). The two must
give the same numbers (checked once per case).

`section()` returns the Markdown for docs/benchmarks.md (bench/run.py --only insights).

At county scale (issue 17's targets), on a database `seed_scale` has filled:

    .venv/bin/python manage.py seed_scale --villages 300 --villagers 500000 --years 3   # DATABASE_URL=...
    .venv/bin/python bench/insights.py --scale --database /path/to/scale.sqlite3

times the roll-ups (the backfill of every day since the first case, the nightly job's window, one day,
each replacing what was there), then, in a process of its own as a web server's, the figures page
(trends, table, flags, survey: the whole page through Django's test client as the county administrator,
nothing cached) for the county and the largest township in four periods, and the county's one table as
XLSX.
"""

from __future__ import annotations

import argparse
import math
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


def _prepare(database: str | None, folder: Path) -> str:
    if database:
        return database
    path = folder / "bench.sqlite3"
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{path}", "CUNZHI_DATA_DIR": str(folder)}
    for args in (["migrate", "-v0"], ["seed_demo"]):
        subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env, check=True, capture_output=True)
    return str(path)


def _time(fn, seconds: float) -> list[float]:
    out: list[float] = []
    stop = time.perf_counter() + seconds
    while time.perf_counter() < stop and len(out) < 200:
        t = time.perf_counter()
        fn()
        out.append((time.perf_counter() - t) * 1000)
    return out


def _run(seconds: float) -> list[dict]:
    import django

    django.setup()
    from django.utils import timezone

    from cunzhi.core import periods
    from cunzhi.insights import selectors
    from cunzhi.insights.registry import indicators
    from cunzhi.regions.models import PREFIX_LENGTH, Region

    def raw(region, start, end):
        length = PREFIX_LENGTH[selectors.CHILD_LEVEL[region.level]]
        return {i.key: i.compute(prefix=region.prefix, length=length, start=start, end=end) for i in indicators()}

    def stored(region, start, end):
        length = PREFIX_LENGTH[selectors.CHILD_LEVEL[region.level]]
        return selectors.counts(prefix=region.prefix, length=length, start=start, end=end)

    today = timezone.localdate()
    from cunzhi.insights.trends import shifted

    # The running periods (today is counted directly) and a finished one (roll-ups only, plus the
    # distinct counts, which are always counted directly).
    labels = [str(today.year), periods.current_quarter(), shifted(periods.current_quarter(), steps=-1)]
    regions = [Region.objects.get(level="county"), Region.objects.get(code="330523101000")]
    rows = []
    for region in regions:
        for label in labels:
            start, end = periods.label_bounds(label)
            a, b = stored(region, start, end), raw(region, start, end)
            same = all(
                {k: (n, d or 0) for k, (n, d) in a[key].items()} == {k: (n, d or 0) for k, (n, d) in b[key].items()}
                for key in a
            )
            for name, fn in (("roll-ups", stored), ("raw", raw)):
                ms = _time(lambda fn=fn: fn(region, start, end), seconds / (2 * len(labels) * len(regions)))
                rows.append(
                    {
                        "region": region.name,
                        "period": label,
                        "how": name,
                        "runs": len(ms),
                        "median": statistics.median(ms),
                        "p95": sorted(ms)[int(0.95 * (len(ms) - 1))],
                        "same": same,
                    }
                )
    return rows


def _run_scale(seconds: float, backfill: bool = True, part: str = "rollups") -> str:
    """One of the two parts, each in a process of its own: "rollups" (the task worker's job) or "pages" (the
    web server's). In one process, the pages measured right after the roll-ups were 30-40 % slower (the 10x
    county's running year: 170 -> 235 ms); a new connection won back half: the job leaves both Python's heap
    and the connection's server process grown for every request after."""
    import django

    django.setup()
    import datetime as dt

    from django.db.models import Min
    from django.utils import timezone

    from cunzhi.concerns.models import Concern
    from cunzhi.insights import services
    from cunzhi.insights.models import Rollup
    from cunzhi.people.models import Villager
    from cunzhi.regions.models import Region

    def timed(fn) -> tuple[float, object]:
        t = time.perf_counter()
        out = fn()
        return (time.perf_counter() - t), out

    if part == "pages":
        return _pages(seconds)
    yesterday = timezone.localdate() - dt.timedelta(days=1)
    first = timezone.localtime(Concern.objects.aggregate(m=Min("created_at"))["m"]).date()
    lines = [
        "## Figures (insights) at county scale",
        "",
        f"{Region.objects.filter(level='village').count()} villages, {Villager.objects.count():,} villagers, "
        f"{Concern.objects.count():,} concerns since {first}; load average before "
        f"{' / '.join(f'{x:.2f}' for x in os.getloadavg())}.",
        "",
        "| Roll-up | days | rows written | seconds |",
        "|---|---:|---:|---:|",
    ]
    steps = [("backfill: every day since the first case", lambda: services.rollup_range(first, yesterday))]
    if not backfill:  # done beforehand (10× the county: `insights_rollup --from --to` in parts, side by side)
        steps = []
        lines.insert(-2, "The backfill was done beforehand, not in this run.\n")
    for label, fn in (
        *steps,
        ("the nightly job (its window of days)", lambda: services.rollup_nightly()),
        ("one day (yesterday)", lambda: services.rollup_range(yesterday, yesterday)),
    ):
        secs, out = timed(fn)
        days, rows = out if isinstance(out, tuple) else (out.split()[0], out.split()[2])
        lines.append(f"| {label} | {days} | {rows} | {secs:.1f} |")
    lines.append(f"\n{Rollup.objects.count():,} roll-up rows in all.\n")
    return "\n".join(lines) + "\n"


def _pages(seconds: float) -> str:
    import datetime as dt

    from django.db.models import Count
    from django.test import Client
    from django.urls import reverse
    from django.utils import timezone

    from cunzhi.core import periods
    from cunzhi.insights.trends import shifted
    from cunzhi.people.models import User
    from cunzhi.regions.models import Region

    lines = []
    client = Client()
    import gc

    gc.collect()
    gc.freeze()  # as the web server's workers do once loaded (cunzhi/gunicorn.conf.py, post_worker_init)
    # The demo's county administrator, signed in as a real login signs in (the account's flags in one query).
    client.force_login(User.objects.get(phone="13800000011"), backend="cunzhi.core.logins.AccountDelayBackend")
    county = Region.objects.get(level="county")
    township = Region.objects.filter(level="township").annotate(n=Count("children")).order_by("-n", "code").first()
    quarter = periods.current_quarter()
    last_month = (timezone.localdate().replace(day=1) - dt.timedelta(days=1)).strftime("%Y-%m")
    labels = [quarter, shifted(quarter, steps=-1), str(timezone.localdate().year), last_month]
    lines += [
        "| Page | region | period | runs | median ms | p95 ms |",
        "|---|---|---|---:|---:|---:|",
    ]
    cases = [("figures page", reverse("insights:index"), r, p) for r in (county, township) for p in labels]
    cases.append(("one table (XLSX)", reverse("insights:export"), county, quarter))
    each = seconds / len(cases)
    for name, url, region, label in cases:
        query = {"region": region.code, "period": label}
        assert client.get(url, query).status_code == 200  # a refusal would time an error page
        ms = _time(lambda url=url, query=query: client.get(url, query), each)
        ms.sort()
        lines.append(
            f"| {name} | {region.name} ({Region.objects.filter(parent=region).count()} below) | {label} | "
            f"{len(ms)} | {statistics.median(ms):.0f} | {ms[math.ceil(0.95 * len(ms)) - 1]:.0f} |"
        )
    return "\n".join(lines) + "\n"


def _markdown(rows: list[dict]) -> str:
    lines = [
        "## Figures (insights): roll-ups against the raw tables, demo county",
        "",
        "| region | period | from | runs | median ms | p95 ms | same numbers |",
        "|---|---|---|---:|---:|---:|---|",
    ]
    for r in rows:
        lines.append(
            f"| {r['region']} | {r['period']} | {r['how']} | {r['runs']} | {r['median']:.1f} | {r['p95']:.1f} | "
            f"{'yes' if r['same'] else 'NO'} |"
        )
    return "\n".join(lines) + "\n"


def section(seconds: float = 10.0) -> str:
    with tempfile.TemporaryDirectory() as tmp:
        database = _prepare(None, Path(tmp))
        return _child(database, Path(tmp), seconds)


def _child(database: str, folder: Path, seconds: float, scale: bool = False, backfill: bool = True) -> str:
    env = {
        **os.environ,
        "DATABASE_URL": database if "://" in database else f"sqlite:///{database}",
        "CUNZHI_DATA_DIR": str(folder),
        "DJANGO_SETTINGS_MODULE": "cunzhi.settings",
    }
    out = ""
    for part in ("rollups", "pages") if scale else ("",):
        done = subprocess.run(
            [
                sys.executable,
                __file__,
                "--child",
                "--seconds",
                str(seconds),
                *(["--scale", "--part", part] if scale else []),
                *([] if backfill else ["--no-backfill"]),
            ],
            cwd=ROOT,
            env=env,
            check=True,
            capture_output=True,
            text=True,
        )
        out += done.stdout
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database", help="an SQLite file (or a database URL) that already holds the demo")
    parser.add_argument("--seconds", type=float, default=10.0, help="total measuring time (default 10)")
    parser.add_argument("--scale", action="store_true", help="a database seed_scale filled: roll-ups, pages, XLSX")
    parser.add_argument(
        "--no-backfill", dest="backfill", action="store_false", help="with --scale: the roll-ups are already filled"
    )
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--part", default="rollups", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        out = _run_scale(args.seconds, args.backfill, args.part) if args.scale else _markdown(_run(args.seconds))
        sys.stdout.write(out)
        return
    if args.scale and not args.database:
        parser.error("--scale needs --database (a database seed_scale filled)")
    with tempfile.TemporaryDirectory() as tmp:
        database = _prepare(args.database, Path(tmp))
        sys.stdout.write(_child(database, Path(tmp), args.seconds, args.scale, args.backfill))


if __name__ == "__main__":
    main()
