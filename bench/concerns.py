"""Benchmark of concerns (issue 4), side by side with a bare Django view in the same run.

    .venv/bin/python bench/concerns.py [--seconds 8] [--clients 20] [--rows 1000000]

1. A fresh SQLite database (temporary directory) with the demo county (`seed_demo`), plus bench
   concerns in 余村 so that its public board has 20 concerns with answers and "me too" counts.
2. gunicorn `-w 2` on 127.0.0.1 (bench/settings.py adds /bench/bare). Measured one after the
   other with the same load: the bare view; the public board of 余村 (anonymous, as the public
   reads it); the API list of 50 concerns (`/api/v1/concerns?page_size=50`, the township staff's
   session). Targets: board >= 10 % of bare, API list >= 30 % of bare.
3. Submissions per second: `concern_submit` in one process (routing, clocks, audit row, notice to
   the owner with its deliveries), 300 in a row, each in its own transaction (SQLite synchronous=FULL).
4. The overdue list with 1,000,000 concerns: rows bulk-inserted (2 % still open, half of those
   overdue, spread over the demo's 12 villages), then the overdue list as each role reads it
   (county administrator, township staff, village cadre): the page's two queries (20 rows + count)
   and the whole page through Django's test client; median of 30. Target: < 50 ms. The query
   plan is printed to show the partial due-date indexes are used.

`section()` returns the Markdown for docs/benchmarks.md (bench/run.py --only concerns).
"""

from __future__ import annotations

import argparse
import json
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

from bench.home_page import Server, bench_env, log_in, manage, measure, request  # noqa: E402

MAIN_VILLAGE = "330523100201"
TOWNSHIP_PHONE = "13800000009"
PASSWORD = "cunzhi-demo"
BOARD_TARGET, API_TARGET, OVERDUE_TARGET_MS = 0.10, 0.30, 50.0


# --- child steps (run with the bench database configured) --------------------------------------------
def _setup():
    import django

    django.setup()


def child_prepare() -> dict:
    """Public, answered concerns with "me too"s in 余村, and enough in the township for an API page of 50."""
    _setup()
    from django.db import transaction

    from cunzhi.concerns import services
    from cunzhi.concerns.models import Category, Concern, Kind
    from cunzhi.people.models import User

    villager = User.objects.get(phone="13800000001")
    others = list(User.objects.filter(villager__region_code__startswith=MAIN_VILLAGE).exclude(pk=villager.pk)[:4])
    lights = Category.objects.get(code="lighting")
    with transaction.atomic():
        for i in range(30):
            c = services.concern_submit(
                actor=villager,
                category=lights,
                kind=Kind.REPORT,
                text=f"第{i + 1}处路灯不亮，晚上出行不便，请尽快修理。",
            )
            services.concern_answer(actor=c.owner, concern=c, text="电工已更换灯具，恢复照明，感谢反映。")
            for u in others[: 1 + i % 4]:
                services.concern_me_too(actor=u, concern=c)
    return {
        "board_public": Concern.objects.filter(region_code=MAIN_VILLAGE, is_public=True).count(),
        "township_concerns": Concern.objects.filter(region_code__startswith=MAIN_VILLAGE[:9]).count(),
    }


def child_submit(n: int = 300) -> dict:
    _setup()
    from cunzhi.concerns import services
    from cunzhi.concerns.models import Category, Kind
    from cunzhi.people.models import User

    villager = User.objects.get(phone="13800000001")
    roads = Category.objects.get(code="roads")
    t0 = time.perf_counter()
    for i in range(n):
        services.concern_submit(actor=villager, category=roads, kind=Kind.REPORT, text=f"桥头护栏第{i}处松动")
    wall = time.perf_counter() - t0
    return {"submissions": n, "seconds": round(wall, 2), "per_second": round(n / wall, 1)}


def child_bulk(rows: int) -> dict:
    """Insert `rows` concerns quickly (raw executemany); 2 % open, half of those overdue."""
    _setup()
    import datetime as dt
    import random

    from django.db import connection, transaction
    from django.utils import timezone

    from cunzhi.concerns.models import Category, Concern
    from cunzhi.regions.models import Region

    rng = random.Random(7)
    villages = list(Region.objects.filter(level="village").values_list("pk", "code"))
    cats = list(Category.objects.values_list("pk", flat=True))
    now = timezone.now()
    fields = [
        "public_id",
        "number",
        "kind",
        "category_id",
        "text",
        "clock",
        "village_id",
        "region_code",
        "place",
        "is_public",
        "is_anonymous",
        "contact_name",
        "contact_phone",
        "public_name",
        "channel",
        "status",
        "level",
        "escalation_level",
        "dispatched_at",
        "ack_due_at",
        "answer_due_at",
        "due_at",
        "escalate_at",
        "answered_at",
        "answered_in_time",
        "rating",
        "rating_comment",
        "answer_text",
        "me_too_count",
        "photo_count",
        "created_at",
        "updated_at",
    ]
    ops = connection.ops
    table = ops.quote_name(Concern._meta.db_table)
    columns = ", ".join(ops.quote_name(f) for f in fields)
    sql = f"INSERT INTO {table} ({columns}) VALUES ({', '.join(['%s'] * len(fields))})"
    adapt = ops.adapt_datetimefield_value
    t0 = time.perf_counter()
    batch = []
    with transaction.atomic(), connection.cursor() as cur:
        for i in range(rows):
            vid, code = villages[i % len(villages)]
            sent = now - dt.timedelta(minutes=rng.randint(10, 60 * 24 * 720))
            open_ = i % 50 == 0
            if open_:
                overdue = (i // 50) % 2 == 0
                due = (
                    now - dt.timedelta(hours=rng.randint(1, 500))
                    if overdue
                    else now + dt.timedelta(hours=rng.randint(1, 300))
                )
                status, answered, in_time, rating, escalate = "acknowledged", None, None, "", due
            else:
                due, escalate, answered, in_time = None, None, sent + dt.timedelta(hours=5), True
                status, rating = "resolved", "satisfied"
            d = adapt(due) if due else None
            batch.append(
                (
                    f"b{i:014d}",
                    f"9{i:010d}",
                    "report",
                    cats[i % len(cats)],
                    "路灯不亮，晚上出行不便",
                    "general",
                    vid,
                    code,
                    "",
                    True,
                    False,
                    "",
                    "",
                    "张*",
                    "online",
                    status,
                    "village",
                    "",
                    adapt(sent),
                    adapt(sent + dt.timedelta(hours=2)),
                    adapt(sent + dt.timedelta(days=7)),
                    d,
                    adapt(escalate) if escalate else None,
                    adapt(answered) if answered else None,
                    in_time,
                    rating,
                    "",
                    "已处理" if answered else "",
                    0,
                    0,
                    adapt(sent),
                    adapt(sent),
                )
            )
            if len(batch) == 20000:
                cur.executemany(sql, batch)
                batch = []
        if batch:
            cur.executemany(sql, batch)
    if connection.vendor == "sqlite":
        with connection.cursor() as cur:
            cur.execute("ANALYZE")
    return {
        "rows": Concern.objects.count(),
        "insert_s": round(time.perf_counter() - t0, 1),
        "open": Concern.objects.filter(due_at__isnull=False).count(),
        "overdue": Concern.objects.filter(due_at__lt=now).count(),
    }


def child_overdue(repeat: int = 30) -> dict:
    _setup()
    from django.db import connection, reset_queries
    from django.test import Client
    from django.utils import timezone

    from cunzhi.concerns import selectors
    from cunzhi.people.models import User

    out = {}
    for key, phone in (
        ("county administrator", "13800000011"),
        ("township staff", TOWNSHIP_PHONE),
        ("village cadre", "13800000005"),
    ):
        user = User.objects.get(phone=phone)
        times, page_times = [], []
        for _ in range(repeat):
            user = User.objects.get(phone=phone)  # fresh role cache, as in a request
            t0 = time.perf_counter()
            qs = selectors.concerns_in_scope(user=user, due="overdue", now=timezone.now())
            rows = list(qs[:20])
            count = qs.count()
            times.append((time.perf_counter() - t0) * 1000)
        client = Client()
        client.force_login(user)
        client.get("/concerns/list/?due=overdue")  # warm: templates compiled
        for _ in range(repeat):
            t0 = time.perf_counter()
            response = client.get("/concerns/list/?due=overdue")
            page_times.append((time.perf_counter() - t0) * 1000)
            assert response.status_code == 200
        qs = selectors.concerns_in_scope(user=user, due="overdue", now=timezone.now())
        sql, params = qs[:20].query.sql_with_params()
        with connection.cursor() as cur:
            cur.execute("EXPLAIN QUERY PLAN " + sql, params)
            plan = " / ".join(str(r[-1]) for r in cur.fetchall())
        reset_queries()
        out[key] = {
            "rows_on_page": len(rows),
            "overdue_in_scope": count,
            "query_ms_median": round(statistics.median(times), 2),
            "query_ms_p95": round(sorted(times)[int(len(times) * 0.95) - 1], 2),
            "page_ms_median": round(statistics.median(page_times), 2),
            "plan": plan,
        }
    return out


# --- the run -----------------------------------------------------------------------------------------
def _child(env, step: str, *args: str, timeout: int = 900) -> dict:
    result = subprocess.run(
        [sys.executable, str(Path(__file__).resolve()), "--child", step, *args],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    if result.returncode != 0:
        raise RuntimeError(f"step {step} failed:\n{result.stdout[-1500:]}\n{result.stderr[-3000:]}")
    return json.loads(result.stdout.strip().splitlines()[-1])


def run(seconds: float = 8, clients: int = 20, rows: int = 1_000_000) -> dict:
    tmp = Path(tempfile.mkdtemp(prefix="cunzhi-bench-concerns-"))
    env = bench_env(tmp)
    result: dict = {"seconds": seconds, "clients": clients}
    manage(env, "migrate", "--noinput", "-v", "0")
    manage(env, "createcachetable")
    t0 = time.perf_counter()
    manage(env, "seed_demo")
    result["seed_demo_s"] = round(time.perf_counter() - t0, 1)
    result["prepared"] = _child(env, "prepare")
    with Server(env) as server:
        session = log_in(server.base, TOWNSHIP_PHONE, PASSWORD)
        board = f"/concerns/board/{MAIN_VILLAGE}/"
        api = "/api/v1/concerns?page_size=50"
        status, _h, body = request("GET", server.base + board)
        if (
            status != 200
            or body.count(b"board-item") != 20
            or ("我也是".encode() not in body and b"me too" not in body)
        ):
            raise RuntimeError(f"the board did not show 20 concerns (HTTP {status})")
        status, _h, body = request("GET", server.base + api, headers={"Cookie": f"sessionid={session}"})
        if status != 200 or len(json.loads(body)["items"]) != 50:
            raise RuntimeError(f"the API list did not return 50 concerns (HTTP {status})")
        runs = {}
        for key, path, cookies in (
            ("bare", "/bench/bare", []),
            ("board", board, []),
            ("api_list_50", api, [f"sessionid={session}"]),
        ):
            runs[key] = measure(server, path, clients=clients, seconds=seconds, cookies=cookies, loadgen="python")
            if runs[key]["errors"]:
                raise RuntimeError(f"{key}: {runs[key]['errors']} failed requests\n" + server.log_text())
    result["runs"] = runs
    result["board_ratio"] = runs["board"]["rps"] / runs["bare"]["rps"]
    result["api_ratio"] = runs["api_list_50"]["rps"] / runs["bare"]["rps"]
    result["board_cpu_ratio"] = runs["bare"]["server_ms_cpu_per_request"] / runs["board"]["server_ms_cpu_per_request"]
    result["api_cpu_ratio"] = (
        runs["bare"]["server_ms_cpu_per_request"] / runs["api_list_50"]["server_ms_cpu_per_request"]
    )
    result["submit"] = _child(env, "submit")
    result["bulk"] = _child(env, "bulk", str(rows), timeout=1800)
    result["overdue"] = _child(env, "overdue")
    return result


def _f(x, d=0):
    return f"{x:,.{d}f}"


def render(r: dict, command: str) -> str:
    runs = r["runs"]
    ok_board, ok_api = r["board_ratio"] >= BOARD_TARGET, r["api_ratio"] >= API_TARGET
    worst = max(v["page_ms_median"] for v in r["overdue"].values())
    worst_q = max(v["query_ms_median"] for v in r["overdue"].values())
    lines = [
        "## Concerns: public board, API list, submissions, overdue list with 1,000,000 concerns",
        "",
        (
            f"A fresh SQLite database with the demo county (`seed_demo`, {r['seed_demo_s']} s) and 30 more answered, "
            f"public concerns with “me too”s in 余村 ({r['prepared']['board_public']} public concerns in the village, "
            f"{r['prepared']['township_concerns']} in its township). One gunicorn server (`-w 2`, sync workers), "
            f"{r['clients']} concurrent clients for {r['seconds']:g} s per row after a 2 s warm-up, Python load "
            "generator. *board*: `/concerns/board/330523100201/` anonymous (20 concerns with answers and “me too” "
            "counts); *API list*: `/api/v1/concerns?page_size=50` with the township staff's session."
        ),
        "",
        "| Page | req/s | p50 ms | p99 ms | server CPU ms per request | server cores | load generator cores "
        "| other processes' cores |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    names = {"bare": "bare view", "board": "public board (20 concerns)", "api_list_50": "API list, 50 concerns"}
    for key, v in runs.items():
        lines.append(
            f"| {names[key]} | {_f(v['rps'])} | {_f(v['p50_ms'], 1)} | {_f(v['p99_ms'], 1)} | "
            f"{_f(v['server_ms_cpu_per_request'], 2)} | {_f(v['server_cores'], 2)} | "
            f"{_f(v['client_cores'], 2)} | {_f(v['other_cores'], 2)} |"
        )
    lines += [
        "",
        (
            f"**Board / bare = {r['board_ratio'] * 100:.1f} %** (target ≥ {BOARD_TARGET * 100:.0f} %: "
            f"{'met' if ok_board else '**missed**'}; by server CPU per request {r['board_cpu_ratio'] * 100:.1f} %). "
            f"**API list of 50 / bare = {r['api_ratio'] * 100:.1f} %** (target ≥ {API_TARGET * 100:.0f} %: "
            f"{'met' if ok_api else '**missed**'}; by CPU {r['api_cpu_ratio'] * 100:.1f} %)."
        ),
        "",
        (
            f"**Submissions**: {r['submit']['submissions']} `concern_submit` calls in one process, each its own "
            f"transaction (routing, clocks, audit row, notice to the responsible person with its deliveries): "
            f"{r['submit']['seconds']} s, **{r['submit']['per_second']} submissions/s** (SQLite synchronous=FULL)."
        ),
        "",
        (
            f"**Overdue list with {r['bulk']['rows']:,} concerns** ({r['bulk']['open']:,} with a running clock, "
            f"{r['bulk']['overdue']:,} overdue; bulk insert {r['bulk']['insert_s']} s). Median of 30; *queries* = the "
            "20 rows and the count, *page* = the whole `/concerns/list/?due=overdue` through Django's test client "
            "(session, roles, filters, rendering)."
        ),
        "",
        "| Reader | overdue in scope | queries, median ms | p95 ms | whole page, median ms |",
        "|---|---:|---:|---:|---:|",
    ]
    for who, v in r["overdue"].items():
        lines.append(
            f"| {who} | {v['overdue_in_scope']:,} | {v['query_ms_median']} | {v['query_ms_p95']} | "
            f"{v['page_ms_median']} |"
        )
    lines += [
        "",
        (
            f"Target < {OVERDUE_TARGET_MS:.0f} ms for the list's queries (the index scan): "
            f"{'met' if worst_q < OVERDUE_TARGET_MS else '**missed**'} (slowest median {worst_q} ms); the whole page "
            f"including session, roles and rendering: {'met' if worst < OVERDUE_TARGET_MS else '**missed**'} "
            f"(slowest median {worst} ms)."
        ),
        "",
        "Query plans (SQLite `EXPLAIN QUERY PLAN` of the 20-row query):",
        "",
    ]
    for who, v in r["overdue"].items():
        lines.append(f"- {who}: `{v['plan']}`")
    lines += ["", f"Command: `{command}`", ""]
    return "\n".join(lines)


def section(seconds: float = 8, clients: int = 20, rows: int = 1_000_000) -> str:
    """Run the benchmark and return its Markdown section for docs/benchmarks.md."""
    r = run(seconds=seconds, clients=clients, rows=rows)
    return render(r, f".venv/bin/python bench/concerns.py --seconds {seconds:g} --clients {clients} --rows {rows}")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=float, default=8)
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--child", nargs="+")
    parser.add_argument("--json", action="store_true", help="print the raw figures as JSON too")
    args = parser.parse_args(argv)
    if args.child:
        step, *rest = args.child
        fn = {
            "prepare": child_prepare,
            "submit": child_submit,
            "bulk": lambda: child_bulk(int(rest[0])),
            "overdue": child_overdue,
        }[step]
        print(json.dumps(fn()))
        return 0
    r = run(seconds=args.seconds, clients=args.clients, rows=args.rows)
    if args.json:
        print(json.dumps(r, indent=1, default=str))
    print(
        render(
            r,
            f".venv/bin/python bench/concerns.py --seconds {args.seconds:g} --clients {args.clients} "
            f"--rows {args.rows}",
        )
    )
    return 0


if __name__ == "__main__":
    os.environ.setdefault("PYTHONUNBUFFERED", "1")
    sys.exit(main())
