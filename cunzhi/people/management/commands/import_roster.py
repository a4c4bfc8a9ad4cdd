"""python manage.py import_roster FILE --village CODE [--dry-run]: the web import, from a terminal."""

import os

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _
from tqdm import tqdm

from cunzhi.people import roster
from cunzhi.people.models import ImportStatus
from cunzhi.regions.models import Level, Region


class Command(BaseCommand):
    help = (
        "Import a villager roster (.xlsx or .csv) into a village: every row is checked first, "
        "and nothing is written unless every row is right."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="the roster file (.xlsx, or .csv in UTF-8 or GBK)")
        parser.add_argument("--village", required=True, help="the village's 12-digit area code")
        parser.add_argument("--dry-run", action="store_true", help="check the file only; write nothing")

    def _bar(self, desc: str, total: int | None, verbosity: int):
        # tqdm draws on stderr, so the summary on stdout stays clean for scripts.
        return tqdm(
            total=total,
            desc=desc,
            unit=" rows",
            file=self.stderr,
            disable=verbosity == 0,
            dynamic_ncols=True,
            mininterval=0.5,
        )

    def handle(self, *args, file: str, village: str, dry_run: bool, verbosity: int, **options):
        if not os.path.isfile(file):
            raise CommandError(_("No such file: %(file)s") % {"file": file})
        if not file.lower().endswith(roster.ACCEPTED_SUFFIXES):
            raise CommandError(_("The roster must be a .xlsx or .csv file."))
        region = Region.objects.filter(code=village, level=Level.VILLAGE).first()
        if region is None:
            raise CommandError(_("No village has the area code %(code)s.") % {"code": village})

        # The same two passes as the web: check everything (nothing is locked), then import.
        bar = self._bar(_("Checking"), None, verbosity)
        try:
            with open(file, "rb") as fh:
                result = roster.roster_check(
                    fileobj=fh, filename=file, village=region, progress=lambda done: bar.update(done - bar.n)
                )
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages), returncode=2) from None
        finally:
            bar.close()
        if result.errors:
            self._print_errors(result.errors)
            raise CommandError(
                _("%(bad)d of %(rows)d rows have problems; nothing was imported.")
                % {"bad": result.rejected_rows, "rows": result.rows},
                returncode=1,
            )
        if dry_run:
            self.stdout.write(
                _("%(rows)d rows checked, no problems found (dry run: nothing was written).") % {"rows": result.rows}
            )
            return

        roster_import = roster.roster_import_create(path=file, village=region, total_rows=result.rows)
        bar = self._bar(_("Importing"), result.rows, verbosity)
        try:
            roster_import = roster.roster_import_run(
                roster_import=roster_import, actor=None, on_progress=lambda done: bar.update(done - bar.n)
            )
        finally:
            bar.close()
        if roster_import.status != ImportStatus.DONE:
            self._print_errors(roster_import.errors)
            raise CommandError(
                _("Import %(id)s: %(status)s; nothing was imported.")
                % {"id": roster_import.public_id, "status": roster_import.get_status_display()},
                returncode=1,
            )
        self.stdout.write(
            self.style.SUCCESS(
                _(
                    "Imported %(villagers)d villagers and %(households)d new households into %(village)s (%(code)s); "
                    "import %(id)s."
                )
                % {
                    "villagers": roster_import.created_villagers,
                    "households": roster_import.created_households,
                    "village": region.name,
                    "code": region.code,
                    "id": roster_import.public_id,
                }
            )
        )

    def _print_errors(self, errors: list[dict]) -> None:
        for e in errors:
            where = _("row %(row)d") % {"row": e["row"]} if e["row"] else _("file")
            column = roster.HEADERS.get(e["field"], (e["field"],))[0]
            self.stderr.write(f"{where}\t{column}\t{e['message']}")
