"""Village organisations (co-operatives, elder associations, volunteer teams…), their members and activities.

An activity has a time, a place and a number of places; villagers sign up (on the web, through a helper with a
delegation, or by replying to the activity's text), are checked in at the activity (desk by name or pinyin, or
their QR code), and the organiser confirms the hours each one gave. Confirmed participation is the outcome
points may be proposed from (points.outcomes reads it through organisations.selectors).
"""

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from cunzhi.core.models import TimeStamped, public_id
from cunzhi.regions.models import Region


class OrgKind(models.TextChoices):
    COOPERATIVE = "cooperative", _("Co-operative")
    ELDERS = "elders", _("Elder association")
    WOMEN = "women", _("Women's federation branch")
    VOLUNTEERS = "volunteers", _("Volunteer team")
    RED_WHITE = "red_white", _("Red-and-white affairs council")
    MEDIATION = "mediation", _("Villagers' mediation committee")


class Organisation(TimeStamped):
    """An organisation of a village (region = the village) or of a township (region = the township)."""

    public_id = models.CharField(max_length=16, unique=True, default=public_id, editable=False)
    region = models.ForeignKey(
        Region, on_delete=models.PROTECT, related_name="+", verbose_name=_("village or township")
    )
    region_code = models.CharField(max_length=15, db_index=True, editable=False)
    kind = models.CharField(_("kind"), max_length=12, choices=OrgKind.choices)
    name = models.CharField(pgettext_lazy("organisation", "name"), max_length=100)
    description = models.TextField(_("what it does"), max_length=2000, blank=True)
    active = models.BooleanField(default=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["region_code", "kind", "name"]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs):  # type: ignore[no-untyped-def]  # Django's signature
        self.region_code = self.region.code
        super().save(*args, **kwargs)


class Membership(TimeStamped):
    """A villager in an organisation; leaders organise its activities and answer its messages."""

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="memberships")
    villager = models.ForeignKey("people.Villager", on_delete=models.PROTECT, related_name="+")
    is_leader = models.BooleanField(_("leader"), default=False)

    class Meta:
        ordering = ["-is_leader", "villager__name_pinyin", "id"]
        constraints = [models.UniqueConstraint(fields=["organisation", "villager"], name="org_member_once")]


class ActivityStatus(models.TextChoices):
    OPEN = "open", _("Open for sign-up")
    DONE = "done", _("Hours confirmed")
    CANCELLED = "cancelled", pgettext_lazy("activity", "Cancelled")


class Activity(TimeStamped):
    """Something the organisation does on a day (a clean-up, elder visits, flood watch, a training)."""

    public_id = models.CharField(max_length=16, unique=True, default=public_id, editable=False)
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="activities")
    region_code = models.CharField(max_length=15, db_index=True, editable=False)
    title = models.CharField(_("activity"), max_length=100)
    description = models.TextField(_("what will be done"), max_length=2000, blank=True)
    place = models.CharField(_("place"), max_length=100)
    starts_at = models.DateTimeField(pgettext_lazy("activity", "starts"))
    ends_at = models.DateTimeField(pgettext_lazy("activity", "ends"))
    places = models.PositiveSmallIntegerField(_("places available"))
    status = models.CharField(max_length=10, choices=ActivityStatus.choices, default=ActivityStatus.OPEN)
    # The text sent to the members: replying "1" signs up, "2" withdraws (organisations/replies.py).
    notice = models.ForeignKey("notify.Notice", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    confirmed_at = models.DateTimeField(null=True, blank=True, db_index=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["-starts_at", "-id"]
        indexes = [models.Index(fields=["region_code", "status", "-starts_at"], name="org_activity_region")]

    def __str__(self) -> str:
        return self.title

    def save(self, *args, **kwargs):  # type: ignore[no-untyped-def]  # Django's signature
        self.region_code = self.organisation.region_code
        super().save(*args, **kwargs)


class SignUpVia(models.TextChoices):
    WEB = "web", _("On the activity page")
    HELPER = "helper", _("By their helper (delegation)")
    SMS = "sms", pgettext_lazy("sign-up", "By text message")
    ORGANISER = "organiser", _("By the organiser")


class CheckInMethod(models.TextChoices):
    DESK = "desk", _("At the desk by name")
    QR = "qr", _("At the desk by QR code")


class Participant(TimeStamped):
    """A villager signed up for an activity, their check-in and the hours the organiser confirmed."""

    activity = models.ForeignKey(Activity, on_delete=models.CASCADE, related_name="participants")
    villager = models.ForeignKey("people.Villager", on_delete=models.PROTECT, related_name="+")
    household = models.ForeignKey("people.Household", null=True, on_delete=models.SET_NULL, related_name="+")
    name = models.CharField(max_length=50)
    name_pinyin = models.CharField(max_length=200, blank=True)
    via = models.CharField(max_length=10, choices=SignUpVia.choices)
    signed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    delegation = models.ForeignKey(
        "people.Delegation", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    checked_in_at = models.DateTimeField(null=True, blank=True)
    checked_in_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    check_in_method = models.CharField(max_length=5, choices=CheckInMethod.choices, blank=True)
    hours = models.DecimalField(_("hours"), max_digits=4, decimal_places=1, default=Decimal("0"))
    confirmed_at = models.DateTimeField(null=True, blank=True)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["name_pinyin", "id"]
        constraints = [models.UniqueConstraint(fields=["activity", "villager"], name="org_participant_once")]
        indexes = [
            models.Index(fields=["activity", "name_pinyin"], name="org_participant_pinyin"),
            # The figures' running day (hours confirmed today) without a county scan.
            models.Index(fields=["confirmed_at"], name="org_participant_confirmed"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def active(self) -> bool:
        return self.withdrawn_at is None


class HandoverStatus(models.TextChoices):
    WORKING = "working", _("Being worked on")
    ANSWERED = "answered", _("Answered by the organisation")


class Handover(TimeStamped):
    """A public concern that staff handed to the organisation to work on (a neighbour dispute to the mediation
    committee, litter on the trail to the volunteer team). The concern stays with the person responsible, its
    clock and rates too; the organisation records its work and answers under its own name through concerns'
    services (concern_organisation_work, concern_answer_by_organisation)."""

    public_id = models.CharField(max_length=16, unique=True, default=public_id, editable=False)
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="handovers")
    # Read through the relation (number, text, place) on the organisation's pages; written only by concerns.
    concern = models.ForeignKey("concerns.Concern", on_delete=models.PROTECT, related_name="+")
    note = models.CharField(_("note for the organisation"), max_length=300, blank=True)
    status = models.CharField(max_length=10, choices=HandoverStatus.choices, default=HandoverStatus.WORKING)
    handed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    answered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["organisation", "concern"], name="org_handover_once")]


class HandoverWork(TimeStamped):
    """What the organisation did on a handed concern (also on the concern's timeline)."""

    handover = models.ForeignKey(Handover, on_delete=models.CASCADE, related_name="work")
    text = models.TextField(_("what was done"), max_length=1000)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    by_name = models.CharField(max_length=50)

    class Meta:
        ordering = ["created_at", "id"]
