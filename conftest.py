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


def pytest_configure(config):
    """WhiteNoise finds static files through Django's finders when it is built (the default needs no
    collectstatic): it walks every static folder, ~35 ms. Built once per process in production, but once per
    test client here (a new handler for each test: 5 s of every 50 in the fast lane). With autorefresh it looks
    a file up when one is asked for, as it does with DEBUG on."""
    from django.conf import settings

    settings.WHITENOISE_AUTOREFRESH = True


# The fixtures through which a test reaches the test database (directly or through the demo county).
_DATABASE_FIXTURES = {
    "db",
    "transactional_db",
    "live_server",
    "django_db_reset_sequences",
    "django_db_serialized_rollback",
    "demo_county",
    "demo_snapshot",
}


def pytest_addoption(parser):
    parser.addoption(
        "--database-tests-only",
        action="store_true",
        help="run only the tests that use the test database (scripts/test.sh, on the second database: the "
        "others—pure functions, child processes with their own SQLite file, tests marked once—ran on the first "
        "already)",
    )


def pytest_collection_modifyitems(config, items):
    # The long non-browser tests (whole-demo builds, child processes, real concurrency) first, so that
    # neither xdist worker is left running one of them alone at the end of the slow lane.
    items.sort(key=lambda item: not (item.get_closest_marker("slow") and not item.get_closest_marker("e2e")))
    if not config.getoption("--database-tests-only"):
        return
    keep, drop = [], []
    for item in items:
        uses_db = item.get_closest_marker("django_db") or _DATABASE_FIXTURES & set(item.fixturenames)
        (keep if uses_db and not item.get_closest_marker("once") else drop).append(item)
    if drop:
        config.hook.pytest_deselected(items=drop)
        items[:] = keep


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
            "BACKEND": "cunzhi.core.files.PrivateStorage",
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
    from django.core.cache import cache, caches

    cache.clear()
    caches["memo"].clear()


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


def _build_world():
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


@pytest.fixture(scope="session")
def world_snapshot(django_db_setup, django_db_blocker, tmp_path_factory):
    """The test world's rows, made once per process (34 ORM saves per test were a large share of the fast
    lane) and copied back for each test: which tables, and which model and primary key each persona is.
    Made on the test clock with the tests' password hasher, as a test would make it."""
    from django.core.management import call_command
    from django.db import connection
    from django.db.models import Model
    from django.test import override_settings

    from tests import dbcache

    fast = override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"])

    def filled():
        with connection.cursor() as cursor:
            names = connection.introspection.table_names(cursor)
            return {t for t in names if cursor.execute(f'SELECT 1 FROM "{t}" LIMIT 1').fetchone()}

    with django_db_blocker.unblock(), fast, time_machine.travel(CLOCK_START, tick=False):
        before = filled()  # content types and permissions, made by the migrations (and again by a flush)
        built = _build_world()
        tables = sorted(filled() - before)
        path = tmp_path_factory.mktemp("world") / "rows.sqlite3"
        dbcache.copy_rows("world_snapshot", tables, path)
        call_command("flush", "--no-input", verbosity=0)
    personas = {k: (type(v), v.pk) for k, v in vars(built).items() if isinstance(v, Model)}
    return SimpleNamespace(tables=tables, path=path, personas=personas)


@pytest.fixture
def world(request, world_snapshot, db):
    """The fixed test world. Personas are accounts (User); their villager records hang off `.villager`.

    Copied from `world_snapshot`; built afresh with the ORM where a copy would not do: beside the demo
    county (its rows take the same ids) and where the real Argon2 hasher must open the accounts."""
    if "argon2" in request.keywords or "demo_county" in request.fixturenames:
        return _build_world()
    from django.contrib.auth import get_user_model

    from tests import dbcache

    snapshot = world_snapshot
    dbcache.restore_rows("world_snapshot", snapshot.tables, snapshot.path, replace=False)
    by_model = {}
    for model, pk in snapshot.personas.values():
        by_model.setdefault(model, []).append(pk)
    found = {}
    for model, pks in by_model.items():
        rows = model.objects.select_related("villager") if model is get_user_model() else model.objects
        found[model] = rows.in_bulk(pks)
    personas = {name: found[model][pk] for name, (model, pk) in snapshot.personas.items()}
    return SimpleNamespace(**personas, password=TEST_PASSWORD)


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


# --- Test databases and the demo county, built once per run ---------------------------------------------
# Migrating a new database and building the demo county (`manage.py seed_demo`) each take tens of seconds;
# tests/dbcache.py builds each once per run of the suite (under a file lock, shared by the xdist workers
# and both lanes) and copies it into each process's test database. `demo_county(...)` copies the demo's
# rows into the test's database in well under a second, inside the test's transaction where it has one
# (rolled back after the test) or committed (flushed after a transactional test).


@pytest.fixture(scope="session")
def django_db_setup(
    request,
    django_test_environment,
    django_db_blocker,
    django_db_keepdb,
    django_db_createdb,
    django_db_modify_db_settings,
):
    """pytest-django's own fixture, with the migrated database copied from a template (tests/dbcache.py)."""
    from django.db import connection

    from tests import dbcache

    with django_db_blocker.unblock():
        old_name = dbcache.create_test_database(connection, keepdb=django_db_keepdb and not django_db_createdb)
    yield
    if not django_db_keepdb:
        with django_db_blocker.unblock():
            connection.creation.destroy_test_db(old_name, verbosity=0, keepdb=False)


def _storage_settings(folder):
    from django.conf import settings

    return {
        "DATA_DIR": folder,
        "STORAGES": {
            **settings.STORAGES,
            "default": {
                "BACKEND": "cunzhi.core.files.PrivateStorage",
                "OPTIONS": {"location": str(folder / "private")},
            },
        },
    }


def _build_demo(folder):
    """`seed_demo` into the empty test database, its files in `folder`; returns what it printed. Built as the
    crawl always built it: in the product's language (zh-hans), with the tests' fast password hasher (see
    _fast_password_hashing: the printed password must open the accounts in every test)."""
    import io

    from django.core.management import call_command
    from django.test import override_settings

    out = io.StringIO()
    fast = {
        "PASSWORD_HASHERS": ["django.contrib.auth.hashers.MD5PasswordHasher"],
        "SMS_FILE_PATH": str(folder / "sms"),
        "EMAIL_FILE_PATH": str(folder / "mail"),
    }
    with override_settings(**_storage_settings(folder), **fast):
        call_command("seed_demo", stdout=out)
    return out.getvalue()


@pytest.fixture(scope="session")
def demo_snapshot(django_db_setup, django_db_blocker, tmp_path_factory):
    """The demo county built once per run: its printed output, its files, its rows; `.restore(folder)`."""
    from tests import dbcache

    with django_db_blocker.unblock():
        snapshot = dbcache.demo_snapshot(_build_demo, tmp_path_factory.mktemp("demo-rows"))
    snapshot.restore = lambda into: dbcache.demo_restore(snapshot, into)
    return snapshot


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
    demo_snapshot.restore(folder)
    yield demo_snapshot.output
    ContentType.objects.clear_cache()
