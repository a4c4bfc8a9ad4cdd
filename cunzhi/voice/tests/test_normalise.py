"""Text as a person reads it: dates, times, money, percentages, numbers masked and spelled, markup and emoji."""

import pytest

from cunzhi.voice.normalise import number_words, read_aloud, reading, yuan_words


@pytest.mark.parametrize(
    "n,words",
    [(0, "零"), (10, "十"), (12, "十二"), (110, "一百一十"), (1005, "一千零五"), (1250, "一千二百五十"),
     (10000, "一万"), (100500, "十万零五百"), (20_000_0000, "二亿"), (1_0001_0000, "一亿零一万")],
)  # fmt: skip
def test_numbers(n, words):
    assert number_words(n) == words


@pytest.mark.parametrize(
    "fen,words",
    [(125050, "一千二百五十元五角"), (125005, "一千二百五十元零五分"), (125055, "一千二百五十元五角五分"),
     (50, "五角"), (5, "五分"), (0, "零元"), (100, "一元"), (-300, "负三元")],
)  # fmt: skip
def test_money_in_fen(fen, words):
    assert yuan_words(fen) == words


@pytest.mark.parametrize(
    "text,said",
    [
        ("会议定于2026-12-13召开", "会议定于二零二六年十二月十三日召开"),
        ("2026年12月13日", "二零二六年十二月十三日"),
        ("2026/6/16", "二零二六年六月十六日"),
        ("18:30开始", "十八点三十分开始"),
        ("09:05", "九点零五分"),
        ("2:00", "两点"),
        ("补贴¥1,250.50", "补贴一千二百五十元五角"),
        ("￥80", "八十元"),
        ("合计3,000.05元", "合计三千元零五分"),
        ("3.5万元", "三点五万元"),
        ("参与率85%", "参与率百分之八十五"),
        ("增长12.5％", "增长百分之十二点五"),
        ("第3组10户", "第三组十户"),
        ("气温25℃", "气温二十五摄氏度"),
    ],
)
def test_read_as_a_person_would(text, said):
    assert read_aloud(text) == said


def test_phone_and_id_numbers_are_read_masked_digit_by_digit():
    assert read_aloud("电话13912345678") == "电话幺三九，隐去四位，五六七八"
    assert read_aloud("身份证330523199001011234") == "身份证三三零五二三，隐去八位，幺二三四"
    assert read_aloud("110105********002X") == "幺幺零幺零五，隐去八位，零零二叉"
    # Neither full number survives in any form.
    assert "一二三四五六七八" not in read_aloud("13912345678")


def test_application_and_concern_numbers_are_spelled():
    assert read_aloud("申请号20260616-123456") == "申请号二零二六零六幺六幺二三四五六"
    assert read_aloud("诉求26061612345") == "诉求二六零六幺六幺二三四五"


def test_markup_emoji_links_dropped_latin_kept():
    said = read_aloud("<p><b>重要</b>通知 😀👍🏽</p> **请** 看 https://example.cn/a?b=1 WiFi &amp; APP")
    assert said == "重要通知 请 看 WiFi & APP"


def test_empty_and_long_text():
    assert read_aloud("") == "" and read_aloud("   <p></p> 😀") == ""
    short = reading("短文。", limit=100)
    assert short.text == "短文。" and not short.capped
    long = reading("这是一句话。" * 100, limit=50)
    assert long.capped and long.text.endswith("。") and len(long.text) <= 50
