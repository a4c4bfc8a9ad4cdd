"""Benchmark: the meeting's own live stream (issue 19's targets), bounded in time.

    .venv/bin/python bench/live.py [--seconds 20] [--viewers 50] [--requests 20]

In a child process whose files go to a temporary directory:

1. Delay. A WebM test stream of `--seconds` (ffmpeg's testsrc and a tone, VP8/Opus, a cluster a second:
   what the broadcaster's MediaRecorder sends) is cut into one-second chunks that are written into a
   stream folder at the pace they were "captured" (one a second), while the real transcoder
   (transcode.run: ffmpeg, both HLS renditions) runs. For each video segment, the time from the capture
   of its last frame to the segment being on disk is measured. Glass-to-glass is then estimated as
   that + the recorder's chunk (1 s) + what hls.js holds back at the live edge (2 segments of 2 s):
   an estimate from measured parts, not a burned-in clock read back from the player (not done).
2. The audio-only rendition's bit rate, from its segments' sizes (MPEG-TS overhead included).
3. Serving. `--viewers` threads each fetch `--requests` segments of the low rendition through the whole
   Django stack (test client, in process: no network, the GIL shared; an anonymous reader's signed link
   on a public stream, so no database query), timing each request. This is the view's cost on this
   machine, not the issue's target of 300 viewers against gunicorn on two cores (not measured).
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TIME_LIMIT = 120.0  # the whole child stops waiting after this


def child(args) -> dict:
    import django

    django.setup()
    from django.conf import settings
    from django.test import Client

    from cunzhi.meetings.live import links, media, transcode, views

    tmp = Path(settings.DATA_DIR)
    sample = tmp / "sample.webm"
    subprocess.run(
        [
            *(
                "ffmpeg",
                "-hide_banner",
                "-loglevel",
                "error",
                "-y",
                "-f",
                "lavfi",
                "-i",
                "testsrc=size=640x360:rate=25",
            ),
            *("-f", "lavfi", "-i", "sine=frequency=440", "-t", str(args.seconds), "-c:v", "libvpx", "-b:v", "500k"),
            *("-deadline", "realtime", "-cpu-used", "8", "-g", "25", "-c:a", "libopus", "-cluster_time_limit", "1000"),
            *("-f", "webm", str(sample)),
        ],
        check=True,
        timeout=300,
    )
    data = sample.read_bytes()
    starts, at = [], data.find(media.CLUSTER)
    while at >= 0:
        starts.append(at)
        at = data.find(media.CLUSTER, at + 4)
    cuts = [0, *starts[1:], len(data)]
    chunks = [data[a:b] for a, b in itertools.pairwise(cuts) if b > a]

    folder = Path(settings.MEETINGS_LIVE_ROOT) / "benchlive0001"
    media.take_dir(folder, 1).mkdir(parents=True)
    seen: dict[str, float] = {}
    stop = threading.Event()

    def watch() -> None:
        while not stop.is_set():
            for p in media.segments(folder, "v"):
                seen.setdefault(p.name, time.monotonic())
            time.sleep(0.05)

    runner = threading.Thread(target=transcode.run, args=(folder, settings.MEETINGS_LIVE_FFMPEG), daemon=True)
    watcher = threading.Thread(target=watch, daemon=True)
    t0 = time.monotonic()
    runner.start()
    watcher.start()
    for i, chunk in enumerate(chunks):
        # Chunk i holds the media of second i: it is sent when that second has been captured.
        time.sleep(max(0.0, t0 + (i + 1) - time.monotonic()))
        media.chunk_path(folder, 1, i).write_bytes(chunk)
    (folder / "ended").write_text("bench")
    runner.join(timeout=TIME_LIMIT)
    stop.set()
    watcher.join()
    delays = []
    for name, when in sorted(seen.items()):
        k = int(name[:6])
        captured = t0 + (k + 1) * media.SEGMENT_SECONDS  # the segment's last frame
        delays.append(when - captured)
    audio = media.segments(folder, "a")
    audio_kbit = sum(p.stat().st_size for p in audio) * 8 / (len(audio) * media.SEGMENT_SECONDS) / 1000

    # Serving: anonymous reader (0) on a public stream; the meeting's key is remembered as views do.
    views._pk_of["benchlive0001"] = 1
    names = [p.name for p in media.segments(folder, "v")]
    times: list[float] = []
    lock = threading.Lock()
    deadline = time.monotonic() + 60

    def viewer(n: int) -> None:
        client = Client()
        mine = []
        for r in range(args.requests):
            if time.monotonic() > deadline:
                break
            name = names[(n + r) % len(names)]
            url = f"/meetings/benchlive0001/stream/hls/v/{name}?u=0&s={links.segment_signature(1, 0, 'v', name)}"
            start = time.perf_counter()
            response = client.get(url)
            b"".join(response.streaming_content)
            mine.append(time.perf_counter() - start)
            assert response.status_code == 200, response.status_code
        with lock:
            times.extend(mine)

    threads = [threading.Thread(target=viewer, args=(n,)) for n in range(args.viewers)]
    start = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.perf_counter() - start
    times.sort()
    return {
        "chunks": len(chunks),
        "segments": len(delays),
        "segment_delay_median": statistics.median(delays) if delays else None,
        "segment_delay_max": max(delays) if delays else None,
        "audio_kbit": audio_kbit,
        "requests": len(times),
        "per_second": len(times) / wall,
        "p50_ms": times[len(times) // 2] * 1000,
        "p99_ms": times[int(len(times) * 0.99) - 1] * 1000,
        "segment_bytes": (folder / "v" / names[0]).stat().st_size,
        "load": " / ".join(f"{x:.2f}" for x in os.getloadavg()),
    }


def measure(args) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "result.json"
        env = dict(
            os.environ,
            DJANGO_SETTINGS_MODULE="cunzhi.settings",
            CUNZHI_DATA_DIR=tmp,
            DATABASE_URL=f"sqlite:///{tmp}/unused.sqlite3",
        )
        cmd = [sys.executable, __file__, "--child", str(out)]
        cmd += ["--seconds", str(args.seconds), "--viewers", str(args.viewers), "--requests", str(args.requests)]
        subprocess.run(cmd, env=env, cwd=ROOT, check=True, timeout=600)
        return json.loads(out.read_text())


def render(m: dict, args) -> str:
    estimate = m["segment_delay_max"] + 1 + 2 * 2
    return "\n".join(
        [
            "## Live stream: delay, audio bit rate, segment serving",
            "",
            f"`bench/live.py --seconds {args.seconds} --viewers {args.viewers} --requests {args.requests}`, "
            f"load average {m['load']} at the end.",
            "",
            "| Measure | Value | Target |",
            "|---|---:|---|",
            f"| Segment on disk after its last frame was captured (median / worst of {m['segments']}) | "
            f"{m['segment_delay_median']:.2f} s / {m['segment_delay_max']:.2f} s | |",
            f"| Glass-to-glass, estimated (worst + 1 s chunk + 4 s player hold-back) | {estimate:.1f} s | ≤ 10 s |",
            f"| Audio-only rendition | {m['audio_kbit']:.1f} kbit/s | ≤ 48 kbit/s |",
            f"| Segments served in process ({args.viewers} threads, {m['requests']} requests, "
            f"{m['segment_bytes'] // 1024} KB each) | {m['per_second']:.0f}/s, p50 {m['p50_ms']:.1f} ms, "
            f"p99 {m['p99_ms']:.1f} ms | 300 viewers, p99 < 500 ms (against gunicorn: not measured) |",
        ]
    )


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--seconds", type=int, default=20)
    parser.add_argument("--viewers", type=int, default=50)
    parser.add_argument("--requests", type=int, default=20)
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        sys.path.insert(0, str(ROOT))
        Path(args.child).write_text(json.dumps(child(args)))
        return 0
    print(render(measure(args), args))
    return 0


if __name__ == "__main__":
    sys.exit(main())
