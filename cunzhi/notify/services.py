"""Writes for notifications: sending a notice, delivering batches, retrying, marking read, preferences."""

import contextlib
import dataclasses
import datetime as dt
import functools
import secrets
from collections.abc import Iterable, Iterator
from itertools import islice
from typing import Any, TypeVar

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import Model, Q
from django.template import TemplateDoesNotExist
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from cunzhi.core.audit import audit_record
from cunzhi.core.bulk import rows_insert
from cunzhi.core.links import absolute_url
from cunzhi.core.pagecache import home_invalidate
from cunzhi.core.text import render_text
from cunzhi.notify import transports
from cunzhi.notify.about import about_label, about_reader
from cunzhi.notify.consent import consents
from cunzhi.notify.events import NotifyEvent
from cunzhi.notify.models import (
    Channel,
    ChannelPreference,
    Delivery,
    DeliveryStatus,
    DoorOutcome,
    DoorVisit,
    Notice,
    Urgency,
    default_quiet,
)
from cunzhi.notify.strategies import strategy_for
from cunzhi.people.actors import Actor, AnyUser
from cunzhi.people.models import User, Villager

# Waiting for a worker; "sending" rows are due again only once their lease has passed (a lost worker).
DUE = (DeliveryStatus.PENDING, DeliveryStatus.FAILED, DeliveryStatus.SENDING)
HOME_REFRESH_MAX = 1000


_T = TypeVar("_T")


def _chunks(items: Iterable[_T], size: int) -> Iterator[list[_T]]:
    it = iter(items)
    while chunk := list(islice(it, size)):
        yield chunk


def _enqueue_batches(tokens: list[str]) -> None:
    """Enqueue one delivery task per batch token, after the surrounding transaction commits."""
    if not tokens:
        return
    from cunzhi.notify.tasks import deliver_batch_task

    def go() -> None:
        for token in tokens:
            deliver_batch_task.enqueue(token=token)

    transaction.on_commit(go)


def notice_render(notice: Notice, language: str) -> tuple[str, str]:
    """(subject, body) of a notice in one language: stored text, or its template rendered in that language."""
    if notice.template:
        with translation.override(language):
            ctx = dict(notice.context, notice=notice)
            # Plain text: the inbox page and the HTML e-mail escape it when they show it, once.
            subject = " ".join(render_text(f"notify/messages/{notice.template}.subject.txt", ctx).split())
            body = render_text(f"notify/messages/{notice.template}.body.txt", ctx).strip()
        return subject, body

    def pick(texts: dict[str, str]) -> str:
        return texts.get(language) or texts.get(settings.LANGUAGE_CODE) or next(iter(texts.values()), "")

    return pick(notice.subject), pick(notice.body)


def notice_sms(notice: Notice, language: str, subject: str, link: str) -> str:
    """The text message: the subject, the link, then — never cut — how to answer (the event's own
    `<template>.reply.txt`, for a notice that takes replies) and how to stop texts (every text says it)."""
    with translation.override(language):
        ask = ""
        if notice.template and notice.reply_handler:
            with contextlib.suppress(TemplateDoesNotExist):
                ctx = dict(notice.context, notice=notice)
                ask = " ".join(render_text(f"notify/messages/{notice.template}.reply.txt", ctx).split())
        footer = f"{ask} {_('Reply TD to stop')}" if ask else _("Reply TD to stop")
        return transports.sms_compose(subject, link, footer=footer)


def notice_html(notice: Notice, language: str, subject: str, body: str, link: str) -> str:
    """The HTML part of an e-mail: the event's own `<template>.body.html` if it has one, else the text laid out."""
    with translation.override(language):
        ctx = dict(notice.context or {}, notice=notice, subject=subject, body=body, link=link, language=language)
        content = ""
        if notice.template:
            with contextlib.suppress(TemplateDoesNotExist):
                content = render_to_string(f"notify/messages/{notice.template}.body.html", ctx)
        return render_to_string("notify/email.html", dict(ctx, content=content))


def notice_link(notice: Notice) -> str:
    """The full address a text or e-mail links to: the notice's own link (domains give a path), else the notice."""
    from django.urls import reverse

    return absolute_url(notice.link or reverse("notify:notice", args=[notice.public_id]))


_INSERT_COLUMNS = (
    "notice_id",
    "recipient_id",
    "villager_id",
    "copy_for_id",
    "channel",
    "language",
    "address",
    "status",
    "tries",
    "next_try_at",
    "claimed_by",
    "sent_at",
    "created_at",
)


def _deliveries_insert(rows: list[tuple[Any, ...]]) -> None:
    """Insert delivery rows through core.bulk: a notice to 100,000 people is 300,000 rows, and
    bulk_create's per-field preparation would take most of the time. Datetimes repeat (a handful
    of distinct values), so each is adapted once."""
    ops = connection.ops
    adapted: dict[dt.datetime, Any] = {}

    def adapt(value: dt.datetime | None) -> Any:
        if value is None:
            return None
        if value not in adapted:
            adapted[value] = ops.adapt_datetimefield_value(value)
        return adapted[value]

    def values(r: tuple[Any, ...]) -> tuple[Any, ...]:
        return (*r[:9], adapt(r[9]), r[10], adapt(r[11]), adapt(r[12]), "", 0, adapt(r[12]))

    rows_insert(
        table=Delivery._meta.db_table,
        columns=(*_INSERT_COLUMNS, "last_error", "interrupted", "updated_at"),
        rows=(values(r) for r in rows),  # adapted as they are written: no copy of 300,000 rows
    )


def notice_send(
    *,
    kind: str,
    sender: Actor = None,
    region_code: str = "",
    urgency: str = Urgency.NORMAL,
    subject: dict[str, str] | None = None,
    body: dict[str, str] | None = None,
    template: str = "",
    context: dict[str, Any] | None = None,
    link: str = "",
    about: Model | None = None,
    reply_handler: str = "",
    mandatory: bool = False,
    now: dt.datetime | None = None,
    **params: Any,
) -> Notice:
    """Create a notice and all its deliveries in one transaction; delivery tasks are enqueued after commit.

    `about` is the object the notice is about (an application, a concern): whoever may read it may read
    the notice. Its type must be registered (notify.about), or nobody but the recipients could read it.
    `reply_handler` names the handler (notify.sms) that takes the texts recipients send back; the
    notice then gets a reply code, and its texts come from the service number + that code.
    `mandatory`: the law requires the notice (a meeting notice, a deadline): texts go to villagers
    without their consent to other texts (notify.consent).
    """
    if not template and not subject:
        raise ValueError("a notice needs a subject (per language) or a template")
    about_type = about_label(about) if about is not None else ""
    if about_type and about_reader(about_type) is None:
        raise ValueError(f"notices cannot be about {about_type!r}: no reader check is registered for it")
    strategy = strategy_for(kind)
    now = now or timezone.now()
    with transaction.atomic():
        notice = Notice.objects.create(
            kind=kind,
            sender=sender,
            region_code=region_code,
            urgency=urgency,
            subject=subject or {},
            body=body or {},
            template=template,
            context=context or {},
            link=link,
            about_type=about_type,
            about_id=about.pk if about is not None else None,
            reply_handler=reply_handler,
            reply_code=_reply_code_new(now) if reply_handler else "",
            mandatory=mandatory,
        )
        planned = strategy.plan(
            urgent=urgency == Urgency.URGENT, mandatory=mandatory, now=now, region_code=region_code, **params
        )
        rows: list[tuple[Any, ...]] = []
        tokens: list[str] = []
        in_batch, token = 0, ""
        lease = now + dt.timedelta(seconds=settings.NOTIFY_LEASE_SECONDS)
        for p in planned:
            status, sent_at, tries, when, claim = DeliveryStatus.PENDING, None, 0, p["next_try_at"], ""
            if p["channel"] == Channel.INBOX:
                # The row is the inbox item: it is there as soon as the transaction commits.
                status, sent_at, tries, when = DeliveryStatus.SENT, now, 1, None
            elif p["channel"] == Channel.DOOR:
                pass  # waits for the door-to-door round: never due, never sent
            elif when <= now:
                # Due now: give it to a batch task; the lease lets the retry job take over if the task is lost.
                if in_batch == 0:
                    token = secrets.token_hex(8)
                    tokens.append(token)
                claim, when = token, lease
                in_batch = (in_batch + 1) % settings.NOTIFY_BATCH_SIZE
            rows.append(
                (
                    notice.pk,
                    p["recipient_id"],
                    p["villager_id"],
                    p["copy_for_id"],
                    p["channel"],
                    p["language"],
                    p["address"],
                    status,
                    tries,
                    when,
                    claim,
                    sent_at,
                    now,
                )
            )
        _deliveries_insert(rows)
        recipients = {p["recipient_id"] for p in planned} - {None}
        # People, not channels or accounts: a villager is one person whatever carries the notice.
        notice.recipient_count = len(
            {
                ("v", p["villager_id"]) if p["villager_id"] else ("u", p["recipient_id"])
                for p in planned
                if p["copy_for_id"] is None
            }
        )
        if len(recipients) <= HOME_REFRESH_MAX:
            # A notice to a few people is about their own affairs (an answer, a decision): their home
            # pages show it. Announcements to a whole village do not change anyone's cards.
            home_invalidate(*recipients)
        notice.save(update_fields=["recipient_count", "updated_at"])
        audit_record(
            actor=sender,
            action=NotifyEvent.NOTICE_SEND,
            obj=notice,
            region_code=region_code,
            after={"kind": kind, "recipients": notice.recipient_count, "deliveries": len(rows)},
        )
        _enqueue_batches(tokens)
    return notice


# A reply code names one notice for this long; after it the code may name another notice.
REPLY_CODE_DAYS = 60


def _reply_code_new(now: dt.datetime) -> str:
    """A short code no notice of the last REPLY_CODE_DAYS uses: 4 digits while they last, then longer."""
    recent = Notice.objects.filter(created_at__gt=now - dt.timedelta(days=REPLY_CODE_DAYS))
    for digits in (4, 4, 4, 5, 5, 6, 6, 8):
        code = f"{secrets.randbelow(10**digits):0{digits}d}"
        if not recent.filter(reply_code=code).exists():
            return code
    raise RuntimeError("no free reply code")  # 8 digits: practically impossible


def _backoff(tries: int) -> dt.timedelta:
    return dt.timedelta(seconds=settings.NOTIFY_RETRY_BASE_SECONDS * 2 ** max(tries - 1, 0))


# Written on a delivery sent again because its worker stopped after handing it to the gateway and
# before recording the outcome (operator-facing, like transport errors).
INTERRUPTED = "sent again: the worker sending it stopped before recording the outcome (it may have arrived twice)"


@contextlib.contextmanager
def _cheap_commits() -> Iterator[None]:
    """Commit without waiting for the disk while a batch claims its deliveries one by one.

    Every message costs one commit (claim before the gateway is called, outcome with the next
    claim). A killed worker loses nothing this way: its committed rows are in the database server
    (PostgreSQL) or the WAL file (SQLite) whatever happens to the process. Only a power cut of the
    database machine can lose the last claims, and then a message is sent again unrecorded: the
    price of not waiting for a disk flush per message (measured in docs/benchmarks.md).
    """
    if connection.vendor != "sqlite" or connection.in_atomic_block:
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA synchronous")
        before = int(cursor.fetchone()[0])
        cursor.execute("PRAGMA synchronous = NORMAL")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f"PRAGMA synchronous = {before}")


@functools.cache
def _sql(template: str) -> str:
    """A statement on the delivery table with its quoted names filled in ({t}, {c[column]}), in the
    driver's own parameter style (it runs on the driver's cursor: see _claim)."""
    quote = connection.ops.quote_name
    # Concrete fields all have a column (the test is for mypy: Field.column is optional in general).
    columns = {f.column: quote(f.column) for f in Delivery._meta.concrete_fields if f.column is not None}
    sql = template.format(t=quote(Delivery._meta.db_table), c=columns)
    return sql.replace("%s", "?") if connection.vendor == "sqlite" else sql


# One claim and one outcome per message, in plain SQL on the driver's cursor: two ORM updates (or
# even Django's cursor wrapper) per message cost several times what the database takes to run
# them (measured on the 2-core machine: 1.1 ms per claim through the ORM, 0.3 ms this way).
_CLAIM = (
    "UPDATE {t} SET {c[status]} = 'sending', {c[tries]} = %s, {c[next_try_at]} = %s, {c[interrupted]} = %s, "
    "{c[last_error]} = %s, {c[updated_at]} = %s "
    "WHERE {c[id]} = %s AND {c[claimed_by]} = %s AND {c[status]} = %s AND {c[tries]} = %s"
)
_OUTCOME = (
    "UPDATE {t} SET {c[status]} = %s, {c[last_error]} = %s, {c[next_try_at]} = %s, {c[sent_at]} = %s, "
    "{c[claimed_by]} = '', {c[updated_at]} = %s "
    "WHERE {c[id]} = %s AND {c[claimed_by]} = %s AND {c[status]} = 'sending' AND {c[tries]} = %s"
)


def _when(value: dt.datetime | None) -> Any:
    return connection.ops.adapt_datetimefield_value(value)


def _outcome_record(cursor: Any, d: Delivery, token: str) -> None:
    """Write what the gateway answered, unless another worker took the row over meanwhile (lease expired)."""
    cursor.execute(
        _sql(_OUTCOME),
        [d.status, d.last_error, _when(d.next_try_at), _when(d.sent_at), _when(timezone.now()), d.pk, token, d.tries],
    )


def _claim(d: Delivery, *, token: str, done: Delivery | None) -> bool:
    """Record the message just sent and claim this one, in one commit, before its gateway is called.

    The attempt is counted (tries + 1) and the lease renewed first, so a worker killed while sending
    leaves exactly this row behind as "being sent": the retry job sends it again after the lease and
    the second attempt shows (tries, interrupted). False when another worker has taken the row.
    """
    interrupted = d.status == DeliveryStatus.SENDING  # claimed earlier by a worker that never came back
    now = timezone.now()
    lease = now + dt.timedelta(seconds=settings.NOTIFY_LEASE_SECONDS)
    with transaction.atomic():
        cursor = connection.connection.cursor()  # the driver's own: the transaction is Django's
        if connection.vendor == "postgresql":
            cursor.execute("SET LOCAL synchronous_commit TO OFF")  # see _cheap_commits
        if done is not None:
            _outcome_record(cursor, done, token)
        cursor.execute(
            _sql(_CLAIM),
            [
                d.tries + 1,
                _when(lease),
                d.interrupted + interrupted,
                INTERRUPTED if interrupted else d.last_error,
                _when(now),
                d.pk,
                token,
                d.status,
                d.tries,
            ],
        )
        taken = cursor.rowcount == 1
    if taken:
        d.status, d.tries = DeliveryStatus.SENDING, d.tries + 1
        if interrupted:
            d.interrupted, d.last_error = d.interrupted + 1, INTERRUPTED
    return taken


def deliveries_send(*, token: str, now: dt.datetime | None = None) -> dict[str, int]:
    """Send the deliveries of one batch, each claimed before it is sent; record status, error and every try."""
    now = now or timezone.now()
    # Take the rows: the lease is pushed out, so a worker killed half-way hands them to the retry job.
    Delivery.objects.filter(claimed_by=token, status__in=DUE).update(
        next_try_at=now + dt.timedelta(seconds=settings.NOTIFY_LEASE_SECONDS)
    )
    rows = list(
        Delivery.objects.filter(claimed_by=token, status__in=DUE).select_related("notice").order_by("channel", "id")
    )
    counts = {"sent": 0, "failed": 0, "permanent_failure": 0, "deferred": 0, "skipped": 0, "taken_over": 0}
    # The recipient's situation now, not when the notice was planned: one query for the whole batch.
    users = {d.recipient_id for d in rows if d.recipient_id is not None}
    # "TD" stops every text the law does not require at once, even one already waiting for the morning.
    said = consents({d.address for d in rows if d.channel == Channel.SMS and not d.notice.mandatory})
    active = set(User.objects.filter(pk__in=users, is_active=True).values_list("pk", flat=True)) if users else set()
    prefs = (
        {
            u: (e, s, a, b)
            for u, e, s, a, b in ChannelPreference.objects.filter(user_id__in=users).values_list(
                "user_id", "email_on", "sms_on", "quiet_start", "quiet_end"
            )
        }
        if users
        else {}
    )
    opened: dict[str, transports.Transport] = {}
    texts: dict[tuple[int, str], transports.Message] = {}
    settled: list[Delivery] = []  # rows decided without sending (skipped, deferred): written together at the end
    done: Delivery | None = None  # the row just sent: its outcome is committed with the next claim
    try:
        with _cheap_commits():
            for d in rows:
                notice = d.notice
                email_on, sms_on, *quiet = prefs.get(d.recipient_id or 0, (True, True, *default_quiet()))
                # Skipped, not failed: nobody should be chased door to door for a channel they turned off.
                reason = (
                    "account deactivated"
                    if d.recipient_id is not None and d.recipient_id not in active
                    else "turned off by the recipient"
                    if not (email_on if d.channel == Channel.EMAIL else sms_on)
                    else "the number replied TD (stop)"
                    if said.get(d.address) is False and d.channel == Channel.SMS and not notice.mandatory
                    else ""
                )
                if reason:
                    d.status, d.next_try_at, d.last_error = DeliveryStatus.SKIPPED, None, reason
                    settled.append(d)
                    counts["skipped"] += 1
                    continue
                if d.channel == Channel.SMS and notice.urgency != Urgency.URGENT:
                    later = transports.quiet_hours_end(now, *quiet)
                    if later:
                        # Not sent now; a row a lost worker left "being sent" stays so, and counts as
                        # interrupted when it is sent in the morning.
                        d.next_try_at = later
                        settled.append(d)
                        counts["deferred"] += 1
                        continue
                key = (notice.pk, d.language)
                if key not in texts:
                    subject, body = notice_render(notice, d.language)
                    link = notice_link(notice)
                    texts[key] = transports.Message(
                        to="",
                        subject=subject,
                        body=f"{body}\n\n{link}",
                        sms_text=notice_sms(notice, d.language, subject, link),
                        html=notice_html(notice, d.language, subject, body, link),
                        key=key,
                    )
                message = dataclasses.replace(texts[key], to=d.address, ref=str(d.pk), reply_code=notice.reply_code)
                claimed, done = _claim(d, token=token, done=done), None
                if not claimed:
                    counts["taken_over"] += 1
                    continue
                try:
                    if d.channel not in opened:
                        opened[d.channel] = transports.transport_for(d.channel)
                        opened[d.channel].open()
                    opened[d.channel].send(message)
                except Exception as exc:  # any failure is recorded on the row, never lost  # noqa: BLE001
                    d.last_error = str(exc)[:2000] or exc.__class__.__name__
                    permanent = isinstance(exc, transports.PermanentTransportError)
                    if permanent or d.tries >= settings.NOTIFY_MAX_TRIES:
                        d.status, d.next_try_at = DeliveryStatus.PERMANENT_FAILURE, None
                    else:
                        d.status, d.next_try_at = DeliveryStatus.FAILED, now + _backoff(d.tries)
                else:
                    d.status, d.sent_at, d.next_try_at = DeliveryStatus.SENT, timezone.now(), None
                    d.last_error = INTERRUPTED if d.interrupted else ""
                counts[d.status] += 1
                done = d
            # A killed worker never gets here: its row in flight stays "being sent" until the retry job.
            if done is not None:
                with transaction.atomic():
                    _outcome_record(connection.connection.cursor(), done, token)
                done = None
    finally:
        for t in opened.values():
            t.close()
        if done is not None:  # an error of our own after the gateway answered: keep what it said
            with transaction.atomic():
                _outcome_record(connection.connection.cursor(), done, token)
        # Rows of a batch mostly end alike: one UPDATE per distinct outcome, not one per row.
        groups: dict[tuple[str, str, dt.datetime | None], list[int]] = {}
        for d in settled:
            groups.setdefault((d.status, d.last_error, d.next_try_at), []).append(d.pk)
        for (status, last_error, next_try_at), pks in groups.items():
            Delivery.objects.filter(pk__in=pks, claimed_by=token).update(
                status=status, last_error=last_error, next_try_at=next_try_at, claimed_by="", updated_at=timezone.now()
            )
    return counts


def deliveries_enqueue_due(*, now: dt.datetime | None = None, limit: int = 100_000) -> str:
    """Give every due delivery (failed and waiting, deferred, or from a lost task) to new batch tasks."""
    now = now or timezone.now()
    ids = list(
        Delivery.objects.filter(status__in=DUE, next_try_at__lte=now)
        .order_by("next_try_at")
        .values_list("pk", flat=True)[:limit]
    )
    tokens: list[str] = []
    with transaction.atomic():
        for chunk in _chunks(ids, settings.NOTIFY_BATCH_SIZE):
            token = secrets.token_hex(8)
            # Only rows still due: a running task may have taken some meanwhile.
            if Delivery.objects.filter(pk__in=chunk, status__in=DUE, next_try_at__lte=now).update(
                claimed_by=token, next_try_at=now + dt.timedelta(seconds=settings.NOTIFY_LEASE_SECONDS)
            ):
                tokens.append(token)
        _enqueue_batches(tokens)
    return f"{len(ids)} due in {len(tokens)} batches"


def notice_resend(*, notice: Notice, actor: User, now: dt.datetime | None = None) -> int:
    """Try again every failed e-mail and SMS of a notice (also those failed for good), now."""
    now = now or timezone.now()
    with transaction.atomic():
        rows = Delivery.objects.filter(
            notice=notice, status__in=[DeliveryStatus.FAILED, DeliveryStatus.PERMANENT_FAILURE]
        )
        count = rows.update(status=DeliveryStatus.PENDING, tries=0, next_try_at=now, claimed_by="")
        audit_record(actor=actor, action=NotifyEvent.NOTICE_RESEND, obj=notice, after={"deliveries": count})
    if count:
        deliveries_enqueue_due(now=now)
    return count


def inbox_mark_read(
    *,
    user: User,
    delivery_ids: Iterable[int] | None = None,
    notice: Notice | None = None,
    now: dt.datetime | None = None,
) -> int:
    """Mark the user's inbox items read (some, those of one notice, or all)."""
    qs = Delivery.objects.filter(recipient=user, channel=Channel.INBOX, read_at__isnull=True)
    if notice is not None:
        qs = qs.filter(notice=notice)
    if delivery_ids is not None:
        qs = qs.filter(pk__in=delivery_ids)
    count = qs.update(read_at=now or timezone.now())
    if count:
        from cunzhi.notify.context_processors import forget_unread

        forget_unread(user)
    return count


def preference_save(
    *, user: User, email_on: bool, sms_on: bool, quiet_start: dt.time, quiet_end: dt.time
) -> ChannelPreference:
    """Store how a person wants to be told."""
    pref, _created = ChannelPreference.objects.get_or_create(user=user)
    before = {"email_on": pref.email_on, "sms_on": pref.sms_on, "quiet": f"{pref.quiet_start}-{pref.quiet_end}"}
    pref.email_on, pref.sms_on, pref.quiet_start, pref.quiet_end = email_on, sms_on, quiet_start, quiet_end
    pref.save()
    audit_record(
        actor=user,
        action=NotifyEvent.NOTIFY_PREFERENCE,
        obj=pref,
        before=before,
        after={"email_on": email_on, "sms_on": sms_on, "quiet": f"{quiet_start}-{quiet_end}"},
    )
    return pref


def unread_filter(user: AnyUser) -> Q:
    return Q(recipient=user, channel=Channel.INBOX, read_at__isnull=True)


# Kannel's delivery-report bits (dlr-mask): 1 on the phone, 2 not deliverable to the phone, 16 refused
# by the operator; 4 (queued) and 8 (at the operator) say nothing about the person yet.
DLR_DELIVERED, DLR_UNDELIVERABLE = 1, 2 | 16


def delivery_report(*, ref: str, status: int, now: dt.datetime | None = None) -> str:
    """Record what the operator reported for one text. Idempotent: the gateway repeats reports."""
    now = now or timezone.now()
    if not ref.isdigit():
        return "unknown"
    rows = Delivery.objects.filter(pk=int(ref), channel=Channel.SMS)
    if status & DLR_DELIVERED:
        done = rows.filter(delivered_at__isnull=True).update(delivered_at=now, updated_at=now)
    elif status & DLR_UNDELIVERABLE:
        done = rows.filter(delivered_at__isnull=True, undelivered_at__isnull=True).update(
            undelivered_at=now, updated_at=now
        )
    else:
        return "ignored"
    return "recorded" if done else ("repeated" if rows.exists() else "unknown")


def door_visit_record(
    *, notice: Notice, villager: Villager, outcome: str, actor: User, now: dt.datetime | None = None
) -> DoorVisit:
    """A tick on the door-to-door list: the villager was told in person, or was not at home."""
    if outcome not in DoorOutcome.values:
        raise ValidationError(_("Choose “told in person” or “not at home”."))
    if not Delivery.objects.filter(notice=notice, villager=villager, copy_for__isnull=True).exists():
        raise ValidationError(_("This person is not among the notice's recipients."))
    with transaction.atomic():
        visit = DoorVisit.objects.create(
            notice=notice, villager=villager, outcome=outcome, visited_by=actor, visited_at=now or timezone.now()
        )
        audit_record(
            actor=actor,
            action=NotifyEvent.DOOR_VISIT,
            obj=notice,
            after={"villager": villager.public_id, "outcome": outcome},
        )
    return visit


def loudspeaker_record(*, notice_ids: Iterable[str], village_id: int, at: dt.datetime) -> int:
    """The village loudspeaker aired these notices at `at`: one sent "loudspeaker" row for each member of
    that village each notice was meant for, so the reach report and the figures count them. Called by
    voice when its operator marks a broadcast; airing a notice again adds nobody twice. Returns the rows made.
    """
    ids = list(notice_ids)
    own = Delivery.objects.filter(notice__public_id__in=ids, copy_for__isnull=True, villager__village_id=village_id)
    aired = set(own.filter(channel=Channel.LOUDSPEAKER).values_list("notice_id", "villager_id"))
    wanted = set(own.values_list("notice_id", "villager_id").distinct()) - aired
    language = settings.LANGUAGE_CODE
    rows = [
        Delivery(
            notice_id=notice_id,
            villager_id=villager_id,
            channel=Channel.LOUDSPEAKER,
            language=language,
            status=DeliveryStatus.SENT,
            sent_at=at,
        )
        for notice_id, villager_id in sorted(wanted)
    ]
    # Two operators marking at once: the partial unique constraint (notice, villager, channel) keeps
    # the second from counting anybody twice.
    Delivery.objects.bulk_create(rows, batch_size=500, ignore_conflicts=True)
    return len(rows)
