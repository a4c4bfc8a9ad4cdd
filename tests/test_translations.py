"""zh-Hans and English ship complete: every translatable string in the code has a zh-Hans
translation, none is fuzzy, and the compiled catalogue matches (English is the source language)."""

import re
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PO = ROOT / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"
# Each domain may keep its own catalogue (cunzhi/<app>/locale); makemessages run at the root files
# every string under the nearest locale folder, so the whole set is checked together.
CATALOGUES = [PO, *sorted(ROOT.glob("cunzhi/*/locale/zh_Hans/LC_MESSAGES/django.po"))]


def _entries(text: str) -> dict[str, tuple[str, bool]]:
    """msgid -> (msgstr, fuzzy) for a .po file; plural forms use msgstr[0]."""
    out = {}
    for block in text.split("\n\n"):
        fuzzy = "#, fuzzy" in block or re.search(r"^#,.*fuzzy", block, re.M) is not None
        lines = [line for line in block.splitlines() if not line.startswith("#")]
        joined, key, parts = {}, None, []
        for line in lines:
            m = re.match(r'^(msgctxt|msgid_plural|msgid|msgstr(?:\[0\])?|msgstr\[\d+\])\s+"(.*)"$', line)
            if m:
                if key:
                    joined[key] = "".join(parts)
                key, parts = m.group(1), [m.group(2)]
            elif line.startswith('"') and key:
                parts.append(line[1:-1])
        if key:
            joined[key] = "".join(parts)
        if joined.get("msgid"):
            ident = joined.get("msgctxt", "") + "\x04" + joined["msgid"]
            out[ident] = (joined.get("msgstr", joined.get("msgstr[0]", "")), fuzzy)
    return out


def test_zh_hans_catalogue_is_complete_and_current(tmp_path):
    assert PO.exists(), "run: manage.py makemessages -l zh_Hans, then translate"
    committed = {}
    for po in CATALOGUES:
        committed.update(_entries(po.read_text(encoding="utf-8")))
    untranslated = [k.split("\x04")[1] for k, (s, _f) in committed.items() if not s]
    fuzzy = [k.split("\x04")[1] for k, (_s, f) in committed.items() if f]
    assert not untranslated, f"untranslated: {untranslated[:10]}"
    assert not fuzzy, f"fuzzy: {fuzzy[:10]}"

    # Extract the strings the code uses now, in a copy, and compare with the catalogue.
    shutil.copytree(ROOT / "cunzhi", tmp_path / "cunzhi", ignore=shutil.ignore_patterns("__pycache__", "tests"))
    shutil.copy(ROOT / "manage.py", tmp_path / "manage.py")
    (tmp_path / "locale").mkdir()
    result = subprocess.run(
        [sys.executable, "manage.py", "makemessages", "-l", "zh_Hans", "--no-obsolete", "-v0", "--ignore=tests/*"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=180,
        env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(tmp_path), "CUNZHI_DATA_DIR": str(tmp_path / "data")},
    )
    assert result.returncode == 0, result.stderr
    fresh = {}
    for po in [
        tmp_path / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po",
        *tmp_path.glob("cunzhi/*/locale/zh_Hans/LC_MESSAGES/django.po"),
    ]:
        fresh.update(_entries(po.read_text(encoding="utf-8")))
    missing = sorted(k.split("\x04")[1] for k in fresh if k not in committed)
    assert not missing, f"strings without a translation entry (run makemessages): {missing[:15]}"


def test_catalogues_agree():
    """Django merges the catalogues and the first wins, so a string translated two ways in two catalogues
    shows one of them everywhere: either they agree, or the string needs its own context
    (`scripts/po.py agree` makes them agree; pgettext separates meanings)."""
    seen: dict[str, tuple[str, Path]] = {}
    conflicts = []
    for po in CATALOGUES:
        for key, (msgstr, _fuzzy) in _entries(po.read_text(encoding="utf-8")).items():
            if not msgstr:
                continue
            if key in seen and seen[key][0] != msgstr:
                conflicts.append(
                    f"{key.split(chr(4))[1]!r}: {seen[key][0]!r} ({seen[key][1].parts[-5]}) "
                    f"vs {msgstr!r} ({po.parts[-5]})"
                )
            seen.setdefault(key, (msgstr, po))
    assert not conflicts, "translated differently in two catalogues:\n" + "\n".join(conflicts[:20])


# An ASCII comma, colon or semicolon with Chinese on both sides (spaces and placeholders between count as
# Chinese text): Chinese sentences take the full-width ，：；.
_CJK = r"[\u3000-\u303f\u3400-\u9fff\uff00-\uffef]"
_ASCII_PUNCT_IN_CJK = re.compile(rf"({_CJK}|%\(\w+\)s|\{{\w+\}})\s*([,:;])\s*(?={_CJK}|%\(\w+\)s)")


def test_chinese_sentences_use_chinese_punctuation():
    found = []
    for po in CATALOGUES:
        for _key, (msgstr, _fuzzy) in _entries(po.read_text(encoding="utf-8")).items():
            text = msgstr.replace('\\"', '"')
            if not re.search(_CJK, text):
                continue
            for m in _ASCII_PUNCT_IN_CJK.finditer(text):
                found.append(f"{po.relative_to(ROOT)}: {text[max(0, m.start() - 12) : m.end() + 12]!r}")
    assert not found, f"{len(found)} ASCII ,:; inside Chinese text:\n" + "\n".join(found[:60])
