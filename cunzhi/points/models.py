"""Points-based participation (积分制): the township's catalogue, each village's rule and adopted items, and
the entries of points, kept like a ledger.

An entry is declared, reviewed, posted for objections, then counted; once counted it is never changed (a
correction is a new entry), and a balance is the sum of counted entries. Every change is an audit row.
"""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from cunzhi.core.models import TimeStamped, public_id
from cunzhi.people.models import Household, Role, Villager
from cunzhi.regions.models import Region


class Sign(models.TextChoices):
    POSITIVE = "positive", _("Earns points")
    NEGATIVE = "negative", _("Deducts points")


class ItemStatus(models.TextChoices):
    PROPOSED = "proposed", _("Waiting for the township")
    APPROVED = "approved", _("In the catalogue")
    REFUSED = "refused", _("Refused by the township")


class Item(TimeStamped):
    """One item of a township's catalogue (village=None), or a village's own item for the township's approval.

    `points` is the township's default; a village adopting the item chooses within [min_points, max_points].
    Points are stored as positive numbers: `sign` says whether an entry of the item adds or deducts.
    """

    public_id = models.CharField(max_length=16, unique=True, default=public_id, editable=False)
    township = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="+", verbose_name=_("township"))
    region_code = models.CharField(max_length=15, db_index=True, editable=False)
    village = models.ForeignKey(
        Region, null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("village")
    )
    title = models.CharField(_("item"), max_length=100)
    sign = models.CharField(_("kind"), max_length=10, choices=Sign.choices, default=Sign.POSITIVE)
    points = models.PositiveSmallIntegerField(_("points"))
    min_points = models.PositiveSmallIntegerField(_("fewest points a village may set"))
    max_points = models.PositiveSmallIntegerField(_("most points a village may set"))
    evidence = models.CharField(_("evidence asked"), max_length=200, blank=True)
    # Most points one holder may get from this item in a calendar year; 0 = no cap.
    yearly_cap = models.PositiveIntegerField(_("yearly cap per holder"), default=0)
    status = models.CharField(max_length=10, choices=ItemStatus.choices, default=ItemStatus.APPROVED)
    decided_reason = models.CharField(max_length=300, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["region_code", "sign", "title"]

    def __str__(self) -> str:
        return self.title

    def save(self, *args, **kwargs):  # type: ignore[no-untyped-def]  # Django's signature
        self.region_code = (self.village or self.township).code
        super().save(*args, **kwargs)


class Holder(models.TextChoices):
    HOUSEHOLD = "household", _("The household (usual practice)")
    PERSON = "person", _("Each person")


def default_review_roles() -> list[str]:
    # domain.md: "the village committees and representatives review".
    return [Role.CADRE, Role.PARTY_SECRETARY, Role.REPRESENTATIVE]


class YearEnd(models.TextChoices):
    CARRY = "carry", _("Carried over to the next year")
    RESET = "reset", _("Reset to zero at the year's close")


class VillageRule(TimeStamped):
    """How a village runs points: who holds them, the one-time base grant, who reviews, the objection period."""

    village = models.OneToOneField(Region, on_delete=models.PROTECT, related_name="+", verbose_name=_("village"))
    region_code = models.CharField(max_length=15, db_index=True, editable=False)
    holder = models.CharField(_("points belong to"), max_length=10, choices=Holder.choices, default=Holder.HOUSEHOLD)
    base_grant = models.PositiveSmallIntegerField(_("one-time base points"), default=0)
    exclude_away = models.BooleanField(_("leave out households whose members all live away"), default=False)
    objection_days = models.PositiveSmallIntegerField(_("days for objections"), default=7)
    review_roles = models.JSONField(_("review group"), default=default_review_roles)
    year_end = models.CharField(
        _("at the year's close, points are"), max_length=5, choices=YearEnd.choices, default=YearEnd.CARRY
    )
    closed_years = models.JSONField(default=list, blank=True)  # years already closed (services.year_close)
    # Commendation, never shaming (issue 16): an optional monthly red list of the households that earned most
    # (0 = the village keeps none) and the annual commendation list, both from counted points earned for items.
    red_list_size = models.PositiveSmallIntegerField(_("households on the monthly red list (0: none)"), default=0)
    commend_size = models.PositiveSmallIntegerField(_("households commended each year"), default=10)

    class Meta:
        ordering = ["region_code"]

    def save(self, *args, **kwargs):  # type: ignore[no-untyped-def]  # Django's signature
        self.region_code = self.village.code
        super().save(*args, **kwargs)


class Outcome(models.TextChoices):
    """Real outcomes in the platform an adopted item may be proposed from (never log-ins, clicks, time online)."""

    ACTIVITY = "activity", _("A volunteer activity, hours confirmed by the organiser")
    MEETING = "meeting", _("A villagers' meeting attended, in person or remotely")
    TRAINING = "training", _("A training session attended (checked in at the desk)")
    CONCERN = "concern", _("A public report or suggestion the household raised, confirmed resolved")


class Adoption(TimeStamped):
    """A village's rule for one catalogue item: its own points (within the township's bounds) and cap."""

    village = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="+")
    region_code = models.CharField(max_length=15, db_index=True, editable=False)
    item = models.ForeignKey(Item, on_delete=models.PROTECT, related_name="adoptions")
    points = models.PositiveSmallIntegerField(_("points"))
    yearly_cap = models.PositiveIntegerField(_("yearly cap per holder"), default=0)
    active = models.BooleanField(pgettext_lazy("points", "in use"), default=True)
    # Proposed automatically from this outcome (points/outcomes.py); the proposal is reviewed like any other.
    outcome = models.CharField(_("proposed from"), max_length=10, choices=Outcome.choices, blank=True)
    # A serious violation: a counted deduction of this item suspends the household's redemption for the
    # current and the next year (domain.md; the village's rule says which items are serious).
    suspends_redemption = models.BooleanField(_("suspends redemption this year and next"), default=False)

    class Meta:
        ordering = ["region_code", "item__sign", "item__title"]
        constraints = [
            models.UniqueConstraint(fields=["village", "item"], name="points_adoption_once"),
            models.UniqueConstraint(
                fields=["village", "outcome"], condition=~models.Q(outcome=""), name="points_adoption_outcome_once"
            ),
        ]

    def save(self, *args, **kwargs):  # type: ignore[no-untyped-def]  # Django's signature
        self.region_code = self.village.code
        super().save(*args, **kwargs)

    @property
    def signed_points(self) -> int:
        return self.points if self.item.sign == Sign.POSITIVE else -self.points


class Goods(TimeStamped):
    """Goods of a points supermarket, with their price in points and the stock on the shelf.

    The shop is a village's, or a township's serving several of its villages (`village` is then the township:
    TownshipShop says which villages it serves). The shop keeps stock, not money: goods bought or donated that
    cost money go to the village ledger.
    """

    public_id = models.CharField(max_length=16, unique=True, default=public_id, editable=False)
    village = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="+")  # the shop's region
    region_code = models.CharField(max_length=15, db_index=True, editable=False)
    name = models.CharField(_("goods"), max_length=100)
    points = models.PositiveIntegerField(_("price in points"))
    stock = models.PositiveIntegerField(_("in stock"), default=0)
    active = models.BooleanField(pgettext_lazy("points", "in use"), default=True)

    class Meta:
        ordering = ["region_code", "points", "name"]
        constraints = [models.UniqueConstraint(fields=["village", "name"], name="points_goods_name_once")]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs):  # type: ignore[no-untyped-def]  # Django's signature
        self.region_code = self.village.code
        super().save(*args, **kwargs)


class EntryKind(models.TextChoices):
    EARNED = "earned", _("Earned or deducted for an item")
    BASE = "base", _("Base grant")
    REDEMPTION = "redemption", _("Redeemed at the points supermarket")
    CORRECTION = "correction", pgettext_lazy("points", "Correction")
    CLOSE = "close", _("Yearly close (points reset)")


class EntryStatus(models.TextChoices):
    DECLARED = "declared", _("Waiting for the review group")
    REJECTED = "rejected", pgettext_lazy("points", "Rejected")
    POSTED = "posted", _("Posted for objections")
    OBJECTED = "objected", _("Objection being decided")
    COUNTED = "counted", _("Counted")
    OVERTURNED = "overturned", _("Overturned on objection")


class Entry(TimeStamped):
    """One line of a holder's points: signed points with their reason, review and posting.

    Counted entries are never changed or deleted (a correction is a new entry); a balance is their sum.
    """

    public_id = models.CharField(max_length=16, unique=True, default=public_id, editable=False)
    village = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="+")
    region_code = models.CharField(max_length=15, db_index=True, editable=False)
    household = models.ForeignKey(Household, on_delete=models.PROTECT, related_name="+")
    # The person who holds the points where the village's rule gives them to persons; else None.
    person = models.ForeignKey(Villager, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=12, choices=EntryKind.choices, default=EntryKind.EARNED)
    adoption = models.ForeignKey(Adoption, null=True, blank=True, on_delete=models.PROTECT, related_name="entries")
    points = models.IntegerField(_("points"))  # signed: deductions and redemptions are negative
    year = models.PositiveSmallIntegerField(db_index=True)
    occurred_on = models.DateField(_("when"))
    description = models.CharField(_("what was done"), max_length=500, blank=True)
    evidence = models.FileField(upload_to="points/%Y/%m/", blank=True)
    status = models.CharField(max_length=10, choices=EntryStatus.choices, default=EntryStatus.DECLARED)
    declared_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    declared_by_name = models.CharField(max_length=50, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reviewed_by_name = models.CharField(max_length=50, blank=True)
    review_reason = models.CharField(_("reason"), max_length=500, blank=True)
    reviewed_at = models.DateTimeField(null=True, blank=True)
    objection_until = models.DateTimeField(null=True, blank=True, db_index=True)  # stored when posted
    counted_at = models.DateTimeField(null=True, blank=True)
    corrects = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    # The outcome a proposal came from ("activity:<id>:<villager>", "meeting:…", "concern:…"): proposed once.
    source = models.CharField(max_length=80, blank=True)
    # A redemption at the counter: which goods and how many (stock was deducted in the same transaction).
    goods = models.ForeignKey(Goods, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    quantity = models.PositiveSmallIntegerField(default=0)
    # The holder's balance right after a redemption, for its receipt: later entries must not change a receipt.
    balance_after = models.IntegerField(null=True, blank=True)

    # Set by selectors for pages (not fields): the household's name as the public may see it.
    shown_household: str

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["region_code", "status", "-created_at"], name="points_entry_board"),
            models.Index(fields=["household", "status"], name="points_entry_household"),
            # The figures' running day (counted today) without a county scan.
            models.Index(fields=["counted_at"], name="points_entry_counted"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["source"], condition=~models.Q(source=""), name="points_entry_source_once")
        ]

    def save(self, *args, **kwargs):  # type: ignore[no-untyped-def]  # Django's signature
        self.region_code = self.village.code
        super().save(*args, **kwargs)

    @property
    def title(self) -> str:
        if self.adoption_id:
            return self.adoption.item.title  # type: ignore[union-attr]  # adoption_id set
        return str(self.get_kind_display())  # type: ignore[attr-defined]  # Django's choices display

    @property
    def open_for_objection(self) -> bool:
        return (
            self.status == EntryStatus.POSTED
            and self.objection_until is not None
            and timezone.now() < self.objection_until
        )


class ObjectionStatus(models.TextChoices):
    OPEN = "open", _("Being decided")
    UPHELD = "upheld", _("Upheld: the points do not count")
    DISMISSED = "dismissed", _("Dismissed: the points count")


class Objection(TimeStamped):
    """A villager's objection to posted points, with its decision and reason (both public on the board)."""

    public_id = models.CharField(max_length=16, unique=True, default=public_id, editable=False)
    entry = models.ForeignKey(Entry, on_delete=models.PROTECT, related_name="objections")
    region_code = models.CharField(max_length=15, db_index=True, editable=False)
    raised_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    raised_by_name = models.CharField(max_length=50)
    reason = models.CharField(_("reason"), max_length=500)
    status = models.CharField(max_length=10, choices=ObjectionStatus.choices, default=ObjectionStatus.OPEN)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_by_name = models.CharField(max_length=50, blank=True)
    decision_reason = models.CharField(max_length=500, blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "id"]

    def save(self, *args, **kwargs):  # type: ignore[no-untyped-def]  # Django's signature
        self.region_code = self.entry.region_code
        super().save(*args, **kwargs)


class ShopKeeper(TimeStamped):
    """Runs a points supermarket counter (issue 16): redeems goods for points and nothing else — no reviewing, no
    awarding, no rules, no goods prices. Named by the village's cadres (or, for a township shop, by the township's
    points office); removed by them."""

    village = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="+")  # the shop's region
    region_code = models.CharField(max_length=15, db_index=True, editable=False)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    added_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["region_code", "id"]
        constraints = [models.UniqueConstraint(fields=["village", "user"], name="points_shopkeeper_once")]

    def save(self, *args, **kwargs):  # type: ignore[no-untyped-def]  # Django's signature
        self.region_code = self.village.code
        super().save(*args, **kwargs)


class GoodsReceipt(TimeStamped):
    """Goods that came into the points supermarket: donated, or bought with the village's money. The shop keeps
    the stock; the money goes to the village ledger (an expenditure with its voucher, `ledger_entry`), which
    stands alone — points calls the ledger's services, the ledger knows nothing of points."""

    goods = models.ForeignKey(Goods, on_delete=models.PROTECT, related_name="receipts")
    region_code = models.CharField(max_length=15, db_index=True, editable=False)
    quantity = models.PositiveIntegerField(_("quantity"))
    donated = models.BooleanField(_("donated"), default=False)
    cost_fen = models.BigIntegerField(_("cost (fen)"), default=0)
    supplier = models.CharField(_("bought from or donated by"), max_length=100)
    ledger_entry = models.CharField(max_length=16, blank=True)  # the ledger entry's public id, when bought
    received_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["-created_at", "-id"]

    def save(self, *args, **kwargs):  # type: ignore[no-untyped-def]  # Django's signature
        self.region_code = self.goods.region_code
        super().save(*args, **kwargs)


class TownshipShop(TimeStamped):
    """A township's points supermarket serving several of its villages (issue 16): its goods and shop-keepers
    are the township's (Goods.village and ShopKeeper.village name the township). Each village's points rule still
    applies at its counter: balances stay per household, suspensions per village rule."""

    township = models.OneToOneField(Region, on_delete=models.PROTECT, related_name="+")
    region_code = models.CharField(max_length=15, db_index=True, editable=False)
    # The village codes it serves; empty: every village of the township.
    serves = models.JSONField(default=list, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["region_code"]

    def save(self, *args, **kwargs):  # type: ignore[no-untyped-def]  # Django's signature
        self.region_code = self.township.code
        super().save(*args, **kwargs)


class Commendation(TimeStamped):
    """A village's annual commendation list as generated and posted through disclosure (issue 16). A published
    disclosure is never rewritten: generating again after the points changed makes a new revision with its own
    post (saying it replaces the earlier one); unchanged, it returns the posted one."""

    village = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="+")
    region_code = models.CharField(max_length=15, db_index=True, editable=False)
    year = models.PositiveSmallIntegerField()
    revision = models.PositiveSmallIntegerField(default=1)
    rows = models.JSONField(default=list)  # [{"rank", "name" (masked), "points", "items"}]
    post_id = models.CharField(max_length=16, blank=True)  # the disclosure post's public id
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["region_code", "-year", "-revision"]
        constraints = [models.UniqueConstraint(fields=["village", "year", "revision"], name="points_commendation_once")]

    def save(self, *args, **kwargs):  # type: ignore[no-untyped-def]  # Django's signature
        self.region_code = self.village.code
        super().save(*args, **kwargs)
