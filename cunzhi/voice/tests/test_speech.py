"""Readings of governance words (pypinyin plus our phrases) and espeak-ng's phonemes for them; the formats."""

import io
import subprocess
import wave

import pytest

from cunzhi.voice import speech

needs_speech = pytest.mark.skipif(not speech.available(), reason="espeak-ng or ffmpeg not installed (scripts/setup.sh)")

# Polyphonic characters in the words villagers hear most: the reading a person gives them.
READINGS = {
    "重大": "zhong4 da4",
    "银行": "yin2 hang2",
    "村长": "cun1 zhang3",
    "行政": "xing2 zheng4",
    "调解": "tiao2 jie3",
    "还款": "huan2 kuan3",  # pypinyin alone says hai2 (PHRASES)
    "按时还款": "an4 shi2 huan2 kuan3",
    "重新": "chong2 xin1",
    "银行行长": "yin2 hang2 hang2 zhang3",
    "村长重新调解重大纠纷": "cun1 zhang3 chong2 xin1 tiao2 jie3 zhong4 da4 jiu1 fen1",
}


@pytest.mark.parametrize("words,expected", READINGS.items())
def test_pinyin_of_governance_words(words, expected):
    assert speech.pinyin(words) == expected


# What espeak-ng's cmn-latn-pinyin voice says (`espeak-ng -x`): initial, final and tone contour per syllable
# (55 first tone, 35 second, 214/21 third, 51 fourth). Held as written, so a change of voice data shows.
PHONEMES = {
    "重大": "ts.'ong51_| t'A51_|",
    "银行": "j'i35n_| X'a35N_|",
    "村长": "tsh'u@55n_| ts.'a214N_|",
    "行政": "S;'i35N_| ts.'@51N_|",
    "调解": "thj'Au35_| tS;'iE214_|",
    "还款": "X'ua35n_| khw'a214n_|",
    "重新": "ts.h'ong35_| S;'i55n_|",
}


@needs_speech
@pytest.mark.parametrize("words,expected", PHONEMES.items())
def test_espeak_says_them_so(words, expected):
    assert speech.phonemes(words) == expected
    # ... which is what it says for the pinyin written by hand.
    by_hand = subprocess.run(
        ["espeak-ng", "-v", "cmn-latn-pinyin", "-q", "-x", READINGS[words]], capture_output=True, check=True, text=True
    ).stdout
    assert " ".join(by_hand.split()) == expected


def test_pauses_and_what_is_not_spoken():
    assert speech.pinyin("你好，村民。WiFi！") == "ni2 hao3 , cun1 min2 . wifi ."


@needs_speech
def test_formats():
    words = "各位村民，今天晚上七点在村委会开会。"
    ogg = speech.synthesise(words, "ogg")
    assert ogg.startswith(b"OggS") and b"OpusHead" in ogg[:100]
    assert speech.synthesise(words, "mp3")[:3] in (b"ID3", b"\xff\xf3", b"\xff\xf2", b"\xff\xfb")
    with wave.open(io.BytesIO(speech.synthesise(words, "wav"))) as phone:
        assert (phone.getframerate(), phone.getnchannels(), phone.getsampwidth()) == (8000, 1, 2)


def test_missing_programs_fail_clearly(settings):
    settings.VOICE_ESPEAK = "no-such-espeak"
    speech._programs.cache_clear()
    try:
        assert not speech.available()
        with pytest.raises(speech.SpeechError):
            speech.synthesise("你好", "ogg")
    finally:
        speech._programs.cache_clear()
