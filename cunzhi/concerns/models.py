"""Concerns (诉求): what villagers raise, who owns it, its clocks, answers, ratings, and Open311 keys.

Deadlines are data (DESIGN.md): each clock is a timestamp computed when it starts, and `due_at` is
the one pending deadline of an open concern (acknowledge, then answer), NULL once it is answered or
closed, so "overdue" and "due soon" lists are range scans on a small partial index. The timeline is
read from the audit rows (core.AuditEvent) that every service writes for the concern.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import translation
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from cunzhi.core.models import TimeStamped, public_id


class Kind(models.TextChoices):
    CONSULTATION = "consultation", _("Consultation")
    HELP = "help", _("Request for help")
    COMPLAINT = "complaint", _("Complaint")
    REPORT = "report", _("Report")
    SUGGESTION = "suggestion", _("Suggestion")


class Clock(models.TextChoices):
    """How fast an answer is due (domain.md): each class has a configurable number of hours."""

    EMERGENCY = "emergency", _("Emergency")
    UTILITIES = "utilities", _("Utilities (water, power, roads)")
    GENERAL = "general", _("General")
    COMPLEX = "complex", _("Complex")


class Level(models.TextChoices):
    VILLAGE = "village", _("Village")
    TOWNSHIP = "township", _("Township")
    COUNTY = "county", _("County")


LEVEL_ORDER: list[str] = [Level.VILLAGE, Level.TOWNSHIP, Level.COUNTY]


class Channel(models.TextChoices):
    ONLINE = "online", _("Online")
    PHONE = "phone", _("By phone")
    WINDOW = "window", _("At the service window")
    PAPER = "paper", _("On paper")
    OPEN311 = "open311", _("Through another system (Open311)")
    SMS = "sms", pgettext_lazy("concern channel", "By text message")


class Status(models.TextChoices):
    OPEN = "open", _("Waiting to be acknowledged")
    ACKNOWLEDGED = "acknowledged", _("Being handled")
    ANSWERED = "answered", _("Answered, waiting for the villager")
    REOPENED = "reopened", _("Reopened by the villager")
    RESOLVED = "resolved", _("Resolved")
    CLOSED_UNRATED = "closed_unrated", _("Closed without rating")
    MERGED = "merged", _("Merged into another concern")


OPEN_STATUSES = (Status.OPEN, Status.ACKNOWLEDGED, Status.ANSWERED, Status.REOPENED)
# Statuses in which the owner still has to act (a clock runs).
WORKING_STATUSES = (Status.OPEN, Status.ACKNOWLEDGED, Status.REOPENED)
CLOSED_STATUSES = (Status.RESOLVED, Status.CLOSED_UNRATED, Status.MERGED)


class Rating(models.TextChoices):
    SATISFIED = "satisfied", _("Satisfied")
    BASICALLY = "basically", _("Basically satisfied")
    UNSATISFIED = "unsatisfied", _("Unsatisfied")


class Category(TimeStamped):
    """A kind of matter (roads, water, subsidies...); its code is the Open311 service code."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=60)
    name_en = models.CharField(_("name in English"), max_length=80, blank=True)
    description = models.CharField(_("description"), max_length=300, blank=True)
    clock = models.CharField(_("usual answer time"), max_length=20, choices=Clock.choices, default=Clock.GENERAL)
    level = models.CharField(_("handled by default at"), max_length=10, choices=Level.choices, default=Level.VILLAGE)
    active = models.BooleanField(_("in use"), default=True)
    position = models.PositiveSmallIntegerField(_("order"), default=100)

    class Meta:
        ordering = ["position", "code"]
        verbose_name = _("concern category")
        verbose_name_plural = _("concern categories")

    def __str__(self):
        return self.name

    def label(self, language: str) -> str:
        return self.name_en if language == "en" and self.name_en else self.name

    @property
    def label_text(self) -> str:
        """The name in the reader's language (English when set and asked for, else Chinese)."""
        return self.label(translation.get_language() or "")


class RoutingRule(TimeStamped):
    """Category x region -> who handles it: the village, or a township or county office, and a named person.

    The most specific rule wins (the longest region prefix that contains the concern's village).
    A village-level rule may leave the person empty: the village's Party secretary is then named.
    """

    public_id = models.CharField(max_length=16, unique=True, default=public_id, editable=False)
    category = models.ForeignKey(Category, on_delete=models.CASCADE, related_name="rules", verbose_name=_("category"))
    region = models.ForeignKey("regions.Region", on_delete=models.CASCADE, related_name="+", verbose_name=_("region"))
    region_prefix = models.CharField(max_length=15, db_index=True, editable=False)
    level = models.CharField(_("handled at"), max_length=10, choices=Level.choices)
    office = models.ForeignKey(
        "people.Office", null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("office")
    )
    responsible = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("responsible person"),
    )

    class Meta:
        ordering = ["category__position", "region_prefix"]
        verbose_name = _("routing rule")
        verbose_name_plural = _("routing rules")
        constraints = [models.UniqueConstraint(fields=["category", "region"], name="concern_rule_unique")]

    def __str__(self):
        return f"{self.category} · {self.region}"

    def save(self, *args, **kwargs):
        self.region_prefix = self.region.prefix
        super().save(*args, **kwargs)


class Concern(TimeStamped):
    public_id = models.CharField(max_length=16, unique=True, default=public_id, editable=False)
    # Read out over the phone: digits only, not a sequence (counts are not revealed).
    number = models.CharField(_("number"), max_length=16, unique=True)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    category = models.ForeignKey(
        Category, on_delete=models.PROTECT, related_name="concerns", verbose_name=_("category")
    )
    text = models.TextField(_("what happened"))
    clock = models.CharField(_("answer time"), max_length=20, choices=Clock.choices)
    # Where: the village always; a group or a point (WGS84) optionally; a few words for the place.
    village = models.ForeignKey("regions.Region", on_delete=models.PROTECT, related_name="+", verbose_name=_("village"))
    group = models.ForeignKey(
        "regions.Region",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("villager group"),
    )
    region_code = models.CharField(max_length=15, editable=False)
    place = models.CharField(_("place"), max_length=120, blank=True)
    lat = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)
    lon = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)
    is_public = models.BooleanField(_("public"), default=True)
    is_anonymous = models.BooleanField(_("shown without my name"), default=False)
    # Who it is for: a villager on the roster; or, when recorded for a caller without a record, a name.
    villager = models.ForeignKey(
        "people.Villager",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="concerns",
        verbose_name=_("villager"),
    )
    contact_name = models.CharField(_("name"), max_length=50, blank=True)
    contact_phone = models.CharField(_("telephone"), max_length=20, blank=True)
    # Masked name for public pages, fixed at submission ("张*" or empty when anonymous).
    public_name = models.CharField(max_length=20, blank=True, editable=False)
    raised_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    channel = models.CharField(_("received"), max_length=10, choices=Channel.choices, default=Channel.ONLINE)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.OPEN)
    # Who answers for it now (first contact owns it until a recorded transfer).
    level = models.CharField(_("level"), max_length=10, choices=Level.choices, default=Level.VILLAGE)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("responsible person"),
    )
    owner_office = models.ForeignKey(
        "people.Office", null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("office")
    )
    # Escalation: how far up it went because it was late (village -> township -> county).
    escalation_level = models.CharField(max_length=10, choices=Level.choices, blank=True)
    escalated_at = models.DateTimeField(null=True, blank=True)
    # Clocks (UTC timestamps, computed when each clock starts).
    dispatched_at = models.DateTimeField(_("dispatched"))
    ack_due_at = models.DateTimeField(_("acknowledge by"))
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    answer_due_at = models.DateTimeField(_("answer by"))
    answered_at = models.DateTimeField(null=True, blank=True)
    # First answer on time or not (NULL until answered): the response rate counts these.
    answered_in_time = models.BooleanField(null=True)
    due_at = models.DateTimeField(null=True, blank=True)
    escalate_at = models.DateTimeField(null=True, blank=True)
    confirm_due_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    # The villager's word on the answer.
    rating = models.CharField(_("rating"), max_length=20, choices=Rating.choices, blank=True)
    rating_comment = models.CharField(_("comment"), max_length=300, blank=True)
    rated_at = models.DateTimeField(null=True, blank=True)
    # The latest answer, copied here so that lists and the public board need no join.
    answer_text = models.TextField(blank=True)
    me_too_count = models.PositiveIntegerField(default=0)
    photo_count = models.PositiveSmallIntegerField(default=0)
    merged_into = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL, related_name="merged")

    class Meta:
        ordering = ["-dispatched_at", "-id"]
        verbose_name = _("concern")
        verbose_name_plural = _("concerns")
        indexes = [
            # Overdue and due-soon lists: only concerns with a running clock are in this index, in
            # deadline order, with the region code beside it so the scope is checked inside the index.
            models.Index(fields=["due_at", "region_code"], name="concern_due", condition=Q(due_at__isnull=False)),
            models.Index(fields=["escalate_at"], name="concern_escalate", condition=Q(escalate_at__isnull=False)),
            models.Index(fields=["confirm_due_at"], name="concern_confirm", condition=Q(confirm_due_at__isnull=False)),
            models.Index(fields=["region_code", "dispatched_at"], name="concern_scope_time"),
            models.Index(fields=["region_code", "is_public", "dispatched_at"], name="concern_board"),
            models.Index(fields=["owner", "status"], name="concern_owner"),
            models.Index(fields=["villager", "dispatched_at"], name="concern_villager"),
            # The figures' running day: today's concerns found by time, not by reading a county's area range.
            models.Index(fields=["dispatched_at"], name="concern_dispatched"),
        ]

    def __str__(self):
        return self.number

    def save(self, *args, **kwargs):
        self.region_code = self.village.code
        super().save(*args, **kwargs)

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    @property
    def excerpt(self) -> str:
        return self.text if len(self.text) <= 60 else self.text[:58] + "…"

    @property
    def open311_status(self) -> str:
        return "open" if self.status in OPEN_STATUSES else "closed"


class Answer(TimeStamped):
    concern = models.ForeignKey(Concern, on_delete=models.CASCADE, related_name="answers")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    # Snapshots: the answer keeps the name and office it was given under.
    author_name = models.CharField(max_length=50)
    office_name = models.CharField(max_length=150, blank=True)
    text = models.TextField(_("answer"))

    class Meta:
        ordering = ["created_at", "id"]


class Photo(TimeStamped):
    """A photo of the concern or of an answer; stored privately, handed out after a permission check."""

    public_id = models.CharField(max_length=16, unique=True, default=public_id, editable=False)
    concern = models.ForeignKey(Concern, on_delete=models.CASCADE, related_name="photos")
    answer = models.ForeignKey(Answer, null=True, blank=True, on_delete=models.CASCADE, related_name="photos")
    file = models.FileField(upload_to="concerns/%Y/%m/")
    content_type = models.CharField(max_length=50)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["created_at", "id"]


class MeToo(models.Model):
    """Another villager (or a merged duplicate's villager) who has the same concern; they are told too."""

    created_at = models.DateTimeField(auto_now_add=True)
    concern = models.ForeignKey(Concern, on_delete=models.CASCADE, related_name="supporters")
    villager = models.ForeignKey("people.Villager", on_delete=models.CASCADE, related_name="+")
    from_merge = models.BooleanField(default=False)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [models.UniqueConstraint(fields=["concern", "villager"], name="metoo_unique")]


class Open311Key(TimeStamped):
    """An API key for another system that files concerns through Open311. Only a hash is stored."""

    name = models.CharField(_("name"), max_length=100)
    key_hash = models.CharField(max_length=64, unique=True)
    key_prefix = models.CharField(_("key starts with"), max_length=8)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("Open311 API key")
        verbose_name_plural = _("Open311 API keys")

    def __str__(self):
        return f"{self.name} ({self.key_prefix}…)"
