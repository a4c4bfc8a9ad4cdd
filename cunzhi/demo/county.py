"""The demo county: a realistic, synthetic 安吉县 (Anji, Zhejiang) for `manage.py seed_demo`.

Three townships, twelve villages with villager groups and grids, about 4,000 villagers in about
1,500 households, township offices and county bureaus, and one account for every role. Everything
is synthetic: names are drawn from common surnames and given-name characters, ID numbers are built
with a valid check character (GB 11643) and never belong to a real person.

The same seed gives the same county, so the printed logins do not change between machines.
Bulk inserts keep the whole build to a few seconds; the fields that `Model.save()` would derive
are filled here by hand (villagers through people.services.villager_derive_fields).

Console output of a management command is for the operator, not a page: it is English and not
marked for translation (role names come from the translated model choices).
"""

from __future__ import annotations

import datetime as dt
import random
import unicodedata
from dataclasses import dataclass, field

from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.utils import timezone

from cunzhi.core.idnumbers import id_number_build
from cunzhi.core.models import AuditEvent
from cunzhi.demo import applications as demo_applications
from cunzhi.demo import concerns as demo_concerns
from cunzhi.demo import consultations as demo_consultations
from cunzhi.demo import disclosure as demo_disclosure
from cunzhi.demo import elections as demo_elections
from cunzhi.demo import insights as demo_insights
from cunzhi.demo import learning as demo_learning
from cunzhi.demo import ledger as demo_ledger
from cunzhi.demo import meetings as demo_meetings
from cunzhi.demo import organisations as demo_organisations
from cunzhi.demo import points as demo_points
from cunzhi.demo.events import DemoEvent
from cunzhi.people.models import (
    Delegation,
    DelegationScope,
    Grid,
    Household,
    Office,
    OfficeKind,
    Relation,
    Role,
    RoleAssignment,
    User,
    Villager,
)
from cunzhi.people.services import villager_derive_fields
from cunzhi.regions.models import Level, Region, region_prefix

DEMO_PASSWORD = "cunzhi-demo"  # noqa: S105
BASE_SUMMARY_KEYS = {
    "townships",
    "villages",
    "groups",
    "grids",
    "offices",
    "households",
    "villagers",
    "living_away",
    "accounts",
    "logins",
}
MARKER_ACTION = DemoEvent.DEMO_SEED
SEED = 20240523

COUNTY_CODE = "330523000000"
COUNTY_NAME = "安吉县"
COUNTY_PREFIX = "330523"

# Real township and village names of Anji; codes follow the statistical format (township
# 3305231xx000, village committees 3305231xx2yy, groups village code + 3 digits).
TOWNSHIPS = [
    ("330523100000", "天荒坪镇", ["余村", "大溪村", "横路村", "港口村"]),
    ("330523101000", "溪龙乡", ["黄杜村", "溪龙村", "徐村湾村", "白茶村"]),
    ("330523102000", "山川乡", ["山川村", "大里村", "高家堂村", "马家弄村"]),
]
MAIN_VILLAGE_CODE = "330523100201"  # 余村: the village the printed villager logins live in
# Households per village: 1,500 in all, between 90 and 170 a village.
HOUSEHOLDS_PER_VILLAGE = [168, 131, 117, 104, 142, 126, 109, 97, 151, 120, 138, 97]

TOWNSHIP_OFFICES = [
    ("民政办", "Civil affairs office", OfficeKind.CIVIL_AFFAIRS),
    ("社保所", "Social security office", OfficeKind.SOCIAL_SECURITY),
    ("自然资源所", "Natural resources office", OfficeKind.NATURAL_RESOURCES),
    ("便民服务中心", "Public service centre", OfficeKind.SERVICE_CENTRE),
]
COUNTY_OFFICES = [
    ("民政局", "Civil Affairs Bureau", OfficeKind.CIVIL_AFFAIRS),
    ("自然资源和规划局", "Natural Resources and Planning Bureau", OfficeKind.NATURAL_RESOURCES),
    ("人力资源和社会保障局", "Human Resources and Social Security Bureau", OfficeKind.SOCIAL_SECURITY),
    ("医疗保障局", "Healthcare Security Bureau", OfficeKind.HEALTH),
    ("残疾人联合会", "Disabled Persons' Federation", OfficeKind.DISABLED),
]

SURNAMES = (
    "陈王张李刘杨吴朱徐沈潘胡钱汪周俞程蒋姚施郑金黄赵孙许何叶方邱章夏丁董宋"
    "陈王张李吴朱徐沈潘胡钱汪俞程"
)  # the second run weights the surnames common in Anji
GIVEN = {
    # (sex, era): characters; era 0 born before 1960, 1 before 1990, 2 after
    ("M", 0): "根福林金水富生德兴昌祥春荣发土松宝才",
    ("M", 1): "建国明华军伟强平海东峰斌勇志文荣新卫红忠立",
    ("M", 2): "杰涛磊浩宇子俊轩博睿泽晨航一鑫凯宸哲",
    ("F", 0): "秀英兰凤珍桂梅菊花玉娥彩云金仙月琴",
    ("F", 1): "芳丽萍玲娟红霞燕琴敏华美静艳慧青芬",
    ("F", 2): "婷静雪佳怡欣雨萱涵悦诗琪梦瑶思彤可",
}
# Where villagers who work away live (weighted: Hangzhou and Shanghai first).
CITIES = ["杭州"] * 6 + ["上海"] * 5 + ["湖州"] * 3 + ["宁波"] * 2 + ["苏州"] * 2 + ["深圳", "南京", "广州", "义乌"]
# Spouses married in from elsewhere carry another address code; 342522 (广德县) no longer exists,
# which ID validation must accept (domain.md).
OTHER_AREAS = ["330522", "330521", "330502", "330110", "342522", "341821"]
PHONE_PREFIXES = [
    "130",
    "131",
    "132",
    "133",
    "135",
    "136",
    "137",
    "139",
    "150",
    "151",
    "152",
    "153",
    "155",
    "156",
    "157",
    "158",
    "159",
    "173",
    "177",
    "180",
    "181",
    "182",
    "183",
    "186",
    "187",
    "188",
    "189",
    "191",
    "199",
]  # never 138: the demo logins use 138xxxxxxxx
CHINESE_NUMERALS = "一二三四五六七八九十"

# Printed logins: key, phone, role label source, what the account shows.
LOGIN_PHONES = {
    "villager": "13800000001",
    "villager_away": "13800000002",
    "helper": "13800000003",
    "grid_worker": "13800000004",
    "cadre": "13800000005",
    "party_secretary": "13800000006",
    "supervisor": "13800000007",
    "representative": "13800000008",
    "township_staff": "13800000009",
    "county_staff": "13800000010",
    "county_admin": "13800000011",
}
LOGIN_LABELS = {  # English labels, for the console table
    "villager": "Villager (household representative)",
    "villager_away": "Villager living away (Hangzhou)",
    "helper": "Helper (family, with a delegation)",
    "grid_worker": "Grid worker",
    "cadre": "Village cadre",
    "party_secretary": "Village Party secretary",
    "supervisor": "Supervision committee member",
    "representative": "Villager representative",
    "township_staff": "Township office staff",
    "county_staff": "County office staff",
    "county_admin": "County administrator (+ /admin/)",
}


class DemoRefused(Exception):
    """The database holds data the demo did not create; nothing was written."""


@dataclass
class Person:
    name: str
    sex: str
    birth: dt.date
    area: str = COUNTY_PREFIX
    phone: str = ""
    living_away: bool = False
    away_city: str = ""
    account: str = ""  # login phone when the person has an account
    is_superuser: bool = False
    fixed: bool = False  # the printed household: no random phone or city
    obj: Villager | None = None


@dataclass
class HouseholdPlan:
    village_idx: int
    group_idx: int
    number: str
    address: str
    members: list[Person] = field(default_factory=list)
    obj: Household | None = None


def _cn(n: int) -> str:
    """1..99 in Chinese numerals, for group and grid names (第三村民小组)."""
    if n <= 10:
        return CHINESE_NUMERALS[n - 1]
    tens, ones = divmod(n, 10)
    return (CHINESE_NUMERALS[tens - 1] if tens > 1 else "") + "十" + (CHINESE_NUMERALS[ones - 1] if ones else "")


class _Builder:
    def __init__(self, *, seed: int, today: dt.date):
        self.rng = random.Random(seed)
        self.today = today
        self.used_ids: set[str] = set()
        # (k, n): draw only ID-number sequences that are k modulo n, so that n generators writing into one
        # database at once (seed_scale --part) never draw the same number.
        self.id_part = (0, 1)

    # --- people -----------------------------------------------------------------------------
    def birth(self, age: int) -> dt.date:
        age = max(0, min(age, 95))
        return self.today - dt.timedelta(days=max(1, int((age + self.rng.random()) * 365.25) - 1))

    def age(self, birth: dt.date) -> int:
        t = self.today
        return t.year - birth.year - ((t.month, t.day) < (birth.month, birth.day))

    def given(self, sex: str, birth: dt.date) -> str:
        era = 0 if birth.year < 1960 else 1 if birth.year < 1990 else 2
        chars = GIVEN[(sex, era)]
        if self.rng.random() < 0.3:
            return self.rng.choice(chars)
        return self.rng.choice(chars) + self.rng.choice(chars)

    def person(self, *, surname: str | None, sex: str, age: int, married_in: bool = False) -> Person:
        birth = self.birth(age)
        surname = surname or self.rng.choice(SURNAMES)
        area = self.rng.choice(OTHER_AREAS) if married_in and self.rng.random() < 0.45 else COUNTY_PREFIX
        return Person(name=surname + self.given(sex, birth), sex=sex, birth=birth, area=area)

    def id_number(self, p: Person) -> str:
        while True:
            k, n = self.id_part
            seq = (self.rng.randrange(0, 500 // n) * n + k) * 2 + (1 if p.sex == "M" else 0)
            number = id_number_build(p.area, p.birth, seq)
            if number not in self.used_ids:
                self.used_ids.add(number)
                return number

    def phone(self) -> str:
        return self.rng.choice(PHONE_PREFIXES) + f"{self.rng.randrange(10**8):08d}"

    def household_members(self, size: int) -> list[Person]:
        """A plausible family of `size` (1-6); the head (representative) comes first."""
        rng = self.rng
        sur = rng.choice(SURNAMES)
        head_sex = "M" if rng.random() < 0.85 else "F"
        other = "F" if head_sex == "M" else "M"
        if size == 1:
            age = rng.randint(66, 95) if rng.random() < 0.7 else rng.randint(24, 64)
            return [self.person(surname=sur, sex=head_sex if age < 66 else rng.choice("MF"), age=age)]
        elder_couple = size == 2 and rng.random() < 0.6
        if elder_couple:
            head_age = rng.randint(58, 90)
        elif size >= 6:
            head_age = rng.randint(55, 72)
        elif size == 4 and rng.random() < 0.4:
            head_age = rng.randint(52, 68)
        else:
            head_age = rng.randint(28, 55)
        members = [
            self.person(surname=sur, sex=head_sex, age=head_age),
            self.person(surname=None, sex=other, age=head_age + rng.randint(-5, 3), married_in=True),
        ]
        if size == 2:
            return members
        if head_age >= 50 and size in (4, 6):
            # Three generations living together: an adult son, his wife, and grandchildren.
            son_age = head_age - rng.randint(23, 30)
            members.append(self.person(surname=sur, sex="M", age=son_age))
            members.append(self.person(surname=None, sex="F", age=son_age + rng.randint(-4, 2), married_in=True))
            for _ in range(size - 4):
                members.append(
                    self.person(surname=sur, sex=rng.choice("MF"), age=max(0, son_age - rng.randint(22, 32)))
                )
            return members
        children = size - 2 - (1 if size >= 5 else 0)
        for _ in range(children):
            members.append(self.person(surname=sur, sex=rng.choice("MF"), age=max(0, head_age - rng.randint(22, 34))))
        if size >= 5:  # a widowed parent of the head
            members.append(self.person(surname=sur, sex=rng.choice("MF"), age=min(95, head_age + rng.randint(23, 32))))
        return members

    def finish_person(self, p: Person) -> None:
        """Phones for most adults; about a quarter of working-age adults work in a city."""
        age = self.age(p.birth)
        if p.account:
            p.phone = p.account
        if p.fixed:
            return
        elif age >= 18 and self.rng.random() < (0.93 if age < 75 else 0.6):
            p.phone = self.phone()
        if not p.account and 18 <= age < 60 and self.rng.random() < 0.25:
            p.living_away, p.away_city = True, self.rng.choice(CITIES)


def _main_household(b: _Builder) -> list[Person]:
    """The household of the printed villager logins in 余村: parents, son (the helper), daughter away, grandson."""
    return [
        Person("陈国强", "M", b.birth(58), account=LOGIN_PHONES["villager"], fixed=True),
        Person("沈月芬", "F", b.birth(56), area="330522", phone="13957211826", fixed=True),
        Person("陈浩", "M", b.birth(32), account=LOGIN_PHONES["helper"], fixed=True),
        Person(
            "陈晓燕",
            "F",
            b.birth(28),
            account=LOGIN_PHONES["villager_away"],
            living_away=True,
            away_city="杭州",
            fixed=True,
        ),
        Person("陈子涵", "M", b.birth(5), fixed=True),
    ]


def demo_exists() -> AuditEvent | None:
    """The marker row written by a completed demo build, or None."""
    return AuditEvent.objects.filter(action=MARKER_ACTION).order_by("-id").first()


def foreign_data_summary() -> list[str]:
    """What in this database the demo did not create (empty when it is safe to build the demo)."""
    problems = []
    outside = Region.objects.exclude(code__startswith=COUNTY_PREFIX).count()
    if outside:
        problems.append(f"{outside} region(s) outside the demo county {COUNTY_NAME} ({COUNTY_CODE})")
    inside = Region.objects.filter(code__startswith=COUNTY_PREFIX).count()
    if inside:
        problems.append(f"{inside} region(s) of {COUNTY_NAME} not built by the demo")
    for model, label in ((Villager, "villager(s)"), (Household, "household(s)"), (Office, "office(s)")):
        n = model.objects.count()
        if n:
            problems.append(f"{n} {label}")
    taken = list(User.objects.filter(phone__in=LOGIN_PHONES.values()).values_list("phone", flat=True))
    if taken:
        problems.append("accounts already using the demo login numbers: " + ", ".join(sorted(taken)))
    return problems


def build_demo(*, password: str = DEMO_PASSWORD, seed: int = SEED, today: dt.date | None = None) -> dict:
    """Build the demo county in one transaction; refuse (DemoRefused) if the database holds other data."""
    with transaction.atomic():
        if demo_exists():
            raise DemoRefused("the demo county is already built")
        problems = foreign_data_summary()
        if problems:
            raise DemoRefused("; ".join(problems))
        return _build(password=password, seed=seed, today=today or timezone.localdate())


def _build(*, password: str, seed: int, today: dt.date) -> dict:
    b = _Builder(seed=seed, today=today)
    rng = b.rng

    # --- regions, level by level (bulk_create skips save(), so the prefix is set here) --------
    def region(code, name, level, parent):
        return Region(code=code, name=name, level=level, parent=parent, prefix=region_prefix(code, level))

    county = Region.objects.bulk_create([region(COUNTY_CODE, COUNTY_NAME, Level.COUNTY, None)])[0]
    townships = Region.objects.bulk_create([region(code, name, Level.TOWNSHIP, county) for code, name, _v in TOWNSHIPS])
    village_rows = []
    for t, (code, _name, villages) in zip(townships, TOWNSHIPS):
        for j, vname in enumerate(villages):
            village_rows.append(region(f"{code[:9]}{201 + j:03d}", vname, Level.VILLAGE, t))
    villages = Region.objects.bulk_create(village_rows)
    group_rows, groups_of = [], []
    for v in villages:
        n = rng.randint(4, 8) if v.code != MAIN_VILLAGE_CODE else 6
        rows = [region(f"{v.code}{k:03d}", f"第{_cn(k)}村民小组", Level.GROUP, v) for k in range(1, n + 1)]
        groups_of.append(rows)
        group_rows.extend(rows)
    Region.objects.bulk_create(group_rows)

    # --- grids: 1-3 per village, each covering a run of groups ---------------------------------
    grid_rows, grids_of, grid_of_group = [], [], {}
    for vi, v in enumerate(villages):
        n = 3 if v.code == MAIN_VILLAGE_CODE else rng.randint(1, 3)
        rows = [Grid(village=v, region_code=v.code, name=f"第{_cn(k)}网格") for k in range(1, n + 1)]
        grids_of.append(rows)
        grid_rows.extend(rows)
        for gi, g in enumerate(groups_of[vi]):
            grid_of_group[g.code] = rows[gi * n // len(groups_of[vi])]
    Grid.objects.bulk_create(grid_rows)

    # --- offices ---------------------------------------------------------------------------------
    office_rows = []
    for t in townships:
        for k, (suffix, en, kind) in enumerate(TOWNSHIP_OFFICES):
            office_rows.append(
                Office(
                    name=t.name + suffix,
                    name_en=en,
                    kind=kind,
                    region=t,
                    region_code=t.code,
                    phone=f"0572-5{t.code[7:9]}{k:01d}{rng.randrange(1000):03d}",
                )
            )
    for k, (suffix, en, kind) in enumerate(COUNTY_OFFICES):
        office_rows.append(
            Office(
                name=COUNTY_NAME + suffix,
                name_en=f"Anji County {en}",
                kind=kind,
                region=county,
                region_code=county.code,
                phone=f"0572-51{k:01d}{rng.randrange(10000):04d}",
            )
        )
    offices = Office.objects.bulk_create(office_rows)

    # --- households and their members (planned in memory first) ---------------------------------
    sizes, weights = [1, 2, 3, 4, 5, 6], [22, 32, 20, 14, 8, 4]
    plans: list[HouseholdPlan] = []
    for vi, v in enumerate(villages):
        groups = groups_of[vi]
        count = HOUSEHOLDS_PER_VILLAGE[vi]
        for h in range(count):
            gi = h * len(groups) // count
            k = h - (gi * count + len(groups) - 1) // len(groups) + 1
            plan = HouseholdPlan(
                vi, gi, number=f"{gi + 1:02d}{k:03d}", address=f"{v.parent.name}{v.name}{gi + 1}组{k}号"
            )
            if v.code == MAIN_VILLAGE_CODE and h == 0:
                plan.members = _main_household(b)
            else:
                plan.members = b.household_members(rng.choices(sizes, weights)[0])
            plans.append(plan)

    # --- accounts: the printed logins, then one per grid and per village committee post ---------
    extra_phone = iter(f"138100{n:05d}" for n in range(1, 100000))
    people_roles: list[tuple[Person, str, int, Office | None]] = []  # (person, role, village index/-1, office)

    def candidates(vi, low, high, taken):
        for plan in plans:
            if plan.village_idx != vi:
                continue
            for p in plan.members:
                age = b.age(p.birth)
                if low <= age <= high and not p.account and not p.fixed and not p.living_away and id(p) not in taken:
                    yield plan, p

    taken: set[int] = set()

    def pick(vi, low, high, phone, group_idx=None):
        found = [p for plan, p in candidates(vi, low, high, taken) if group_idx in (None, plan.group_idx)]
        if not found and group_idx is not None:  # a small group without a fitting adult: anyone in the village
            found = [p for _plan, p in candidates(vi, low, high, taken)]
        if not found:
            raise RuntimeError("no villager fits a demo role")  # does not happen with ~330 villagers a village
        p = found[0]
        taken.add(id(p))
        p.account = phone
        return p

    grid_workers: dict[int, Person] = {}
    for vi, v in enumerate(villages):
        main = v.code == MAIN_VILLAGE_CODE
        for gi, grid in enumerate(grids_of[vi]):
            first_group = next(i for i, g in enumerate(groups_of[vi]) if grid_of_group[g.code] is grid)
            phone = LOGIN_PHONES["grid_worker"] if main and gi == 0 else next(extra_phone)
            grid_workers[id(grid)] = pick(vi, 28, 55, phone, group_idx=first_group)
        posts = [
            ("party_secretary", Role.PARTY_SECRETARY, 42, 60),
            ("cadre", Role.CADRE, 30, 58),
            ("supervisor", Role.SUPERVISOR, 40, 66),
            ("representative", Role.REPRESENTATIVE, 35, 70),
        ]
        for key, role, low, high in posts:
            if key == "representative" and not main:
                continue  # one representative login is enough; rosters of representatives are village work
            p = pick(vi, low, high, LOGIN_PHONES[key] if main else next(extra_phone))
            people_roles.append((p, role, vi, None))
    for grid_obj in grid_rows:
        people_roles.append((grid_workers[id(grid_obj)], Role.GRID_WORKER, villages.index(grid_obj.village), None))

    # Office staff live outside the village rosters: accounts without a villager record.
    staff: list[tuple[Person, Office]] = []
    for o in offices:
        township_civil = (
            o.region.level == Level.TOWNSHIP and o.region.code == TOWNSHIPS[0][0] and o.kind == OfficeKind.CIVIL_AFFAIRS
        )
        county_civil = o.region.level == Level.COUNTY and o.kind == OfficeKind.CIVIL_AFFAIRS
        phone = (
            LOGIN_PHONES["township_staff"]
            if township_civil
            else LOGIN_PHONES["county_staff"]
            if county_civil
            else next(extra_phone)
        )
        sex, birth = rng.choice("MF"), b.birth(rng.randint(25, 50))
        staff.append((Person(rng.choice(SURNAMES) + b.given(sex, birth), sex, birth, account=phone), o))
    admin = Person("孙立新", "M", b.birth(45), account=LOGIN_PHONES["county_admin"], is_superuser=True)

    # --- users ---------------------------------------------------------------------------------
    # One hash for every demo account: hashing ~60 passwords with Argon2 would take seconds.
    hashed = make_password(password)
    account_people = [p for plan in plans for p in plan.members if p.account] + [p for p, _o in staff] + [admin]
    users = User.objects.bulk_create(
        [
            User(
                phone=p.account,
                name=p.name,
                password=hashed,
                language="zh-hans",
                is_staff=p.is_superuser,
                is_superuser=p.is_superuser,
            )
            for p in account_people
        ]
    )
    user_of = {p.account: u for p, u in zip(account_people, users)}

    # --- villagers -------------------------------------------------------------------------------
    household_objs = Household.objects.bulk_create(
        [
            Household(
                village=villages[plan.village_idx],
                group=groups_of[plan.village_idx][plan.group_idx],
                region_code=villages[plan.village_idx].code,
                number=plan.number,
                address=plan.address,
            )
            for plan in plans
        ],
        batch_size=1000,
    )
    villager_objs = []
    for plan, hh in zip(plans, household_objs):
        plan.obj = hh
        village = villages[plan.village_idx]
        group = groups_of[plan.village_idx][plan.group_idx]
        for p in plan.members:
            b.finish_person(p)
            v = Villager(
                name=p.name,
                id_number=b.id_number(p),
                phone=p.phone,
                village=village,
                group=group,
                grid=grid_of_group[group.code],
                household=hh,
                living_away=p.living_away,
                away_city=p.away_city,
                user=user_of.get(p.account) if p.account else None,
            )
            villager_derive_fields(v)
            p.obj = v
            villager_objs.append(v)
    Villager.objects.bulk_create(villager_objs, batch_size=1000)
    for plan in plans:
        plan.obj.representative = plan.members[0].obj
    Household.objects.bulk_update(household_objs, ["representative"], batch_size=1000)
    for g in grid_rows:
        g.worker = user_of[grid_workers[id(g)].account]
    Grid.objects.bulk_update(grid_rows, ["worker"])

    # --- roles -----------------------------------------------------------------------------------
    roles = [
        RoleAssignment(user=user_of[p.account], role=role, region=villages[vi], region_prefix=villages[vi].prefix)
        for p, role, vi, _o in people_roles
    ]
    roles += [
        RoleAssignment(
            user=user_of[p.account],
            role=Role.OFFICE_STAFF,
            region=o.region,
            region_prefix=o.region.prefix,
            office=o,
            title="工作人员",
        )
        for p, o in staff
    ]
    roles.append(
        RoleAssignment(
            user=user_of[admin.account],
            role=Role.COUNTY_ADMIN,
            region=county,
            region_prefix=county.prefix,
            title="系统管理员",
        )
    )
    RoleAssignment.objects.bulk_create(roles)

    # --- the helper's delegation from the villager (a family member, for a year) ----------------
    main_villager = user_of[LOGIN_PHONES["villager"]].villager
    now = timezone.now()
    Delegation.objects.create(
        villager=main_villager,
        helper=user_of[LOGIN_PHONES["helper"]],
        relation=Relation.FAMILY,
        scopes=[
            DelegationScope.CONCERNS,
            DelegationScope.APPLICATIONS,
            DelegationScope.MEETINGS,
            DelegationScope.NOTICES,
        ],
        starts_at=now,
        ends_at=now + dt.timedelta(days=365),
    )

    summary = {
        "townships": len(townships),
        "villages": len(villages),
        "groups": len(group_rows),
        "grids": len(grid_rows),
        "offices": len(offices),
        "households": len(household_objs),
        "villagers": len(villager_objs),
        "living_away": sum(1 for v in villager_objs if v.living_away),
        "accounts": len(users),
        "logins": LOGIN_PHONES,
    }
    summary.update(_seed_domains(rng=rng, today=today, logins={k: user_of[v] for k, v in LOGIN_PHONES.items()}))
    AuditEvent.objects.create(
        action=MARKER_ACTION,
        object_type="regions.region",
        object_id=str(county.pk),
        region_code=county.code,
        after=summary,
    )
    return summary


# The domains' demo data, one module each beside this one, in the order of INSTALLED_APPS (the order
# the random generator is drawn in: the same seed must keep giving the same county).
DOMAIN_SEEDS = (
    demo_concerns,
    demo_applications,
    demo_meetings,
    demo_disclosure,
    demo_ledger,
    demo_consultations,
    demo_points,
    demo_learning,
    demo_organisations,  # after points: its clean-up proposes points under 余村's rule
    demo_elections,
    demo_insights,  # last: the roll-ups of what the others wrote
)


def _seed_domains(*, rng: random.Random, today: dt.date, logins: dict) -> dict:
    """Each domain's module here has `seed(*, rng, today, logins) -> dict` that adds its own demo data
    (concerns, applications, meetings...) through its services, inside the same transaction.
    `logins` maps the LOGIN_PHONES keys to their accounts; the returned counts join the summary."""
    out = {}
    for module in DOMAIN_SEEDS:
        out.update(module.seed(rng=rng, today=today, logins=logins) or {})
    return out


def login_rows(password: str) -> list[dict]:
    """One row per printed login, with the password shown only while it still opens the account."""
    users = {u.phone: u for u in User.objects.filter(phone__in=LOGIN_PHONES.values())}
    where: dict[int, str] = {}
    for v in Villager.objects.filter(user__in=users.values()).select_related("village__parent"):
        where[v.user_id] = f"{v.village.parent.name} {v.village.name}"
    for r in RoleAssignment.objects.filter(user__in=users.values(), office__isnull=False).select_related("office"):
        where[r.user_id] = r.office.name
    for r in RoleAssignment.objects.filter(user__in=users.values(), role=Role.COUNTY_ADMIN).select_related("region"):
        where[r.user_id] = r.region.name
    rows = []
    for key, phone in LOGIN_PHONES.items():
        user = users.get(phone)
        if user is None:
            continue
        rows.append(
            {
                "key": key,
                "role": LOGIN_LABELS[key],
                "name": user.name,
                "where": where.get(user.pk, ""),
                "phone": phone,
                "password": password if user.check_password(password) else "(changed)",
            }
        )
    return rows


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def format_table(rows: list[dict], columns: list[tuple[str, str]]) -> str:
    """A plain-text table that stays aligned with Chinese names (wide characters count double)."""
    widths = [max(_width(title), *(_width(str(r[key])) for r in rows)) for key, title in columns]

    def line(values):
        return "  ".join(v + " " * (w - _width(v)) for v, w in zip(values, widths)).rstrip()

    out = [line([title for _k, title in columns]), line(["-" * w for w in widths])]
    out += [line([str(r[key]) for key, _t in columns]) for r in rows]
    return "\n".join(out)
