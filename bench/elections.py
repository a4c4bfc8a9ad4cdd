"""Benchmark of the county's live election results (issue 18), beside a bare Django view in the same run.

    .venv/bin/python bench/elections.py [--villages 300] [--voters 100] [--seconds 8] [--clients 50]

1. A fresh SQLite database (temporary directory) with one county of `--villages` villages (20 townships),
   each electing its committee today: `--voters` registered voters, 5 candidates for 3 seats, a polling
   station and a mobile ballot box (600 stations for 300 villages), every station's count entered by two
   agreeing tellers (the page at its fullest: the end of the count). Rows are bulk-inserted; the page
   reads only what the services would have written.
2. gunicorn `-w 2` (sync) on 127.0.0.1 (bench/settings.py adds /bench/bare). Measured one after the other:
   the bare view; `/elections/live/<county>/` with the county administrator's session, by `--clients`
   concurrent closed-loop clients (each sends its next request as soon as the last is answered: far more
   than 50 people reading a page that reloads every 30 s), and by one client alone (the page's own time).
   Target: < 200 ms with 50 concurrent viewers.

`section()` returns the Markdown for docs/benchmarks.md (bench/run.py --only elections).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.home_page import Server, bench_env, log_in, manage, measure, request  # noqa: E402

COUNTY = "330599000000"
ADMIN_PHONE, PASSWORD = "13800009999", "cunzhi-bench-pw"
TARGET_MS = 200.0


def child_prepare(villages: int, voters: int) -> dict:
    import datetime as dt

    import django

    django.setup()
    from django.db import transaction
    from django.utils import timezone

    from cunzhi.elections.models import Candidate, CountEntry, Election, Stage, Station, StationCount, Voter
    from cunzhi.people.models import Role, RoleAssignment, User, Villager
    from cunzhi.regions.models import Level, Region

    today = timezone.localdate()
    t0 = time.perf_counter()
    with transaction.atomic():
        county = Region.objects.create(code=COUNTY, name="基准县", level=Level.COUNTY)
        townships = [
            Region(code=f"330599{100 + i:03d}000", name=f"第{i + 1}镇", level=Level.TOWNSHIP, parent=county)
            for i in range(20)
        ]
        Region.objects.bulk_create(townships)
        townships = list(Region.objects.filter(level=Level.TOWNSHIP, code__startswith="330599"))
        vs = [
            Region(
                code=townships[i % 20].code[:9] + f"{200 + i // 20:03d}",
                name=f"第{i + 1}村",
                level=Level.VILLAGE,
                parent=townships[i % 20],
            )
            for i in range(villages)
        ]
        Region.objects.bulk_create(vs)
        vs = list(Region.objects.filter(level=Level.VILLAGE, code__startswith="330599").order_by("code"))
        admin = User.objects.create_user(ADMIN_PHONE, PASSWORD, name="县管理员")
        RoleAssignment.objects.create(user=admin, role=Role.COUNTY_ADMIN, region=county)
        people = [
            Villager(
                name=f"村民{v.code[-5:]}{n}",
                id_number="x",
                id_hash=f"bench-{v.code}-{n}",
                sex="F" if n % 2 else "M",
                birth_date=dt.date(1970 + n % 30, 1, 1),
                village=v,
                region_code=v.code,
            )
            for v in vs
            for n in range(voters)
        ]
        Villager.objects.bulk_create(people, batch_size=2000)
        elections = [
            Election(
                village=v,
                region_code=v.code,
                title="换届选举",
                election_day=today,
                seats=3,
                stage=Stage.CANDIDATES,
                list_published_on=today - dt.timedelta(days=25),
                list_final_on=today - dt.timedelta(days=19),
            )
            for v in vs
        ]
        Election.objects.bulk_create(elections)
        elections = list(Election.objects.filter(region_code__startswith="330599").select_related("village"))
        by_village = {e.village_id: e for e in elections}
        villager_rows = list(
            Villager.objects.filter(region_code__startswith="330599").values_list("id", "village_id", "id_hash")
        )
        Voter.objects.bulk_create(
            [
                Voter(
                    election=by_village[vid],
                    region_code=by_village[vid].region_code,
                    villager_id=pk,
                    id_hash=h,
                    basis="resident",
                )
                for pk, vid, h in villager_rows
            ],
            batch_size=2000,
        )
        first_voters: dict[int, list[int]] = {}
        for pk, e_id in (
            Voter.objects.filter(region_code__startswith="330599").order_by("id").values_list("id", "election_id")
        ):
            if len(first_voters.setdefault(e_id, [])) < 5:
                first_voters[e_id].append(pk)
        Candidate.objects.bulk_create(
            [
                Candidate(election_id=e_id, voter_id=pk, nominations=10 - i)
                for e_id, ids in first_voters.items()
                for i, pk in enumerate(ids)
            ]
        )
        Station.objects.bulk_create(
            [
                Station(election=e, name=n, mobile=m, ballots=voters // 2, first_number=1 + (voters // 2) * m)
                for e in elections
                for n, m in (("村委会", 0), ("流动票箱", 1))
            ]
        )
        cands: dict[int, list[str]] = {}
        for e_id, pid in Candidate.objects.filter(election__region_code__startswith="330599").values_list(
            "election_id", "public_id"
        ):
            cands.setdefault(e_id, []).append(pid)
        stations = list(Station.objects.filter(election__region_code__startswith="330599"))
        returned = voters // 2 - 5
        entries = []
        for s in stations:
            votes = {pid: max(returned - 7 * i, 0) for i, pid in enumerate(cands[s.election_id])}
            for _t in range(2):
                entries.append(
                    CountEntry(station=s, round=1, teller=admin, returned=returned, unused=5, invalid=0, votes=votes)
                )
        CountEntry.objects.bulk_create(entries, batch_size=2000)
        ids: dict[int, list[int]] = {}
        for pk, sid in CountEntry.objects.order_by("id").values_list("id", "station_id"):
            ids.setdefault(sid, []).append(pk)
        StationCount.objects.bulk_create(
            [StationCount(station_id=sid, round=1, first_id=a, second_id=b) for sid, (a, b) in ids.items()]
        )
    return {
        "villages": len(vs),
        "voters": Voter.objects.count(),
        "stations": len(stations),
        "counts": StationCount.objects.count(),
        "setup_s": round(time.perf_counter() - t0, 1),
    }


def child_queries() -> dict:
    import django

    django.setup()
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from cunzhi.people.models import User

    c = Client()
    c.force_login(User.objects.get(phone=ADMIN_PHONE))
    c.get(f"/elections/live/{COUNTY}/")
    with CaptureQueriesContext(connection) as ctx:
        r = c.get(f"/elections/live/{COUNTY}/")
    return {"status": r.status_code, "queries": len(ctx), "bytes": len(r.content)}


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


def viewers(base: str, path: str, cookie: str, *, count: int, every: float, seconds: float) -> dict:
    """`count` people each reloading the page every `every` seconds (open loop: a slow answer does not slow
    the next reload), spread evenly; the latency of every request in `seconds`."""
    import http.client
    import statistics
    import threading
    from urllib.parse import urlparse

    u = urlparse(base)
    lat: list[float] = []
    errors = [0]
    lock = threading.Lock()
    stop = time.perf_counter() + seconds

    def person(offset: float) -> None:
        conn = http.client.HTTPConnection(u.hostname, u.port, timeout=30)
        nxt = time.perf_counter() + offset
        while nxt < stop:
            time.sleep(max(0.0, nxt - time.perf_counter()))
            t0 = time.perf_counter()
            try:
                conn.request("GET", path, headers={"Cookie": cookie})
                r = conn.getresponse()
                r.read()
                ok = r.status == 200
            except OSError:
                ok = False
                conn = http.client.HTTPConnection(u.hostname, u.port, timeout=30)
            with lock:
                lat.append((time.perf_counter() - t0) * 1000)
                errors[0] += 0 if ok else 1
            nxt += every

    threads = [threading.Thread(target=person, args=(every * i / count,)) for i in range(count)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    lat.sort()
    q = statistics.quantiles(lat, n=100) if len(lat) >= 100 else [lat[-1]] * 99
    return {
        "requests": len(lat),
        "rps": len(lat) / seconds,
        "p50_ms": q[49],
        "p95_ms": q[94],
        "p99_ms": q[98],
        "max_ms": lat[-1],
        "errors": errors[0],
        "every_s": every,
    }


def _load() -> str:
    return Path("/proc/loadavg").read_text().split(" ")[:3].__str__() if Path("/proc/loadavg").exists() else "?"


def run(villages: int = 300, voters: int = 100, seconds: float = 8, clients: int = 50) -> dict:
    tmp = Path(tempfile.mkdtemp(prefix="cunzhi-bench-elections-"))
    env = bench_env(tmp)
    result: dict = {"seconds": seconds, "clients": clients, "load_before": _load()}
    manage(env, "migrate", "--noinput", "-v", "0")
    manage(env, "createcachetable")
    result["prepared"] = _child(env, "prepare", str(villages), str(voters))
    result["in_process"] = _child(env, "queries")
    with Server(env) as server:
        session = log_in(server.base, ADMIN_PHONE, PASSWORD)
        page = f"/elections/live/{COUNTY}/"
        status, _h, body = request("GET", server.base + page, headers={"Cookie": f"sessionid={session}"})
        if status != 200 or body.count(b"<tr>") < villages:
            raise RuntimeError(f"the live page did not show {villages} villages (HTTP {status})")
        runs = {}
        for key, path, cookies, n in (
            ("bare", "/bench/bare", [], clients),
            ("live", page, [f"sessionid={session}"], clients),
            ("live_one", page, [f"sessionid={session}"], 1),
        ):
            runs[key] = measure(server, path, clients=n, seconds=seconds, cookies=cookies, loadgen="python")
            if runs[key]["errors"]:
                raise RuntimeError(f"{key}: {runs[key]['errors']} failed requests\n" + server.log_text())
        # 50 people reloading every 3 s: ten times the page's own 30 s reload, so a few seconds hold many requests
        result["viewers"] = viewers(
            server.base, page, f"sessionid={session}", count=clients, every=3.0, seconds=max(seconds, 12)
        )
    result["runs"] = runs
    result["load_after"] = _load()
    return result


def _f(x, d=0):
    return f"{x:,.{d}f}"


def render(r: dict, command: str) -> str:
    p, runs = r["prepared"], r["runs"]
    live = runs["live"]
    viewers_rps = r["clients"] / 30  # 50 people whose page reloads every 30 s
    lines = [
        "## Elections: the county's live results on election day",
        "",
        (
            f"A fresh SQLite database with one county of {p['villages']} villages electing today, "
            f"{p['voters']:,} registered voters, {p['stations']} stations (a polling station and a mobile box per "
            f"village), every station's count accepted from two agreeing tellers (setup {p['setup_s']} s). "
            f"One gunicorn server (`-w 2`, sync workers) on 127.0.0.1; Python load generator; {r['seconds']:g} s per "
            f"row after a 2 s warm-up. The page: `/elections/live/{COUNTY}/` with the county administrator's "
            f"session, {r['in_process']['queries']} queries, {r['in_process']['bytes']:,} bytes."
        ),
        "",
        "| Page | clients | req/s | p50 ms | p99 ms | server CPU ms per request | server cores | load generator cores "
        "| other processes' cores |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    names = {"bare": "bare view", "live": "live results (closed loop)", "live_one": "live results, one client"}
    for key, v in runs.items():
        n = 1 if key == "live_one" else r["clients"]
        lines.append(
            f"| {names[key]} | {n} | {_f(v['rps'])} | {_f(v['p50_ms'], 1)} | {_f(v['p99_ms'], 1)} | "
            f"{_f(v['server_ms_cpu_per_request'], 2)} | {_f(v['server_cores'], 2)} | "
            f"{_f(v['client_cores'], 2)} | {_f(v['other_cores'], 2)} |"
        )
    one, vw = runs["live_one"], r["viewers"]
    lines += [
        "",
        (
            f"**{r['clients']} viewers** (open loop: each reloads every {vw['every_s']:g} s whatever the answer's "
            f"time — ten times the page's own 30 s — spread evenly; {vw['requests']} requests, {vw['rps']:.1f}/s): "
            f"p50 **{vw['p50_ms']:.0f} ms**, p95 {vw['p95_ms']:.0f} ms, p99 {vw['p99_ms']:.0f} ms, max "
            f"{vw['max_ms']:.0f} ms, {vw['errors']} errors."
        ),
        "",
        (
            f"Machine load (1, 5, 15 min) before: {r['load_before']}, after: {r['load_after']} — other work shared "
            "the 2 cores during the run (see the last column)."
        ),
        "",
        (
            f"**Target < {TARGET_MS:.0f} ms with {r['clients']} concurrent viewers**: by the viewers' p95 "
            f"{'met' if vw['p95_ms'] < TARGET_MS else '**missed**'} ({vw['p95_ms']:.0f} ms; p50 "
            f"{vw['p50_ms']:.0f} ms). {r['clients']} people on the page (30 s reload) ask for {viewers_rps:.1f} "
            f"requests/s; the server answered {live['rps']:.0f}/s with {r['clients']} clients asking without pause. "
            f"One client alone: p50 {one['p50_ms']:.0f} ms / p99 {one['p99_ms']:.0f} ms. Under the closed loop "
            f"({r['clients']} requests always queued behind 2 workers) p50 is {live['p50_ms']:.0f} ms: that is "
            "queueing, not the page (compare the bare view's row)."
        ),
        "",
        f"Command: `{command}`",
        "",
    ]
    return "\n".join(lines)


def section(villages: int = 300, voters: int = 100, seconds: float = 8, clients: int = 50) -> str:
    r = run(villages=villages, voters=voters, seconds=seconds, clients=clients)
    return render(
        r,
        f".venv/bin/python bench/elections.py --villages {villages} --voters {voters} --seconds {seconds:g} "
        f"--clients {clients}",
    )


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--villages", type=int, default=300)
    parser.add_argument("--voters", type=int, default=100)
    parser.add_argument("--seconds", type=float, default=8)
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--child", nargs="+")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    if args.child:
        step, *rest = args.child
        fn = {"prepare": lambda: child_prepare(int(rest[0]), int(rest[1])), "queries": child_queries}[step]
        print(json.dumps(fn()))
        return 0
    r = run(villages=args.villages, voters=args.voters, seconds=args.seconds, clients=args.clients)
    if args.json:
        print(json.dumps(r, indent=1, default=str))
    print(
        render(
            r,
            f".venv/bin/python bench/elections.py --villages {args.villages} --voters {args.voters} "
            f"--seconds {args.seconds:g} --clients {args.clients}",
        )
    )
    return 0


if __name__ == "__main__":
    os.environ.setdefault("PYTHONUNBUFFERED", "1")
    sys.exit(main())
