"""The checks of the cluster test, run on the hub host by tests/cluster/run.py (see its docstring).

Requests go over HTTP to the two app servers; the set-up and the final counts use Django against the same
PostgreSQL (through PgBouncer) and Redis. Prints one JSON line: {"ok": ..., "checks": {...}}.
"""

from __future__ import annotations

import concurrent.futures as cf
import http.cookies
import json
import os
import re
import secrets
import signal
import sys
import time
import traceback
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import django

django.setup()

from django.urls import reverse  # noqa: E402

APPS = os.environ["CLUSTER_APPS"].split(",")
PASSWORD = "cluster-Pass-2026"
checks: dict[str, object] = {}


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


_opener = urllib.request.build_opener(_NoRedirect)


class Browser:
    """Cookies kept by name and sent to every server: one browser, behind a load balancer."""

    def __init__(self) -> None:
        self.cookies: dict[str, str] = {}

    def request(
        self, app: str, path: str, data: dict | None = None, headers: dict | None = None, body: bytes | None = None
    ):
        headers = dict(headers or {})
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        if data is not None:
            body = urllib.parse.urlencode(data).encode()
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        req = urllib.request.Request(
            app + path, data=body, headers=headers, method="POST" if body is not None else "GET"
        )
        try:
            resp = _opener.open(req, timeout=20)
        except urllib.error.HTTPError as err:  # 3xx (not followed) and 4xx/5xx answers
            resp = err
        for value in resp.headers.get_all("Set-Cookie") or []:
            for name, morsel in http.cookies.SimpleCookie(value).items():
                self.cookies[name] = morsel.value
        return resp.status, resp.read().decode("utf-8", "replace"), resp.headers


def api(app: str, method: str, path: str, key: str, payload: dict | None = None):
    body = json.dumps(payload).encode() if payload is not None else None
    req = urllib.request.Request(
        app + "/api/v1" + path,
        data=body,
        method=method,
        headers={"Authorization": f"Bearer {key}", "Content-Type": "application/json", "Accept-Language": "en"},
    )
    try:
        resp = urllib.request.urlopen(req, timeout=20)
    except urllib.error.HTTPError as err:
        resp = err
    text = resp.read().decode()
    return resp.status, (json.loads(text) if text.startswith(("{", "[")) else text)


def check(name: str, ok: bool, **facts: object) -> None:
    checks[name] = {"ok": bool(ok), **facts}
    if not ok:
        raise AssertionError(f"{name}: {facts}")


# --- the world ------------------------------------------------------------------------------------------
def seed() -> dict:
    from bench.meeting_load import _setup
    from cunzhi.concerns.models import Category

    world = _setup(members=40, seed=20)
    Category.objects.get_or_create(code="other", defaults={"name": "其他", "name_en": "Other"})
    first = world["plan"][0]
    from cunzhi.people.models import User

    user = User.objects.get(pk=first["user"])
    user.set_password(PASSWORD)
    user.save(update_fields=["password"])
    world["login_phone"] = user.phone
    return world


def session_moves(world: dict) -> None:
    """A villager logged in through app1 continues on app2 (sessions in Redis and the database)."""
    b = Browser()
    status, page, _ = b.request(APPS[0], reverse("login"))
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    status, _, _headers = b.request(
        APPS[0],
        reverse("login"),
        {"csrfmiddlewaretoken": token, "username": world["login_phone"], "password": PASSWORD},
    )
    logged_in = status == 302 and "sessionid" in b.cookies
    inbox = reverse("notify:inbox")
    status2, _, _headers2 = b.request(APPS[1], inbox)
    anonymous = Browser()
    status3, _, _ = anonymous.request(APPS[1], inbox)
    check(
        "session_continues_on_the_other_server",
        logged_in and status2 == 200 and status3 == 302,
        login_on_app1=status,
        inbox_on_app2=status2,
        inbox_on_app2_without_session=status3,
    )


def lockout_holds(world: dict) -> None:
    """Failed logins counted on both servers lock the account at this address on both (django-axes)."""
    statuses = []
    for i in range(5):
        b = Browser()
        app = APPS[i % 2]
        _, page, _ = b.request(app, reverse("login"))
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
        statuses.append(
            b.request(
                app,
                reverse("login"),
                {"csrfmiddlewaretoken": token, "username": world["login_phone"], "password": "wrong-password-1"},
            )[0]
        )
    b = Browser()
    _, page, _ = b.request(APPS[0], reverse("login"))
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    right, _, _ = b.request(
        APPS[0],
        reverse("login"),
        {"csrfmiddlewaretoken": token, "username": world["login_phone"], "password": PASSWORD},
    )
    check("lockout_counts_failures_on_both_servers", right == 429, failures=statuses, right_password_after=right)


def board_at_once(world: dict) -> None:
    """A concern submitted on app1 is on app2's public board and in its staff list at once (shared cache)."""
    village = world["meeting"].village.code
    board = reverse("concerns:board", args=[village])
    nonce = f"集群测试{secrets.token_hex(4)}"
    before = Browser().request(APPS[1], board)[1]
    chair_key = world["chair_key"]
    listed_before = api(APPS[1], "GET", "/concerns", chair_key)
    status, made = api(
        APPS[0],
        "POST",
        "/concerns",
        world["plan"][1]["key"],
        {"kind": "suggestion", "category": "other", "text": f"{nonce}：路灯坏了"},
    )
    after = Browser().request(APPS[1], board)[1]
    listed_after = api(APPS[1], "GET", "/concerns", chair_key)
    ids = [
        row.get("id") or row.get("public_id")
        for row in (listed_after[1].get("items", []) if isinstance(listed_after[1], dict) else [])
    ]
    made_id = made.get("id") or made.get("public_id") if isinstance(made, dict) else None
    check(
        "concern_on_the_other_board_at_once",
        status == 201 and nonce not in before and nonce in after and made_id in ids,
        submitted_on_app1=status,
        on_app2_board_after=nonce in after,
        in_app2_staff_list=made_id in ids,
        staff_list_status=(listed_before[0], listed_after[0]),
    )


def live_state_shared(world: dict) -> None:
    """A check-in on app1 is in the live state app2 serves next (the memo cache; 30 s reuse in this cluster)."""
    meeting = world["meeting"].public_id
    chair_key = world["chair_key"]
    s1, before = api(APPS[1], "GET", f"/meetings/{meeting}/live", chair_key)
    p = world["plan"][2]
    s2, _ = api(APPS[0], "POST", f"/meetings/{meeting}/attendance", p["key"], {})
    s3, after = api(APPS[1], "GET", f"/meetings/{meeting}/live", chair_key)
    check(
        "live_state_the_same_on_both_servers",
        s1 == 200 and s2 in (200, 201) and s3 == 200 and after["present"] == before["present"] + 1,
        present_before=before.get("present"),
        present_after=after.get("present"),
    )


def vote_burst(world: dict) -> None:
    """Every member checks in and votes twice at once, once through each server: each counts once."""
    from cunzhi.meetings import services
    from cunzhi.meetings.models import Attendance, Ballot, Motion
    from cunzhi.people.models import User

    meeting, plan = world["meeting"], world["plan"]
    base = f"/meetings/{meeting.public_id}"
    statuses: dict[int, int] = {}

    def twice(fn):
        with cf.ThreadPoolExecutor(16) as pool:
            for status in pool.map(lambda job: fn(*job), [(p, app) for p in plan for app in APPS]):
                statuses[status] = statuses.get(status, 0) + 1

    t0 = time.monotonic()
    twice(lambda p, app: api(app, "POST", f"{base}/attendance", p["key"], {})[0])
    motion = world["motions"][1]  # the secret ballot: counters in the motion row, the harder case
    services.motion_open(actor=User.objects.get(pk=world["chair"].pk), motion=Motion.objects.get(pk=motion.pk))
    t1 = time.monotonic()
    twice(
        lambda p, app: api(
            app, "POST", f"{base}/motions/{motion.public_id}/ballots", p["key"], {"choice": p["choices"][1]}
        )[0]
    )
    t2 = time.monotonic()
    motion.refresh_from_db()
    counted = motion.secret_yes + motion.secret_no + motion.secret_abstain
    truth = {c: sum(1 for p in plan if p["choices"][1] == c) for c in ("yes", "no", "abstain")}
    check(
        "vote_burst_counts_each_ballot_once",
        Attendance.objects.filter(meeting=meeting).count() == len(plan)
        and Ballot.objects.filter(motion=motion).count() == len(plan)
        and (motion.secret_yes, motion.secret_no, motion.secret_abstain)
        == (truth["yes"], truth["no"], truth["abstain"]),
        members=len(plan),
        requests=statuses,
        ballots=Ballot.objects.filter(motion=motion).count(),
        counted=counted,
        check_ins_per_s=round(2 * len(plan) / (t1 - t0), 1),
        ballots_per_s=round(2 * len(plan) / (t2 - t1), 1),
    )


def notice_once(world: dict) -> None:
    """A notice to the village, sent by the two workers in batches of 5: each text written exactly once."""
    from cunzhi.notify import services
    from cunzhi.notify.models import Channel, Delivery, DeliveryStatus, Urgency

    nonce = f"N{secrets.token_hex(4)}"
    notice = services.notice_send(
        kind="announcement",
        region_code=world["meeting"].village.code,
        sender=world["chair"],
        urgency=Urgency.URGENT,  # no quiet hours, whatever the hour of the run
        subject={"zh-hans": f"停水通知{nonce}", "en": f"Water off {nonce}"},
        body={"zh-hans": f"明天停水{nonce}", "en": f"No water tomorrow {nonce}"},
    )
    texts = Delivery.objects.filter(notice=notice, channel=Channel.SMS)
    t0 = time.monotonic()
    deadline = t0 + 40
    while time.monotonic() < deadline and texts.exclude(status=DeliveryStatus.SENT).exists():
        time.sleep(0.3)
    folder = Path(os.environ["SMS_FILE_PATH"])
    per_phone: dict[str, int] = {}
    for f in folder.glob("*.txt"):
        text = f.read_text(encoding="utf-8")
        if nonce in text:
            phone = text.split("\n", 1)[0].removeprefix("To: ")
            per_phone[phone] = per_phone.get(phone, 0) + 1
    rows = list(texts.values_list("address", "status", "tries"))
    worker_jobs = [
        Path(p).read_text(errors="replace").count("Successfully completed")
        for p in os.environ["CLUSTER_WORKER_LOGS"].split(",")
    ]
    check(
        "notice_each_text_once",
        rows
        and all(s == DeliveryStatus.SENT and t == 1 for _, s, t in rows)
        and sorted(per_phone) == sorted(a for a, _, _ in rows)
        and set(per_phone.values()) == {1},
        texts=len(rows),
        files=sum(per_phone.values()),
        not_sent=sum(1 for _, s, _ in rows if s != DeliveryStatus.SENT),
        jobs_done_per_worker=worker_jobs,
        all_sent_after_s=round(time.monotonic() - t0, 1),
    )


def kill_mid_load(world: dict) -> None:
    """Writes through both servers; app1 is killed (SIGKILL, whole process group) in the middle; every write
    that was answered 201 is in the database. A request that died with app1 is sent again to app2, as a proxy
    would; it was not acknowledged, so whether it was written is not asked."""
    from cunzhi.concerns.models import Concern

    writers = world["plan"][5:35]
    acked: list[str] = []
    lost_requests = 0
    killed_after = None
    target = 60

    def write(i: int) -> str | None:
        p = writers[i % len(writers)]
        payload = {"kind": "report", "category": "other", "text": f"负载{i}：水渠堵了"}
        for app in (APPS[i % 2], APPS[1]):
            try:
                status, made = api(app, "POST", "/concerns", p["key"], payload)
            except (urllib.error.URLError, ConnectionError, TimeoutError, OSError):
                nonlocal lost_requests
                lost_requests += 1
                continue
            if status == 201:
                return made.get("id") or made.get("public_id")
        return None

    t0 = time.monotonic()
    with cf.ThreadPoolExecutor(6) as pool:
        futures = [pool.submit(write, i) for i in range(target)]
        for f in cf.as_completed(futures):
            made = f.result()
            if made:
                acked.append(made)
            if killed_after is None and len(acked) >= 15:
                os.killpg(int(os.environ["CLUSTER_APP1_PID"]), signal.SIGKILL)
                killed_after = len(acked)
    found = Concern.objects.filter(public_id__in=acked).count()
    check(
        "killed_server_loses_no_acknowledged_write",
        killed_after is not None and len(acked) == target and found == len(acked),
        acknowledged=len(acked),
        in_database=found,
        killed_after=killed_after,
        requests_lost_with_app1=lost_requests,
        writes_per_s=round(len(acked) / (time.monotonic() - t0), 1),
    )


def _ended(pid: int) -> bool:
    """Exited (a zombie until run.py reaps it) or gone."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] == "Z"
    except (FileNotFoundError, IndexError):
        return True


def schedulers_once() -> None:
    """Two schedulers ticking every 2 s: every (job, slot) enqueued once, and run. The schedulers are stopped
    first (SIGTERM: each finishes the tick it is in and says what it enqueued), so their logs are complete."""
    from cunzhi.core.models import JobRun

    pids = [int(p) for p in os.environ["CLUSTER_SCHEDULER_PIDS"].split(",")]
    for pid in pids:
        os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline and not all(_ended(pid) for pid in pids):
        time.sleep(0.2)
    stopped = all(_ended(pid) for pid in pids)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and JobRun.objects.filter(finished_at__isnull=True).exists():
        time.sleep(0.5)
    enqueued = []
    for log in os.environ["CLUSTER_SCHEDULER_LOGS"].split(","):
        names = []
        for line in Path(log).read_text(errors="replace").splitlines():
            if "enqueued: " in line:
                names += line.split("enqueued: ", 1)[1].split(", ")
        enqueued.append(names)
    rows = JobRun.objects.count()
    slots = JobRun.objects.values("name", "slot").distinct().count()
    check(
        "each_job_slot_runs_once_with_two_schedulers",
        stopped
        and rows > 0
        and rows == slots == sum(len(n) for n in enqueued)
        and not JobRun.objects.filter(finished_at__isnull=True).exists(),
        job_slots=rows,
        enqueued_per_scheduler=[len(n) for n in enqueued],
        unfinished=JobRun.objects.filter(finished_at__isnull=True).count(),
    )


def main() -> int:
    t0 = time.monotonic()
    ok = True
    error = ""
    try:
        world = seed()
        checks["seed_s"] = round(time.monotonic() - t0, 1)
        for step in (
            session_moves,
            board_at_once,
            live_state_shared,
            vote_burst,
            notice_once,
            lockout_holds,
            kill_mid_load,
        ):
            step(world)
        schedulers_once()
    except Exception:  # every failure is reported in the summary
        ok = False
        error = traceback.format_exc(limit=4)
    print(
        json.dumps(
            {"ok": ok, "checks": checks, "error": error, "drive_s": round(time.monotonic() - t0, 1)},
            ensure_ascii=False,
            default=str,
        )
    )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
