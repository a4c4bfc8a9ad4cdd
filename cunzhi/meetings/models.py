"""Village meetings (村民委员会组织法 arts. 21–28): bodies, rosters, notice, attendance, motions, ballots,
petitions for a meeting, and the villagers' meeting's recorded delegations to the representatives.

A meeting's roster (MeetingMember) is a snapshot of who belongs to the body, taken when the notice
goes out and fixed when the meeting opens: the quorum's denominators do not move while it sits.
Uniqueness that the law depends on lives in database constraints: one attendance per member, one
ballot per member and motion, one signature per villager and petition.
"""

from typing import Any

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from cunzhi.core.models import TimeStamped, public_id


class Body(models.TextChoices):
    VILLAGERS = "villagers", _("Villagers' meeting")
    REPRESENTATIVES = "representatives", _("Villager representatives' meeting")
    GROUP = "group", _("Villager group meeting")
    COUNCIL = "council", _("Deliberation council")


class Basis(models.TextChoices):
    """Who votes where the law allows a meeting of households (villagers' and group meetings)."""

    PERSONS = "persons", _("Every adult member votes")
    HOUSEHOLDS = "households", _("One vote per household, by its representative")


class QuorumMode(models.TextChoices):
    PERSONS = "persons", _("Adult members")
    HOUSEHOLDS = "households", _("Households represented")
    MEMBERS = "members", _("Members of the representatives' meeting")
    INFORMAL = "informal", _("Informal: no legal quorum")
    NONE = "none", _("Quorum not met")


class MeetingStatus(models.TextChoices):
    DRAFT = "draft", pgettext_lazy("meeting", "Being prepared")
    NOTICED = "noticed", pgettext_lazy("meeting", "Notice sent")
    IN_SESSION = "in_session", pgettext_lazy("meeting", "In session")
    CLOSED = "closed", pgettext_lazy("meeting", "Closed")
    CANCELLED = "cancelled", pgettext_lazy("meeting", "Cancelled")


class Matter(models.TextChoices):
    """What a motion decides. All but GENERAL are the reserved matters of art. 24."""

    GENERAL = "general", _("Other village affairs")
    WORK_SUBSIDY = "work_subsidy", _("Work-loss subsidies for cadres")
    COLLECTIVE_INCOME = "collective_income", _("Use of the village's collective income")
    PUBLIC_WELFARE = "public_welfare", _("Public-welfare projects, fund and labour raising")
    LAND_CONTRACT = "land_contract", _("Land-contracting plan")
    COLLECTIVE_PROJECT = "collective_project", _("Collective economic projects")
    HOMESTEAD = "homestead", _("Homestead (宅基地) use plan")
    LAND_COMPENSATION = "land_compensation", _("Use and distribution of land-requisition compensation")
    PROPERTY_DISPOSAL = "property_disposal", _("Disposal of collective property")


class BallotKind(models.TextChoices):
    OPEN = "open", _("Open vote")
    SECRET = "secret", _("Secret ballot")


class MotionStatus(models.TextChoices):
    DRAFT = "draft", _("Not yet put to the vote")
    OPEN = "open", _("Voting open")
    CLOSED = "closed", _("Voting closed")
    WITHDRAWN = "withdrawn", pgettext_lazy("motion", "Withdrawn")


class Choice(models.TextChoices):
    YES = "yes", pgettext_lazy("vote", "For")
    NO = "no", pgettext_lazy("vote", "Against")
    ABSTAIN = "abstain", pgettext_lazy("vote", "Abstain")


class AttendanceMode(models.TextChoices):
    VENUE = "venue", pgettext_lazy("attendance", "At the venue")
    REMOTE = "remote", pgettext_lazy("attendance", "Remote")


class CheckInMethod(models.TextChoices):
    SELF = "self", _("Checked in themself")
    HELPER = "helper", _("Checked in by their helper (delegation)")
    STAFF_SEARCH = "staff_search", _("Checked in at the desk by name")
    STAFF_QR = "staff_qr", _("Checked in at the desk by QR code")


class Rsvp(models.TextChoices):
    """A member's answer to the notice: what they plan, not a vote and not attendance (counted on the day)."""

    ATTEND = "attend", _("Will attend")
    REMOTE = "remote", _("Will attend remotely")
    ABSENT = "absent", _("Cannot attend")


class RsvpVia(models.TextChoices):
    SMS = "sms", _("By text message")
    WEB = "web", _("On the meeting page")


class PetitionKind(models.TextChoices):
    VILLAGERS = "villagers", _("Villagers ask for a villagers' meeting (1/10 of adult villagers)")
    REPS_FOR_VILLAGERS = "reps_villagers", _("Representatives ask for a villagers' meeting (1/3 of representatives)")
    REPS_FOR_REPS = "reps_reps", _("Representatives ask for a representatives' meeting (1/5 of representatives)")


class PetitionStatus(models.TextChoices):
    OPEN = "open", _("Collecting signatures")
    REACHED = "reached", _("Enough signatures: the committee must convene")
    CONVENED = "convened", _("Meeting convened")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class Petition(TimeStamped):
    """A request that the committee convene a meeting, signed online by those entitled to ask."""

    public_id = models.CharField(max_length=16, unique=True, default=public_id, editable=False)
    village = models.ForeignKey("regions.Region", on_delete=models.PROTECT, related_name="+", verbose_name=_("village"))
    region_code = models.CharField(max_length=15, db_index=True, editable=False)
    kind = models.CharField(_("kind"), max_length=20, choices=PetitionKind.choices)
    title = models.CharField(_("what the meeting should decide"), max_length=200)
    reason = models.TextField(_("why"), max_length=4000)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    status = models.CharField(max_length=20, choices=PetitionStatus.choices, default=PetitionStatus.OPEN)
    # Who may sign and how many are needed, fixed when the petition starts.
    eligible_count = models.PositiveIntegerField(default=0)
    needed = models.PositiveIntegerField(default=0)
    signature_count = models.PositiveIntegerField(default=0)
    reached_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("petition for a meeting")
        verbose_name_plural = _("petitions for a meeting")

    def __str__(self):
        return self.title

    def save(self, *args, **kwargs):
        self.region_code = self.village.code
        super().save(*args, **kwargs)

    @property
    def percent(self) -> int:
        return min(100, int(100 * self.signature_count / self.needed)) if self.needed else 0


class PetitionSignature(models.Model):
    created_at = models.DateTimeField(auto_now_add=True)
    petition = models.ForeignKey(Petition, on_delete=models.CASCADE, related_name="signatures")
    villager = models.ForeignKey("people.Villager", on_delete=models.CASCADE, related_name="+")
    signed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [models.UniqueConstraint(fields=["petition", "villager"], name="petition_one_signature")]


class Authorisation(TimeStamped):
    """The villagers' meeting's recorded delegation of reserved matters to the representatives' meeting."""

    public_id = models.CharField(max_length=16, unique=True, default=public_id, editable=False)
    village = models.ForeignKey("regions.Region", on_delete=models.PROTECT, related_name="+", verbose_name=_("village"))
    region_code = models.CharField(max_length=15, db_index=True, editable=False)
    matters = models.JSONField(_("matters delegated"), default=list)
    # The villagers' meeting resolution that granted it: a motion here, or a paper record's reference.
    source_motion = models.ForeignKey("Motion", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    reference = models.CharField(_("resolution of the villagers' meeting"), max_length=300)
    granted_on = models.DateField(_("decided on"))
    valid_until = models.DateField(_("valid until"), null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["-granted_on", "-id"]
        verbose_name = _("delegation by the villagers' meeting")
        verbose_name_plural = _("delegations by the villagers' meeting")

    def __str__(self):
        return self.reference

    def save(self, *args, **kwargs):
        self.region_code = self.village.code
        super().save(*args, **kwargs)

    def matter_labels(self) -> list[str]:
        labels = dict(Matter.choices)
        return [str(labels.get(m, m)) for m in self.matters]


class Meeting(TimeStamped):
    public_id = models.CharField(max_length=16, unique=True, default=public_id, editable=False)
    village = models.ForeignKey("regions.Region", on_delete=models.PROTECT, related_name="+", verbose_name=_("village"))
    group = models.ForeignKey(
        "regions.Region",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("villager group"),
    )
    # The village's code: every scope filter on meetings is a prefix match on it.
    region_code = models.CharField(max_length=15, db_index=True, editable=False)
    body = models.CharField(_("body"), max_length=20, choices=Body.choices)
    basis = models.CharField(_("who votes"), max_length=20, choices=Basis.choices, default=Basis.PERSONS)
    title = models.CharField(_("title"), max_length=200)
    agenda = models.TextField(_("agenda"), max_length=8000)
    place = models.CharField(_("place"), max_length=200)
    starts_at = models.DateTimeField(pgettext_lazy("meeting", "starts"), db_index=True)
    ends_at = models.DateTimeField(_("expected to end"))
    stream_url = models.URLField(_("live stream or video-meeting address"), max_length=500, blank=True)
    status = models.CharField(max_length=20, choices=MeetingStatus.choices, default=MeetingStatus.DRAFT)
    petition = models.ForeignKey(
        Petition,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="meetings",
        verbose_name=_("convened on the petition"),
    )
    # Deliberation council: villagers invited besides the representatives' meeting's members.
    invited = models.JSONField(default=list, blank=True)
    convened_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    secretary = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("secretary"),
    )
    # Notice: the law's period (10 days for a villagers' meeting) or a recorded urgent exception.
    notice_sent_at = models.DateTimeField(null=True, blank=True)
    notice_due_by = models.DateTimeField(null=True, blank=True)
    urgent = models.BooleanField(default=False)
    urgent_reason = models.TextField(blank=True)
    notice = models.ForeignKey("notify.Notice", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    opened_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    cancelled_reason = models.TextField(blank=True)
    # Denominators of the quorum, counted from the roster.
    member_count = models.PositiveIntegerField(default=0)
    household_count = models.PositiveIntegerField(default=0)
    minutes = models.TextField(_("minutes"), blank=True, max_length=50000)
    minutes_pdf = models.FileField(upload_to="meetings/minutes/%Y/", blank=True)
    minutes_published_at = models.DateTimeField(null=True, blank=True)
    # Set once the disclosure post exists; empty while it is still to be made (retried by a job).
    disclosure_ref = models.CharField(max_length=100, blank=True)
    sequence = models.PositiveIntegerField(default=0)  # iCalendar SEQUENCE: bumped on every change

    # Not stored: what the API's meeting detail adds for its caller (live quorum, the members they act for).
    quorum: dict[str, Any]
    my_members: list[dict[str, Any]]
    minutes_published: bool

    class Meta:
        ordering = ["-starts_at", "-id"]
        verbose_name = _("meeting")
        verbose_name_plural = _("meetings")
        indexes = [models.Index(fields=["region_code", "-starts_at"], name="meeting_scope_start")]

    def __str__(self):
        return self.title

    def save(self, *args, **kwargs):
        self.region_code = self.village.code
        super().save(*args, **kwargs)

    @property
    def by_households(self) -> bool:
        return self.basis == Basis.HOUSEHOLDS and self.body in (Body.VILLAGERS, Body.GROUP)

    @property
    def stream_is_hls(self) -> bool:
        return self.stream_url.lower().split("?", 1)[0].endswith(".m3u8")

    @property
    def is_open(self) -> bool:
        return self.status == MeetingStatus.IN_SESSION


class MeetingMember(models.Model):
    """One member of the body for this meeting (a snapshot of the roster)."""

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="members")
    villager = models.ForeignKey("people.Villager", on_delete=models.PROTECT, related_name="+")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    household = models.ForeignKey(
        "people.Household", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    is_household_rep = models.BooleanField(default=False)
    name = models.CharField(max_length=50)
    name_pinyin = models.CharField(max_length=200, blank=True)
    living_away = models.BooleanField(default=False)
    # The member's latest answer to the notice (meetings/replies.py by text, or the meeting page).
    rsvp = models.CharField(max_length=10, choices=Rsvp.choices, blank=True)
    rsvp_at = models.DateTimeField(null=True, blank=True)
    rsvp_via = models.CharField(max_length=5, choices=RsvpVia.choices, blank=True)

    class Meta:
        ordering = ["name_pinyin", "id"]
        constraints = [models.UniqueConstraint(fields=["meeting", "villager"], name="meeting_member_once")]
        indexes = [
            models.Index(fields=["meeting", "name_pinyin"], name="meeting_member_pinyin"),
            models.Index(fields=["meeting", "user"], name="meeting_member_user"),
        ]

    def __str__(self):
        return self.name


class Attendance(models.Model):
    """A member counted present: at the venue or remotely, identified, with who recorded it."""

    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="attendances")
    member = models.ForeignKey(MeetingMember, on_delete=models.CASCADE, related_name="attendances")
    household_rep = models.BooleanField(default=False)  # copy of the member's flag, so counts need no join
    mode = models.CharField(max_length=10, choices=AttendanceMode.choices)
    method = models.CharField(max_length=20, choices=CheckInMethod.choices)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    delegation = models.ForeignKey(
        "people.Delegation", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["meeting", "member"], name="attendance_once")]


class Motion(TimeStamped):
    public_id = models.CharField(max_length=16, unique=True, default=public_id, editable=False)
    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="motions")
    number = models.PositiveSmallIntegerField(default=1)
    title = models.CharField(_("title"), max_length=200)
    text = models.TextField(_("text of the motion"), max_length=8000)
    matter = models.CharField(_("matter"), max_length=30, choices=Matter.choices, default=Matter.GENERAL)
    # Art. 28: a group meeting decides on the group's own collective land and property.
    group_property = models.BooleanField(_("concerns only the group's own collective property"), default=False)
    authorisation = models.ForeignKey(
        Authorisation, null=True, blank=True, on_delete=models.PROTECT, related_name="motions"
    )
    ballot = models.CharField(_("ballot"), max_length=10, choices=BallotKind.choices, default=BallotKind.OPEN)
    status = models.CharField(max_length=20, choices=MotionStatus.choices, default=MotionStatus.DRAFT)
    opened_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    # Secret ballots: counted here, never stored with the voter (Ballot.choice stays empty).
    secret_yes = models.PositiveIntegerField(default=0)
    secret_no = models.PositiveIntegerField(default=0)
    secret_abstain = models.PositiveIntegerField(default=0)
    # The result, fixed at close.
    attendees = models.PositiveIntegerField(null=True, blank=True)
    quorum_mode = models.CharField(max_length=20, choices=QuorumMode.choices, blank=True)
    yes = models.PositiveIntegerField(null=True, blank=True)
    no = models.PositiveIntegerField(null=True, blank=True)
    abstain = models.PositiveIntegerField(null=True, blank=True)
    passed = models.BooleanField(null=True, blank=True)
    resolution_text = models.TextField(pgettext_lazy("motion", "resolution"), blank=True, max_length=8000)

    class Meta:
        ordering = ["meeting", "number", "id"]
        constraints = [models.UniqueConstraint(fields=["meeting", "number"], name="motion_number_unique")]

    def __str__(self):
        return self.title

    @property
    def is_reserved(self) -> bool:
        return self.matter != Matter.GENERAL

    @property
    def votes_cast(self) -> int | None:
        if self.yes is None:
            return None
        return self.yes + self.no + self.abstain


class Ballot(models.Model):
    """One member's vote on one motion. For a secret ballot `choice` is empty: the vote is in the counters."""

    created_at = models.DateTimeField(auto_now_add=True)
    motion = models.ForeignKey(Motion, on_delete=models.CASCADE, related_name="ballots")
    member = models.ForeignKey(MeetingMember, on_delete=models.CASCADE, related_name="ballots")
    choice = models.CharField(max_length=10, choices=Choice.choices, blank=True)
    remote = models.BooleanField(default=False)
    cast_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    delegation = models.ForeignKey(
        "people.Delegation", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["id"]
        constraints = [models.UniqueConstraint(fields=["motion", "member"], name="ballot_once")]


# The live stream's models are declared in their sub-package and registered with this app here.
from cunzhi.meetings.live.models import LiveQuestion, LiveStream, LiveView  # noqa: E402, F401
