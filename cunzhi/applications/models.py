"""Government service applications (办事): the catalogue, applications, materials, steps, notices,
commitments of conditional acceptance (容缺受理), certificates and inbound mail.

Clocks are stored timestamps computed when the clock starts (DESIGN.md), so due and overdue lists
are index scans. Every application row carries the region code of the applicant's village.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from cunzhi.core.models import TimeStamped, public_id
from cunzhi.people.models import Office, OfficeKind, Villager


class Level(models.TextChoices):
    """Where a unit that handles a step sits, relative to the applicant."""

    VILLAGE = "village", _("Village committee of the applicant's village")
    TOWNSHIP = "township", _("Township office of the applicant's township")
    COUNTY = "county", _("County office")


class Matter(models.TextChoices):
    """Groups items on "my services" (the status of a villager's pension, homestead...)."""

    PENSION = "pension", _("Pension")
    HOMESTEAD = "homestead", _("Homestead")
    ASSISTANCE = "assistance", _("Social assistance")
    DISABILITY = "disability", _("Disability")
    MEDICAL = "medical", _("Medical insurance")
    OTHER = "other", _("Other")


class Source(models.TextChoices):
    """Records another office already holds, from which a material can be taken (once-only)."""

    NONE = "", _("Not available from records: the applicant provides it")
    IDENTITY = "identity", _("Resident identity record (public security)")
    HOUSEHOLD = "household", _("Household register")
    CERTIFICATE = "certificate", _("An earlier certificate issued on this platform")


class ServiceItem(TimeStamped):
    """One service on the published list, configured by the county administrator."""

    public_id = models.CharField(max_length=16, unique=True, default=public_id, editable=False)
    code = models.SlugField(_("short code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=100)
    description = models.TextField(_("description"), blank=True)
    matter = models.CharField(_("matter"), max_length=20, choices=Matter.choices, default=Matter.OTHER)
    # The unit that accepts (受理) the application, resolved from the applicant's place.
    office_level = models.CharField(
        _("accepting unit's level"), max_length=10, choices=Level.choices, default=Level.TOWNSHIP
    )
    office_kind = models.CharField(
        _("accepting office's kind"), max_length=30, choices=OfficeKind.choices, default=OfficeKind.SERVICE_CENTRE
    )
    promised_days = models.PositiveSmallIntegerField(_("promised processing time (working days)"))
    conditional_allowed = models.BooleanField(_("conditional acceptance allowed"), default=False)
    # A certificate valid for a year (annual pension certification) shows when it is due again.
    valid_days = models.PositiveSmallIntegerField(_("certificate valid for (days)"), null=True, blank=True)
    published = models.BooleanField(_("published"), default=True)
    # The county whose administrator configures it: scope for editing.
    region_code = models.CharField(max_length=15, db_index=True)

    class Meta:
        ordering = ["matter", "name"]
        verbose_name = _("service item")
        verbose_name_plural = _("service items")

    def __str__(self):
        return self.name


class ServiceStep(models.Model):
    """One step of an item's workflow: who handles it and in how many working days."""

    item = models.ForeignKey(ServiceItem, on_delete=models.CASCADE, related_name="steps")
    order = models.PositiveSmallIntegerField(_("order"))
    name = models.CharField(_("name"), max_length=100)
    level = models.CharField(_("level"), max_length=10, choices=Level.choices)
    office_kind = models.CharField(_("office kind"), max_length=30, choices=OfficeKind.choices, blank=True)
    time_limit_days = models.PositiveSmallIntegerField(_("time limit (working days)"))

    class Meta:
        ordering = ["item", "order"]
        constraints = [models.UniqueConstraint(fields=["item", "order"], name="step_order_unique")]

    def __str__(self):
        return self.name


class MaterialSpec(models.Model):
    """A material on an item's checklist: core or secondary, accepted forms, an example, a record source."""

    item = models.ForeignKey(ServiceItem, on_delete=models.CASCADE, related_name="materials")
    order = models.PositiveSmallIntegerField(_("order"))
    name = models.CharField(_("name"), max_length=100)
    core = models.BooleanField(_("core material"), default=True)
    forms = models.CharField(_("accepted forms"), max_length=200)
    example = models.CharField(_("example"), max_length=300, blank=True)
    source = models.CharField(
        _("taken from records"), max_length=20, choices=Source.choices, blank=True, default=Source.NONE
    )
    # For Source.CERTIFICATE: the item whose certificate counts (e.g. the disability certificate).
    source_item = models.ForeignKey(
        ServiceItem,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("certificate of"),
    )
    # Statutory basis for the reuse; empty means the villager's separate consent is needed (PIPL).
    legal_basis = models.CharField(_("legal basis for reuse"), max_length=300, blank=True)
    # Needed only in some cases ("if a household member is disabled"): for an applicant it does not
    # apply to, staff (or the applicant, with a reason) mark it not applicable, and it is then never
    # missing: not in a notice, not behind a deadline, never a reason to terminate.
    conditional = models.BooleanField(_("needed only in some cases"), default=False)
    condition = models.CharField(_("when it is needed"), max_length=200, blank=True)

    class Meta:
        ordering = ["item", "order"]
        constraints = [models.UniqueConstraint(fields=["item", "order"], name="material_order_unique")]

    def __str__(self):
        return self.name


class Status(models.TextChoices):
    SUBMITTED = "submitted", _("Waiting for acceptance")
    RETURNED = "returned", _("Returned for corrections")
    IN_REVIEW = "in_review", _("Accepted, in review")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")
    TERMINATED = "terminated", _("Terminated: materials not supplied in time")


OPEN_STATUSES = (Status.SUBMITTED, Status.RETURNED, Status.IN_REVIEW)


class Channel(models.TextChoices):
    SELF = "self", _("The villager")
    HELPER = "helper", _("A helper under a delegation")
    STATION = "station", _("Village service station, for the villager")


class Stage(models.TextChoices):
    """Who has the application now: the accepting office, a step, the applicant, or nobody."""

    ACCEPTANCE = "acceptance", _("Acceptance decision")
    STEP = "step", _("Review step")
    APPLICANT = "applicant", _("With the applicant")
    DONE = "done", _("Finished")


class Application(TimeStamped):
    public_id = models.CharField(max_length=16, unique=True, default=public_id, editable=False)
    # Printed on notices and put in e-mail subjects: YYYYMMDD-NNNNNN.
    number = models.CharField(_("application number"), max_length=20, unique=True)
    item = models.ForeignKey(
        ServiceItem, on_delete=models.PROTECT, related_name="applications", verbose_name=_("service")
    )
    villager = models.ForeignKey(
        Villager, on_delete=models.PROTECT, related_name="applications", verbose_name=_("applicant")
    )
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    channel = models.CharField(_("submitted by"), max_length=10, choices=Channel.choices, default=Channel.SELF)
    region_code = models.CharField(max_length=15, db_index=True)
    accepting_office = models.ForeignKey(
        Office, null=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("accepting office")
    )
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.SUBMITTED)
    stage = models.CharField(max_length=20, choices=Stage.choices, default=Stage.ACCEPTANCE)
    # The unit that must act now: an office, or (office empty, stage step) the applicant's village committee.
    handler_office = models.ForeignKey(Office, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    due_at = models.DateTimeField(_("due"), null=True, blank=True)
    # When an overdue acceptance decision was flagged and escalated (once per clock).
    escalated_at = models.DateTimeField(null=True, blank=True)
    note = models.TextField(_("note from the applicant"), blank=True)
    # The applicant agreed, when applying, to conditional acceptance and its commitment.
    commitment_offered = models.BooleanField(default=False)
    conditional = models.BooleanField(_("accepted conditionally"), default=False)
    supply_due_at = models.DateTimeField(_("missing materials due"), null=True, blank=True)
    submitted_at = models.DateTimeField(_("submitted"))
    accepted_at = models.DateTimeField(_("accepted"), null=True, blank=True)
    promised_due_at = models.DateTimeField(_("promised result by"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    result_note = models.TextField(blank=True)

    class Meta:
        ordering = ["-submitted_at", "-id"]
        verbose_name = _("application")
        verbose_name_plural = _("applications")
        indexes = [
            # Office work lists: what an office must act on, most urgent first. Not partial: SQLite
            # cannot match a partial index's condition against bound parameters. Finished rows have
            # no handler office, so the index holds little beyond open work anyway.
            models.Index(fields=["handler_office", "due_at"], name="app_worklist"),
            models.Index(fields=["accepting_office", "-submitted_at", "-id"], name="app_office_recent"),
            models.Index(fields=["supply_due_at"], name="app_supply_due", condition=Q(supply_due_at__isnull=False)),
            models.Index(fields=["villager", "-submitted_at"], name="app_villager"),
            # The figures' running day: today's decisions found by time, not by reading a county's area range.
            models.Index(fields=["finished_at"], name="app_finished"),
        ]

    def __str__(self):
        return self.number

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES


class MaterialState(models.TextChoices):
    PROVIDED = "provided", _("Provided")
    REUSED = "reused", _("Taken from records")
    MISSING = "missing", _("Missing")
    SUPPLIED = "supplied", _("Supplied later")
    NOT_APPLICABLE = "not_applicable", _("Not applicable")


class Material(models.Model):
    """One checklist line of one application: how it was provided, or that it is still missing."""

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="materials")
    spec = models.ForeignKey(MaterialSpec, on_delete=models.PROTECT, related_name="+")
    state = models.CharField(max_length=20, choices=MaterialState.choices)
    # Once-only reuse: where from, on what basis (or the villager's consent), what was taken.
    source = models.CharField(max_length=20, choices=Source.choices, blank=True)
    legal_basis = models.CharField(max_length=300, blank=True)
    consent_at = models.DateTimeField(null=True, blank=True)
    snapshot = models.JSONField(default=dict, blank=True)
    # The office's correction request when it returned the application (one notice lists them all).
    correction = models.CharField(max_length=300, blank=True)
    # A conditional material marked not applicable: why, by whom, when (the audit trail has each change).
    not_applicable_reason = models.CharField(max_length=300, blank=True)
    not_applicable_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    not_applicable_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["application", "spec__order"]
        constraints = [models.UniqueConstraint(fields=["application", "spec"], name="material_once")]

    def __str__(self):
        return self.spec.name

    @property
    def is_present(self) -> bool:
        return self.state != MaterialState.MISSING


class FileVia(models.TextChoices):
    UPLOAD = "upload", pgettext_lazy("how a file arrived", "Uploaded")
    EMAIL = "email", _("By e-mail")


class MaterialFile(models.Model):
    """A stored file (validated, images re-encoded) for a material; unsorted e-mail attachments wait for staff."""

    created_at = models.DateTimeField(auto_now_add=True)
    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="files")
    material = models.ForeignKey(Material, null=True, blank=True, on_delete=models.CASCADE, related_name="files")
    public_id = models.CharField(max_length=16, unique=True, default=public_id, editable=False)
    file = models.FileField(upload_to="applications/%Y/%m/")
    content_type = models.CharField(max_length=50)
    original_name = models.CharField(max_length=200, blank=True)
    size = models.PositiveIntegerField(default=0)
    via = models.CharField(max_length=10, choices=FileVia.choices, default=FileVia.UPLOAD)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["created_at", "id"]


class StepState(models.TextChoices):
    WAITING = "waiting", _("Waiting")
    ACTIVE = "active", _("In progress")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")
    RETURNED = "returned", _("Returned to the previous step")


class ApplicationStep(models.Model):
    """One step of one application, with its own office, clock and decision."""

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="steps")
    order = models.PositiveSmallIntegerField()
    name = models.CharField(max_length=100)
    level = models.CharField(max_length=10, choices=Level.choices)
    office = models.ForeignKey(Office, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    time_limit_days = models.PositiveSmallIntegerField()
    state = models.CharField(max_length=10, choices=StepState.choices, default=StepState.WAITING)
    started_at = models.DateTimeField(null=True, blank=True)
    due_at = models.DateTimeField(null=True, blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reason = models.TextField(blank=True)
    escalated_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["application", "order"]
        indexes = [models.Index(fields=["state", "due_at"], name="appstep_due")]


class NoticeKind(models.TextChoices):
    RETURN = "return", _("Notice of corrections (one notice listing every correction)")
    CONDITIONAL = "conditional", _("Notice of conditional acceptance")
    TERMINATION = "termination", _("Notice of termination")


class DecisionNotice(models.Model):
    """A written notice the office issued (printable as PDF); its text is kept as issued."""

    created_at = models.DateTimeField(auto_now_add=True)
    public_id = models.CharField(max_length=16, unique=True, default=public_id, editable=False)
    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="notices")
    kind = models.CharField(max_length=20, choices=NoticeKind.choices)
    office_name = models.CharField(max_length=150)
    issued_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    # [{"name", "form", "note"}]: each item to correct or supply.
    items = models.JSONField(default=list)
    deadline = models.DateTimeField(null=True, blank=True)
    message = models.TextField(blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]


class CommitmentState(models.TextChoices):
    OPEN = "open", _("Open: waiting for the materials")
    KEPT = "kept", _("Kept: materials supplied in time")
    BROKEN = "broken", _("Broken: materials not supplied in time")


class Commitment(models.Model):
    """The applicant's commitment under conditional acceptance; a broken one bars it next time."""

    created_at = models.DateTimeField(auto_now_add=True)
    application = models.OneToOneField(Application, on_delete=models.CASCADE, related_name="commitment")
    villager = models.ForeignKey(Villager, on_delete=models.CASCADE, related_name="commitments")
    # Who agreed (the villager, their helper, or station staff with the villager present) and when.
    agreed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    agreed_at = models.DateTimeField()
    text = models.TextField()
    items = models.JSONField(default=list)
    deadline = models.DateTimeField()
    state = models.CharField(max_length=10, choices=CommitmentState.choices, default=CommitmentState.OPEN)
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["villager", "state"], name="commitment_villager_state")]


class Certificate(models.Model):
    """The approval certificate. Its signature covers the stored facts, so an edited row fails too."""

    created_at = models.DateTimeField(auto_now_add=True)
    application = models.OneToOneField(Application, on_delete=models.PROTECT, related_name="certificate")
    code = models.CharField(max_length=24, unique=True)
    holder_name = models.CharField(max_length=50)  # masked
    holder_id = models.CharField(max_length=20)  # masked
    item_name = models.CharField(max_length=100)
    office_name = models.CharField(max_length=150)
    issued_at = models.DateTimeField()
    valid_until = models.DateField(null=True, blank=True)
    signature = models.CharField(max_length=64)
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_reason = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["-issued_at"]


class MailState(models.TextChoices):
    ATTACHED = "attached", _("Attached to the application")
    UNMATCHED = "unmatched", _("Could not be matched: waiting for staff")
    RESOLVED = "resolved", _("Handled by staff")


class InboundMail(models.Model):
    """Every e-mail the receiver accepted, kept whole (the raw message is stored), matched or not."""

    received_at = models.DateTimeField(auto_now_add=True, db_index=True)
    public_id = models.CharField(max_length=16, unique=True, default=public_id, editable=False)
    raw = models.FileField(upload_to="mail/%Y/%m/")
    mail_from = models.CharField(max_length=254)  # the From header's address
    envelope_from = models.CharField(max_length=254, blank=True)
    subject = models.CharField(max_length=300, blank=True)
    state = models.CharField(max_length=10, choices=MailState.choices)
    # Why it was not matched: stable codes (no_number, unknown_number, unknown_sender, closed, no_files).
    reason = models.CharField(max_length=30, blank=True)
    application = models.ForeignKey(Application, null=True, blank=True, on_delete=models.SET_NULL, related_name="mails")
    # Region of the application it names (if any), so staff see only their own county's mail.
    region_code = models.CharField(max_length=15, blank=True, db_index=True)
    report = models.JSONField(default=list, blank=True)  # per attachment: name, ok, message
    reply_sent = models.BooleanField(default=False)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    resolved_note = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["-received_at", "-id"]
        indexes = [models.Index(fields=["state", "-received_at"], name="mail_state")]
