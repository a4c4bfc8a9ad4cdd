"""`manage.py open311_key --name NAME`: issue an Open311 API key; the key is the last word printed.

Console output is for the operator (English, like the project's other commands).
"""

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from cunzhi.concerns.services import open311_key_issue


class Command(BaseCommand):
    help = "Issue an Open311 GeoReport v2 API key for another system. Only its hash is stored: copy it now."

    def add_arguments(self, parser):
        parser.add_argument(
            "--name", required=True, help="the system that will use the key, e.g. 'county 12345 hotline'"
        )

    def handle(self, *args, name, **options):
        try:
            key, row = open311_key_issue(name=name)
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from None
        self.stdout.write(f"Open311 API key for {row.name} (shown once, store it safely): {key}")
