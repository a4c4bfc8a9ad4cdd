"""Benchmark: speech for the listen control (issue 15's targets).

Targets: audio for a 300-character notice generated in < 2 s; at most 60 KB per minute of speech; a
cached clip served like a static file.

    .venv/bin/python bench/voice.py [--texts 5] [--requests 300]
    .venv/bin/python bench/run.py --only voice      # the same, written into docs/benchmarks.md

It runs in a child process whose files go to a temporary directory. For each of `--texts` different
notices of 300 characters (as read: dates, money and numbers in words), a clip is made from nothing in
each format — reading rules, pinyin, espeak-ng, ffmpeg — and timed; its size is divided by its length
(the WAV's frames tell the length). Then one cached clip is fetched `--requests` times through the whole
Django stack (Django's test client, in process, with an anonymous reader's signed link: no database
query) and compared with a static file of the same size served by WhiteNoise the same way.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import wave
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TARGET_SECONDS = 2.0
TARGET_KB_PER_MINUTE = 60

NOTICE = (
    "各位村民：为做好今年冬季防火和村道修缮工作，村委会定于{day}日18:30在村委会议室召开村民代表会议，"
    "讨论村道修缮方案和集体收入使用计划。修缮预算¥125,050.50，其中县财政补助60%，其余由村集体承担。"
    "请各户代表准时参加；不能到会的，可以在手机上远程参加并投票。到银行办理还款和重大事项变更的，"
    "请重新登记。村长和行政办公室负责调解有关纠纷，联系电话13912345678。村务监督委员会全程监督，"
    "会议结果将在公开栏和平台上公布，欢迎大家提出意见和建议。第{n}号通知。"
)


def child(args) -> dict:
    import django

    django.setup()
    from django.conf import settings
    from django.core.files.storage import default_storage
    from django.test import Client

    from cunzhi.voice import rules, services, speech
    from cunzhi.voice.normalise import reading

    if not speech.available():
        return {"error": "espeak-ng or ffmpeg is not installed"}
    load = " / ".join(f"{x:.2f}" for x in os.getloadavg())
    made = []
    for n in range(args.texts):
        text = NOTICE.format(day=10 + n, n=n + 1)
        words = reading(text, limit=settings.VOICE_MAX_CHARS).text[:300]
        row = {"chars": len(words)}
        clip = services.clip_register(text=words)
        for fmt in ("ogg", "mp3", "wav"):
            start = time.perf_counter()
            name = services.clip_audio(key=clip.key, fmt=fmt)
            row[f"{fmt}_s"] = time.perf_counter() - start
            row[f"{fmt}_bytes"] = default_storage.size(name)
        with default_storage.open(services.clip_name(clip.key, "wav"), "rb") as handle, wave.open(handle) as w:
            row["minutes"] = w.getnframes() / w.getframerate() / 60
        made.append(row)

    # A static file of the clip's size, written before the first request (WhiteNoise indexes at start).
    static = Path(settings.STATIC_ROOT) / "voice-bench.bin"
    static.write_bytes(os.urandom(made[-1]["ogg_bytes"]))
    client = Client()
    url = f"/voice/{clip.key}.ogg?t={rules.listen_token(clip.key, None)}"
    assert client.get(url).status_code == 200

    def timed(path: str) -> list[float]:
        out = []
        for _ in range(args.requests):
            start = time.perf_counter()
            response = client.get(path)
            b"".join(response.streaming_content) if response.streaming else response.content
            out.append(time.perf_counter() - start)
        return out

    try:
        served = {"clip": timed(url), "static": timed("/static/voice-bench.bin")}
    finally:
        static.unlink()
    return {
        "made": made,
        "served": {k: statistics.median(v) for k, v in served.items()},
        "bytes": made[-1]["ogg_bytes"],
        "load": load,
    }


def measure(texts: int, requests: int) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "result.json"
        env = dict(
            os.environ,
            DJANGO_SETTINGS_MODULE="cunzhi.settings",
            CUNZHI_DATA_DIR=tmp,
            DATABASE_URL=f"sqlite:///{tmp}/unused.sqlite3",
        )
        subprocess.run(
            [sys.executable, __file__, "--child", str(out), "--texts", str(texts), "--requests", str(requests)],
            env=env,
            cwd=ROOT,
            check=True,
            timeout=900,
        )
        return json.loads(out.read_text())


def render(m: dict, texts: int, requests: int) -> str:
    head = [
        "## Voice: a notice read aloud, its size, a cached clip served",
        "",
        f"`.venv/bin/python bench/run.py --only voice` (or `bench/voice.py --texts {texts} --requests {requests}`): "
        f"{texts} different notices of 300 characters as read (a date, a time, money, a percentage, a phone "
        "number, polyphones), each made from nothing in each format (reading rules, pinyin, espeak-ng "
        f"`cmn-latn-pinyin`, ffmpeg), on the 2 shared cores. Run {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC"
        + (f", load average {m['load']} (1/5/15 min) at the start." if "load" in m else "."),
        "",
    ]
    if "error" in m:
        return "\n".join([*head, f"Not run: {m['error']}."])
    made = m["made"]

    def worst(key: str) -> float:
        return max(r[key] for r in made)

    def per_minute(fmt: str) -> float:
        return max(r[f"{fmt}_bytes"] / 1024 / r["minutes"] for r in made)

    minutes = statistics.mean(r["minutes"] for r in made)
    rows = [
        "| Format | Made in (median) | Made in (worst) | Target < 2 s | KB per minute of speech | Target ≤ 60 KB |",
        "|---|---:|---:|---|---:|---|",
    ]
    names = {
        "ogg": "Opus in Ogg, 7 kbit/s (the listen control)",
        "mp3": "MP3, 8 kbit/s (fallback)",
        "wav": "WAV 8 kHz (phone systems)",
    }
    for fmt in ("ogg", "mp3", "wav"):
        med = statistics.median(r[f"{fmt}_s"] for r in made)
        kb = per_minute(fmt)
        rows.append(
            f"| {names[fmt]} | {med:.2f} s | {worst(f'{fmt}_s'):.2f} s | "
            f"{'met' if worst(f'{fmt}_s') < TARGET_SECONDS else 'not met'} | {kb:.0f} | "
            f"{'met' if kb <= TARGET_KB_PER_MINUTE else 'not met (not a web format)' if fmt == 'wav' else 'not met'} |"
        )
    served = m["served"]
    tail = [
        "",
        f"Each notice lasts {minutes:.1f} minutes at `VOICE_RATE` 150. A clip is made once per text and format, "
        "on the first request for it (the page itself only stores the words: one existence check).",
        "",
        f"A cached clip ({m['bytes'] / 1024:.0f} KB) fetched {requests} times through the whole middleware stack "
        f"(in process, anonymous signed link): median {served['clip'] * 1000:.2f} ms; a static file of the same "
        f"size served by WhiteNoise the same way: {served['static'] * 1000:.2f} ms. The clip costs the signature "
        "check and a file open; a logged-in reader adds the session and account look-ups every page makes.",
    ]
    return "\n".join([*head, *rows, *tail])


def section(texts: int = 5, requests: int = 300) -> str:
    """The docs/benchmarks.md section (bench/run.py calls this)."""
    return render(measure(texts, requests), texts, requests)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--texts", type=int, default=5)
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        sys.path.insert(0, str(ROOT))
        Path(args.child).write_text(json.dumps(child(args)))
        return 0
    print(section(args.texts, args.requests))
    return 0


if __name__ == "__main__":
    sys.exit(main())
