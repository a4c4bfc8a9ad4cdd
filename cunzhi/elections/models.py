"""Village committee elections (Organic Law of the Villagers' Committees, arts. 6, 12–15).

An election runs through stages: preparing (committee, voter registration) → voter list published →
list final → candidates fixed → counted → announced → archived. The voter list is kept like a ledger:
a voter's row holds the current state and every change is a VoterChange row with its reason, never a
deletion. Counts are entered twice by different tellers and accepted only when both agree.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from cunzhi.core.models import TimeStamped, public_id
from cunzhi.people.models import Villager
from cunzhi.regions.models import Region


def default_proxy_limit() -> int:
    return int(settings.ELECTIONS_PROXY_LIMIT)


def default_women_seat() -> bool:
    return bool(settings.ELECTIONS_WOMEN_SEAT)


class Stage(models.TextChoices):
    PREPARING = "preparing", _("Preparing: committee and voter registration")
    LIST_PUBLISHED = "list_published", _("Voter list published")
    LIST_FINAL = "list_final", _("Voter list final: nominations")
    CANDIDATES = "candidates", _("Formal candidates published")
    COUNTED = "counted", _("Counted: result computed")
    ANNOUNCED = "announced", _("Result announced")
    ARCHIVED = "archived", _("Archived")


STAGE_ORDER = [s.value for s in Stage]


class Kind(models.TextChoices):
    GENERAL = "general", _("Election of the committee (换届选举)")
    BY_ELECTION = "by_election", _("By-election for vacant seats (补选)")


class Election(TimeStamped):
    public_id = models.CharField(max_length=16, unique=True, default=public_id, editable=False)
    village = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="+", verbose_name=_("village"))
    region_code = models.CharField(max_length=15, db_index=True, editable=False)
    title = models.CharField(_("title"), max_length=100)
    election_day = models.DateField(_("election day"))
    seats = models.PositiveSmallIntegerField(_("seats on the committee"))
    # The province's rule: a seat reserved for a woman (妇女委员专职专选); the composition rule (a woman
    # among the formal candidates) holds either way (art. 6).
    women_seat = models.BooleanField(_("a seat is reserved for a woman"), default=default_women_seat)
    multi_ethnic = models.BooleanField(_("multi-ethnic village"), default=False)
    proxy_limit = models.PositiveSmallIntegerField(_("most proxies one voter may hold"), default=default_proxy_limit)
    stage = models.CharField(max_length=20, choices=Stage.choices, default=Stage.PREPARING)
    list_published_on = models.DateField(null=True, blank=True)
    list_final_on = models.DateField(null=True, blank=True)
    runoff_needed = models.BooleanField(default=False)
    # The computed result (law.Outcome as JSON, first round and runoff), stored when the count is accepted.
    result = models.JSONField(default=dict, blank=True)
    announced_at = models.DateTimeField(null=True, blank=True)
    announcement = models.TextField(blank=True)
    archived_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    # A by-election (art. 19) fills vacant seats of the term of `term` (the general election that began it),
    # by the same rules; its members serve until that term ends (`term_ends_on`).
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices, default=Kind.GENERAL)
    term = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="by_elections", verbose_name=_("term")
    )
    term_ends_on = models.DateField(null=True, blank=True)
    # Art. 20: the old committee hands over seals, accounts and files within 10 days of the new one's election.
    handover_due_on = models.DateField(null=True, blank=True)
    handed_over_on = models.DateField(null=True, blank=True)
    handover_note = models.CharField(max_length=500, blank=True)
    # The text asking voters living away whether they wish to vote (art. 13); replies route here (replies.py).
    away_notice = models.ForeignKey("notify.Notice", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["-election_day", "region_code"]

    def __str__(self) -> str:
        return self.title

    def save(self, *args, **kwargs):  # type: ignore[no-untyped-def]  # Django's signature
        self.region_code = self.village.code
        super().save(*args, **kwargs)

    def stage_at_least(self, stage: str) -> bool:
        return STAGE_ORDER.index(self.stage) >= STAGE_ORDER.index(stage)


class CommitteeMember(TimeStamped):
    """A member of the village election committee (村民选举委员会), chosen by a meeting's resolution (art. 12)."""

    election = models.ForeignKey(Election, on_delete=models.PROTECT, related_name="committee")
    villager = models.ForeignKey(Villager, on_delete=models.PROTECT, related_name="+")
    is_chair = models.BooleanField(_("chair"), default=False)
    # The meeting's resolution: its reference (e.g. the meeting's title and motion), kept as text because
    # elections reads no other feature domain (the import contracts).
    resolution = models.CharField(_("resolution of the meeting that chose the member"), max_length=200)
    # The adopted motion of the meetings app that chose the member (its public id and its meeting's), when
    # the meeting was held on the platform: checked through meetings.selectors, linked on the election page.
    motion_ref = models.CharField(max_length=16, blank=True)
    meeting_ref = models.CharField(max_length=16, blank=True)
    left_on = models.DateField(null=True, blank=True)
    left_reason = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["election", "-is_chair", "id"]


class Basis(models.TextChoices):
    RESIDENT = "resident", _("Registered here and living here")
    AWAY = "away", _("Registered here, living away, wishes to vote")
    ELSEWHERE = "elsewhere", _("Registered elsewhere, living here a year or more, approved")


class AwayAnswer(models.TextChoices):
    YES = "yes", _("Wishes to vote")
    NO = "no", _("Does not wish to vote")


class Voter(TimeStamped):
    """A person on an election's voter list. `active` is the current state; VoterChange rows are its history."""

    public_id = models.CharField(max_length=16, unique=True, default=public_id, editable=False)
    election = models.ForeignKey(Election, on_delete=models.PROTECT, related_name="voters")
    region_code = models.CharField(max_length=15, db_index=True, editable=False)
    villager = models.ForeignKey(Villager, on_delete=models.PROTECT, related_name="+")
    # The ID number's blind index: one village per person across the county, without decrypting.
    id_hash = models.CharField(max_length=64, db_index=True)
    basis = models.CharField(_("basis"), max_length=10, choices=Basis.choices)
    living_here_since = models.DateField(null=True, blank=True)
    approval = models.CharField(_("villagers' meeting approval"), max_length=200, blank=True)
    active = models.BooleanField(default=True)
    # A voter living away says whether they wish to vote (art. 13), on the web or by replying to the text.
    away_answer = models.CharField(max_length=3, blank=True, choices=AwayAnswer.choices)
    away_answered_via = models.CharField(max_length=10, blank=True)  # "web", "sms" or "committee"
    away_answered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["election", "villager__name_pinyin", "id"]
        constraints = [models.UniqueConstraint(fields=["election", "villager"], name="elections_voter_once")]

    def save(self, *args, **kwargs):  # type: ignore[no-untyped-def]  # Django's signature
        self.region_code = self.election.region_code
        super().save(*args, **kwargs)


class ChangeKind(models.TextChoices):
    ADD = "add", _("Added to the list")
    REMOVE = "remove", _("Taken off the list")
    RESTORE = "restore", _("Put back on the list")


class VoterChange(models.Model):
    """One change to the voter list, with its reason (append-only)."""

    voter = models.ForeignKey(Voter, on_delete=models.PROTECT, related_name="changes")
    kind = models.CharField(max_length=10, choices=ChangeKind.choices)
    reason = models.CharField(_("reason"), max_length=300)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["voter", "at", "id"]


class ObjectionKind(models.TextChoices):
    LEFT_OFF = "left_off", _("Someone is missing from the list")
    WRONGLY_ON = "wrongly_on", _("Someone should not be on the list")


class ObjectionStatus(models.TextChoices):
    OPEN = "open", _("Waiting for the committee")
    UPHELD = "upheld", _("Upheld: the list is corrected")
    REJECTED = "rejected", _("Not upheld")


class Objection(TimeStamped):
    """An objection to the published voter list (art. 14): within 5 days; decided within 3 days."""

    public_id = models.CharField(max_length=16, unique=True, default=public_id, editable=False)
    election = models.ForeignKey(Election, on_delete=models.PROTECT, related_name="objections")
    region_code = models.CharField(max_length=15, db_index=True, editable=False)
    kind = models.CharField(_("kind"), max_length=12, choices=ObjectionKind.choices)
    villager = models.ForeignKey(Villager, on_delete=models.PROTECT, related_name="+", verbose_name=_("about"))
    text = models.CharField(_("what is wrong"), max_length=500)
    raised_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    raised_on = models.DateField()
    decide_by = models.DateField()
    status = models.CharField(max_length=10, choices=ObjectionStatus.choices, default=ObjectionStatus.OPEN)
    decision_reason = models.CharField(max_length=500, blank=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    decided_on = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["election", "raised_on", "id"]

    def save(self, *args, **kwargs):  # type: ignore[no-untyped-def]  # Django's signature
        self.region_code = self.election.region_code
        super().save(*args, **kwargs)

    @property
    def late(self) -> bool:
        """Decided after the 3 days (or still open after them): shown, never hidden."""
        return self.decided_on is not None and self.decided_on > self.decide_by


class Proxy(TimeStamped):
    """A written proxy (委托投票, art. 15) from an absent voter to a near relative who has a vote."""

    public_id = models.CharField(max_length=16, unique=True, default=public_id, editable=False)
    election = models.ForeignKey(Election, on_delete=models.PROTECT, related_name="proxies")
    region_code = models.CharField(max_length=15, db_index=True, editable=False)
    grantor = models.ForeignKey(Voter, on_delete=models.PROTECT, related_name="proxies_given")
    holder = models.ForeignKey(Voter, on_delete=models.PROTECT, related_name="proxies_held")
    relation = models.CharField(_("relation"), max_length=30)
    form_photo = models.FileField(upload_to="elections/proxies/%Y/%m/")
    active = models.BooleanField(default=True)
    withdrawn_reason = models.CharField(max_length=300, blank=True)
    registered_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["election", "holder", "id"]

    def save(self, *args, **kwargs):  # type: ignore[no-untyped-def]  # Django's signature
        self.region_code = self.election.region_code
        super().save(*args, **kwargs)


class Nomination(models.Model):
    """One name on a voter's nomination slip (海选): the voter proposes up to as many people as there are seats."""

    election = models.ForeignKey(Election, on_delete=models.PROTECT, related_name="nominations")
    nominator = models.ForeignKey(Voter, on_delete=models.PROTECT, related_name="nominations_made")
    nominee = models.ForeignKey(Voter, on_delete=models.PROTECT, related_name="nominations_received")
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["election", "id"]
        constraints = [
            models.UniqueConstraint(fields=["election", "nominator", "nominee"], name="elections_nomination_once")
        ]


class Candidate(TimeStamped):
    public_id = models.CharField(max_length=16, unique=True, default=public_id, editable=False)
    election = models.ForeignKey(Election, on_delete=models.PROTECT, related_name="candidates")
    voter = models.ForeignKey(Voter, on_delete=models.PROTECT, related_name="+")
    nominations = models.PositiveIntegerField(_("nominations"), default=0)
    minority = models.BooleanField(_("of the minority group"), default=False)
    in_runoff = models.BooleanField(default=False)
    # An elected member leaves office before the term ends: recalled (art. 16), or judged incompetent in two
    # democratic appraisals in a row (art. 33). The seat is then vacant for a by-election (art. 19).
    ceased_on = models.DateField(null=True, blank=True)
    ceased_reason = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["election", "-nominations", "id"]
        constraints = [models.UniqueConstraint(fields=["election", "voter"], name="elections_candidate_once")]

    def __str__(self) -> str:
        return self.voter.villager.name


class Station(TimeStamped):
    """A polling station or a mobile ballot box (流动票箱), with its staff and its numbered ballots."""

    public_id = models.CharField(max_length=16, unique=True, default=public_id, editable=False)
    election = models.ForeignKey(Election, on_delete=models.PROTECT, related_name="stations")
    name = models.CharField(_("name"), max_length=100)
    mobile = models.BooleanField(_("mobile ballot box"), default=False)
    staff = models.CharField(_("staff"), max_length=200, blank=True)
    ballots = models.PositiveIntegerField(_("ballots issued"), default=0)
    first_number = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["election", "mobile", "id"]


class Round(models.IntegerChoices):
    FIRST = 1, pgettext_lazy("election round", "First round")
    RUNOFF = 2, pgettext_lazy("election round", "Runoff")


class CountEntry(models.Model):
    """One teller's count of one station (append-only): accepted when two tellers' entries agree."""

    station = models.ForeignKey(Station, on_delete=models.PROTECT, related_name="entries")
    round = models.PositiveSmallIntegerField(choices=Round.choices, default=Round.FIRST)
    teller = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    returned = models.PositiveIntegerField(_("ballots returned"))
    unused = models.PositiveIntegerField(_("ballots unused"))
    invalid = models.PositiveIntegerField(_("invalid ballots"))
    votes = models.JSONField(default=dict)  # candidate public_id → votes
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["station", "round", "at", "id"]

    def numbers(self) -> dict[str, int]:
        return {"returned": self.returned, "unused": self.unused, "invalid": self.invalid, **self.votes}


class StationCount(models.Model):
    """The accepted count of a station for a round: two agreeing entries by two tellers."""

    station = models.ForeignKey(Station, on_delete=models.PROTECT, related_name="counts")
    round = models.PositiveSmallIntegerField(choices=Round.choices, default=Round.FIRST)
    first = models.ForeignKey(CountEntry, on_delete=models.PROTECT, related_name="+")
    second = models.ForeignKey(CountEntry, on_delete=models.PROTECT, related_name="+")
    accepted_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["station", "round"]
        constraints = [models.UniqueConstraint(fields=["station", "round"], name="elections_count_once")]


class RecallStatus(models.TextChoices):
    PROPOSED = "proposed", _("Proposed: the member may answer")
    RECALLED = "recalled", _("Recalled")
    NOT_RECALLED = "not_recalled", _("Not recalled")


class Recall(TimeStamped):
    """A proposal to recall an elected member (art. 16), the member's answer and the villagers' vote."""

    public_id = models.CharField(max_length=16, unique=True, default=public_id, editable=False)
    election = models.ForeignKey(Election, on_delete=models.PROTECT, related_name="recalls")
    region_code = models.CharField(max_length=15, db_index=True, editable=False)
    member = models.ForeignKey(Candidate, on_delete=models.PROTECT, related_name="recalls")
    basis = models.CharField(max_length=20)  # law.RECALL_BY_VOTERS or law.RECALL_BY_REPRESENTATIVES
    signers = models.PositiveIntegerField()  # the count of RecallSigner rows (older proposals: the count only)
    eligible = models.PositiveIntegerField()  # registered voters, or villager representatives
    reasons = models.TextField()
    answer = models.TextField(blank=True)
    registered = models.PositiveIntegerField(null=True, blank=True)
    cast = models.PositiveIntegerField(null=True, blank=True)
    in_favour = models.PositiveIntegerField(null=True, blank=True)
    status = models.CharField(max_length=15, choices=RecallStatus.choices, default=RecallStatus.PROPOSED)
    proposed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["election", "-created_at", "-id"]

    def save(self, *args, **kwargs):  # type: ignore[no-untyped-def]  # Django's signature
        self.region_code = self.election.region_code
        super().save(*args, **kwargs)


class RecallSigner(models.Model):
    """One person who signed a recall proposal: a voter on the election's list, or a villager representative,
    as the proposal's basis says (art. 16). Shown by name only."""

    recall = models.ForeignKey(Recall, on_delete=models.PROTECT, related_name="signer_rows")
    villager = models.ForeignKey(Villager, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["recall", "id"]
        constraints = [models.UniqueConstraint(fields=["recall", "villager"], name="elections_recall_signer_once")]


class NearRelative(models.Model):
    """A declared near relative (近亲属: spouse, parents, children, siblings, grandparents, grandchildren and
    the spouses of these) beyond the roster's households, which are the only kinship the people app keeps.
    Used by the proxy rule (art. 15) and the supervision committee's kinship check (art. 32). Symmetric:
    one row stands for both directions. Never deleted: a wrong declaration is withdrawn with a reason, who and
    when (and an audit row); the checks then ignore it."""

    public_id = models.CharField(max_length=16, unique=True, default=public_id, editable=False)
    region_code = models.CharField(max_length=15, db_index=True)
    villager = models.ForeignKey(Villager, on_delete=models.PROTECT, related_name="+")
    relative = models.ForeignKey(Villager, on_delete=models.PROTECT, related_name="+")
    relation = models.CharField(_("relation"), max_length=30)
    evidence = models.CharField(_("how it is known"), max_length=200)
    declared_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    at = models.DateTimeField(auto_now_add=True)
    active = models.BooleanField(default=True)
    withdrawn_reason = models.CharField(max_length=300, blank=True)
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    withdrawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["region_code", "id"]


class SupervisionMember(TimeStamped):
    """A member of the village affairs supervision committee (村务监督委员会, art. 32), chosen by the villagers'
    meeting or representatives' meeting. Not a member of the village committee nor a near relative of one."""

    public_id = models.CharField(max_length=16, unique=True, default=public_id, editable=False)
    village = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="+")
    region_code = models.CharField(max_length=15, db_index=True, editable=False)
    villager = models.ForeignKey(Villager, on_delete=models.PROTECT, related_name="+", verbose_name=_("villager"))
    is_chair = models.BooleanField(_("chair"), default=False)
    resolution = models.CharField(_("resolution of the meeting that chose the member"), max_length=200)
    since = models.DateField()
    left_on = models.DateField(null=True, blank=True)
    left_reason = models.CharField(max_length=300, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["region_code", "-is_chair", "id"]

    def save(self, *args, **kwargs):  # type: ignore[no-untyped-def]  # Django's signature
        self.region_code = self.village.code
        super().save(*args, **kwargs)


class AppraisalBody(models.TextChoices):
    VILLAGERS = "villagers", _("Villagers' meeting")
    REPRESENTATIVES = "representatives", _("Villager representatives' meeting")


class Appraisal(TimeStamped):
    """A democratic appraisal (民主评议, art. 33) of the committee's members, at least once a year, chaired by
    the supervision committee. Each member's rating is an AppraisalRating."""

    public_id = models.CharField(max_length=16, unique=True, default=public_id, editable=False)
    term = models.ForeignKey(Election, on_delete=models.PROTECT, related_name="appraisals")
    region_code = models.CharField(max_length=15, db_index=True, editable=False)
    held_on = models.DateField(_("held on"))
    body = models.CharField(_("appraised by"), max_length=16, choices=AppraisalBody.choices)
    chaired_by = models.ForeignKey(
        SupervisionMember, on_delete=models.PROTECT, related_name="+", verbose_name=_("chaired by")
    )
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["term", "held_on", "id"]

    def save(self, *args, **kwargs):  # type: ignore[no-untyped-def]  # Django's signature
        self.region_code = self.term.region_code
        super().save(*args, **kwargs)


class AppraisalRating(models.Model):
    """The ballots of one appraisal about one member: competent, basically competent, incompetent."""

    appraisal = models.ForeignKey(Appraisal, on_delete=models.PROTECT, related_name="ratings")
    member = models.ForeignKey(Candidate, on_delete=models.PROTECT, related_name="ratings")
    competent = models.PositiveIntegerField()
    basically = models.PositiveIntegerField()
    incompetent = models.PositiveIntegerField()
    judged_incompetent = models.BooleanField(default=False)

    class Meta:
        ordering = ["appraisal", "id"]
        constraints = [models.UniqueConstraint(fields=["appraisal", "member"], name="elections_rating_once")]


class AuditKind(models.TextChoices):
    TERM = "term", _("End-of-term economic audit")
    LEAVING = "leaving", _("Leaving-office economic audit")


class OfficeAudit(TimeStamped):
    """The economic responsibility audit of a member at the end of the term or on leaving office (art. 35),
    organised by the township with the village's democratic financial management group; its result is
    published (before the next election, for the end of a term)."""

    public_id = models.CharField(max_length=16, unique=True, default=public_id, editable=False)
    term = models.ForeignKey(Election, on_delete=models.PROTECT, related_name="audits")
    region_code = models.CharField(max_length=15, db_index=True, editable=False)
    member = models.ForeignKey(Candidate, on_delete=models.PROTECT, related_name="audits")
    kind = models.CharField(_("kind"), max_length=10, choices=AuditKind.choices)
    auditor = models.CharField(_("audited by"), max_length=200)
    findings = models.TextField(_("findings"))
    published_on = models.DateField()
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["term", "published_on", "id"]

    def save(self, *args, **kwargs):  # type: ignore[no-untyped-def]  # Django's signature
        self.region_code = self.term.region_code
        super().save(*args, **kwargs)
