"""The settings of the multi-machine shape (docs/scaling.md) and the read replica's router.

The cluster itself (two app servers, two workers, PostgreSQL, PgBouncer, Redis) is tested by
tests/cluster/test_cluster.py; these are the pieces that need no cluster.
"""

import importlib.util
from pathlib import Path
from types import ModuleType, SimpleNamespace
from unittest import mock

from django.conf import settings as django_settings

from cunzhi.core import dbrouter
from cunzhi.core.dbrouter import ReplicaRouter, on_replica, replica_reads
from cunzhi.people.models import User

ROOT = Path(django_settings.BASE_DIR)
NAMES = (
    "DATABASE_URL",
    "DATABASE_REPLICA_URL",
    "PGBOUNCER",
    "REDIS_URL",
    "FILES_DIR",
    "FILES_BACKEND",
    "MEETINGS_LIVE_ROOT",
    "AWS_STORAGE_BUCKET_NAME",
    "AWS_S3_ENDPOINT_URL",
)


def _settings_from_env(monkeypatch, tmp_path, **env) -> ModuleType:
    """The settings file run afresh with this environment."""
    for name in NAMES:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("CUNZHI_DATA_DIR", str(tmp_path))
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    spec = importlib.util.spec_from_file_location("_settings_probe", ROOT / "cunzhi" / "settings.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_one_machine_stays_the_default(monkeypatch, tmp_path):
    s = _settings_from_env(monkeypatch, tmp_path)
    assert s.DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3"
    assert "replica" not in s.DATABASES and not hasattr(s, "DATABASE_ROUTERS")
    # No Redis: the memo stays in each process (no query per poll), the shared cache in the database.
    assert s.CACHES["memo"]["BACKEND"] == "cunzhi.core.memo.ProcessMemo"
    assert s.CACHES["default"]["BACKEND"].endswith("DatabaseCache")
    assert s.STORAGES["default"]["OPTIONS"] == {"location": str(tmp_path / "private")}
    assert tmp_path / "private" / "live" == s.MEETINGS_LIVE_ROOT


def test_the_cluster_shape(monkeypatch, tmp_path):
    shared = tmp_path / "shared"
    s = _settings_from_env(
        monkeypatch,
        tmp_path,
        DATABASE_URL="postgres://cunzhi@pgbouncer.internal:6432/cunzhi",
        DATABASE_REPLICA_URL="postgres://cunzhi@replica.internal:5432/cunzhi",
        PGBOUNCER="1",
        REDIS_URL="redis://redis.internal:6379/0",
        FILES_DIR=str(shared),
    )
    # Transaction pooling: no server-side cursors, on the primary and on the replica.
    assert s.DATABASES["default"]["DISABLE_SERVER_SIDE_CURSORS"] is True
    assert s.DATABASES["replica"]["DISABLE_SERVER_SIDE_CURSORS"] is True
    assert s.DATABASES["replica"]["HOST"] == "replica.internal"
    assert s.DATABASE_ROUTERS == ["cunzhi.core.dbrouter.ReplicaRouter"]
    assert s.CACHES["memo"]["BACKEND"].endswith("RedisCache") and s.CACHES["memo"]["LOCATION"].startswith("redis://")
    assert s.CACHES["memo"]["KEY_PREFIX"] != s.CACHES["default"].get("KEY_PREFIX", "")
    assert s.STORAGES["default"]["OPTIONS"] == {"location": str(shared)}
    assert shared / "live" == s.MEETINGS_LIVE_ROOT


def test_s3_compatible_storage_is_one_setting(monkeypatch, tmp_path):
    s = _settings_from_env(
        monkeypatch,
        tmp_path,
        FILES_BACKEND="storages.backends.s3.S3Storage",
        AWS_STORAGE_BUCKET_NAME="cunzhi-files",
        AWS_S3_ENDPOINT_URL="http://minio.internal:9000",
    )
    options = s.STORAGES["default"]["OPTIONS"]
    assert s.STORAGES["default"]["BACKEND"] == "storages.backends.s3.S3Storage"
    assert options["bucket_name"] == "cunzhi-files" and options["endpoint_url"] == "http://minio.internal:9000"
    assert options["default_acl"] is None and options["querystring_auth"] is True  # private files


def test_the_router_sends_figures_and_exports_to_the_replica_and_all_else_to_the_primary():
    router = ReplicaRouter()
    with mock.patch.dict(django_settings.DATABASES, {"replica": dict(django_settings.DATABASES["default"])}):
        assert router.db_for_read(User) == "default"
        with replica_reads():
            assert router.db_for_read(User) == "replica"
            assert router.db_for_write(User) == "default"  # a figures page that logs a read writes on the primary
        assert router.db_for_read(User) == "default"
        assert router.allow_migrate("default", "people") and not router.allow_migrate("replica", "people")
    # Without a replica configured, nothing moves.
    with replica_reads():
        assert router.db_for_read(User) == "default"


def test_a_replica_view_reads_the_session_and_account_on_the_primary_first():
    seen = []

    class Request:
        @property
        def user(self):
            seen.append(("user read", dbrouter._on_replica.get()))
            return SimpleNamespace(is_authenticated=True)

    @on_replica
    def view(request):
        seen.append(("view", dbrouter._on_replica.get()))
        return "page"

    assert view(Request()) == "page"
    assert seen == [("user read", False), ("view", True)]
    assert dbrouter._on_replica.get() is False


def test_the_figures_and_exports_are_the_replica_views():
    from cunzhi.insights import views as insights
    from cunzhi.ledger import views as ledger

    for view in (insights.index, insights.export, insights.export_pdf, ledger.export):
        assert _wrapped_by_on_replica(view), view


def _wrapped_by_on_replica(view) -> bool:
    while view is not None:
        if view.__code__.co_filename == dbrouter.__file__:
            return True
        view = getattr(view, "__wrapped__", None)
    return False


def test_the_process_memo_keeps_values_as_they_are_for_their_time(monkeypatch):
    from cunzhi.core import memo as memo_module
    from cunzhi.core.memo import ProcessMemo

    now = [1000.0]
    monkeypatch.setattr(memo_module.time, "time", lambda: now[0])
    monkeypatch.setattr("django.core.cache.backends.base.time.time", lambda: now[0])
    memo = ProcessMemo("", {"OPTIONS": {"MAX_ENTRIES": 3}})
    state = {"present": 1}
    memo.set("live", state, 2)
    assert memo.get("live") is state  # not a copy: no pickling on the hot path
    assert memo.get_many(["live", "none"]) == {"live": state}
    assert not memo.add("live", {}, 2) and memo.add("other", 1, 2)
    now[0] += 2.5
    assert memo.get("live") is None and not memo.has_key("other")
    memo.set("forever", 1, None)
    memo.set("a", 1)
    memo.set("b", 1)
    memo.set("c", 1)  # over MAX_ENTRIES: starts afresh rather than grow
    assert memo.get("forever") is None and memo.get("c") == 1
    assert memo.delete("c") and not memo.delete("c")
