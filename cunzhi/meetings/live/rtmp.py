"""The RTMP ingest: a camera or OBS publishes to nginx-rtmp with the meeting's stream key; nginx asks
Cunzhi (on_publish) whether the key is good; if so, an ffmpeg pulls the stream from nginx and writes the
same HLS renditions into the stream's folder as the browser path does (media.ffmpeg_command).

nginx is run by the project (scripts/rtmp.sh writes its configuration, bound to 127.0.0.1).
"""

import subprocess
import threading
from pathlib import Path

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


def publish_done(*, stream: LiveStream) -> None:
    """The encoder stopped: ffmpeg ends with the stream (nginx closes it); the recording follows."""
    services.live_stop(actor=None, meeting=stream.meeting)
