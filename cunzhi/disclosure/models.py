"""Three-affairs disclosure (三务公开): schedules, due items (the calendar), posts, approvals, questions, reach."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cunzhi.core.models import TimeStamped, public_id
from cunzhi.regions.models import Region


class Category(models.TextChoices):
    PARTY = "party", _("Party affairs")
    VILLAGE = "village", _("Village affairs")
    FINANCE = "finance", _("Financial affairs")


class Frequency(models.TextChoices):
    MONTHLY = "monthly", _("Monthly")
    QUARTERLY = "quarterly", _("Quarterly")
    IMMEDIATELY = "immediately", _("Immediately (as matters arise)")


class Schedule(TimeStamped):
    """How often a village discloses one category; villages without a row follow the defaults."""

    village = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="+", verbose_name=_("village"))
    region_code = models.CharField(max_length=15, db_index=True, editable=False)
    category = models.CharField(_("category"), max_length=10, choices=Category.choices)
    frequency = models.CharField(_("frequency"), max_length=12, choices=Frequency.choices)
    # Days after the end of a period by which its disclosure must be out.
    grace_days = models.PositiveSmallIntegerField(_("days allowed after the period ends"), default=10)

    class Meta:
        ordering = ["region_code", "category"]
        constraints = [models.UniqueConstraint(fields=["village", "category"], name="disclosure_schedule_unique")]

    def save(self, *args, **kwargs):
        self.region_code = self.village.code
        super().save(*args, **kwargs)


class PostStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    IN_REVIEW = "in_review", _("Waiting for the supervision committee")
    RETURNED = "returned", _("Returned for changes")
    PUBLISHED = "published", _("Published")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class Post(TimeStamped):
    """One disclosure: text and tables as published (already masked), on screen and on paper."""

    public_id = models.CharField(max_length=16, unique=True, default=public_id, editable=False)
    village = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="+", verbose_name=_("village"))
    region_code = models.CharField(max_length=15, db_index=True, editable=False)
    category = models.CharField(_("category"), max_length=10, choices=Category.choices)
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("text"), blank=True)
    # [{"title": str, "header": [str], "rows": [[str]]}]: masked like the text.
    tables = models.JSONField(default=list, blank=True)
    # What the privacy guard masked: [{"kind": "id"|"bank", "where": {...}, "shown_as": "..."}].
    masked_items = models.JSONField(default=list, blank=True)
    status = models.CharField(_("status"), max_length=12, choices=PostStatus.choices, default=PostStatus.DRAFT)
    # The period the post covers (a due item of the calendar is fulfilled by a post covering it).
    period_start = models.DateField(_("period from"), null=True, blank=True)
    period_end = models.DateField(_("period to"), null=True, blank=True)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    published_at = models.DateTimeField(_("published"), null=True, blank=True, db_index=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # Generated posts (meeting resolutions, adopted village rules, ledger periods) link to their source.
    source_url = models.CharField(max_length=300, blank=True)
    # The object a generated post is about (a meeting, an adopted rule): its model's "app_label.model_name"
    # and primary key, as notify's notices name theirs. One post per object: publishing twice is refused.
    about_type = models.CharField(max_length=100, blank=True)
    about_id = models.PositiveBigIntegerField(null=True, blank=True)
    generated = models.BooleanField(default=False)
    attachment = models.FileField(upload_to="disclosure/%Y/%m/", blank=True)
    ledger_period = models.ForeignKey(
        "ledger.Period", null=True, blank=True, on_delete=models.PROTECT, related_name="disclosures"
    )
    # Distinct villagers who read the post, kept as a counter so lists never count per row.
    reach = models.PositiveIntegerField(default=0)
    question_count = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-published_at", "-created_at", "-id"]
        indexes = [models.Index(fields=["region_code", "status", "-published_at"], name="disclosure_post_list")]
        constraints = [
            models.UniqueConstraint(
                fields=["about_type", "about_id"], condition=Q(about_id__isnull=False), name="disclosure_post_about"
            )
        ]

    def __str__(self):
        return self.title

    def save(self, *args, **kwargs):
        self.region_code = self.village.code
        super().save(*args, **kwargs)

    @property
    def is_published(self) -> bool:
        return self.status == PostStatus.PUBLISHED

    @property
    def needs_approval(self) -> bool:
        return self.category == Category.FINANCE


class Decision(models.TextChoices):
    APPROVED = "approved", _("Approved")
    RETURNED = "returned", _("Returned for changes")


class Approval(TimeStamped):
    """The supervision committee's recorded review of a finance disclosure."""

    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="approvals")
    reviewer = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    reviewer_name = models.CharField(max_length=50)  # snapshot: the record stays true if the account changes
    decision = models.CharField(_("decision"), max_length=10, choices=Decision.choices)
    comment = models.TextField(_("comment"), blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]


class DueItem(TimeStamped):
    """One disclosure a village owes: category and period, with its deadline stored (overdue = index scan)."""

    village = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="+")
    region_code = models.CharField(max_length=15, db_index=True, editable=False)
    category = models.CharField(max_length=10, choices=Category.choices)
    frequency = models.CharField(max_length=12, choices=Frequency.choices)
    period_start = models.DateField()
    period_end = models.DateField()
    due_date = models.DateField(db_index=True)
    post = models.ForeignKey(Post, null=True, blank=True, on_delete=models.SET_NULL, related_name="due_items")
    published_at = models.DateTimeField(null=True, blank=True)
    # Idempotent reminders: each is sent once.
    reminded_due_at = models.DateTimeField(null=True, blank=True)
    reminded_overdue_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["due_date", "region_code", "category"]
        constraints = [
            models.UniqueConstraint(
                fields=["village", "category", "period_start", "period_end"], name="disclosure_due_unique"
            )
        ]
        indexes = [models.Index(fields=["region_code", "due_date"], name="disclosure_due_scope")]

    def save(self, *args, **kwargs):
        self.region_code = self.village.code
        super().save(*args, **kwargs)

    @property
    def days_late(self) -> int:
        """Whole days in China between the deadline and publication; 0 when on time or not published."""
        if self.published_at is None:
            return 0
        return max(0, (timezone.localtime(self.published_at).date() - self.due_date).days)


class Question(TimeStamped):
    """A villager's public question on a post, and the cadre's public answer."""

    public_id = models.CharField(max_length=16, unique=True, default=public_id, editable=False)
    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="questions")
    region_code = models.CharField(max_length=15, db_index=True, editable=False)
    asker = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    asker_name = models.CharField(max_length=50)  # shown masked (张*) to everyone but the asker and staff
    text = models.TextField(_("question"))
    answer = models.TextField(_("answer"), blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    answered_by_name = models.CharField(max_length=50, blank=True)
    answered_at = models.DateTimeField(null=True, blank=True)

    # Not stored: the asker's name as this reader may see it (full or masked), set by the post page.
    asker_shown: str

    class Meta:
        ordering = ["created_at", "id"]

    def save(self, *args, **kwargs):
        self.region_code = self.post.region_code
        super().save(*args, **kwargs)


class PostRead(models.Model):
    """A villager read a post (once per villager): the rows behind the reach counter."""

    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="reads")
    villager = models.ForeignKey("people.Villager", on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [models.UniqueConstraint(fields=["post", "villager"], name="disclosure_read_once")]
