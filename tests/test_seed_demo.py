"""`manage.py seed_demo`: a realistic demo county, one login per role, safe to rerun, refuses foreign data."""

import io
import re
from collections import Counter

import pytest
from django.core.management import CommandError, call_command
from django.db.models import Count
from django.utils import timezone

from cunzhi.core.idnumbers import validate_id_number
from cunzhi.core.models import AuditEvent
from cunzhi.demo import county as demo
from cunzhi.people.models import Delegation, Grid, Household, Office, Relation, Role, RoleAssignment, User, Villager
from cunzhi.people.tests.factories import VillagerFactory
from cunzhi.regions.models import Level, Region
from tests import dbcache

pytestmark = [pytest.mark.slow]  # builds the whole demo county


def seed(*args) -> str:
    out = io.StringIO()
    call_command("seed_demo", *args, stdout=out)
    return out.getvalue()


@pytest.fixture
def seeded(db, demo_county):
    """The county `seed_demo` built on an empty database (once per test process, then copied into each
    test's transaction: see the root conftest) and what it printed. Its speed is measured in bench/, not
    asserted here: a wall-clock limit fails on a busy machine."""
    return demo_county


def test_builds_the_county_tree_with_codes_of_the_right_shape(seeded):
    county = Region.objects.get(level=Level.COUNTY)
    assert (county.code, county.name) == ("330523000000", "安吉县")
    townships = Region.objects.filter(level=Level.TOWNSHIP)
    villages = Region.objects.filter(level=Level.VILLAGE)
    assert townships.count() == 3 and villages.count() == 12
    assert all(re.fullmatch(r"3305231\d\d000", t.code) and t.parent_id == county.pk for t in townships)
    for v in villages.select_related("parent"):
        assert re.fullmatch(r"3305231\d\d2\d\d", v.code) and v.code.startswith(v.parent.prefix)
        assert v.prefix == v.code
        groups = Region.objects.filter(parent=v, level=Level.GROUP)
        assert 4 <= groups.count() <= 8
        assert all(g.code.startswith(v.code) and len(g.code) == 15 and g.prefix == g.code for g in groups)
        grids = Grid.objects.filter(village=v)
        assert 1 <= grids.count() <= 3
        for grid in grids:
            assert grid.region_code == v.code and grid.worker_id is not None
            assert RoleAssignment.objects.filter(user=grid.worker, role=Role.GRID_WORKER, region=v).exists()
    assert "天荒坪镇" in set(townships.values_list("name", flat=True))
    assert AuditEvent.objects.filter(action=demo.MARKER_ACTION).count() == 1


def test_villagers_and_households_are_realistic(seeded):
    villagers = list(Villager.objects.select_related("village", "household"))
    assert 3500 <= len(villagers) <= 4500
    assert Household.objects.count() == 1500
    sizes = Counter(Household.objects.annotate(n=Count("members")).values_list("n", flat=True))
    assert set(sizes) <= set(range(1, 7)) and sizes[1] and sizes[6]
    for hh in Household.objects.select_related("representative"):
        assert hh.representative is not None and hh.representative.household_id == hh.pk
    for v in villagers:
        assert validate_id_number(v.id_number) == v.id_number  # checksum valid
        assert v.region_code == v.village.code and v.household.region_code == v.village.code
        assert v.grid_id is not None and v.group_id is not None
        assert re.fullmatch(r"[\u4e00-\u9fff]{2,3}", v.name)
        assert v.name_pinyin and v.sex in "MF"
        assert v.id_number[6:14] == v.birth_date.strftime("%Y%m%d")
    assert len({v.id_hash for v in villagers}) == len(villagers)
    ages = [v.age for v in villagers]
    assert min(ages) == 0 and max(ages) >= 90
    working = [v for v in villagers if 18 <= v.age < 60]
    away = [v for v in working if v.living_away]
    assert 0.18 <= len(away) / len(working) <= 0.32
    assert all(v.away_city for v in villagers if v.living_away)
    assert not any(v.living_away for v in villagers if v.age < 18)
    adults = [v for v in villagers if v.age >= 18]
    assert sum(1 for v in adults if re.fullmatch(r"1\d{10}", v.phone)) / len(adults) > 0.8
    assert not any(v.phone for v in villagers if v.age < 18)


def test_the_points_supermarket_and_organisations_story(seeded):
    """Issue 16's demo: goods received (donated, and bought through the ledger), a shop-keeper's redemption with its
    receipt, last year's commendation list on the disclosure board, a dispute handed to the mediation committee."""
    from cunzhi.disclosure.models import Post
    from cunzhi.organisations.models import Handover
    from cunzhi.points.models import Commendation, Entry, GoodsReceipt, ShopKeeper, TownshipShop

    receipts = list(GoodsReceipt.objects.filter(goods__village__level="village").order_by("pk"))
    assert [r.donated for r in receipts] == [True, False] and receipts[1].ledger_entry and not receipts[0].ledger_entry
    # The township's shop for its other villages, stocked by a donation (no ledger: the township's accounts).
    shop = TownshipShop.objects.select_related("township").get()
    served = Region.objects.filter(code__in=shop.serves)
    assert shop.township.name == "天荒坪镇" and served and all(v.parent_id == shop.township_id for v in served)
    assert "余村" not in {v.name for v in served}
    donated = GoodsReceipt.objects.select_related("goods").get(goods__village=shop.township)
    assert donated.donated and not donated.ledger_entry and donated.goods.stock == 10
    keeper = ShopKeeper.objects.get()
    redeemed = Entry.objects.get(kind="redemption", declared_by=keeper.user)
    assert redeemed.balance_after is not None and redeemed.goods_id
    listed = Commendation.objects.get()
    assert listed.year == timezone.localdate().year - 1 and listed.rows
    post = Post.objects.get(public_id=listed.post_id)
    assert post.status == "published" and not re.search(r"\d{17}[\dX]", post.body)
    handover = Handover.objects.select_related("organisation").get()
    assert handover.organisation.kind == "mediation" and handover.work.count() == 1


def test_offices_for_every_township_and_the_county(seeded):
    for t in Region.objects.filter(level=Level.TOWNSHIP):
        names = set(Office.objects.filter(region=t).values_list("name", flat=True))
        assert names == {t.name + s for s in ("民政办", "社保所", "自然资源所", "便民服务中心")}
    county_offices = set(Office.objects.filter(region__level=Level.COUNTY).values_list("name", flat=True))
    assert {
        "安吉县民政局",
        "安吉县自然资源和规划局",
        "安吉县人力资源和社会保障局",
        "安吉县医疗保障局",
        "安吉县残疾人联合会",
    } == county_offices
    assert all(o.region_code == o.region.code for o in Office.objects.select_related("region"))
    # Every office has somebody to answer.
    assert not Office.objects.annotate(n=Count("staff")).filter(n=0).exists()


def test_every_role_has_a_printed_login_that_works(seeded, client):
    output = seeded
    assert set(RoleAssignment.objects.values_list("role", flat=True)) == set(Role.values)
    for key, phone in demo.LOGIN_PHONES.items():
        assert phone in output, key
        user = User.objects.get(phone=phone)
        assert user.check_password(demo.DEMO_PASSWORD)
        client.force_login(user)
        assert client.get("/").status_code == 200, key
    assert demo.DEMO_PASSWORD in output and "http://127.0.0.1:" in output
    roles = {
        key: set(RoleAssignment.objects.filter(user__phone=phone).values_list("role", flat=True))
        for key, phone in demo.LOGIN_PHONES.items()
    }
    assert roles["villager"] == roles["villager_away"] == roles["helper"] == set()
    for key in ("grid_worker", "cadre", "party_secretary", "supervisor", "representative", "county_admin"):
        assert roles[key] == {key}
    assert roles["township_staff"] == roles["county_staff"] == {Role.OFFICE_STAFF}
    admin = User.objects.get(phone=demo.LOGIN_PHONES["county_admin"])
    assert admin.is_superuser and admin.is_staff
    assert User.objects.filter(is_superuser=True).count() == 1

    villager = Villager.objects.get(user__phone=demo.LOGIN_PHONES["villager"])
    away = Villager.objects.get(user__phone=demo.LOGIN_PHONES["villager_away"])
    helper = User.objects.get(phone=demo.LOGIN_PHONES["helper"])
    assert villager.household.representative_id == villager.pk
    assert away.living_away and away.away_city and away.household_id == villager.household_id
    assert helper.villager.household_id == villager.household_id
    delegation = Delegation.objects.get(villager=villager, helper=helper)
    assert delegation.relation == Relation.FAMILY and delegation.scopes
    assert delegation.revoked_at is None and delegation.starts_at <= timezone.now() < delegation.ends_at
    assert delegation.region_code == villager.region_code
    # Village roles are held in the printed villager's own village.
    for key in ("grid_worker", "cadre", "party_secretary", "supervisor", "representative"):
        r = RoleAssignment.objects.get(user__phone=demo.LOGIN_PHONES[key])
        assert r.region_id == villager.village_id and r.region_prefix == villager.village.prefix
    assert (
        RoleAssignment.objects.get(user__phone=demo.LOGIN_PHONES["township_staff"]).office.region.level
        == Level.TOWNSHIP
    )


def test_rerun_prints_the_logins_and_adds_nothing(seeded):
    before = (
        Region.objects.count(),
        Villager.objects.count(),
        Household.objects.count(),
        User.objects.count(),
        RoleAssignment.objects.count(),
        Delegation.objects.count(),
    )
    output = seed()
    assert "already built" in output
    assert all(phone in output for phone in demo.LOGIN_PHONES.values())
    assert (
        Region.objects.count(),
        Villager.objects.count(),
        Household.objects.count(),
        User.objects.count(),
        RoleAssignment.objects.count(),
        Delegation.objects.count(),
    ) == before
    # A villager added while people use the demo does not make the rerun refuse.
    VillagerFactory(
        name="新村民", id_number="330523199001010016", village=Region.objects.get(code=demo.MAIN_VILLAGE_CODE)
    )
    assert "already built" in seed()
    # Rerun with another password: it never prints a password that does not open the account.
    output = seed("--password", "another-password")
    assert "another-password" not in output.split("Password", 1)[1].split("Open")[0]
    assert "(changed)" in output


def test_refuses_a_database_with_regions_outside_the_demo_county(db):
    Region.objects.create(code="110105000000", name="朝阳区", level=Level.COUNTY)
    with pytest.raises(CommandError) as exc:
        seed()
    assert exc.value.returncode == 1
    assert "outside the demo county" in str(exc.value) and "Nothing was written" in str(exc.value)
    assert Region.objects.count() == 1 and not Villager.objects.exists() and not User.objects.exists()
    assert not AuditEvent.objects.filter(action=demo.MARKER_ACTION).exists()


def test_refuses_a_database_with_villagers_it_did_not_create(world):
    before = (Region.objects.count(), Villager.objects.count(), User.objects.count())
    with pytest.raises(CommandError) as exc:
        seed()
    assert exc.value.returncode == 1 and "villager" in str(exc.value)
    assert (Region.objects.count(), Villager.objects.count(), User.objects.count()) == before


def test_refuses_when_a_demo_login_number_is_taken(db):
    User.objects.create_user(phone=demo.LOGIN_PHONES["villager"], name="别人", password="x-long-password")
    with pytest.raises(CommandError, match="13800000001"):
        seed()
    assert not Region.objects.exists()


@pytest.mark.argon2  # the accounts are made with the product's own hasher, read back here
def test_the_standard_django_steps_build_the_demo_beside_an_unrelated_account(tmp_path):
    """`manage.py migrate`, `createsuperuser`, then `seed_demo --password`, nothing else, on a new SQLite file
    (the demo's database; on PostgreSQL the same migrations build every test database and `seed_demo` builds
    the demo snapshot, tests/dbcache.py). The cache table the default settings use is made by a migration, not
    by a step only the demo script knew; an account the demo did not make is left alone, and every account the
    demo made opens with the password given. One whole county built for all of it. The new file starts as a copy
    of this run's migrated database when there is one (tests/dbcache.py: made by the same `migrate`, ~18 s of CPU
    spared); `migrate` then runs on it as a deployment's next start would, and must find nothing to do."""
    import os
    import sqlite3
    import subprocess
    import sys
    from pathlib import Path

    from django.contrib.auth.hashers import check_password

    root = Path(__file__).resolve().parents[1]
    database = tmp_path / "new.sqlite3"
    env = {k: v for k, v in os.environ.items() if k not in ("REDIS_URL", "DJANGO_ALLOW_ASYNC_UNSAFE")}
    env.update(
        DATABASE_URL=f"sqlite:///{database}",
        CUNZHI_DATA_DIR=str(tmp_path / "data"),
        DJANGO_SETTINGS_MODULE="cunzhi.settings",
        DJANGO_SUPERUSER_PASSWORD="x-long-password",
    )
    copied = dbcache.migrated_sqlite_copy(database)
    steps = (
        ["migrate", "-v1"],
        ["createsuperuser", "--noinput", "--phone", "13700000000", "--name", "管理员"],
        ["seed_demo", "--password", "village-2025"],
    )
    for args in steps:
        run = subprocess.run(
            [sys.executable, str(root / "manage.py"), *args],
            cwd=root,
            env=env,
            capture_output=True,
            text=True,
            timeout=600,
        )
        assert run.returncode == 0, run.stdout[-2000:] + run.stderr[-3000:]
        if args[0] == "migrate" and copied:
            assert "No migrations to apply." in run.stdout, run.stdout[-2000:]
    assert "13800000001" in run.stdout  # the printed logins
    with sqlite3.connect(database) as db:
        accounts = dict(db.execute("SELECT phone, password FROM people_user"))
        assert db.execute("SELECT count(*) FROM people_villager").fetchone()[0] > 300
    assert check_password("x-long-password", accounts.pop("13700000000"))
    # The demo hashes the password once for all its accounts; check each distinct hash.
    assert len(accounts) >= 11 and all(check_password("village-2025", h) for h in set(accounts.values()))
