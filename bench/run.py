"""The one benchmark command (`make bench`): runs every benchmark and writes docs/benchmarks.md.

    .venv/bin/python bench/run.py [--seconds 12] [--clients 50] [--loadgen auto|wrk|python]
                                  [--rows 100000] [--only NAME] [--output docs/benchmarks.md]

Sections: `home`, `roster`, and one per module bench/<name>.py that defines `section() -> str`
(the domains' benchmarks). `--only NAME` runs one section and keeps the others in the report.

It installs nothing. The home-page benchmark uses `wrk` when it is on the PATH
(`apt-get install wrk`) and a Python load generator otherwise, and is repeated with production
settings (CONN_MAX_AGE=60; with Redis too when an empty database 15 answers on 127.0.0.1:6379,
which it flushes again afterwards); the roster benchmark runs when bench/roster_import.py exists.
Every server it starts listens on 127.0.0.1 only and is stopped at the end, also on error.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import re
import shutil
import sqlite3
import subprocess
import sys
import traceback
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench import home_page  # noqa: E402


def machine() -> dict:
    cpuinfo = Path("/proc/cpuinfo").read_text() if Path("/proc/cpuinfo").exists() else ""
    model = next(
        (line.split(":", 1)[1].strip() for line in cpuinfo.splitlines() if line.startswith("model name")),
        platform.processor() or "unknown",
    )
    mem_kb = 0
    if Path("/proc/meminfo").exists():
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                mem_kb = int(line.split()[1])
    import django

    wrk = shutil.which("wrk")
    wrk_version = ""
    if wrk:
        out = subprocess.run([wrk, "--version"], capture_output=True, text=True)
        wrk_version = (out.stdout or out.stderr).split("[")[0].strip() or "wrk"
    gunicorn_version = subprocess.run(
        [sys.executable, "-m", "gunicorn", "--version"], capture_output=True, text=True
    ).stdout.strip()
    return {
        "cpu": model,
        "cores": os.cpu_count(),
        "memory_gb": round(mem_kb / 1024 / 1024, 1),
        "os": f"{platform.system()} {platform.release()}",
        "python": platform.python_version(),
        "django": django.get_version(),
        "database": f"SQLite {sqlite3.sqlite_version} (WAL), temporary file",
        "server": gunicorn_version or "gunicorn",
        "wrk": wrk_version,
        "load_before": " / ".join(f"{x:.2f}" for x in os.getloadavg()),
    }


REDIS_BENCH_URL = "redis://127.0.0.1:6379/15"


def empty_redis(url: str) -> bool:
    """True when a Redis server answers at `url` and that database is empty (so the bench may use and
    flush it without touching anybody's data)."""
    try:
        import redis

        client = redis.Redis.from_url(url, socket_connect_timeout=1)
        return client.dbsize() == 0
    except Exception:  # no server, no package, no permission: the variant is skipped
        return False


def flush_redis(url: str) -> None:
    import redis

    redis.Redis.from_url(url, socket_connect_timeout=1).flushdb()


def run_variants(args) -> list[dict]:
    """The same load runs with other settings, to show what each costs: a database connection per
    request (CONN_MAX_AGE=0), and Redis as the cache with persistent connections (when a Redis server
    runs here)."""
    variants = [("CONN_MAX_AGE=0: a new database connection for every request", "", {"CONN_MAX_AGE": "0"})]
    if empty_redis(REDIS_BENCH_URL):
        variants.append(
            ("CONN_MAX_AGE=60 and Redis as the cache (production)", REDIS_BENCH_URL, {"CONN_MAX_AGE": "60"})
        )
    out = []
    for label, redis_url, extra in variants:
        print(f"==> variant: {label}")
        try:
            r = home_page.run(
                seconds=args.seconds,
                clients=args.clients,
                loadgen=args.loadgen_resolved,
                redis_url=redis_url,
                extra_env=extra,
                in_process=False,
            )
            out.append({"label": label, **r})
        except Exception as exc:
            traceback.print_exc()
            out.append({"label": label, "error": f"{exc.__class__.__name__}: {str(exc)[:300]}"})
        finally:
            if redis_url:
                flush_redis(redis_url)  # it was empty before; leave it so
    return out


def run_roster(rows: int) -> dict | None:
    """The roster import benchmark (bench/roster_import.py, written separately), if it exists."""
    try:
        from bench import roster_import
    except ModuleNotFoundError as exc:
        if exc.name in ("bench.roster_import",):
            return None
        raise
    return roster_import.run(rows=rows)


# --- the report -----------------------------------------------------------------------------
def _f(x: float, digits: int = 0) -> str:
    return f"{x:,.{digits}f}"


def _home_section(home: dict) -> list[str]:
    runs = home["runs"]
    lines = [
        (
            f"A fresh SQLite database with the demo county (`seed_demo`: {home['seed_demo_s']} s), one gunicorn "
            f"server, {home['clients']} concurrent clients for {home['seconds_each']:g} s per row (after a 2 s "
            'warm-up, except the first-visit row). *bare view* is `/bench/bare` (a view returning "ok" through '
            "the full middleware stack, added by `bench/urls.py` only for this run). *home, villager* is `/` with "
            "the demo villager's session cookie, obtained through the real login form: after the first request "
            "the page comes from the per-user page cache. *home, first visits* sends every request with another "
            f"villager's session ({home.get('many_villagers', 0):,} villagers logged in beforehand), so every "
            "request builds the page and stores it in the cache."
        ),
        "",
        (
            "Settings as configured (the demo's): "
            + ", ".join(f"{k} = {v}" for k, v in home.get("settings", {}).items())
            + "."
        ),
        "",
        (
            "| Page | req/s | p50 ms | p99 ms | server CPU ms per request | server cores | load generator cores "
            "| other processes' cores |"
        ),
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    names = {
        "bare": "bare view",
        "anonymous_home": "home, anonymous",
        "villager_home": "home, villager",
        "many_villagers_home": "home, first visits of many villagers",
    }
    disturbed = False
    for key, r in runs.items():
        mark = " ¹" if r["other_cores"] > 0.3 else ""
        disturbed = disturbed or bool(mark)
        lines.append(
            f"| {names.get(key, key)}{mark} | {_f(r['rps'])} | {_f(r['p50_ms'], 1)} | "
            f"{_f(r['p99_ms'], 1)} | {_f(r['server_ms_cpu_per_request'], 2)} | "
            f"{_f(r['server_cores'], 2)} | {_f(r['client_cores'], 2)} | {_f(r['other_cores'], 2)} |"
        )
    if disturbed:
        lines += [
            "",
            (
                "¹ Other processes used more than 0.3 of a core during this row: its req/s is lower than "
                "the machine can do; its CPU ms per request is less affected."
            ),
        ]
    verdict = "meets" if home["ok"] else "**misses**"
    lines += [
        "",
        (
            f"**Villager home / bare = {home['ratio'] * 100:.1f} %** in requests per second, which {verdict} the "
            f"target of ≥ {home['target_ratio'] * 100:.0f} % (from server CPU per request, which other processes "
            f"move much less: {home['cpu_ratio'] * 100:.1f} %). First visits / bare = "
            f"{home['first_visit_ratio'] * 100:.1f} %. Load generator: {runs['bare']['loadgen']}."
        ),
        "",
        "### SQL queries of the villager home page",
        "",
        (
            "Counted in-process with `CaptureQueriesContext` on the same demo database: *built* is a request with "
            "the page cache empty (a first visit), *cached* the next request. Neither may grow with the household."
        ),
        "",
        "| Villager | household size | queries, built | queries, cached | tables (built) |",
        "|---|---:|---:|---:|---|",
    ]
    for q in home["home_queries"]:
        lines.append(
            f"| {q['case']} | {q['household_size']} | {q['cold_queries']} | {q['warm_queries']} | "
            f"{', '.join(q['cold_tables'])} |"
        )
    lines += [
        "",
        (
            f"The cached page runs: {', '.join(home['home_queries'][0]['warm_tables'])}. The bare view "
            f"runs {home['bare_queries']} queries, the anonymous home page {home['anonymous_queries']}."
        ),
        "",
    ]
    t = home.get("timing")
    if t:
        lines += [
            "### Where one villager home request spends its time",
            "",
            (
                "In-process, one thread, no HTTP (Django's test client against the same database), mean of 300 "
                f"requests; templates {t['template']}. The page is built every time (cache reads miss); parts are "
                "measured by subtraction on the real request: the same request with the home selector's result "
                "precomputed, then also with the user's roles already known."
            ),
            "",
            "| Part | ms | share |",
            "|---|---:|---:|",
        ]
        total = t["home_request_ms"]
        for label, value in (
            ("request handling and middleware (= the bare view)", t["bare_request_ms"]),
            ("session and user (2 queries)", t["session_and_user_ms"]),
            ("home selector `home_context` (its queries, with the ORM work around them)", t["home_selector_ms"]),
            ("role look-up (1 query)", t["role_lookup_ms"]),
            ("rendering (templates, context processors, navigation) and the cache write", t["rendering_ms"]),
        ):
            lines.append(f"| {label} | {_f(value, 2)} | {value / total * 100:.0f} % |")
        lines += [
            f"| **whole request, page built** | **{_f(total, 2)}** | 100 % |",
            f"| whole request, page from the cache | {_f(t['warm_request_ms'], 2)} | |",
            "",
            (
                f"The built page's {t['queries']} SQL statements, replayed through a raw cursor, take "
                f"{_f(t['raw_sql_ms'], 2)} ms together: the database itself is not the cost; building the "
                "queries and model instances in the ORM, and rendering, are."
            ),
            "",
        ]
    for key, title in (("samples", "page built"), ("samples_warm", "page from the cache")):
        sampled = home.get(key)
        if sampled:
            lines += [
                (
                    f"Where the CPU time goes, {title} (a CPU profiling timer, SIGPROF, samples the stack; "
                    f"{sampled['samples']:,} samples over {sampled['requests']:,} requests):"
                ),
                "",
                "| Where | share |",
                "|---|---:|",
            ]
            lines += [f"| {name} | {share * 100:.0f} % |" for name, share in sampled["shares"].items()]
            lines.append("")
    if home.get("timing_error"):
        lines += [f"Time breakdown not available: {home['timing_error']}", ""]
    return lines


def _variants_section(home: dict, variants: list[dict]) -> list[str]:
    names = {
        "bare": "bare",
        "anonymous_home": "anonymous",
        "villager_home": "villager",
        "many_villagers_home": "first visits",
    }
    lines = [
        "### The same runs with other settings",
        "",
        (
            "Each row is a complete run like the one above (fresh database, same load) with the settings named. "
            "Figures: req/s, and in brackets server CPU ms per request."
        ),
        "",
        "| Settings | " + " | ".join(names.values()) + " | villager / bare | first visits / bare |",
        "|---|" + "---:|" * (len(names) + 2),
    ]
    st = home.get("settings", {})
    label = (
        f"as configured (CONN_MAX_AGE={st.get('conn_max_age')}, cache {st.get('cache')}, "
        f"sessions {st.get('session_engine')})"
        if st
        else "as configured"
    )
    rows = [{**home, "label": label}, *variants]
    for v in rows:
        if "error" in v:
            lines.append(f"| {v['label']} | failed: {v['error']} |" + " |" * (len(names) + 1))
            continue
        cells = []
        for key in names:
            r = v["runs"][key]
            mark = " ¹" if r["other_cores"] > 0.3 else ""
            cells.append(f"{_f(r['rps'])} ({_f(r['server_ms_cpu_per_request'], 2)}){mark}")
        lines.append(
            f"| {v['label']} | "
            + " | ".join(cells)
            + f" | {v['ratio'] * 100:.1f} % (CPU {v['cpu_ratio'] * 100:.1f} %) | "
            f"{v['first_visit_ratio'] * 100:.1f} % |"
        )
    if not any("Redis" in v["label"] for v in variants):
        lines += ["", "No empty Redis database answered at " + REDIS_BENCH_URL + ": the Redis variant was skipped."]
    lines.append("")
    return lines


def _header(info: dict) -> list[str]:
    now = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    return [
        "# Benchmarks",
        "",
        f"Written by `make bench` (`.venv/bin/python bench/run.py`); last run {now}. Do not edit by hand: run "
        "it again (`--only NAME` re-runs one section and keeps the others). Each section names its own date.",
        "",
        "## Machine",
        "",
        "| | |",
        "|---|---|",
        f"| CPU | {info['cpu']} |",
        f"| Cores | {info['cores']} |",
        f"| Memory | {info['memory_gb']} GB |",
        f"| OS | {info['os']} |",
        f"| Python | {info['python']} |",
        f"| Django | {info['django']} |",
        f"| Database | {info['database']} |",
        f"| Server | {info['server']}, `-w 2` sync workers, DEBUG=0 |",
        f"| Load generator | {info['wrk'] or 'Python (wrk not installed)'} |",
        f"| Load average before the run (1/5/15 min) | {info['load_before']} |",
        "",
    ]


def _dated(lines: list[str]) -> list[str]:
    return [*lines[:1], "", f"Run on {dt.datetime.now(dt.UTC).strftime('%Y-%m-%d %H:%M UTC')}.", *lines[1:]]


def render_home(info: dict, home: dict | None, home_error: str, args, variants: list[dict] | None = None) -> str:
    lines = ["## Villager home page against a bare view", ""]
    if home is None:
        lines += [f"Not run: {home_error or 'skipped'}", ""]
    else:
        lines += _home_section(home)
        if variants:
            lines += _variants_section(home, variants)
    lines += [
        "### How to read these figures",
        "",
        f"- The machine has {info['cores']} cores and the load generator runs on them too: the columns "
        "*load generator cores* and *other processes' cores* show what it and anything else running took "
        "from the server during each row. *Server CPU ms per request* depends much less on that competition "
        "(it still rises somewhat when other processes share the cores) and is the figure to compare.",
        "- gunicorn's sync workers close the connection after every response, so each request includes a "
        "TCP connect; this is the same for every row.",
        "- p50/p99 under 50 clients are mostly queueing: 50 connections wait for 2 workers.",
        f"- Command: `.venv/bin/python bench/run.py --only home --seconds {args.seconds:g} --clients {args.clients}`"
        f" (`make bench`).",
        "",
    ]
    return "\n".join(_dated(lines))


def render_roster(roster: dict | None, roster_error: str) -> str:
    lines = ["## Roster import", ""]
    if roster is None:
        lines += [f"Not run: {roster_error or 'bench/roster_import.py is not there yet'}.", ""]
    else:
        ok = roster.get("ok", roster["seconds"] < 60 and roster["peak_rss_mb"] < 500)
        lines += [
            f"`manage.py import_roster` of a {roster['rows']:,}-row XLSX roster"
            + (f" ({roster['file_mb']} MB)" if "file_mb" in roster else "")
            + " into a fresh "
            + str(roster.get("database", "sqlite"))
            + " database, in a child process. "
            "Command: `.venv/bin/python bench/run.py --only roster`.",
            "",
            "| Rows | seconds | rows/s | peak memory (MB) | target |",
            "|---:|---:|---:|---:|---|",
            f"| {roster['rows']:,} | {roster['seconds']} | {_f(roster['rows_per_s'])} | {roster['peak_rss_mb']} | "
            f"< 60 s and < 500 MB: {'met' if ok else '**missed**'} |",
            "",
        ]
    return "\n".join(_dated(lines))


# --- sections ---------------------------------------------------------------------------------
# Besides the two built-in sections, every module bench/<name>.py with a `section() -> str` function is a
# benchmark of its own (a domain's: notifications, ledger, meetings...). It returns Markdown starting with
# "## ". The report keeps each section between markers, so one section can be re-run alone.
BUILTIN = ["home", "roster"]
NOT_SECTIONS = {"run", "settings", "urls", "cachecount", "home_page", "roster_import", "meeting_load", "__init__"}


def domain_benches() -> list[str]:
    return sorted(p.stem for p in (ROOT / "bench").glob("*.py") if p.stem not in NOT_SECTIONS)


def _markers(name: str) -> tuple[str, str]:
    return f"<!-- section:{name} -->", f"<!-- /section:{name} -->"


def old_sections(text: str) -> dict[str, str]:
    return {
        m.group(1): m.group(2).strip("\n")
        for m in re.finditer(r"<!-- section:(\w+) -->\n(.*?)\n<!-- /section:\1 -->", text, re.S)
    }


def assemble(info: dict, sections: dict[str, str], order: list[str]) -> str:
    out = _header(info)
    for name in order:
        if name in sections:
            start, end = _markers(name)
            out += [start, sections[name], end, ""]
    return "\n".join(out)


def run_domain(name: str) -> tuple[str, bool]:
    """(section, failed) for bench/<name>.py."""
    import importlib

    print(f"==> {name}")
    try:
        module = importlib.import_module(f"bench.{name}")
        if not hasattr(module, "section"):
            return "", False
        return module.section().strip("\n") + "\n", False
    except Exception as exc:
        traceback.print_exc()
        return f"## {name}\n\nFailed: {exc.__class__.__name__}: {str(exc)[:300]}\n", True


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description="Run the benchmarks and write docs/benchmarks.md.")
    parser.add_argument("--seconds", type=float, default=12, help="measured seconds per load run (default 12)")
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--loadgen", choices=["auto", "wrk", "python"], default="auto")
    parser.add_argument("--rows", type=int, default=100_000, help="roster rows (default 100,000)")
    parser.add_argument("--only", choices=BUILTIN + domain_benches(), help="run one section, keep the others")
    parser.add_argument(
        "--no-variants",
        action="store_true",
        help="skip the home-page runs with production settings (CONN_MAX_AGE, Redis)",
    )
    parser.add_argument("--output", default=str(ROOT / "docs" / "benchmarks.md"))
    args = parser.parse_args(argv)

    info = machine()
    print(f"==> machine: {info['cpu']}, {info['cores']} cores, load {info['load_before']}")
    if info["load_before"].split(" / ")[0] and float(info["load_before"].split(" / ")[0]) > 0.5:
        print("    note: the machine is busy; figures will be lower (see 'other processes' cores').")
    home = roster = None
    variants: list[dict] = []
    home_error = roster_error = ""
    failed = False
    if args.only in (None, "home"):
        loadgen = args.loadgen
        if loadgen == "auto":
            loadgen = "wrk" if shutil.which("wrk") else "python"
            if loadgen == "python":
                print("    wrk not found (apt-get install wrk); using the Python load generator")
        args.loadgen_resolved = loadgen
        print(f"==> home page vs bare view ({args.clients} clients, {args.seconds:g} s each, {loadgen})")
        try:
            home = home_page.run(seconds=args.seconds, clients=args.clients, loadgen=loadgen)
            print(
                f"    bare {home['runs']['bare']['rps']:.0f} req/s, villager home "
                f"{home['runs']['villager_home']['rps']:.0f} req/s: {home['ratio'] * 100:.1f} % "
                f"(target {home['target_ratio'] * 100:.0f} %); first visits "
                f"{home['runs']['many_villagers_home']['rps']:.0f} req/s"
            )
        except Exception as exc:
            traceback.print_exc()
            home_error, failed = f"failed: {exc.__class__.__name__}: {str(exc)[:300]}", True
        if home is not None and not args.no_variants:
            variants = run_variants(args)
    else:
        home_error = "skipped (--only roster)"
    if args.only in (None, "roster"):
        print(f"==> roster import ({args.rows:,} rows)")
        try:
            roster = run_roster(args.rows)
            if roster is None:
                roster_error = "bench/roster_import.py is not there yet"
                print("    " + roster_error)
            else:
                print(f"    {roster['seconds']} s, {roster['rows_per_s']} rows/s, peak {roster['peak_rss_mb']} MB")
        except Exception as exc:
            traceback.print_exc()
            roster_error, failed = f"failed: {exc.__class__.__name__}: {str(exc)[:300]}", True
    out = Path(args.output)
    sections = old_sections(out.read_text(encoding="utf-8")) if out.exists() else {}
    if args.only in (None, "home"):
        sections["home"] = render_home(info, home, home_error, args, variants)
    if args.only in (None, "roster"):
        sections["roster"] = render_roster(roster, roster_error)
    for name in domain_benches():
        if args.only in (None, name):
            text, bad = run_domain(name)
            failed |= bad
            if text:
                sections[name] = text
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(assemble(info, sections, BUILTIN + domain_benches()), encoding="utf-8")
    print(f"==> wrote {out}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
