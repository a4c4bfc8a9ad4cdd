"""Print the nginx `location` that serves the meetings' live segments after checking their signed links, so
that viewers' segment requests never reach Django (docs/live.md): include it in the site's `server` block,
before `location /`.

    manage.py live_nginx > /etc/nginx/snippets/cunzhi-live.conf

It holds the segment links' key (MEETINGS_LIVE_SEGMENT_SECRET, or derived from SECRET_KEY): keep the file
readable by root and nginx only. MEETINGS_LIVE_ROOT must be the same folder (or shared volume) for nginx."""

from django.conf import settings
from django.core.management.base import BaseCommand

from cunzhi.meetings.live import links


class Command(BaseCommand):
    help = "Print the nginx location serving the live stream's segments (signed links checked by nginx)."

    def handle(self, *args, **options):
        self.stdout.write(links.nginx_location(root=settings.MEETINGS_LIVE_ROOT), ending="")
