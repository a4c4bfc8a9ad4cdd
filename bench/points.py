"""Benchmark of points (issue 16): the household points file, the village's public posting, and concurrent
redemptions at the points supermarket counter — with a bare Django view measured beside the pages.

    .venv/bin/python bench/points.py [--requests 100] [--database sqlite|postgres|both]
    .venv/bin/python bench/run.py --only points      # the same, written into docs/benchmarks.md

Each run uses a throwaway database (a SQLite file in a temporary directory, or the PostgreSQL database
cz_bench_points on 127.0.0.1, dropped afterwards), migrated, with one village of 400 households (one villager
each, with a representative) and a cadre:

1. Pages (in-process Django test client through the whole middleware stack, bench/urls.py adds the bare view;
   sequential requests after warm-up, wall time and this process's CPU time per request):
   - the points file of one household with 10 years of history, 2,000 entries (first page and last page);
   - the village's public posting with 400 households: the board (summary over all households, the newest
     posted decisions) and the printable board (the last 31 days, up to 500 decisions); three posted decisions
     per household, 1,200 in the last 31 days.
   Targets: points file < 50 ms, the public posting < 100 ms.
2. Concurrent redemptions (PostgreSQL only: SQLite takes one writer at a time): 200 redemptions started at
   the same instant by 200 threads through `points.services.counter_redeem` — the service the counter page and
   API call — with at most 40 database connections at once (a production pool; the server allows 100 and
   other work shares it). Round 1 is bound by stock (150 in stock, 50 households with points for 5 each, 4
   redemptions each): exactly 150 succeed. Round 2 is bound by points (8 redemptions at once per household of
   25 households with points for 2): exactly 50 succeed. After each: stock = start - sold, every household's
   balance = the sum of its entries = its start - what it redeemed, never below zero; one entry per success.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PY = sys.executable
VILLAGE = "330523101201"
PG_ADMIN = "postgresql://postgres@127.0.0.1:5432/postgres"
PG_DB = "cz_bench_points"
FILE_TARGET_MS = 50.0
BOARD_TARGET_MS = 100.0
HOUSEHOLDS = 400
FILE_ENTRIES = 2000
CONCURRENT = 200
POOL = 40


# --- in the child process ------------------------------------------------------------------------
def _world():
    from cunzhi.people.models import Household, Role, RoleAssignment, User, Villager
    from cunzhi.people.tests.factories import VillagerFactory
    from cunzhi.points import services
    from cunzhi.regions.models import Level, Region

    county = Region.objects.create(code="330523000000", name="安吉县", level=Level.COUNTY)
    town = Region.objects.create(code="330523101000", name="天荒坪镇", level=Level.TOWNSHIP, parent=county)
    village = Region.objects.create(code=VILLAGE, name="余村", level=Level.VILLAGE, parent=town)
    cadre = User.objects.create(phone="13800000005", name="潘书记")
    RoleAssignment.objects.create(user=cadre, role=Role.CADRE, region=village)
    Household.objects.bulk_create(
        [Household(village=village, region_code=VILLAGE, number=f"Y{i:04d}") for i in range(HOUSEHOLDS)]
    )
    houses = list(Household.objects.filter(village=village).order_by("number"))
    surnames = "王李张刘陈杨黄赵吴周"
    for i, h in enumerate(houses):
        v = VillagerFactory(name=f"{surnames[i % 10]}{i}", village=village, household=h)
        h.representative = v
    Household.objects.bulk_update(houses, ["representative"])
    staff = User.objects.create(phone="13800000009", name="县管理员")
    RoleAssignment.objects.create(user=staff, role=Role.COUNTY_ADMIN, region=county)
    item = services.item_create(
        township=town, title="参加环境整治", sign="positive", points=5, min_points=1, max_points=10, actor=staff
    )
    services.rule_set(
        village=village,
        holder="household",
        base_grant=0,
        exclude_away=False,
        objection_days=7,
        review_roles=[Role.CADRE],
        actor=cadre,
    )
    adoption = services.adoption_set(village=village, item=item, points=5, yearly_cap=0, actor=cadre)
    return village, cadre, houses, adoption, Villager


def _fill(village, cadre, houses, adoption) -> dict:
    """2,000 counted entries over 10 years for the first household; 3 posted decisions per household lately."""
    from django.utils import timezone

    from cunzhi.points.models import Entry, EntryKind, EntryStatus

    now = timezone.now()
    today = timezone.localdate()
    rows = []
    for i in range(FILE_ENTRIES):
        day = today - dt.timedelta(days=3650 * (FILE_ENTRIES - i) // FILE_ENTRIES)
        at = timezone.make_aware(dt.datetime.combine(day, dt.time(10)))
        rows.append(
            Entry(
                village=village,
                region_code=VILLAGE,
                household=houses[0],
                kind=EntryKind.EARNED,
                adoption=adoption,
                points=5 if i % 7 else -2,
                year=day.year,
                occurred_on=day,
                description=f"第{i}次参加环境整治",
                status=EntryStatus.COUNTED,
                declared_by=cadre,
                declared_by_name=cadre.name,
                reviewed_by=cadre,
                reviewed_by_name=cadre.name,
                review_reason="照片属实",
                reviewed_at=at,
                objection_until=at + dt.timedelta(days=7),
                counted_at=at + dt.timedelta(days=7),
            )
        )
    for j, h in enumerate(houses):
        for k in range(3):
            at = now - dt.timedelta(days=(j * 3 + k) % 30, hours=k)
            status = EntryStatus.POSTED if (j + k) % 4 else EntryStatus.COUNTED
            rows.append(
                Entry(
                    village=village,
                    region_code=VILLAGE,
                    household=h,
                    kind=EntryKind.EARNED,
                    adoption=adoption,
                    points=5,
                    year=at.year,
                    occurred_on=timezone.localdate(at),
                    description="清理村道垃圾",
                    status=status,
                    declared_by=cadre,
                    declared_by_name=cadre.name,
                    reviewed_by=cadre,
                    reviewed_by_name=cadre.name,
                    review_reason="照片属实",
                    reviewed_at=at,
                    objection_until=at + dt.timedelta(days=7),
                    counted_at=at if status == EntryStatus.COUNTED else None,
                )
            )
    Entry.objects.bulk_create(rows, batch_size=1000)
    return {"entries": Entry.objects.count()}


def _time(client, path: str, n: int) -> dict:
    for _ in range(5):  # warm-up: templates, translations, connections
        r = client.get(path)
        assert r.status_code == 200, (path, r.status_code)
    wall, cpu = [], []
    size = 0
    for _ in range(n):
        c0, t0 = time.process_time(), time.perf_counter()
        r = client.get(path)
        wall.append((time.perf_counter() - t0) * 1000)
        cpu.append((time.process_time() - c0) * 1000)
        size = len(r.content)
    wall.sort()
    return {
        "p50": statistics.median(wall),
        "p95": wall[max(0, int(n * 0.95) - 1)],
        "cpu": statistics.median(cpu),
        "bytes": size,
    }


def _redeem_round(goods, jobs, cadre) -> dict:
    """Start every job at once (threads behind a barrier), at most POOL database connections at a time."""
    from django.core.exceptions import ValidationError
    from django.db import connections

    from cunzhi.points import services

    barrier = threading.Barrier(len(jobs))
    pool = threading.Semaphore(POOL)
    results: list[str] = []
    lock = threading.Lock()

    def one(house):
        barrier.wait()
        with pool:
            try:
                services.counter_redeem(household=house, goods=goods, quantity=1, actor=cadre)
                outcome = "ok"
            except ValidationError:
                outcome = "refused"
            except Exception as exc:  # anything else is a failure of the benchmark, reported
                outcome = f"error:{exc.__class__.__name__}"
            finally:
                connections.close_all()
        with lock:
            results.append(outcome)

    threads = [threading.Thread(target=one, args=(h,)) for h in jobs]
    t0 = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return {
        "seconds": time.perf_counter() - t0,
        "ok": results.count("ok"),
        "refused": results.count("refused"),
        "errors": [r for r in results if r.startswith("error")],
    }


def _check(goods, start_stock: int, houses, start_balance: int, ok: int) -> dict:
    from django.db.models import Count, Sum

    from cunzhi.points import selectors
    from cunzhi.points.models import Entry, EntryKind, EntryStatus, Goods

    stock = Goods.objects.get(pk=goods.pk).stock
    sold = Entry.objects.filter(goods=goods, kind=EntryKind.REDEMPTION).aggregate(n=Count("id"), q=Sum("quantity"))
    bad = 0
    for h in houses:
        entries = Entry.objects.filter(household=h, status=EntryStatus.COUNTED).aggregate(n=Sum("points"))["n"] or 0
        spent = -(
            Entry.objects.filter(household=h, goods=goods, kind=EntryKind.REDEMPTION).aggregate(n=Sum("points"))["n"]
            or 0
        )
        balance = selectors.balance(household=h)
        if balance != entries or balance < 0 or balance != start_balance - spent:
            bad += 1
    return {
        "stock_exact": stock == start_stock - ok,
        "entries_exact": sold["n"] == ok and (sold["q"] or 0) == ok,
        "households_wrong": bad,
    }


def _concurrency(village, cadre, houses) -> dict:
    from django.utils import timezone

    from cunzhi.points import services
    from cunzhi.points.models import Entry, EntryKind, EntryStatus

    today, now = timezone.localdate(), timezone.now()
    shoppers = houses[100:150]  # 50 households, none of them in the points file above
    Entry.objects.filter(household__in=shoppers).delete()
    grants = [(h, 50) for h in shoppers] + [(h, 25) for h in houses[150:175]]
    Entry.objects.filter(household__in=houses[150:175]).delete()
    Entry.objects.bulk_create(
        [
            Entry(
                village=village,
                region_code=VILLAGE,
                household=h,
                kind=EntryKind.BASE,
                points=p,
                year=today.year,
                occurred_on=today,
                status=EntryStatus.COUNTED,
                counted_at=now,
            )
            for h, p in grants
        ]
    )
    soap = services.goods_set(village=village, name="肥皂", points=10, stock=150, actor=cadre)
    rice = services.goods_set(village=village, name="大米", points=10, stock=1000, actor=cadre)
    r1 = _redeem_round(soap, [h for h in shoppers for _ in range(4)], cadre)
    r1 |= _check(soap, 150, shoppers, 50, r1["ok"])
    r1["expected_ok"] = 150
    second = houses[150:175]
    r2 = _redeem_round(rice, [h for h in second for _ in range(8)], cadre)
    r2 |= _check(rice, 1000, second, 25, r2["ok"])
    r2["expected_ok"] = 50
    return {"stock_bound": r1, "points_bound": r2}


def child(args) -> dict:
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client

    call_command("migrate", verbosity=0)
    call_command("createcachetable", verbosity=0)
    settings.ALLOWED_HOSTS = ["*"]
    t0 = time.perf_counter()
    village, cadre, houses, adoption, _v = _world()
    filled = _fill(village, cadre, houses, adoption)
    setup_s = time.perf_counter() - t0
    with connection.cursor() as c:
        c.execute("ANALYZE")
    client = Client()
    client.force_login(cadre)
    file_path = f"/points/h/{houses[0].public_id}/"
    last = (FILE_ENTRIES + 19) // 20
    pages = {
        "bare view": _time(client, "/bench/bare", args.requests),
        "points file, 2,000 entries (page 1)": _time(client, file_path, args.requests),
        f"points file, 2,000 entries (page {last}, the oldest)": _time(
            client, f"{file_path}?page={last}", args.requests
        ),
        "points file API, 2,000 entries (first page)": _time(
            client, f"/api/v1/points/households/{houses[0].public_id}/entries", args.requests
        ),
        "public board, 400 households": _time(client, f"/points/v/{VILLAGE}/", args.requests),
        "printable board, 400 households (31 days)": _time(client, f"/points/v/{VILLAGE}/print/", args.requests),
    }
    out = {"setup_s": setup_s, "pages": pages, **filled}
    if connection.vendor == "postgresql":
        out["concurrency"] = _concurrency(village, cadre, houses)
    out["load"] = " / ".join(f"{x:.2f}" for x in os.getloadavg())
    return out


# --- the parent: throwaway databases, one child each ---------------------------------------------
def _pg(sql: str) -> None:
    import psycopg

    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        conn.execute(sql)


def _pg_available() -> bool:
    try:
        _pg("SELECT 1")
        return True
    except Exception:  # no server or no permission: PostgreSQL is skipped and the section says so
        return False


def run_one(database: str, args) -> dict:
    env = {k: v for k, v in os.environ.items() if k not in ("REDIS_URL", "DJANGO_SETTINGS_MODULE")}
    env |= {"DJANGO_SETTINGS_MODULE": "bench.settings", "DEBUG": "0", "SECURE_HTTPS": "0"}
    env["PYTHONPATH"] = str(ROOT)
    with tempfile.TemporaryDirectory(prefix="cz-bench-points-") as tmp:
        env["CUNZHI_DATA_DIR"] = tmp
        if database == "postgres":
            _pg(f"DROP DATABASE IF EXISTS {PG_DB}")
            _pg(f"CREATE DATABASE {PG_DB}")
            env["DATABASE_URL"] = f"postgres://postgres@127.0.0.1:5432/{PG_DB}"
        else:
            env["DATABASE_URL"] = f"sqlite:///{tmp}/bench.sqlite3"
        out = Path(tmp) / "result.json"
        load_before = " / ".join(f"{x:.2f}" for x in os.getloadavg())
        try:
            proc = subprocess.run(
                [PY, __file__, "--child", str(out), "--requests", str(args.requests)],
                cwd=ROOT,
                env=env,
                timeout=args.timeout,
                capture_output=True,
                text=True,
            )
            if proc.returncode != 0:
                raise RuntimeError(proc.stderr[-2000:])
            result = json.loads(out.read_text())
        finally:
            if database == "postgres":
                _pg(f"DROP DATABASE IF EXISTS {PG_DB}")
    result["database"] = database
    result["load_before"] = load_before
    return result


def _met(x: float, target: float) -> str:
    return "met" if x < target else "missed"


def render(results: list[dict], args, skipped: list[str]) -> str:
    lines = [
        "## Points: the household file, the public posting, concurrent redemptions",
        "",
        f"Run {dt.date.today():%Y-%m-%d}. One village of {HOUSEHOLDS} households; one household's points file holds "
        f"{FILE_ENTRIES:,} entries over 10 years; 1,200 decisions posted in the last 31 days. Pages through the Django "
        f"test client in one process (the whole middleware stack, a cadre signed in), {args.requests} sequential "
        "requests after 5 warm-up ones; *CPU ms* is this process's CPU time per request (a busy machine cannot "
        "inflate it, while it does inflate wall time; on PostgreSQL the database server's own CPU time is not in "
        "it, on SQLite the queries run in-process and are).",
        "",
    ]
    for r in results:
        lines += [
            f"### {'PostgreSQL' if r['database'] == 'postgres' else 'SQLite (WAL), temporary file'}",
            "",
            f"Set-up {r['setup_s']:.1f} s ({r['entries']:,} entries). Load average (1, 5, 15 min) before the run: "
            f"{r['load_before']}; after: {r['load']} ({os.cpu_count()} cores, shared with other work).",
            "",
            "| Request | p50 ms | p95 ms | CPU ms (median) | bytes |",
            "|---|---:|---:|---:|---:|",
        ]
        for label, x in r["pages"].items():
            lines.append(f"| {label} | {x['p50']:.1f} | {x['p95']:.1f} | {x['cpu']:.1f} | {x['bytes']:,} |")
        p = r["pages"]
        f1 = p["points file, 2,000 entries (page 1)"]
        board = max(p["public board, 400 households"]["p50"], p["printable board, 400 households (31 days)"]["p50"])
        board_cpu = max(p["public board, 400 households"]["cpu"], p["printable board, 400 households (31 days)"]["cpu"])
        lines += [
            "",
            f"Targets: points file < {FILE_TARGET_MS:.0f} ms — p50 {f1['p50']:.1f} ms "
            f"(**{_met(f1['p50'], FILE_TARGET_MS)}**; CPU {f1['cpu']:.1f} ms: {_met(f1['cpu'], FILE_TARGET_MS)}); "
            f"public posting < {BOARD_TARGET_MS:.0f} ms — slower of the two pages p50 {board:.1f} ms "
            f"(**{_met(board, BOARD_TARGET_MS)}**; CPU {board_cpu:.1f} ms: {_met(board_cpu, BOARD_TARGET_MS)}).",
            "",
        ]
        if "concurrency" in r:
            lines += [
                f"Concurrent redemptions ({CONCURRENT} started at once by {CONCURRENT} threads, at most {POOL} "
                "database connections at a time, through `points.services.counter_redeem`):",
                "",
                "| Round | succeeded (expected) | refused | errors | seconds | stock exact | one entry per success "
                "| households with a wrong balance |",
                "|---|---:|---:|---:|---:|---|---|---:|",
            ]
            for name, c in r["concurrency"].items():
                label = {
                    "stock_bound": "bound by stock: 150 in stock",
                    "points_bound": "bound by points: 8 at once per household with points for 2",
                }[name]
                lines.append(
                    f"| {label} | {c['ok']} ({c['expected_ok']}) | {c['refused']} | {len(c['errors'])} | "
                    f"{c['seconds']:.2f} | {'yes' if c['stock_exact'] else 'NO'} | "
                    f"{'yes' if c['entries_exact'] else 'NO'} | {c['households_wrong']} |"
                )
            ok = all(
                c["ok"] == c["expected_ok"]
                and c["stock_exact"]
                and c["entries_exact"]
                and not c["households_wrong"]
                and not c["errors"]
                for c in r["concurrency"].values()
            )
            lines += [
                "",
                f"Target: no double spend, balances equal the sum of entries — **{'met' if ok else 'MISSED'}**.",
                "",
            ]
    if skipped:
        lines += [f"Skipped: {', '.join(skipped)} (no server answering on 127.0.0.1).", ""]
    lines += [
        "Command: `.venv/bin/python bench/points.py` (or `bench/run.py --only points`).",
        "",
    ]
    return "\n".join(lines)


def section(requests: int = 100, database: str = "both", timeout: int = 900) -> str:
    """Run the benchmark and return its Markdown section (called by bench/run.py)."""
    args = argparse.Namespace(requests=requests, timeout=timeout)
    dbs = ["sqlite", "postgres"] if database == "both" else [database]
    results, skipped = [], []
    for db in dbs:
        if db == "postgres" and not _pg_available():
            skipped.append(db)
            continue
        results.append(run_one(db, args))
    return render(results, args, skipped)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--requests", type=int, default=100)
    parser.add_argument("--database", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--timeout", type=int, default=900)
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        sys.path.insert(0, str(ROOT))
        result = child(args)
        Path(args.child).write_text(json.dumps(result))
        return 0
    print(section(requests=args.requests, database=args.database, timeout=args.timeout))
    return 0


if __name__ == "__main__":
    sys.exit(main())
