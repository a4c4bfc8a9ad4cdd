"""nginx serves the live segments itself, with the location `manage.py live_nginx` prints: a link Cunzhi
signed is served from the stream's folder; a tampered, expired or re-addressed one is refused, as Django
refuses it (test_live.py). Real nginx (Debian's, with its secure_link module), bound to 127.0.0.1."""

import io
import socket
import subprocess
import time
import urllib.error
import urllib.request

import pytest
from django.core.management import call_command
from django.urls import reverse

from cunzhi.meetings.live import links

pytestmark = [pytest.mark.slow]  # a server process of its own

MEETING = "m3eTiNg_1d"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def nginx(settings, tmp_path):
    """nginx with the printed location, its stream folder holding one segment of each rendition."""
    settings.MEETINGS_LIVE_ROOT = tmp_path / "live"
    for rendition in ("v", "a"):
        (settings.MEETINGS_LIVE_ROOT / MEETING / rendition).mkdir(parents=True)
        (settings.MEETINGS_LIVE_ROOT / MEETING / rendition / "000007.ts").write_bytes(b"G" + rendition.encode() * 187)
    out = io.StringIO()
    call_command("live_nginx", stdout=out)
    port = _free_port()
    conf = tmp_path / "nginx.conf"
    conf.write_text(
        f"daemon off; master_process off; worker_processes 1; pid {tmp_path}/nginx.pid;\n"
        f"error_log {tmp_path}/error.log warn; events {{ worker_connections 64; }}\n"
        f"http {{ access_log off; server {{ listen 127.0.0.1:{port};\n{out.getvalue()}\n"
        "location / { return 418; } } }\n"  # anything else would go to Django: here a teapot says it did
    )
    proc = subprocess.Popen(["nginx", "-p", str(tmp_path), "-c", str(conf)], stderr=subprocess.PIPE)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            break
        except OSError:
            assert proc.poll() is None, proc.stderr.read().decode() if proc.stderr else "nginx stopped"
            time.sleep(0.1)
    yield f"http://127.0.0.1:{port}"
    proc.terminate()
    proc.wait(timeout=10)


def _get(url: str) -> tuple[int, bytes, str]:
    try:
        with urllib.request.urlopen(url, timeout=5) as r:  # our own nginx on 127.0.0.1
            return r.status, r.read(), r.headers.get("Content-Type", "")
    except urllib.error.HTTPError as e:
        return e.code, b"", ""


def test_nginx_serves_a_signed_segment_and_refuses_the_rest(nginx):
    path = reverse("meetings:live_segment", args=[MEETING, "v", "000007.ts"])
    query = links.segment_query(path, 42)
    status, body, kind = _get(f"{nginx}{path}?{query}")
    assert (status, body[:2], kind) == (200, b"Gv", "video/mp2t")
    assert _get(f"{nginx}{path}?{query.replace('s=', 's=A')}")[0] == 403  # tampered
    assert _get(f"{nginx}{path}?{query.replace('u=42', 'u=43')}")[0] == 403  # passed to another reader
    audio = reverse("meetings:live_segment", args=[MEETING, "a", "000007.ts"])
    assert _get(f"{nginx}{audio}?{query}")[0] == 403  # another segment's link
    assert _get(f"{nginx}{path}?{links.segment_query(path, 42, now=time.time() - 120)}")[0] == 403  # expired
    assert _get(f"{nginx}{path}")[0] == 403  # no link at all
    # Django answers the same link the same way (when no nginx is in front).
    expires, signature = query.split("&e=")[1].split("&s=")
    assert links.segment_valid(path, 42, expires, signature)
    assert not links.segment_valid(path, 43, expires, signature)
    assert _get(f"{nginx}/meetings/{MEETING}/stream/hls/v/index.m3u8")[0] == 418  # playlists go on to Django
