"""A villagers' meeting under load: N members check in and vote through the API, concurrently, with
duplicate submissions and retries mixed in; then every count is checked against the truth.

    DATABASE_URL=sqlite:////tmp/load.sqlite3 python -m bench.meeting_load --members 2000 [--json]

Run it only against a scratch database (a test database or a copy): it adds a synthetic county
"压测县" (code 999999…) with N villagers and accounts. The test suite runs it on SQLite (a file in WAL
mode, like production) and on PostgreSQL; the benchmark reuses it for ballots per second.

What the members do, in one pool of worker threads (each with its own HTTP client and database
connection): check in remotely (POST /api/v1/meetings/{id}/attendance); a quarter send the same
check-in again from a second device at the same moment, a tenth are also checked in at the desk by
staff, a tenth retry after a "lost" answer. The chair opens motion 1 (open vote) as soon as the
quorum is there; members vote (POST …/ballots), again with duplicates and retries, and those who
come before the vote opens are told so and try again. Then motion 2 (secret ballot) the same way.
"""

from __future__ import annotations

import argparse
import json
import os
import queue
import random
import sys
import threading
import time

COUNTY, TOWNSHIP = "999999000000", "999999100000"


def _setup(*, members: int, seed: int) -> dict:
    """The county, a village with `members` adults in households, accounts, tokens, and a meeting in session."""
    import datetime as dt

    from django.contrib.auth.hashers import make_password
    from django.db import transaction
    from django.utils import timezone

    from cunzhi.api.models import ApiToken
    from cunzhi.core.apikeys import key_new
    from cunzhi.core.idnumbers import id_number_build
    from cunzhi.meetings import services
    from cunzhi.people.models import Household, Role, RoleAssignment, User, Villager
    from cunzhi.people.services import villager_derive_fields
    from cunzhi.regions.models import Level, Region, region_prefix

    rng = random.Random(seed)
    with transaction.atomic():

        def region(code, name, level, parent):
            r, _ = Region.objects.get_or_create(
                code=code,
                defaults={"name": name, "level": level, "parent": parent, "prefix": region_prefix(code, level)},
            )
            return r

        county = region(COUNTY, "压测县", Level.COUNTY, None)
        township = region(TOWNSHIP, "压测镇", Level.TOWNSHIP, county)
        n = Region.objects.filter(parent=township).count() + 1
        village = region(f"{TOWNSHIP[:9]}{200 + n:03d}", f"压测村{n}", Level.VILLAGE, township)
        hashed = make_password(None)
        phone0 = 19000000000 + n * 100000
        users = User.objects.bulk_create(
            [User(phone=str(phone0 + i), name=f"成员{i}", password=hashed) for i in range(members + 1)], batch_size=1000
        )
        chair, member_users = users[0], users[1:]
        RoleAssignment.objects.create(user=chair, role=Role.CADRE, region=village)
        households = Household.objects.bulk_create(
            [
                Household(village=village, region_code=village.code, number=f"L{n}-{k:05d}")
                for k in range((members + 2) // 3)
            ],
            batch_size=1000,
        )
        base = dt.date(1950, 1, 1) + dt.timedelta(days=(n % 5) * 2500)  # adults, whatever the run number
        rows = []
        for i, u in enumerate(member_users):
            v = Villager(
                name=u.name,
                id_number=id_number_build("999999", base + dt.timedelta(days=i), n % 997 + 1),
                village=village,
                household=households[i // 3],
                user=u,
            )
            villager_derive_fields(v)
            rows.append(v)
        Villager.objects.bulk_create(rows, batch_size=1000)
        for h, first in zip(households, rows[::3]):
            h.representative = first
        Household.objects.bulk_update(households, ["representative"], batch_size=1000)
        keys = {}
        tokens = []
        expires = timezone.now() + dt.timedelta(days=1)
        for u in users:
            key, key_hash, key_prefix = key_new()
            keys[u.pk] = key
            tokens.append(
                ApiToken(user=u, key_hash=key_hash, key_prefix=key_prefix, name="loadtest", expires_at=expires)
            )
        ApiToken.objects.bulk_create(tokens, batch_size=1000)
        meeting = services.meeting_create(
            actor=chair,
            village=village,
            body="villagers",
            title="压测村民会议",
            agenda="一、村道硬化\n二、集体资产处置",
            place="村委会",
            starts_at=timezone.now() + dt.timedelta(minutes=20),
        )
        services.meeting_notice_send(
            actor=chair, meeting=meeting, urgent=True, urgent_reason="压力测试：两千名成员同时签到和表决"
        )
        services.meeting_open(actor=chair, meeting=meeting)
        m1 = services.motion_add(actor=chair, meeting=meeting, title="村道硬化方案", text="…")
        m2 = services.motion_add(
            actor=chair, meeting=meeting, title="集体资产处置", text="…", matter="property_disposal", ballot="secret"
        )
    member_ids = dict(meeting.members.values_list("user_id", "pk"))
    plan = []
    for u in member_users:
        plan.append(
            {
                "user": u.pk,
                "member": member_ids[u.pk],
                "key": keys[u.pk],
                "choices": [rng.choice(["yes", "yes", "no", "abstain"]) for _ in range(2)],
            }
        )
    return {"meeting": meeting, "motions": [m1, m2], "chair": chair, "chair_key": keys[chair.pk], "plan": plan}


def run(
    *, members: int = 2000, threads: int = 8, seed: int = 20240523, votes: int = 2, deadline: float = 600.0
) -> dict:
    """Set up, run the load, close the votes, and compare every count with the truth."""
    from django.db import connection
    from django.test import Client

    from cunzhi.meetings import services
    from cunzhi.meetings.models import Attendance, Ballot, Motion, MotionStatus

    t0 = time.perf_counter()
    world = _setup(members=members, seed=seed)
    setup_s = time.perf_counter() - t0
    meeting, plan = world["meeting"], world["plan"]
    motions = world["motions"][-votes:]  # one vote: the secret ballot (counters, the harder case)
    rng = random.Random(seed + 1)
    local = threading.local()
    counters = {"requests": 0, "status": {}, "requeued": 0}
    lock = threading.Lock()

    def client() -> Client:
        if not hasattr(local, "client"):
            local.client = Client()
        return local.client

    def send(path: str, key: str, body: dict):
        r = client().post(
            f"/api/v1/meetings/{meeting.public_id}{path}",
            json.dumps(body),
            content_type="application/json",
            HTTP_AUTHORIZATION=f"Bearer {key}",
        )
        with lock:
            counters["requests"] += 1
            counters["status"][r.status_code] = counters["status"].get(r.status_code, 0) + 1
        if r.status_code >= 500 or r.status_code in (401, 403, 404):
            raise RuntimeError(f"unexpected {r.status_code} on {path}: {r.content[:300]!r}")
        return r

    def check_in(p, desk=False, retry=False):
        if desk:
            send("/attendance", world["chair_key"], {"member_id": p["member"], "at_venue": True})
            return True
        send("/attendance", p["key"], {})
        if retry:  # the answer was "lost": the phone sends the same request again
            send("/attendance", p["key"], {})
        return True

    def vote(p, k, retry=False):
        """True when done; False to be tried again later (vote not open yet, or not checked in yet)."""
        path = f"/motions/{motions[k].public_id}/ballots"
        r = send(path, p["key"], {"choice": p["choices"][k]})
        if r.status_code == 422:
            closed = Motion.objects.filter(pk=motions[k].pk, status=MotionStatus.CLOSED).exists()
            return closed  # a late duplicate after the close changes nothing; otherwise come back
        if retry:
            send(path, p["key"], {"choice": p["choices"][k]})
        return True

    jobs_q: queue.Queue = queue.Queue()
    errors: list = []

    def worker():
        while True:
            job = jobs_q.get()
            if job is None:
                jobs_q.task_done()
                break
            fn, args = job
            try:
                if not fn(*args):
                    with lock:
                        counters["requeued"] += 1
                    time.sleep(0.02)
                    jobs_q.put(job)
            except Exception as exc:  # recorded and re-raised after the run: nothing is silently lost
                errors.append(repr(exc))
            finally:
                jobs_q.task_done()
        connection.close()

    def chair(k, out):
        """Open the vote once the quorum is there; close it when every member has voted."""
        from cunzhi.meetings import selectors
        from cunzhi.meetings.models import Meeting

        try:
            m = Meeting.objects.get(pk=meeting.pk)
            motion = Motion.objects.select_related("meeting").get(pk=motions[k].pk)
            end = time.perf_counter() + deadline
            while not selectors.quorum_status(meeting=m)["met"]:
                time.sleep(0.02)
                if time.perf_counter() > end:
                    raise RuntimeError("no quorum")
            services.motion_open(actor=world["chair"], motion=motion)
            opened = time.perf_counter()
            while Ballot.objects.filter(motion=motion).count() < members:
                time.sleep(0.05)
                if time.perf_counter() > end:
                    raise RuntimeError("ballots missing")
            out.append(
                {
                    "open_to_close_s": time.perf_counter() - opened,
                    "closed": services.motion_close(actor=world["chair"], motion=motion),
                }
            )
        except Exception as exc:  # the chair's thread records any failure; the run reports them all
            errors.append(repr(exc))
        finally:
            connection.close()

    phases, chair_results = [], []
    for k in range(len(motions)):
        jobs = [(vote, (p, k, rng.random() < 0.1)) for p in plan]
        jobs += [(vote, (p, k)) for p in plan if rng.random() < 0.25]  # the same ballot from a second device
        if k == 0:
            jobs += [(check_in, (p, False, rng.random() < 0.1)) for p in plan]
            jobs += [(check_in, (p, rng.random() < 0.4)) for p in plan if rng.random() < 0.25]
        rng.shuffle(jobs)
        started = time.perf_counter()
        out: list = []
        chair_thread = threading.Thread(target=chair, args=(k, out))
        chair_thread.start()
        workers = [threading.Thread(target=worker) for _ in range(threads)]
        for w in workers:
            w.start()
        for job in jobs:
            jobs_q.put(job)
        jobs_q.join()
        for _ in workers:
            jobs_q.put(None)
        for w in workers:
            w.join()
        chair_thread.join(timeout=deadline)
        if errors:
            raise RuntimeError("; ".join(errors[:5]))
        chair_results.append(out[0])
        phases.append({"motion": k + 1, "jobs": len(jobs), "seconds": time.perf_counter() - started})

    # --- the truth ------------------------------------------------------------------------------
    truth = [{"yes": 0, "no": 0, "abstain": 0} for _ in motions]
    for p in plan:
        for k in range(len(motions)):
            truth[k][p["choices"][k]] += 1
    results = []
    for k, motion in enumerate(motions):
        closed = chair_results[k]["closed"]
        fresh = Motion.objects.get(pk=motion.pk)
        counted = {"yes": fresh.yes, "no": fresh.no, "abstain": fresh.abstain}
        results.append(
            {
                "motion": motion.number,
                "ballot": fresh.ballot,
                "status": fresh.status,
                "counted": counted,
                "truth": truth[k],
                "equal": counted == truth[k],
                "ballots": Ballot.objects.filter(motion=motion).count(),
                "attendees": fresh.attendees,
                "passed": fresh.passed,
                "open_to_close_s": round(chair_results[k]["open_to_close_s"], 2),
                "secret_choice_rows": Ballot.objects.filter(motion=motion).exclude(choice="").count()
                if fresh.ballot == "secret"
                else None,
            }
        )
        assert closed.status == MotionStatus.CLOSED
    attendance = Attendance.objects.filter(meeting=meeting)
    run_seconds = sum(p["seconds"] for p in phases)
    ballots = sum(r["ballots"] for r in results)
    return {
        "database": connection.vendor,
        "members": members,
        "threads": threads,
        "setup_s": round(setup_s, 1),
        "phases": [{**p, "seconds": round(p["seconds"], 2)} for p in phases],
        "run_seconds": round(run_seconds, 2),
        "requests": counters["requests"],
        "status_counts": {str(k): v for k, v in sorted(counters["status"].items())},
        "requeued_before_open_or_check_in": counters["requeued"],
        "attendance": attendance.count(),
        "attendance_distinct": attendance.values("member_id").distinct().count(),
        "attendance_remote": attendance.filter(mode="remote").count(),
        "attendance_venue": attendance.filter(mode="venue").count(),
        "results": results,
        "ballots_per_second": round(ballots / run_seconds, 1) if run_seconds else None,
        "requests_per_second": round(counters["requests"] / run_seconds, 1) if run_seconds else None,
    }


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--members", type=int, default=2000)
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--seed", type=int, default=20240523)
    parser.add_argument(
        "--votes",
        type=int,
        default=2,
        choices=(1, 2),
        help="1: only the secret ballot; 2: an open vote, then a secret ballot",
    )
    parser.add_argument("--json", action="store_true", help="print the result as one JSON line")
    args = parser.parse_args(argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cunzhi.settings")
    import django

    django.setup()
    # Tasks (notice delivery) are not run here; the database backend only stores them.
    out = run(members=args.members, threads=args.threads, seed=args.seed, votes=args.votes)
    if args.json:
        print(json.dumps(out, default=str))
    else:
        print(json.dumps(out, indent=2, default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main())
