"""TASKS_BACKEND=rq: one setting moves background work to Redis/RQ; a notice then reaches its
recipients through an RQ worker. Runs the real commands in a child process with their own database
(Redis database 14 on 127.0.0.1, emptied before and after; scripts/test.sh starts Redis)."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests import dbcache

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("redis-db-14")]  # one Redis database: one worker

ROOT = Path(__file__).resolve().parents[3]
REDIS_URL = "redis://127.0.0.1:6379/14"


def _redis():
    import redis

    client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2)
    client.ping()  # no server: the test fails (scripts/ensure_redis.sh starts one), it is not skipped
    return client


def _manage(env, *args, check=True):
    result = subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=600
    )
    if check:
        assert result.returncode == 0, result.stdout + result.stderr
    return result


def test_rq_backend_delivers_a_notice(tmp_path, django_db_setup):
    client = _redis()
    client.flushdb()
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "DJANGO_ALLOW_ASYNC_UNSAFE")}
    env.update(
        TASKS_BACKEND="rq",
        TASKS_REDIS_URL=REDIS_URL,
        CUNZHI_DATA_DIR=str(tmp_path),
        DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}",
        SMS_BACKEND="file",
        EMAIL_BACKEND="django.core.mail.backends.filebased.EmailBackend",
    )
    try:
        if not dbcache.migrated_sqlite_copy(tmp_path / "db.sqlite3"):  # this run's migrated database, if any
            _manage(env, "migrate", "-v0")
        _manage(
            env,
            "shell",
            "-c",
            "from django.conf import settings; "
            "assert settings.TASKS['default']['BACKEND'] == 'django_tasks_rq.RQBackend'; "
            "from cunzhi.people.models import User; "
            "User.objects.create_user(phone='13900000009', password='x-pass-word-1', name='王五', "
            "email='wang@example.org')",
        )
        out = _manage(env, "notify_test", "13900000009").stdout
        assert "Test notice" in out
        assert client.llen("rq:queue:default") >= 1  # the batch task waits in Redis, not in the database
        _manage(env, "task_worker", "--burst")
        _manage(
            env,
            "shell",
            "-c",
            "from cunzhi.notify.models import Delivery; "
            "rows = sorted(Delivery.objects.values_list('channel', 'status')); "
            "assert rows == [('email', 'sent'), ('inbox', 'sent'), ('sms', 'sent')], rows",
        )
        mails = list((tmp_path / "mail").glob("*.log"))
        assert len(mails) == 1 and "wang@example.org" in mails[0].read_text()
        assert len(list((tmp_path / "sms").glob("*.txt"))) == 1
    finally:
        client.flushdb()
