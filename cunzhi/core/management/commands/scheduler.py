"""Run periodic jobs: every minute, enqueue each job whose slot is due (safe to run on several machines)."""

import signal
import threading
import time

from django.core.management.base import BaseCommand
from django.db import close_old_connections
from django.utils import timezone

from cunzhi.core.jobs import scheduler_tick


class Command(BaseCommand):
    help = "Enqueue due periodic jobs every minute (idempotent: each job slot runs once, whatever the schedulers)."

    def add_arguments(self, parser):
        parser.add_argument("--once", action="store_true", help="Enqueue what is due now, then exit.")
        parser.add_argument("--interval", type=float, default=60.0, help="Seconds between ticks (default 60).")

    def handle(self, *args, once=False, interval=60.0, **options):
        # SIGTERM (a deploy, systemd's stop) ends it between ticks: a tick that began is finished and reported.
        stop = threading.Event()
        signal.signal(signal.SIGTERM, lambda *_: stop.set())
        while not stop.is_set():
            close_old_connections()
            try:
                names = scheduler_tick()
            except Exception as exc:  # a database hiccup must not stop the scheduler for good  # noqa: BLE001
                self.stderr.write(f"{timezone.now():%Y-%m-%d %H:%M:%S} scheduler tick failed: {exc!r}")
                names = []
            if names and options["verbosity"] >= 1:
                self.stdout.write(f"{timezone.now():%Y-%m-%d %H:%M:%S} enqueued: {', '.join(names)}")
            if once:
                return
            # Sleep to just after the next interval boundary so ticks stay aligned with the slots.
            stop.wait(interval - (time.time() % interval) + 0.5)
