"""Personal numbers in free text masked: full ID numbers and bank account numbers never reach a public page.

domain.md: published personal data is de-identified; ID numbers are masked (110105********002X),
bank accounts show only their last four digits. `mask_text` finds them in text and `mask_tables` in
every table cell, masks them, and reports *what* it masked (masked forms only: the original is not
kept anywhere). Disclosure guards its posts with them; the ledger masks purposes for the public.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from cunzhi.core.idnumbers import fold_width, id_birth_date, id_check_char, mask_id_number

# A run of digits (optionally grouped by spaces or dashes, as account numbers are written on
# paper) that is not part of a longer run. 18 characters ending in X/x is an ID number too.
# Full-width digits, spaces, dashes and Ｘ count too (text pasted from a document typed in full-width
# mode): only the number found is folded to ASCII, never the Chinese punctuation around it.
_NUMBER_RE = re.compile(
    r"(?<![0-9A-Za-z０-９Ａ-Ｚａ-ｚ])([0-9０-９](?:[ \-\u3000－]?[0-9０-９]){10,22}[XxＸｘ]?)"
    r"(?![0-9A-Za-z０-９Ａ-Ｚａ-ｚ])"
)
BANK_MIN_DIGITS, BANK_MAX_DIGITS = 12, 19  # bank card and account numbers in China: 12 to 19 digits


@dataclass(frozen=True)
class Masked:
    kind: str  # "id" or "bank"
    # {"part": "title" | "text" | "table", "table": n, "row": n (0 = the heading row, -1 = the title),
    # "column": n}: stored as data and put in words, in the reader's language, when shown.
    where: tuple
    shown_as: str  # the masked form, as published

    def as_dict(self) -> dict:
        return {"kind": self.kind, "where": dict(self.where), "shown_as": self.shown_as}


def _looks_like_id(value: str) -> bool:
    """18 characters that a person would recognise as an ID number: a real birth date or a valid check."""
    if len(value) != 18 or not value[:17].isdigit() or not (value[17].isdigit() or value[17] in "Xx"):
        return False
    if id_check_char(value[:17]) == value[17].upper():
        return True
    try:
        birth = id_birth_date(value)
    except ValueError:
        return False
    # A mistyped ID number is still a person's ID number: a plausible birth date is enough.
    return 1880 <= birth.year <= 2100


def mask_bank_account(digits: str) -> str:
    """All but the last four digits hidden: 6222021234567890123 -> ***************0123."""
    return "*" * (len(digits) - 4) + digits[-4:]


def mask_text(text: str, *, where: tuple = (("part", "text"),)) -> tuple[str, list[Masked]]:
    """The text with ID and bank account numbers masked, and what was masked."""
    found: list[Masked] = []

    def replace(match: re.Match) -> str:
        raw = match.group(1)
        compact = re.sub(r"[ \-]", "", fold_width(raw))
        if _looks_like_id(compact):
            shown = mask_id_number(compact.upper())
            found.append(Masked("id", where, shown))
            return shown
        digits = compact.rstrip("Xx")
        if digits != compact or not (BANK_MIN_DIGITS <= len(digits) <= BANK_MAX_DIGITS):
            return raw  # not a number the guard knows (e.g. a long serial with an X): left as written
        shown = mask_bank_account(digits)
        found.append(Masked("bank", where, shown))
        return shown

    return _NUMBER_RE.sub(replace, text or ""), found


def mask_tables(tables: list[dict]) -> tuple[list[dict], list[Masked]]:
    """Every cell (and heading) of every table masked; `where` names table, row and column (1-based)."""
    out, found = [], []
    for t_no, table in enumerate(tables or [], start=1):
        title, masked = mask_text(table.get("title", ""), where=(("part", "table"), ("table", t_no), ("row", -1)))
        found += masked
        header = []
        for c_no, cell in enumerate(table.get("header", []), start=1):
            where = (("part", "table"), ("table", t_no), ("row", 0), ("column", c_no))
            value, masked = mask_text(str(cell), where=where)
            header.append(value)
            found += masked
        rows = []
        for r_no, row in enumerate(table.get("rows", []), start=1):
            new_row = []
            for c_no, cell in enumerate(row, start=1):
                where = (("part", "table"), ("table", t_no), ("row", r_no), ("column", c_no))
                value, masked = mask_text(str(cell), where=where)
                new_row.append(value)
                found += masked
            rows.append(new_row)
        out.append({**table, "title": title, "header": header, "rows": rows})
    return out, found
