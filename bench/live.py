"""Benchmark: the meeting's own live stream against issue 19's targets, bounded in time.

    .venv/bin/python bench/live.py [--seconds 60] [--drop-at 12] [--drop 20] [--viewers 300]
                                   [--viewers-at 44] [--viewer-seconds 20] [--no-nginx]

Everything runs on this machine, on 127.0.0.1, in a temporary directory: a fresh SQLite database (a
synthetic village with a meeting in session, its stream public), and gunicorn (`-w 2`, sync workers,
DEBUG=0) serving Cunzhi, with nginx in front for the viewers as in production: it serves the segments
itself after checking their signed links (`manage.py live_nginx`) and passes the playlists to Django.

1. The broadcaster. ffmpeg makes a live WebM in real time (`-re`; VP8/Opus, a cluster a second, what
   the phone's MediaRecorder sends) from its test picture with a **burned-in frame counter**: 16 boxes
   across the top, white for a 1 bit of the frame number. The bench cuts it into chunks as clusters
   arrive and POSTs each to the chunk address with the chair's session, as stream.js does; the server
   starts the real transcoder process (ffmpeg, two HLS renditions).
2. Glass-to-glass. A reader fetches the low rendition's playlist over HTTP every 0.25 s and each new
   segment; it decodes the segment's first frame and reads the counter back: frame n was captured at
   t0 + n/25 (t0: the source started; ffmpeg's own start-up counts as delay, so this errs high). The
   delay of a segment = the moment it was fetched − the capture of its first frame. The page's hls.js
   (liveSyncDurationCount 2) plays one more segment behind the newest: glass-to-glass = that + 2 s.
3. A 20 s network drop. From `--drop-at` for `--drop` seconds every upload fails at the network (the
   request is not made); the uploader keeps the chunks and sends them again in order once the network
   is back, as stream.js does. Counted: server errors (5xx), then the frames in the recording (every
   frame number decoded from the joined MP4: nothing after the drop may be missing).
4. 300 viewers. From `--viewers-at` (after the drop), `--viewers` simulated viewers in 4 processes each
   fetch the low rendition's playlist and its newest segment every 2 s (a player's pace) for
   `--viewer-seconds`, while the stream goes on (the machine also transcodes): the p50/p99 of playlist
   and of segment requests, from the load generator on the same 2 cores.
5. The audio-only rendition's bit rate, from its segments' sizes (MPEG-TS overhead included).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import multiprocessing
import os
import re
import secrets
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench import home_page  # noqa: E402

CLUSTER = b"\x1f\x43\xb6\x75"
FPS = 25
BITS = 16
SEGMENT_RE = re.compile(r"^(\d{6}\.ts)\?(.*)$")


# --- In a child with Django: the meeting, the chair's session; afterwards the recording ------------


def child_setup(out: Path) -> None:
    import django

    django.setup()
    from importlib import import_module

    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY

    from bench import meeting_load
    from cunzhi.meetings.live import links, services
    from cunzhi.meetings.live.models import LiveStream

    made = meeting_load._setup(members=5, seed=19)
    meeting, chair = made["meeting"], made["chair"]
    LiveStream.objects.create(meeting=meeting, public=True)
    services.live_start(actor=chair, meeting=meeting)
    # The chair's browser session (as after logging in), to send chunks like the page does.
    session = import_module(settings.SESSION_ENGINE).SessionStore()
    session[SESSION_KEY] = str(chair.pk)
    # The backend that keeps the login (the first may be django-axes' lockout check, which keeps none).
    session[BACKEND_SESSION_KEY] = next(b for b in settings.AUTHENTICATION_BACKENDS if "axes" not in b.lower())
    session[HASH_SESSION_KEY] = chair.get_session_auth_hash()
    session.create()
    out.write_text(
        json.dumps(
            {
                "public_id": meeting.public_id,
                "session": session.session_key,
                "session_cookie": settings.SESSION_COOKIE_NAME,
                "csrf_cookie": settings.CSRF_COOKIE_NAME,
                "token": links.playlist_token(meeting.pk, 0),
                "folder": str(services.folder_of(meeting)),
            }
        )
    )


def child_finish(out: Path) -> None:
    import django

    django.setup()
    from cunzhi.meetings.live import media, services
    from cunzhi.meetings.live.models import LiveStream

    stream = LiveStream.objects.select_related("meeting").get()
    folder = services.folder_of(stream.meeting)
    deadline = time.monotonic() + 120
    while media.runner_alive(folder) and time.monotonic() < deadline:
        time.sleep(0.5)
    services.live_finish_pending()
    stream.refresh_from_db()
    out.write_text(
        json.dumps(
            {
                "status": stream.status,
                "recording": str(folder / "recording.mp4") if stream.recording else "",
                "seconds": stream.recording_seconds,
                "chunks": stream.chunks,
            }
        )
    )


# --- The source with its burned-in counter, and reading it back -------------------------------------


def source_command(seconds: int) -> list[str]:
    boxes = ",".join(
        f"drawbox=x={k * 40}:y=0:w=40:h=40:color=white:t=fill:enable='eq(mod(floor(n/pow(2\\,{k}))\\,2)\\,1)'"
        for k in range(BITS)
    )
    picture = f"testsrc=size=640x360:rate={FPS},drawbox=x=0:y=0:w=640:h=40:color=black:t=fill,{boxes}"
    return [
        *("ffmpeg", "-hide_banner", "-loglevel", "error", "-nostdin"),
        *("-re", "-f", "lavfi", "-i", picture, "-re", "-f", "lavfi", "-i", "sine=frequency=440"),
        *("-t", str(seconds), "-c:v", "libvpx", "-b:v", "500k", "-deadline", "realtime", "-cpu-used", "8"),
        *("-g", str(FPS), "-c:a", "libopus", "-b:a", "48k", "-cluster_time_limit", "1000"),
        *("-flush_packets", "1", "-f", "webm", "pipe:1"),
    ]


def counters(path: Path, *, first_only: bool) -> list[int]:
    """The frame numbers burned into a video file's frames (its first only, or all)."""
    args = ["ffmpeg", "-v", "error", "-i", str(path)]
    if first_only:
        args += ["-frames:v", "1"]
    args += ["-vf", "scale=640:360", "-f", "rawvideo", "-pix_fmt", "gray", "pipe:1"]
    raw = subprocess.run(args, capture_output=True, timeout=300, check=False).stdout
    size = 640 * 360
    out = []
    for at in range(0, len(raw) - size + 1, size):
        frame = raw[at : at + size]
        out.append(sum(1 << k for k in range(BITS) if frame[20 * 640 + k * 40 + 20] > 128))
    return out


def cluster_ms(buffer: bytes, at: int) -> int | None:
    """The Timecode (ms of media time) of the WebM Cluster starting at `at`, if its first bytes are there."""

    def vint(i: int) -> tuple[int, int]:
        first, mask, length = buffer[i], 0x80, 1
        while mask and not first & mask:
            mask, length = mask >> 1, length + 1
        value = first & (mask - 1)
        for j in range(1, length):
            value = value << 8 | buffer[i + j]
        return value, i + length

    try:
        _size, i = vint(at + 4)
        if buffer[i] != 0xE7:
            return None
        length, i = vint(i + 1)
        return int.from_bytes(buffer[i : i + length], "big")
    except IndexError:
        return None


# --- Load generator: viewers in their own processes (plain HTTP, no Django) -------------------------


def _get(base: str, path: str) -> tuple[int, bytes, float]:
    start = time.perf_counter()
    status, _headers, body = home_page.request("GET", base + path)
    return status, body, time.perf_counter() - start


def _segments_of(playlist: str) -> list[str]:
    return [line for line in playlist.splitlines() if SEGMENT_RE.match(line.strip())]


def viewer_process(base: str, prefix: str, token: str, threads: int, until: float, out: str) -> None:
    """`threads` viewers, each fetching the low rendition's playlist and newest segment every 2 s."""
    results: dict[str, list] = {"playlist": [], "segment": [], "errors": []}
    lock = threading.Lock()

    def viewer(i: int) -> None:
        time.sleep((i % 20) * 0.1)  # players do not start in the same millisecond
        while time.time() < until:
            began = time.time()
            try:
                status, body, took = _get(base, f"{prefix}/v/index.m3u8?t={token}")
                seen = []
                if status == 200:
                    seen = _segments_of(body.decode())
                with lock:
                    results["playlist"].append(took)
                    if status != 200:
                        results["errors"].append(status)
                if seen:
                    status, _body, took = _get(base, f"{prefix}/v/{seen[-1]}")
                    with lock:
                        results["segment"].append(took)
                        if status != 200:
                            results["errors"].append(status)
            except OSError as exc:
                with lock:
                    results["errors"].append(type(exc).__name__)
            time.sleep(max(0.0, 2.0 - (time.time() - began)))

    pool = [threading.Thread(target=viewer, args=(i,)) for i in range(threads)]
    for t in pool:
        t.start()
    for t in pool:
        t.join()
    Path(out).write_text(json.dumps(results))


# --- The run --------------------------------------------------------------------------------------


def percentile(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(p * len(ordered)) - 1))]


def run(args, env: dict, info: dict, base: str, tmp: Path, *, viewers_base: str) -> dict:
    prefix = f"/meetings/{info['public_id']}/stream/hls"
    csrf = secrets.token_hex(16)  # 32 characters: Django's unmasked CSRF secret
    cookie = f"{info['session_cookie']}={info['session']}; {info['csrf_cookie']}={csrf}"
    chunk_url = f"{base}/meetings/{info['public_id']}/stream/chunk/"
    t0 = time.monotonic()
    source = subprocess.Popen(source_command(args.seconds), stdout=subprocess.PIPE)
    pending: list[tuple[int, bytes]] = []
    pending_lock = threading.Lock()
    statuses: dict[str, int] = {}
    done_reading = threading.Event()
    drop_from, drop_to = t0 + args.drop_at, t0 + args.drop_at + args.drop

    def cut() -> None:
        """Chunks as MediaRecorder hands them over: the first with the header, then a cluster each.

        A chunk leaves the recorder when its last frame is captured: the frames in it were captured
        (chunk's end − their media time) before. So capture times are anchored on when chunks left,
        and a source encoder falling behind real time on a loaded machine is not counted as the
        server's delay (its lag is reported)."""
        buffer, seq = b"", 0
        assert source.stdout is not None
        while True:
            data = source.stdout.read1(65536)
            if not data:
                break
            buffer += data
            first = buffer.find(CLUSTER)
            nxt = buffer.find(CLUSTER, first + 4) if first >= 0 else -1
            while nxt > 0:
                end_ms = cluster_ms(buffer, nxt)
                if end_ms is None:
                    break  # the next cluster's timecode has not arrived yet
                emitted.append((end_ms / 1000, time.monotonic()))
                with pending_lock:
                    pending.append((seq, buffer[:nxt]))
                seq += 1
                buffer = buffer[nxt:]
                nxt = buffer.find(CLUSTER, 4)
        if buffer:
            with pending_lock:
                pending.append((seq, buffer))
        done_reading.set()

    def upload() -> None:
        """stream.js: the queue's head is sent; a network failure keeps it and tries again after 1 s."""
        while not (done_reading.is_set() and not pending):
            with pending_lock:
                item = pending[0] if pending else None
            if item is None:
                time.sleep(0.05)
                continue
            if drop_from <= time.monotonic() < drop_to:
                statuses["network down (kept, sent again)"] = statuses.get("network down (kept, sent again)", 0) + 1
                time.sleep(1.0)
                continue
            seq, data = item
            try:
                status, _h, _b = home_page.request(
                    "POST",
                    f"{chunk_url}?take=1&seq={seq}",
                    body=data,
                    headers={"Content-Type": "video/webm", "Cookie": cookie, "X-CSRFToken": csrf},
                )
            except OSError:
                status = 0  # the connection failed: kept, sent again
            if status == 0:
                statuses["connection failed (kept, sent again)"] = (
                    statuses.get("connection failed (kept, sent again)", 0) + 1
                )
                time.sleep(1.0)
                continue
            statuses[str(status)] = statuses.get(str(status), 0) + 1
            if status == 200 or (400 <= status < 500):
                with pending_lock:
                    pending.pop(0)
            else:
                time.sleep(1.0)

    emitted: list[tuple[float, float]] = []  # (chunk's end in media seconds, when it left the recorder)

    def captured(frame: int) -> float:
        media_s = frame / FPS
        for end, when in emitted:
            if end > media_s:
                return when - (end - media_s)
        return t0 + media_s  # not cut yet (cannot happen for a frame the server has)

    delays: list[tuple[float, int, float, float]] = []  # (fetched, frame, delay, captured), seconds from t0
    stop_reading = threading.Event()

    def read_back() -> None:
        seen: set[str] = set()
        while not stop_reading.is_set():
            try:
                status, body, _took = _get(base, f"{prefix}/v/index.m3u8?t={info['token']}")
            except OSError:
                status, body = 0, b""
            if status == 200:
                for line in _segments_of(body.decode()):
                    name = line.split("?", 1)[0]
                    if name in seen:
                        continue
                    seen.add(name)
                    status, data, _took = _get(base, f"{prefix}/v/{line}")
                    fetched = time.monotonic()
                    if status != 200:
                        continue
                    path = tmp / f"read-{name}"
                    path.write_bytes(data)
                    frames = counters(path, first_only=True)
                    if frames:
                        at = captured(frames[0])
                        delays.append((fetched - t0, frames[0], fetched - at, at - t0))
            time.sleep(0.25)

    threads = [threading.Thread(target=f, daemon=True) for f in (cut, upload, read_back)]
    for t in threads:
        t.start()

    # The viewers, after the drop, while the stream goes on.
    time.sleep(max(0.0, t0 + args.viewers_at - time.monotonic()))
    load_before = os.getloadavg()[0]
    until = time.time() + args.viewer_seconds
    per = max(1, args.viewers // args.processes)
    outs = [str(tmp / f"viewers-{i}.json") for i in range(args.processes)]
    ctx = multiprocessing.get_context("fork")
    procs = [
        ctx.Process(target=viewer_process, args=(viewers_base, prefix, info["token"], per, until, outs[i]))
        for i in range(args.processes)
    ]
    for p in procs:
        p.start()
    load_peak = load_before
    while any(p.is_alive() for p in procs):
        load_peak = max(load_peak, os.getloadavg()[0])
        time.sleep(1)
    for p in procs:
        p.join()
    viewers: dict[str, list] = {"playlist": [], "segment": [], "errors": []}
    for out in outs:
        part = json.loads(Path(out).read_text())
        for k in viewers:
            viewers[k] += part[k]
    viewers_window = (args.viewers_at, args.viewers_at + args.viewer_seconds)

    source.wait(timeout=args.seconds * 6 + 60)  # a loaded machine encodes the test source slower than real time
    threads[0].join(timeout=30)
    threads[1].join(timeout=120)
    # The last segments: wait for the transcoder to catch up, then stop the stream like the page does.
    time.sleep(6)
    stop_reading.set()
    threads[2].join(timeout=30)
    status, _h, _b = home_page.request(
        "POST",
        f"{base}/meetings/{info['public_id']}/stream/stop/",
        headers={"Cookie": cookie, "X-CSRFToken": csrf, "Accept": "application/json"},
    )
    statuses[f"stop {status}"] = 1
    lags = [when - (t0 + end) for end, when in emitted]
    return {
        "source_lag": (statistics.median(lags), max(lags)) if lags else (0.0, 0.0),
        "delays": delays,
        "statuses": statuses,
        "viewers": viewers,
        "viewers_window": viewers_window,
        "load_viewers": (load_before, load_peak),
    }


class Front:
    """nginx on 127.0.0.1:<free port> in front of gunicorn, as in production (docs/live.md): the segments
    served by nginx itself after checking their signed links (`manage.py live_nginx`), the rest proxied."""

    def __init__(self, env: dict, upstream: str, tmp: Path):
        self.env, self.upstream, self.folder = env, upstream, tmp / "nginx"

    def __enter__(self) -> Front:
        import socket

        self.folder.mkdir(exist_ok=True)
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        location = home_page.manage(self.env, "live_nginx")
        conf = self.folder / "nginx.conf"
        conf.write_text(
            f"daemon off; master_process off; worker_processes 1; pid {self.folder}/nginx.pid;\n"
            f"error_log {self.folder}/error.log warn; events {{ worker_connections 4096; }}\n"
            f"http {{ access_log off; server {{ listen 127.0.0.1:{port};\n{location}\n"
            f"location / {{ proxy_pass {self.upstream}; proxy_set_header Host $http_host; }} }} }}\n"
        )
        self.proc = subprocess.Popen(["nginx", "-p", str(self.folder), "-c", str(conf)])
        self.base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                return self
            except OSError:
                time.sleep(0.1)
        raise RuntimeError("nginx did not start: " + (self.folder / "error.log").read_text())

    def __exit__(self, *exc: object) -> None:
        self.proc.terminate()
        self.proc.wait(timeout=10)


def measure(args) -> dict:
    with tempfile.TemporaryDirectory(prefix="cunzhi-bench-live-") as name:
        tmp = Path(name)
        env = home_page.bench_env(tmp)
        env["MEETINGS_LIVE_MIN_FREE_MB"] = "50"
        home_page.manage(env, "migrate", "-v", "0")
        setup_out = tmp / "setup.json"
        subprocess.run(
            [sys.executable, __file__, "--setup", str(setup_out)], env=env, cwd=ROOT, check=True, timeout=300
        )
        info = json.loads(setup_out.read_text())
        with home_page.Server(env, workers=2) as server, contextlib.ExitStack() as stack:
            # The viewers come through nginx (unless --no-nginx); the chair's chunks go straight to gunicorn.
            base = server.base if args.no_nginx else stack.enter_context(Front(env, server.base, tmp)).base
            result = run(args, env, info, server.base, tmp, viewers_base=base)
            if any(k.split()[-1].startswith("5") for k in result["statuses"]):
                print(server.log_text(), file=sys.stderr)
            finish_out = tmp / "finish.json"
            subprocess.run(
                [sys.executable, __file__, "--finish", str(finish_out)], env=env, cwd=ROOT, check=True, timeout=300
            )
        finished = json.loads(finish_out.read_text())
        folder = Path(info["folder"])
        frames = counters(Path(finished["recording"]), first_only=False) if finished["recording"] else []
        expected = args.seconds * FPS
        audio = sorted((folder / "a").glob("*.ts"))
        audio_kbit = sum(p.stat().st_size for p in audio) * 8 / (len(audio) * 2) / 1000 if audio else float("nan")
        result |= {
            "finished": finished,
            "frames_expected": expected,
            "frames_distinct": len(set(frames)),
            "frames_after_drop_missing": len(
                set(range((args.drop_at + args.drop) * FPS, expected - FPS)) - set(frames)
            ),
            "frames_missing": len(set(range(expected - FPS)) - set(frames)),
            "audio_kbit": audio_kbit,
            "load_end": " / ".join(f"{x:.2f}" for x in os.getloadavg()),
        }
        return result


def render(m: dict, args) -> str:
    hold = 2.0  # one segment more held back by hls.js (liveSyncDurationCount: 2)
    # By when the segment's first frame was captured: before the drop (the chunk with its last frame left
    # before the network went), then after the network came back: until the transcoder has caught up with
    # the backlog (glass-to-glass back under 10 s), and from then on.
    back = args.drop_at + args.drop
    before = [d for _f, _n, d, cap in m["delays"] if cap + 4 < args.drop_at]
    later = sorted((f, d, cap) for f, _n, d, cap in m["delays"] if cap >= args.drop_at - 4)
    caught = next((f for f, d, _cap in later if f > back and d + hold <= 10), None)
    catching = [d for f, d, _cap in later if caught is None or f < caught]
    after = [d for f, d, _cap in later if caught is not None and f >= caught]
    window = m["viewers_window"]
    under_load = [d for f, _n, d, _cap in m["delays"] if window[0] <= f < window[1]]
    caught_text = f"{caught - back:.0f} s after the network came back" if caught is not None else "not within the run"

    def g2g(values: list[float]) -> str:
        if not values:
            return "–"
        return f"{statistics.median(values) + hold:.1f} s / {max(values) + hold:.1f} s ({len(values)} segments)"

    v = m["viewers"]
    errors = [str(e) for e in v["errors"]]
    server_errors = sum(n for s, n in m["statuses"].items() if s.isdigit() and int(s) >= 500)
    return "\n".join(
        [
            "## Live stream: glass-to-glass, 300 viewers, a 20 s network drop",
            "",
            f"`bench/live.py --seconds {args.seconds} --drop-at {args.drop_at} --drop {args.drop} "
            f"--viewers {args.viewers} --viewers-at {args.viewers_at} --viewer-seconds {args.viewer_seconds}`: "
            "one gunicorn (`-w 2`, sync workers, DEBUG=0, SQLite) on 127.0.0.1"
            + (", viewers straight to it" if args.no_nginx else ", viewers through nginx serving the segments itself")
            + ", the real transcoder process, "
            "ffmpeg's test picture with a burned-in frame counter read back from the HLS segments fetched over "
            "HTTP; the load generator, the source encoder and the transcoder on the same 2 cores, shared with "
            f"other work: load average {m['load_viewers'][0]:.1f} when the viewers started, peak "
            f"{m['load_viewers'][1]:.1f}, {m['load_end']} at the end.",
            "",
            "| Measure | Value | Target |",
            "|---|---:|---|",
            f"| Glass-to-glass before the drop (median / worst; counter read back + 2 s hls.js hold-back) | "
            f"{g2g(before)} | ≤ 10 s |",
            f"| Glass-to-glass after the {args.drop} s drop, while the backlog is transcoded | {g2g(catching)} | |",
            f"| Caught up (glass-to-glass ≤ 10 s again) | {caught_text} | |",
            f"| Glass-to-glass once caught up | {g2g(after)} | ≤ 10 s |",
            f"| Glass-to-glass of segments fetched while the {args.viewers} viewers watched | {g2g(under_load)} | |",
            f"| {args.viewers} viewers for {args.viewer_seconds} s: segment requests | {len(v['segment'])}, "
            f"{len(v['segment']) / args.viewer_seconds:.0f}/s, p50 {percentile(v['segment'], 0.5) * 1000:.0f} ms, "
            f"p99 {percentile(v['segment'], 0.99) * 1000:.0f} ms | p99 < 500 ms |",
            f"| … playlist requests | {len(v['playlist'])}, p50 {percentile(v['playlist'], 0.5) * 1000:.0f} ms, "
            f"p99 {percentile(v['playlist'], 0.99) * 1000:.0f} ms | |",
            f"| … failed requests | {len(errors)} {sorted(set(errors))[:5] if errors else ''} | 0 |",
            f"| Network down {args.drop} s: chunk answers | "
            + ", ".join(f"{k}: {n}" for k, n in sorted(m["statuses"].items()))
            + f" | no server error ({server_errors}) |",
            f"| Recording: frames read back / frames sent (whole seconds) | {m['frames_distinct']} / "
            f"{m['frames_expected']}; missing after the drop {m['frames_after_drop_missing']}, "
            f"missing in all {m['frames_missing']} | nothing after the gap lost |",
            f"| Audio-only rendition | {m['audio_kbit']:.1f} kbit/s | ≤ 48 kbit/s |",
            f"| (The test source's own lag behind real time, median / worst: not counted above) | "
            f"{m['source_lag'][0]:.1f} s / {m['source_lag'][1]:.1f} s | |",
        ]
    )


def section() -> str:
    """For bench/run.py (docs/benchmarks.md): the default run."""
    args = _parser().parse_args([])
    return render(measure(args), args)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--seconds", type=int, default=60)
    parser.add_argument("--drop-at", type=int, default=12)
    parser.add_argument("--drop", type=int, default=20)
    parser.add_argument("--viewers", type=int, default=300)
    parser.add_argument("--viewers-at", type=int, default=44)
    parser.add_argument("--viewer-seconds", type=int, default=20)
    parser.add_argument("--processes", type=int, default=4)
    parser.add_argument("--no-nginx", action="store_true", help="viewers straight to gunicorn (Django serves segments)")
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--setup", help=argparse.SUPPRESS)
    parser.add_argument("--finish", help=argparse.SUPPRESS)
    return parser


def main(argv=None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    if args.setup:
        child_setup(Path(args.setup))
        return 0
    if args.finish:
        child_finish(Path(args.finish))
        return 0
    m = measure(args)
    if args.json:
        print(json.dumps({k: v for k, v in m.items() if k != "viewers"}, default=str))
    print(render(m, args))
    return 0


if __name__ == "__main__":
    sys.exit(main())
