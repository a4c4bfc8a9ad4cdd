"""The RTMP ingest: nginx-rtmp run by the test (its configuration generated, bound to 127.0.0.1), ffmpeg
pushing a generated test stream with the meeting's stream key; the key is checked by Cunzhi's on_publish
and the same HLS renditions come out. A wrong key is refused."""

import socket
import subprocess
import time

import pytest

from cunzhi.meetings.live import media, rtmp, services
from cunzhi.meetings.live.models import LiveStream, StreamStatus

from .helpers import in_session

# ffmpeg, nginx and libnginx-mod-rtmp (scripts/setup.sh installs them). Once, on the first database: the
# ingest and its renditions do not depend on the database; the stream key's look-up is the live tests'.
pytestmark = [pytest.mark.slow, pytest.mark.once]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def nginx_rtmp(live_server, settings, tmp_path):
    port = _free_port()
    settings.MEETINGS_LIVE_RTMP_URL = f"rtmp://127.0.0.1:{port}/live"
    settings.MEETINGS_LIVE_ROOT = tmp_path / "private" / "live"
    proc = rtmp.nginx_start(
        folder=tmp_path / "nginx", rtmp_url=settings.MEETINGS_LIVE_RTMP_URL, callback_base=live_server.url
    )
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            break
        except OSError:
            time.sleep(0.2)
    yield settings.MEETINGS_LIVE_RTMP_URL
    proc.terminate()
    proc.wait(timeout=10)


def _push(url: str, seconds: int) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        [
            *("ffmpeg", "-hide_banner", "-loglevel", "error", "-re"),
            *("-f", "lavfi", "-i", "testsrc=size=640x360:rate=25", "-f", "lavfi", "-i", "sine=frequency=440"),
            *("-t", str(seconds), "-c:v", "libx264", "-preset", "ultrafast", "-g", "50", "-c:a", "aac"),
            *("-f", "flv", url),
        ],
        capture_output=True,
        timeout=120,
        check=False,
    )


def test_a_camera_pushes_with_the_stream_key_and_gets_the_same_hls(transactional_db, world, nginx_rtmp):
    meeting = in_session(world, stream_url="")
    stream = services.live_settings_save(actor=world.cadre_a, meeting=meeting, public=False)
    wrong = _push(f"{nginx_rtmp}/not-a-key", 2)
    assert wrong.returncode != 0  # refused by on_publish
    pushed = _push(f"{nginx_rtmp}/{stream.key}", 7)
    assert pushed.returncode == 0, pushed.stderr
    folder = services.folder_of(meeting)
    deadline = time.monotonic() + 90  # a bound, not a speed: the puller ends once nginx's on_publish_done stops it
    while time.monotonic() < deadline and media.runner_alive(folder):
        time.sleep(0.5)
    assert not media.runner_alive(folder), (folder / "ffmpeg.log").read_text()
    assert media.segments(folder, "v") and media.segments(folder, "a")
    stream = LiveStream.objects.get(pk=stream.pk)
    assert stream.take == 1 and stream.status in (StreamStatus.ENDING, StreamStatus.ENDED)
    assert services.live_finish(stream=stream)
    assert LiveStream.objects.get(pk=stream.pk).recording
