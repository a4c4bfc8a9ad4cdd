"""`manage.py seed_scale`: a county at scale on top of the demo county, for benchmarks (cunzhi.demo.scale).

    manage.py seed_scale --villages 300 --villagers 500000 --years 3

Builds the demo county first when the database is empty. Prints the time taken and the peak memory
of the process (resident set size), and the counts of what it wrote.
"""

import resource
import time

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from cunzhi.core import jobs
from cunzhi.demo import county as demo
from cunzhi.demo import scale


class Command(BaseCommand):
    help = "Add villages with villagers and years of activity to the demo county (bulk inserts), for benchmarks."

    def add_arguments(self, parser):
        parser.add_argument("--villages", type=int, default=300)
        parser.add_argument("--villagers", type=int, default=500_000, help="villagers in all the added villages")
        parser.add_argument("--years", type=int, default=3)
        parser.add_argument("--seed", type=int, default=demo.SEED + 1)
        parser.add_argument(
            "--part",
            default="0/1",
            help="k/n: the k-th of n generators run at the same time on one PostgreSQL database (0/2 and 1/2)",
        )

    def handle(self, *args, villages, villagers, years, seed, part, **options):
        started = time.perf_counter()
        try:
            k, n = (int(x) for x in part.split("/"))
        except ValueError:
            raise CommandError("--part is k/n, e.g. 0/2") from None
        if demo.demo_exists() is None:
            call_command("seed_demo", stdout=self.stdout)
        try:
            counts = scale.build_scale(
                villages=villages,
                villagers=villagers,
                years=years,
                seed=seed,
                progress=lambda m: self.stdout.write(f"  {m} ({time.perf_counter() - started:.0f} s)"),
                part=(k, n),
            )
        except (ValueError, demo.DemoRefused) as exc:
            raise CommandError(str(exc)) from exc
        # The statistics the daily job gathers (core.jobs): a benchmark measures the county as it runs.
        jobs.database_statistics_refresh()
        usage = resource.getrusage(resource.RUSAGE_SELF)
        peak_mb = usage.ru_maxrss / 1024  # kilobytes on Linux
        self.stdout.write(
            self.style.SUCCESS(
                f"Added {villages} villages, {counts.get('villagers', 0):,} villagers and {years} years of activity "
                f"in {time.perf_counter() - started:.1f} s ({usage.ru_utime + usage.ru_stime:.1f} s CPU); "
                f"peak memory {peak_mb:.0f} MB."
            )
        )
        for key, n in sorted(counts.items()):
            self.stdout.write(f"  {key.replace('_', ' ')}: {n:,}")
