"""Run the RTMP ingest for cameras and OBS: nginx with Debian's RTMP module, its configuration written
from MEETINGS_LIVE_RTMP_URL, its on_publish calling this Cunzhi to check the meeting's stream key.

    manage.py live_rtmp --callback http://127.0.0.1:8000

Runs in the foreground until stopped (scripts/rtmp.sh; a service manager in production)."""

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from cunzhi.meetings.live import rtmp


class Command(BaseCommand):
    help = "Run nginx-rtmp for the meetings' live stream (RTMP ingest from cameras and OBS)."

    def add_arguments(self, parser):
        parser.add_argument("--callback", default="http://127.0.0.1:8000", help="this Cunzhi, as nginx reaches it")
        parser.add_argument("--folder", default=str(settings.DATA_DIR / "rtmp"), help="nginx's configuration and logs")

    def handle(self, *args, **options):
        if not rtmp.MODULE.exists():
            raise CommandError("libnginx-mod-rtmp is not installed (apt-get install libnginx-mod-rtmp).")
        folder = Path(options["folder"])
        proc = rtmp.nginx_start(
            folder=folder, rtmp_url=settings.MEETINGS_LIVE_RTMP_URL, callback_base=options["callback"]
        )
        self.stdout.write(
            f"nginx-rtmp on {settings.MEETINGS_LIVE_RTMP_URL} (configuration in {folder}); Ctrl-C stops it"
        )
        try:
            proc.wait()
        except KeyboardInterrupt:
            proc.terminate()
            proc.wait()
