"""`manage.py applications_mail_receiver`: the inbound SMTP server for supplied materials.

Applicants send missing materials to the service address with the application number in the
subject. This command runs an SMTP server (aiosmtpd) that accepts every message for the service
address, stores it whole, files its validated attachments on the application and replies with a
receipt (inbound.mail_receive). Put it behind the organisation's mail exchanger (MX relays mail
for the service address to this host and port), or expose it directly on port 25.
"""

import asyncio
import signal
import threading

from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import close_old_connections, connections


class Handler:
    """aiosmtpd handler: accepts only the service address; stores and files each message in a worker thread."""

    def __init__(self, recipients: set[str]):
        self.recipients = recipients

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if self.recipients and address.lower() not in self.recipients:
            return "550 5.1.1 No such mailbox here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        raw = envelope.original_content or envelope.content
        loop = asyncio.get_running_loop()
        try:
            mail = await loop.run_in_executor(None, receive, raw, envelope.mail_from or "")
        except Exception:  # database unavailable: the sending server keeps the mail and retries
            import logging

            logging.getLogger("cunzhi.applications.mail").exception("could not store inbound mail")
            return "451 4.3.0 Temporary failure, please try again later"
        return f"250 OK kept as {mail.public_id}"


def receive(raw: bytes, envelope_from: str):
    from cunzhi.applications.inbound import mail_receive

    close_old_connections()
    try:
        return mail_receive(raw=raw, envelope_from=envelope_from)
    finally:
        # This worker thread's connection is closed: mail is rare, and an idle connection held by a
        # pool thread would outlive database restarts and block test databases from being dropped.
        connections.close_all()


def controller(*, host: str, port: int, recipients: set[str]):
    from aiosmtpd.controller import Controller

    limit = settings.APPLICATIONS_MAIL_MAX_BYTES
    return Controller(
        Handler(recipients),
        hostname=host,
        port=port,
        data_size_limit=limit,
        server_hostname=settings.APPLICATIONS_MAIL_HOSTNAME or None,
    )


class Command(BaseCommand):
    help = "Run the inbound SMTP server that files e-mailed materials on applications (Ctrl-C to stop)."

    def add_arguments(self, parser):
        parser.add_argument("--host", default=settings.APPLICATIONS_SMTP_HOST)
        parser.add_argument("--port", type=int, default=settings.APPLICATIONS_SMTP_PORT)
        parser.add_argument(
            "--any-recipient",
            action="store_true",
            help="accept mail for any address (default: only APPLICATIONS_MAIL_ADDRESS)",
        )

    def handle(self, *args, host, port, any_recipient, **options):
        address = settings.APPLICATIONS_MAIL_ADDRESS.lower()
        server = controller(host=host, port=port, recipients=set() if any_recipient else {address})
        server.start()
        self.stdout.write(f"Receiving mail for {'any address' if any_recipient else address} on {host}:{port}")
        stop = threading.Event()
        for sig in (signal.SIGINT, signal.SIGTERM):
            signal.signal(sig, lambda *_a: stop.set())
        try:
            stop.wait()
        finally:
            server.stop()
            self.stdout.write("Stopped.")
