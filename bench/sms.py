"""Benchmark: SMS through a real Kannel, both ways (issue 14).

1. One notice to a whole county's villagers (100,000 roster villagers with a mobile number, no
   accounts): through `sendsms` to Kannel's test operator `fakesmsc`, delivery reports back to
   Cunzhi's /notify/sms/delivery-report/. Target: enqueue < 10 s; every delivery report back;
   0 lost, 0 duplicated (the receivers `fakesmsc` printed, compared with the villagers' numbers).
2. 1,000 villagers answer a notice "TD" in a burst, each text handed to /notify/sms/inbound/ three
   times with the same gateway id, concurrently (as Kannel's get-url does when it retries); and
   some more texts sent by phones through Kannel itself (fakesmsc), whose callbacks are then
   replayed twice. Target: exactly one effect per text (one stored text, one consent row, one answer).

    .venv/bin/python bench/sms.py [--villagers 100000] [--database sqlite|postgres|both] [--workers 4]
    .venv/bin/python bench/run.py --only sms      # the same, written into docs/benchmarks.md

Everything runs as `make demo` runs it, on 127.0.0.1: Kannel (`KannelBox`: bearerbox, smsbox,
fakesmsc), the web server (gunicorn, cunzhi/gunicorn.conf.py), `manage.py task_worker` processes
(database task backend) and the scheduler (retries), on a throwaway database (a SQLite file, or
the PostgreSQL database --pg-db, dropped afterwards). The child that runs them leads its own process
group: on the hard timeout the whole group is killed.
"""

from __future__ import annotations

import argparse
import collections
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PY = sys.executable
COUNTY = "330523000000"
PG_ADMIN = "postgresql://postgres@127.0.0.1:5432/postgres"
SECRET = "bench-secret"
REPLIES = 1000


def _pg(sql: str) -> None:
    import psycopg

    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        conn.execute(sql)


def _seed(n: int) -> None:
    """A county of 10 townships x 10 villages and n adult roster villagers with a mobile number, no accounts."""
    import datetime as dt

    from cunzhi.people.models import Villager
    from cunzhi.regions.models import Level, Region

    county = Region.objects.create(code=COUNTY, name="安吉县", level=Level.COUNTY)
    villages = []
    for t in range(10):
        town = Region.objects.create(code=f"330523{101 + t:03d}000", name=f"镇{t}", level=Level.TOWNSHIP, parent=county)
        for v in range(10):
            villages.append(
                Region.objects.create(
                    code=f"330523{101 + t:03d}{201 + v:03d}", name=f"村{t}-{v}", level=Level.VILLAGE, parent=town
                )
            )
    step = 5000
    for start in range(0, n, step):
        Villager.objects.bulk_create(
            # ID fields are placeholders (never decrypted here); who is told depends on region and phone.
            Villager(
                name=f"村民{i}",
                village=villages[i % len(villages)],
                region_code=villages[i % len(villages)].code,
                phone=phone(i),
                id_number="-",
                id_hash=f"bench{i}",
                sex="M",
                birth_date=dt.date(1960, 1, 1),
            )
            for i in range(start, min(n, start + step))
        )


def phone(i: int) -> str:
    return f"139{i:08d}"


class Operator:
    """What fakesmsc printed: counted fast while waiting, decoded at the end."""

    def __init__(self, log: Path):
        self.log = log

    def size(self) -> int:
        return self.log.stat().st_size if self.log.exists() else 0

    def lines(self, offset: int = 0) -> int:
        with self.log.open("rb") as f:
            f.seek(offset)
            return f.read().count(b"Got message")

    def messages(self, offset: int = 0) -> list[tuple[str, str, str]]:
        from cunzhi.notify.kannel import parse_operator_log

        with self.log.open("rb") as f:
            f.seek(offset)
            return parse_operator_log(f.read().decode("utf-8", "replace"))


def _wait(condition, deadline: float, every: float = 1.0) -> float | None:
    """Seconds (perf_counter) when `condition()` first held, or None at the deadline."""
    while time.perf_counter() < deadline:
        if condition():
            return time.perf_counter()
        time.sleep(every)
    return None


def _get(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=30) as r:
            r.read()
            return r.status
    except urllib.error.HTTPError as exc:
        return exc.code
    except OSError:
        return 0


def _parallel(urls: list[str], threads: int) -> collections.Counter:
    """GET every URL from `threads` threads, in list order (neighbours run at the same moment)."""
    statuses: collections.Counter = collections.Counter()
    lock, it = threading.Lock(), iter(urls)

    def work() -> None:
        while True:
            with lock:
                url = next(it, None)
            if url is None:
                return
            status = _get(url)
            with lock:
                statuses[status] += 1

    pool = [threading.Thread(target=work) for _ in range(threads)]
    for t in pool:
        t.start()
    for t in pool:
        t.join()
    return statuses


def _outbound(args, box, deadline: float) -> dict:
    """Part 1: one urgent, mandatory announcement to the county; wait for every stage."""
    from django.db.models import Count

    from cunzhi.notify.models import Channel, Delivery, DeliveryStatus, Urgency
    from cunzhi.notify.services import notice_send

    operator = Operator(box.received_log)
    start = operator.size()
    t0, cpu = time.perf_counter(), time.process_time()
    notice = notice_send(
        kind="announcement",
        region_code=COUNTY,
        urgency=Urgency.URGENT,  # no quiet hours: the bench may run at night
        mandatory=True,  # the law requires it: no consent needed (a villagers' meeting notice)
        subject={"zh-hans": "村民会议：本周日上午9时村委会礼堂", "en": "Villagers' meeting: Sunday 9:00, village hall"},
        body={"zh-hans": "议题：村道硬化。", "en": "Agenda: paving the village road."},
    )
    enqueue, enqueue_cpu = time.perf_counter() - t0, time.process_time() - cpu
    sms = Delivery.objects.filter(notice=notice, channel=Channel.SMS)
    total = sms.count()
    print(f"    enqueued {total:,} texts in {enqueue:.2f} s", flush=True)
    stages: dict[str, float | None] = {}

    def progress() -> bool:
        sent = sms.filter(status=DeliveryStatus.SENT).count()
        printed = operator.lines(start)
        reported = sms.filter(delivered_at__isnull=False).count()
        now = time.perf_counter()
        for key, count in (("handed", sent), ("operator", printed), ("reports", reported)):
            if count >= total and stages.get(key) is None:
                stages[key] = now - t0
        print(f"    {now - t0:6.0f} s: sent {sent:,}, operator {printed:,}, reports {reported:,}", flush=True)
        return all(stages.get(k) is not None for k in ("handed", "operator", "reports"))

    _wait(progress, deadline, every=2.0)
    got = operator.messages(start)
    receivers = collections.Counter(to for _, to, _ in got)
    phones = collections.Counter(sms.values_list("address", flat=True))
    statuses = dict(sms.values_list("status").annotate(n=Count("id")).values_list("status", "n"))
    texts = {text for _, _, text in got}
    return {
        "texts": total,
        "enqueue_s": round(enqueue, 2),
        "enqueue_cpu_s": round(enqueue_cpu, 2),  # this process's CPU (SQLite runs in it): what load does not stretch
        **{f"{k}_s": round(v, 1) if v is not None else None for k, v in stages.items()},
        "operator_messages": len(got),
        "segments": operator.lines(start) / max(len(got), 1),
        "lost": sum((phones - receivers).values()),  # numbers that got fewer texts than they should
        "duplicated": sum((receivers - phones).values()),  # texts beyond one per delivery
        "statuses": statuses,
        "retried": sms.filter(tries__gt=1).count(),
        "reports": sms.filter(delivered_at__isnull=False).count(),
        "sample": sorted(texts)[:1],
    }


def _inbound(args, box, base_url: str, deadline: float) -> dict:
    """Part 2: a notice that takes replies; REPLIES villagers answer "TD", each text handed over three
    times with one gateway id; then --inject texts through Kannel, replayed twice more."""
    from cunzhi.notify.models import InboundSms, Urgency
    from cunzhi.notify.services import notice_send
    from cunzhi.people.models import SmsConsent, Villager

    n = min(REPLIES, args.villagers // 2)
    ids, phones = zip(*Villager.objects.order_by("pk").values_list("pk", "phone")[: n + args.inject], strict=True)
    operator = Operator(box.received_log)
    start = operator.size()
    notice = notice_send(
        kind="direct",
        villager_ids=ids[:n],
        urgency=Urgency.URGENT,
        mandatory=True,
        reply_handler="notify.stop",
        subject={"zh-hans": "村道硬化征求意见", "en": "Road paving: your opinion"},
        body={"zh-hans": "。", "en": "."},
    )
    number = box.sender + notice.reply_code  # replies reach the service number + the notice's code
    inbound = f"{base_url}/notify/sms/inbound/?secret={SECRET}"

    def url(sender: str, gateway_id: str) -> str:
        return f"{inbound}&" + urllib.parse.urlencode({"from": sender, "to": number, "text": "TD", "id": gateway_id})

    burst = [url(p, str(uuid.uuid4())) for p in phones[:n]]
    urls = [u for u in burst for _ in range(3)]  # the three hand-overs of one text side by side: concurrent
    t0 = time.perf_counter()
    statuses = _parallel(urls, args.threads)
    burst_s = time.perf_counter() - t0
    print(f"    {len(urls):,} inbound requests in {burst_s:.1f} s: {dict(statuses)}", flush=True)

    # Phones sending through Kannel (a fakesmsc run per text, as `manage.py kannel --phone` does).
    injected = list(phones[n:])
    t1 = time.perf_counter()
    lock, it = threading.Lock(), iter(injected)

    def send() -> None:
        while True:
            with lock:
                p = next(it, None)
            if p is None:
                return
            box.inject(p, number, "TD")

    pool = [threading.Thread(target=send) for _ in range(4)]
    for t in pool:
        t.start()
    for t in pool:
        t.join()
    came = InboundSms.objects.filter(sender__in=injected)
    _wait(lambda: came.count() >= len(injected), min(deadline, time.perf_counter() + 120), every=0.5)
    inject_s = time.perf_counter() - t1
    replay = [url(s, g) for s, g in came.values_list("sender", "gateway_id") for _ in range(2)]
    random.Random(1).shuffle(replay)
    replay_statuses = _parallel(replay, args.threads)

    everyone = n + len(injected)
    answers_due = n + everyone  # the notice to the n, and one answer to every text

    def answered() -> bool:
        return operator.lines(start) >= answers_due

    t_answers = _wait(answered, min(deadline, time.perf_counter() + 300), every=1.0)
    got = operator.messages(start)
    per_phone = collections.Counter(to for _, to, _ in got)
    expected = collections.Counter(dict.fromkeys(phones[:n], 2)) + collections.Counter(injected)
    rows = InboundSms.objects.filter(receiver=number)
    return {
        "replies": n,
        "requests": len(urls),
        "burst_s": round(burst_s, 2),
        "burst_statuses": dict(statuses),
        "injected": len(injected),
        "inject_s": round(inject_s, 1),
        "kannel_arrived": came.count(),
        "replay_requests": len(replay),
        "replay_statuses": dict(replay_statuses),
        "inbound_rows": rows.count(),
        "handled_rows": rows.filter(handled_as="notify.stop").count(),
        "consent_rows": SmsConsent.objects.filter(given=False).count(),
        "consent_numbers": SmsConsent.objects.values("phone").distinct().count(),
        "answers_s": round(t_answers - t1, 1) if t_answers else None,
        "operator_lost": sum((expected - per_phone).values()),
        "operator_extra": sum((per_phone - expected).values()),
        "expected_effects": everyone,
        "answers_unsent": InboundSms.objects.filter(answer_sent_at__isnull=True).count(),
        "answer_errors": sorted({e for e in InboundSms.objects.values_list("answer_error", flat=True) if e})[:3],
    }


def child(args) -> dict:
    """In a child process with the environment set: seed, start Kannel, the web server and the
    workers, run both parts, stop everything."""
    import django

    django.setup()
    from django.conf import settings
    from django.db import connection

    from cunzhi.notify.kannel import KannelBox, _wait_port, free_port

    tmp = Path(args.tmp)
    t = time.perf_counter()
    _seed(args.villagers)
    seed_s = time.perf_counter() - t
    print(f"    seeded {args.villagers:,} villagers in {seed_s:.1f} s", flush=True)
    connection.close()
    deadline = time.perf_counter() + args.timeout
    port = free_port()
    base_url = f"http://127.0.0.1:{port}"
    box = KannelBox(
        folder=tmp / "kannel",
        get_url=f"{base_url}/notify/sms/inbound/?from=%p&to=%P&text=%a&id=%I&secret={SECRET}",
    )
    procs: list[subprocess.Popen] = []
    try:
        box.start()
        env = dict(
            os.environ,
            PYTHONUNBUFFERED="1",  # logs as they happen (the worker's start is waited for)
            SMS_BACKEND="kannel",
            SMS_DELIVERY_REPORTS="1",
            KANNEL_SENDSMS_URL=box.sendsms_url,
            KANNEL_USERNAME=box.username,
            KANNEL_PASSWORD=box.password,
            KANNEL_SENDER=box.sender,
            KANNEL_SECRET=SECRET,
            KANNEL_DLR_URL=f"{base_url}/notify/sms/delivery-report/",
        )
        settings.KANNEL_SENDER = box.sender  # this process sends nothing; it only builds reply numbers

        def spawn(name: str, *cmd: str) -> None:
            log = (tmp / f"{name}.log").open("wb")
            procs.append(subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT))

        spawn(
            "web",
            *(PY, "-m", "gunicorn", "cunzhi.wsgi", "-c", "cunzhi/gunicorn.conf.py", "-b", f"127.0.0.1:{port}"),
            *("--access-logfile", str(tmp / "access.log")),
        )
        for i in range(args.workers):
            spawn(f"worker{i}", PY, "manage.py", "task_worker", "--interval", "0.2")
        spawn("scheduler", PY, "manage.py", "scheduler")  # the retry job, as the demo runs it
        _wait_port(port, 60)
        # Under load a worker takes many seconds to start: the clock starts when they all poll.
        logs = [tmp / f"worker{i}.log" for i in range(args.workers)]
        _wait(lambda: all(b"Starting worker" in f.read_bytes() for f in logs), time.perf_counter() + 120, every=0.5)
        out = _outbound(args, box, deadline)
        print(f"    {out}", flush=True)
        out["inbound"] = _inbound(args, box, base_url, deadline)
        print(f"    {out['inbound']}", flush=True)
        access = (tmp / "access.log").read_text("utf-8", "replace")
        out["web_errors"] = sum(1 for line in access.splitlines() if '" 5' in line)  # 5xx answers
        out["database"] = connection.vendor
        out["villagers"] = args.villagers
        out["workers"] = args.workers
        out["seed_s"] = round(seed_s, 1)
        out["timeout"] = args.timeout
        return out
    finally:
        for p in procs:
            p.send_signal(signal.SIGTERM)
        for p in procs:
            try:
                p.wait(timeout=10)
            except subprocess.TimeoutExpired:
                p.kill()
        box.stop()


def run_one(database: str, args) -> dict:
    tmp = Path(tempfile.mkdtemp(prefix="cz-bench-sms-"))
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env.update(
        CUNZHI_DATA_DIR=str(tmp),
        DJANGO_SETTINGS_MODULE="cunzhi.settings",
        DEBUG="0",
        TASKS_BACKEND="database",
        SITE_URL="https://cz.example.cn",  # the link in each text: short, so a text is one segment
    )
    if database == "postgres":
        _pg(f"DROP DATABASE IF EXISTS {args.pg_db}")
        _pg(f"CREATE DATABASE {args.pg_db}")
        env["DATABASE_URL"] = f"postgres://postgres@127.0.0.1:5432/{args.pg_db}"
    else:
        env["DATABASE_URL"] = f"sqlite:///{tmp / 'bench.sqlite3'}"
    cmd = [PY, __file__, "--child", "--tmp", str(tmp)]
    for key in ("villagers", "workers", "threads", "inject", "timeout"):
        cmd += [f"--{key}", str(getattr(args, key))]
    try:
        subprocess.run([PY, "manage.py", "migrate", "-v0"], cwd=ROOT, env=env, check=True)
        # Its own process group: on the hard timeout, Kannel, gunicorn and the workers die with it.
        p = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=subprocess.PIPE, text=True, start_new_session=True)
        lines: list[str] = []

        def read() -> None:
            for line in p.stdout:  # type: ignore[union-attr]
                print(line, end="", flush=True)
                lines.append(line)

        reader = threading.Thread(target=read)
        reader.start()
        try:
            p.wait(timeout=args.timeout + 900)  # seeding and start-up come before the run's own timeout
        except subprocess.TimeoutExpired:
            os.killpg(p.pid, signal.SIGTERM)
            time.sleep(5)
            os.killpg(p.pid, signal.SIGKILL)
            raise
        reader.join()
        if p.returncode != 0:
            raise RuntimeError(f"the benchmark child failed (exit {p.returncode}); logs in {tmp}")
        result = json.loads(lines[-1])
        if not args.keep:
            shutil.rmtree(tmp, ignore_errors=True)  # kept on failure, for the logs
        return result
    finally:
        if database == "postgres":
            _pg(f"DROP DATABASE IF EXISTS {args.pg_db}")


def _row(r: dict) -> str:
    def s(x: float | None) -> str:
        return f"{x:,.1f}" if x is not None else f"not in {r['timeout']} s"

    def rate(x: float | None) -> str:
        return f"{r['texts'] / x:,.0f}" if x else "—"

    ok = r["enqueue_s"] < 10 and r.get("reports_s") is not None and r["lost"] == 0 and r["duplicated"] == 0
    return (
        f"| {r['database']} | {r['texts']:,} | {r['enqueue_s']} ({r.get('enqueue_cpu_s', '—')}) "
        f"| {s(r.get('handed_s'))} ({rate(r.get('handed_s'))}/s) "
        f"| {s(r.get('operator_s'))} ({rate(r.get('operator_s'))}/s) | {s(r.get('reports_s'))} "
        f"({rate(r.get('reports_s'))}/s) | {r['operator_messages']:,} | {r['lost']} | {r['duplicated']} "
        f"| {r['retried']} | {r['web_errors']} | {'met' if ok else '**missed**'} |"
    )


def _in_row(r: dict) -> str:
    i = r["inbound"]
    effects = (i["inbound_rows"], i["handled_rows"], i["consent_rows"], i["consent_numbers"])
    ok = all(e == i["expected_effects"] for e in effects) and i["operator_extra"] == 0  # missing: see render()
    return (
        f"| {r['database']} | {i['replies']:,} × 3 = {i['requests']:,} | {i['burst_s']} "
        f"({i['requests'] / i['burst_s']:,.0f}/s) | {i['injected']} + {i['replay_requests']} replays "
        f"({i['inject_s']} s) | {i['inbound_rows']:,} | {i['consent_rows']:,} ({i['consent_numbers']:,} numbers) "
        f"| {i['handled_rows']:,} | {i['expected_effects']:,} | {i['operator_lost']} / {i['operator_extra']} "
        f"| {'met' if ok else '**missed**'} |"
    )


def section(args=None) -> str:
    import datetime as dt

    args = args or parse([])
    load = " / ".join(f"{x:.2f}" for x in os.getloadavg())
    when = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    dbs = ("sqlite", "postgres") if args.database == "both" else (args.database,)
    rows, failed = [], []
    for database in dbs:
        print(f"    SMS through Kannel: {args.villagers:,} villagers on {database}", flush=True)
        try:
            rows.append(run_one(database, args))
        except Exception as exc:  # one database failing still reports the other
            failed.append(f"{database}: {exc.__class__.__name__}: {str(exc)[:300]}")
    return render(args, rows, failed, load=load, when=when)


def render(args, rows: list[dict], failed: list[str], *, load: str, when: str) -> str:
    """The Markdown section from the runs' results (the JSON each child prints)."""
    lines = [
        "## SMS through Kannel",
        "",
        f"Run on {when}; load average at the start (1/5/15 min): {load}. The machine (see *Machine* above: "
        "2 cores) was shared with other sessions' work during the run, so the rates are lower than the "
        "machine alone gives. Command: `.venv/bin/python bench/sms.py "
        f"--villagers {args.villagers} --workers {args.workers} --database {args.database}` "
        "(or `.venv/bin/python bench/run.py --only sms`).",
        "",
        "Everything as `make demo` runs it, on the same 2 cores: a real Kannel (bearerbox, smsbox, "
        "`fakesmsc` as the operator; `notify.kannel.KannelBox`), the web server (gunicorn, "
        f"`cunzhi/gunicorn.conf.py`), {args.workers} `manage.py task_worker` processes (database task "
        "backend) and the scheduler (retries); a fresh database per row.",
        "",
        "### A notice to a whole county: 100,000 texts through Kannel",
        "",
        f"{args.villagers:,} roster villagers without accounts in 100 villages of one county, each with a "
        'mobile number. One `notice_send(kind="announcement")` to the county, urgent and mandatory (the law '
        "requires a meeting notice: no consent needed; urgent: quiet hours do not hold it). Each text goes "
        "to smsbox's `sendsms` with a `dlr-url`; fakesmsc acknowledges it and bearerbox sends the delivery "
        "report to `/notify/sms/delivery-report/`. Times from the start of `notice_send`: *handed over* = "
        "every delivery marked sent (Kannel accepted it), *operator* = fakesmsc printed every message, "
        "*reports* = every delivery has its `delivered_at`. *Lost* / *duplicated* compare the receivers "
        "fakesmsc printed (decoded with `parse_operator_log`) with the villagers' numbers, as multisets. "
        "*CPU s* is the CPU time of the process calling `notice_send` (SQLite runs inside it; with PostgreSQL "
        "the server's share is not in it): other sessions' load stretches the wall time, much less this.",
        "",
        "| Database | texts | enqueue s (CPU s) | handed over s (texts/s) | operator s (texts/s) "
        "| reports s (reports/s) | operator printed | lost | duplicated | sent again | web 5xx "
        "| target: enqueue < 10 s, all reports, 0 lost, 0 duplicated |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|",
        *[_row(r) for r in rows],
        "",
        "### 1,000 replies in a burst, each handed over three times",
        "",
        "A notice that takes replies (`reply_handler`, so its texts come from the service number + its "
        "reply code) to 1,000 of the villagers; each answers `TD` (stop). Each text is handed to "
        "`/notify/sms/inbound/` three times with the same gateway `id`, as Kannel's `get-url` does when it "
        f"retries; the three copies are sent side by side from {args.threads} threads, so they arrive at "
        f"the same moment. Then {args.inject} more phones send `TD` through Kannel itself (a fakesmsc run "
        "per text, as `manage.py kannel --phone` does), and each of those callbacks is replayed twice with "
        "Kannel's own id. The effect of a stop word is one stored text, one consent row (given = no) and "
        "one answer text: *operator* checks that each replying phone got exactly the notice and one answer "
        "(missing / extra).",
        "",
        "| Database | burst requests | burst s (req/s) | through Kannel | stored texts | consent rows | handled "
        "as stop | expected effects | operator missing / extra | target: exactly one effect each |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---|",
        *[_in_row(r) for r in rows],
        "",
    ]
    for r in rows:
        lines.append(
            f"{r['database']}: seeding {r['seed_s']} s; delivery statuses {r['statuses']}; "
            f"{r['segments']:.2f} fakesmsc lines per text; a text as the phone shows it: {r['sample']}."
        )
    from cunzhi.notify.kannel import KannelBox

    phones_link = KannelBox(folder=Path("."), get_url="").config().split("smsc-id = phones", 1)[1].split("group")[0]
    if any(r["inbound"]["operator_lost"] for r in rows) and "allowed-smsc-id" not in phones_link:
        lines += [
            "",
            "Answers missing at the operator were accepted by Kannel (Cunzhi recorded no error). Traced in a "
            "smaller run: bearerbox routes an outgoing text to the `phones` link of `KannelBox` too (the fakesmsc "
            "runs playing phones; it has no `allowed-smsc-id`) when one is connected, and that run is stopped "
            "once its own text is sent: the text is lost in the test gateway. Every text had exactly one effect.",
        ]
    lines += [f"Failed: {f}" for f in failed]
    lines.append("")
    return "\n".join(lines)


def parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--villagers", type=int, default=100_000)
    default_db = "both" if os.environ.get("DATABASE_URL", "").startswith("postgres") else "sqlite"
    parser.add_argument("--database", choices=["sqlite", "postgres", "both"], default=default_db)
    parser.add_argument(
        "--pg-db",
        default=os.environ.get("SMS_BENCH_PG_DB", "cz_bench_sms"),
        help="the PostgreSQL database to create and drop (SMS_BENCH_PG_DB)",
    )
    parser.add_argument("--workers", type=int, default=4, help="task workers (default 4: they mostly wait for Kannel)")
    parser.add_argument("--threads", type=int, default=16, help="threads sending the inbound burst")
    parser.add_argument("--inject", type=int, default=100, help="texts sent through Kannel by fakesmsc")
    parser.add_argument("--timeout", type=int, default=2400, help="hard limit of the run, seconds")
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder (logs, database)")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--tmp", help=argparse.SUPPRESS)
    return parser.parse_args(argv)


def main() -> int:
    args = parse(None)
    if args.child:
        sys.path.insert(0, str(ROOT))
        print(json.dumps(child(args)), flush=True)
        return 0
    print(section(args))
    return 0


if __name__ == "__main__":
    sys.exit(main())
