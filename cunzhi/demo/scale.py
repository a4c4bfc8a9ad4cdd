"""A county at scale for `manage.py seed_scale`: hundreds of villages with years of activity, fast.

The demo county (seed_demo, built first when the database is empty) gives the catalogues, the printed
logins and 12 villages made through the services. On top of it this adds `villages` more villages in
new townships of the same county, `villagers` villagers among them, and `years` years of what villages
really do, in the proportions of a real village (domain.md: ~1,000 residents, ~390 households):

    per village and year (defaults, see RATES): 40 concerns, 60 service applications, one villagers'
    meeting of every adult and 4 representatives' meetings (members, attendance, 2 motions each with
    ballots), 12 disclosure posts, ~100 ledger entries, one consultation (paragraphs, comments,
    stances), 6 notices to every account holder (inbox deliveries), one points entry a household,
    2 organisations with 3 activities each.

It writes rows with bulk_create (batches of BATCH), a transaction per few villages, never through the
services one by one: that would take days for 500,000 villagers. The rows are what the services
would have written: ID numbers valid (GB 11643 check character), encrypted and blind-indexed
(people.services.villager_derive_fields), the ledger's hash chain computed by ledger.chain exactly
as ledger.services appends (so chain_verify passes), timestamps in the past as they would have been
(auto_now fields are switched off while building, see _past_timestamps). Audit events per state
change are not written (their volume would dominate; the demo villages have them).

Memory stays bounded: one batch of villages is planned, written and dropped at a time; only the set of
ID numbers used (for uniqueness) grows with the county (~100 bytes per villager).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from django.apps import apps
from django.contrib.auth.hashers import make_password
from django.core.management.color import no_style
from django.db import connections, models, transaction
from django.utils import timezone

from cunzhi.applications.models import Application, ApplicationStep, ServiceItem, Stage, StepState
from cunzhi.applications.models import Status as AppStatus
from cunzhi.concerns.models import Answer, Category, Clock, Concern, Kind
from cunzhi.concerns.models import Level as ConcernLevel
from cunzhi.concerns.models import Status as ConcernStatus
from cunzhi.consultations.models import Comment, Draft, DraftKind, Paragraph, Stance, StanceKind
from cunzhi.consultations.models import Status as DraftStatus
from cunzhi.core.idnumbers import mask_name
from cunzhi.demo import county as demo
from cunzhi.demo.concerns import CATEGORIES as CONCERN_CATEGORIES
from cunzhi.disclosure.models import Category as PostCategory
from cunzhi.disclosure.models import Post, PostStatus
from cunzhi.ledger import chain as chainlib
from cunzhi.ledger.models import Chain, Direction, FinanceCategory
from cunzhi.ledger.models import Entry as LedgerEntry
from cunzhi.meetings.models import (
    Attendance,
    AttendanceMode,
    Ballot,
    Body,
    CheckInMethod,
    Choice,
    Meeting,
    MeetingMember,
    MeetingStatus,
    Motion,
    MotionStatus,
    QuorumMode,
)
from cunzhi.notify.models import Channel, Delivery, DeliveryStatus, Notice
from cunzhi.organisations.models import (
    Activity,
    ActivityStatus,
    Membership,
    Organisation,
    OrgKind,
    Participant,
    SignUpVia,
)
from cunzhi.people.models import Grid, Household, Office, Role, RoleAssignment, User, Villager
from cunzhi.people.services import villager_derive_fields
from cunzhi.points.models import Adoption as PointsAdoption
from cunzhi.points.models import Entry as PointsEntry
from cunzhi.points.models import EntryKind, EntryStatus, Item, VillageRule
from cunzhi.regions.models import Level, Region, region_prefix

BATCH = 2000
VILLAGES_PER_TOWNSHIP = 15  # a township of Zhejiang has 10-20 village committees
VILLAGES_PER_TRANSACTION = 5
ACCOUNT_SHARE = 0.3  # adults with a phone who log in (households' younger members mostly)
REPRESENTATIVES = 30  # one per 10-15 households (Organic Law art. 25)
# Activity per village and year.
RATES = {
    "concerns": 40,
    "applications": 60,
    "villagers_meetings": 1,
    "representatives_meetings": 4,
    "motions": 2,
    "posts": 12,
    "ledger_entries": 100,
    "notices": 6,
    "organisations": 2,
    "activities": 3,
}
# Township names are made of two characters from these (all synthetic).
PLACE_A = "梅竹桃杏松柏青白石龙凤金银山溪云枫兰"
PLACE_B = "溪山岭坞湾塘桥川源口"
VOTES = [Choice.YES] * 8 + [Choice.NO, Choice.ABSTAIN]
ACCOUNT_PHONE_PREFIX = "147"  # not drawn by the demo (its phones never start 147): unique accounts
PART_IDS = 10**10  # the ids of rows numbered here, per part (--part k/n); the keys are 64-bit


@dataclass
class Village:
    """One village being built: its rows, kept until its batch is written."""

    region: Region
    township: Region
    offices: dict[str, Office]
    groups: list[Region] = field(default_factory=list)
    households: list[Household] = field(default_factory=list)
    villagers: list[Villager] = field(default_factory=list)
    cadre: User | None = None
    supervisor: User | None = None
    representatives: list[Villager] = field(default_factory=list)
    grids: list[Grid] = field(default_factory=list)
    adoptions: list[PointsAdoption] = field(default_factory=list)


def _keeping(f: models.DateField) -> Callable[[models.Model, bool], object]:
    stamp = type(f).pre_save.__get__(f)

    def pre_save(obj: models.Model, add: bool) -> object:
        value = getattr(obj, f.attname)
        return value if value is not None else stamp(obj, add)

    return pre_save


@contextlib.contextmanager
def _past_timestamps() -> Iterator[None]:
    """Let bulk_create keep the created_at/updated_at the generator sets (history spread over years):
    auto_now and auto_now_add would stamp every row with the moment of the build. A field left empty
    is stamped as usual."""
    patched = []
    for model in apps.get_models():
        if not model.__module__.startswith("cunzhi."):
            continue
        for f in model._meta.concrete_fields:
            if isinstance(f, models.DateField) and (f.auto_now or f.auto_now_add):
                f.pre_save = _keeping(f)
                patched.append(f)
    try:
        yield
    finally:
        for f in patched:
            del f.pre_save


_PLAIN = {
    models.CharField,
    models.TextField,
    models.SlugField,
    models.IntegerField,
    models.SmallIntegerField,
    models.BigIntegerField,
    models.PositiveIntegerField,
    models.PositiveSmallIntegerField,
    models.PositiveBigIntegerField,
    models.BooleanField,
    models.ForeignKey,
    models.OneToOneField,
}


class _Table:
    """Rows of one model written with executemany (SQLite) or COPY (PostgreSQL) from plain dicts: no model
    instances, no per-row query compilation (bulk_create spends most of its CPU there). Each value goes through
    the field's own get_db_prep_save (so encrypted fields encrypt, datetimes are stored as Django stores them),
    and a column the dict leaves out gets the field's default, as Model() would give it. `ids=True` numbers the
    rows here (after the table's largest id), for the rows that others point to; the sequence is moved past
    them at the end (PostgreSQL)."""

    def __init__(self, model: type[models.Model], part: tuple[int, int] = (0, 1)):
        self.model = model
        self.part = part
        self.pk = model._meta.pk
        self.fields = [f for f in model._meta.concrete_fields if f is not self.pk]
        self.next_id: int | None = None

    def ids(self, n: int) -> range:
        if self.next_id is None:
            # Generators running side by side (--part k/n) number their rows in ranges of their own.
            low = self.part[0] * PART_IDS
            mine = {f"{self.pk.attname}__gte": low, f"{self.pk.attname}__lt": low + PART_IDS}
            top = self.model._default_manager.filter(**mine).aggregate(m=models.Max(self.pk.attname))["m"]
            self.next_id = (top or low) + 1
        out = range(self.next_id, self.next_id + n)
        self.next_id += n
        return out

    def insert(self, rows: list[dict]) -> None:
        if not rows:
            return
        with_pk = self.pk.attname in rows[0]
        fields = ([self.pk] if with_pk else []) + self.fields
        conn = connections[self.model._default_manager.db]
        now = timezone.now()
        prepped = []
        # get_db_prep_save is the identity for these exact types (not for subclasses such as the
        # encrypted text field): skip the call for them.
        plain = {f.attname: type(f) in _PLAIN for f in fields}
        defaults = {f.attname: f.get_default() for f in fields if not callable(f.default) and f.has_default()}
        for row in rows:
            values = []
            for f in fields:
                name = f.attname
                if name in row:
                    v = row[name]
                elif getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False):
                    v = now
                elif name in defaults:
                    v = defaults[name]
                else:
                    v = f.get_default()
                values.append(v if plain[name] else f.get_db_prep_save(v, conn))
            prepped.append(values)
        table = conn.ops.quote_name(self.model._meta.db_table)
        columns = ", ".join(conn.ops.quote_name(f.column) for f in fields)
        with conn.cursor() as cursor:
            if conn.vendor == "postgresql":
                # COPY: PostgreSQL parses and plans no statement per row (the server's CPU halved the
                # build's speed with INSERTs). psycopg turns each value into COPY's text as it would bind it.
                with cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                    for values in prepped:
                        copy.write_row(values)
                return
            # Names from the model's own metadata, quoted; the values are parameters.
            sql = f"INSERT INTO {table} ({columns}) VALUES ({', '.join(['%s'] * len(fields))})"  # noqa: S608
            for i in range(0, len(prepped), BATCH):
                cursor.executemany(sql, prepped[i : i + BATCH])

    def reset_sequence(self) -> None:
        conn = connections[self.model._default_manager.db]
        sql = conn.ops.sequence_reset_sql(no_style(), [self.model])
        if sql:
            with conn.cursor() as cursor:
                for statement in sql:
                    cursor.execute(statement)


def _stamp(obj: models.Model, when: dt.datetime) -> models.Model:
    for name in ("created_at", "updated_at"):
        if hasattr(obj, name):
            setattr(obj, name, when)
    return obj


class _Scale:
    def __init__(
        self, *, seed: int, today: dt.date, years: int, progress: Callable[[str], None], part: tuple[int, int]
    ):
        # Part k of n: what must be unique (township codes, account phones, ID and case numbers, numbered
        # rows) is drawn from the k-th share only, so n generators can fill one PostgreSQL database at once.
        self.part = part
        self.b = demo._Builder(seed=seed + part[0], today=today)
        self.b.id_part = part
        self.rng = self.b.rng
        self.today = today
        self.now = timezone.now()
        self.start = self.now - dt.timedelta(days=365 * years)
        self.years = years
        self.progress = progress
        self.hashed = make_password(demo.DEMO_PASSWORD)
        low, high = (ACCOUNT_PHONE_PREFIX + f"{i * 10**8 // part[1]:08d}" for i in (part[0], part[0] + 1))
        mine = User.objects.filter(phone__gte=low, phone__lt=high if part[0] + 1 < part[1] else "148")
        self.phone_seq = part[0] * 10**8 // part[1] + mine.count()
        # The demo's ID numbers are encrypted; their blind indexes tell which numbers are taken.
        self.taken_hashes = set(Villager.objects.values_list("id_hash", flat=True))
        self.counts: dict[str, int] = {}
        self.items_of: dict[int, list[Item]] = {}  # points items by township
        self.tables: dict[type[models.Model], _Table] = {}
        self.seconds: dict[str, float] = {}  # time per step, for the report
        self.numbers: set[str] = set(Concern.objects.values_list("number", flat=True))
        self.numbers |= set(Application.objects.values_list("number", flat=True))
        self.county = Region.objects.get(code=demo.COUNTY_CODE)
        self.categories = list(Category.objects.filter(active=True).order_by("position"))
        self.items = list(ServiceItem.objects.filter(published=True).prefetch_related("steps"))
        self.county_offices = {o.kind: o for o in Office.objects.filter(region=self.county)}

    def table(self, model: type[models.Model]) -> _Table:
        if model not in self.tables:
            self.tables[model] = _Table(model, self.part)
        return self.tables[model]

    def timed(self, step: str, fn: Callable[..., None], *args: object) -> None:
        started = time.process_time()  # CPU: the machine may be shared, wall time says little
        fn(*args)
        self.seconds[step] = self.seconds.get(step, 0.0) + time.process_time() - started

    def add(self, key: str, n: int) -> None:
        self.counts[key] = self.counts.get(key, 0) + n

    def when(self, lo: dt.datetime | None = None, hi: dt.datetime | None = None) -> dt.datetime:
        lo, hi = lo or self.start, hi or self.now
        return lo + dt.timedelta(seconds=self.rng.randrange(max(1, int((hi - lo).total_seconds()))))

    def number(self, when: dt.datetime, fmt: str, width: int) -> str:
        """A number in the services' format (concerns: day + 5 digits; applications: day-6 digits), unused."""
        day = timezone.localtime(when).strftime("%Y%m%d")
        while True:
            k, parts = self.part
            n = fmt.format(day=day, n=self.rng.randrange(10**width // parts) * parts + k)
            if n not in self.numbers:
                self.numbers.add(n)
                return n

    def account_phone(self) -> str:
        self.phone_seq += 1
        return f"{ACCOUNT_PHONE_PREFIX}{self.phone_seq:08d}"

    # --- regions and offices ----------------------------------------------------------------------
    def townships(self, count: int) -> list[tuple[Region, dict[str, Office]]]:
        taken = set(Region.objects.filter(level=Level.TOWNSHIP).values_list("code", flat=True))
        names = set(Region.objects.filter(level=Level.TOWNSHIP).values_list("name", flat=True))
        pool = [a + b + "镇" for a in PLACE_A for b in PLACE_B if a + b + "镇" not in names]
        self.rng.shuffle(pool)
        rows, n = [], 103
        while len(rows) < count:
            code = f"{demo.COUNTY_PREFIX}{n:03d}000"
            n += 1
            if code in taken or (n - 1) % self.part[1] != self.part[0]:
                continue
            name = pool.pop() if pool else f"第{len(rows) + 1}镇"
            rows.append(
                Region(
                    code=code,
                    name=name,
                    level=Level.TOWNSHIP,
                    parent=self.county,
                    prefix=region_prefix(code, Level.TOWNSHIP),
                )
            )
        townships = Region.objects.bulk_create(rows)
        offices = [
            Office(name=t.name + suffix, name_en=en, kind=kind, region=t, region_code=t.code, phone="")
            for t in townships
            for suffix, en, kind in demo.TOWNSHIP_OFFICES
        ]
        Office.objects.bulk_create(offices)
        staff = [
            User(phone=self.account_phone(), name=self.b.person(surname=None, sex="F", age=35).name) for _ in offices
        ]
        for u in staff:
            u.password, u.language = self.hashed, "zh-hans"
        User.objects.bulk_create(staff)
        RoleAssignment.objects.bulk_create(
            [
                RoleAssignment(
                    user=u,
                    role=Role.OFFICE_STAFF,
                    region=o.region,
                    region_prefix=o.region.prefix,
                    office=o,
                    title="工作人员",
                )
                for u, o in zip(staff, offices)
            ]
        )
        self.add("townships", len(townships))
        self.add("offices", len(offices))
        by_township: dict[int, dict[str, Office]] = {}
        for o in offices:
            by_township.setdefault(o.region_id, {})[o.kind] = o
        # Points: the township's catalogue of items its villages adopt.
        items = Item.objects.bulk_create(
            [
                Item(
                    township=t,
                    region_code=t.code,
                    title=title,
                    points=pts,
                    min_points=max(1, pts // 2),
                    max_points=pts * 2,
                )
                for t in townships
                for title, pts in (("参加志愿服务", 5), ("垃圾分类示范户", 10), ("参加村民会议", 2), ("庭院整洁", 3))
            ]
        )
        for it in items:
            self.items_of.setdefault(it.township_id, []).append(it)
        return [(t, by_township[t.pk]) for t in townships]

    # --- people -------------------------------------------------------------------------------
    def people(self, villages: list[Village], per_village: list[int]) -> None:
        rng, b = self.rng, self.b
        sizes, weights = [1, 2, 3, 4, 5, 6], [22, 32, 20, 14, 8, 4]
        group_rows, grid_rows = [], []
        for v in villages:
            v.groups = [
                Region(
                    code=f"{v.region.code}{k:03d}",
                    name=f"第{demo._cn(k)}村民小组",
                    level=Level.GROUP,
                    parent=v.region,
                    prefix=region_prefix(f"{v.region.code}{k:03d}", Level.GROUP),
                )
                for k in range(1, rng.randint(5, 9))
            ]
            group_rows += v.groups
            v.grids = [
                Grid(village=v.region, region_code=v.region.code, name=f"第{demo._cn(k)}网格") for k in (1, 2, 3)
            ]
            grid_rows += v.grids
        Region.objects.bulk_create(group_rows, batch_size=BATCH)
        Grid.objects.bulk_create(grid_rows, batch_size=BATCH)

        plans: list[tuple[Village, Household, list[demo.Person], int]] = []
        for v, target in zip(villages, per_village):
            made = 0
            while made < target:
                members = b.household_members(min(rng.choices(sizes, weights)[0], target - made))
                gi = len(v.households) * len(v.groups) // max(1, round(target / 2.6))
                gi = min(gi, len(v.groups) - 1)
                k = len(v.households) + 1
                hh = Household(
                    village=v.region,
                    group=v.groups[gi],
                    region_code=v.region.code,
                    number=f"{gi + 1:02d}{k:04d}",
                    address=f"{v.township.name}{v.region.name}{gi + 1}组{k}号",
                )
                v.households.append(_stamp(hh, self.start))  # on the roster before the years of activity
                plans.append((v, hh, members, gi))
                made += len(members)
        Household.objects.bulk_create([hh for _v, hh, _m, _g in plans], batch_size=BATCH)

        users: list[User] = []
        for v, hh, members, gi in plans:
            group = v.groups[gi]
            grid = v.grids[gi * 3 // len(v.groups)]
            for p in members:
                b.finish_person(p)
                account = p.phone and b.age(p.birth) >= 18 and rng.random() < ACCOUNT_SHARE
                if account:
                    p.phone = self.account_phone()
                    u = User(phone=p.phone, name=p.name, password=self.hashed, language="zh-hans")
                    users.append(u)
                villager = Villager(
                    name=p.name,
                    id_number=b.id_number(p),
                    phone=p.phone,
                    village=v.region,
                    group=group,
                    grid=grid,
                    household=hh,
                    living_away=p.living_away,
                    away_city=p.away_city,
                )
                villager_derive_fields(villager)
                while villager.id_hash in self.taken_hashes:
                    villager.id_number = b.id_number(p)
                    villager_derive_fields(villager)
                villager._user = u if account else None  # type: ignore[attr-defined]
                v.villagers.append(_stamp(villager, self.start))
            hh._head = v.villagers[-len(members)]  # type: ignore[attr-defined]
        User.objects.bulk_create(users, batch_size=BATCH)
        every = [x for v in villages for x in v.villagers]
        for x in every:
            x.user = x._user
        Villager.objects.bulk_create(every, batch_size=BATCH)
        for _v, hh, _m, _g in plans:
            hh.representative = hh._head
        Household.objects.bulk_update([hh for _v, hh, _m, _g in plans], ["representative"], batch_size=BATCH)

        # Village posts and representatives: accounts for adults living in the village.
        roles, post_users, grids = [], [], []
        for v in villages:
            home = [x for x in v.villagers if not x.living_away and 25 <= self.b.age(x.birth_date) <= 65]
            rng.shuffle(home)
            chosen = home[: 4 + len(v.grids) + REPRESENTATIVES]
            for x in chosen:
                if x.user is None:
                    x.phone = self.account_phone()
                    x.user = User(phone=x.phone, name=x.name, password=self.hashed, language="zh-hans")
                    post_users.append(x)
            posts = [Role.PARTY_SECRETARY, Role.CADRE, Role.SUPERVISOR, Role.CADRE]
            posts += [Role.GRID_WORKER] * len(v.grids) + [Role.REPRESENTATIVE] * REPRESENTATIVES
            for x, role in zip(chosen, posts):
                roles.append(RoleAssignment(user=x.user, role=role, region=v.region, region_prefix=v.region.prefix))
            v.cadre, v.supervisor = chosen[1].user, chosen[2].user
            for g, x in zip(v.grids, chosen[4:]):
                g.worker = x.user
                grids.append(g)
            v.representatives = chosen[4 + len(v.grids) :]
        User.objects.bulk_create([x.user for x in post_users], batch_size=BATCH)
        for x in post_users:
            x.user_id = x.user.pk
        Villager.objects.bulk_update(post_users, ["user", "phone"], batch_size=BATCH)
        Grid.objects.bulk_update(grids, ["worker"], batch_size=BATCH)
        RoleAssignment.objects.bulk_create(roles, batch_size=BATCH)
        self.add("villages", len(villages))
        self.add("households", len(plans))
        self.add("villagers", len(every))
        self.add("accounts", len(users) + len(post_users))

    # --- concerns -----------------------------------------------------------------------------
    def concerns(self, villages: list[Village]) -> None:
        rng = self.rng
        office_suffix = {code: suffix for code, _n, _e, _c, _l, suffix in CONCERN_CATEGORIES}
        rows, answers = [], []
        for v in villages:
            for _ in range(RATES["concerns"] * self.years):
                cat = rng.choice(self.categories)
                who = rng.choice(v.villagers)
                at = self.when()
                age = (self.now - at).days
                c = Concern(
                    number=self.number(at, "{day}{n:05d}", 5),
                    kind=rng.choice([Kind.HELP, Kind.REPORT, Kind.CONSULTATION, Kind.SUGGESTION, Kind.COMPLAINT]),
                    category=cat,
                    text=rng.choice(TEXTS.get(cat.code, TEXTS["other"])),
                    clock=cat.clock,
                    village=v.region,
                    group=who.group,
                    region_code=v.region.code,
                    villager=who,
                    public_name=mask_name(who.name),
                    raised_by=who.user,
                    level=cat.level,
                    dispatched_at=at,
                    ack_due_at=at + dt.timedelta(days=1),
                    answer_due_at=at
                    + dt.timedelta(hours={Clock.UTILITIES: 72, Clock.COMPLEX: 720}.get(cat.clock, 240)),
                )
                suffix = office_suffix.get(cat.code, "")
                if cat.level == ConcernLevel.TOWNSHIP:
                    c.owner_office = next((o for o in v.offices.values() if o.name.endswith(suffix)), None)
                elif cat.level == ConcernLevel.COUNTY:
                    c.owner_office = next((o for o in self.county_offices.values() if o.name.endswith(suffix)), None)
                if age > 30 or rng.random() < 0.5:
                    c.acknowledged_at = at + dt.timedelta(hours=rng.randint(1, 20))
                    c.answered_at = c.acknowledged_at + dt.timedelta(hours=rng.randint(4, 200))
                    c.answered_in_time = c.answered_at <= c.answer_due_at
                    c.answer_text = ANSWER
                    done = age > 14
                    c.status = (
                        rng.choice([ConcernStatus.RESOLVED] * 4 + [ConcernStatus.CLOSED_UNRATED])
                        if done
                        else ConcernStatus.ANSWERED
                    )
                    if c.status == ConcernStatus.RESOLVED:
                        c.rating = rng.choice(["satisfied"] * 6 + ["basically"] * 3 + ["unsatisfied"])
                        c.rated_at = c.closed_at = c.answered_at + dt.timedelta(days=rng.randint(1, 7))
                    elif done:
                        c.closed_at = c.answered_at + dt.timedelta(days=7)
                    else:
                        c.confirm_due_at = c.answered_at + dt.timedelta(days=7)
                    answers.append((c, c.answered_at))
                elif rng.random() < 0.5:
                    c.status, c.acknowledged_at = ConcernStatus.ACKNOWLEDGED, at + dt.timedelta(hours=3)
                    c.due_at = c.escalate_at = c.answer_due_at
                else:
                    c.due_at = c.escalate_at = c.ack_due_at
                rows.append(_stamp(c, at))
        Concern.objects.bulk_create(rows, batch_size=BATCH)
        Answer.objects.bulk_create(
            [_stamp(Answer(concern=c, author_name="村委会", text=ANSWER), when) for c, when in answers],
            batch_size=BATCH,
        )
        self.add("concerns", len(rows))

    # --- applications -------------------------------------------------------------------------
    def applications(self, villages: list[Village]) -> None:
        rng = self.rng
        apps_, steps = [], []
        for v in villages:
            for _ in range(RATES["applications"] * self.years):
                item = rng.choice(self.items)
                who = rng.choice(v.villagers)
                at = self.when()
                office = (
                    v.offices.get(item.office_kind)
                    or self.county_offices.get(item.office_kind)
                    or next(iter(v.offices.values()))
                )
                a = Application(
                    number=self.number(at, "{day}-{n:06d}", 6),
                    item=item,
                    villager=who,
                    submitted_by=who.user,
                    region_code=v.region.code,
                    accepting_office=office,
                    submitted_at=at,
                )
                item_steps = list(item.steps.all())
                age = (self.now - at).days
                if age > 40:
                    a.status = rng.choice([AppStatus.APPROVED] * 17 + [AppStatus.REJECTED] * 2 + [AppStatus.TERMINATED])
                    a.stage, a.accepted_at = Stage.DONE, at + dt.timedelta(days=1)
                    a.finished_at = at + dt.timedelta(days=rng.randint(3, item.promised_days + 5))
                    a.promised_due_at = at + dt.timedelta(days=item.promised_days)
                    done = len(item_steps)
                elif rng.random() < 0.2:
                    a.status, a.stage = AppStatus.SUBMITTED, Stage.ACCEPTANCE
                    a.handler_office, a.due_at = office, at + dt.timedelta(days=2)
                    done = -1
                else:
                    a.status, a.stage = AppStatus.IN_REVIEW, Stage.STEP
                    a.accepted_at = at + dt.timedelta(days=1)
                    a.promised_due_at = at + dt.timedelta(days=item.promised_days)
                    done = rng.randrange(len(item_steps)) if item_steps else 0
                    a.handler_office, a.due_at = office, a.accepted_at + dt.timedelta(days=5)
                apps_.append(_stamp(a, at))
                for i, s in enumerate(item_steps):
                    state = StepState.APPROVED if i < done else StepState.ACTIVE if i == done else StepState.WAITING
                    steps.append(
                        ApplicationStep(
                            application=a,
                            order=s.order,
                            name=s.name,
                            level=s.level,
                            office=office if s.level != "village" else None,
                            time_limit_days=s.time_limit_days,
                            state=state,
                            started_at=a.accepted_at if state != StepState.WAITING else None,
                            decided_at=a.finished_at if state == StepState.APPROVED else None,
                            due_at=a.due_at if state == StepState.ACTIVE else None,
                        )
                    )
        Application.objects.bulk_create(apps_, batch_size=BATCH)
        ApplicationStep.objects.bulk_create(steps, batch_size=BATCH)
        self.add("applications", len(apps_))

    # --- meetings, with their notices -------------------------------------------------------------
    def meetings(self, villages: list[Village]) -> None:
        rng = self.rng
        meetings, members, plans = [], [], []
        for v in villages:
            adults = [x for x in v.villagers if self.b.age(x.birth_date) >= 18]
            reps = v.representatives
            for year in range(self.years):
                kinds = [Body.VILLAGERS] * RATES["villagers_meetings"]
                kinds += [Body.REPRESENTATIVES] * RATES["representatives_meetings"]
                for body in kinds:
                    start = self.when(
                        self.start + dt.timedelta(days=365 * year), self.start + dt.timedelta(days=365 * (year + 1))
                    )
                    who = adults if body == Body.VILLAGERS else reps
                    m = Meeting(
                        village=v.region,
                        region_code=v.region.code,
                        body=body,
                        title=("村民会议" if body == Body.VILLAGERS else "村民代表会议")
                        + f"（{timezone.localtime(start):%Y年%m月}）",
                        agenda="一、审议村级年度财务收支情况\n二、讨论村道修缮项目",
                        place="村文化礼堂",
                        starts_at=start,
                        ends_at=start + dt.timedelta(hours=2),
                        status=MeetingStatus.CLOSED,
                        convened_by=v.cadre,
                        notice_sent_at=start - dt.timedelta(days=10),
                        notice_due_by=start - dt.timedelta(days=7),
                        opened_at=start,
                        closed_at=start + dt.timedelta(hours=2),
                        member_count=len(who),
                        household_count=len({x.household_id for x in who}),
                        minutes="会议按议程进行，表决结果见各议题。",
                        minutes_published_at=start + dt.timedelta(days=2),
                    )
                    meetings.append(_stamp(m, start - dt.timedelta(days=12)))
                    plans.append((m, who, v))
        # Every meeting's notice, delivered to the members who have an account (their inbox).
        notices = [
            (
                Notice(
                    kind="meeting_notice",
                    sender=v.cadre,
                    region_code=v.region.code,
                    subject={"zh-hans": m.title, "en": "Meeting notice"},
                    body={"zh-hans": m.agenda, "en": "A meeting is called."},
                    mandatory=True,
                ),
                [x.user_id for x in who if x.user_id],
                m.notice_sent_at,
            )
            for m, who, v in plans
        ]
        self._notices(notices)
        for (m, _w, _v), (n, _u, _a) in zip(plans, notices):
            m.notice = n
        Meeting.objects.bulk_create(meetings, batch_size=BATCH)
        # The large tables below are written as plain rows (_Table): members, attendance, ballots.
        members, attendances, motions, votes = [], [], [], []
        member_table = self.table(MeetingMember)
        for m, who, _v in plans:
            ids = member_table.ids(len(who))
            ms = [
                {
                    "id": pk,
                    "meeting_id": m.pk,
                    "villager_id": x.pk,
                    "user_id": x.user_id,
                    "household_id": x.household_id,
                    "is_household_rep": x.household.representative is x,
                    "name": x.name,
                    "name_pinyin": x.name_pinyin,
                    "living_away": x.living_away,
                }
                for pk, x in zip(ids, who)
            ]
            members += ms
            share = 0.55 if m.body == Body.VILLAGERS else 0.9
            came = [x for x in ms if rng.random() < (0.35 if x["living_away"] else share)]
            attendances += [
                {
                    "created_at": m.starts_at,
                    "meeting_id": m.pk,
                    "member_id": x["id"],
                    "household_rep": x["is_household_rep"],
                    "mode": AttendanceMode.REMOTE if x["living_away"] else AttendanceMode.VENUE,
                    "method": CheckInMethod.SELF if x["living_away"] else CheckInMethod.STAFF_SEARCH,
                }
                for x in came
            ]
            for n in range(1, RATES["motions"] + 1):
                choices = [rng.choice(VOTES) for _ in came]
                yes, no = choices.count(Choice.YES), choices.count(Choice.NO)
                mo = Motion(
                    meeting=m,
                    number=n,
                    title=f"议题{n}",
                    text="经村两委研究，提请会议表决。",
                    status=MotionStatus.CLOSED,
                    opened_at=m.starts_at,
                    closed_at=m.ends_at,
                    attendees=len(came),
                    quorum_mode=QuorumMode.PERSONS if m.body == Body.VILLAGERS else QuorumMode.MEMBERS,
                    yes=yes,
                    no=no,
                    abstain=len(came) - yes - no,
                    passed=yes * 2 > len(came),
                )
                motions.append(_stamp(mo, m.starts_at))
                votes.append((mo, came, choices))
        member_table.insert(members)
        self.table(Attendance).insert(attendances)
        Motion.objects.bulk_create(motions, batch_size=BATCH)
        ballots = [
            {
                "created_at": mo.closed_at,
                "motion_id": mo.pk,
                "member_id": x["id"],
                "choice": c,
                "remote": x["living_away"],
                "cast_by_id": x["user_id"],
            }
            for mo, came, choices in votes
            for x, c in zip(came, choices)
        ]
        self.table(Ballot).insert(ballots)
        self.add("meetings", len(meetings))
        self.add("meeting_members", len(members))
        self.add("attendances", len(attendances))
        self.add("ballots", len(ballots))

    def _notices(self, notices: list[tuple[Notice, list[int], dt.datetime]]) -> None:
        for n, users, at in notices:
            n.recipient_count = len(users)
            _stamp(n, at)
        Notice.objects.bulk_create([n for n, _u, _a in notices], batch_size=BATCH)
        rng, rows = self.rng, []
        for n, users, at in notices:
            for uid in users:
                rows.append(
                    {
                        "notice_id": n.pk,
                        "recipient_id": uid,
                        "channel": Channel.INBOX,
                        "language": "zh-hans",
                        "status": DeliveryStatus.SENT,
                        "sent_at": at,
                        "delivered_at": at,
                        "read_at": at + dt.timedelta(hours=rng.randint(1, 72)) if rng.random() < 0.7 else None,
                        "created_at": at,
                        "updated_at": at,
                    }
                )
        self.table(Delivery).insert(rows)
        self.add("notices", len(notices))
        self.add("deliveries", len(rows))

    def notices(self, villages: list[Village]) -> None:
        batch = []
        for v in villages:
            users = [x.user_id for x in v.villagers if x.user_id]
            for _ in range(RATES["notices"] * self.years):
                n = Notice(
                    kind="announcement",
                    sender=v.cadre,
                    region_code=v.region.code,
                    subject={"zh-hans": "关于开展人居环境整治的通知", "en": "Clean-up of the village"},
                    body={
                        "zh-hans": "请各户于本周六上午参加村庄环境整治。",
                        "en": "Please join the clean-up on Saturday.",
                    },
                )
                batch.append((n, users, self.when()))
        self._notices(batch)

    # --- disclosure and the ledger -------------------------------------------------------------------
    def disclosure(self, villages: list[Village]) -> None:
        rng, rows = self.rng, []
        cats = [PostCategory.VILLAGE, PostCategory.PARTY, PostCategory.FINANCE]
        for v in villages:
            for _ in range(RATES["posts"] * self.years):
                at = self.when()
                cat = rng.choice(cats)
                p = Post(
                    village=v.region,
                    region_code=v.region.code,
                    category=cat,
                    title={
                        "village": "村务公开：村道修缮项目进展",
                        "party": "党务公开：支部主题党日活动",
                        "finance": "财务公开：本月收支明细",
                    }[cat],
                    body="详见公开栏。",
                    status=PostStatus.PUBLISHED,
                    author=v.cadre,
                    published_at=at,
                    published_by=v.cadre,
                )
                rows.append(_stamp(p, at))
        Post.objects.bulk_create(rows, batch_size=BATCH)
        self.add("disclosure_posts", len(rows))

    def ledger(self, villages: list[Village]) -> None:
        """Each village's entries in date order, hashed exactly as ledger.services._append does."""
        rng, rows, chains = self.rng, [], []
        for v in villages:
            n = RATES["ledger_entries"] * self.years
            days = sorted(self.when() for _ in range(n))
            prev, balance = "0" * 64, 0
            name = v.cadre.name
            for seq, at in enumerate(days, start=1):
                income = seq == 1 or rng.random() < 0.35
                payee = rng.choice(v.villagers) if not income and rng.random() < 0.2 else None
                e = LedgerEntry(
                    village=v.region,
                    region_code=v.region.code,
                    seq=seq,
                    date=timezone.localtime(at).date(),
                    direction=Direction.INCOME if income else Direction.EXPENDITURE,
                    category=FinanceCategory.INCOME
                    if income
                    else rng.choice([FinanceCategory.EXPENDITURE, FinanceCategory.OTHER]),
                    amount_fen=rng.randint(300, 60_000) * 100,
                    counterparty="" if payee else ("县财政局" if income else "建材有限公司"),
                    payee=payee,
                    payee_key=payee.id_hash if payee else "",
                    purpose="村级组织运转经费补助" if income else ("误工补贴" if payee else "村道修缮材料款"),
                    vouchers_digest=chainlib.vouchers_digest([]),
                    recorded_by=v.cadre,
                    recorded_by_name=name,
                    recorded_at=at,
                    prev_hash=prev,
                )
                e.hash = chainlib.entry_hash(
                    v.region.code, e.public_id, seq, e.date, e.direction, e.category, e.amount_fen,
                    e.counterparty, e.payee_key, e.purpose, None, e.vouchers_digest, name, at, prev,
                )  # fmt: skip
                prev = e.hash
                balance += e.amount_fen if income else -e.amount_fen
                rows.append(e)
            chains.append(
                Chain(
                    village=v.region,
                    region_code=v.region.code,
                    head_seq=n,
                    head_hash=prev,
                    head_seal=chainlib.head_seal(v.region.code, n, prev),
                    balance_fen=balance,
                )
            )
        LedgerEntry.objects.bulk_create(rows, batch_size=BATCH)
        Chain.objects.bulk_create(chains, batch_size=BATCH)
        self.add("ledger_entries", len(rows))

    # --- consultations, points, organisations ------------------------------------------------------
    def consultations(self, villages: list[Village]) -> None:
        rng = self.rng
        drafts, paragraphs, comments, stances = [], [], [], []
        for v in villages:
            for year in range(self.years):
                opens = self.start + dt.timedelta(days=365 * year + rng.randint(30, 300))
                last = year == self.years - 1 and opens + dt.timedelta(days=30) > self.now
                d = Draft(
                    title=f"{v.region.name}村规民约（修订稿）",
                    kind=DraftKind.VILLAGE_RULES,
                    summary="根据村民意见修订村规民约，征求全体村民意见。",
                    scope=v.region,
                    region_code=v.region.code,
                    scope_prefix=v.region.prefix,
                    owner_committee="村民委员会",
                    opens_at=opens,
                    closes_at=opens + dt.timedelta(days=30),
                    status=DraftStatus.OPEN if last else DraftStatus.CLOSED,
                    created_by=v.cadre,
                    opened_at=opens,
                    closed_at=None if last else opens + dt.timedelta(days=30),
                )
                drafts.append(_stamp(d, opens))
                ps = [
                    Paragraph(draft=d, number=k, text=f"第{demo._cn(k)}条 村民应当爱护公共设施。") for k in range(1, 7)
                ]
                paragraphs += ps
                for x in rng.sample(v.villagers, min(20, len(v.villagers))):
                    p = rng.choice(ps)
                    comments.append(
                        _stamp(
                            Comment(
                                draft=d,
                                paragraph=p,
                                villager=x,
                                written_by=x.user,
                                region_code=v.region.code,
                                author_away=x.living_away,
                                body="建议增加具体的奖惩办法。",
                            ),
                            opens + dt.timedelta(days=rng.randint(1, 29)),
                        )
                    )
                    stances.append(
                        _stamp(
                            Stance(draft=d, paragraph=p, villager=x, written_by=x.user, region_code=v.region.code, author_away=x.living_away, stance=rng.choice([StanceKind.SUPPORT] * 4 + [StanceKind.OPPOSE])),
                            opens + dt.timedelta(days=rng.randint(1, 29)),
                        )
                    )  # fmt: skip
        Draft.objects.bulk_create(drafts, batch_size=BATCH)
        Paragraph.objects.bulk_create(paragraphs, batch_size=BATCH)
        Comment.objects.bulk_create(comments, batch_size=BATCH)
        Stance.objects.bulk_create(stances, batch_size=BATCH)
        self.add("consultations", len(drafts))
        self.add("consultation_comments", len(comments))

    def points(self, villages: list[Village]) -> None:
        rng = self.rng
        rules_, adoptions, entries = [], [], []
        for v in villages:
            rules_.append(VillageRule(village=v.region, region_code=v.region.code))
            mine = [
                PointsAdoption(village=v.region, region_code=v.region.code, item=it, points=it.points)
                for it in self.items_of.get(v.township.pk, [])
            ]
            adoptions += mine
            v.adoptions = mine
        VillageRule.objects.bulk_create(rules_, batch_size=BATCH)
        PointsAdoption.objects.bulk_create(adoptions, batch_size=BATCH)
        for v in villages:
            if not v.adoptions:
                continue
            for hh in v.households:
                for _ in range(self.years):
                    ad = rng.choice(v.adoptions)
                    at = self.when()
                    counted = (self.now - at).days > 10
                    entries.append(
                        {
                            "created_at": at,
                            "updated_at": at,
                            "village_id": v.region.pk,
                            "region_code": v.region.code,
                            "household_id": hh.pk,
                            "person_id": hh.representative.pk,
                            "adoption_id": ad.pk,
                            "points": ad.points,
                            "year": timezone.localtime(at).year,
                            "occurred_on": timezone.localtime(at).date(),
                            "description": ad.item.title,
                            "status": EntryStatus.COUNTED if counted else EntryStatus.POSTED,
                            "kind": EntryKind.EARNED,
                            "declared_by_id": v.cadre.pk,
                            "declared_by_name": v.cadre.name,
                            "reviewed_by_id": v.supervisor.pk,
                            "reviewed_by_name": v.supervisor.name,
                            "reviewed_at": at + dt.timedelta(days=1),
                            "objection_until": at + dt.timedelta(days=8),
                            "counted_at": at + dt.timedelta(days=8) if counted else None,
                        }
                    )
        self.table(PointsEntry).insert(entries)
        self.add("points_entries", len(entries))

    def organisations(self, villages: list[Village]) -> None:
        rng = self.rng
        orgs, plans = [], []
        for v in villages:
            for kind, name in ((OrgKind.VOLUNTEERS, "志愿服务队"), (OrgKind.ELDERS, "老年协会"))[
                : RATES["organisations"]
            ]:
                o = Organisation(
                    region=v.region, region_code=v.region.code, kind=kind, name=v.region.name + name, created_by=v.cadre
                )
                orgs.append(_stamp(o, self.start))
                plans.append((o, v, rng.sample(v.villagers, min(15, len(v.villagers)))))
        Organisation.objects.bulk_create(orgs, batch_size=BATCH)
        members, activities, participants = [], [], []
        for o, v, people in plans:
            members += [
                _stamp(Membership(organisation=o, villager=x, is_leader=i == 0), self.start)
                for i, x in enumerate(people)
            ]
            for _ in range(RATES["activities"] * self.years):
                at = self.when()
                a = Activity(
                    organisation=o, region_code=v.region.code, title="村道清扫", place="村委会门口", starts_at=at,
                    ends_at=at + dt.timedelta(hours=3), places=20, status=ActivityStatus.DONE if at < self.now else ActivityStatus.OPEN,
                    confirmed_at=at + dt.timedelta(days=1), created_by=v.cadre,
                )  # fmt: skip
                activities.append(_stamp(a, at - dt.timedelta(days=7)))
                for x in rng.sample(people, min(10, len(people))):
                    participants.append(
                        _stamp(
                            Participant(
                                activity=a, villager=x, household_id=x.household_id, name=x.name, name_pinyin=x.name_pinyin,
                                via=SignUpVia.ORGANISER, signed_by=v.cadre, checked_in_at=at, check_in_method="desk",
                                hours=3, confirmed_at=at + dt.timedelta(days=1), confirmed_by=v.cadre,
                            ),
                            at - dt.timedelta(days=3),
                        )
                    )  # fmt: skip
        Membership.objects.bulk_create(members, batch_size=BATCH)
        Activity.objects.bulk_create(activities, batch_size=BATCH)
        Participant.objects.bulk_create(participants, batch_size=BATCH)
        self.add("organisations", len(orgs))
        self.add("activities", len(activities))


TEXTS = {
    "roads": ["村口的路面坑洼不平，雨天积水，请尽快修补。"],
    "water": ["自来水这几天水压很低，二楼没有水。"],
    "lighting": ["村道路灯坏了好几盏，晚上出门不安全。"],
    "environment": ["垃圾桶满了没人清运，气味很大。"],
    "other": ["建议在村委会设快递代收点。"],
}
ANSWER = "已安排人员到现场处理，问题已解决。"


STEPS = (
    "concerns",
    "applications",
    "meetings",
    "notices",
    "disclosure",
    "ledger",
    "consultations",
    "points",
    "organisations",
)


def build_scale(
    *,
    villages: int,
    villagers: int,
    years: int = 3,
    seed: int = demo.SEED + 1,
    today: dt.date | None = None,
    progress: Callable[[str], None] = lambda _m: None,
    part: tuple[int, int] = (0, 1),
) -> dict[str, int]:
    """Add `villages` villages with `villagers` villagers in all and `years` years of activity to the demo county.

    `part` (k, n): this is the k-th of n generators filling one database at the same time (PostgreSQL).
    """
    if demo.demo_exists() is None:
        raise demo.DemoRefused("build the demo county first (seed_demo): the catalogues and logins come from it")
    if villages < 1 or villagers < villages * 10:
        raise ValueError("at least one village and ten villagers a village")
    if not 0 <= part[0] < part[1] <= 10:
        raise ValueError("a part is k/n with 0 <= k < n <= 10")
    s = _Scale(seed=seed, today=today or timezone.localdate(), years=years, progress=progress, part=part)
    per = [villagers // villages + (1 if i < villagers % villages else 0) for i in range(villages)]
    with _past_timestamps():
        with transaction.atomic():
            towns = s.townships(-(-villages // VILLAGES_PER_TOWNSHIP))
            village_rows = []
            for i in range(villages):
                t, _offices = towns[i // VILLAGES_PER_TOWNSHIP]
                code = f"{t.code[:9]}{201 + i % VILLAGES_PER_TOWNSHIP:03d}"
                name = PLACE_A[(i * 7) % len(PLACE_A)] + PLACE_B[(i // len(PLACE_A)) % len(PLACE_B)] + "村"
                village_rows.append(
                    Region(
                        code=code, name=name, level=Level.VILLAGE, parent=t, prefix=region_prefix(code, Level.VILLAGE)
                    )
                )
            Region.objects.bulk_create(village_rows, batch_size=BATCH)
        for first in range(0, villages, VILLAGES_PER_TRANSACTION):
            batch = [
                Village(region=r, township=r.parent, offices=towns[i // VILLAGES_PER_TOWNSHIP][1])
                for i, r in enumerate(village_rows[first : first + VILLAGES_PER_TRANSACTION], start=first)
            ]
            with transaction.atomic():
                s.timed("people", s.people, batch, per[first : first + VILLAGES_PER_TRANSACTION])
                for step in STEPS:
                    s.timed(step, getattr(s, step), batch)
            s.progress(f"{first + len(batch)}/{villages} villages, {s.counts.get('villagers', 0):,} villagers")
    for table in s.tables.values():
        if table.next_id is not None:
            table.reset_sequence()
    s.progress("CPU seconds per step: " + ", ".join(f"{k} {v:.1f}" for k, v in s.seconds.items()))
    return s.counts
