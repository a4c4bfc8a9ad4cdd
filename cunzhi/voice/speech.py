"""Speech: the words of `normalise` as tone-numbered pinyin, spoken by espeak-ng, encoded by ffmpeg.

espeak-ng's `cmn-latn-pinyin` voice reads pinyin with tone numbers; the plain `cmn` voice guesses
the reading of each character and gets polyphones wrong (银行 as yín xíng). pypinyin chooses the
reading from its phrase dictionary (行 in 银行 is háng, in 行政 xíng); where it errs on a word
villagers hear often, PHRASES below corrects it. Both programs are Debian packages: no model to
download. When either is missing, `available()` is False and pages show no listen control.
"""

import functools
import io
import re
import shutil
import subprocess
import wave
from dataclasses import dataclass

from django.conf import settings

# Where pypinyin's phrase dictionary reads a governance word wrongly (checked word by word in
# tests/test_speech.py). 还 in 还款 is huán (pay back), not hái (still).
PHRASES = {
    "还款": [["huán"], ["kuǎn"]],
    "还本": [["huán"], ["běn"]],
    "还息": [["huán"], ["xī"]],
    "流血": [["liú"], ["xuè"]],
    "出血": [["chū"], ["xuè"]],
}


@functools.cache
def _load_phrases() -> None:
    from pypinyin import load_phrases_dict

    load_phrases_dict(PHRASES)


# Punctuation becomes the pause espeak-ng makes for it; anything else not pinyin is dropped.
# (`normalise` folded full-width punctuation to ASCII; both forms are mapped.)
_PAUSES = str.maketrans(dict.fromkeys("，、；：（）;:()", " , ") | dict.fromkeys("。！？!?", " . "))
_NOT_SPOKEN = re.compile(r"[^a-z0-9,. ]+")


def pinyin(words: str) -> str:
    """'银行还款。' -> 'yin2 hang2 huan2 kuan3 .': syllables with tone numbers (5 = neutral), tone
    sandhi applied as speakers do (你好 -> ni2 hao3), Latin words lower-cased, punctuation as pauses."""
    # Imported on first use: pypinyin's phrase dictionary takes ~0.3 s to load, which every process (each
    # worker, each management command) would otherwise pay at start-up.
    from pypinyin import Style, lazy_pinyin

    _load_phrases()
    parts = lazy_pinyin(words.translate(_PAUSES), style=Style.TONE3, neutral_tone_with_five=True, tone_sandhi=True)
    text = " ".join(p.strip() for p in parts if p.strip())
    return re.sub(r"\s+", " ", _NOT_SPOKEN.sub(" ", text.lower())).strip()


@dataclass(frozen=True)
class Format:
    ext: str
    content_type: str
    args: tuple[str, ...]  # ffmpeg output options


# Opus reads speech well at 7 kbit/s (about 50 KB a minute, measured in bench/voice.py); compression
# level 0 and 60 ms frames make it three times faster than level 10 at the same size for espeak's voice.
# MP3 at 8 kbit/s is for browsers that cannot play Opus (older iPhones); the loudspeaker's file is MP3
# at 24 kbit/s (amplifiers deserve more than a phone's band); WAV 8 kHz for a county's phone system.
FORMATS = {
    "ogg": Format(
        "ogg",
        "audio/ogg",
        (
            *("-c:a", "libopus", "-b:a", "7k", "-vbr", "constrained", "-application", "voip", "-ar", "16000"),
            *("-compression_level", "0", "-frame_duration", "60", "-ac", "1", "-f", "ogg"),
        ),
    ),
    "mp3": Format("mp3", "audio/mpeg", ("-c:a", "libmp3lame", "-b:a", "8k", "-ar", "11025", "-ac", "1", "-f", "mp3")),
    "broadcast": Format(
        "mp3", "audio/mpeg", ("-c:a", "libmp3lame", "-b:a", "24k", "-ar", "22050", "-ac", "1", "-f", "mp3")
    ),
    # Raw samples from ffmpeg, given their WAV header by `_wav`.
    "wav": Format("wav", "audio/wav", ("-c:a", "pcm_s16le", "-ar", "8000", "-ac", "1", "-f", "s16le")),
}


@functools.cache
def _programs() -> tuple[str, str] | None:
    espeak, ffmpeg = shutil.which(settings.VOICE_ESPEAK), shutil.which(settings.VOICE_FFMPEG)
    return (espeak, ffmpeg) if espeak and ffmpeg else None


def available() -> bool:
    """espeak-ng and ffmpeg are installed (settings.VOICE_ESPEAK, VOICE_FFMPEG)."""
    return _programs() is not None


class SpeechError(Exception):
    """espeak-ng or ffmpeg failed or is missing: the caller shows a message, never a server error."""


def synthesise(words: str, fmt: str) -> bytes:
    """The words spoken and encoded in one of FORMATS."""
    programs = _programs()
    if programs is None:
        raise SpeechError("espeak-ng or ffmpeg is not installed")
    espeak, ffmpeg = programs
    # espeak-ng's sound streams into ffmpeg as it is made: on two cores both run at once. Both are our
    # own programs on our own input (pinyin letters and digits only): no shell.
    speaker = subprocess.Popen(  # noqa: S603
        [espeak, "-v", settings.VOICE_NAME, "-s", str(settings.VOICE_RATE), "--stdout", "--stdin"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
    )
    encoder = subprocess.Popen(  # noqa: S603
        [ffmpeg, "-hide_banner", "-loglevel", "error", "-i", "pipe:0", "-map_metadata", "-1", *FORMATS[fmt].args, "-"],
        stdin=speaker.stdout,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert speaker.stdin is not None and speaker.stdout is not None  # both PIPE
    speaker.stdout.close()  # ffmpeg holds it now; espeak-ng sees a closed pipe if ffmpeg stops early
    try:
        speaker.stdin.write(pinyin(words).encode())  # a few kilobytes: fits the pipe's buffer
        speaker.stdin.close()
        out, err = encoder.communicate(timeout=120)
        speaker.wait(timeout=10)
    except (subprocess.TimeoutExpired, BrokenPipeError) as exc:
        speaker.kill()
        encoder.kill()
        raise SpeechError(f"speech stopped: {exc}") from None
    if speaker.returncode or encoder.returncode or not out:
        raise SpeechError(err.decode(errors="replace")[:200] or "espeak-ng or ffmpeg produced nothing")
    if fmt == "wav":
        return _wav(out)
    return out


def _wav(pcm: bytes) -> bytes:
    """Raw 16-bit samples in a WAV file whose header gives their true length (ffmpeg writing WAV to a
    pipe cannot go back to fill it in, and phone systems read it)."""
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(8000)
        out.writeframes(pcm)
    return buffer.getvalue()


def phonemes(words: str) -> str:
    """What espeak-ng will say, as its phoneme mnemonics (`espeak-ng -x`): the tests hold readings with it."""
    programs = _programs()
    if programs is None:
        raise SpeechError("espeak-ng is not installed")
    out = subprocess.run(  # noqa: S603
        [programs[0], "-v", settings.VOICE_NAME, "-q", "-x", "--stdin"],
        input=pinyin(words).encode(),
        capture_output=True,
        timeout=30,
        check=True,
    )
    return " ".join(out.stdout.decode().split())
