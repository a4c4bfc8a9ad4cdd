"""The roster template to fill in, and a village's roster exported for a viewer."""

import csv
import io
import re

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from cunzhi.core.idnumbers import mask_id_number, mask_phone
from cunzhi.core.tabular import xlsx_response_bytes
from cunzhi.people import rules
from cunzhi.people.models import AccessKind, Villager
from cunzhi.people.selectors import consents
from cunzhi.people.services import access_record_many
from cunzhi.regions.models import Region

from .columns import COLUMNS, EXAMPLE_ROW, HEADERS


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
    # The consent each number has on record (one query per 5,000 numbers): blank when never asked.
    said = consents({v.phone for v in villagers if v.phone})
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
                {True: yes, False: no}.get(said.get(v.phone), "") if v.phone else "",
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
