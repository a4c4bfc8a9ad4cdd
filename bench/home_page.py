"""Benchmark: the villager home page against a bare Django view, on one gunicorn server.

    .venv/bin/python bench/home_page.py [--seconds 12] [--clients 50] [--loadgen auto|wrk|python]

A fresh SQLite database in a temporary directory is migrated and filled by `seed_demo`; gunicorn
(`-w 2`, sync workers, DEBUG=0) serves it on 127.0.0.1 with bench/settings.py, which adds
/bench/bare (a view returning "ok" through the full middleware stack) to the project's URLs. We
log in as the demo villager through the real login form and measure, one after the other:

- bare: GET /bench/bare, no cookie (the ceiling for any page on this server)
- anonymous home: GET / without a session
- villager home: GET / with the villager's session cookie (the page caches itself per user, so
  this is the page served from the shared cache)
- villager home, first visits: GET / with a different villager's session on every request
  (3,500 villagers logged in beforehand), so every request builds the page

with `--clients` concurrent connections for `--seconds` each (after a short warm-up). The load
generator is `wrk` when it is installed, otherwise a Python generator (processes x threads,
http.client); either way its CPU time is measured and reported, because on a 2-core machine the
client competes with the server for the same cores.

A separate in-process step (`--queries`, run in a child process against the same database)
counts the SQL queries of the home page with CaptureQueriesContext for villagers in households of
different sizes, and times the parts of the request (middleware, selectors, template).
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import re
import resource
import shutil
import signal
import socket
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

TARGET_RATIO = 0.30
# Villagers logged in for the "first visit" run: more than a run sends requests, so none repeats.
MANY_VILLAGERS = 3500
DEMO_PHONE = "13800000001"
DEMO_PASSWORD = "cunzhi-demo"


# --- helpers ---------------------------------------------------------------------------------
def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def bench_env(tmp: Path) -> dict:
    env = {k: v for k, v in os.environ.items() if k not in ("REDIS_URL", "SECRET_KEY", "DJANGO_SETTINGS_MODULE")}
    env.update(
        {
            "DATABASE_URL": f"sqlite:///{tmp / 'bench.sqlite3'}",
            "CUNZHI_DATA_DIR": str(tmp / "data"),
            "DJANGO_SETTINGS_MODULE": "bench.settings",
            "DEBUG": "0",
            "SECURE_HTTPS": "0",  # plain HTTP on 127.0.0.1: no redirect to https
            "PYTHONPATH": str(ROOT) + (os.pathsep + os.environ["PYTHONPATH"] if os.environ.get("PYTHONPATH") else ""),
            "PYTHONUNBUFFERED": "1",
        }
    )
    return env


def manage(env: dict, *args: str) -> str:
    result = subprocess.run(
        [sys.executable, str(ROOT / "manage.py"), *args], env=env, cwd=ROOT, capture_output=True, text=True, timeout=600
    )
    if result.returncode != 0:
        raise RuntimeError(f"manage.py {' '.join(args)} failed:\n{result.stdout[-2000:]}\n{result.stderr[-3000:]}")
    return result.stdout


def proc_cpu_seconds(pids: list[int]) -> float:
    """utime + stime of these processes, from /proc (Linux)."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0.0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) / tick
        except (OSError, IndexError, ValueError):
            pass
    return total


def children_of(pid: int) -> list[int]:
    out = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                ppid = int(Path(entry, "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            if ppid == pid:
                out.append(int(entry.name))
    return out


class Server:
    """gunicorn on 127.0.0.1:<free port>, stopped on exit even when the benchmark fails."""

    def __init__(self, env: dict, workers: int = 2, app: str = "cunzhi.wsgi:application"):
        self.env, self.workers, self.app = env, workers, app
        self.port = free_port()
        self.proc: subprocess.Popen | None = None
        self.log = None

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def __enter__(self):
        Path(self.env["CUNZHI_DATA_DIR"]).mkdir(parents=True, exist_ok=True)
        self.log = open(Path(self.env["CUNZHI_DATA_DIR"]) / "gunicorn.log", "wb")
        self.proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                self.app,
                "-w",
                str(self.workers),
                "-k",
                "sync",
                "-b",
                f"127.0.0.1:{self.port}",
                "--backlog",
                "2048",
                "--log-level",
                "warning",
            ],
            env=self.env,
            cwd=ROOT,
            stdout=self.log,
            stderr=self.log,
            start_new_session=True,
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError("gunicorn exited at start: " + self.log_text())
            try:
                status, _h, _b = request("GET", self.base + "/healthz")
                if status == 200 and len(children_of(self.proc.pid)) >= self.workers:
                    return self
            except OSError:
                pass
            time.sleep(0.2)
        raise RuntimeError("gunicorn did not answer /healthz within 60 s: " + self.log_text())

    def pids(self) -> list[int]:
        return [self.proc.pid, *children_of(self.proc.pid)] if self.proc else []

    def log_text(self) -> str:
        self.log.flush()
        return Path(self.log.name).read_text(errors="replace")[-3000:]

    def __exit__(self, *exc):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)  # graceful stop of master and workers
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)  # its own process group only
                self.proc.wait(timeout=5)
        if self.log:
            self.log.close()
        return False


def request(method: str, url: str, body: bytes | None = None, headers: dict | None = None):
    parts = urllib.parse.urlsplit(url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
    try:
        conn.request(method, parts.path + (f"?{parts.query}" if parts.query else ""), body=body, headers=headers or {})
        resp = conn.getresponse()
        return resp.status, resp.getheaders(), resp.read()
    finally:
        conn.close()


def _cookies(headers) -> dict:
    jar = {}
    for name, value in headers:
        if name.lower() == "set-cookie":
            k, v = value.split(";", 1)[0].split("=", 1)
            jar[k.strip()] = v.strip()
    return jar


def log_in(base: str, phone: str, password: str) -> str:
    """Log in through the real form (CSRF token, Argon2 check); returns the session cookie value."""
    status, headers, body = request("GET", base + "/login/")
    jar = _cookies(headers)
    token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', body).group(1).decode()
    form = urllib.parse.urlencode({"csrfmiddlewaretoken": token, "username": phone, "password": password}).encode()
    status, headers, body = request(
        "POST",
        base + "/login/",
        form,
        {
            "Content-Type": "application/x-www-form-urlencoded",
            "Cookie": f"csrftoken={jar['csrftoken']}",
            "Referer": base + "/login/",
        },
    )
    session = _cookies(headers).get("sessionid")
    if status != 302 or not session:
        raise RuntimeError(f"login as {phone} failed: HTTP {status}")
    return session


# --- load generators ------------------------------------------------------------------------
_UNITS = {"us": 1e-3, "ms": 1.0, "s": 1000.0, "m": 60000.0}


def _ms(text: str) -> float:
    m = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text.strip())
    return float(m.group(1)) * _UNITS[m.group(2)]


_WRK_ROTATE = """
-- Each request carries the next cookie of the list; the threads take turns, so none repeats early.
local counter = 0
function setup(thread)
  thread:set("tid", counter)
  counter = counter + 1
end
function init(args)
  cookies = {}
  for line in io.lines("%(path)s") do cookies[#cookies + 1] = line end
  idx = tid
end
function request()
  idx = idx + %(threads)d
  return wrk.format("GET", nil, {["Cookie"] = cookies[(idx %% #cookies) + 1]})
end
"""


def load_wrk(url: str, *, clients: int, seconds: float, cookies: list[str] = ()) -> dict:
    """`cookies`: one Cookie header for every request, or several taken in turn (a Lua script)."""
    threads = min(2, clients)
    cmd = ["wrk", "-t", str(threads), "-c", str(clients), "-d", f"{int(seconds)}s", "--latency", "--timeout", "10s"]
    script = None
    if len(cookies) == 1:
        cmd += ["-H", f"Cookie: {cookies[0]}"]
    elif cookies:
        fd, listing = tempfile.mkstemp(prefix="cunzhi-bench-cookies-", suffix=".txt")
        with os.fdopen(fd, "w") as f:
            f.write("\n".join(cookies) + "\n")
        fd, script = tempfile.mkstemp(prefix="cunzhi-bench-", suffix=".lua")
        with os.fdopen(fd, "w") as f:
            f.write(_WRK_ROTATE % {"path": listing, "threads": threads})
        cmd += ["-s", script]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    try:
        out = subprocess.run([*cmd, url], capture_output=True, text=True, timeout=seconds + 60, check=True).stdout
    finally:
        if script:
            os.unlink(script)
            os.unlink(listing)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    pct = dict(re.findall(r"^\s+(50|75|90|99)%\s+(\S+)", out, re.MULTILINE))
    total = int(re.search(r"(\d+) requests in", out).group(1))
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    sock = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    errors = (int(non2xx.group(1)) if non2xx else 0) + (sum(map(int, sock.groups())) if sock else 0)
    return {
        "requests": total,
        "rps": float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)),
        "p50_ms": _ms(pct["50"]),
        "p99_ms": _ms(pct["99"]),
        "errors": errors,
        "client_cpu_s": (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime),
        "loadgen": "wrk (2 threads)",
    }


def _python_worker(
    url: str, cookies: list[str], threads: int, seconds: float, out_fd: int, slot: int = 0, stride: int = 1
) -> None:
    """One load process: `threads` threads, each a keep-alive connection (reopened when the server closes it)."""
    import itertools

    parts = urllib.parse.urlsplit(url)
    turn = itertools.count()  # next() is atomic under the GIL
    deadline = time.monotonic() + seconds
    lat: list[float] = []
    errors = [0]
    lock = threading.Lock()

    def loop():
        mine, errs = [], 0
        conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
        while time.monotonic() < deadline:
            headers = {"Cookie": cookies[(next(turn) * stride + slot) % len(cookies)]} if cookies else {}
            t0 = time.perf_counter()
            try:
                conn.request("GET", parts.path, headers=headers)
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

    ts = [threading.Thread(target=loop) for _ in range(threads)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    with os.fdopen(out_fd, "w") as f:
        json.dump({"lat": lat, "errors": errors[0]}, f)


def load_python(url: str, *, clients: int, seconds: float, cookies: list[str] = (), processes: int = 2) -> dict:
    """Python load generator: `processes` forked processes sharing `clients` threads (no GIL bottleneck)."""
    per = [clients // processes + (1 if i < clients % processes else 0) for i in range(processes)]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    children = []
    for slot, n in enumerate(per):
        r, w = os.pipe()
        pid = os.fork()
        if pid == 0:  # child: run and leave without running the parent's cleanup
            os.close(r)
            try:
                _python_worker(url, list(cookies), n, seconds, w, slot, processes)
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
    q = statistics.quantiles(lat, n=100) if len(lat) >= 100 else [lat[-1]] * 99
    return {
        "requests": len(lat),
        "rps": len(lat) / wall,
        "p50_ms": q[49],
        "p99_ms": q[98],
        "errors": errors,
        "client_cpu_s": (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime),
        "loadgen": f"Python ({processes} processes x threads, http.client)",
    }


def system_busy_seconds() -> float:
    """CPU seconds all processes on the machine have used since boot (user+nice+system+irq+softirq+steal)."""
    fields = [int(x) for x in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    busy = fields[0] + fields[1] + fields[2] + fields[5] + fields[6] + (fields[7] if len(fields) > 7 else 0)
    return busy / os.sysconf("SC_CLK_TCK")


def measure(
    server: Server, path: str, *, clients: int, seconds: float, cookies: list[str], loadgen: str, warm_up: bool = True
) -> dict:
    url = server.base + path
    gen = load_wrk if loadgen == "wrk" else load_python
    if warm_up:  # imports, compiled templates, connections
        gen(url, clients=clients, seconds=min(2.0, seconds), cookies=cookies)
    cpu0, sys0, t0 = proc_cpu_seconds(server.pids()), system_busy_seconds(), time.perf_counter()
    result = gen(url, clients=clients, seconds=seconds, cookies=cookies)
    wall = time.perf_counter() - t0
    result["server_cpu_s"] = proc_cpu_seconds(server.pids()) - cpu0
    result["seconds"] = round(wall, 1)
    result["server_cores"] = result["server_cpu_s"] / wall
    result["client_cores"] = result["client_cpu_s"] / wall
    # Anything else running on the machine steals cores from the server: measure it, so a
    # disturbed run can be told from a slow page.
    other = system_busy_seconds() - sys0 - result["server_cpu_s"] - result["client_cpu_s"]
    result["other_cores"] = max(0.0, other / wall)
    result["server_ms_cpu_per_request"] = result["server_cpu_s"] * 1000 / max(1, result["requests"])
    return result


# --- in-process: queries and where the time goes --------------------------------------------
class _ColdCache:
    """Inside this block the shared cache has no pages: every read misses except sessions (a logged-in
    villager's session is cached at login), so a page that caches itself is built every time, as on a
    villager's first visit."""

    def __enter__(self):
        from django.core.cache import cache

        self._cache = cache
        real_get = cache.get

        def get(key, default=None, version=None):
            return real_get(key, default, version) if key.startswith("django.contrib.sessions") else default

        cache.get = get  # on this thread's cache object; removed again on exit
        return self

    def __exit__(self, *exc):
        del self._cache.get
        return False


def in_process_report() -> dict:
    """Run inside a child process with the bench database configured: query counts and a time breakdown."""
    import django

    django.setup()
    from django.db import connection, transaction
    from django.db.models import Count
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from cunzhi.people.models import Household, User, Villager

    def villager_in_household_of(size: int) -> Villager:
        for hh in (
            Household.objects.annotate(n=Count("members"))
            .filter(n=size)
            .order_by("pk")
            .select_related("representative")[:50]
        ):
            if hh.representative.user_id is None:  # not a role holder: the plain villager home page
                return hh.representative
        raise RuntimeError(f"the demo has no household of {size}")

    cases = [
        ("demo villager (household of 5, one helper)", Villager.objects.get(user__phone=DEMO_PHONE)),
        ("villager in a household of 1", villager_in_household_of(1)),
        ("villager in a household of 6", villager_in_household_of(6)),
    ]
    out = {"home_queries": []}
    client = Client()
    with CaptureQueriesContext(connection) as ctx:
        assert client.get("/bench/bare").status_code == 200
    out["bare_queries"] = len(ctx)
    with CaptureQueriesContext(connection) as ctx:
        assert client.get("/").status_code == 200
    out["anonymous_queries"] = len(ctx)

    for label, villager in cases:
        with transaction.atomic():
            user = villager.user
            if user is None:
                user = User.objects.create(phone=f"1370000{villager.pk:04d}", name=villager.name)
                villager.user = user
                villager.save(update_fields=["user"])
            c = Client()
            c.force_login(user)
            c.get("/")  # the first request warms what a running server has warm
            with _ColdCache(), CaptureQueriesContext(connection) as cold:
                resp = c.get("/")
            assert resp.status_code == 200 and villager.name in resp.content.decode()
            with CaptureQueriesContext(connection) as warm:
                c.get("/")
            out["home_queries"].append(
                {
                    "case": label,
                    "household_size": Villager.objects.filter(household_id=villager.household_id).count(),
                    "cold_queries": len(cold),
                    "cold_tables": [_table_of(q["sql"]) for q in cold.captured_queries],
                    "warm_queries": len(warm),
                    "warm_tables": [_table_of(q["sql"]) for q in warm.captured_queries],
                    "bytes": len(resp.content),
                }
            )
            transaction.set_rollback(True)
    try:
        out["timing"] = _time_breakdown(DEMO_PHONE)
        with _ColdCache():
            out["samples"] = _sampled_shares(DEMO_PHONE)
        out["samples_warm"] = _sampled_shares(DEMO_PHONE)
    except Exception as exc:  # the breakdown pokes at the view's parts; report, do not fail the benchmark
        out["timing_error"] = f"{exc.__class__.__name__}: {exc}"
    return out


def effective_settings() -> dict:
    """The settings that decide the home page's cost, as the server process sees them."""
    import django

    django.setup()
    from django.conf import settings

    db = settings.DATABASES["default"]
    return {
        "conn_max_age": db.get("CONN_MAX_AGE", 0),
        "database": db["ENGINE"].rsplit(".", 1)[-1],
        "cache": settings.CACHES["default"]["BACKEND"].rsplit(".", 1)[-1],
        "session_engine": settings.SESSION_ENGINE.rsplit(".", 1)[-1],
    }


def make_sessions(count: int) -> list[str]:
    """Log `count` villagers in (accounts and sessions written directly): cookies for a many-villager run."""
    import django

    django.setup()
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.cached_db import SessionStore
    from django.contrib.sessions.models import Session
    from django.core.cache import cache
    from django.db import transaction
    from django.utils import timezone

    from cunzhi.people.models import User, Villager

    villagers = list(Villager.objects.filter(user__isnull=True).order_by("pk")[:count])
    with transaction.atomic():
        users = User.objects.bulk_create([User(phone=f"1370{v.pk:07d}", name=v.name, password="!") for v in villagers])
        for v, u in zip(villagers, users):
            v.user = u
        Villager.objects.bulk_update(villagers, ["user"])
        store = SessionStore()
        expire = timezone.now() + timezone.timedelta(days=1)
        keys, rows = [], []
        for u in users:
            key = store._get_new_session_key()
            data = {
                SESSION_KEY: str(u.pk),
                BACKEND_SESSION_KEY: "django.contrib.auth.backends.ModelBackend",
                HASH_SESSION_KEY: u.get_session_auth_hash(),
            }
            rows.append(Session(session_key=key, session_data=store.encode(data), expire_date=expire))
            keys.append(key)
        Session.objects.bulk_create(rows, batch_size=1000)
        # As at login, the session is also in the cache (SESSION_ENGINE cached_db): put it there too.
        if "cached_db" in settings.SESSION_ENGINE:
            cache.set_many(
                {
                    SessionStore(session_key=key).cache_key: store.decode(row.session_data)
                    for key, row in zip(keys, rows)
                },
                settings.SESSION_COOKIE_AGE,
            )
    return keys


# Where a sampled stack is: the first category (in this order) that any frame of the stack matches,
# so a URL reversal inside a template counts as template time, a query inside a selector as ORM.
_CATEGORIES = [
    ("SQLite executing the SQL", ("django/db/backends/sqlite3/base.py", "django/db/backends/postgresql/")),
    ("ORM: building queries, reading rows into model instances", ("django/db/",)),
    (
        "templates (rendering, context processors, tags)",
        ("django/template/", "django/templatetags/", "cunzhi/web/context_processors.py"),
    ),
    (
        "sessions, auth, CSRF, messages",
        ("django/contrib/sessions/", "django/contrib/auth/", "django/middleware/csrf", "django/contrib/messages/"),
    ),
    ("project code (selectors, rules, views)", ("cunzhi/",)),
    ("Django request handling, middleware, URLs", ("django/", "whitenoise/", "axes/", "csp/", "django_ratelimit/")),
]


def _sampled_shares(phone: str, seconds: float = 4.0, interval: float = 0.0005) -> dict:
    """Statistical CPU profile of villager home requests: a profiling timer (SIGPROF) samples the stack.

    Unlike cProfile it adds little overhead and needs no knowledge of the view's internals, so the
    shares stay meaningful when other people change the page. The signal handler runs between
    bytecodes of this thread, so a C call (SQLite) is charged to the Python frame that made it.
    """
    from django.test import Client

    from cunzhi.people.models import User

    c = Client()
    c.force_login(User.objects.get(phone=phone))
    for _ in range(20):
        c.get("/")
    counts: dict[str, int] = {}

    rank = {name: i for i, (name, _parts) in enumerate(_CATEGORIES)}

    def on_sample(_signum, frame):
        best = None
        while frame is not None:
            path = frame.f_code.co_filename.replace(os.sep, "/")
            hit = next((name for name, parts in _CATEGORIES if any(p in path for p in parts)), None)
            if hit and (best is None or rank[hit] < rank[best]):
                best = hit
            frame = frame.f_back
        label = best or "other (test client, Python)"
        counts[label] = counts.get(label, 0) + 1

    old = signal.signal(signal.SIGPROF, on_sample)
    signal.setitimer(signal.ITIMER_PROF, interval, interval)
    requests = 0
    try:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            c.get("/")
            requests += 1
    finally:
        signal.setitimer(signal.ITIMER_PROF, 0, 0)
        signal.signal(signal.SIGPROF, old)
    total = sum(counts.values()) or 1
    return {
        "requests": requests,
        "samples": total,
        "shares": dict(sorted(((k, v / total) for k, v in counts.items()), key=lambda kv: -kv[1])),
    }


def _table_of(sql: str) -> str:
    """`people_villager` for a SELECT, `UPDATE cunzhi_cache` for a write, `SAVEPOINT` for the rest."""
    verb = sql.split(None, 1)[0].upper()
    m = re.search(r'(?:FROM|UPDATE|INTO)\s+"([^"]+)"', sql)
    if verb == "SELECT" and m:
        return m.group(1)
    return f"{verb} {m.group(1)}" if m else verb


def _time_breakdown(phone: str, n: int = 300) -> dict:
    """Milliseconds per villager home request and its parts, single-threaded, in-process (no HTTP).

    Measured by subtraction on the real request, so every part is counted where it really runs:
    the whole request; the same with the home selector's result precomputed (its queries gone);
    the same again with the user's roles already known (the role look-up query gone); the bare view
    (handler and middleware); loading session and user (the two queries every logged-in page
    pays). What is left is rendering: template, context processors, navigation. Finally the page's
    SQL is replayed through a raw cursor: the database's own share of the query time.
    """
    from importlib import import_module

    from django.conf import settings
    from django.contrib.auth import SESSION_KEY

    SessionStore = import_module(settings.SESSION_ENGINE).SessionStore
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext, setup_test_environment, teardown_test_environment

    from cunzhi.people import rules
    from cunzhi.people.models import User
    from cunzhi.web import selectors

    user = User.objects.get(phone=phone)
    c = Client()
    c.force_login(user)
    setup_test_environment()  # to learn which templates the view renders, for this one request
    try:
        with _ColdCache():
            template = ", ".join(dict.fromkeys(t.name for t in c.get("/").templates if t.name.startswith("web/")))
    finally:
        teardown_test_environment()
    session_key = c.cookies["sessionid"].value

    def ms(fn) -> float:
        for _ in range(20):
            fn()
        t0 = time.perf_counter()
        for _ in range(n):
            fn()
        return (time.perf_counter() - t0) * 1000 / n

    def session_and_user():
        User.objects.get(pk=SessionStore(session_key)[SESSION_KEY])

    with _ColdCache(), CaptureQueriesContext(connection) as ctx:
        c.get("/")
    sqls = [q["sql"] for q in ctx.captured_queries]

    def raw_sql():
        with connection.cursor() as cursor:
            for sql in sqls:
                cursor.execute(sql)
                cursor.fetchall()

    warm = ms(lambda: c.get("/"))
    context = selectors.home_context(user=user)
    roles = rules.role_rows(user)
    real_selector, real_roles = selectors.home_context, rules.role_rows
    with _ColdCache():
        whole = ms(lambda: c.get("/"))
        try:
            selectors.home_context = lambda *, user: context
            without_selector = ms(lambda: c.get("/"))
            rules.role_rows = lambda u: roles
            without_roles = ms(lambda: c.get("/"))
        finally:
            selectors.home_context, rules.role_rows = real_selector, real_roles
    bare = ms(lambda: c.get("/bench/bare"))
    session = ms(session_and_user)
    return {
        "template": template,
        "warm_request_ms": warm,
        "home_request_ms": whole,
        "home_selector_ms": whole - without_selector,
        "role_lookup_ms": without_selector - without_roles,
        "bare_request_ms": bare,
        "session_and_user_ms": session,
        "rendering_ms": without_roles - bare - session,
        "raw_sql_ms": ms(raw_sql),
        "queries": len(sqls),
    }


# --- the whole home-page benchmark --------------------------------------------------------------
def run(
    seconds: float = 12,
    clients: int = 50,
    loadgen: str = "auto",
    keep: bool = False,
    redis_url: str = "",
    extra_env: dict | None = None,
    in_process: bool = True,
) -> dict:
    """Fresh demo database, gunicorn -w 2, bare vs home under load, query counts. Returns a result dict.

    With `redis_url` the server's cache (sessions, pages, rate limits) is Redis, as in production;
    without it the database cache, as in the demo. `extra_env` adds settings (e.g. CONN_MAX_AGE);
    `in_process=False` skips the query counts and time breakdown (for variants of the same code).
    """
    if loadgen == "auto":
        loadgen = "wrk" if shutil.which("wrk") else "python"
    if loadgen == "wrk" and not shutil.which("wrk"):
        raise RuntimeError("wrk is not installed (apt-get install wrk), use --loadgen python")
    tmp = Path(tempfile.mkdtemp(prefix="cunzhi-bench-home-"))
    env = bench_env(tmp)
    if redis_url:
        env["REDIS_URL"] = redis_url
    env.update(extra_env or {})
    result: dict = {
        "clients": clients,
        "seconds_each": seconds,
        "workers": 2,
        "database": "SQLite (WAL)",
        "cache": "Redis" if redis_url else "database cache (cunzhi_cache table)",
    }
    try:
        manage(env, "migrate", "--noinput", "-v", "0")
        manage(env, "createcachetable")
        t0 = time.perf_counter()
        manage(env, "seed_demo")
        result["seed_demo_s"] = round(time.perf_counter() - t0, 2)

        probe = subprocess.run(
            [sys.executable, str(Path(__file__).resolve()), "--settings"],
            env=env,
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=120,
        )
        if probe.returncode != 0:
            raise RuntimeError("reading the settings failed:\n" + probe.stderr[-3000:])
        result["settings"] = json.loads(probe.stdout.strip().splitlines()[-1])
        if in_process:
            queries = subprocess.run(
                [sys.executable, str(Path(__file__).resolve()), "--queries"],
                env=env,
                cwd=ROOT,
                capture_output=True,
                text=True,
                timeout=600,
            )
            if queries.returncode != 0:
                raise RuntimeError("query count step failed:\n" + queries.stderr[-3000:])
            result.update(json.loads(queries.stdout.strip().splitlines()[-1]))
        made = subprocess.run(
            [sys.executable, str(Path(__file__).resolve()), "--sessions", str(MANY_VILLAGERS)],
            env=env,
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=600,
        )
        if made.returncode != 0:
            raise RuntimeError("creating villager sessions failed:\n" + made.stderr[-3000:])
        many = [f"sessionid={key}" for key in json.loads(made.stdout.strip().splitlines()[-1])]
        result["many_villagers"] = len(many)

        with Server(env) as server:
            session = log_in(server.base, DEMO_PHONE, DEMO_PASSWORD)
            status, _h, body = request("GET", server.base + "/", headers={"Cookie": f"sessionid={session}"})
            if status != 200 or "陈国强".encode() not in body:
                raise RuntimeError(f"the villager home page did not render for the session (HTTP {status})")
            runs = {}
            for key, path, cookies in (
                ("bare", "/bench/bare", []),
                ("anonymous_home", "/", []),
                ("villager_home", "/", [f"sessionid={session}"]),
                ("many_villagers_home", "/", many),
            ):
                # Many villagers: every request is another villager's first visit (no warm-up, which
                # would put their pages in the cache).
                runs[key] = measure(
                    server,
                    path,
                    clients=clients,
                    seconds=seconds,
                    cookies=cookies,
                    loadgen=loadgen,
                    warm_up=key != "many_villagers_home",
                )
                if runs[key]["errors"]:
                    raise RuntimeError(f"{key}: {runs[key]['errors']} failed requests\n" + server.log_text())
        result["runs"] = runs
        result["ratio"] = runs["villager_home"]["rps"] / runs["bare"]["rps"]
        # The same ratio from server CPU per request: it does not move when other processes take cores.
        result["cpu_ratio"] = (
            runs["bare"]["server_ms_cpu_per_request"] / runs["villager_home"]["server_ms_cpu_per_request"]
        )
        result["first_visit_ratio"] = runs["many_villagers_home"]["rps"] / runs["bare"]["rps"]
        result["target_ratio"] = TARGET_RATIO
        result["ok"] = result["ratio"] >= TARGET_RATIO
        return result
    finally:
        if not keep:
            shutil.rmtree(tmp, ignore_errors=True)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=12)
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--loadgen", choices=["auto", "wrk", "python"], default="auto")
    parser.add_argument("--redis", default="", help="a Redis URL for the server's cache (default: database cache)")
    parser.add_argument("--queries", action="store_true", help=argparse.SUPPRESS)  # child steps, see run()
    parser.add_argument("--sessions", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--settings", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.settings:
        print(json.dumps(effective_settings()))
        return
    if args.queries:
        print(json.dumps(in_process_report()))
        return
    if args.sessions:
        print(json.dumps(make_sessions(args.sessions)))
        return
    print(json.dumps(run(args.seconds, args.clients, args.loadgen, redis_url=args.redis), indent=2, ensure_ascii=False))


if __name__ == "__main__":
    main()
