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


def test_the_table_is_still_culled(cache, monkeypatch):
    monkeypatch.setattr(dbcache, "CULL_EVERY", 10)
    for i in range(100):
        cache.set(f"k{i}", i, 60)
    # Django culls a third of the entries when a set finds more than MAX_ENTRIES; here every tenth set looks.
    assert rows() <= 30 + 10
    assert cache.get("k99") == 99
