"""Test databases built once per run of the suite, not once per test process (issue 13: the suite in ≤ 10 min).

Migrating an empty database and building the demo county each take tens of seconds of CPU. With two xdist
workers and two lanes (fast, slow) per database, both used to be done four times per database. Now the first
process that needs one builds it under a file lock into `.test-cache/<key>/`; every other process copies it:

- the migrated database: SQLite copies a file into its in-memory test database with SQLite's backup API;
  PostgreSQL creates each worker's database from a template database (`CREATE DATABASE … TEMPLATE`);
- the demo county: its rows (an SQLite file to attach; PostgreSQL binary COPY files), its private files and
  what `seed_demo` printed.

The key is a hash of everything the result depends on: the code, the catalogues, the dependencies. A change
to any of them builds afresh (and removes the older builds), so a stale database is never reused.
"""

import contextlib
import fcntl
import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path
from types import SimpleNamespace

import django
from django.conf import settings

ROOT = Path(__file__).resolve().parents[1]
CACHE = ROOT / ".test-cache"
DEMO_SNAPSHOT = "demo_snapshot"  # the attached database of the demo's rows (SQLite)
# Not copied: migration records (the same everywhere) and the database cache (a test starts with it empty).
DEMO_NOT_COPIED = {"django_migrations", "cunzhi_cache"}
PG_DUMP = "migrated-postgresql.sql"  # the migrated PostgreSQL database as SQL, for the cluster test's own server


def _key() -> str:
    digest = hashlib.sha256(django.__version__.encode())
    files = [ROOT / "conftest.py", ROOT / "pyproject.toml", Path(__file__)]
    for pattern in ("cunzhi/**/*.py", "cunzhi/**/*.po", "locale/**/*.po"):
        files += ROOT.glob(pattern)
    for path in sorted(files):
        digest.update(str(path.relative_to(ROOT)).encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:16]


KEY = _key()
_template: dict[str, str] = {}  # this process's migrated SQLite database to copy (a file)


@contextlib.contextmanager
def _locked(name: str) -> Iterator[Path]:
    """The cache folder of this key, with the lock `name` held by this process alone (the other workers wait).

    Each database has its own names: the SQLite and PostgreSQL runs go side by side (scripts/test.sh), and
    one shared lock made each run wait for the other's `migrate` and demo build with a core idle."""
    CACHE.mkdir(exist_ok=True)
    with open(CACHE / f"{name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        folder = CACHE / KEY
        if not folder.exists():
            # Under one lock for all names: both databases' runs start at once (scripts/test.sh).
            with open(CACHE / "folders.lock", "w") as tidy:
                fcntl.flock(tidy, fcntl.LOCK_EX)
                if not folder.exists():
                    for old in CACHE.iterdir():  # builds of code that no longer exists
                        if old.is_dir():
                            shutil.rmtree(old, ignore_errors=True)
                    folder.mkdir()
        yield folder


def _point_at(connection, name: str) -> None:
    connection.close()
    settings.DATABASES[connection.alias]["NAME"] = name
    connection.settings_dict["NAME"] = name


def create_test_database(connection, *, keepdb: bool) -> str:
    """What Django's `create_test_db` does, with the migrations run once per key. Returns the old name."""
    creation, old_name = connection.creation, connection.settings_dict["NAME"]
    name = creation._get_test_db_name()
    if connection.vendor == "sqlite" and creation.is_in_memory_db(name):
        with _locked("migrated-sqlite") as folder:
            template = folder / "migrated.sqlite3"
            if not template.exists():
                creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)
                target = sqlite3.connect(folder / "migrated.tmp")
                connection.connection.backup(target)
                target.close()
                os.replace(folder / "migrated.tmp", template)
                _template["sqlite"] = str(template)
                return old_name
        _template["sqlite"] = str(template)
        _point_at(connection, name)
        connection.ensure_connection()
        source = sqlite3.connect(template)
        source.backup(connection.connection)
        source.close()
        return old_name
    if connection.vendor != "postgresql" or (keepdb and _pg_exists(connection, name)):
        creation.create_test_db(verbosity=0, autoclobber=True, serialize=False, keepdb=keepdb)
        return old_name
    template = f"test_{old_name}_tpl_{KEY}"[:63]
    with _locked("migrated-postgresql") as folder:
        if not _pg_exists(connection, template):
            _pg_drop_older_templates(connection, f"test_{old_name}_tpl_")
            test_settings = connection.settings_dict["TEST"]
            test_name, test_settings["NAME"] = test_settings.get("NAME"), template
            try:
                creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)
            finally:
                test_settings["NAME"] = test_name
                _point_at(connection, old_name)
            _pg_dump(connection.settings_dict, template, folder / PG_DUMP)
        with creation._nodb_cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{name}"')
            cursor.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
    _point_at(connection, name)
    connection.ensure_connection()
    return old_name


@contextlib.contextmanager
def empty_database() -> Iterator[None]:
    """An empty database, for a test that migrates from an old state (forward from nothing is far cheaper
    than unapplying every later migration); afterwards the migrated test database as the other tests
    expect it. PostgreSQL: a scratch database beside the test database, dropped after. SQLite: the
    in-memory test database emptied, then copied again from this run's template (or migrated forward,
    where this process has none); the copies attached beside it stay."""
    from django.contrib.contenttypes.models import ContentType
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    if connection.vendor == "postgresql":
        name = connection.settings_dict["NAME"]
        scratch = f"{name}_scratch"[:63]
        with connection.creation._nodb_cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{scratch}" WITH (FORCE)')
            cursor.execute(f'CREATE DATABASE "{scratch}"')
        _point_at(connection, scratch)
        try:
            yield
        finally:
            _point_at(connection, name)
            with connection.creation._nodb_cursor() as cursor:
                cursor.execute(f'DROP DATABASE IF EXISTS "{scratch}" WITH (FORCE)')
            ContentType.objects.clear_cache()
        return
    _sqlite_copy_into(connection, None)
    try:
        yield
    finally:
        template = _template.get("sqlite")
        if template:
            _sqlite_copy_into(connection, template)
        else:
            executor = MigrationExecutor(connection)
            executor.migrate(executor.loader.graph.leaf_nodes())
        ContentType.objects.clear_cache()


def _sqlite_copy_into(connection, template: str | None) -> None:
    connection.ensure_connection()
    source = sqlite3.connect(template or ":memory:")
    source.backup(connection.connection)
    source.close()


def _pg_exists(connection, name: str) -> bool:
    with connection.creation._nodb_cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
        return cursor.fetchone() is not None


def _pg_drop_older_templates(connection, prefix: str) -> None:
    with connection.creation._nodb_cursor() as cursor:
        cursor.execute("SELECT datname FROM pg_database WHERE starts_with(datname, %s)", [prefix])
        for (name,) in cursor.fetchall():
            cursor.execute(f'DROP DATABASE IF EXISTS "{name}"')


def _pg_dump(settings_dict: dict, name: str, dest: Path) -> None:
    """The migrated template as SQL (pg_dump), written while no process may use the template yet. The cluster
    test (tests/cluster) loads it into its own PostgreSQL server instead of running `migrate` once more."""
    pg_dump = shutil.which("pg_dump")
    if pg_dump is None:  # the cluster test then migrates its server itself
        return
    env = dict(os.environ, PGPASSWORD=settings_dict.get("PASSWORD") or "")
    args = ["-h", settings_dict.get("HOST") or "127.0.0.1", "-p", str(settings_dict.get("PORT") or 5432)]
    args += ["-U", settings_dict.get("USER") or "postgres", "--no-owner", "-f", str(dest.with_suffix(".tmp")), name]
    if subprocess.run([pg_dump, *args], env=env, capture_output=True).returncode == 0:
        os.replace(dest.with_suffix(".tmp"), dest)


def migrated_postgres_dump() -> Path | None:
    """This run's migrated PostgreSQL database as SQL, if a PostgreSQL lane has made it (see _pg_dump)."""
    dump = CACHE / KEY / PG_DUMP
    return dump if dump.exists() else None


def migrated_sqlite_copy(dest: Path) -> bool:
    """Copy this run's migrated SQLite database to the file `dest`; False when this run has none (on PostgreSQL,
    or before the first test database was made)."""
    template = CACHE / KEY / "migrated.sqlite3"
    if not template.exists():
        return False
    shutil.copyfile(template, dest)
    return True


def demo_snapshot(build: Callable[[Path], str], scratch: Path) -> SimpleNamespace:
    """The demo county's rows, files and printed output; `build(folder)` runs `seed_demo` with its files in
    `folder` into the empty test database (only when this key has no snapshot yet). `scratch` is this
    process's own folder: SQLite locks every attached database at the start of a writing transaction, so
    each process attaches its own copy of the rows."""
    from django.core.management import call_command
    from django.db import connection

    pg = connection.vendor == "postgresql"
    with _locked(f"demo-{connection.vendor}") as cache:
        folder = cache / f"demo-{connection.vendor}"
        if not folder.exists():
            building = cache / f"demo-{connection.vendor}.tmp"
            shutil.rmtree(building, ignore_errors=True)
            building.mkdir()
            output = build(building / "files")
            with connection.cursor() as cursor:
                tables = [t for t in connection.introspection.table_names(cursor) if t not in DEMO_NOT_COPIED]
            copy_rows(DEMO_SNAPSHOT, tables, building / "rows.sqlite3")
            with connection.cursor() as cursor:
                if pg:  # the other processes' databases load these files
                    (building / "rows").mkdir()
                    for table in tables:
                        query = f'COPY {DEMO_SNAPSHOT}."{table}" TO STDOUT (FORMAT BINARY)'
                        with open(building / "rows" / table, "wb") as out, cursor.cursor.copy(query) as copy:
                            for chunk in copy:
                                out.write(chunk)
                else:  # attached again from where it ends up
                    cursor.execute(f"DETACH DATABASE {DEMO_SNAPSHOT}")
            call_command("flush", "--no-input", verbosity=0)
            (building / "output.txt").write_text(output)
            (building / "tables.json").write_text(json.dumps(tables))
            os.replace(building, folder)
        elif pg:
            _pg_load_schema(DEMO_SNAPSHOT, json.loads((folder / "tables.json").read_text()), folder / "rows")
        if not pg:
            shutil.copyfile(folder / "rows.sqlite3", scratch / "rows.sqlite3")
    return SimpleNamespace(
        output=(folder / "output.txt").read_text(),
        folder=folder / "files",
        tables=json.loads((folder / "tables.json").read_text()),
        rows=scratch / "rows.sqlite3",
    )


def _pg_load_schema(schema: str, tables: list[str], files: Path) -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE")
        cursor.execute(f"CREATE SCHEMA {schema}")
        for table in tables:
            cursor.execute(f'CREATE TABLE {schema}."{table}" (LIKE "{table}")')
            query = f'COPY {schema}."{table}" FROM STDIN (FORMAT BINARY)'
            with open(files / table, "rb") as rows, cursor.cursor.copy(query) as copy:
                copy.write(rows.read())


def copy_rows(into: str, tables: list[str], path: Path | None = None) -> None:
    """Copy the rows of `tables` aside: into the SQLite database file `path`, attached as `into`, or into the
    PostgreSQL schema `into` (replacing an older copy). Committed: run it outside a transaction."""
    from django.db import connection

    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            assert path is not None
            path.unlink(missing_ok=True)
            cursor.execute(f"ATTACH DATABASE '{path}' AS {into}")
        else:
            cursor.execute(f"DROP SCHEMA IF EXISTS {into} CASCADE")
            cursor.execute(f"CREATE SCHEMA {into}")
        for table in tables:
            cursor.execute(f'CREATE TABLE {into}."{table}" AS SELECT * FROM "{table}"')


def restore_rows(source: str, tables: list[str], path: Path | None = None, *, replace: bool) -> None:
    """Insert the rows copied by `copy_rows` again (first emptying the tables when `replace`), in one
    transaction: foreign keys are deferred, checked when all rows are back."""
    from django.apps import apps
    from django.core.management.color import no_style
    from django.db import connection, transaction

    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:  # before the transaction: SQLite attaches outside one
            # A connection is attached once; the browser tests' connection is another one (Playwright's event
            # loop gives them their own) to the same in-memory database, attached when it first restores.
            cursor.execute("PRAGMA database_list")
            if source not in {row[1] for row in cursor.fetchall()}:
                cursor.execute(f"ATTACH DATABASE '{path}' AS {source}")
    with transaction.atomic(), connection.cursor() as cursor:
        if replace and connection.vendor == "sqlite":
            for table in tables:
                cursor.execute(f'DELETE FROM "{table}"')
        elif replace:
            cursor.execute("TRUNCATE " + ", ".join(f'"{t}"' for t in tables))
        for table in tables:
            cursor.execute(f'INSERT INTO "{table}" SELECT * FROM {source}."{table}"')
        if connection.vendor == "postgresql":  # new rows continue after the copied ids (SQLite does it itself)
            models = [m for m in apps.get_models() if m._meta.db_table in tables]
            for sql in connection.ops.sequence_reset_sql(no_style(), models):
                cursor.execute(sql)


def demo_restore(snapshot: SimpleNamespace, folder: Path) -> None:
    """Put the demo county into the test database (replacing what is there) and its files into `folder`;
    the caller points the storage at `folder`."""
    from django.contrib.contenttypes.models import ContentType

    shutil.copytree(snapshot.folder, folder, dirs_exist_ok=True)
    restore_rows(DEMO_SNAPSHOT, snapshot.tables, snapshot.rows, replace=True)
    ContentType.objects.clear_cache()  # the copied content types may have other ids than the flushed ones
