"""Shortcuts for the live-stream tests: a real WebM cut as MediaRecorder cuts it, and a stream started."""

import itertools
import shutil
import subprocess
from pathlib import Path

from cunzhi.meetings.live import media

# ffmpeg, nginx and its RTMP module are installed by scripts/setup.sh: without them these tests fail, never skip.
FFMPEG = shutil.which("ffmpeg")


def webm_sample(folder: Path, seconds: int = 5) -> bytes:
    """A WebM (VP8 + Opus, 640x360, a cluster a second) like the browser's recorder makes."""
    out = folder / "sample.webm"
    if not out.exists():
        subprocess.run(
            [
                *(FFMPEG or "ffmpeg", "-hide_banner", "-loglevel", "error", "-y"),
                *("-f", "lavfi", "-i", "testsrc=size=640x360:rate=25", "-f", "lavfi", "-i", "sine=frequency=440"),
                *("-t", str(seconds), "-c:v", "libvpx", "-b:v", "300k", "-deadline", "realtime", "-cpu-used", "8"),
                *("-g", "25", "-c:a", "libopus", "-cluster_time_limit", "1000", "-f", "webm", str(out)),
            ],
            check=True,
            timeout=120,
        )
    return out.read_bytes()


def chunks_of(data: bytes) -> list[bytes]:
    """Cut at Cluster starts: the first chunk holds the header and the first cluster, as MediaRecorder's does."""
    starts = []
    at = data.find(media.CLUSTER)
    while at >= 0:
        starts.append(at)
        at = data.find(media.CLUSTER, at + 4)
    cuts = [0, *starts[1:], len(data)]
    return [data[a:b] for a, b in itertools.pairwise(cuts) if b > a]


def fmp4_sample(folder: Path, seconds: int = 5) -> bytes:
    """A fragmented MP4 (H.264 + AAC, a fragment a second) like Safari's MediaRecorder makes on an iPhone."""
    out = folder / "sample.mp4"
    if not out.exists():
        subprocess.run(
            [
                *(FFMPEG or "ffmpeg", "-hide_banner", "-loglevel", "error", "-y"),
                *("-f", "lavfi", "-i", "testsrc=size=640x360:rate=25", "-f", "lavfi", "-i", "sine=frequency=440"),
                *("-t", str(seconds), "-c:v", "libx264", "-preset", "ultrafast", "-g", "25", "-pix_fmt", "yuv420p"),
                *("-c:a", "aac", "-movflags", "frag_keyframe+empty_moov+default_base_moof"),
                *("-frag_duration", "1000000", "-f", "mp4", str(out)),
            ],
            check=True,
            timeout=120,
        )
    return out.read_bytes()


def fmp4_chunks(data: bytes) -> list[bytes]:
    """Cut before each `moof` box but the first: the first chunk holds ftyp, moov and a fragment."""
    starts = []
    at = data.find(media.MOOF)
    while at >= 0:
        starts.append(at - 4)
        at = data.find(media.MOOF, at + 4)
    cuts = [0, *starts[1:], len(data)]
    return [data[a:b] for a, b in itertools.pairwise(cuts) if b > a]


def voice_sample(folder: Path, seconds: int = 3) -> bytes:
    """A voice note as Chrome records one: WebM with Opus sound."""
    out = folder / "voice.webm"
    if not out.exists():
        subprocess.run(
            [
                *(FFMPEG or "ffmpeg", "-hide_banner", "-loglevel", "error", "-y", "-f", "lavfi"),
                *("-i", f"sine=frequency=300:duration={seconds}", "-c:a", "libopus", "-b:a", "24k", str(out)),
            ],
            check=True,
            timeout=60,
        )
    return out.read_bytes()
