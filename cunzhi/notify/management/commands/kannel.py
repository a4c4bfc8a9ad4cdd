"""Run the demo's SMS gateway: Kannel (bearerbox, smsbox) with fakesmsc as the operator, or make a
phone send a text to it.

    manage.py kannel                      # run until stopped (make demo starts it)
    manage.py kannel --phone 13800000001 "TD"   # a phone sends a text to the platform's number

Ports follow Kannel's custom: base (admin), base+1 (boxes), base+10 (operator), base+11 (phones),
base+13 (sendsms, which KANNEL_SENDSMS_URL must name). Incoming texts go to SITE_URL's inbound
endpoint with KANNEL_SECRET. In production Kannel runs from its own configuration (docs/sms.md).
"""

import signal
import time
import urllib.parse
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.urls import reverse

from cunzhi.core.links import absolute_url
from cunzhi.notify.kannel import KannelBox


class Command(BaseCommand):
    help = "Run Kannel with fakesmsc as the operator (demo), or send a text as a phone (--phone)."

    def add_arguments(self, parser):
        parser.add_argument("--base-port", type=int, default=13000)
        parser.add_argument("--folder", default=str(Path(settings.DATA_DIR) / "kannel"))
        parser.add_argument("--phone", help="send TEXT from this mobile number, as a phone would")
        parser.add_argument("text", nargs="?", default="")

    def box(self, base: int, folder: str) -> KannelBox:
        sendsms_port = urllib.parse.urlsplit(settings.KANNEL_SENDSMS_URL).port
        if sendsms_port != base + 13:
            raise CommandError(f"KANNEL_SENDSMS_URL must use port {base + 13} (base port {base} + 13)")
        if not settings.KANNEL_PASSWORD or not settings.KANNEL_SECRET:
            raise CommandError("set KANNEL_PASSWORD and KANNEL_SECRET (scripts/demo.sh does)")
        inbound = absolute_url(reverse("notify:sms_inbound"))
        return KannelBox(
            folder=Path(folder),
            get_url=f"{inbound}?from=%p&to=%P&text=%a&id=%I&secret={urllib.parse.quote(settings.KANNEL_SECRET)}",
            admin_port=base,
            smsbox_port=base + 1,
            operator_port=base + 10,
            phones_port=base + 11,
            sendsms_port=sendsms_port,
            username=settings.KANNEL_USERNAME,
            password=settings.KANNEL_PASSWORD,
            sender=settings.KANNEL_SENDER or "106900001",
        )

    def handle(self, *args, base_port, folder, phone=None, text="", **options):
        box = self.box(base_port, folder)
        if phone:
            box.inject(phone, box.sender, text)
            self.stdout.write(f"{phone} sent: {text}")
            return
        box.start()
        self.stdout.write(
            f"Kannel is up: sendsms on {box.sendsms_url}; what phones receive is written to {box.received_log}"
        )
        stop = []
        signal.signal(signal.SIGTERM, lambda *_: stop.append(1))
        try:
            while not stop and all(p.poll() is None for p in box.processes):
                time.sleep(1)
        except KeyboardInterrupt:
            pass
        finally:
            box.stop()
