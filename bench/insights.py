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
"""

from __future__ import annotations

import argparse
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


def _child(database: str, folder: Path, seconds: float) -> str:
    env = {
        **os.environ,
        "DATABASE_URL": database if "://" in database else f"sqlite:///{database}",
        "CUNZHI_DATA_DIR": str(folder),
        "DJANGO_SETTINGS_MODULE": "cunzhi.settings",
    }
    done = subprocess.run(
        [sys.executable, __file__, "--child", "--seconds", str(seconds)],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    )
    return done.stdout


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database", help="an SQLite file (or a database URL) that already holds the demo")
    parser.add_argument("--seconds", type=float, default=10.0, help="total measuring time (default 10)")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        sys.stdout.write(_markdown(_run(args.seconds)))
        return
    with tempfile.TemporaryDirectory() as tmp:
        database = _prepare(args.database, Path(tmp))
        sys.stdout.write(_child(database, Path(tmp), args.seconds))


if __name__ == "__main__":
    main()
