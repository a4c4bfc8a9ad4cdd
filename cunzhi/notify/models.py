"""Notices, one delivery row per recipient and channel (every attempt stored), preferences, job runs."""

import datetime as dt

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from cunzhi.core.models import TimeStamped, public_id


class Urgency(models.TextChoices):
    URGENT = "urgent", _("Urgent")
    NORMAL = "normal", _("Normal")


class Channel(models.TextChoices):
    INBOX = "inbox", _("Inbox")
    EMAIL = "email", _("E-mail")
    SMS = "sms", _("Text message")
    # No channel could carry it (no number, no account, no consent): the person is on the door-to-door
    # list from the start. The row records that they were meant to be told; it is never sent.
    DOOR = "door", _("Door to door")
    # The village loudspeaker aired the notice (voice marks a day's broadcast): every member of that
    # village the notice was meant for heard it. Rows are written as sent; no worker ever sends them.
    LOUDSPEAKER = "loudspeaker", _("Loudspeaker")


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", _("Waiting to be sent")
    # Claimed by a worker and handed to the gateway; the outcome is not recorded yet. A row left
    # here by a killed worker is sent again after its lease (and counted in `interrupted`).
    SENDING = "sending", _("Being sent")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed, will retry")
    PERMANENT_FAILURE = "permanent_failure", _("Failed for good")
    SKIPPED = "skipped", _("Skipped")


class Notice(TimeStamped):
    """One message event (a meeting notice, an answer, a deadline), sent to many people.

    The text is either stored per language ({"en": ..., "zh-hans": ...}) or rendered in each
    recipient's language from `template` (notify/messages/<template>.subject.txt/.body.txt) and `context`.
    """

    public_id = models.CharField(max_length=16, unique=True, default=public_id, editable=False)
    kind = models.CharField(_("kind"), max_length=50)
    urgency = models.CharField(_("urgency"), max_length=10, choices=Urgency.choices, default=Urgency.NORMAL)
    sender = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("sender"),
    )
    region_code = models.CharField(max_length=15, db_index=True, blank=True)
    subject = models.JSONField(_("subject"), default=dict, blank=True)
    body = models.JSONField(_("text"), default=dict, blank=True)
    template = models.CharField(max_length=100, blank=True)
    context = models.JSONField(default=dict, blank=True)
    # Where the full text lives (an absolute path on this site); SMS texts link to it.
    link = models.CharField(max_length=300, blank=True)
    # What the notice is about (an application, a concern...): the model's "app_label.model_name" and
    # its primary key. Whoever may read that object may read the notice (notify.about, notify.rules).
    about_type = models.CharField(max_length=100, blank=True)
    about_id = models.PositiveBigIntegerField(null=True, blank=True)
    # Everyone the notice is meant for, account or not (the denominator of its reach).
    recipient_count = models.PositiveIntegerField(default=0)
    # Required by law (a meeting notice, a deadline of a conditional acceptance): it goes by text without
    # a villager's consent to other texts, and says how to stop those.
    mandatory = models.BooleanField(default=False)
    # A notice that takes an answer by text: the reply handler a domain registered (notify.sms) and
    # the short code that names this notice. Its texts come from the service number + code, so a
    # plain reply reaches it; a reply to the bare number may start with the code instead.
    reply_handler = models.CharField(max_length=50, blank=True)
    reply_code = models.CharField(max_length=8, blank=True, db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("notice")
        verbose_name_plural = _("notices")
        indexes = [
            models.Index(fields=["about_type", "about_id"], name="notice_about"),
            # The figures' running day: today's notices found by time, not by reading a county's area range.
            models.Index(fields=["created_at"], name="notice_created"),
        ]

    def __str__(self):
        return f"{self.kind} {self.public_id}"


class Delivery(models.Model):
    """One recipient on one channel: its status, tries and last error. The inbox row is the inbox item.

    A recipient is an account, a villager on the roster, or both: a villager without an account is
    told by text (recipient empty), and `villager` is what reach is counted by (one person, however
    many channels)."""

    notice = models.ForeignKey(Notice, on_delete=models.CASCADE, related_name="deliveries")
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE, related_name="deliveries"
    )
    villager = models.ForeignKey(
        "people.Villager", null=True, blank=True, on_delete=models.CASCADE, related_name="deliveries"
    )
    # A helper's copy: the villager whose notice this is (delegation scope "notices").
    copy_for = models.ForeignKey("people.Villager", null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    channel = models.CharField(max_length=20, choices=Channel.choices)
    language = models.CharField(max_length=10)
    # The e-mail address or mobile number used, as it was when the notice was sent.
    address = models.CharField(max_length=254, blank=True)
    status = models.CharField(max_length=20, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING)
    # Every attempt, counted before the gateway is called: a worker killed mid-send leaves it counted.
    tries = models.PositiveSmallIntegerField(default=0)
    # Attempts whose worker stopped before recording the outcome: the message may have arrived twice.
    interrupted = models.PositiveSmallIntegerField(default=0)
    last_error = models.TextField(blank=True)
    next_try_at = models.DateTimeField(null=True, blank=True)
    # Token of the task batch that owns the row; a lost task's rows are taken over after a lease.
    claimed_by = models.CharField(max_length=32, blank=True, db_index=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    read_at = models.DateTimeField(null=True, blank=True)
    # What the operator reported for a text (Kannel's delivery report): on the phone, or not
    # deliverable. Written by the report alone, never by the worker, whichever arrives first.
    delivered_at = models.DateTimeField(null=True, blank=True)
    undelivered_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["notice", "recipient", "channel"], condition=Q(recipient__isnull=False), name="delivery_unique"
            ),
            models.UniqueConstraint(
                fields=["notice", "villager", "channel"],
                condition=Q(recipient__isnull=True),
                name="delivery_unique_villager",
            ),
            models.CheckConstraint(
                condition=Q(recipient__isnull=False) | Q(villager__isnull=False), name="delivery_has_someone"
            ),
        ]
        indexes = [
            # The retry scan: due rows only, so the index stays small.
            models.Index(
                fields=["next_try_at"], condition=Q(status__in=["pending", "failed", "sending"]), name="delivery_due"
            ),
            # The unread count in every page header.
            models.Index(fields=["recipient", "read_at"], condition=Q(channel="inbox"), name="delivery_inbox"),
            models.Index(fields=["notice", "channel", "status"], name="delivery_report"),
            models.Index(fields=["notice", "villager"], name="delivery_notice_villager"),
        ]

    def __str__(self):
        return f"{self.notice_id}:{self.recipient_id or 'v' + str(self.villager_id)}:{self.channel}:{self.status}"


def default_quiet() -> tuple[dt.time, dt.time]:
    """The installation's SMS quiet hours (settings.NOTIFY_QUIET_START/END), for people without their own."""
    return dt.time.fromisoformat(settings.NOTIFY_QUIET_START), dt.time.fromisoformat(settings.NOTIFY_QUIET_END)


def quiet_start_default() -> dt.time:
    return default_quiet()[0]


def quiet_end_default() -> dt.time:
    return default_quiet()[1]


class ChannelPreference(TimeStamped):
    """How a person wants to be told. No row means the defaults."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notify_pref")
    email_on = models.BooleanField(_("send me e-mail"), default=True)
    sms_on = models.BooleanField(_("send me text messages"), default=True)
    quiet_start = models.TimeField(_("no text messages from"), default=quiet_start_default)
    quiet_end = models.TimeField(_("until"), default=quiet_end_default)

    class Meta:
        ordering = ["user"]
        verbose_name = _("notification preference")
        verbose_name_plural = _("notification preferences")


class InboundStatus(models.TextChoices):
    HANDLED = "handled", _("Handled")
    WAITING = "waiting", _("Waiting for staff")
    CLOSED = "closed", _("Closed by staff")


class InboundSms(models.Model):
    """One text a phone sent to the platform's number, as the gateway handed it over. Kept whatever
    it says: the gateway's own id makes a repeated hand-over one row (and one effect)."""

    gateway_id = models.CharField(max_length=100, unique=True)
    sender = models.CharField(pgettext_lazy("sms", "from"), max_length=32, db_index=True)
    receiver = models.CharField(pgettext_lazy("sms", "to"), max_length=32, blank=True)
    text = models.TextField(pgettext_lazy("sms", "text"), blank=True)
    received_at = models.DateTimeField(pgettext_lazy("sms", "received"))
    # The sender's village, when the number is a villager's: whose staff see it in their queue.
    region_code = models.CharField(max_length=15, blank=True, db_index=True)
    status = models.CharField(max_length=10, choices=InboundStatus.choices, default=InboundStatus.WAITING)
    handled_as = models.CharField(max_length=50, blank=True)  # the reply handler that took it
    # The text sent back, and its sending: claimed before the gateway is called, so never sent twice.
    answer = models.CharField(max_length=500, blank=True)
    answer_sent_at = models.DateTimeField(null=True, blank=True)
    answer_error = models.TextField(blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-received_at", "-id"]
        indexes = [models.Index(fields=["status", "region_code"], name="inbound_queue")]

    def __str__(self):
        return f"{self.sender}: {self.text[:30]}"


class LoginCode(models.Model):
    """A 6-digit code sent by text to log in without a password (5 minutes, once). Only its keyed
    hash is stored; wrong guesses are counted and end the code."""

    phone = models.CharField(max_length=32)
    code_hash = models.CharField(max_length=64)
    created_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    sent = models.BooleanField(default=False)  # False: the number has no account, nothing was sent

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["phone", "-created_at"], name="login_code_phone")]

    def __str__(self):
        return f"{self.phone} {self.created_at:%Y-%m-%d %H:%M}"


class DoorOutcome(models.TextChoices):
    TOLD = "told", _("Told in person")
    NOT_HOME = "not_home", _("Not at home")


class DoorVisit(models.Model):
    """A door-to-door round's tick for one villager a notice did not reach: told in person (then the
    person counts as reached) or not at home (still to be told). Every tick is kept."""

    notice = models.ForeignKey(Notice, on_delete=models.CASCADE, related_name="door_visits")
    villager = models.ForeignKey("people.Villager", on_delete=models.CASCADE, related_name="+")
    outcome = models.CharField(max_length=10, choices=DoorOutcome.choices)
    visited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="door_visits_made"
    )
    visited_at = models.DateTimeField()

    class Meta:
        ordering = ["-visited_at", "-id"]
        indexes = [models.Index(fields=["notice", "villager"], name="door_visit_villager")]

    def __str__(self):
        return f"{self.notice_id}:{self.villager_id}:{self.outcome}"
