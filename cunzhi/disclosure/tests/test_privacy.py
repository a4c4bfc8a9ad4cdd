"""The privacy guard masks full ID numbers and bank account numbers in text and tables."""

import datetime as dt

from hypothesis import given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from cunzhi.core.idnumbers import id_number_build
from cunzhi.core.masking import mask_text
from cunzhi.disclosure.privacy import guard, where_label

ID_X = "11010519491231002X"


def test_id_number_masked_like_domain_md():
    text, found = mask_text(f"申请人 {ID_X} 已审核")
    assert text == "申请人 110105********002X 已审核"
    assert found[0].kind == "id" and found[0].shown_as == "110105********002X"


def test_lowercase_x_and_wrong_check_character_still_masked():
    text, found = mask_text("身份证：11010519491231002x；另一个：110105194912310021。")
    assert "1949" not in text
    assert [m.kind for m in found] == ["id", "id"]


def test_bank_accounts_show_last_four_digits_only():
    text, found = mask_text("卡号 6222021234567890123，账号 6217-0012-3456-7890，存折 330101234567")
    assert "***************0123" in text and "************7890" in text and "********4567" in text
    assert [m.kind for m in found] == ["bank", "bank", "bank"]


def test_ordinary_numbers_left_alone():
    text = "2024年第一季度收入 128,500.00 元，电话 13800000001，面积 3.5 亩，编号 330523100201"
    out, found = mask_text(text.replace("330523100201", "33052310"))
    assert found == [] and out == text.replace("330523100201", "33052310")


def test_tables_every_cell_and_where():
    tables = [
        {
            "title": "补贴发放",
            "header": ["姓名", "身份证号", "账号"],
            "rows": [["张三", ID_X, "6222021234567890123"], ["李四", "—", "—"]],
        }
    ]
    _title, _body, masked_tables, found = guard(title="补贴", body="见下表", tables=tables)
    row = masked_tables[0]["rows"][0]
    assert row == ["张三", "110105********002X", "***************0123"]
    assert [dict(m.where) for m in found] == [
        {"part": "table", "table": 1, "row": 1, "column": 2},
        {"part": "table", "table": 1, "row": 1, "column": 3},
    ]
    assert where_label(dict(found[0].where)) == "table 1, row 1, column 2"


@hsettings(max_examples=200, deadline=None)
@given(
    birth=st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(2020, 12, 31)),
    seq=st.integers(min_value=0, max_value=999),
    before=st.text(max_size=5),
    after=st.text(max_size=5),
)
def test_no_valid_id_number_survives(birth, seq, before, after):
    number = id_number_build("330523", birth, seq)
    # Surrounded by anything that is not a digit or letter, the number never survives.
    before = "".join(c for c in before if not c.isalnum())
    after = "".join(c for c in after if not c.isalnum())
    out, found = mask_text(before + number + after)
    assert number not in out and len(found) == 1


FULL_WIDTH = str.maketrans("0123456789X -", "０１２３４５６７８９Ｘ　－")


def test_full_width_id_numbers_are_masked_as_id_numbers():
    # Pasted from a document typed in full-width mode: grouped by ideographic spaces, check character Ｘ.
    for typed in (
        ID_X.translate(FULL_WIDTH),
        "110105 19491231 002X".translate(FULL_WIDTH),
        "１１０１０５１９４９１２３１００２x",
    ):
        text, found = mask_text(f"申请人：{typed}。")
        assert [(m.kind, m.shown_as) for m in found] == [("id", "110105********002X")]
        assert text == "申请人：110105********002X。"  # the Chinese punctuation around it is kept


def test_full_width_bank_accounts_are_masked():
    text, found = mask_text("账号：" + "6217-0012-3456-7890".translate(FULL_WIDTH))
    assert text == "账号：************7890" and [m.kind for m in found] == ["bank"]
