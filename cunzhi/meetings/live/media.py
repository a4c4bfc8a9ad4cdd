"""Files and programs of a live stream, without the database: where a stream's files are, what a chunk
must look like, the ffmpeg command, and joining the segments into the recording.

A stream's folder (settings.MEETINGS_LIVE_ROOT / <meeting public id>/):

    takes/0001/000000.chunk … the chunks as received, one folder per "take" (each start of the
                               broadcaster's recorder is a new file with its own header: WebM from
                               Chrome, Firefox and Android; fragmented MP4 from Safari on an iPhone)
    state.json                 what the transcoder has fed to ffmpeg (take, next sequence number)
    runner.pid                 the transcoder's process id while it runs
    ended                      written when the broadcaster stops: the transcoder drains and exits
    v/ a/                      HLS: low video (360p) and audio only, index.m3u8 and 000000.ts …
    recording.mp4 recording.m4a  the segments joined, once the stream ended

Nothing received is ever deleted here: a crash of ffmpeg or of the transcoder loses no chunk, and the
recording is made from whatever segments exist.
"""

import json
import os
import re
import shutil
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import filetype

# The first bytes of a WebM (Matroska) file: the EBML header.
EBML = b"\x1a\x45\xdf\xa3"
CLUSTER = b"\x1f\x43\xb6\x75"
# Safari's MediaRecorder writes fragmented MP4: `ftyp` and `moov` (the header) in the first chunk, then
# `moof` + `mdat` pairs. ffmpeg reads it from a pipe like WebM, since the header comes first.
FTYP, MOOF = b"ftyp", b"moof"
CHUNK_SUFFIX = ".chunk"
# A chunk after the first continues the stream at any byte (MediaRecorder cuts where its buffer ends,
# even inside a block: checked in Chromium), so it cannot be parsed alone. It is refused when its bytes
# are recognisably something else: a file of a known kind (a photo, a PDF, an archive), or text.
RENDITIONS = ("v", "a")
SEGMENT_RE = re.compile(r"^\d{6}\.ts$")
SEGMENT_SECONDS = 2


@dataclass(frozen=True)
class Rendition:
    name: str
    bandwidth: int  # bits per second, for the master playlist
    codecs: str
    resolution: str


LOW = Rendition("v", 460_000, "avc1.42e01e,mp4a.40.2", "640x360")
AUDIO = Rendition("a", 40_000, "mp4a.40.2", "")


def stream_dir(root: Path, public_id: str) -> Path:
    return root / public_id


def take_dir(folder: Path, take: int) -> Path:
    return folder / "takes" / f"{take:04d}"


def chunk_path(folder: Path, take: int, seq: int) -> Path:
    return take_dir(folder, take) / f"{seq:06d}{CHUNK_SUFFIX}"


def is_mp4_header(data: bytes) -> bool:
    """An ISO media file's start: a box of type `ftyp` (Safari's recorder; any MP4 or M4A)."""
    return len(data) >= 12 and data[4:8] == FTYP


def chunk_is_media(data: bytes, *, first: bool) -> bool:
    """The first chunk of a take is a WebM or MP4 header; a later chunk is neither another file nor text."""
    if not data:
        return False
    if first:
        webm = data.startswith(EBML) and (b"webm" in data[:64] or b"matroska" in data[:64])
        return webm or (is_mp4_header(data) and b"moov" in data[:65536])
    if data.startswith(EBML) or is_mp4_header(data):
        return False  # a new recording: it starts a new take, not the middle of this one
    kind = filetype.guess(data[:8192])
    if kind is not None and kind.mime not in ("video/webm", "video/x-matroska"):
        return False
    try:
        data[:4096].decode("utf-8")
    except UnicodeDecodeError:
        return True  # compressed media is never valid UTF-8 for long
    return False


def init_bytes(first_chunk: bytes) -> bytes:
    """The header part of a take's first chunk (WebM: up to its first Cluster; MP4: up to its first
    `moof` box): fed to a restarted ffmpeg before the chunk it stopped at, so it can read the stream
    again without replaying the first second."""
    if is_mp4_header(first_chunk):
        at = first_chunk.find(MOOF)
        return first_chunk[: at - 4] if at >= 4 else first_chunk  # the box starts with its 4-byte size
    at = first_chunk.find(CLUSTER)
    return first_chunk[:at] if at > 0 else first_chunk


def free_bytes(path: Path) -> int:
    path.mkdir(parents=True, exist_ok=True)
    return shutil.disk_usage(path).free


def ffmpeg_command(ffmpeg: str, folder: Path, source: str = "pipe:0") -> list[str]:
    """One ffmpeg reading the WebM (or fragmented MP4) on its standard input and writing both HLS renditions.

    Keyframes every SEGMENT_SECONDS (fixed frame rate, scene cuts off) so segments come out at the length
    asked; `append_list` continues the numbering and playlist after a restart, `discont_start` marks the
    restart for players. Audio only is mono AAC at 32 kbit/s: with MPEG-TS overhead under 48 kbit/s."""
    hls = ("-f", "hls", "-hls_time", str(SEGMENT_SECONDS), "-hls_list_size", "10")
    flags = "append_list+discont_start+independent_segments+program_date_time"
    gop = str(SEGMENT_SECONDS * 25)
    return [
        *(ffmpeg, "-hide_banner", "-loglevel", "error", "-fflags", "+genpts+discardcorrupt"),
        *("-thread_queue_size", "512", "-i", source),
        # Low video: 360p, at most 400 kbit/s of video.
        *("-map", "0:v:0?", "-map", "0:a:0?", "-vf", "scale=-2:360", "-r", "25"),
        *(
            "-c:v",
            "libx264",
            "-preset",
            "veryfast",
            "-tune",
            "zerolatency",
            "-profile:v",
            "baseline",
            "-pix_fmt",
            "yuv420p",
        ),
        *("-b:v", "350k", "-maxrate", "400k", "-bufsize", "400k", "-g", gop, "-keyint_min", gop),
        *("-sc_threshold", "0", "-c:a", "aac", "-b:a", "48k", "-ac", "1", "-ar", "44100"),
        *hls,
        *(
            "-hls_flags",
            flags,
            "-hls_segment_filename",
            str(folder / "v" / "%06d.ts"),
            str(folder / "v" / "index.m3u8"),
        ),
        # Audio only.
        *("-map", "0:a:0?", "-c:a", "aac", "-b:a", "32k", "-ac", "1", "-ar", "22050"),
        *hls,
        *(
            "-hls_flags",
            flags,
            "-hls_segment_filename",
            str(folder / "a" / "%06d.ts"),
            str(folder / "a" / "index.m3u8"),
        ),
    ]


def segments(folder: Path, rendition: str) -> list[Path]:
    """A rendition's segments in order (numbers continue across restarts: `append_list`)."""
    where = folder / rendition
    if not where.is_dir():
        return []
    return sorted(p for p in where.iterdir() if SEGMENT_RE.match(p.name))


def recording_join(ffmpeg: str, folder: Path) -> dict[str, Path]:
    """Join each rendition's segments (stream copy, no re-encoding): MP4 from the video, M4A from the audio.

    The concat demuxer reads a list of the segment files, so a playlist cut short by a crash (no
    ENDLIST, or older segments out of its window) still gives every segment that exists."""
    made: dict[str, Path] = {}
    for rendition, name, extra in (("v", "recording.mp4", ()), ("a", "recording.m4a", ("-vn",))):
        parts = segments(folder, rendition)
        if not parts:
            continue
        # The list names the files relative to itself, so it sits beside them.
        listing = folder / rendition / "concat.txt"
        listing.write_text("".join(f"file '{p.name}'\n" for p in parts))
        target = folder / name
        partial = folder / f".part-{name}"
        result = subprocess.run(  # noqa: S603  # the program named in settings, fixed arguments
            [
                *(ffmpeg, "-hide_banner", "-loglevel", "error", "-y", "-f", "concat", "-safe", "0"),
                *("-i", str(listing), "-c", "copy", *extra, "-bsf:a", "aac_adtstoasc"),
                *("-movflags", "+faststart", str(partial)),
            ],
            capture_output=True,
            timeout=3600,
            check=False,
        )
        if result.returncode == 0 and partial.exists() and partial.stat().st_size > 0:
            os.replace(partial, target)
            made[rendition] = target
        else:
            partial.unlink(missing_ok=True)
    return made


def state_load(folder: Path) -> dict[str, int]:
    try:
        state = json.loads((folder / "state.json").read_text())
        return {"take": int(state["take"]), "seq": int(state["seq"]), "restarts": int(state.get("restarts", 0))}
    except (FileNotFoundError, ValueError, KeyError, TypeError):
        return {"take": 1, "seq": 0, "restarts": 0}


def state_save(folder: Path, state: dict[str, int]) -> None:
    tmp = folder / "state.json.tmp"
    tmp.write_text(json.dumps(state))
    os.replace(tmp, folder / "state.json")


# A transcoder touches its pid file this often; one on another app server (the live folder on shared storage,
# docs/scaling.md) counts as running while its pid file is younger than RUNNER_FRESH_SECONDS.
RUNNER_TOUCH_SECONDS = 2.0
RUNNER_FRESH_SECONDS = 15.0


def runner_mark(folder: Path, pid: int) -> None:
    """Name the transcoder in the pid file: its process id and the machine it runs on."""
    (folder / "runner.pid").write_text(f"{pid}@{socket.gethostname()}")


def runner_touch(folder: Path) -> None:
    """The transcoder says it still runs (for the other app servers, which cannot see its process)."""
    try:
        os.utime(folder / "runner.pid")
    except FileNotFoundError:
        pass  # not started through a pid file (the tests run the loop directly)


def runner_alive(folder: Path) -> bool:
    """Whether the transcoder of this folder runs: its pid file names a live process of this machine, or one of
    another machine that touched the file within RUNNER_FRESH_SECONDS."""
    pidfile = folder / "runner.pid"
    try:
        pid_text, _, host = pidfile.read_text().strip().partition("@")
        pid = int(pid_text)
        if host and host != socket.gethostname():
            return time.time() - pidfile.stat().st_mtime < RUNNER_FRESH_SECONDS
    except (FileNotFoundError, ValueError):
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    # A zombie (exited, not yet reaped by the web process that started it) is not running.
    try:
        status = Path(f"/proc/{pid}/stat").read_text().split(")")[-1].split()[0]
    except (FileNotFoundError, IndexError):
        return True
    return status != "Z"


# A voice note as the phone's recorder makes it: WebM/Opus (Chrome, Android), Ogg/Opus (Firefox),
# MP4/AAC (Safari).
VOICE_HEADERS = (EBML, b"OggS")


def voice_to_m4a(ffmpeg: str, data: bytes, *, max_seconds: int) -> tuple[bytes, int] | None:
    """A voice note made into mono AAC in M4A (every phone plays it), cut at max_seconds, with its length in
    seconds; None when the bytes are not a recording ffmpeg can read as sound (the check that matters:
    a header can be faked, decoding cannot)."""
    if not (data.startswith(VOICE_HEADERS) or is_mp4_header(data)):
        return None
    with tempfile.TemporaryDirectory(prefix="cunzhi-voice-") as tmp:
        source, target = Path(tmp) / "in", Path(tmp) / "out.m4a"
        source.write_bytes(data)
        try:
            result = subprocess.run(  # noqa: S603  # the program named in settings, fixed arguments
                [
                    *(ffmpeg, "-hide_banner", "-loglevel", "error", "-nostats", "-y", "-i", str(source)),
                    *("-map", "0:a:0", "-vn", "-t", str(max_seconds), "-c:a", "aac", "-b:a", "48k", "-ac", "1"),
                    *("-movflags", "+faststart", "-progress", "pipe:1", "-f", "mp4", str(target)),
                ],
                capture_output=True,
                timeout=60,
                check=False,
            )
        except (OSError, subprocess.TimeoutExpired):
            return None
        if result.returncode != 0 or not target.exists() or target.stat().st_size == 0:
            return None
        micro = [
            int(line.split("=", 1)[1])
            for line in result.stdout.decode("ascii", "replace").splitlines()
            if line.startswith("out_time_us=") and line.split("=", 1)[1].isdigit()
        ]
        seconds = round(max(micro, default=0) / 1_000_000)
        if seconds < 1:
            return None  # nothing audible was decoded
        return target.read_bytes(), seconds
