"""Cache hit counting for benchmark servers (bench/settings.py puts it in front of the configured cache).

Every `get` of the shared cache is counted by kind of key (session, home page, other) as a hit or a
miss, in each worker process; the counts are written to CACHE_COUNT_DIR/<pid>.json at most every
0.1 s and whenever /bench/cachestats is requested, so the benchmark can sum them across workers
before and after a run and report the hit rate beside every figure.
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

from django.core.cache.backends.redis import RedisCache

from cunzhi.core.dbcache import DatabaseCache

_counts: dict[str, list[int]] = {}
_flushed = [0.0]


def _kind(key: str) -> str:
    if "sessions" in key:
        return "session"
    if key.startswith("home:") or ":home:" in key:
        return "home"
    return "other"


def flush() -> None:
    folder = os.environ.get("CACHE_COUNT_DIR")
    if not folder:
        return
    path = Path(folder) / f"{os.getpid()}.json"
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(_counts))
    os.replace(tmp, path)
    _flushed[0] = time.monotonic()


def _count(key: str, hit: bool) -> None:
    pair = _counts.setdefault(_kind(key), [0, 0])
    pair[0 if hit else 1] += 1
    if time.monotonic() - _flushed[0] > 0.1:
        flush()


class _Counting:
    def get(self, key, default=None, version=None):
        value = super().get(key, _MISS, version)
        _count(str(key), value is not _MISS)
        return default if value is _MISS else value


_MISS = object()


class CountingDatabaseCache(_Counting, DatabaseCache):
    pass


class CountingRedisCache(_Counting, RedisCache):
    pass


def read(folder: Path) -> dict[str, list[int]]:
    """The counts of every worker process so far, summed: {kind: [hits, misses]}."""
    total: dict[str, list[int]] = {}
    for f in folder.glob("*.json"):
        try:
            data = json.loads(f.read_text())
        except (OSError, ValueError):
            continue
        for kind, (h, m) in data.items():
            pair = total.setdefault(kind, [0, 0])
            pair[0] += h
            pair[1] += m
    return total
