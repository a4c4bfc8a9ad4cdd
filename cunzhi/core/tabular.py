"""Reading and writing the spreadsheets cadres actually use: CSV (UTF-8 or GBK) and XLSX.

Rows are streamed, so a 100,000-row roster never sits in memory as a whole workbook.
"""

import csv
import io
from collections.abc import Iterator
from typing import BinaryIO

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from openpyxl import Workbook, load_workbook


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)  # Excel turns long numbers typed as numbers into floats
    return str(value).strip()


def _decode(data: bytes) -> str:
    for encoding in ("utf-8-sig", "gb18030"):  # Excel in China saves CSV as GBK by default
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise ValidationError(_("The file is not readable text (UTF-8 or GBK)."))


def read_rows(fileobj: BinaryIO, filename: str, aliases: dict[str, str]) -> tuple[list[str], Iterator[dict]]:
    """Header keys (normalised through `aliases`, e.g. {"姓名": "name"}) and an iterator of row dicts.

    Each dict carries "_row", the 1-based line/row number the user sees in their spreadsheet.
    """
    name = filename.lower()
    if name.endswith(".xlsx"):
        try:
            wb = load_workbook(fileobj, read_only=True, data_only=True)
        except Exception:  # openpyxl raises many kinds for a broken or disguised file
            raise ValidationError(_("The file is not a valid XLSX workbook."))
        rows = wb.worksheets[0].iter_rows(values_only=True)
        raw_iter = (([_text(v) for v in row]) for row in rows)
    elif name.endswith(".csv") or name.endswith(".txt"):
        raw_iter = csv.reader(io.StringIO(_decode(fileobj.read())))
    else:
        raise ValidationError(_("Upload a .xlsx or .csv file."))
    try:
        header = next(raw_iter)
    except StopIteration:
        raise ValidationError(_("The file is empty."))
    keys = [aliases.get(h.strip().lower(), aliases.get(h.strip(), h.strip().lower())) for h in header]

    def gen():
        for number, row in enumerate(raw_iter, start=2):
            values = [_text(v) for v in row]
            if not any(values):
                continue
            item = dict(zip(keys, values))
            item["_row"] = number
            yield item

    return keys, gen()


def xlsx_response_bytes(header: list[str], rows, sheet_title: str = "Sheet1") -> bytes:
    """An XLSX file from a header and an iterable of row lists, written in streaming mode."""
    wb = Workbook(write_only=True)
    ws = wb.create_sheet(title=sheet_title[:31])
    ws.append(header)
    for row in rows:
        ws.append(row)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()
