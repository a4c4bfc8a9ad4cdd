"""Reading and writing the spreadsheets cadres actually use: CSV (UTF-8 or GBK) and XLSX.

Rows are streamed, so a 100,000-row roster never sits in memory as a whole workbook.
"""

import csv
import functools
import io
import itertools
import zipfile
from collections.abc import Iterator
from typing import BinaryIO
from xml.etree.ElementTree import XMLPullParser, fromstring

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from openpyxl import Workbook, load_workbook
from openpyxl.cell import WriteOnlyCell

_NUMBER_TYPES = (int, float)  # by exact class: a boolean cell is not a number


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

    Each dict carries "_row", the 1-based line/row number the user sees in their spreadsheet, and
    "_numbers", the keys whose cell the workbook stored as a number (always empty for CSV).
    """
    name = filename.lower()
    if name.endswith(".xlsx"):
        numbered = _xlsx_fast(fileobj) or _xlsx_openpyxl(fileobj)
    elif name.endswith((".csv", ".txt")):
        numbered = enumerate(csv.reader(io.StringIO(_decode(fileobj.read()))), start=1)
    else:
        raise ValidationError(_("Upload a .xlsx or .csv file."))
    try:
        _number, header = next(numbered)
    except StopIteration:
        raise ValidationError(_("The file is empty.")) from None
    header = [_text(h) for h in header]
    keys = [aliases.get(h.strip().lower(), aliases.get(h.strip(), h.strip().lower())) for h in header]

    def gen():
        for number, row in numbered:
            values = [_text(v) for v in row]
            if not any(values):
                continue
            item = dict(zip(keys, values))
            item["_row"] = number
            # The cell's type, not its text, tells that Excel made a number of it: an 18-digit ID
            # number typed as a number keeps 15 significant digits, and what is left can still pass
            # the checksum (330523196808118278 reads back as 330523196808118016).
            item["_numbers"] = {k for k, v in zip(keys, row) if v.__class__ in _NUMBER_TYPES}
            yield item

    return keys, gen()


def _xlsx_openpyxl(fileobj: BinaryIO) -> Iterator[tuple[int, tuple]]:
    try:
        wb = load_workbook(fileobj, read_only=True, data_only=True)
    except Exception:  # openpyxl raises many kinds for a broken or disguised file  # noqa: BLE001
        raise ValidationError(_("The file is not a valid XLSX workbook.")) from None
    return enumerate(wb.worksheets[0].iter_rows(values_only=True), start=1)


def _xlsx_fast(fileobj: BinaryIO) -> Iterator[tuple[int, list[str | int | float]]] | None:
    """(row number, values) from the fast reader below, or None when the workbook needs openpyxl's care."""
    try:
        rows = _xlsx_rows(fileobj)
        first = next(rows)
    except Exception:  # anything unusual (strict OOXML, missing parts, not a zip, no rows): openpyxl decides  # noqa: BLE001
        fileobj.seek(0)
        return None
    return itertools.chain([first], rows)


_SHEET_NS = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_REL_NS = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
_PKG_REL_NS = "{http://schemas.openxmlformats.org/package/2006/relationships}"


def _xml_ends(stream, tag: str) -> Iterator:
    """Elements named `tag` as they close; 4 KB reads and no "start" events keep expat fast (measured)."""
    parser = XMLPullParser(events=("end",))
    while True:
        chunk = stream.read(4096)
        if chunk:
            parser.feed(chunk)
        else:
            parser.close()
        yield from [el for _event, el in parser.read_events() if el.tag == tag]
        if not chunk:
            return


def _xlsx_first_sheet(archive: zipfile.ZipFile) -> str:
    """The zip path of the workbook's first sheet (usually, not always, xl/worksheets/sheet1.xml)."""
    workbook = fromstring(archive.read("xl/workbook.xml"))  # noqa: S314
    sheet = workbook.find(f"{_SHEET_NS}sheets/{_SHEET_NS}sheet")
    rid = sheet.get(f"{_REL_NS}id")
    for rel in fromstring(archive.read("xl/_rels/workbook.xml.rels")).iter(f"{_PKG_REL_NS}Relationship"):  # noqa: S314
        if rel.get("Id") == rid:
            target = rel.get("Target")
            return target.lstrip("/") if target.startswith("/") else "xl/" + target
    raise KeyError(rid)


def _rich_text(el) -> str:
    """Text of a string item: plain <t>, or runs <r><t>; phonetic guides (<rPh>) are not text."""
    plain = el.find(f"{_SHEET_NS}t")
    if plain is not None:
        return plain.text or ""
    return "".join(r.findtext(f"{_SHEET_NS}t") or "" for r in el.iterfind(f"{_SHEET_NS}r"))


def _xlsx_shared_strings(archive: zipfile.ZipFile) -> list[str]:
    try:
        stream = archive.open("xl/sharedStrings.xml")
    except KeyError:
        return []
    strings = []
    si = f"{_SHEET_NS}si"
    with stream:
        for el in _xml_ends(stream, si):
            strings.append(_rich_text(el))
            el.clear()
    return strings


@functools.cache
def _xlsx_column(letters: str) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + ord(ch) - 64
    return n - 1


def _number(text: str) -> int | float | str:
    """A numeric cell's value as openpyxl gives it (int or float), so read_rows knows it was a number."""
    try:
        return int(text)
    except ValueError:
        pass
    try:
        return float(text)
    except ValueError:
        return text


def _xlsx_rows(fileobj: BinaryIO) -> Iterator[tuple[int, list[str | int | float]]]:
    """(row number, cell values) of the first sheet, streamed: what openpyxl gives read_rows, faster."""
    # openpyxl builds an object per cell and first scans the whole sheet when a file has no
    # <dimension> (files openpyxl writes, our template included): 100,000 rows took 11 s there,
    # 2 s here. Dates are not recognised as dates; a roster has none. Why it stays rather than openpyxl or
    # python-calamine (a damaged file named by its row, streaming before memory): bench/xlsx_read.py and
    # docs/benchmarks.md, "Reading a roster XLSX".
    archive = zipfile.ZipFile(fileobj)
    sheet_path = _xlsx_first_sheet(archive)
    strings = _xlsx_shared_strings(archive)
    row_tag, v_tag, is_tag = f"{_SHEET_NS}row", f"{_SHEET_NS}v", f"{_SHEET_NS}is"
    number = 0
    with archive.open(sheet_path) as stream:
        for el in _xml_ends(stream, row_tag):
            number = int(el.get("r") or number + 1)
            values = []
            for cell in el:
                ref = cell.get("r")
                if ref:
                    column = _xlsx_column(ref.rstrip("0123456789"))
                    while len(values) < column:
                        values.append("")
                kind = cell.get("t")
                if kind == "inlineStr":
                    inline = cell.find(is_tag)
                    text = _rich_text(inline) if inline is not None else ""
                else:
                    text = cell.findtext(v_tag) or ""
                    if kind == "s" and text:
                        text = strings[int(text)]
                    elif kind == "b":
                        text = "True" if text == "1" else "False"
                    elif kind in (None, "n") and text:
                        values.append(_number(text))
                        continue
                values.append(text.strip())
            el.clear()  # the emptied element stays in its parent: a few bytes a row
            yield number, values


# Text starting with one of these is a formula to Excel, LibreOffice and WPS (tab and CR too, once the
# cell is edited or the sheet saved as CSV and opened again). openpyxl writes "=..." as a live formula.
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _cell(ws, value):
    """A value as the writer takes it; text that starts like a formula becomes a quoted text cell."""
    if not (value.__class__ is str and value.startswith(_FORMULA_STARTS)):
        return value
    # A text cell with Excel's own quote prefix: exactly what typing '=... in Excel stores. The text
    # stays as typed (a name, a phone number "+86 ..." or "-" re-imports unchanged: no apostrophe is
    # added), it shows as text, and editing the cell does not turn it into a formula.
    cell = WriteOnlyCell(ws, value=value)
    cell.data_type = "s"
    cell.quotePrefix = True
    return cell


def xlsx_response_bytes(header: list[str], rows, sheet_title: str = "Sheet1") -> bytes:
    """An XLSX file from a header and an iterable of row lists, written in streaming mode.

    Every XLSX the platform hands out goes through here: what users typed (names, purposes, titles)
    is never written as a formula that would run on an official's computer.
    """
    wb = Workbook(write_only=True)
    ws = wb.create_sheet(title=sheet_title[:31])
    ws.append([_cell(ws, v) for v in header])
    for row in rows:
        ws.append([_cell(ws, v) for v in row])
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()
