"""Fixed personas every permission test uses (DESIGN.md): villagers of A and B, a helper, a cadre
of A, township staff, staff of another township, a county administrator, and anonymous.

Village A lies in township T, village B in township U, both in one county.
"""

import datetime as dt
from types import SimpleNamespace

import pytest
import time_machine
from hypothesis import settings as hypothesis_settings

from cunzhi.people.models import Office, OfficeKind, Role, RoleAssignment
from cunzhi.people.tests.factories import TEST_PASSWORD, HouseholdFactory, UserFactory, VillagerFactory
from cunzhi.regions.models import Level, Region

# Property tests judge results, never speed: no per-example deadline (on a loaded 2-core machine the
# default 200 ms made them fail at random), and a fixed derandomised run so a failure repeats.
hypothesis_settings.register_profile("cunzhi", deadline=None, derandomize=True)
hypothesis_settings.load_profile("cunzhi")


@pytest.fixture(autouse=True)
def _fast_password_hashing(request, settings):
    """Argon2 is deliberately slow; tests that are not about hashing use a fast hasher."""
    if "argon2" not in request.keywords:
        settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _private_files(settings, tmp_path):
    """Uploads, generated files, texts and e-mails written by a test go to its temporary directory."""
    settings.DATA_DIR = tmp_path
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path / "private")},
        },
    }
    settings.SMS_FILE_PATH = str(tmp_path / "sms")
    settings.EMAIL_FILE_PATH = str(tmp_path / "mail")


@pytest.fixture(autouse=True)
def _english():
    """Code outside a request (services, notices, PDFs) runs in English too, whatever translations exist."""
    from django.utils import translation

    with translation.override("en"):
        yield


@pytest.fixture(autouse=True)
def _english_by_default(settings):
    """Assertions read English source strings; the product default (zh-hans) is tested on its own
    in cunzhi/web/tests/test_languages.py, and a request's own language choice still wins."""
    settings.LANGUAGE_CODE = "en"


@pytest.fixture(autouse=True)
def _empty_cache(request):
    """Each test that uses the database starts with an empty cache (cached pages, sessions, rate limits)."""
    names = request.fixturenames
    if "transactional_db" in names or "live_server" in names:
        request.getfixturevalue("transactional_db")
    elif "db" in names:
        request.getfixturevalue("db")
    else:
        return
    from django.core.cache import cache

    cache.clear()


# A weekday morning in Asia/Shanghai, away from any holiday.
CLOCK_START = dt.datetime(2026, 6, 16, 9, 30, tzinfo=dt.timezone(dt.timedelta(hours=8)))


@pytest.fixture
def clock():
    """Time stands still at CLOCK_START until the test moves it (`clock.shift(seconds)`,
    `clock.move_to(when)`). Limits, windows and deadlines are then tested by what the code
    does, not by how fast a loaded machine happens to run the requests."""
    with time_machine.travel(CLOCK_START, tick=False) as traveller:
        yield traveller


def _region(code, name, level, parent=None):
    return Region.objects.create(code=code, name=name, level=level, parent=parent)


def _villager(village, name, phone, *, group=None, household=None, account=True, **kw):
    user = UserFactory(phone=phone, name=name) if account else None
    villager = VillagerFactory(
        name=name, village=village, group=group, household=household, user=user, phone=phone if account else "", **kw
    )
    return user or villager


def _staff(name, phone, role, region, office=None):
    user = UserFactory(phone=phone, name=name)
    RoleAssignment.objects.create(user=user, role=role, region=region, office=office)
    return user


@pytest.fixture
def world(db):
    """The fixed test world. Personas are accounts (User); their villager records hang off `.villager`."""
    county = _region("330523000000", "安吉县", Level.COUNTY)
    t = _region("330523100000", "递铺街道", Level.TOWNSHIP, county)
    u = _region("330523101000", "天荒坪镇", Level.TOWNSHIP, county)
    a = _region("330523100201", "鹤鹿溪村", Level.VILLAGE, t)
    b = _region("330523101201", "余村", Level.VILLAGE, u)
    a1 = _region("330523100201001", "第一村民小组", Level.GROUP, a)
    b1 = _region("330523101201001", "第一村民小组", Level.GROUP, b)
    office_t = Office.objects.create(name="递铺街道民政办", kind=OfficeKind.CIVIL_AFFAIRS, region=t)
    office_u = Office.objects.create(name="天荒坪镇民政办", kind=OfficeKind.CIVIL_AFFAIRS, region=u)
    office_county = Office.objects.create(name="安吉县民政局", kind=OfficeKind.CIVIL_AFFAIRS, region=county)

    house_a = HouseholdFactory(village=a, group=a1, number="A0001")
    villager_a = _villager(a, "张三", "13900000001", group=a1, household=house_a)
    house_a.representative = villager_a.villager
    house_a.save()
    helper = _villager(a, "张小明", "13900000003", group=a1, household=house_a)  # villager_a's son
    house_b = HouseholdFactory(village=b, group=b1, number="B0001")
    villager_b = _villager(b, "李四", "13900000002", group=b1, household=house_b)

    cadre_a = _staff("王书记", "13900000010", Role.CADRE, a)
    township_staff = _staff("赵干事", "13900000020", Role.OFFICE_STAFF, t, office_t)
    other_township_staff = _staff("钱干事", "13900000021", Role.OFFICE_STAFF, u, office_u)
    county_admin = _staff("孙管理", "13900000030", Role.COUNTY_ADMIN, county)
    return SimpleNamespace(
        county=county,
        township_t=t,
        township_u=u,
        village_a=a,
        village_b=b,
        group_a1=a1,
        group_b1=b1,
        office_t=office_t,
        office_u=office_u,
        office_county=office_county,
        household_a=house_a,
        household_b=house_b,
        villager_a=villager_a,
        villager_b=villager_b,
        helper=helper,
        cadre_a=cadre_a,
        township_staff=township_staff,
        other_township_staff=other_township_staff,
        county_admin=county_admin,
        password=TEST_PASSWORD,
    )


@pytest.fixture
def supervisor_a(world):
    """A member of village A's supervision committee (村务监督委员会)."""
    user = UserFactory(phone="13900000040", name="周监督")
    RoleAssignment.objects.create(user=user, role=Role.SUPERVISOR, region=world.village_a)
    return user


@pytest.fixture
def cadre_b(world):
    """A village cadre of village B (township U)."""
    user = UserFactory(phone="13900000011", name="吴主任")
    RoleAssignment.objects.create(user=user, role=Role.CADRE, region=world.village_b)
    return user


@pytest.fixture
def login(client):
    """login(user) logs the test client in as that persona and returns the client."""

    def _login(user):
        client.force_login(user)
        return client

    return _login


@pytest.fixture
def other_office_staff(world):
    """Staff of another office of township T (the natural resources office): the same township as
    `township_staff` (civil affairs), another function. Its office is `world.office_t_resources`."""
    office = Office.objects.create(
        name="递铺街道自然资源所", kind=OfficeKind.NATURAL_RESOURCES, region=world.township_t
    )
    world.office_t_resources = office
    return _staff("郑干事", "13900000022", Role.OFFICE_STAFF, world.township_t, office)


@pytest.fixture
def live_kannel(tmp_path, live_server, settings):
    """A real Kannel (fakesmsc as the operator) wired to the live server both ways, as make demo runs
    it: texts out through sendsms with delivery reports, texts in through get-url; tasks run at once."""
    from django.urls import reverse

    from cunzhi.notify.kannel import KannelBox

    secret = "s3cret"
    inbound = reverse("notify:sms_inbound")
    box = KannelBox(
        folder=tmp_path / "kannel",
        get_url=f"{live_server.url}{inbound}?from=%p&to=%P&text=%a&id=%I&secret={secret}",
    ).start()
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    settings.SMS_BACKEND, settings.SMS_DELIVERY_REPORTS = "kannel", True
    settings.KANNEL_SENDSMS_URL, settings.KANNEL_SENDER = box.sendsms_url, box.sender
    settings.KANNEL_USERNAME, settings.KANNEL_PASSWORD = box.username, box.password
    settings.KANNEL_DLR_URL = live_server.url + reverse("notify:sms_delivery_report")
    settings.KANNEL_SECRET = secret
    yield box
    box.stop()


# --- The demo county, built once per test process -----------------------------------------------------
# Building it (`manage.py seed_demo`) takes 20–30 s; the crawl, the seed, home-card, indicator and browser
# tests all read it. It is built once per process (each xdist worker has its own database), its rows are
# copied aside next to the test database and the database is flushed (as after any transactional test);
# `demo_county(...)` then copies the rows back in well under a second, inside the test's transaction
# where it has one (rolled back after the test) or committed (flushed after a transactional test).

DEMO_SNAPSHOT = "demo_snapshot"  # an attached database on SQLite, a schema on PostgreSQL
# Not copied: migration records (the same in both) and the database cache (a test starts with it empty).
_DEMO_NOT_COPIED = {"django_migrations", "cunzhi_cache"}


def _storage_settings(folder):
    from django.conf import settings

    return {
        "DATA_DIR": folder,
        "STORAGES": {
            **settings.STORAGES,
            "default": {
                "BACKEND": "django.core.files.storage.FileSystemStorage",
                "OPTIONS": {"location": str(folder / "private")},
            },
        },
    }


@pytest.fixture(scope="session")
def demo_snapshot(django_db_setup, django_db_blocker, tmp_path_factory):
    """The demo county built once in this process: (printed output, its files, the copied tables)."""
    import io

    from django.core.management import call_command
    from django.db import connection
    from django.test import override_settings

    folder = tmp_path_factory.mktemp("demo-county")
    out = io.StringIO()
    # Built as the crawl always built it: in the product's language (zh-hans), with the tests' fast password
    # hasher (see _fast_password_hashing: the printed password must open the accounts in every test).
    fast = {
        "PASSWORD_HASHERS": ["django.contrib.auth.hashers.MD5PasswordHasher"],
        "SMS_FILE_PATH": str(folder / "sms"),
        "EMAIL_FILE_PATH": str(folder / "mail"),
    }
    with django_db_blocker.unblock():
        with override_settings(**_storage_settings(folder), **fast):
            call_command("seed_demo", stdout=out)
        with connection.cursor() as cursor:
            tables = [t for t in connection.introspection.table_names(cursor) if t not in _DEMO_NOT_COPIED]
            path = None
            if connection.vendor == "sqlite":
                path = tmp_path_factory.mktemp("demo-snapshot") / "rows.sqlite3"
                _demo_attach(cursor, path)
            else:
                cursor.execute(f"DROP SCHEMA IF EXISTS {DEMO_SNAPSHOT} CASCADE")
                cursor.execute(f"CREATE SCHEMA {DEMO_SNAPSHOT}")
            for table in tables:
                cursor.execute(f'CREATE TABLE {DEMO_SNAPSHOT}."{table}" AS SELECT * FROM "{table}"')
        call_command("flush", "--no-input", verbosity=0)
    snapshot = SimpleNamespace(output=out.getvalue(), folder=folder, tables=tables, path=path)
    snapshot.restore = lambda into: demo_restore(snapshot, into)
    return snapshot


def _demo_attach(cursor, path):
    """SQLite: the copied rows are a database file attached to the connection. A connection is attached
    once; the browser tests' connection is another one (Playwright's event loop gives them their own),
    to the same in-memory test database, and is attached when it first restores."""
    cursor.execute("PRAGMA database_list")
    attached = {row[1] for row in cursor.fetchall()}
    if DEMO_SNAPSHOT not in attached:
        cursor.execute(f"ATTACH DATABASE '{path}' AS {DEMO_SNAPSHOT}")


def demo_restore(snapshot, folder):
    """Put the demo county into the test database (replacing what is there) and its files into `folder`;
    the caller points the storage at `folder` (see `demo_county`)."""
    import shutil

    from django.apps import apps
    from django.contrib.contenttypes.models import ContentType
    from django.core.management.color import no_style
    from django.db import connection, transaction

    shutil.copytree(snapshot.folder, folder, dirs_exist_ok=True)
    tables = snapshot.tables
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            _demo_attach(cursor, snapshot.path)  # before the transaction: SQLite attaches outside one
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            for table in tables:  # foreign keys are deferred: checked at commit, when all rows are back
                cursor.execute(f'DELETE FROM "{table}"')
        else:
            cursor.execute("TRUNCATE " + ", ".join(f'"{t}"' for t in tables))
        for table in tables:
            cursor.execute(f'INSERT INTO "{table}" SELECT * FROM {DEMO_SNAPSHOT}."{table}"')
        for sql in connection.ops.sequence_reset_sql(no_style(), apps.get_models()):
            cursor.execute(sql)  # PostgreSQL: new rows continue after the copied ids (SQLite does it itself)
    ContentType.objects.clear_cache()  # the copied content types may have other ids than the flushed ones


@pytest.fixture
def demo_county(request, demo_snapshot, settings, tmp_path):
    """The demo county in this test's database and its files in this test's folder; the printed output of
    `seed_demo`. In the test's transaction (rolled back) unless the test asks for `transactional_db`."""
    from django.contrib.contenttypes.models import ContentType

    if "transactional_db" in request.fixturenames or "live_server" in request.fixturenames:
        request.getfixturevalue("transactional_db")
    else:
        request.getfixturevalue("db")
    folder = tmp_path / "demo"
    for name, value in _storage_settings(folder).items():
        setattr(settings, name, value)
    demo_restore(demo_snapshot, folder)
    yield demo_snapshot.output
    ContentType.objects.clear_cache()
