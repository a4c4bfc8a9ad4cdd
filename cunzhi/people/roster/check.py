"""Checking a roster row by row: one streaming pass that checks every row, and when it writes (the
import) inserts them in batches through core.bulk, inside the caller's transaction."""

import logging
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import BinaryIO

from django.core.exceptions import ValidationError
from django.db import connection
from django.utils import timezone
from django.utils.translation import gettext as _

from cunzhi.core.bulk import objects_insert
from cunzhi.core.crypto import blind_index
from cunzhi.core.idnumbers import validate_id_number, validate_phone
from cunzhi.core.tabular import read_rows
from cunzhi.core.text import join_list
from cunzhi.people.models import ConsentSource, Grid, Household, SmsConsent, Villager
from cunzhi.people.services import villager_derive_fields
from cunzhi.regions.models import Level, Region

from .columns import ALIASES, COLUMN_LABELS, COLUMNS, HEADERS, REQUIRED

logger = logging.getLogger("cunzhi.people.roster")


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
    sms_consent: bool | None  # None: the roster does not say


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

        consent_value = raw.get("sms_consent", "").strip()
        sms_consent = _flag(consent_value) if consent_value else None
        if consent_value and sms_consent is None:
            self._fail(
                number,
                "sms_consent",
                _("Write 是 or 否 (yes or no), not “%(value)s”.") % {"value": _short(consent_value)},
            )
        elif sms_consent is not None and not phone:
            self._fail(number, "sms_consent", _("Consent to texts is given, but there is no mobile number."))

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
                    number,
                    name,
                    id_number,
                    phone,
                    group_id,
                    household,
                    representative,
                    living_away,
                    away_city,
                    grid_id,
                    sms_consent,
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
            objects_insert(Household, new.values())
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
        objects_insert(Villager, villagers)
        self.result.created_villagers += len(villagers)
        # The roster's answer on texts becomes the number's consent on record (kept as history).
        now = timezone.now()
        consents = [
            SmsConsent(phone=r.phone, given=r.sms_consent, source=ConsentSource.ROSTER, at=now)
            for r in batch
            if r.sms_consent is not None and r.phone
        ]
        if consents:
            objects_insert(SmsConsent, consents)

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
