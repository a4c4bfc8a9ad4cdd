"""Django's database cache, with `set` as one statement: the cache of one machine without Redis.

Django's `set` counts the whole table (to cull it past MAX_ENTRIES), then, in a transaction, reads the key
and updates or inserts: five statements and a write transaction for every page kept and every session
saved. A county's table holds tens of thousands of sessions and home pages, so the count alone read the
whole table on every first visit (docs/benchmarks.md, issue 20). Here a `set` is one upsert
(`INSERT … ON CONFLICT`, SQLite 3.24+ and PostgreSQL 9.5+), the same on every call; the table is kept near
MAX_ENTRIES by the periodic job core.cache_cull (every few minutes, Django's own culling). `add`, `touch`,
reads and deletes are Django's.
"""

import base64
import pickle
from datetime import UTC, datetime
from typing import Any

from django.conf import settings
from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.db import DatabaseCache as DjangoDatabaseCache
from django.db import connections, router
from django.utils import timezone


class DatabaseCache(DjangoDatabaseCache):
    def _base_set(self, mode: str, key: str, value: Any, timeout: Any = DEFAULT_TIMEOUT) -> bool:
        if mode != "set":
            return super()._base_set(mode, key, value, timeout)  # type: ignore[misc]  # Django's, not in its stubs
        timeout = self.get_backend_timeout(timeout)
        connection = connections[router.db_for_write(self.cache_model_class)]
        q = connection.ops.quote_name
        # As Django stores them: expiry to the second, the pickled value in base64 text.
        expires = (
            datetime.max if timeout is None else datetime.fromtimestamp(timeout, tz=UTC if settings.USE_TZ else None)
        )
        stored = connection.ops.adapt_datetimefield_value(expires.replace(microsecond=0))
        text = base64.b64encode(pickle.dumps(value, self.pickle_protocol)).decode("latin1")
        key_, value_, expires_ = q("cache_key"), q("value"), q("expires")
        table = q(self._table)  # type: ignore[attr-defined]  # Django's BaseDatabaseCache sets it
        with connection.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO {table} ({key_}, {value_}, {expires_}) VALUES (%s, %s, %s)"  # noqa: S608
                f" ON CONFLICT ({key_}) DO UPDATE SET {value_} = excluded.{value_}, {expires_} = excluded.{expires_}",
                [key, text, stored],
            )
        return True

    def cull(self) -> int:
        """Past MAX_ENTRIES, Django's culling: the expired entries, then a share of the rest. Returns the count
        before (core.cache_cull runs it)."""
        db = router.db_for_write(self.cache_model_class)
        connection = connections[db]
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT COUNT(*) FROM {connection.ops.quote_name(self._table)}")  # type: ignore[attr-defined]  # noqa: S608
            num = cursor.fetchone()[0]
            if num > self._max_entries:
                self._cull(db, cursor, timezone.now().replace(microsecond=0), num)  # type: ignore[attr-defined]
        return num
