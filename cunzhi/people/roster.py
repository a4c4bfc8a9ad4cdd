"""Roster import and export: a cadre's spreadsheet of villagers, checked row by row, written all-or-nothing.

The flow: upload -> check (every row, nothing written) -> preview -> confirm -> import (checked again
inside one transaction, because the register may have changed since the preview) -> done.
The management command `import_roster` runs the same check and import.
"""

import contextlib
import csv
import datetime as dt
import functools
import io
import logging
import os
import re
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import BinaryIO

from django.conf import settings
from django.core.cache import caches
from django.core.cache.backends.db import DatabaseCache
from django.core.cache.backends.filebased import FileBasedCache
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import File
from django.db import DatabaseError, connection, models, transaction
from django.db.models import Q
from django.db.utils import load_backend
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from cunzhi.core.audit import audit_record
from cunzhi.core.crypto import blind_index
from cunzhi.core.idnumbers import mask_id_number, mask_phone, validate_id_number, validate_phone
from cunzhi.core.tabular import read_rows, xlsx_response_bytes
from cunzhi.core.text import join_list
from cunzhi.people import rules
from cunzhi.people.models import AccessKind, Household, ImportStatus, RosterImport, Villager
from cunzhi.people.services import access_record_many, villager_derive_fields
from cunzhi.regions.models import Grid, Level, Region

logger = logging.getLogger(__name__)

# Column keys in file order, with the header written in templates and exports (Chinese, English).
COLUMNS = (
    "name",
    "id_number",
    "phone",
    "group",
    "household",
    "household_representative",
    "living_away",
    "away_city",
    "grid",
)
HEADERS = {
    "name": ("姓名", "name"),
    "id_number": ("身份证号", "id_number"),
    "phone": ("手机号", "phone"),
    "group": ("村民小组", "group"),
    "household": ("户号", "household"),
    "household_representative": ("户代表", "household_representative"),
    "living_away": ("外出务工", "living_away"),
    "away_city": ("务工城市", "away_city"),
    "grid": ("网格", "grid"),
}
# Every header spelling we accept -> column key. English keys are lower case (read_rows lowers them).
ALIASES = {
    **{zh: key for key, (zh, _en) in HEADERS.items()},
    **{en: key for key, (_zh, en) in HEADERS.items()},
    "身份证号码": "id_number",
    "公民身份号码": "id_number",
    "身份证": "id_number",
    "id number": "id_number",
    "id": "id_number",
    "手机": "phone",
    "手机号码": "phone",
    "联系电话": "phone",
    "电话": "phone",
    "mobile": "phone",
    "phone number": "phone",
    "小组": "group",
    "村民组": "group",
    "villager group": "group",
    "户编号": "household",
    "household number": "household",
    "是否户代表": "household_representative",
    "household representative": "household_representative",
    "representative": "household_representative",
    "是否外出务工": "living_away",
    "外出": "living_away",
    "living away": "living_away",
    "working away": "living_away",
    "务工地": "away_city",
    "务工地点": "away_city",
    "away city": "away_city",
    "work city": "away_city",
    "网格名称": "grid",
}
REQUIRED = ("name", "id_number")
# Labels the preview shows for each column (translated when shown).
COLUMN_LABELS = {
    "": gettext_lazy("Whole file"),
    "name": gettext_lazy("Name"),
    "id_number": gettext_lazy("ID number"),
    "phone": gettext_lazy("Mobile number"),
    "group": gettext_lazy("Villager group"),
    "household": gettext_lazy("Household number"),
    "household_representative": gettext_lazy("Household representative"),
    "living_away": gettext_lazy("Working away"),
    "away_city": gettext_lazy("City where they work"),
    "grid": gettext_lazy("Grid"),
}
EXAMPLE_ROW = ["张三", "11010519491231002X", "13800000000", "第一村民小组", "0001", "是", "是", "杭州", ""]


def _excel_number_message() -> str:
    """Excel made a number of an ID number (a numeric cell, or 3.30523E+17 in a CSV)."""
    return _("Excel turned this ID number into a number and lost digits; format the column as text and type it again.")


_YES = frozenset({"是", "yes", "y", "1", "true", "√", "✓"})
_NO = frozenset({"否", "no", "n", "0", "false", ""})
MAX_NAME = Villager._meta.get_field("name").max_length
MAX_CITY = Villager._meta.get_field("away_city").max_length
MAX_HOUSEHOLD = Household._meta.get_field("number").max_length

# Rows per database round: one look-up of registered ID numbers, one insert of villagers, one
# progress report. Big enough that per-batch costs vanish, small enough to keep memory flat.
BATCH_ROWS = 2000
# SQLite builds may cap a statement at 999 parameters; stay under it for IN (...) look-ups.
LOOKUP_CHUNK = 900
# The preview lists at most this many problems; a file with more has a systematic fault
# (a wrong column, a whole sheet typed as numbers) that the first few thousand already show.
MAX_ERRORS = 10_000
# More rows than a county has people: a mistake (or a zip bomb), refused before it costs an hour.
MAX_ROWS = 1_000_000
PROGRESS_TTL = 24 * 3600
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
ACCEPTED_SUFFIXES = (".xlsx", ".csv")


# --- Checking and importing -------------------------------------------------------------------


@dataclass
class RosterCheck:
    """What a pass over a roster found: rows read, problems, and (when writing) what was created."""

    rows: int = 0
    errors: list[dict] = field(default_factory=list)
    complete: bool = True  # False when the pass stopped early at `stop_after` rows
    rejected_rows: int = 0  # rows with at least one problem, also beyond MAX_ERRORS
    created_villagers: int = 0
    created_households: int = 0


class _Rejected(Exception):
    """Raised inside the import transaction so that a roster with problems writes nothing."""

    def __init__(self, result: RosterCheck):
        super().__init__("roster rejected")
        self.result = result


def _error(row: int, column: str, message: str) -> dict:
    return {"row": row, "field": column, "message": str(message)}


def _short(value: str) -> str:
    return value if len(value) <= 30 else value[:29] + "…"


def _flag(value: str) -> bool | None:
    """是/否, yes/no, 1/0 -> True/False; None when it is none of these."""
    v = value.strip().lower()
    if v in _YES:
        return True
    if v in _NO:
        return False
    return None


@dataclass(slots=True)
class _Row:
    row: int
    name: str
    id_number: str
    phone: str
    group_id: int | None
    household: str
    representative: bool
    living_away: bool
    away_city: str
    grid_id: int | None


class _RosterPass:
    """One streaming pass over a roster: checks each row, and when `write` is set also inserts them."""

    # State that spans rows (ID numbers seen, representatives, households created) lives here;
    # everything per row is dropped once its batch is written, so memory stays flat.

    def __init__(self, *, village: Region, write: bool, progress: Callable[[int], None] | None = None):
        self.village = village
        self.write = write
        self.progress = progress
        self.result = RosterCheck()
        groups = list(Region.objects.filter(parent=village, level=Level.GROUP).only("id", "code", "name"))
        self.group_by_code = {g.code: g.pk for g in groups}
        self.group_by_name = {g.name: g.pk for g in groups}
        self.grid_by_name = dict(Grid.objects.filter(village=village).values_list("name", "id"))
        # number -> [household id, group id, representative id]; the village's existing households.
        self.households = {
            number: [pk, group_id, rep_id]
            for number, pk, group_id, rep_id in Household.objects.filter(village=village)
            .order_by()
            .values_list("number", "id", "group_id", "representative_id")
        }
        self.first_row_of_id: dict[str, int] = {}
        self.representative_row: dict[str, int] = {}
        self.household_group: dict[str, tuple[int | None, int]] = {}  # households new in this file
        self.batch: list[_Row] = []
        self.problems = 0  # all problems found, also those beyond MAX_ERRORS
        self.representatives: list[tuple[int, str]] = []  # (household id, the representative's ID hash)

    # Row checks ----------------------------------------------------------------------------
    def _fail(self, row: int, column: str, message: str) -> None:
        self.problems += 1
        if len(self.result.errors) < MAX_ERRORS:
            self.result.errors.append(_error(row, column, message))

    def feed(self, raw: dict) -> None:
        """Check one row (a dict from read_rows) and queue it for writing."""
        number = raw["_row"]
        self.result.rows += 1
        problems_before = self.problems

        name = raw.get("name", "").strip()
        if not name:
            self._fail(number, "name", _("The name is missing."))
        elif len(name) > MAX_NAME:
            self._fail(number, "name", _("The name is longer than %(max)d characters.") % {"max": MAX_NAME})

        id_raw = raw.get("id_number", "")
        id_number = ""
        if not id_raw.strip():
            self._fail(number, "id_number", _("The ID number is missing."))
        elif "id_number" in raw.get("_numbers", ()):
            # A number keeps 15 significant digits: the rest is gone for good, and what is left may
            # still pass the checksum as somebody else's ID number. Never convert: refuse the cell.
            self._fail(number, "id_number", _excel_number_message())
        else:
            try:
                id_number = validate_id_number(id_raw)
            except ValidationError as exc:
                if "e+" in id_raw.lower():
                    # A CSV saved by Excel holds the number as 3.30523E+17 (no cell types there).
                    self._fail(number, "id_number", _excel_number_message())
                else:
                    self._fail(number, "id_number", exc.messages[0])
        if id_number:
            first = self.first_row_of_id.setdefault(id_number, number)
            if first != number:
                self._fail(number, "id_number", _("The same ID number is already on row %(row)d.") % {"row": first})
                id_number = ""

        phone = raw.get("phone", "").strip()
        if phone:
            try:
                phone = validate_phone(phone)
            except ValidationError as exc:
                self._fail(number, "phone", exc.messages[0])

        group_id = None
        group = raw.get("group", "").strip()
        if group:
            group_id = self.group_by_code.get(group) or self.group_by_name.get(group)
            if group_id is None:
                self._fail(
                    number,
                    "group",
                    _("There is no villager group “%(value)s” in this village.") % {"value": _short(group)},
                )

        grid_id = None
        grid = raw.get("grid", "").strip()
        if grid:
            grid_id = self.grid_by_name.get(grid)
            if grid_id is None:
                self._fail(number, "grid", _("There is no grid “%(value)s” in this village.") % {"value": _short(grid)})

        flags = {}
        for column in ("household_representative", "living_away"):
            value = raw.get(column, "")
            flags[column] = _flag(value)
            if flags[column] is None:
                self._fail(number, column, _("Write 是 or 否 (yes or no), not “%(value)s”.") % {"value": _short(value)})
        representative, living_away = bool(flags["household_representative"]), bool(flags["living_away"])

        away_city = raw.get("away_city", "").strip()
        if away_city and flags["living_away"] is False:
            self._fail(
                number, "away_city", _("A city where they work is given, but the person is not marked as working away.")
            )
        elif len(away_city) > MAX_CITY:
            self._fail(number, "away_city", _("The city is longer than %(max)d characters.") % {"max": MAX_CITY})

        household = raw.get("household", "").strip()
        if len(household) > MAX_HOUSEHOLD:
            self._fail(
                number, "household", _("A household number has at most %(max)d characters.") % {"max": MAX_HOUSEHOLD}
            )
        elif household:
            self._check_household(number, household, group_id, representative)
        elif representative:
            self._fail(number, "household_representative", _("A household representative needs a household number."))

        if self.problems != problems_before:
            self.result.rejected_rows += 1
        elif id_number:
            self.batch.append(
                _Row(
                    number, name, id_number, phone, group_id, household, representative, living_away, away_city, grid_id
                )
            )
        if self.result.rows % BATCH_ROWS == 0:
            self.flush()

    def _check_household(self, number: int, household: str, group_id: int | None, representative: bool) -> None:
        existing = self.households.get(household)
        if existing is not None and household not in self.household_group:
            if group_id is not None and existing[1] is not None and existing[1] != group_id:
                self._fail(
                    number,
                    "group",
                    _("Household %(household)s belongs to another villager group.") % {"household": _short(household)},
                )
            if representative and existing[2] is not None:
                self._fail(
                    number,
                    "household_representative",
                    _("Household %(household)s already has a representative.") % {"household": _short(household)},
                )
        else:
            first_group, first_row = self.household_group.setdefault(household, (group_id, number))
            if group_id is not None and first_group is not None and first_group != group_id:
                self._fail(
                    number,
                    "group",
                    _("Household %(household)s is in another villager group on row %(row)d.")
                    % {"household": _short(household), "row": first_row},
                )
        if representative:
            first = self.representative_row.setdefault(household, number)
            if first != number:
                self._fail(
                    number,
                    "household_representative",
                    _("Household %(household)s already has a representative on row %(row)d.")
                    % {"household": _short(household), "row": first},
                )

    # Batches -------------------------------------------------------------------------------
    def flush(self) -> None:
        """Look up the batch's ID numbers in the register (one query per chunk), then write it."""
        batch, self.batch = self.batch, []
        if batch:
            hashes = {blind_index(r.id_number): r for r in batch}
            keys = list(hashes)
            for start in range(0, len(keys), LOOKUP_CHUNK):
                for found in (
                    Villager.objects.filter(id_hash__in=keys[start : start + LOOKUP_CHUNK])
                    .order_by()
                    .values_list("id_hash", flat=True)
                ):
                    self._fail(
                        hashes[found].row, "id_number", _("A villager with this ID number is already registered.")
                    )
                    self.result.rejected_rows += 1  # rows in a batch had no other problem
            # Once anything is wrong the transaction will be rolled back: stop writing, keep checking.
            if self.write and not self.problems:
                self._write(batch)
        if self.progress is not None:
            self.progress(self.result.rows)

    def _write(self, batch: list[_Row]) -> None:
        village = self.village
        new = {}
        for r in batch:
            if r.household and r.household not in self.households and r.household not in new:
                group_id = self.household_group.get(r.household, (r.group_id, 0))[0]
                new[r.household] = Household(
                    village=village, group_id=group_id, number=r.household, region_code=village.code
                )
        if new:
            _insert_many(Household, new.values())
            numbers = list(new)
            for start in range(0, len(numbers), LOOKUP_CHUNK):
                chunk = numbers[start : start + LOOKUP_CHUNK]
                for number, pk in (
                    Household.objects.filter(village=village, number__in=chunk).order_by().values_list("number", "id")
                ):
                    self.households[number] = [pk, new[number].group_id, None]
            self.result.created_households += len(new)
        villagers = []
        for r in batch:
            household = self.households.get(r.household) if r.household else None
            v = Villager(
                name=r.name,
                id_number=r.id_number,
                village=village,
                group_id=r.group_id if r.group_id is not None else (household[1] if household else None),
                household_id=household[0] if household else None,
                phone=r.phone,
                living_away=r.living_away,
                away_city=r.away_city if r.living_away else "",
                grid_id=r.grid_id,
            )
            villager_derive_fields(v)
            villagers.append(v)
            if r.representative:
                self.representatives.append((v.household_id, v.id_hash))
        _insert_many(Villager, villagers)
        self.result.created_villagers += len(villagers)

    def _set_representatives(self) -> None:
        """Point each household at its representative, found by ID hash among its own members."""
        qn = connection.ops.quote_name
        household, villager = qn(Household._meta.db_table), qn(Villager._meta.db_table)
        now = Household._meta.get_field("updated_at").get_db_prep_save(timezone.now(), connection)
        per_statement = 400  # 2 parameters a household, under SQLite's 999
        with connection.cursor() as cursor:
            for start in range(0, len(self.representatives), per_statement):
                chunk = self.representatives[start : start + per_statement]
                marks = ", ".join(["%s"] * len(chunk))
                cursor.execute(
                    f"UPDATE {household} SET updated_at = %s, representative_id = (SELECT v.id FROM {villager} v "  # noqa: S608
                    f"WHERE v.household_id = {household}.id AND v.id_hash IN ({marks})) WHERE id IN ({marks})",
                    [now, *(id_hash for _pk, id_hash in chunk), *(pk for pk, _hash in chunk)],
                )

    def finish(self) -> RosterCheck:
        self.flush()
        if self.write and not self.problems and self.representatives:
            self._set_representatives()
        self.result.errors.sort(key=lambda e: (e["row"], COLUMNS.index(e["field"]) if e["field"] in COLUMNS else 99))
        if self.problems > len(self.result.errors):
            self.result.errors.append(
                _error(
                    0,
                    "",
                    _("%(count)d more problems are not listed; fix the ones above and upload the file again.")
                    % {"count": self.problems - len(self.result.errors)},
                )
            )
        return self.result


_PLAIN = (str, int, bool, type(None))


def _insert_many(model, objs) -> None:
    """INSERT rows in bulk, each value prepared by its field as Django would; primary keys are not read back."""
    # bulk_create compiles the SQL value by value through the expression machinery: for 100,000
    # villagers that cost more than the insert itself (measured). SQLite gets one prepared
    # statement run for every row, PostgreSQL a COPY. Callers find rows again by a unique key.
    fields = [f for f in model._meta.concrete_fields if not f.primary_key]
    qn = connection.ops.quote_name
    table, columns = qn(model._meta.db_table), ", ".join(qn(f.column) for f in fields)
    now = timezone.now()
    plan = []  # (attname, field, constant): how each column's value is found
    for f in fields:
        if isinstance(f, models.DateTimeField) and (f.auto_now or f.auto_now_add):
            plan.append((None, None, f.get_db_prep_save(now, connection)))  # one timestamp for the batch
        elif type(f) in (models.CharField, models.BooleanField) or isinstance(f, models.ForeignKey):
            # For plain str/int/bool/None these fields hand the value to the driver unchanged.
            plan.append((f.attname, f, None))
        else:
            plan.append((None, f, None))
    params = []
    for obj in objs:
        row = []
        for attname, f, constant in plan:
            if f is None:
                row.append(constant)
                continue
            if attname is not None:
                value = getattr(obj, attname)
                if value.__class__ in _PLAIN:
                    row.append(value)
                    continue
            row.append(f.get_db_prep_save(f.pre_save(obj, True), connection))
        params.append(row)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # COPY: psycopg's executemany and long multi-row INSERTs both cost more than the insert.
            with cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                for row in params:
                    copy.write_row(row)
        else:
            cursor.executemany(f"INSERT INTO {table} ({columns}) VALUES ({', '.join(['%s'] * len(fields))})", params)  # noqa: S608


def _open_rows(fileobj: BinaryIO, filename: str) -> Iterator[dict]:
    """Rows of the roster after checking its header; file-level problems raise ValidationError."""
    keys, rows = read_rows(fileobj, filename, ALIASES)
    known = [k for k in keys if k in HEADERS]
    if not known:
        raise ValidationError(
            _("The first row must hold the column names (姓名, 身份证号, …). Download the template to see them.")
        )
    missing = [k for k in REQUIRED if k not in known]
    if missing:
        raise ValidationError(
            _("The file has no column for: %(columns)s.")
            % {"columns": join_list(f"{HEADERS[k][0]} ({COLUMN_LABELS[k]})" for k in missing)}
        )
    return _guarded(rows)


def _guarded(rows: Iterator[dict]) -> Iterator[dict]:
    """Turn a reader failure half-way through a file into a message for the user, not a crash."""
    last, count = 1, 0
    while True:
        try:
            raw = next(rows)
        except StopIteration:
            return
        except ValidationError:
            raise
        except Exception as exc:  # a damaged workbook raises zip, XML or value errors from deep in the reader
            logger.info("roster unreadable after row %s", last, exc_info=True)
            raise ValidationError(
                _("The file could not be read after row %(row)d; it may be damaged. Save it again as .xlsx or .csv.")
                % {"row": last}
            ) from exc
        last, count = raw["_row"], count + 1
        if count > MAX_ROWS:
            raise ValidationError(
                _("The file has more than %(max)d rows; split it into several files.") % {"max": MAX_ROWS}
            )
        yield raw


def roster_check(
    *,
    fileobj: BinaryIO,
    filename: str,
    village: Region,
    progress: Callable[[int], None] | None = None,
    stop_after: int | None = None,
) -> RosterCheck:
    """Check every row of a roster without writing anything; file-level problems raise ValidationError."""
    rows = _open_rows(fileobj, filename)
    check = _RosterPass(village=village, write=False, progress=progress)
    for raw in rows:
        if stop_after is not None and check.result.rows >= stop_after:
            check.result.complete = False
            break
        check.feed(raw)
    result = check.finish()
    if result.complete and result.rows == 0:
        raise ValidationError(_("The file has a header but no rows of villagers under it."))
    return result


# --- Progress that other processes can see during the transaction ------------------------------


def _progress_key(public_id: str) -> str:
    return f"cunzhi:roster-progress:{public_id}"


@functools.cache
def _file_cache(path: str) -> FileBasedCache:
    return FileBasedCache(path, {"TIMEOUT": PROGRESS_TTL})


def _progress_cache():
    """Where progress goes while the import's transaction hides its own writes from everyone else."""
    # A database cache would write inside that same transaction (invisible until the end) or, on
    # SQLite, wait for the write lock the import holds; so with the database cache we use files in
    # the data directory (one machine), and any other cache (Redis) as it is.
    default = caches["default"]
    if isinstance(default, DatabaseCache):
        return _file_cache(str(settings.DATA_DIR / "cache" / "roster-progress"))
    return default


class _Progress:
    """Publishes rows done to the progress cache, and on PostgreSQL to the import's row through a second connection."""

    # The second connection lets every app server see progress even without a shared cache.

    def __init__(self, roster_import: RosterImport, callback: Callable[[int], None] | None = None):
        self.key = _progress_key(roster_import.public_id)
        self.pk = roster_import.pk
        self.callback = callback
        self.cache = _progress_cache()
        self.side = None
        # Only at the top level: inside an outer transaction the row may be locked by it (deadlock).
        if connection.vendor == "postgresql" and not connection.in_atomic_block:
            backend = load_backend(connection.settings_dict["ENGINE"])
            self.side = backend.DatabaseWrapper(dict(connection.settings_dict), alias="roster_progress")
            self.side_ready = False

    def __call__(self, done: int) -> None:
        self.cache.set(self.key, done, PROGRESS_TTL)
        if self.side is not None:
            try:
                with self.side.cursor() as cursor:
                    if not self.side_ready:
                        # Never wait on a lock here: progress is a courtesy, the import is the job.
                        cursor.execute("SET lock_timeout = '250ms'")
                        self.side_ready = True
                    cursor.execute(
                        f"UPDATE {RosterImport._meta.db_table} SET processed_rows = %s WHERE id = %s",  # noqa: S608
                        [done, self.pk],
                    )
            except DatabaseError:
                logger.warning("roster progress connection failed; using the cache only", exc_info=True)
                self.close_side()
        if self.callback is not None:
            self.callback(done)

    def close_side(self) -> None:
        if self.side is not None:
            self.side.close()
            self.side = None

    def close(self) -> None:
        self.close_side()
        self.cache.delete(self.key)


def roster_progress(*, roster_import: RosterImport) -> int:
    """Rows checked or imported so far, as the page shows it while a pass runs."""
    if roster_import.status not in (ImportStatus.QUEUED, ImportStatus.RUNNING):
        return roster_import.processed_rows
    return max(roster_import.processed_rows, _progress_cache().get(_progress_key(roster_import.public_id)) or 0)


def roster_phase(*, roster_import: RosterImport) -> str:
    """ "check" or "import" while waiting or running, else ""."""
    # A file is checked before anything else, and only a checked file (total_rows > 0, since a file
    # without rows is refused) can be confirmed: so a queued or running one with no total is checking.
    if roster_import.status not in (ImportStatus.QUEUED, ImportStatus.RUNNING):
        return ""
    return "import" if roster_import.total_rows else "check"


# --- Services on RosterImport records --------------------------------------------------------


def _sniff(upload, name: str) -> None:
    """Refuse files whose content does not match their name before any parser sees them."""
    upload.seek(0)
    head = upload.read(4096)
    upload.seek(0)
    if not head:
        raise ValidationError(_("The file is empty."))
    if name.endswith(".xlsx") and not head.startswith(b"PK\x03\x04"):
        raise ValidationError(_("The file is not a valid XLSX workbook."))
    if name.endswith(".csv") and b"\x00" in head:
        raise ValidationError(_("This .csv file is not text; save the sheet as CSV (or .xlsx) and try again."))


def roster_upload(*, actor, village: Region, upload) -> RosterImport:
    """Store an uploaded roster and check it: small files at once, larger ones by the task worker."""
    if actor is not None and not rules.can_manage_roster(actor, village):
        raise PermissionDenied
    name = (upload.name or "").lower()
    if not name.endswith(ACCEPTED_SUFFIXES):
        raise ValidationError(_("Upload a .xlsx or .csv file (in Excel: File › Save as › Excel workbook)."))
    if upload.size > settings.ROSTER_MAX_UPLOAD_BYTES:
        raise ValidationError(
            _("The file is larger than %(mb)d MB; split it into several files.")
            % {"mb": settings.ROSTER_MAX_UPLOAD_BYTES // (1024 * 1024)}
        )
    _sniff(upload, name)
    # Check the first rows here: a wrong header or a small file gets its answer at once.
    result = roster_check(fileobj=upload, filename=name, village=village, stop_after=settings.ROSTER_BACKGROUND_ROWS)
    upload.seek(0)
    roster_import = RosterImport(village=village, uploaded_by=actor, original_name=(upload.name or "")[:200])
    if result.complete:
        _store_check(roster_import, result)
    else:
        roster_import.status = ImportStatus.QUEUED  # total_rows 0: waiting to be checked
    if roster_import.status != ImportStatus.REJECTED:  # a file with problems is never imported: not kept
        roster_import.file.save(roster_import.public_id + os.path.splitext(name)[1], upload, save=False)
    roster_import.save()
    audit_record(
        actor=actor,
        action="roster.upload",
        obj=roster_import,
        after={"file": roster_import.original_name, "status": roster_import.status},
    )
    if not result.complete:
        from cunzhi.people.tasks import roster_check_task

        pk = roster_import.pk
        transaction.on_commit(lambda: roster_check_task.enqueue(import_id=pk))
    return roster_import


def _store_check(roster_import: RosterImport, result: RosterCheck) -> None:
    roster_import.total_rows = roster_import.processed_rows = result.rows
    roster_import.errors = result.errors
    roster_import.status = ImportStatus.REJECTED if result.errors else ImportStatus.PREVIEWED


def _file_error(exc: ValidationError) -> list[dict]:
    return [_error(0, "", m) for m in exc.messages]


def _system_error(exc: Exception) -> list[dict]:
    return [
        _error(
            0,
            "",
            _(
                "The work stopped because of a system error (%(error)s); nothing was imported. "
                "Try again later or ask the administrator."
            )
            % {"error": exc.__class__.__name__},
        )
    ]


def _claim(roster_import: RosterImport, **conditions) -> bool:
    """Move QUEUED -> RUNNING in one UPDATE, so two workers (or a double click) never both run it."""
    claimed = RosterImport.objects.filter(pk=roster_import.pk, status=ImportStatus.QUEUED, **conditions).update(
        status=ImportStatus.RUNNING, processed_rows=0, updated_at=timezone.now()
    )
    roster_import.refresh_from_db()
    return bool(claimed)


def roster_check_run(*, roster_import: RosterImport, on_progress: Callable[[int], None] | None = None) -> RosterImport:
    """Check a stored roster that was too large to check during the upload (task worker)."""
    if not _claim(roster_import, total_rows=0):
        return roster_import
    progress = _Progress(roster_import, on_progress)
    try:
        with roster_import.file.open("rb") as fileobj:
            result = roster_check(
                fileobj=fileobj, filename=roster_import.file.name, village=roster_import.village, progress=progress
            )
        _store_check(roster_import, result)
    except ValidationError as exc:
        roster_import.status, roster_import.errors = ImportStatus.REJECTED, _file_error(exc)
    except Exception as exc:  # storage or database trouble: shown on the page, never left "running"
        logger.exception("roster check %s failed", roster_import.public_id)
        roster_import.status, roster_import.errors = ImportStatus.FAILED, _system_error(exc)
    finally:
        progress.close()
    if roster_import.status != ImportStatus.PREVIEWED:  # rejected or failed: a corrected file comes next
        _file_discard(roster_import)
    roster_import.save(update_fields=["status", "total_rows", "processed_rows", "errors", "file", "updated_at"])
    return roster_import


def roster_confirm(*, actor, roster_import: RosterImport) -> RosterImport:
    """Start writing a checked roster: at once when small, by the task worker when large."""
    if actor is not None and not rules.can_manage_roster(actor, roster_import.village):
        raise PermissionDenied
    if roster_import.status != ImportStatus.PREVIEWED or roster_import.errors:
        raise ValidationError(_("Only a checked roster without problems can be imported."))
    claimed = RosterImport.objects.filter(pk=roster_import.pk, status=ImportStatus.PREVIEWED).update(
        status=ImportStatus.QUEUED, updated_at=timezone.now()
    )
    if not claimed:  # a second click while the first is already on its way
        raise ValidationError(_("This roster is already being imported."))
    roster_import.status = ImportStatus.QUEUED
    audit_record(
        actor=actor,
        action="roster.confirm",
        obj=roster_import,
        before={"status": ImportStatus.PREVIEWED},
        after={"status": ImportStatus.QUEUED},
    )
    if roster_import.total_rows > settings.ROSTER_BACKGROUND_ROWS:
        from cunzhi.people.tasks import roster_import_task

        pk, actor_id = roster_import.pk, getattr(actor, "pk", None)
        transaction.on_commit(lambda: roster_import_task.enqueue(import_id=pk, actor_id=actor_id))
        return roster_import
    return roster_import_run(roster_import=roster_import, actor=actor)


@contextlib.contextmanager
def _sqlite_cache(kib: int = 65536):
    """A larger SQLite page cache while inserting (64 MB instead of 2 MB)."""
    # The random ID-hash and public-id indexes outgrow the default, and then every insert reads
    # pages back from disk (measured: a third faster for 100,000 rows).
    if connection.vendor != "sqlite":
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA cache_size")
        before = cursor.fetchone()[0]
        cursor.execute(f"PRAGMA cache_size = -{int(kib)}")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f"PRAGMA cache_size = {int(before)}")


def roster_import_run(
    *, roster_import: RosterImport, actor=None, on_progress: Callable[[int], None] | None = None
) -> RosterImport:
    """Write a queued roster in one transaction: every row is checked again, and any problem writes nothing."""
    if not _claim(roster_import):
        return roster_import
    progress = _Progress(roster_import, on_progress)  # before the transaction: see _Progress
    started = time.monotonic()
    try:
        try:
            with transaction.atomic(), _sqlite_cache(), roster_import.file.open("rb") as fileobj:
                writer = _RosterPass(village=roster_import.village, write=True, progress=progress)
                for raw in _open_rows(fileobj, roster_import.file.name):
                    writer.feed(raw)
                result = writer.finish()
                if result.errors:
                    raise _Rejected(result)
                progress.close_side()  # the row is written below, in this transaction
                roster_import.status = ImportStatus.DONE
                roster_import.total_rows = roster_import.processed_rows = result.rows
                roster_import.created_villagers = result.created_villagers
                roster_import.created_households = result.created_households
                roster_import.errors = []
                roster_import.finished_at = timezone.now()
                _file_discard(roster_import)  # deleted when this transaction commits
                roster_import.save()
                audit_record(
                    actor=actor,
                    action="roster.import",
                    obj=roster_import,
                    before={"status": ImportStatus.RUNNING},
                    after={
                        "status": ImportStatus.DONE,
                        "rows": result.rows,
                        "villagers": result.created_villagers,
                        "households": result.created_households,
                        "seconds": round(time.monotonic() - started, 1),
                    },
                )
            return roster_import
        except _Rejected as rejected:
            roster_import.status, roster_import.errors = ImportStatus.REJECTED, rejected.result.errors
            roster_import.processed_rows = rejected.result.rows
        except ValidationError as exc:
            roster_import.status, roster_import.errors = ImportStatus.REJECTED, _file_error(exc)
        except Exception as exc:  # a database or storage failure: rolled back, recorded, shown
            logger.exception("roster import %s failed", roster_import.public_id)
            roster_import.status, roster_import.errors = ImportStatus.FAILED, _system_error(exc)
    finally:
        progress.close()
    # The transaction above rolled back, so these fields hold what the database should now say.
    roster_import.created_villagers = roster_import.created_households = 0
    roster_import.finished_at = timezone.now()
    _file_discard(roster_import)  # rejected or failed: the corrected file is uploaded again
    roster_import.save()
    audit_record(
        actor=actor,
        action="roster.import",
        obj=roster_import,
        before={"status": ImportStatus.RUNNING},
        after={"status": roster_import.status, "problems": len(roster_import.errors)},
    )
    return roster_import


# --- The uploaded file -------------------------------------------------------------------------
# It holds every full ID number of a village in plain text (PIPL: keep personal data no longer than
# its purpose needs). It is kept only while it may still be imported: deleted as soon as the import
# ends (done, rejected or failed: a corrected file is uploaded again), and a checked upload nobody
# confirms is deleted after ROSTER_FILE_KEEP_DAYS by roster_files_expire (a periodic job).


def _file_discard(roster_import: RosterImport) -> None:
    """Clear the record's file (the caller saves it) and delete the file once that save is committed."""
    name = roster_import.file.name
    if not name:
        return
    storage = roster_import.file.storage
    roster_import.file = ""
    # After the commit: a rolled-back import keeps its file, and its record still points at it.
    transaction.on_commit(lambda: storage.delete(name), robust=True)


def roster_files_expire(*, now=None) -> int:
    """Delete stored rosters nobody will import (checked uploads left unconfirmed, any left by a crash).

    Returns how many."""
    now = now or timezone.now()
    keep = settings.ROSTER_FILE_KEEP_DAYS
    cutoff = now - dt.timedelta(days=keep)
    finished = (ImportStatus.DONE, ImportStatus.REJECTED, ImportStatus.FAILED)
    stale = (
        RosterImport.objects.exclude(file="")
        .filter(Q(status__in=finished) | Q(status=ImportStatus.PREVIEWED, updated_at__lt=cutoff))
        .select_related("village", "uploaded_by")
    )
    expired = 0
    for roster_import in stale:
        with transaction.atomic():
            status = roster_import.status
            if status == ImportStatus.PREVIEWED:
                with translation.override(roster_import_language(roster_import)):
                    message = ngettext(
                        "The file was not imported within %(days)d day and was deleted, because it holds full "
                        "ID numbers. To import it, upload it again.",
                        "The file was not imported within %(days)d days and was deleted, because it holds full "
                        "ID numbers. To import it, upload it again.",
                        keep,
                    ) % {"days": keep}
                roster_import.status, roster_import.errors = ImportStatus.REJECTED, [_error(0, "", message)]
            # Only if nobody confirmed it meanwhile: a confirm moves PREVIEWED on in one UPDATE too.
            name = roster_import.file.name
            _file_discard(roster_import)
            if not RosterImport.objects.filter(pk=roster_import.pk, status=status, file=name).update(
                status=roster_import.status, errors=roster_import.errors, file="", updated_at=now
            ):
                transaction.set_rollback(True)  # drops the deletion registered above
                continue
            if status == ImportStatus.PREVIEWED:
                audit_record(
                    actor=None,
                    action="roster.expire",
                    obj=roster_import,
                    before={"status": status},
                    after={"status": roster_import.status, "days": keep},
                )
            expired += 1
    return expired


def roster_import_create(*, path: str, village: Region, total_rows: int) -> RosterImport:
    """Record a checked roster file given on the command line, ready for roster_import_run."""
    name = os.path.basename(path)
    roster_import = RosterImport(
        village=village, original_name=name[:200], status=ImportStatus.QUEUED, total_rows=total_rows
    )
    with open(path, "rb") as fh:
        roster_import.file.save(roster_import.public_id + os.path.splitext(name)[1].lower(), File(fh), save=False)
    roster_import.save()
    audit_record(
        actor=None,
        action="roster.upload",
        obj=roster_import,
        after={"file": name, "status": roster_import.status, "via": "import_roster"},
    )
    return roster_import


def roster_import_language(roster_import: RosterImport) -> str:
    """The language the uploader reads, for messages written by the task worker."""
    user = roster_import.uploaded_by
    return getattr(user, "language", "") or settings.LANGUAGE_CODE


# --- Template and export ---------------------------------------------------------------------


def roster_headers() -> list[str]:
    """Column headers in the reader's language (both languages are accepted on import)."""
    english = not (translation.get_language() or settings.LANGUAGE_CODE).startswith("zh")
    return [HEADERS[key][1 if english else 0] for key in COLUMNS]


def roster_template_bytes(*, fmt: str) -> bytes:
    """An empty roster to fill in: the header row and one example row, as XLSX or CSV."""
    if fmt == "csv":
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(roster_headers())
        writer.writerow(EXAMPLE_ROW)
        return out.getvalue().encode("utf-8-sig")  # the BOM makes Excel read UTF-8, not GBK
    return xlsx_response_bytes(roster_headers(), [EXAMPLE_ROW], sheet_title="roster")


def roster_export_rows(*, viewer, village: Region) -> tuple[list[str], list[list[str]], list[Villager]]:
    """Header, rows and villagers of a village's roster; ID numbers and phones masked as the viewer's role asks."""
    full_id = rules.in_scope(viewer, village.code, rules.FULL_ID_ROLES)
    full_phone = rules.in_scope(viewer, village.code, rules.PHONE_ROLES)
    yes, no = "是", "否"
    villagers = list(
        Villager.objects.filter(village=village)
        .select_related("group", "household", "grid")
        .order_by("group__code", "household__number", "id")
    )
    rows = []
    for v in villagers:
        household = v.household
        own = rules.is_self(viewer, v)
        rows.append(
            [
                v.name,
                v.id_number if (full_id or own) else mask_id_number(v.id_number),
                v.phone if (full_phone or own) else mask_phone(v.phone),
                v.group.name if v.group else "",
                household.number if household else "",
                yes if household is not None and household.representative_id == v.pk else no,
                yes if v.living_away else no,
                v.away_city,
                v.grid.name if v.grid else "",
            ]
        )
    return roster_headers(), rows, villagers


def roster_export_xlsx(*, viewer, village: Region) -> bytes:
    """The village roster as XLSX for this viewer; every villager in it gets an access-log row."""
    if not rules.can_export_roster(viewer, village):
        raise PermissionDenied
    header, rows, villagers = roster_export_rows(viewer=viewer, village=village)
    # Excel forbids []:*?/\ in sheet names.
    data = xlsx_response_bytes(header, rows, sheet_title=re.sub(r"[\[\]:*?/\\]", "", village.name) or "roster")
    # A stored snapshot, like the actor's office: in the official language, whatever the exporter reads.
    with translation.override(settings.LANGUAGE_CODE):
        purpose = _("Roster export of %(village)s") % {"village": village.name}
    access_record_many(actor=viewer, villagers=villagers, kind=AccessKind.EXPORT, purpose=purpose)
    return data


def roster_export_filename(*, village: Region) -> str:
    return f"roster-{village.code}-{timezone.localdate():%Y%m%d}.xlsx"
