"""Periodic jobs: a registry, the scheduler's tick, and each job's last successful run.

Any app registers its jobs with `register_job(...)` from its AppConfig.ready(): notify its retries,
people the roster files' expiry, the feature domains their deadlines; core knows none of them.
`manage.py scheduler` calls `scheduler_tick` every minute. A job's time slot is written as a
JobRun row that is unique per (job, slot), so several schedulers on several machines never run
one slot twice; the worker then runs the job and records whether it succeeded. Jobs must be
idempotent: a missed slot is not replayed, the next slot simply does the work.
"""

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import caches
from django.db import IntegrityError, connection, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import ngettext
from django_tasks import task

from cunzhi.core.dbcache import DatabaseCache
from cunzhi.core.models import JobRun


@dataclass(frozen=True)
class Job:
    name: str
    every: dt.timedelta
    func: Callable[[], object]
    # Warn when the last successful run is older than this.
    late_after: dt.timedelta
    description: str = ""  # gettext_lazy: shown to the county administrator in their language

    @property
    def every_text(self) -> str:
        """How often it runs, in the reader's language: "5 minutes", "1 hour", "1 day"."""
        minutes = int(self.every.total_seconds() // 60)
        if minutes and minutes % (24 * 60) == 0:
            n = minutes // (24 * 60)
            return ngettext("%(n)s day", "%(n)s days", n) % {"n": n}
        if minutes and minutes % 60 == 0:
            n = minutes // 60
            return ngettext("%(n)s hour", "%(n)s hours", n) % {"n": n}
        return ngettext("%(n)s minute", "%(n)s minutes", minutes) % {"n": minutes}


JOBS: dict[str, Job] = {}


def cache_cull() -> None:
    """Keep the database cache near its MAX_ENTRIES (core/dbcache.py writes without counting the table)."""
    for alias in settings.CACHES:
        cache = caches[alias]
        if isinstance(cache, DatabaseCache):
            cache.cull()


def database_statistics_refresh() -> None:
    """Gather SQLite's table statistics (ANALYZE), sampled (`analysis_limit`: ~0.2 s on a county's 2 GB).

    Without them SQLite's planner guesses: on the generated county an office's concern list counted its
    township's cases through the index of "no office named", most of the county (24 ms; 11 ms with
    statistics, docs/benchmarks.md). Nothing else gathers them; PostgreSQL's autovacuum gathers its own."""
    if connection.vendor != "sqlite":
        return
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA analysis_limit=1000")
        cursor.execute("ANALYZE")


def register_job(
    name: str, func, *, every_minutes: int = 1, late_minutes: int | None = None, description: str = ""
) -> Job:
    """Add a periodic job (apps call this from their AppConfig.ready)."""
    every = dt.timedelta(minutes=every_minutes)
    job = Job(
        name=name,
        every=every,
        func=func,
        description=description,
        late_after=dt.timedelta(minutes=late_minutes) if late_minutes else every * 2 + dt.timedelta(minutes=5),
    )
    JOBS[name] = job
    return job


def slot_of(job: Job, now: dt.datetime) -> dt.datetime:
    """The start of the time slot `now` falls in (slots are aligned to the Unix epoch)."""
    step = int(job.every.total_seconds())
    ts = int(now.timestamp())
    return dt.datetime.fromtimestamp(ts - ts % step, tz=dt.UTC)


def scheduler_tick(*, now=None) -> list[str]:
    """Enqueue every job whose current slot has not been claimed yet; returns the names enqueued."""
    now = now or timezone.now()
    started = []
    for job in JOBS.values():
        try:
            with transaction.atomic():
                run = JobRun.objects.create(name=job.name, slot=slot_of(job, now))
                transaction.on_commit(lambda pk=run.pk: job_run_task.enqueue(run_id=pk))
        except IntegrityError:  # another scheduler took this slot
            continue
        started.append(job.name)
    return started


def job_execute(*, run_id: int) -> str:
    """Run the job of one JobRun and record start, end, success and error."""
    run = JobRun.objects.filter(pk=run_id).first()
    if run is None:
        return "missing"
    job = JOBS.get(run.name)
    run.started_at = timezone.now()
    run.save(update_fields=["started_at"])
    try:
        if job is None:
            raise LookupError(f"no job named {run.name!r}")
        result = job.func()
        run.ok, run.result = True, str(result or "")[:200]
    except Exception as exc:  # recorded and shown to the county administrator  # noqa: BLE001
        run.ok, run.error = False, repr(exc)[:2000]
    run.finished_at = timezone.now()
    run.save(update_fields=["ok", "result", "error", "finished_at"])
    return "ok" if run.ok else "failed"


@task()
def job_run_task(*, run_id: int) -> str:
    """Run one periodic job slot and record the outcome on its JobRun row (enqueued by scheduler_tick)."""
    return job_execute(run_id=run_id)


def jobs_status(*, now=None) -> list[dict]:
    """For each job: its last successful run, its last run, and whether it is late."""
    now = now or timezone.now()
    out = []
    for name, job in JOBS.items():  # a handful of jobs: two indexed look-ups each
        ok = JobRun.objects.filter(name=name, ok=True).order_by("-finished_at").first()
        last = JobRun.objects.filter(name=name).order_by("-slot").first()
        late = ok is None or ok.finished_at < now - job.late_after
        out.append({"job": job, "name": name, "last_ok": ok, "last": last, "late": late})
    return out


def job_runs_prune(*, days: int = 30) -> str:
    """Forget job runs older than `days` (the table would otherwise grow by 1,440 rows a day per job)."""
    deleted, _ = JobRun.objects.filter(slot__lt=timezone.now() - dt.timedelta(days=days)).delete()
    return f"{deleted} old runs removed"


def jobs_late_names(*, now=None) -> list[str]:
    """Names of jobs whose last successful run is too old (or that never ran): one query."""
    now = now or timezone.now()
    last = dict(
        JobRun.objects.filter(name__in=list(JOBS), ok=True)
        .values("name")
        .annotate(t=Max("finished_at"))
        .values_list("name", "t")
    )
    return [name for name, job in JOBS.items() if not last.get(name) or last[name] < now - job.late_after]
