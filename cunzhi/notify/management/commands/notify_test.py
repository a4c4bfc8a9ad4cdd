"""Send the test notice to one account on every channel it has, to check e-mail and SMS settings."""

from django.core.management.base import BaseCommand, CommandError

from cunzhi.core.idnumbers import normalize_phone
from cunzhi.notify import services
from cunzhi.notify.models import Urgency
from cunzhi.people.models import User


class Command(BaseCommand):
    help = "Send a test notice (inbox, e-mail, SMS as the account allows) to the account with this mobile number."

    def add_arguments(self, parser):
        parser.add_argument("phone", help="Login mobile number of the account.")

    def handle(self, *args, phone, **options):
        user = User.objects.filter(phone=normalize_phone(phone)).first()
        if user is None:
            raise CommandError(f"No account with the mobile number {phone}.")
        notice = services.notice_send(kind="direct", users=[user], template="test", urgency=Urgency.URGENT)
        channels = ", ".join(sorted(set(notice.deliveries.values_list("channel", flat=True))))
        self.stdout.write(
            f"Test notice {notice.public_id} queued for {user} on: {channels}. "
            "A running worker (manage.py db_worker) sends it; see /notify/notices/ for the result."
        )
