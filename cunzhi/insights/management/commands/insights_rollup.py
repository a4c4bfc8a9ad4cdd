"""`manage.py insights_rollup [--day D | --from D --to D | --days N]`: recompute the daily roll-ups."""

import datetime as dt

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from cunzhi.insights import services

# A range wider than this is almost certainly a typing mistake (a year of 1926): refuse rather than grind.
MAX_DAYS = 366 * 10


class Command(BaseCommand):
    help = "Recompute the stored daily figures for a day or a range of finished days (idempotent)."

    def add_arguments(self, parser):
        parser.add_argument("--day", help="one day, YYYY-MM-DD")
        parser.add_argument("--from", dest="first", help="first day, YYYY-MM-DD")
        parser.add_argument("--to", dest="last", help="last day, YYYY-MM-DD (default yesterday)")
        parser.add_argument("--days", type=int, help="the last N finished days")

    def handle(self, *args, day=None, first=None, last=None, days=None, **options):
        yesterday = timezone.localdate() - dt.timedelta(days=1)
        try:
            if day:
                first = last = dt.date.fromisoformat(day)
            elif first:
                first = dt.date.fromisoformat(first)
                last = dt.date.fromisoformat(last) if last else yesterday
            elif days:
                first, last = yesterday - dt.timedelta(days=days - 1), yesterday
            else:
                raise CommandError("Give --day, --from/--to or --days.")
        except ValueError as exc:
            raise CommandError(f"Dates are written YYYY-MM-DD ({exc}).") from None
        if last < first:
            raise CommandError(f"The range ends ({last}) before it starts ({first}).")
        if (last - first).days > MAX_DAYS:
            raise CommandError(f"At most {MAX_DAYS} days at a time; run it again for the rest.")
        n_days, rows = services.rollup_range(first, last)
        self.stdout.write(f"Recomputed {n_days} days ({first} to {min(last, yesterday)}): {rows} rows.")
