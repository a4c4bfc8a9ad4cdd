"""Services on RosterImport records: upload (checked at once or queued), the background check,
confirm, the all-or-nothing import, and the uploaded file's short life."""

import contextlib
import datetime as dt
import logging
import os
import time
from collections.abc import Callable

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import File
from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from cunzhi.core.audit import audit_record
from cunzhi.people import rules
from cunzhi.people.events import PeopleEvent
from cunzhi.people.models import ImportStatus, RosterImport
from cunzhi.regions.models import Region

from .check import RosterCheck, _error, _open_rows, _Rejected, _RosterPass, roster_check
from .columns import ACCEPTED_SUFFIXES
from .progress import _Progress

logger = logging.getLogger("cunzhi.people.roster")


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
        action=PeopleEvent.ROSTER_UPLOAD,
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
        action=PeopleEvent.ROSTER_CONFIRM,
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
                    action=PeopleEvent.ROSTER_IMPORT,
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
        action=PeopleEvent.ROSTER_IMPORT,
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
                    action=PeopleEvent.ROSTER_EXPIRE,
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
        action=PeopleEvent.ROSTER_UPLOAD,
        obj=roster_import,
        after={"file": name, "status": roster_import.status, "via": "import_roster"},
    )
    return roster_import


def roster_import_language(roster_import: RosterImport) -> str:
    """The language the uploader reads, for messages written by the task worker."""
    user = roster_import.uploaded_by
    return getattr(user, "language", "") or settings.LANGUAGE_CODE
