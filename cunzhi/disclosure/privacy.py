"""The privacy guard: full ID numbers and bank account numbers never reach a published post.

domain.md: published personal data is de-identified; ID numbers are masked (110105********002X),
bank accounts show only their last four digits. The guard finds them in the text and in every
table cell, masks them, and reports *what* it masked (masked forms only: the original is not
kept anywhere) so the author can see it before and after publishing. The masking itself is
core's (core/masking.py): the ledger masks with it too.
"""

from __future__ import annotations

from django.utils.translation import gettext as _

from cunzhi.core.masking import Masked, mask_tables, mask_text


def guard(*, title: str, body: str, tables: list[dict] | None = None) -> tuple[str, str, list[dict], list[Masked]]:
    """Title, body and tables with personal numbers masked, and the list of what was masked."""
    title, in_title = mask_text(title, where=(("part", "title"),))
    body, in_body = mask_text(body)
    tables, in_tables = mask_tables(tables or [])
    return title, body, tables, in_title + in_body + in_tables


def where_label(where: dict) -> str:
    """Where a masked number was, in the reader's language."""
    part = where.get("part")
    if part == "title":
        return _("title")
    if part == "text":
        return _("text")
    row = where.get("row", 0)
    if row == -1:
        return _("table %(t)s, title") % {"t": where.get("table")}
    if row == 0:
        return _("table %(t)s, heading, column %(c)s") % {"t": where.get("table"), "c": where.get("column")}
    return _("table %(t)s, row %(r)s, column %(c)s") % {"t": where.get("table"), "r": row, "c": where.get("column")}
