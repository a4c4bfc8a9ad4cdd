"""The cluster test: Cunzhi on several hosts, made on this one machine (scripts/cluster.sh; docs/scaling.md).

Each host is a Linux network namespace of its own, joined to the others by veth pairs on a bridge that
lives in one more namespace ("hub", where the test's client runs). Nothing is connected to the machine's
own network: the addresses (10.231.20.0/24) exist only inside these namespaces, and all of it is removed at
the end, whatever happened. Root is needed (namespaces); the processes share the file system, which stands
in for the shared folder (FILES_DIR, SMS_FILE_PATH) a real cluster would mount.

    pg       PostgreSQL, a throwaway cluster (initdb in a temporary folder, not the machine's server)
    bouncer  PgBouncer in transaction mode in front of it (every app process and worker connects here)
    redis    Redis: cache, sessions, rate limits, the memo cache, the RQ task queue
    app1/2   gunicorn (one worker of 8 threads each: two servers are already two processes)
    work1/2  an RQ task worker and the periodic-job scheduler each (two schedulers: each slot must run once)

The checks themselves are in tests/cluster/drive.py, run from the hub. The migrated schema is kept as an SQL
dump in .test-cache/cluster-schema-KEY.sql (keyed by the migrations), so only the first run pays for `migrate`;
within the test suite, `--schema-dump` gives it the suite's own migrated PostgreSQL database instead.
Exit status 0 when every check held; a JSON summary is printed last.
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PY = str(ROOT / ".venv" / "bin" / "python")
NET = "10.231.20"
HOSTS = {"hub": 1, "pg": 2, "bouncer": 3, "redis": 4, "app1": 11, "app2": 12, "work1": 21, "work2": 22}
SECRET = "cluster-test-secret-key-not-for-production-0123456789abcdef"


def addr(host: str) -> str:
    return f"{NET}.{HOSTS[host]}"


def pg_bin(name: str) -> str:
    versions = sorted(Path("/usr/lib/postgresql").iterdir(), key=lambda p: int(p.name))
    return str(versions[-1] / "bin" / name)


class Cluster:
    def __init__(self, tmp: Path, tag: str):
        self.tmp = tmp
        self.tag = tag
        self.procs: dict[str, subprocess.Popen] = {}
        self.namespaces: list[str] = []
        self.timings: dict[str, float] = {}

    # --- the network ------------------------------------------------------------------------------
    def ns(self, host: str) -> str:
        return f"{self.tag}-{host}"

    def ip(self, *args: str) -> None:
        subprocess.run(["ip", *args], check=True)

    def network_up(self) -> None:
        hub = self.ns("hub")
        for host in HOSTS:
            self.ip("netns", "add", self.ns(host))
            self.namespaces.append(self.ns(host))
            self.ip("-n", self.ns(host), "link", "set", "lo", "up")
        self.ip("-n", hub, "link", "add", "br0", "type", "bridge")
        self.ip("-n", hub, "addr", "add", f"{addr('hub')}/24", "dev", "br0")
        self.ip("-n", hub, "link", "set", "br0", "up")
        for host, n in HOSTS.items():
            if host == "hub":
                continue
            # Both ends are made inside namespaces: the machine's own network never sees an interface.
            self.ip("-n", hub, "link", "add", f"v{n}", "type", "veth", "peer", "name", "eth0", "netns", self.ns(host))
            self.ip("-n", hub, "link", "set", f"v{n}", "master", "br0", "up")
            self.ip("-n", self.ns(host), "addr", "add", f"{addr(host)}/24", "dev", "eth0")
            self.ip("-n", self.ns(host), "link", "set", "eth0", "up")

    def network_down(self) -> None:
        for name in self.namespaces:
            subprocess.run(["ip", "netns", "del", name], check=False, stderr=subprocess.DEVNULL)

    # --- processes ----------------------------------------------------------------------------------
    def env(self, host: str, **extra: str) -> dict[str, str]:
        data = self.tmp / "hosts" / host
        data.mkdir(parents=True, exist_ok=True)
        env = {k: v for k, v in os.environ.items() if not k.startswith(("DATABASE_", "REDIS_", "TASKS_"))}
        env.update(
            DJANGO_SETTINGS_MODULE="cunzhi.settings",
            PYTHONPATH=str(ROOT),
            DATABASE_URL=f"postgres://postgres@{addr('bouncer')}:6432/cunzhi",
            PGBOUNCER="1",
            CONN_MAX_AGE="60",
            REDIS_URL=f"redis://{addr('redis')}:6379/0",
            TASKS_BACKEND="rq",
            SECRET_KEY=SECRET,
            SECURE_HTTPS="0",
            ALLOWED_HOSTS=",".join(addr(h) for h in ("app1", "app2")),
            CUNZHI_DATA_DIR=str(data),  # each host's own folder...
            FILES_DIR=str(self.tmp / "shared" / "files"),  # ...and the folder every host mounts
            SMS_FILE_PATH=str(self.tmp / "shared" / "sms"),
            SMS_BACKEND="file",
            NOTIFY_BATCH_SIZE="5",  # a notice to 40 people is 8+ tasks, shared by the two workers
            # Long enough that a copy kept by one process would fail the checks: only a shared memo passes.
            MEETINGS_LIVE_CACHE_SECONDS="30",
            NOTIFY_HEADER_SECONDS="300",
            # One gunicorn worker per server: two servers already make every state cross processes, and each
            # Django process costs seconds of CPU to start on a 2-core machine.
            WEB_WORKERS="1",
            WEB_THREADS="8",
            LOG_LEVEL="WARNING",
            PYTHONUNBUFFERED="1",  # the schedulers' logs are read while they run
        )
        env.update(extra)
        return env

    def start(self, name: str, host: str, argv: list[str], env: dict[str, str] | None = None, user: str = "") -> None:
        log = open(self.tmp / f"{name}.log", "wb")  # noqa: SIM115 (closed with the process)
        cmd = ["ip", "netns", "exec", self.ns(host)]
        if user:
            cmd += ["runuser", "-u", user, "--"]
        self.procs[name] = subprocess.Popen(
            cmd + argv,
            cwd=ROOT,
            env=env or self.env(host),
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def run(self, host: str, argv: list[str], env: dict[str, str] | None = None, user: str = "", **kw):
        cmd = ["ip", "netns", "exec", self.ns(host)] + (["runuser", "-u", user, "--"] if user else []) + argv
        kw.setdefault("check", True)
        return subprocess.run(cmd, cwd=ROOT, env=env or self.env(host), **kw)

    def stop_all(self) -> None:
        for proc in self.procs.values():
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGTERM)
        deadline = time.monotonic() + 5
        for proc in self.procs.values():
            try:
                proc.wait(max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()

    def wait_for(self, what: str, ready, seconds: float = 30) -> None:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if ready():
                return
            dead = [n for n, p in self.procs.items() if p.poll() is not None]
            if dead:
                raise RuntimeError(f"{dead} exited while waiting for {what}; see {self.tmp}/{dead[0]}.log")
            time.sleep(0.2)
        raise RuntimeError(f"{what} not ready after {seconds} s")

    # --- the services -------------------------------------------------------------------------------
    def postgres(self) -> None:
        data = self.tmp / "pg"
        sock = self.tmp / "pgsock"
        for d in (data, sock):
            d.mkdir()
            shutil.chown(d, "postgres", "postgres")
        subprocess.run(
            [
                "runuser",
                "-u",
                "postgres",
                "--",
                pg_bin("initdb"),
                "-D",
                str(data),
                "-U",
                "postgres",
                "-A",
                "trust",
                "-E",
                "UTF8",
                "--no-locale",
                "--no-sync",
            ],
            check=True,
            stdout=subprocess.DEVNULL,
        )
        with open(data / "pg_hba.conf", "a") as hba:
            hba.write(f"host all all {NET}.0/24 trust\n")
        argv = [pg_bin("postgres"), "-D", str(data), "-k", str(sock), "-c", f"listen_addresses={addr('pg')}"]
        # UTC: Django then never sets the time zone on a connection (PgBouncer hands connections around).
        argv += ["-c", "timezone=UTC", "-c", "max_connections=100", "-c", "shared_buffers=64MB"]
        # A throwaway database: the test kills app servers, never this one, so it need not wait for the disk.
        argv += ["-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off"]
        self.start(
            "postgres",
            "pg",
            argv,
            env={"PATH": os.environ["PATH"], "LANG": "C.UTF-8"},
            user="postgres",
        )
        isready = [pg_bin("pg_isready"), "-q", "-h", addr("pg"), "-U", "postgres"]
        self.wait_for("postgres", lambda: self.run("hub", isready, env=dict(os.environ), check=False).returncode == 0)

    def bouncer(self) -> None:
        folder = self.tmp / "pgbouncer"
        folder.mkdir()
        (folder / "users.txt").write_text('"postgres" ""\n')
        (folder / "pgbouncer.ini").write_text(
            f"""[databases]
cunzhi = host={addr("pg")} port=5432 dbname=cunzhi user=postgres

[pgbouncer]
listen_addr = {addr("bouncer")}
listen_port = 6432
unix_socket_dir =
auth_type = trust
auth_file = {folder}/users.txt
pool_mode = transaction
max_client_conn = 400
default_pool_size = 20
server_reset_query =
ignore_startup_parameters = extra_float_digits
logfile = {folder}/pgbouncer.log
"""
        )
        shutil.chown(folder, "postgres", "postgres")
        for f in folder.iterdir():
            shutil.chown(f, "postgres", "postgres")
        self.start("pgbouncer", "bouncer", ["pgbouncer", str(folder / "pgbouncer.ini")], user="postgres")

    def redis(self) -> None:
        self.start(
            "redis",
            "redis",
            [
                "redis-server",
                "--bind",
                addr("redis"),
                "--port",
                "6379",
                "--save",
                "",
                "--appendonly",
                "no",
                "--protected-mode",
                "no",
            ],
        )
        ping = ["redis-cli", "-h", addr("redis"), "ping"]
        self.wait_for(
            "redis",
            lambda: b"PONG" in self.run("hub", ping, env=dict(os.environ), check=False, capture_output=True).stdout,
        )

    def schema(self, given: Path | None = None) -> None:
        """The migrated schema: restored from `given` (the test run's migrated database, tests/dbcache.py) or
        from the cached dump, or migrated once and dumped."""
        digest = hashlib.sha256()
        for path in sorted(ROOT.glob("cunzhi/**/migrations/*.py")):
            digest.update(str(path.relative_to(ROOT)).encode() + path.read_bytes())
        # A file, not a folder: tests/dbcache.py removes the folders of .test-cache it did not make.
        cache = ROOT / ".test-cache"
        dump = cache / f"cluster-schema-{digest.hexdigest()[:16]}.sql"
        direct = dict(os.environ, PGHOST=addr("pg"), PGUSER="postgres")
        self.run("hub", [pg_bin("createdb"), "cunzhi"], env=direct)
        t0 = time.monotonic()
        if given is not None:
            dump = given
        elif not dump.exists():
            # Migrated in a database of its own: the app servers and schedulers, already running, write into
            # "cunzhi" as soon as its tables exist, and none of that may end up in the dump.
            self.run("hub", [pg_bin("createdb"), "schema"], env=direct)
            env = self.env("hub", DATABASE_URL=f"postgres://postgres@{addr('pg')}:5432/schema")
            self.run("hub", [PY, "manage.py", "migrate", "-v0", "--skip-checks"], env=env)
            self.timings["schema_migrated_s"] = round(time.monotonic() - t0, 1)
            cache.mkdir(parents=True, exist_ok=True)
            for old in cache.glob("cluster-schema-*.sql"):
                old.unlink()
            tmp = dump.with_suffix(".tmp")
            self.run("hub", [pg_bin("pg_dump"), "--no-owner", "-f", str(tmp), "schema"], env=direct)
            tmp.replace(dump)
        t1 = time.monotonic()
        # One transaction: the schedulers already running see the tables only once their unique constraints
        # exist. Restored statement by statement, two of them once raced to insert the same job slot between
        # CREATE TABLE and ADD CONSTRAINT, and the constraint then failed on the duplicate.
        self.run(
            "hub",
            [pg_bin("psql"), "-q", "-1", "-v", "ON_ERROR_STOP=1", "-f", str(dump), "cunzhi"],
            env=direct,
            stdout=subprocess.DEVNULL,
        )
        self.timings["schema_restored_s"] = round(time.monotonic() - t1, 1)

    def apps(self) -> None:
        for host in ("app1", "app2"):
            self.start(
                host,
                host,
                [
                    str(ROOT / ".venv/bin/gunicorn"),
                    "-c",
                    "cunzhi/gunicorn.conf.py",
                    "-b",
                    f"{addr(host)}:8000",
                    "cunzhi.wsgi",
                ],
            )
        for n, host in enumerate(("work1", "work2"), 1):
            self.start(f"worker{n}", host, [PY, "manage.py", "task_worker"])
            # Ticks every 2 s instead of every minute: many chances for the two to race for each slot.
            self.start(f"scheduler{n}", host, [PY, "manage.py", "scheduler", "--interval", "2"])

    def healthy(self, host: str) -> bool:
        try:
            out = self.run(
                "hub",
                ["curl", "-sf", "-m", "2", f"http://{addr(host)}:8000/healthz"],
                env=dict(os.environ),
                check=False,
                capture_output=True,
            )
        except OSError:
            return False
        return out.returncode == 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--keep", action="store_true", help="leave the temporary folder (logs) in place")
    parser.add_argument("--timeout", type=float, default=240, help="give up after this many seconds")
    parser.add_argument("--schema-dump", type=Path, help="SQL of a database migrated by this code (pg_dump)")
    args = parser.parse_args()
    if os.geteuid() != 0:
        print("the cluster test needs root (network namespaces)", file=sys.stderr)
        return 2
    signal.signal(signal.SIGALRM, lambda *_: (_ for _ in ()).throw(TimeoutError("cluster test timed out")))
    signal.alarm(int(args.timeout))
    t0 = time.monotonic()
    tmp = Path(tempfile.mkdtemp(prefix="cunzhi-cluster-"))
    tmp.chmod(0o755)
    cluster = Cluster(tmp, f"cz{os.getpid() % 100000}")
    summary: dict = {"ok": False}
    try:
        cluster.network_up()
        cluster.redis()
        cluster.postgres()
        cluster.bouncer()
        cluster.timings["services_s"] = round(time.monotonic() - t0, 1)
        # The Django processes start while the schema is loaded: they touch the database only when asked
        # (a scheduler's tick before the tables exist fails, is logged and is tried again two seconds later).
        cluster.apps()
        cluster.schema(args.schema_dump)
        for host in ("app1", "app2"):
            cluster.wait_for(host, lambda h=host: cluster.healthy(h), 60)
        cluster.timings["up_s"] = round(time.monotonic() - t0, 1)
        env = cluster.env(
            "hub",
            CLUSTER_TMP=str(tmp),
            CLUSTER_APPS=",".join(f"http://{addr(h)}:8000" for h in ("app1", "app2")),
            CLUSTER_APP1_PID=str(cluster.procs["app1"].pid),
            CLUSTER_SCHEDULER_PIDS=",".join(str(cluster.procs[f"scheduler{n}"].pid) for n in (1, 2)),
            CLUSTER_SCHEDULER_LOGS=",".join(str(tmp / f"scheduler{n}.log") for n in (1, 2)),
            CLUSTER_WORKER_LOGS=",".join(str(tmp / f"worker{n}.log") for n in (1, 2)),
        )
        out = cluster.run(
            "hub", [PY, "-m", "tests.cluster.drive"], env=env, check=False, capture_output=True, text=True
        )
        sys.stderr.write(out.stderr)
        lines = out.stdout.strip().splitlines()
        summary = json.loads(lines[-1]) if lines and lines[-1].startswith("{") else {"ok": False, "output": out.stdout}
    except Exception as exc:  # reported in the summary; the cleanup below runs whatever happened
        summary = {"ok": False, "error": repr(exc)}
    finally:
        signal.alarm(0)
        cluster.stop_all()
        cluster.network_down()
        summary["timings"] = {**cluster.timings, "total_s": round(time.monotonic() - t0, 1)}
        if not summary.get("ok") or args.keep:
            summary["logs"] = str(tmp)
        else:
            shutil.rmtree(tmp, ignore_errors=True)
    print(json.dumps(summary, ensure_ascii=False))
    return 0 if summary.get("ok") else 1


if __name__ == "__main__":
    sys.exit(main())
