"""Writes for the region tree: creating regions, importing them from a spreadsheet. Grids are people's."""

import re
from typing import Any, BinaryIO

from django.contrib.auth.base_user import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from cunzhi.core.audit import audit_record
from cunzhi.core.idnumbers import AREA_CODE_RE
from cunzhi.core.tabular import read_rows
from cunzhi.core.text import join_list
from cunzhi.regions.events import RegionEvent
from cunzhi.regions.models import PARENT_LEVEL, Level, Region, level_of_code, region_prefix

GROUP_CODE_RE = re.compile(r"^\d{15}$")

# Who acts: an account, or None for the platform. regions sits below people (DESIGN.md layers), so it
# cannot name people.actors.Actor; AbstractBaseUser is what core.audit takes.
Actor = AbstractBaseUser | None


def region_code_problems(*, code: str, level: str, parent: Region | None) -> list[str]:
    """Why this code cannot name a region at this level under this parent (empty if it can). Format only."""
    if level == Level.GROUP:
        if not GROUP_CODE_RE.match(code or ""):
            return [_("A villager group's code is its village's 12-digit code followed by 3 digits.")]
    elif not AREA_CODE_RE.match(code or ""):
        return [_("An area code has exactly 12 digits.")]
    shapes: dict[str, bool] = {
        Level.COUNTY: code[6:] == "000000",
        Level.TOWNSHIP: code[6:9] != "000" and code[9:] == "000",
        Level.VILLAGE: code[9:12] != "000",
        Level.GROUP: code[12:] != "000",
    }
    shape_ok = shapes.get(level, False)  # `level` may be any string here
    if not shape_ok:
        return [_("This code does not have the shape of a %(level)s code.") % {"level": Level(level).label}]
    wanted = PARENT_LEVEL.get(Level(level))  # level is valid here: shape_ok was False otherwise
    if wanted:
        if parent is None or parent.level != wanted:
            return [
                _("A %(level)s must belong to a %(parent)s.")
                % {"level": Level(level).label, "parent": Level(wanted).label}
            ]
        if not code.startswith(parent.prefix):
            return [
                _("The code %(code)s does not start with its parent's code %(prefix)s.")
                % {"code": code, "prefix": parent.prefix}
            ]
    return []


def region_create(*, actor: Actor, code: str, name: str, level: str, parent: Region | None = None) -> Region:
    """Add a region to the tree after checking its code's format against its parent."""
    problems = region_code_problems(code=code, level=level, parent=parent)
    if problems:
        raise ValidationError({"code": problems})
    if not name.strip():
        raise ValidationError({"name": [_("A name is required.")]})
    region = Region.objects.create(code=code, name=name.strip(), level=level, parent=parent)
    audit_record(actor=actor, action=RegionEvent.REGION_CREATE, obj=region, region_code=code, after={"name": name})
    return region


REGION_ALIASES = {
    "代码": "code",
    "区划代码": "code",
    "统计用区划代码": "code",
    "名称": "name",
    "上级代码": "parent",
    "上级": "parent",
    "parent_code": "parent",
    "层级": "level",
    "级别": "level",
}
LEVEL_WORDS = {
    "乡镇": Level.TOWNSHIP,
    "镇": Level.TOWNSHIP,
    "乡": Level.TOWNSHIP,
    "街道": Level.TOWNSHIP,
    "村": Level.VILLAGE,
    "社区": Level.VILLAGE,
    "村民小组": Level.GROUP,
    "小组": Level.GROUP,
    "组": Level.GROUP,
    "县": Level.COUNTY,
}


MAX_IMPORT_ERRORS = 500


def regions_import(
    *, actor: Actor, fileobj: BinaryIO, filename: str, county: Region, commit: bool = True
) -> tuple[int, list[dict[str, Any]]]:
    """Import townships, villages and groups under a county from CSV/XLSX (code, name[, parent, level]).

    All-or-nothing: returns (created, errors); with any error nothing is written. A file that cannot
    be read at all raises ValidationError.
    """
    if county.level != Level.COUNTY:
        raise ValidationError(_("Regions are imported into a county."))
    keys, rows = read_rows(fileobj, filename, REGION_ALIASES)
    missing = [k for k in ("code", "name") if k not in keys]
    if missing:
        raise ValidationError(
            _("The first row must name the columns; missing: %(cols)s.") % {"cols": join_list(missing)}
        )
    name_max = Region._meta.get_field("name").max_length
    assert name_max is not None  # Region.name is a CharField with a max_length
    existing = {r.code: r for r in Region.objects.filter(prefix__startswith=county.prefix)}
    planned: list[tuple[dict[str, Any], str]] = []
    errors: list[dict[str, Any]] = []
    seen: set[str] = set()
    failed_codes: set[str] = set()
    hidden = 0

    def fail(row: dict[str, Any], field: str, message: str) -> None:
        nonlocal hidden
        failed_codes.add(row.get("code", ""))
        if len(errors) < MAX_IMPORT_ERRORS:
            errors.append({"row": row["_row"], "field": field, "message": message})
        else:
            hidden += 1  # a file of junk must not fill the memory with messages

    for row in rows:
        code = row.get("code", "").replace(" ", "")
        row["code"] = code
        raw_level = row.get("level", "").strip()
        if not (GROUP_CODE_RE.match(code) or AREA_CODE_RE.match(code)):
            fail(row, "code", _("An area code has exactly 12 digits (a villager group's 15)."))
            continue
        level = LEVEL_WORDS.get(raw_level, raw_level.lower()) or _guess_level(code)
        if level not in Level.values or level == Level.COUNTY:
            fail(row, "level", _("Only townships, villages and villager groups can be imported."))
            continue
        if not code.startswith(county.prefix):
            fail(row, "code", _("The code is not in this county."))
            continue
        if code in seen:
            fail(row, "code", _("This code appears twice in the file."))
            continue
        if code in existing:
            fail(row, "code", _("This code is already registered."))
            continue
        if not row.get("name"):
            fail(row, "name", _("A name is required."))
            continue
        if len(row["name"]) > name_max:
            fail(row, "name", _("The name is too long."))
            continue
        seen.add(code)
        planned.append((row, level))
    # Parents may come later in the file: create level by level.
    order: list[str] = [Level.TOWNSHIP, Level.VILLAGE, Level.GROUP]
    planned.sort(key=lambda item: (order.index(item[1]), item[0]["code"]))
    created = 0
    with transaction.atomic():
        for row, level in planned:
            code = row["code"]
            parent_code = row.get("parent", "").replace(" ", "") or _parent_code(code, level)
            parent = existing.get(parent_code)
            if parent is None and parent_code in failed_codes:
                failed_codes.add(code)  # its parent's row already carries the error
                continue
            if parent is None:
                fail(
                    row,
                    "parent",
                    _("The parent region %(code)s is neither registered nor in the file.") % {"code": parent_code},
                )
                continue
            problems = region_code_problems(code=code, level=level, parent=parent)
            if problems:
                fail(row, "code", problems[0])
                continue
            existing[code] = Region.objects.create(code=code, name=row["name"], level=level, parent=parent)
            created += 1
        if errors or failed_codes or not commit:
            # A preview, or a file with errors: nothing stays written.
            transaction.set_rollback(True)
            errors.sort(key=lambda e: e["row"])
            if hidden:
                errors.append(
                    {"row": "", "field": "", "message": _("%(count)d more errors not shown.") % {"count": hidden}}
                )
            return 0 if (errors or failed_codes) else created, errors
        audit_record(
            actor=actor,
            action=RegionEvent.REGIONS_IMPORT,
            obj=county,
            region_code=county.code,
            after={"created": created, "file": filename},
        )
    return created, errors


def _guess_level(code: str) -> str:
    if GROUP_CODE_RE.match(code):
        return Level.GROUP
    if AREA_CODE_RE.match(code):
        return level_of_code(code)
    return ""


def _parent_code(code: str, level: str) -> str:
    if level == Level.GROUP:
        return code[:12]
    if level == Level.VILLAGE:
        return region_prefix(code, Level.TOWNSHIP) + "000"
    return region_prefix(code, Level.COUNTY) + "000000"
