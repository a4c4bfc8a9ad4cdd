"""The database cache's one-statement `set` (core/dbcache.py) keeps Django's behaviour, on both databases."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from cunzhi.core import dbcache


@pytest.fixture
def cache(db):
    c = dbcache.DatabaseCache("cunzhi_cache", {"OPTIONS": {"MAX_ENTRIES": 30, "CULL_FREQUENCY": 3}})
    c.clear()
    return c


def rows() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT COUNT(*) FROM cunzhi_cache")
        return cursor.fetchone()[0]


def test_set_is_one_statement_and_reads_back(cache):
    with CaptureQueriesContext(connection) as ctx:
        cache.set("page", {"body": "村务公开", "n": 3}, 60)
    assert len(ctx.captured_queries) == 1 and "ON CONFLICT" in ctx.captured_queries[0]["sql"]
    assert cache.get("page") == {"body": "村务公开", "n": 3}
    cache.set("page", "again", 60)  # the same key: replaced, not added
    assert cache.get("page") == "again" and rows() == 1
    cache.set("gone", "x", 0)  # expired at once, as with Django's
    assert cache.get("gone") is None
    cache.set("kept", "y", None)  # never expires
    assert cache.get("kept") == "y"
    assert cache.add("page", "not replaced") is False and cache.get("page") == "again"
    assert cache.touch("page", 120) is True and cache.get("page") == "again"
    cache.delete("page")
    assert cache.get("page") is None


def test_every_set_is_one_statement_and_the_job_culls(cache, monkeypatch, settings):
    from django.core.cache import caches

    from cunzhi.core import jobs

    for i in range(100):
        with CaptureQueriesContext(connection) as ctx:
            cache.set(f"k{i}", i, 60)
        assert len(ctx.captured_queries) == 1  # the same on every call: query counts of pages stay fixed
    cache.set("old", "x", 0)
    assert rows() == 101
    assert cache.cull() == 101  # Django's culling: the expired entry, then a third of the rest
    assert 30 <= rows() <= 70 and cache.get("old") is None
    # The periodic job culls each database cache of the settings.
    monkeypatch.setattr(caches["default"], "_max_entries", 10)
    for i in range(40):
        caches["default"].set(f"j{i}", i, 60)
    before = rows()
    jobs.cache_cull()
    assert rows() <= before - before // 3
    assert "core.cache_cull" in jobs.JOBS
