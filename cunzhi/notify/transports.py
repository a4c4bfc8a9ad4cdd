"""How a message travels: the inbox, e-mail (Django's mail backends) and SMS (pluggable gateways).

Every transport raises TransportError on failure (PermanentTransportError when retrying cannot
help, e.g. no address), so the caller records the error and retries; nothing fails silently.
"""

import datetime as dt
import json
import secrets
import string
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from email.utils import make_msgid
from pathlib import Path

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.core.mail.backends.base import BaseEmailBackend
from django.core.mail.backends.smtp import EmailBackend as SmtpBackend
from django.core.mail.message import sanitize_address
from django.core.mail.utils import DNS_NAME
from django.utils import timezone


class TransportError(Exception):
    """Sending failed; it may work on a later try."""


class PermanentTransportError(TransportError):
    """Sending can never work as things are (no address, number refused by the gateway)."""


@dataclass
class Message:
    to: str  # e-mail address or mobile number; empty for the inbox
    subject: str
    body: str
    sms_text: str = ""
    html: str = ""  # e-mail only: the HTML alternative to the plain text
    # Messages with the same key differ only in the recipient (one notice in one language): the
    # e-mail transport builds the MIME message once per key instead of once per person.
    key: tuple | None = None
    ref: str = ""  # names the delivery in the gateway's delivery report (SMS through Kannel)
    reply_code: str = ""  # SMS: sent from the service number + this code, so replies find their notice


def sms_compose(text: str, link: str, limit: int | None = None, footer: str = "") -> str:
    """One text message (settings.SMS_MAX_CHARS: two segments the gateway joins): the text shortened
    to fit, then the link to the full text, then the footer (how to stop), which are never cut."""
    limit = limit or settings.SMS_MAX_CHARS
    text = " ".join(text.split())
    tail = " ".join(part for part in (link, footer) if part)
    room = limit - len(tail) - 1 if tail else limit
    if room < 1:
        return tail[:limit]
    if len(text) > room:
        text = text[: room - 1] + "…"
    return f"{text} {tail}" if tail else text


class InboxTransport:
    """The inbox item is the delivery row itself: nothing travels, so it cannot fail."""

    def open(self) -> None:
        pass

    def close(self) -> None:
        pass

    def send(self, message: Message) -> None:
        return None


PLACEHOLDER_TO = "recipient-3f9c1e@placeholder.invalid"
PLACEHOLDER_ID = "<message-id-3f9c1e@placeholder.invalid>"


class EmailTransport:
    """E-mail through settings.EMAIL_BACKEND (SMTP in production), one connection per batch."""

    def __init__(self) -> None:
        self.connection: BaseEmailBackend | None = None
        self.prepared: dict[tuple | None, tuple[str, bytes]] = {}

    def open(self) -> None:
        self.connection = connection = get_connection(fail_silently=False)
        try:
            connection.open()
        except Exception as exc:  # the server is down: every message of the batch will fail the same way  # noqa: BLE001
            self.connection = None
            self.open_error = exc

    def close(self) -> None:
        if self.connection is not None:
            try:
                self.connection.close()
            except Exception:  # closing a broken connection must not hide the send result  # noqa: BLE001, S110
                pass
        self.connection = None

    def _mail(self, message: Message, to: str) -> EmailMultiAlternatives:
        mail = EmailMultiAlternatives(subject=message.subject, body=message.body, to=[to], connection=self.connection)
        if message.html:
            mail.attach_alternative(message.html, "text/html")
        return mail

    def _prepared(self, message: Message) -> tuple[str, bytes]:
        """(envelope sender, message bytes with placeholders for the address and the Message-ID), once per key."""
        if message.key not in self.prepared:
            msg = self._mail(message, PLACEHOLDER_TO).message()
            del msg["Message-ID"]
            msg["Message-ID"] = PLACEHOLDER_ID
            self.prepared[message.key] = (
                sanitize_address(settings.DEFAULT_FROM_EMAIL, settings.DEFAULT_CHARSET),
                msg.as_bytes(linesep="\r\n"),  # type: ignore[call-arg]  # Django's message takes it
            )
        return self.prepared[message.key]

    def send(self, message: Message) -> None:
        if not message.to:
            raise PermanentTransportError("no e-mail address")
        if self.connection is None:
            self.open()
            if self.connection is None:
                raise TransportError(f"cannot connect to the mail server: {self.open_error!r}")
        try:
            smtp = getattr(self.connection, "connection", None) if isinstance(self.connection, SmtpBackend) else None
            if smtp is not None and message.key is not None and message.to.isascii():
                # A notice to 100,000 people: building each MIME message took longer than sending it.
                sender, data = self._prepared(message)
                data = data.replace(PLACEHOLDER_TO.encode(), message.to.encode()).replace(
                    PLACEHOLDER_ID.encode(), make_msgid(domain=DNS_NAME).encode()
                )
                smtp.sendmail(sender, [message.to], data)
                return
            sent = self._mail(message, message.to).send(fail_silently=False)
        except Exception as exc:
            self.close()  # a half-broken SMTP session is not reused for the next message
            raise TransportError(f"e-mail not accepted: {exc!r}") from exc
        if sent != 1:
            raise TransportError("e-mail not accepted by the mail backend")


class FileSmsGateway:
    """Demo gateway: one text file per message in settings.SMS_FILE_PATH (data/sms/)."""

    def send(self, phone: str, text: str, ref: str = "", reply_code: str = "") -> None:
        folder = Path(settings.SMS_FILE_PATH)
        try:
            folder.mkdir(parents=True, exist_ok=True)
            name = f"{timezone.now():%Y%m%d-%H%M%S}-{phone}-{secrets.token_hex(3)}.txt"
            head = f"To: {phone}\n" + (f"Reply-Code: {reply_code}\n" if reply_code else "")
            (folder / name).write_text(f"{head}\n{text}\n", encoding="utf-8")
        except OSError as exc:
            raise TransportError(f"cannot write the SMS file: {exc!r}") from exc


def _json_quote(v: str) -> str:
    return json.dumps(v, ensure_ascii=False)[1:-1]


class HttpSmsGateway:
    """Any HTTP SMS gateway: POST settings.SMS_HTTP_TEMPLATE (with $phone, $text) to SMS_HTTP_URL; 2xx is success."""

    def send(self, phone: str, text: str, ref: str = "", reply_code: str = "") -> None:
        url = settings.SMS_HTTP_URL
        if not url:
            raise TransportError("SMS_HTTP_URL is not set")
        content_type = settings.SMS_HTTP_CONTENT_TYPE
        quote: Callable[[str], str] = _json_quote if "json" in content_type else urllib.parse.quote_plus
        body = string.Template(settings.SMS_HTTP_TEMPLATE).substitute(phone=quote(phone), text=quote(text))
        request = urllib.request.Request(  # noqa: S310
            url, data=body.encode("utf-8"), method="POST", headers={"Content-Type": f"{content_type}; charset=utf-8"}
        )
        try:
            with urllib.request.urlopen(request, timeout=settings.SMS_HTTP_TIMEOUT) as response:  # noqa: S310
                response.read()
        except urllib.error.HTTPError as exc:
            detail = exc.read()[:200].decode("utf-8", "replace")
            if 400 <= exc.code < 500 and exc.code not in (408, 429):
                raise PermanentTransportError(f"SMS gateway refused the message: HTTP {exc.code} {detail}") from exc
            raise TransportError(f"SMS gateway error: HTTP {exc.code} {detail}") from exc
        except (urllib.error.URLError, OSError) as exc:
            raise TransportError(f"SMS gateway unreachable: {exc!r}") from exc


# Delivery report mask: 1 delivered to the phone, 2 failed at the phone, 16 failed at the operator.
DLR_MASK = 1 | 2 | 16


class KannelSmsGateway:
    """Kannel's smsbox `sendsms` (notify/kannel.py runs Kannel): UCS-2, with a delivery report URL naming `ref`."""

    def send(self, phone: str, text: str, ref: str = "", reply_code: str = "") -> None:
        params = {
            "username": settings.KANNEL_USERNAME,
            "password": settings.KANNEL_PASSWORD,
            "to": phone,
            "text": text,
            "charset": "UTF-8",  # what we hand over; smsbox converts
        }
        if not text.isascii():
            params["coding"] = "2"  # UCS-2 for Chinese (70 characters a segment; plain text gets 160)
        if settings.KANNEL_SENDER:
            # The operator routes replies to any extension of the service number back to us.
            params["from"] = settings.KANNEL_SENDER + reply_code
        if ref and settings.KANNEL_DLR_URL:
            params["dlr-mask"] = str(DLR_MASK)
            params["dlr-url"] = (
                f"{settings.KANNEL_DLR_URL}?ref={urllib.parse.quote(ref)}&status=%d&answer=%A"
                f"&secret={urllib.parse.quote(settings.KANNEL_SECRET)}"
            )
        url = f"{settings.KANNEL_SENDSMS_URL}?{urllib.parse.urlencode(params)}"
        try:
            with urllib.request.urlopen(url, timeout=settings.SMS_HTTP_TIMEOUT) as response:  # noqa: S310
                answer = response.read(200).decode("utf-8", "replace")
        except urllib.error.HTTPError as exc:
            answer = exc.read(200).decode("utf-8", "replace")
            # 400: this request can never pass (no valid number, text refused). 403 (wrong account, a
            # setting to fix), 503 (queue full, box down) and the rest: retried, visibly.
            if exc.code == 400:
                raise PermanentTransportError(f"Kannel refused the message: HTTP {exc.code} {answer}") from exc
            raise TransportError(f"Kannel error: HTTP {exc.code} {answer}") from exc
        except (urllib.error.URLError, OSError) as exc:
            raise TransportError(f"Kannel unreachable: {exc!r}") from exc
        # "0: Accepted for delivery" or "3: Queued for later delivery" (the operator link is down:
        # bearerbox keeps it in its store and sends it when the link is back).
        if not answer.startswith(("0:", "3:")):
            raise TransportError(f"Kannel did not accept the message: {answer}")


SmsGateway = FileSmsGateway | HttpSmsGateway | KannelSmsGateway
SMS_GATEWAYS: dict[str, type[SmsGateway]] = {"file": FileSmsGateway, "http": HttpSmsGateway, "kannel": KannelSmsGateway}


class SmsTransport:
    def __init__(self) -> None:
        backend = settings.SMS_BACKEND
        if backend not in SMS_GATEWAYS:
            raise TransportError(f"unknown SMS_BACKEND {backend!r}")
        self.gateway = SMS_GATEWAYS[backend]()

    def open(self) -> None:
        pass

    def close(self) -> None:
        pass

    def send(self, message: Message) -> None:
        if not message.to:
            raise PermanentTransportError("no mobile number")
        text = message.sms_text or message.subject
        self.gateway.send(message.to, text, ref=message.ref, reply_code=message.reply_code)


Transport = InboxTransport | EmailTransport | SmsTransport
TRANSPORTS: dict[str, type[Transport]] = {"inbox": InboxTransport, "email": EmailTransport, "sms": SmsTransport}


def transport_for(channel: str) -> Transport:
    """A fresh transport for a channel (tests replace entries of TRANSPORTS to simulate failures)."""
    return TRANSPORTS[channel]()


def in_quiet_hours(local_time: dt.time, start: dt.time, end: dt.time) -> bool:
    """True inside [start, end), which may wrap past midnight (22:00–07:00)."""
    if start == end:
        return False
    if start < end:
        return start <= local_time < end
    return local_time >= start or local_time < end


def quiet_hours_end(now: dt.datetime, start: dt.time, end: dt.time) -> dt.datetime | None:
    """When SMS may be sent again if `now` lies in quiet hours (local time), else None."""
    local = timezone.localtime(now)
    if not in_quiet_hours(local.time(), start, end):
        return None
    day = local.date() if local.time() < end else local.date() + dt.timedelta(days=1)
    return timezone.make_aware(dt.datetime.combine(day, end), local.tzinfo)
