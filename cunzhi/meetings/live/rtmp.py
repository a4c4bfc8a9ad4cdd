"""The RTMP ingest: a camera or OBS publishes to nginx-rtmp with the meeting's stream key; nginx asks
Cunzhi (on_publish) whether the key is good; if so, an ffmpeg pulls the stream from nginx and writes the
same HLS renditions into the stream's folder as the browser path does (media.ffmpeg_command).

nginx is run by the project (scripts/rtmp.sh writes its configuration, bound to 127.0.0.1).
"""

import os
import signal
import subprocess
import threading
from pathlib import Path
from urllib.parse import urlsplit

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from cunzhi.core.audit import audit_record
from cunzhi.meetings.events import MeetingEvent
from cunzhi.meetings.live import media, services
from cunzhi.meetings.live.models import LiveStream, StreamStatus


def _pid_alive(folder: Path) -> bool:
    pidfile = folder / "runner.pid"
    return media.runner_alive(folder) if pidfile.exists() else False


def publish_accept(*, stream: LiveStream) -> None:
    """The key is good: the stream is live, and an ffmpeg pulls it into HLS (unless one runs already)."""
    meeting = stream.meeting
    with transaction.atomic():
        locked = LiveStream.objects.select_for_update().get(pk=stream.pk)
        if locked.status != StreamStatus.LIVE:
            locked.status = StreamStatus.LIVE
            locked.take += 1
            locked.started_at = locked.started_at or timezone.now()
            locked.ended_at = None
            locked.save()
            audit_record(
                actor=None,
                action=MeetingEvent.LIVE_START,
                obj=meeting,
                region_code=meeting.region_code,
                after={"take": locked.take, "via": "rtmp"},
            )
    folder = services.folder_of(meeting)
    for r in media.RENDITIONS:
        (folder / r).mkdir(parents=True, exist_ok=True)
    (folder / "ended").unlink(missing_ok=True)
    if _pid_alive(folder):
        return
    source = f"{settings.MEETINGS_LIVE_RTMP_URL.rstrip('/')}/{stream.key}"
    log = (folder / "ffmpeg.log").open("ab")
    proc = subprocess.Popen(  # noqa: S603  # the program named in settings, fixed arguments
        [*media.ffmpeg_command(settings.MEETINGS_LIVE_FFMPEG, folder, source=source)],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=log,
        start_new_session=True,
    )
    log.close()
    (folder / "runner.pid").write_text(str(proc.pid))
    threading.Thread(target=proc.wait, daemon=True).start()


def _stop(pid: int, folder: Path, grace: float = 10.0) -> None:
    """SIGTERM (ffmpeg then finishes its playlists), and SIGKILL after `grace` seconds if it is still
    blocked reading from nginx: the segments already written make the recording either way."""

    def later() -> None:
        if media.runner_alive(folder):
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass  # it ended meanwhile

    try:
        os.kill(pid, signal.SIGTERM)
    except ProcessLookupError:
        return  # it ended by itself
    timer = threading.Timer(grace, later)
    timer.daemon = True
    timer.start()


def publish_done(*, stream: LiveStream) -> None:
    """The encoder stopped: the pulling ffmpeg is told to finish (SIGTERM: it writes its last segments and
    ENDLIST), the stream stops, and the recording follows once it has exited."""
    folder = services.folder_of(stream.meeting)
    try:
        pid = int((folder / "runner.pid").read_text().strip())
    except (FileNotFoundError, ValueError):
        pid = 0
    if pid and media.runner_alive(folder):
        _stop(pid, folder)
    services.live_stop(actor=None, meeting=stream.meeting)


MODULE = Path("/usr/lib/nginx/modules/ngx_rtmp_module.so")  # Debian's libnginx-mod-rtmp


def nginx_config(*, folder: Path, rtmp_url: str, callback_base: str) -> str:
    """nginx.conf for the RTMP ingest: one `live` application on the host and port of `rtmp_url`
    (127.0.0.1 by default), publishing checked by Cunzhi's on_publish, playing only from this machine
    (the transcoder's ffmpeg)."""
    where = urlsplit(rtmp_url)
    app = where.path.strip("/") or "live"
    listen = f"{where.hostname or '127.0.0.1'}:{where.port or 1935}"
    callback = callback_base.rstrip("/")
    return f"""load_module {MODULE};
daemon off;
master_process off;
worker_processes 1;
pid {folder}/nginx.pid;
error_log {folder}/error.log warn;
events {{ worker_connections 256; }}
rtmp {{
    server {{
        listen {listen};
        chunk_size 4096;
        application {app} {{
            live on;
            record off;
            # The stream key is checked by Cunzhi; a wrong key or a closed meeting is refused.
            on_publish {callback}/meetings/stream/rtmp/publish/;
            on_publish_done {callback}/meetings/stream/rtmp/done/;
            allow play 127.0.0.1;
            deny play all;
        }}
    }}
}}
"""


def nginx_start(*, folder: Path, rtmp_url: str, callback_base: str, nginx: str = "nginx") -> subprocess.Popen[bytes]:
    """Write the configuration into `folder` and start nginx on it in the foreground (the caller stops it)."""
    folder.mkdir(parents=True, exist_ok=True)
    conf = folder / "nginx.conf"
    conf.write_text(nginx_config(folder=folder, rtmp_url=rtmp_url, callback_base=callback_base))
    return subprocess.Popen(  # noqa: S603  # nginx with the configuration just written
        [nginx, "-p", str(folder), "-c", str(conf), "-e", str(folder / "error.log")],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
