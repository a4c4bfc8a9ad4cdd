"""Benchmark: one notice to 100,000 villagers, on SQLite and on PostgreSQL.

Targets (issue 3): enqueue in under 10 s; every e-mail accepted by a local SMTP sink in under 120 s
with two workers; zero lost (the sink's count equals the deliveries marked sent, and nothing failed).

    .venv/bin/python bench/notify.py [--recipients 100000] [--database sqlite|postgres|both]
    .venv/bin/python bench/run.py --only notify      # the same, written into docs/benchmarks.md

Each run uses a throwaway database (a SQLite file in a temporary directory, or the PostgreSQL
database cz_bench_notify on 127.0.0.1, dropped afterwards), `migrate`, 100,000 accounts in one
village, each with an e-mail address (text messages turned off, so the run measures e-mail). Then:
an SMTP sink (aiosmtpd, 127.0.0.1) in its own process counting what it accepts, two
`manage.py task_worker` processes (the database task backend), and the notice sent through
`notify.services.notice_send(kind="announcement")` in this process. Everything started is stopped
at the end, also on error; the run is bounded by --timeout.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PY = sys.executable
VILLAGE = "330523100201"
PG_ADMIN = "postgres://postgres@127.0.0.1:5432/postgres"
PG_DB = "cz_bench_notify"

SINK = r"""
import asyncio, sys, time
from aiosmtpd.controller import Controller
count = 0
class Sink:
    async def handle_DATA(self, server, session, envelope):
        global count
        count += len(envelope.rcpt_tos)
        return "250 OK"
c = Controller(Sink(), hostname="127.0.0.1", port=int(sys.argv[1]))
c.start()
out = sys.argv[2]
while True:  # the count, for the bench to read; written atomically
    with open(out + ".tmp", "w") as f:
        f.write(str(count))
    import os; os.replace(out + ".tmp", out)
    time.sleep(0.2)
"""


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _pg(sql: str) -> None:
    import psycopg

    with psycopg.connect(PG_ADMIN.replace("postgres://", "postgresql://"), autocommit=True) as conn:
        conn.execute(sql)


def child(args) -> dict:
    """Runs in a child process with the environment set: seed, start sink and workers, send, wait."""
    import django

    django.setup()
    from django.db import connection

    from cunzhi.notify.models import Channel, Delivery, DeliveryStatus
    from cunzhi.notify.services import notice_send
    from cunzhi.regions.models import Level, Region

    n = args.recipients
    county = Region.objects.create(code="330523000000", name="安吉县", level=Level.COUNTY)
    town = Region.objects.create(code="330523100000", name="天荒坪镇", level=Level.TOWNSHIP, parent=county)
    village = Region.objects.create(code=VILLAGE, name="余村", level=Level.VILLAGE, parent=town)
    started = time.perf_counter()
    _seed(n, village)
    seed_s = time.perf_counter() - started
    connection.close()

    env = dict(os.environ)
    tmp = Path(args.tmp)
    port = _free_port()
    count_file = tmp / "sink.count"
    procs = []
    try:
        procs.append(subprocess.Popen([PY, "-c", SINK, str(port), str(count_file)], cwd=ROOT, env=env))
        env.update(EMAIL_HOST="127.0.0.1", EMAIL_PORT=str(port), EMAIL_USE_TLS="0")
        for i in range(2):
            procs.append(
                subprocess.Popen(
                    [PY, "manage.py", "task_worker", "--interval", "0.2"],
                    cwd=ROOT,
                    env=env,
                    stdout=open(tmp / f"worker{i}.log", "w"),  # noqa: SIM115
                    stderr=subprocess.STDOUT,
                )
            )
        for _ in range(100):
            if count_file.exists():
                break
            time.sleep(0.1)
        time.sleep(2)  # let the workers start polling
        t0 = time.perf_counter()
        notice = notice_send(
            kind="announcement",
            region_code=VILLAGE,
            subject={"zh-hans": "村民会议通知", "en": "Villagers' meeting"},
            body={
                "zh-hans": "定于本周日上午9点在村委会礼堂召开村民会议。",
                "en": "The villagers' meeting is on Sunday at 9 in the village hall.",
            },
        )
        enqueue_s = time.perf_counter() - t0
        emails = Delivery.objects.filter(notice=notice, channel=Channel.EMAIL)
        total = emails.count()
        delivered_s, sunk, done = None, 0, 0
        deadline = t0 + args.timeout
        while time.perf_counter() < deadline:
            time.sleep(0.5)
            sunk = int(count_file.read_text() or 0)
            if sunk >= total:
                done = emails.filter(status=DeliveryStatus.SENT).count()
                if done == total:
                    delivered_s = time.perf_counter() - t0
                    break
        time.sleep(0.5)
        sunk = int(count_file.read_text() or 0)
        statuses = dict(
            emails.values_list("status")
            .annotate(n=__import__("django.db.models", fromlist=["Count"]).Count("id"))
            .values_list("status", "n")
        )
        return {
            "database": connection.vendor,
            "recipients": n,
            "emails": total,
            "seed_s": round(seed_s, 1),
            "enqueue_s": round(enqueue_s, 2),
            "delivered_s": round(delivered_s, 1) if delivered_s else None,
            "sink": sunk,
            "statuses": statuses,
            "timeout": args.timeout,
            "rows": Delivery.objects.filter(notice=notice).count(),
        }
    finally:
        for p in procs:
            p.send_signal(signal.SIGTERM)
        for p in procs:
            try:
                p.wait(timeout=10)
            except subprocess.TimeoutExpired:
                p.kill()


def _seed(n: int, village) -> None:
    """n accounts with e-mail and villager records in one village; text messages off. Raw bulk inserts."""
    import datetime as dt

    from django.utils import timezone

    from cunzhi.notify.models import ChannelPreference
    from cunzhi.people.models import User, Villager

    now = timezone.now()
    step = 5000
    for start in range(0, n, step):
        users = User.objects.bulk_create(
            [
                User(
                    phone=f"139{i:08d}",
                    name=f"村民{i}",
                    email=f"v{i}@bench.example",
                    password="!",
                    language="zh-hans" if i % 5 else "en",
                    date_joined=now,
                )
                for i in range(start, min(n, start + step))
            ]
        )
        Villager.objects.bulk_create(
            [
                # Who is told depends on the villager record; its ID fields are placeholders (never decrypted here).
                Villager(
                    user=u,
                    name=u.name,
                    village=village,
                    region_code=village.code,
                    phone=u.phone,
                    id_number="-",
                    id_hash=f"bench{u.pk}",
                    sex="M",
                    birth_date=dt.date(1980, 1, 1),
                )
                for u in users
            ]
        )
        ChannelPreference.objects.bulk_create([ChannelPreference(user=u, sms_on=False) for u in users])


def run_one(database: str, recipients: int, timeout: int) -> dict:
    tmp = Path(tempfile.mkdtemp(prefix="cz-bench-notify-"))
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL",)}
    env.update(
        CUNZHI_DATA_DIR=str(tmp),
        DJANGO_SETTINGS_MODULE="cunzhi.settings",
        DEBUG="0",
        TASKS_BACKEND="database",
        EMAIL_BACKEND="django.core.mail.backends.smtp.EmailBackend",
        SITE_URL="https://cunzhi.example.gov.cn",
        RATELIMIT_ENABLE="0",
    )
    if database == "postgres":
        _pg(f"DROP DATABASE IF EXISTS {PG_DB}")
        _pg(f"CREATE DATABASE {PG_DB}")
        env["DATABASE_URL"] = f"postgres://postgres@127.0.0.1:5432/{PG_DB}"
    else:
        env["DATABASE_URL"] = f"sqlite:///{tmp / 'bench.sqlite3'}"
    try:
        subprocess.run([PY, "manage.py", "migrate", "-v0"], cwd=ROOT, env=env, check=True)
        out = subprocess.run(
            [PY, __file__, "--child", "--recipients", str(recipients), "--timeout", str(timeout), "--tmp", str(tmp)],
            cwd=ROOT,
            env=env,
            check=True,
            capture_output=True,
            text=True,
            timeout=timeout + 600,
        )
        return json.loads(out.stdout.strip().splitlines()[-1])
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
        if database == "postgres":
            _pg(f"DROP DATABASE IF EXISTS {PG_DB}")


def section(recipients: int = 100_000, databases=("sqlite", "postgres"), timeout: int = 300) -> str:
    import datetime as dt

    rows = []
    for database in databases:
        print(f"    notice to {recipients:,} recipients on {database}", flush=True)
        r = run_one(database, recipients, timeout)
        print(f"    {r}", flush=True)
        rows.append(r)
    lines = [
        "## Notifications: one notice to 100,000 villagers",
        "",
        f"Run on {dt.datetime.now(dt.UTC).strftime('%Y-%m-%d %H:%M UTC')}. "
        "Command: `.venv/bin/python bench/run.py --only notify` (or `.venv/bin/python bench/notify.py`).",
        "",
        f"{recipients:,} accounts in one village, each with an e-mail address (text messages off). "
        '`notice_send(kind="announcement")` plans and stores every delivery (inbox and e-mail) in one '
        "transaction and enqueues one task per 500 e-mails; two `manage.py task_worker` processes (database "
        "task backend) send them over SMTP to an aiosmtpd sink on 127.0.0.1 in a third process. All on the "
        "same 2 cores. *Lost* = deliveries marked sent that the sink did not count, plus any not sent.",
        "",
        "| Database | delivery rows | enqueue s | all e-mail accepted s | e-mails/s | sink count | sent | "
        "lost | target |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    for r in rows:
        sent = r["statuses"].get("sent", 0)
        lost = (r["emails"] - r["sink"]) + (r["emails"] - sent) if r["sink"] <= r["emails"] else 0
        ok = r["enqueue_s"] < 10 and r["delivered_s"] is not None and r["delivered_s"] < 120 and lost == 0
        rate = f"{r['emails'] / r['delivered_s']:,.0f}" if r["delivered_s"] else "—"
        delivered = r["delivered_s"] if r["delivered_s"] is not None else f"not done in {r['timeout']} s"
        lines.append(
            f"| {r['database']} | {r['rows']:,} | {r['enqueue_s']} | {delivered} | {rate} | {r['sink']:,} | "
            f"{sent:,} | {lost} | enqueue < 10 s, delivered < 120 s, none lost: "
            f"{'met' if ok else '**missed**'} |"
        )
    lines.append("")
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--recipients", type=int, default=100_000)
    parser.add_argument("--database", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--timeout", type=int, default=300)
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--tmp", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        sys.path.insert(0, str(ROOT))
        print(json.dumps(child(args)))
        return 0
    dbs = ("sqlite", "postgres") if args.database == "both" else (args.database,)
    print(section(args.recipients, dbs, args.timeout))
    return 0


if __name__ == "__main__":
    sys.exit(main())
