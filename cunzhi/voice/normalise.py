"""Text as a person would read it aloud, in Chinese characters, before it becomes pinyin.

A page shows `2026-12-13 18:30`, `¥1,250.50`, `85%`, a phone or ID number, a concern number; a
villager reading it out says 二〇二六年十二月十三日、十八点三十分、一千二百五十元五角、百分之八十五,
reads codes digit by digit and never says a full phone or ID number (they are read masked, as the
platform shows them to the public). Markup and emoji are dropped, Latin words are kept as written.
The result contains no Arabic digits: each rule turns its match into characters, so no later rule
reads it again.
"""

import html
import re
import unicodedata
from dataclasses import dataclass

from django.utils.html import strip_tags

from cunzhi.core.idnumbers import mask_phone
from cunzhi.core.masking import mask_text

DIGITS = "零一二三四五六七八九"
# Digit by digit (codes, phone numbers) 1 is 幺, as people say it on the phone.
SPELLED = "零幺二三四五六七八九"


def number_words(n: int) -> str:
    """An integer as it is read: 1250 -> 一千二百五十, 100500 -> 十万零五百, 10 -> 十."""
    if n < 0:
        return "负" + number_words(-n)
    if n == 0:
        return "零"
    groups = []
    while n:
        n, group = divmod(n, 10_000)
        groups.append(group)
    out = ""
    gap = False  # a zero group or leading zeros since the last digit written: one 零
    for i in range(len(groups) - 1, -1, -1):
        group = groups[i]
        if group == 0:
            gap = bool(out)
            continue
        if out and (gap or group < 1000):
            out += "零"
        out += _group_words(group) + ("", "万", "亿", "万亿")[i]
        gap = False
    return out[1:] if out.startswith("一十") else out  # 十二, not 一十二


def _group_words(n: int) -> str:
    out, zero = "", False
    for unit, name in ((1000, "千"), (100, "百"), (10, "十"), (1, "")):
        d = n // unit % 10
        if d == 0:
            zero = bool(out)
        else:
            out += ("零" if zero else "") + DIGITS[d] + name
            zero = False
    return out


def decimal_words(text: str) -> str:
    """'3.14' -> 三点一四; '1,250' -> 一千二百五十; '007' -> 零零七."""
    whole, _, part = text.replace(",", "").partition(".")
    if len(whole) > 1 and whole.startswith("0"):
        words = "".join(DIGITS[int(d)] for d in whole)
    else:
        words = number_words(int(whole or "0"))
    return words + ("点" + "".join(DIGITS[int(d)] for d in part) if part else "")


def yuan_words(fen: int) -> str:
    """Money in fen as it is read: 125050 -> 一千二百五十元五角, 125005 -> 一千二百五十元零五分."""
    if fen < 0:
        return "负" + yuan_words(-fen)
    whole, rest = divmod(fen, 100)
    jiao, fen_ = divmod(rest, 10)
    out = number_words(whole) + "元" if whole or not rest else ""
    if jiao:
        out += DIGITS[jiao] + "角"
    if fen_:
        out += ("零" if whole and not jiao else "") + DIGITS[fen_] + "分"
    return out


def spell(code: str) -> str:
    """Digit by digit; a run of masked digits is named, not read star by star ("隐去八位")."""
    out = []
    for run in re.findall(r"\*+|[^*]", code):
        if run.startswith("*"):
            out.append(f"，隐去{number_words(len(run))}位，")
        elif run.isdigit():
            out.append(SPELLED[int(run)])
        elif run in "Xx":
            out.append("叉")  # the check character of an ID number, as people read it
    return "".join(out)


def _date(m: re.Match) -> str:
    year, month, day = m.group(1), int(m.group(2)), int(m.group(3))
    if not (1 <= month <= 12 and 1 <= day <= 31):
        return m.group(0).replace("-", " ")  # not a date: the numbers are read one by one below
    return f"{''.join(DIGITS[int(d)] for d in year)}年{number_words(month)}月{number_words(day)}日"


def _time(m: re.Match) -> str:
    hour, minute = int(m.group(1)), int(m.group(2))
    if hour > 24 or minute > 59:
        return m.group(0).replace(":", " ")
    # 两点, not 二点: the clock says 两 for two o'clock.
    words = "两" if hour == 2 else number_words(hour)
    if minute == 0:
        return f"{words}点"
    return f"{words}点{'零' if minute < 10 else ''}{number_words(minute)}分"


UNITS = {"℃": "摄氏度", "㎡": "平方米", "m²": "平方米", "㎏": "公斤", "km": "公里", "kg": "公斤"}
_URL = re.compile(r"https?://\S+|www\.\S+")
_MD_LINK = re.compile(r"\[([^\]]*)\]\([^)]*\)")
_MD_MARKS = re.compile(r"[*_#>`|~]+(?![\d*])")  # markdown emphasis, headings, quotes; not masked digits
_APPLICATION_NO = re.compile(r"(?<![\d-])(\d{8}-\d{6})(?![\d-])")
_PHONE = re.compile(r"(?<!\d)(1[3-9]\d{9})(?!\d)")
_MASKED = re.compile(r"(?<![\d*])(\d*\*{3,}\d*[Xx]?)(?![\d*])")
_DATE = re.compile(r"(?<!\d)(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})日?(?!\d)")
_YEAR = re.compile(r"(?<!\d)(\d{4})年")
_TIME = re.compile(r"(?<!\d)(\d{1,2})[:：](\d{2})(?!\d)")
_MONEY = re.compile(
    r"[¥￥]\s*(?P<amount>\d{1,3}(?:,\d{3})+(?:\.\d{1,2})?|\d+(?:\.\d{1,2})?)(?:\s*元)?"
    r"|(?P<amount2>\d{1,3}(?:,\d{3})+\.\d{1,2}|\d+\.\d{1,2})\s*元"
)
_PERCENT = re.compile(r"(\d+(?:\.\d+)?)\s*[%％]")
_CODE = re.compile(r"(?<!\d)\d{7,}(?!\d)")  # seven digits or more without separators: a number to spell
_NUMBER = re.compile(r"\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?")


def _money_any(m: re.Match) -> str:
    amount = m.group("amount") or m.group("amount2")
    whole, _, part = amount.replace(",", "").partition(".")
    return yuan_words(int(whole) * 100 + int((part + "00")[:2]))


def _keep(ch: str) -> bool:
    """Emoji, pictographs and other symbols are dropped; letters, digits, punctuation and money signs stay."""
    cat = unicodedata.category(ch)
    return not (cat in ("So", "Sk", "Cs", "Co", "Cn") or ch in "\u200d\ufe0f\ufe0e")


def read_aloud(text: str) -> str:
    """The text in the words a person would say (see the module's docstring)."""
    text = html.unescape(strip_tags(text or ""))
    text = _MD_LINK.sub(r"\1", text)
    text = _URL.sub("", text)
    for unit, words in UNITS.items():
        text = text.replace(unit, words)
    text = "".join(ch for ch in unicodedata.normalize("NFKC", text) if _keep(ch))
    # NFKC folded full-width digits, letters and ％ to ASCII, so one set of rules reads both.
    text = _APPLICATION_NO.sub(lambda m: spell(m.group(1).replace("-", "")), text)
    text = _PHONE.sub(lambda m: mask_phone(m.group(1)), text)
    text = mask_text(text)[0]  # ID and bank account numbers, masked as the public sees them
    text = _MASKED.sub(lambda m: spell(m.group(1)), text)
    text = _MD_MARKS.sub(" ", text)
    text = _DATE.sub(_date, text)
    text = _YEAR.sub(lambda m: "".join(DIGITS[int(d)] for d in m.group(1)) + "年", text)
    text = _TIME.sub(_time, text)
    text = _MONEY.sub(_money_any, text)
    text = _PERCENT.sub(lambda m: "百分之" + decimal_words(m.group(1)), text)
    text = _CODE.sub(lambda m: spell(m.group(0)), text)
    text = _NUMBER.sub(lambda m: decimal_words(m.group(0)), text)
    return re.sub(r"\s+", " ", text).strip()


@dataclass(frozen=True)
class Reading:
    text: str  # what is read, in characters
    capped: bool  # the original was longer than the limit: only its beginning is read


def reading(text: str, *, limit: int) -> Reading:
    """The words to read, cut at the last sentence end before `limit` characters when longer."""
    words = read_aloud(text)
    if len(words) <= limit:
        return Reading(words, False)
    head = words[:limit]
    end = max(head.rfind(p) for p in "。！？；.!?;")
    return Reading(head[: end + 1] if end > limit // 2 else head, True)
