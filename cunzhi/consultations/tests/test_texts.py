"""Splitting texts into paragraphs, reading uploads, and the diff between versions (no database)."""

import io
import zipfile

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from cunzhi.consultations.texts import (
    clean_text,
    diff_counts,
    paragraphs_check,
    paragraphs_diff,
    paragraphs_from_upload,
    paragraphs_split,
    words_diff,
)


def test_blank_lines_separate_paragraphs_and_wrapped_lines_join():
    text = "第一条 为了\n加强管理。\r\n\r\n第二条 爱护环境。\n\n\n  第三条 Keep the\nriver clean.  "
    assert paragraphs_split(text) == ["第一条 为了加强管理。", "第二条 爱护环境。", "第三条 Keep the river clean."]


def test_one_article_per_line_without_blank_lines():
    assert paragraphs_split("第一条 甲\n第二条 乙\n\n") == ["第一条 甲", "第二条 乙"]


def test_empty_text_has_no_paragraphs():
    assert paragraphs_split(" \n\n\t") == []
    with pytest.raises(ValidationError):
        paragraphs_check([])


def test_control_characters_are_removed():
    assert clean_text("a\x00b\x07c\td\r\ne") == "abc\td\ne"


def _docx(paragraphs, table=None) -> bytes:
    import docx

    document = docx.Document()
    for t in paragraphs:
        document.add_paragraph(t)
    if table:
        t = document.add_table(rows=len(table), cols=2)
        for r, (a, b) in enumerate(table):
            t.cell(r, 0).text, t.cell(r, 1).text = a, b
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def test_docx_paragraphs_and_tables_are_read():
    data = _docx(["余村村规民约", "", "第一条 总则"], table=[("第二条", "保护绿水青山。")])
    assert paragraphs_from_upload(SimpleUploadedFile("x.docx", data)) == [
        "余村村规民约",
        "第一条 总则",
        "第二条 保护绿水青山。",
    ]


@pytest.mark.parametrize(
    "data, encoding",
    [
        ("第一条 甲\n\n第二条 乙".encode("utf-8-sig"), "utf-8 with BOM"),
        ("第一条 甲\n\n第二条 乙".encode("gb18030"), "GB18030 from old Windows editors"),
        ("第一条 甲\n\n第二条 乙".encode("utf-16"), "UTF-16 from Notepad"),
    ],
)
def test_plain_text_files_in_common_encodings(data, encoding):
    assert paragraphs_from_upload(SimpleUploadedFile("x.txt", data)) == ["第一条 甲", "第二条 乙"], encoding


@pytest.mark.parametrize(
    "data, message",
    [
        (b"", "empty"),
        (b"%PDF-1.4\x00\x00binary", "Please upload a Word document"),
        (b"PK\x03\x04not really a zip", "not a Word document"),
    ],
)
def test_bad_uploads_are_refused(data, message):
    with pytest.raises(ValidationError, match=message):
        paragraphs_from_upload(SimpleUploadedFile("x.docx", data))


def test_a_zip_that_is_not_a_docx_is_refused():
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        z.writestr("hello.txt", "hi")
    with pytest.raises(ValidationError, match="not a Word document"):
        paragraphs_from_upload(SimpleUploadedFile("x.docx", out.getvalue()))


def test_too_large_upload_is_refused(settings):
    settings.CONSULTATIONS_UPLOAD_MAX_BYTES = 100
    with pytest.raises(ValidationError, match="too large"):
        paragraphs_from_upload(SimpleUploadedFile("x.txt", "字".encode() * 100))


def test_words_diff_marks_characters_in_chinese_and_words_in_english():
    assert words_diff("酒席不超过二十桌", "酒席不超过十桌") == [("same", "酒席不超过"), ("del", "二"), ("same", "十桌")]
    parts = words_diff("keep the river clean", "keep the river very clean")
    assert ("ins", "very ") in parts or ("ins", " very") in parts


def test_paragraph_diff_aligns_inserted_and_removed_paragraphs():
    old = ["第一条 总则。", "第二条 不乱倒垃圾。", "第三条 酒席不超过二十桌。", "第四条 施行。"]
    new = ["第一条 总则。", "第二条 不乱倒垃圾，分类投放。", "新增 禁止焚烧秸秆。", "第三条 酒席不超过二十桌。"]
    rows = paragraphs_diff(old, new)
    assert [r["kind"] for r in rows] == ["same", "changed", "added", "same", "removed"]
    assert diff_counts(rows) == {"same": 2, "changed": 1, "added": 1, "removed": 1}
    changed = rows[1]
    assert (changed["old"], changed["new"]) == (2, 2) and ("ins", "，分类投放") in changed["parts"]


def test_a_rewritten_paragraph_is_removed_and_added_not_changed():
    rows = paragraphs_diff(["第五条 甲乙丙丁"], ["完全不同的新内容ABC"])
    assert [r["kind"] for r in rows] == ["removed", "added"]
