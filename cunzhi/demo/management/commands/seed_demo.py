"""`manage.py seed_demo`: build the demo county (安吉县) and print one login per role.

Safe to run again: when the demo is already there it only prints the logins. It refuses (exit
code 1, nothing written) on a database that holds data the demo did not create.
"""

import os
import time

from django.core.management.base import BaseCommand, CommandError

from cunzhi.demo import county as demo


class Command(BaseCommand):
    help = (
        "Build the demo county (安吉县: 3 townships, 12 villages, ~4,000 villagers) with one account per "
        "role, and print the logins. Refuses to touch a database that holds other data."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--password",
            default=demo.DEMO_PASSWORD,
            help=f"password of every demo account (default: {demo.DEMO_PASSWORD})",
        )

    def handle(self, *args, password, **options):
        if len(password) < 8:
            raise CommandError("The demo password must have at least 8 characters.")
        started = time.perf_counter()
        marker = demo.demo_exists()
        if marker is not None:
            self.stdout.write("The demo county is already built; nothing was changed.")
        else:
            try:
                summary = demo.build_demo(password=password)
            except demo.DemoRefused as exc:
                raise CommandError(
                    "Refusing to build the demo: this database already holds data the demo did not create "
                    f"({exc}). Nothing was written. Use an empty database, e.g. "
                    "CUNZHI_DATA_DIR=/tmp/cunzhi-demo or DATABASE_URL=sqlite:////tmp/demo.sqlite3, "
                    "then migrate and run seed_demo again.",
                    returncode=1,
                ) from exc
            self.stdout.write(
                self.style.SUCCESS(
                    "Built the demo county {county} in {s:.1f} s: {townships} townships, {villages} villages, "
                    "{groups} villager groups, {grids} grids, {offices} offices, {households} households, "
                    "{villagers} villagers ({living_away} living away), {accounts} accounts.".format(
                        county=demo.COUNTY_NAME, s=time.perf_counter() - started, **summary
                    )
                )
            )
            # What the domain apps added (concerns, applications, meetings...), one count per line.
            for key in sorted(set(summary) - demo.BASE_SUMMARY_KEYS):
                self.stdout.write(f"  {key.replace('_', ' ')}: {summary[key]}")
        rows = demo.login_rows(password)
        self.stdout.write("")
        self.stdout.write(
            demo.format_table(
                rows,
                [
                    ("role", "Role"),
                    ("name", "Name"),
                    ("where", "Where"),
                    ("phone", "Mobile number"),
                    ("password", "Password"),
                ],
            )
        )
        port = os.environ.get("PORT", "8000")
        self.stdout.write("")
        self.stdout.write(f"Open http://127.0.0.1:{port}/ and log in with a mobile number and password above.")
        self.stdout.write(f"Django admin: http://127.0.0.1:{port}/admin/ (county administrator).")
        if any(r["password"] == "(changed)" for r in rows):  # noqa: S105
            self.stdout.write(
                "(changed): that account's password is no longer the one given; "
                "run with --password to print the one you set."
            )
