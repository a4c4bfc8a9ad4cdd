"""Progress of a roster pass that other processes can see during its transaction."""

import functools
import logging
from collections.abc import Callable

from django.conf import settings
from django.core.cache import caches
from django.core.cache.backends.db import DatabaseCache
from django.core.cache.backends.filebased import FileBasedCache
from django.db import DatabaseError, connection
from django.db.utils import load_backend

from cunzhi.people.models import ImportStatus, RosterImport

logger = logging.getLogger("cunzhi.people.roster")
PROGRESS_TTL = 24 * 3600


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

    def __call__(self, done: int) -> None:
        self.cache.set(self.key, done, PROGRESS_TTL)
        if self.side is not None:
            try:
                with self.side.cursor() as cursor:
                    # Never wait on a lock here: progress is a courtesy, the import is the job. Both statements
                    # go as one message, so they are one transaction and SET LOCAL ends with it: nothing is left
                    # on a server connection that PgBouncer (transaction mode) hands to another client next.
                    cursor.execute(
                        f"SET LOCAL lock_timeout = '250ms'; UPDATE {RosterImport._meta.db_table} "  # noqa: S608
                        "SET processed_rows = %s WHERE id = %s",
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
