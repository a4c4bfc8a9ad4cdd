"""The periodic-job registry: a failing job is recorded, not lost (the scheduler's slots are tested with
notify's retry job in notify/tests/test_services.py)."""

import datetime as dt

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from cunzhi.core import jobs
from cunzhi.core.models import JobRun
from tests import dbcache


def test_failing_job_is_recorded(db, monkeypatch):
    def boom():
        raise RuntimeError("database on fire")

    monkeypatch.setitem(
        jobs.JOBS, "test.boom", jobs.Job("test.boom", dt.timedelta(minutes=1), boom, dt.timedelta(minutes=5))
    )
    run = JobRun.objects.create(name="test.boom", slot=timezone.now())
    assert jobs.job_execute(run_id=run.pk) == "failed"
    run.refresh_from_db()
    assert run.ok is False and "database on fire" in run.error
    status = {s["name"]: s for s in jobs.jobs_status()}
    assert status["test.boom"]["late"] and status["test.boom"]["last"] == run


def test_the_daily_statistics_job_gathers_sqlite_statistics(db, world):
    """SQLite plans queries from ANALYZE's statistics, which only this job gathers; on PostgreSQL it leaves the
    work to autovacuum and succeeds doing nothing."""
    run = JobRun.objects.create(name="core.database_statistics", slot=timezone.now())
    assert jobs.job_execute(run_id=run.pk) == "ok"
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM sqlite_stat1 WHERE tbl = 'people_villager'")
            assert cursor.fetchone()[0] > 0


@pytest.mark.django_db(transaction=True)
def test_job_runs_keep_their_rows_when_the_model_moves_to_core():
    # From an empty database (forward is cheap, unapplying every later migration is not); the migrated
    # database is copied back afterwards, as the other tests expect it.
    with dbcache.empty_database():
        before = [("notify", "0004_delivery_claim_before_send"), ("core", "0003_cache_table")]
        after = [("core", "0004_jobrun_from_notify"), ("notify", "0010_jobrun_to_core")]
        executor = MigrationExecutor(connection)
        executor.migrate(before)
        old = executor.loader.project_state(before).apps.get_model("notify", "JobRun")
        run = old.objects.create(name="notify.retry_due", slot=timezone.now(), ok=True)

        executor = MigrationExecutor(connection)
        executor.migrate(after)
        moved = executor.loader.project_state(after).apps.get_model("core", "JobRun").objects.get()
        assert (moved.pk, moved.name, moved.ok) == (run.pk, "notify.retry_due", True)


def test_the_scheduler_stops_on_sigterm_after_finishing_its_tick(monkeypatch):
    """A deploy stops it with SIGTERM: the tick under way ends and is reported, then it exits (no hour's sleep)."""
    import io
    import os
    import signal

    from django.core.management import call_command

    from cunzhi.core.management.commands import scheduler

    def tick():
        os.kill(os.getpid(), signal.SIGTERM)  # arrives in the middle of the tick
        return ["notify.retry_due"]

    monkeypatch.setattr(scheduler, "scheduler_tick", tick)
    monkeypatch.setattr(scheduler, "close_old_connections", lambda: None)  # no database in this test
    before = signal.getsignal(signal.SIGTERM)
    out = io.StringIO()
    try:
        call_command("scheduler", interval=3600, stdout=out)
    finally:
        signal.signal(signal.SIGTERM, before)
    assert "enqueued: notify.retry_due" in out.getvalue()
