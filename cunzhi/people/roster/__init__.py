"""Roster import and export: a cadre's spreadsheet of villagers, checked row by row, written all-or-nothing.

The flow: upload -> check (every row, nothing written) -> preview -> confirm -> import (checked again
inside one transaction, because the register may have changed since the preview) -> done.
The management command `import_roster` runs the same check and import.

The package, by what each part does:
- columns.py: the file's columns, headers and aliases;
- check.py: the streaming pass that checks every row (and, for the import, writes them in batches);
- progress.py: rows done, visible to other processes while the import's transaction runs;
- importing.py: the services on RosterImport records (upload, check, confirm, import, file expiry);
- export.py: the template to fill in, and a village's roster exported for a viewer.

What the rest of Cunzhi calls is named here.
"""

from .check import RosterCheck, roster_check
from .columns import ACCEPTED_SUFFIXES, ALIASES, COLUMN_LABELS, COLUMNS, HEADERS, XLSX_TYPE
from .export import (
    roster_export_filename,
    roster_export_rows,
    roster_export_xlsx,
    roster_headers,
    roster_template_bytes,
)
from .importing import (
    roster_check_run,
    roster_confirm,
    roster_files_expire,
    roster_import_create,
    roster_import_language,
    roster_import_run,
    roster_upload,
)
from .progress import roster_phase, roster_progress

__all__ = [
    "ACCEPTED_SUFFIXES",
    "ALIASES",
    "COLUMNS",
    "COLUMN_LABELS",
    "HEADERS",
    "XLSX_TYPE",
    "RosterCheck",
    "roster_check",
    "roster_check_run",
    "roster_confirm",
    "roster_export_filename",
    "roster_export_rows",
    "roster_export_xlsx",
    "roster_files_expire",
    "roster_headers",
    "roster_import_create",
    "roster_import_language",
    "roster_import_run",
    "roster_phase",
    "roster_progress",
    "roster_template_bytes",
    "roster_upload",
]
