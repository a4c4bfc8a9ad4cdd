"""The "memo" cache on one machine without Redis: this process's memory, values kept as they are.

settings.CACHES["memo"] holds small state that app processes read on most requests: the live meeting state
(polled by every remote attendee every 2 s), the page header's unread count, who may watch a stream. With
Redis it is Redis, shared by every app server. Without, it is this backend: what the module-level dicts did
before, behind the cache API. Django's LocMemCache would pickle every value on each read (about 0.1-0.2 ms
for a meeting's 2 KB state, a quarter of a live poll's time); here nothing is copied, so a value read from the
memo must never be changed in place (every caller builds a new one instead).
"""

import threading
import time
from typing import Any

from django.core.cache.backends.base import DEFAULT_TIMEOUT, BaseCache


class ProcessMemo(BaseCache):
    def __init__(self, location: str, params: dict[str, Any]):
        super().__init__(params)
        self._data: dict[str, tuple[float | None, Any]] = {}
        self._lock = threading.Lock()

    def _fresh(self, key: str) -> tuple[float | None, Any] | None:
        hit = self._data.get(key)
        if hit is not None and hit[0] is not None and hit[0] <= time.time():
            self._data.pop(key, None)
            return None
        return hit

    def get(self, key: Any, default: Any = None, version: int | None = None) -> Any:
        hit = self._fresh(self.make_key(key, version=version))
        return default if hit is None else hit[1]

    def set(self, key: Any, value: Any, timeout: Any = DEFAULT_TIMEOUT, version: int | None = None) -> None:
        key = self.make_key(key, version=version)
        with self._lock:
            if len(self._data) >= self._max_entries and key not in self._data:
                self._data.clear()  # rare (50,000 entries): everything is computed again, nothing is wrong
            self._data[key] = (self.get_backend_timeout(timeout), value)

    def add(self, key: Any, value: Any, timeout: Any = DEFAULT_TIMEOUT, version: int | None = None) -> bool:
        with self._lock:
            if self._fresh(self.make_key(key, version=version)) is not None:
                return False
        self.set(key, value, timeout, version)
        return True

    def touch(self, key: Any, timeout: Any = DEFAULT_TIMEOUT, version: int | None = None) -> bool:
        key = self.make_key(key, version=version)
        with self._lock:
            hit = self._fresh(key)
            if hit is None:
                return False
            self._data[key] = (self.get_backend_timeout(timeout), hit[1])
            return True

    def delete(self, key: Any, version: int | None = None) -> bool:
        return self._data.pop(self.make_key(key, version=version), None) is not None

    def has_key(self, key: Any, version: int | None = None) -> bool:
        return self._fresh(self.make_key(key, version=version)) is not None

    def clear(self) -> None:
        self._data.clear()
