"""Settings for benchmark servers only: the project's settings plus a bench URLconf (a bare view), and
the shared cache counted (bench/cachecount.py) so every figure can carry its cache hit rate.

Nothing here is imported by the project; `bench/home_page.py` starts gunicorn with
DJANGO_SETTINGS_MODULE=bench.settings.
"""

from cunzhi.settings import *  # noqa: F403

ROOT_URLCONF = "bench.urls"

_COUNTING = {
    "cunzhi.core.dbcache.DatabaseCache": "bench.cachecount.CountingDatabaseCache",
    "django.core.cache.backends.redis.RedisCache": "bench.cachecount.CountingRedisCache",
}
CACHES["default"]["BACKEND"] = _COUNTING.get(CACHES["default"]["BACKEND"], CACHES["default"]["BACKEND"])  # noqa: F405
