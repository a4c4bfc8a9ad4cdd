"""Draft texts: splitting into numbered paragraphs, reading uploads (DOCX, plain text), cleaning
user text, and the readable diff between two versions.

Nothing here touches the database.
"""

import difflib
import io
import re
import unicodedata
import zipfile

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import File
from django.utils.translation import gettext as _


def max_paragraphs() -> int:
    return settings.CONSULTATIONS_MAX_PARAGRAPHS


def max_paragraph_chars() -> int:
    return settings.CONSULTATIONS_MAX_PARAGRAPH_CHARS


def max_upload_bytes() -> int:
    return settings.CONSULTATIONS_UPLOAD_MAX_BYTES


# A DOCX is a zip: its document part is refused above this size unpacked (a "zip bomb" expands
# a tiny upload into gigabytes).
MAX_DOCX_XML_BYTES = 30 * 1024 * 1024
_CONTROL = {c for c in range(32) if c not in (9, 10)} | {127}
_CONTROL_MAP = dict.fromkeys(_CONTROL)


def clean_text(text: str) -> str:
    """Normalise line ends, drop control characters (a NUL breaks PostgreSQL), trim each line's end."""
    text = (text or "").replace("\r\n", "\n").replace("\r", "\n").translate(_CONTROL_MAP)
    text = unicodedata.normalize("NFC", text)
    return "\n".join(line.rstrip() for line in text.split("\n")).strip()


def paragraphs_split(text: str) -> list[str]:
    """Numbered paragraphs from pasted text: blocks separated by blank lines; a text without blank
    lines (one article per line, as rules are usually typed) gives one paragraph per line."""
    text = clean_text(text)
    if not text:
        return []
    blocks = [b.strip() for b in re.split(r"\n\s*\n", text) if b.strip()]
    if len(blocks) == 1 and "\n" in blocks[0]:
        blocks = [line.strip() for line in blocks[0].split("\n") if line.strip()]
    # Inside a block, lines wrapped by the editor are joined; Chinese needs no space between them.
    out = []
    for b in blocks:
        lines = [line.strip() for line in b.split("\n") if line.strip()]
        joined = ""
        for line in lines:
            if joined and joined[-1].isascii() and line[0].isascii():
                joined += " "
            joined += line
        out.append(joined)
    return out


def paragraphs_check(paragraphs: list[str]) -> None:
    """Refuse a text that is empty, has too many paragraphs, or a paragraph too long to comment on."""
    if not paragraphs:
        raise ValidationError({"text": _("The draft has no text. Paste the text or upload a file.")})
    if len(paragraphs) > max_paragraphs():
        raise ValidationError(
            {
                "text": _("The draft has %(n)s paragraphs; at most %(max)s are allowed.")
                % {"n": len(paragraphs), "max": max_paragraphs()}
            }
        )
    for i, p in enumerate(paragraphs, start=1):
        if len(p) > max_paragraph_chars():
            raise ValidationError(
                {
                    "text": _("Paragraph %(n)s is longer than %(max)s characters; split it with a blank line.")
                    % {"n": i, "max": max_paragraph_chars()}
                }
            )


def _docx_paragraphs(data: bytes) -> list[str]:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            info = z.getinfo("word/document.xml")
            if info.file_size > MAX_DOCX_XML_BYTES:
                raise ValidationError({"file": _("The document is too large to read.")})
    except (zipfile.BadZipFile, KeyError):
        raise ValidationError({"file": _("This is not a Word document (DOCX) we can read.")}) from None
    import docx

    try:
        document = docx.Document(io.BytesIO(data))
    except Exception:  # python-docx raises many kinds of errors on damaged files  # noqa: BLE001
        raise ValidationError({"file": _("The Word document is damaged and could not be read.")}) from None
    out = []
    for p in document.paragraphs:
        text = clean_text(p.text)
        if text:
            out.append(" ".join(text.split("\n")))
    # Rules are sometimes laid out in a table (article number | text): read the cells row by row.
    for table in document.tables:
        for row in table.rows:
            cells = []
            for cell in row.cells:
                t = clean_text(cell.text)
                if t and t not in cells:
                    cells.append(t)
            if cells:
                out.append(" ".join(cells))
    return out


def _decode_text(data: bytes) -> str:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise ValidationError({"file": _("The text file could not be read: save it as UTF-8 text and try again.")})


def paragraphs_from_upload(upload: File) -> list[str]:
    """Paragraphs of an uploaded DOCX or plain-text file, by its content (not its name)."""
    limit = max_upload_bytes()
    if getattr(upload, "size", 0) and upload.size > limit:
        raise ValidationError({"file": _("The file is too large: at most %(mb)s MB.") % {"mb": limit // (1024 * 1024)}})
    data = upload.read(limit + 1)
    if len(data) > limit:
        raise ValidationError({"file": _("The file is too large: at most %(mb)s MB.") % {"mb": limit // (1024 * 1024)}})
    if not data:
        raise ValidationError({"file": _("The file is empty.")})
    if data[:4] == b"PK\x03\x04":
        return _docx_paragraphs(data)
    if b"\x00" in data[:4096] and not data.startswith((b"\xff\xfe", b"\xfe\xff")):
        # Binary: an old .doc, a PDF, a picture.
        raise ValidationError({"file": _("Please upload a Word document (DOCX) or a plain text file.")})
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return paragraphs_split(data.decode("utf-16"))
        except UnicodeDecodeError:
            raise ValidationError(
                {"file": _("The text file could not be read: save it as UTF-8 text and try again.")}
            ) from None
    return paragraphs_split(_decode_text(data))


# --- Diff -------------------------------------------------------------------------------------

# Latin words and numbers stay whole; every CJK character is its own token (Chinese has no spaces).
_TOKEN = re.compile(r"[A-Za-z0-9_.%]+|\s+|.", re.S)


def _tokens(text: str) -> list[str]:
    return _TOKEN.findall(text)


def words_diff(old: str, new: str) -> list[tuple[str, str]]:
    """[(op, text)] with op in "same", "del", "ins": the changes inside one paragraph."""
    a, b = _tokens(old), _tokens(new)
    out: list[tuple[str, str]] = []
    matcher = difflib.SequenceMatcher(None, a, b, autojunk=False)
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == "equal":
            out.append(("same", "".join(a[i1:i2])))
        else:
            if i2 > i1:
                out.append(("del", "".join(a[i1:i2])))
            if j2 > j1:
                out.append(("ins", "".join(b[j1:j2])))
    return out


def paragraphs_diff(old: list[str], new: list[str]) -> list[dict]:
    """One row per paragraph of either version: kind (same, changed, added, removed), numbers, parts.

    Paragraphs are aligned first (a paragraph inserted in the middle does not make every later one
    "changed"); a paragraph replaced by a similar one is shown with its word changes.
    """
    rows = []
    matcher = difflib.SequenceMatcher(None, old, new, autojunk=False)
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == "equal":
            for k in range(i2 - i1):
                rows.append({"kind": "same", "old": i1 + k + 1, "new": j1 + k + 1, "parts": [("same", new[j1 + k])]})
            continue
        olds, news = list(range(i1, i2)), list(range(j1, j2))
        # Pair replaced paragraphs in order while they still resemble each other.
        while olds and news:
            i, j = olds[0], news[0]
            ratio = difflib.SequenceMatcher(None, old[i], new[j], autojunk=False).quick_ratio()
            if ratio < 0.3:
                break
            rows.append({"kind": "changed", "old": i + 1, "new": j + 1, "parts": words_diff(old[i], new[j])})
            olds.pop(0)
            news.pop(0)
        for i in olds:
            rows.append({"kind": "removed", "old": i + 1, "new": None, "parts": [("del", old[i])]})
        for j in news:
            rows.append({"kind": "added", "old": None, "new": j + 1, "parts": [("ins", new[j])]})
    return rows


def diff_counts(rows: list[dict]) -> dict:
    counts = {"same": 0, "changed": 0, "added": 0, "removed": 0}
    for r in rows:
        counts[r["kind"]] += 1
    return counts
