"""The one shared XLSX writer: what users typed is written as text, never as a formula."""

import io

from openpyxl import load_workbook

from cunzhi.core.tabular import xlsx_response_bytes
from cunzhi.core.tests.xlsx import HOSTILE, HOSTILE_STARTS, live_cells, texts


def test_text_that_starts_like_a_formula_is_written_as_text():
    row = [HOSTILE, *HOSTILE_STARTS, "张三", 12, -3, 1.5, None]
    data = xlsx_response_bytes(["=姓名", "+ID"], [row], sheet_title="=roster")
    assert live_cells(data) == []
    assert {HOSTILE, *HOSTILE_STARTS, "=姓名", "+ID"} <= texts(data)  # exactly as typed, no apostrophe added
    values = next(load_workbook(io.BytesIO(data)).active.iter_rows(min_row=2, values_only=True))
    assert values[6:10] == ("张三", 12, -3, 1.5)  # numbers stay numbers (a negative amount is not text)
