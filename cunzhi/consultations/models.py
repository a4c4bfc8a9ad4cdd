"""Consultations: drafts of village rules and policies split into numbered paragraphs, villagers'
comments and stances, moderation, the owner's response report, versions, adoption and filing.

A `Draft` is one version of a text put to one round of consultation. The next version points to
the previous one (`previous`), so "what changed" is a diff between the two.
"""

import datetime as dt

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cunzhi.core.models import TimeStamped, public_id
from cunzhi.regions.models import Region


class DraftKind(models.TextChoices):
    VILLAGE_RULES = "village_rules", _("Village rules and regulations")
    VILLAGE_CHARTER = "village_charter", _("Village self-governance charter")
    TOWNSHIP_POLICY = "township_policy", _("Township policy")
    COUNTY_POLICY = "county_policy", _("County policy")
    OTHER = "other", _("Other draft")


class Status(models.TextChoices):
    DRAFT = "draft", _("In preparation")
    SCHEDULED = "scheduled", _("Published, opens later")
    OPEN = "open", _("Open for comments")
    CLOSED = "closed", _("Closed, response being written")
    RESPONDED = "responded", _("Response report published")
    ADOPTED = "adopted", _("Adopted")


# Statuses in which villagers in scope may read the draft (before that only its owners see it).
PUBLIC_STATUSES = (Status.SCHEDULED, Status.OPEN, Status.CLOSED, Status.RESPONDED, Status.ADOPTED)
# Statuses in which the text may still be changed (nobody has commented yet).
EDITABLE_STATUSES = (Status.DRAFT, Status.SCHEDULED)


class Draft(TimeStamped):
    """One version of a text and its consultation round: scope, owner, dates, status."""

    public_id = models.CharField(max_length=16, unique=True, default=public_id, editable=False)
    title = models.CharField(_("title"), max_length=200)
    kind = models.CharField(_("kind"), max_length=20, choices=DraftKind.choices, default=DraftKind.VILLAGE_RULES)
    summary = models.TextField(_("purpose and background"), blank=True)
    scope = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="+", verbose_name=_("who is consulted"))
    # The scope region's code and prefix: "drafts I may comment on" is a prefix test, no join.
    region_code = models.CharField(max_length=15, db_index=True, editable=False)
    scope_prefix = models.CharField(max_length=15, db_index=True, editable=False)
    owner_office = models.ForeignKey(
        "people.Office",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("owner office"),
    )
    owner_committee = models.CharField(_("owner committee"), max_length=100, blank=True)
    opens_at = models.DateTimeField(_("opens"))
    closes_at = models.DateTimeField(_("closes"))
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.DRAFT, db_index=True)
    version = models.PositiveSmallIntegerField(_("version"), default=1)
    previous = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="next_versions",
        verbose_name=_("previous version"),
    )
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    opened_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    # The announcement sent when the consultation opened (its report shows who was not reached).
    announcement = models.ForeignKey(
        "notify.Notice", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-opens_at", "-id"]
        verbose_name = _("draft")
        verbose_name_plural = _("drafts")
        indexes = [
            models.Index(fields=["status", "opens_at"], name="consult_draft_due_open"),
            models.Index(fields=["status", "closes_at"], name="consult_draft_due_close"),
        ]

    def __str__(self):
        return self.title

    def save(self, *args, **kwargs):
        self.region_code = self.scope.code
        self.scope_prefix = self.scope.prefix
        super().save(*args, **kwargs)

    @property
    def owner_name(self) -> str:
        if self.owner_office_id:
            return self.owner_office.name
        return self.owner_committee

    @property
    def opens_day(self) -> dt.date:
        """The first day of comments, in local time."""
        return timezone.localtime(self.opens_at).date()

    @property
    def last_day(self) -> dt.date:
        """The last day of comments, in local time: they close at the midnight after it. Every page and
        notice names this day ("until the end of …"), never the closing instant."""
        return timezone.localtime(self.closes_at - dt.timedelta(microseconds=1)).date()

    @property
    def is_open(self) -> bool:
        return self.status == Status.OPEN and timezone.now() < self.closes_at

    @property
    def is_public(self) -> bool:
        return self.status in PUBLIC_STATUSES


class Paragraph(models.Model):
    """A numbered paragraph of a draft: what a villager comments on, supports or opposes."""

    draft = models.ForeignKey(Draft, on_delete=models.CASCADE, related_name="paragraphs")
    number = models.PositiveIntegerField(_("number"))
    text = models.TextField(_("text"))

    class Meta:
        ordering = ["draft", "number"]
        constraints = [models.UniqueConstraint(fields=["draft", "number"], name="consult_paragraph_unique")]

    def __str__(self):
        return f"§{self.number}"


class Visibility(models.TextChoices):
    PUBLIC = "public", _("Everyone consulted can read it")
    LEADERS = "leaders", _("Only the leaders can read it")


class Outcome(models.TextChoices):
    ADOPTED = "adopted", _("Adopted")
    PARTLY = "partly", _("Partly adopted")
    NOT_ADOPTED = "not_adopted", _("Not adopted")


class Comment(TimeStamped):
    """A villager's comment on a whole draft or one paragraph, or a reply to another comment.

    `villager` is whose comment it is; `written_by` is the account that typed it (the villager, or
    a helper under a "consultations" delegation, then recorded in `delegation`).
    """

    public_id = models.CharField(max_length=16, unique=True, default=public_id, editable=False)
    draft = models.ForeignKey(Draft, on_delete=models.CASCADE, related_name="comments")
    paragraph = models.ForeignKey(Paragraph, null=True, blank=True, on_delete=models.CASCADE, related_name="comments")
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.CASCADE, related_name="replies")
    villager = models.ForeignKey("people.Villager", on_delete=models.PROTECT, related_name="+")
    written_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    delegation = models.ForeignKey(
        "people.Delegation", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # The author's village, for scoped lists and roll-ups.
    region_code = models.CharField(max_length=15, db_index=True)
    # Whether the author lived away when commenting: the figure must not change when they move home.
    author_away = models.BooleanField(default=False)
    body = models.TextField(_("comment"))
    visibility = models.CharField(
        _("who can read it"), max_length=10, choices=Visibility.choices, default=Visibility.PUBLIC
    )
    hidden_at = models.DateTimeField(null=True, blank=True)
    hidden_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    hidden_reason = models.CharField(_("reason for hiding"), max_length=300, blank=True)
    outcome = models.CharField(_("what became of it"), max_length=12, choices=Outcome.choices, blank=True)
    outcome_reason = models.TextField(_("reason"), blank=True)
    outcome_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    outcome_at = models.DateTimeField(null=True, blank=True)

    # Not stored: what the pages show this reader of the comment (views._decorate and the report and
    # "my comments" pages set them): the author as they may see them, and the actions open to them.
    shown_name: str
    helper_name: str
    mine: bool
    by_helper: bool
    show_body: bool
    show_outcome: bool
    can_hide: bool
    can_restore: bool
    can_reply: bool
    url: str
    # The response report's form as posted (kept when another row had an error), and this row's error.
    posted_outcome: str
    posted_reason: str
    error: str

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [
            models.Index(fields=["draft", "paragraph", "created_at"], name="consult_comment_list"),
            models.Index(fields=["villager", "-created_at"], name="consult_comment_mine"),
            # The figures' running day finds today's answered comments by time (insights.stored): without it
            # PostgreSQL read every comment of the county on each figures page (17 ms at ten times the county).
            models.Index(fields=["outcome_at"], name="consult_comment_outcome"),
        ]

    def __str__(self):
        return f"{self.villager_id} on {self.draft_id}"

    @property
    def is_hidden(self) -> bool:
        return self.hidden_at is not None

    @property
    def is_reply(self) -> bool:
        return self.parent_id is not None


class StanceKind(models.TextChoices):
    SUPPORT = "support", _("Support")
    OPPOSE = "oppose", _("Oppose")


class Stance(TimeStamped):
    """A villager's support for or opposition to one paragraph (one per villager and paragraph, changeable)."""

    draft = models.ForeignKey(Draft, on_delete=models.CASCADE, related_name="stances")
    paragraph = models.ForeignKey(Paragraph, on_delete=models.CASCADE, related_name="stances")
    villager = models.ForeignKey("people.Villager", on_delete=models.PROTECT, related_name="+")
    written_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    delegation = models.ForeignKey(
        "people.Delegation", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    region_code = models.CharField(max_length=15, db_index=True)
    author_away = models.BooleanField(default=False)
    stance = models.CharField(max_length=10, choices=StanceKind.choices)

    class Meta:
        ordering = ["paragraph", "id"]
        constraints = [models.UniqueConstraint(fields=["paragraph", "villager"], name="consult_stance_unique")]


class ResponseReport(TimeStamped):
    """The owner's answer to the consultation: a summary, and an outcome on each comment."""

    draft = models.OneToOneField(Draft, on_delete=models.CASCADE, related_name="report")
    summary = models.TextField(_("summary of the response"), blank=True)
    written_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    published_at = models.DateTimeField(null=True, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    notified = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-published_at", "-id"]


class Adoption(TimeStamped):
    """A village rule adopted by the villagers' meeting: resolution, publication, filing to the township."""

    public_id = models.CharField(max_length=16, unique=True, default=public_id, editable=False)
    draft = models.OneToOneField(Draft, on_delete=models.PROTECT, related_name="adoption")
    region_code = models.CharField(max_length=15, db_index=True)
    adopted_on = models.DateField(_("adopted on"))
    meeting_reference = models.CharField(_("meeting and resolution"), max_length=300)
    resolution_url = models.CharField(_("link to the resolution"), max_length=300, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    # The disclosure post that published the rule (empty until it is published).
    disclosure_post_id = models.CharField(max_length=32, blank=True)
    published_at = models.DateTimeField(null=True, blank=True)
    publish_error = models.CharField(max_length=300, blank=True)
    # Filing (备案) to the township: the township region, when, by whom, and its acknowledgement.
    filed_to = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="+")
    filed_prefix = models.CharField(max_length=15, db_index=True)
    filed_at = models.DateTimeField()
    filed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    # Not stored: whether this reader may acknowledge the filing now, set by the filings page.
    can_ack: bool

    class Meta:
        ordering = ["-filed_at", "-id"]

    @property
    def disclosure_url(self) -> str:
        """The disclosure post's page, once the rule is published."""
        return reverse("disclosure:post", args=[self.disclosure_post_id]) if self.disclosure_post_id else ""
