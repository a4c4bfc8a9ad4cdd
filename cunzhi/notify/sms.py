"""Texts that phones send to the platform: received once, handed to the reply handlers, answered.

The gateway (Kannel's get-url) may hand the same text over several times; its message id makes that
one row and one effect. Every text is kept whatever it says. Handlers are tried in order: stopping
and restarting texts first (notify's own), then those the domains register in their AppConfig.ready
(a concern's rating, a meeting reply, a status query), then the fallbacks (a status query nobody
answered; free text that becomes a concern). A text no handler takes waits for staff in the queue of
the sender's village (of the county, for a number nobody registered).
"""

import datetime as dt
import logging
import re
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from cunzhi.core.idnumbers import fold_width, normalize_phone
from cunzhi.notify import transports
from cunzhi.notify.consent import consent_given, consent_record  # noqa: F401  (consent_given: part of this API)
from cunzhi.notify.models import InboundSms, InboundStatus, Notice
from cunzhi.people.actors import AnyUser
from cunzhi.people.models import ConsentSource, User, Villager
from cunzhi.regions.models import Level, Region

log = logging.getLogger(__name__)

MAX_TEXT = 2000  # longer texts are kept cut here (a concatenated SMS is at most a few hundred characters)
STOP_WORDS = {"TD", "T", "退订", "N"}
START_WORDS = {"DY", "订阅"}


@dataclass
class Handled:
    """What a handler did with a text: its name (shown to staff) and the answer to send back."""

    name: str
    answer: str = ""


@dataclass
class Incoming:
    """A text as handlers see it: the row, its words (width folded, trimmed, the reply code taken off),
    who sent it, and the notice it answers (by the code), if any."""

    sms: InboundSms
    words: str
    villagers: list[Villager]  # every villager registered with the number (a household may share one)
    notice: Notice | None = None


def _answered_notice(receiver: str, words: str) -> tuple[Notice | None, str]:
    """The notice a reply answers: by the extension of the service number it was sent to (a plain
    reply), or by the code it starts with ("4721 1", sent to the bare number)."""
    service, code = settings.KANNEL_SENDER, ""
    if service and receiver.startswith(service) and len(receiver) > len(service):
        code = receiver[len(service) :]
    elif m := re.match(r"^#?(\d{4,8})\s+(\S.*)$", words):
        code, words = m.group(1), m.group(2)
    if not code:
        return None, words
    notice = Notice.objects.filter(reply_code=code).exclude(reply_handler="").order_by("-created_at").first()
    return notice, words


Handler = Callable[[Incoming], Handled | None]
HANDLERS: list[tuple[str, Handler]] = []
# Tried after every handler of HANDLERS, whatever order the apps start in: those that take any text
# (free text becoming a concern) must not shadow a specific one registered by a later app.
FALLBACKS: list[tuple[str, Handler]] = []


def reply_handler_register(name: str, handler: Handler, *, fallback: bool = False) -> None:
    """Domains add their handlers at start; each returns None for a text that is not for it. A
    `fallback` handler is tried only after all the others."""
    handlers = FALLBACKS if fallback else HANDLERS
    if all(n != name for n, _h in (*HANDLERS, *FALLBACKS)):
        handlers.append((name, handler))


# "CX 260616123456", "cx260616123456", "查询 20260616-000123": the status of one's own case. The
# domains that have numbered cases answer it; a number none of them finds for the phone gets one answer.
_STATUS_QUERY = re.compile(r"^(?:CX|查询)\s*[:：#]?\s*(\d[\d-]{3,24})?$", re.IGNORECASE)


def status_query(words: str) -> str | None:
    """The case number a status query asks about ("" for a query without a number), None if it is not one."""
    m = _STATUS_QUERY.match(words)
    return None if m is None else (m.group(1) or "")


def _words(text: str) -> str:
    return re.sub(r"[\s。.!！,，]+$", "", fold_width(text).strip())


def _stop_or_start(incoming: Incoming) -> Handled | None:
    word = incoming.words.upper()
    if word in STOP_WORDS:
        consent_record(phone=incoming.sms.sender, given=False, source=ConsentSource.REPLY)
        return Handled(
            "notify.stop",
            _("You will get no more texts except notices the law requires. Reply DY to start again."),
        )
    if word in START_WORDS:
        consent_record(phone=incoming.sms.sender, given=True, source=ConsentSource.REPLY)
        return Handled("notify.start", _("You will get the village's texts again. Reply TD to stop."))
    return None


reply_handler_register("notify.stop", _stop_or_start)


def _status_unknown(incoming: Incoming) -> Handled | None:
    """A status query no domain answered: the same words whether the case does not exist or is
    someone else's, so a phone cannot find out whose numbers are in use."""
    number = status_query(incoming.words)
    if number is None:
        return None
    if not number:
        return Handled(
            "notify.status", _("Send CX and the number of your concern or application, e.g. CX 26061612345.")
        )
    return Handled("notify.status", _("There is no case with this number for your phone."))


reply_handler_register("notify.status", _status_unknown, fallback=True)


def _county_code() -> str:
    return Region.objects.filter(level=Level.COUNTY).order_by("code").values_list("code", flat=True).first() or ""


def inbound_receive(
    *, gateway_id: str, sender: str, receiver: str, text: str, now: dt.datetime | None = None
) -> InboundSms:
    """Keep one text and act on it once; a repeated hand-over returns the row it made the first time."""
    now = now or timezone.now()
    phone = normalize_phone(sender)[:32]
    villagers = list(Villager.objects.filter(phone=phone).select_related("user").order_by("pk")) if phone else []
    try:
        with transaction.atomic():
            sms = InboundSms.objects.create(
                gateway_id=gateway_id[:100],
                sender=phone,
                receiver=normalize_phone(receiver)[:32],
                text=text[:MAX_TEXT],
                received_at=now,
                region_code=villagers[0].region_code if villagers else _county_code(),
            )
    except IntegrityError:
        return InboundSms.objects.get(gateway_id=gateway_id[:100])
    language = next((v.user.language for v in villagers if v.user is not None and v.user.language), None)
    with translation.override(language or translation.get_language()):
        notice, words = _answered_notice(sms.receiver, _words(text))
        handled = _dispatch(Incoming(sms=sms, words=words, villagers=villagers, notice=notice))
        if handled is None:
            sms.status = InboundStatus.WAITING
            sms.answer = (
                _("Received. Village staff will read your message.")
                if villagers
                else _("Received. This number is not registered with a village; staff will read your message.")
            )
        else:
            sms.status, sms.handled_as, sms.answer = InboundStatus.HANDLED, handled.name, handled.answer
    sms.save(update_fields=["status", "handled_as", "answer"])
    if sms.answer:
        from cunzhi.notify.tasks import sms_answer_task  # tasks.py calls this module (as services do)

        transaction.on_commit(lambda: sms_answer_task.enqueue(inbound_id=sms.pk))
    return sms


def _dispatch(incoming: Incoming) -> Handled | None:
    if not incoming.words:
        return None
    for name, handler in (*HANDLERS, *FALLBACKS):
        try:
            with transaction.atomic():
                handled = handler(incoming)
        except Exception:  # a handler's bug must not lose the text: it waits for staff
            log.exception("reply handler %s failed on inbound text %s", name, incoming.sms.pk)
            return None
        if handled is not None:
            return handled
    return None


def inbound_answer_send(*, inbound_id: int, now: dt.datetime | None = None) -> str:
    """Send the answer to one text, claimed first so it is never sent twice."""
    now = now or timezone.now()
    claimed = (
        InboundSms.objects.filter(pk=inbound_id, answer_sent_at__isnull=True)
        .exclude(answer="")
        .update(answer_sent_at=now)
    )
    if not claimed:
        return "nothing to send"
    sms = InboundSms.objects.get(pk=inbound_id)
    try:
        transports.SmsTransport().send(transports.Message(to=sms.sender, subject="", body="", sms_text=sms.answer))
    except transports.TransportError as exc:
        # Not sent: released for the next try, and the error shown in the staff queue.
        InboundSms.objects.filter(pk=inbound_id).update(answer_sent_at=None, answer_error=str(exc)[:2000])
        return "failed"
    InboundSms.objects.filter(pk=inbound_id).update(answer_error="")
    return "sent"


def inbound_close(*, sms: InboundSms, actor: AnyUser, now: dt.datetime | None = None) -> None:
    """Staff have dealt with a waiting text."""
    sms.status, sms.closed_at = InboundStatus.CLOSED, now or timezone.now()
    sms.closed_by = actor if isinstance(actor, User) else None
    sms.save(update_fields=["status", "closed_by", "closed_at"])
