"""Benchmark: the county at scale, honestly: first visits of many villagers and staff work lists, with
the cache hit rate beside every figure, in the same run as the bare view.

    .venv/bin/python bench/scale.py [--villages 20] [--villagers 20000] [--years 1] [--seconds 10]
                                    [--clients 20] [--database sqlite|postgres]

A fresh database (SQLite in a temporary directory, or cz_bench_scale created afresh on the local
PostgreSQL server) is migrated,
the demo county is built and `seed_scale` adds the villages (its time and peak memory are reported).
Sessions are written for villagers of the added villages who have accounts (none of them a role holder)
and for the added townships' office staff and village cadres. gunicorn (-w 2, bench/settings.py) then
serves, and each row runs for `--seconds` with `--clients` connections (bench/home_page.py's server and
measuring; the load generator here sends a different path and cookie per request):

- bare: /bench/bare, the ceiling of any page on this server
- villager home, first visits: "/" with a different villager's session on every request (none repeats)
- villager home, repeat visits: "/" with one villager's session (the per-person page cache)
- office staff work list: /services/work/ of the added townships' office staff, in turn
- cadre concern list: /concerns/ of the added villages' cadres, in turn
- mix: 70 % villagers' first visits (home, concerns, meetings, notice board), 10 % repeat visits,
  20 % staff work lists (as in a county's working day: many villagers, each rarely)

Every row reports the shared cache's hit rate (home pages and sessions) measured by the server itself
(bench/cachecount.py), so no figure hides a cache.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench import cachecount, home_page  # noqa: E402

TARGET_FIRST_VISIT_RATIO = 0.15
PG_ADMIN = "postgresql://postgres@127.0.0.1:5432/postgres"
PG_DB = "cz_bench_scale"  # dropped and created afresh by --database postgres
DEMO_TOWNSHIPS = ("330523100", "330523101", "330523102")  # the demo's own villages: not in the mix


def load_mix(base: str, pairs: list[tuple[str, str]], *, clients: int, seconds: float, processes: int = 2) -> dict:
    """Like home_page.load_python, but each request takes the next (path, cookie) of `pairs`."""
    import itertools

    parts = urllib.parse.urlsplit(base)
    per = [clients // processes + (1 if i < clients % processes else 0) for i in range(processes)]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    children = []
    for slot, n in enumerate(per):
        r, w = os.pipe()
        pid = os.fork()
        if pid == 0:
            os.close(r)
            try:
                turn = itertools.count()
                deadline = time.monotonic() + seconds
                lat: list[float] = []
                errors = [0]
                lock = threading.Lock()

                def loop():
                    mine, errs = [], 0
                    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
                    while time.monotonic() < deadline:
                        path, cookie = pairs[(next(turn) * processes + slot) % len(pairs)]
                        t0 = time.perf_counter()
                        try:
                            conn.request("GET", path, headers={"Cookie": cookie} if cookie else {})
                            resp = conn.getresponse()
                            resp.read()
                            if resp.status != 200:
                                errs += 1
                            if resp.will_close:
                                conn.close()
                        except (OSError, http.client.HTTPException):
                            errs += 1
                            conn.close()
                            continue
                        mine.append((time.perf_counter() - t0) * 1000)
                    conn.close()
                    with lock:
                        lat.extend(mine)
                        errors[0] += errs

                ts = [threading.Thread(target=loop) for _ in range(n)]
                for t in ts:
                    t.start()
                for t in ts:
                    t.join()
                with os.fdopen(w, "w") as f:
                    json.dump({"lat": lat, "errors": errors[0]}, f)
            finally:
                os._exit(0)
        os.close(w)
        children.append((pid, r))
    lat, errors = [], 0
    for pid, r in children:
        with os.fdopen(r) as f:
            data = json.load(f)
        os.waitpid(pid, 0)
        lat += data["lat"]
        errors += data["errors"]
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    lat.sort()
    q = statistics.quantiles(lat, n=100) if len(lat) >= 100 else [lat[-1] if lat else 0.0] * 99
    return {
        "requests": len(lat),
        "rps": len(lat) / wall,
        "p50_ms": q[49],
        "p99_ms": q[98],
        "errors": errors,
        "client_cpu_s": (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime),
    }


def _counts(server: home_page.Server, folder: Path) -> dict[str, list[int]]:
    for _ in range(8):  # each sync worker that answers writes its counts
        home_page.request("GET", server.base + "/bench/cachestats")
    time.sleep(0.2)
    return cachecount.read(folder)


def measure(server, folder: Path, pairs: list[tuple[str, str]], *, clients: int, seconds: float, warm: bool) -> dict:
    if warm:
        load_mix(server.base, pairs, clients=clients, seconds=min(2.0, seconds))
    before = _counts(server, folder)
    cpu0, sys0, t0 = home_page.proc_cpu_seconds(server.pids()), home_page.system_busy_seconds(), time.perf_counter()
    r = load_mix(server.base, pairs, clients=clients, seconds=seconds)
    wall = time.perf_counter() - t0
    r["server_cpu_s"] = home_page.proc_cpu_seconds(server.pids()) - cpu0
    other = home_page.system_busy_seconds() - sys0 - r["server_cpu_s"] - r["client_cpu_s"]
    r["other_cores"] = max(0.0, other / wall)
    r["client_cores"] = r["client_cpu_s"] / wall
    r["server_ms_cpu_per_request"] = r["server_cpu_s"] * 1000 / max(1, r["requests"])
    after = _counts(server, folder)
    for kind in ("home", "session"):
        h0, m0 = before.get(kind, [0, 0])
        h1, m1 = after.get(kind, [0, 0])
        hits, misses = h1 - h0, m1 - m0
        r[f"{kind}_lookups"] = hits + misses
        r[f"{kind}_hit_rate"] = hits / (hits + misses) if hits + misses else None
    return r


# --- child step: sessions for the added villages' villagers and staff ----------------------------------
def make_sessions(count: int) -> dict:
    import django

    django.setup()
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.cached_db import SessionStore
    from django.contrib.sessions.models import Session
    from django.core.cache import cache
    from django.db.models import Q
    from django.utils import timezone

    from cunzhi.people.models import Role, RoleAssignment, User

    demo = Q()
    for t in DEMO_TOWNSHIPS:
        demo |= Q(villager__region_code__startswith=t)
    villagers = list(
        User.objects.filter(villager__isnull=False, roles__isnull=True).exclude(demo).order_by("?")[:count]
    )
    staff = list(
        User.objects.filter(
            pk__in=RoleAssignment.objects.filter(role=Role.OFFICE_STAFF, region__code__gt="330523103").values("user_id")
        )[:40]
    )
    cadres = list(
        User.objects.filter(
            pk__in=RoleAssignment.objects.filter(role=Role.CADRE, region__code__gt="330523103").values("user_id")
        )[:40]
    )
    store, expire, out, rows, cached = SessionStore(), timezone.now() + timezone.timedelta(days=1), {}, [], {}
    for label, users in (("villagers", villagers), ("staff", staff), ("cadres", cadres)):
        keys = []
        for u in users:
            key = store._get_new_session_key()
            data = {
                SESSION_KEY: str(u.pk),
                BACKEND_SESSION_KEY: "cunzhi.core.logins.AccountDelayBackend",  # what a login records
                HASH_SESSION_KEY: u.get_session_auth_hash(),
            }
            rows.append(Session(session_key=key, session_data=store.encode(data), expire_date=expire))
            cached[SessionStore(session_key=key).cache_key] = data  # as at login (cached_db sessions)
            keys.append(key)
        out[label] = keys
    Session.objects.bulk_create(rows, batch_size=1000)
    if "cached_db" in settings.SESSION_ENGINE:
        cache.set_many(cached, settings.SESSION_COOKIE_AGE)
    return out


def run(
    *,
    villages: int = 20,
    villagers: int = 20000,
    years: int = 1,
    seconds: float = 10,
    clients: int = 20,
    database_url: str = "",
    keep: bool = False,
) -> dict:
    tmp = Path(tempfile.mkdtemp(prefix="cunzhi-bench-scale-"))
    env = home_page.bench_env(tmp)
    counts = tmp / "cachecount"
    counts.mkdir()
    env["CACHE_COUNT_DIR"] = str(counts)
    if database_url:
        env["DATABASE_URL"] = database_url
    result: dict = {
        "villages": villages,
        "villagers": villagers,
        "years": years,
        "clients": clients,
        "seconds_each": seconds,
        "database": "PostgreSQL" if database_url.startswith("postgres") else "SQLite (WAL)",
        "load_before": " / ".join(f"{x:.2f}" for x in os.getloadavg()),
    }
    try:
        home_page.manage(env, "migrate", "--noinput", "-v", "0")
        home_page.manage(env, "createcachetable")
        home_page.manage(env, "seed_demo")
        t0 = time.perf_counter()
        out = subprocess.run(
            [
                "/usr/bin/time",
                "-f",
                "maxrss_kb=%M",
                sys.executable,
                str(ROOT / "manage.py"),
                "seed_scale",
                "--villages",
                str(villages),
                "--villagers",
                str(villagers),
                "--years",
                str(years),
            ],
            env=env,
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=7200,
        )
        if out.returncode != 0:
            raise RuntimeError("seed_scale failed:\n" + out.stdout[-2000:] + out.stderr[-3000:])
        result["seed_scale_s"] = round(time.perf_counter() - t0, 1)
        m = re.search(r"\(([\d.]+) s CPU\)", out.stdout)
        result["seed_scale_cpu_s"] = float(m.group(1)) if m else None
        m = re.search(r"maxrss_kb=(\d+)", out.stderr)
        result["seed_scale_peak_mb"] = round(int(m.group(1)) / 1024) if m else None
        result["seed_scale_output"] = out.stdout.strip().splitlines()[-25:]
        made = subprocess.run(
            [sys.executable, str(Path(__file__).resolve()), "--sessions", "4000"],
            env=env,
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=600,
        )
        if made.returncode != 0:
            raise RuntimeError("sessions failed:\n" + made.stderr[-3000:])
        s = json.loads(made.stdout.strip().splitlines()[-1])
        vill = [f"sessionid={k}" for k in s["villagers"]]
        staff = [f"sessionid={k}" for k in s["staff"]]
        cadres = [f"sessionid={k}" for k in s["cadres"]]
        result["sessions"] = {k: len(v) for k, v in s.items()}
        rng = random.Random(20)
        mix: list[tuple[str, str]] = []
        # Two disjoint halves: the first-visit row and the mix each meet villagers never seen before.
        half = len(vill) // 2
        first_visits, vill = vill[:half], vill[half:]
        for i, c in enumerate(vill):  # every villager once: first visits
            mix.append((rng.choice(["/", "/", "/", "/concerns/", "/meetings/", "/disclosure/"]), c))
            if i % 7 == 0:
                mix.append(("/", vill[0]))  # a repeat visit
            if i % 7 in (1, 4):
                mix.append(
                    ("/services/work/", staff[i % len(staff)]) if i % 2 else ("/concerns/", cadres[i % len(cadres)])
                )
        rows = [
            ("bare view", [("/bench/bare", "")], True),
            ("villager home, first visits", [("/", c) for c in first_visits], False),
            ("villager home, repeat visits", [("/", first_visits[0])], True),
            ("office staff work list", [("/services/work/", c) for c in staff], True),
            ("cadre concern list", [("/concerns/", c) for c in cadres], True),
            ("mix: first visits, repeats, staff lists", mix, False),
        ]
        runs = {}
        with home_page.Server(env) as server:
            for label, pairs, warm in rows:
                runs[label] = measure(server, counts, pairs, clients=clients, seconds=seconds, warm=warm)
                if runs[label]["errors"]:
                    raise RuntimeError(f"{label}: {runs[label]['errors']} failed requests\n" + server.log_text())
        result["runs"] = runs
        bare = runs["bare view"]
        first = runs["villager home, first visits"]
        result["first_visit_ratio"] = first["rps"] / bare["rps"]
        result["first_visit_cpu_ratio"] = bare["server_ms_cpu_per_request"] / first["server_ms_cpu_per_request"]
        result["load_after"] = " / ".join(f"{x:.2f}" for x in os.getloadavg())
        return result
    finally:
        if not keep:
            shutil.rmtree(tmp, ignore_errors=True)


def report(r: dict) -> str:
    def pct(x):
        return "–" if x is None else f"{x * 100:.0f} %"

    lines = [
        f"{r['database']}, demo county + {r['villages']} villages with {r['villagers']:,} villagers and "
        f"{r['years']} year(s) of activity (`seed_scale`: {r['seed_scale_s']} s, {r['seed_scale_cpu_s']} s CPU, "
        f"peak {r['seed_scale_peak_mb']} MB). gunicorn -w 2, {r['clients']} clients, {r['seconds_each']:g} s a row; "
        f"load average before {r['load_before']}, after {r.get('load_after', '?')}.",
        "",
        "| Row | req/s | p50 ms | p99 ms | server CPU ms/request | home page cache hits | session cache hits "
        "| other processes' cores |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for label, x in r["runs"].items():
        lines.append(
            f"| {label} | {x['rps']:,.0f} | {x['p50_ms']:.1f} | {x['p99_ms']:.1f} | "
            f"{x['server_ms_cpu_per_request']:.2f} | {pct(x['home_hit_rate'])} | {pct(x['session_hit_rate'])} | "
            f"{x['other_cores']:.2f} |"
        )
    lines += [
        "",
        f"**Villager home, first visits / bare = {r['first_visit_ratio'] * 100:.1f} %** in req/s "
        f"(target ≥ {TARGET_FIRST_VISIT_RATIO * 100:.0f} %); from server CPU per request "
        f"{r['first_visit_cpu_ratio'] * 100:.1f} %.",
    ]
    return "\n".join(lines)


def _pg(sql: str) -> None:
    import psycopg

    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        conn.execute(sql)


def fresh_postgres() -> str:
    """An empty database of its own on the local PostgreSQL server; its URL."""
    _pg(f"DROP DATABASE IF EXISTS {PG_DB} WITH (FORCE)")
    _pg(f"CREATE DATABASE {PG_DB}")
    return f"postgres://postgres@127.0.0.1:5432/{PG_DB}"


def section(villages: int = 20, villagers: int = 20000, seconds: float = 10, clients: int = 16) -> str:
    """Run on SQLite and (when a local server answers) PostgreSQL; the Markdown section (bench/run.py)."""
    parts = ["## County scale: first visits and staff lists, with cache hit rates (`bench/scale.py`)", ""]
    for db in ("sqlite", "postgres"):
        try:
            url = fresh_postgres() if db == "postgres" else ""
        except Exception as exc:  # no server or no permission: said in the section
            parts += [f"PostgreSQL skipped: {exc.__class__.__name__}.", ""]
            continue
        r = run(villages=villages, villagers=villagers, seconds=seconds, clients=clients, database_url=url)
        parts += [report(r), ""]
    return "\n".join(parts)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--villages", type=int, default=20)
    parser.add_argument("--villagers", type=int, default=20000)
    parser.add_argument("--years", type=int, default=1)
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--database", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--sessions", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.sessions:
        print(json.dumps(make_sessions(args.sessions)))
        return
    r = run(
        villages=args.villages,
        villagers=args.villagers,
        years=args.years,
        seconds=args.seconds,
        clients=args.clients,
        database_url=fresh_postgres() if args.database == "postgres" else "",
    )
    print(json.dumps(r, indent=2, ensure_ascii=False))
    print(report(r))


if __name__ == "__main__":
    main()
