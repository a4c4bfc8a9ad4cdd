"""The village ledger: append-only, hash-chained entries per village, signed-off periods, and the
county's witness log of every sign-off.

Every entry stores the hash of the one before it in the same village and its own hash over its
content; a period's sign-off stores the chain head (sequence number and hash) at that moment, and
the same head goes into the county's witness log, sealed with a key kept outside the database. A
row changed directly in the database no longer matches its hash, and a chain rewritten to hide
it no longer matches the witnessed heads (nor the full head printed in the notice's QR code).
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from cunzhi.core.models import public_id
from cunzhi.regions.models import Region


class Direction(models.TextChoices):
    INCOME = "income", _("Income")
    EXPENDITURE = "expenditure", _("Expenditure")


class FinanceCategory(models.TextChoices):
    """The eight categories of financial disclosure (domain.md)."""

    PLAN = "plan", _("Financial plan")
    INCOME = "income", _("Income")
    EXPENDITURE = "expenditure", _("Expenditure")
    ASSETS = "assets", _("Assets")
    RESOURCES = "resources", _("Resources")
    DEBTS = "debts", _("Debts")
    DISTRIBUTION = "distribution", _("Income distribution")
    OTHER = "other", _("Other")


class AppendOnly(Exception):
    """Raised when code tries to change or delete a ledger entry: corrections are reversing entries."""


class Chain(models.Model):
    """The head of one village's chain: locked while appending so sequence numbers never collide."""

    village = models.OneToOneField(Region, on_delete=models.PROTECT, related_name="+")
    region_code = models.CharField(max_length=15, db_index=True)
    head_seq = models.PositiveIntegerField(default=0)
    head_hash = models.CharField(max_length=64, default="0" * 64)
    # chain.head_seal of (village, head_seq, head_hash): a head moved outside the ledger does not match.
    head_seal = models.CharField(max_length=64, blank=True)
    balance_fen = models.BigIntegerField(default=0)
    # Every date up to this day is closed (the last signed-off period's end): no entry may be dated there.
    closed_through = models.DateField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["region_code"]


class Entry(models.Model):
    """One income or expenditure. Never updated, never deleted: see `AppendOnly`."""

    public_id = models.CharField(max_length=16, unique=True, default=public_id, editable=False)
    village = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="+", verbose_name=_("village"))
    region_code = models.CharField(max_length=15, editable=False)
    seq = models.PositiveIntegerField(_("number"))
    date = models.DateField(_("date"))
    direction = models.CharField(_("income or expenditure"), max_length=12, choices=Direction.choices)
    category = models.CharField(_("category"), max_length=12, choices=FinanceCategory.choices)
    # Integer fen. Positive for what the user records; a reversing entry carries the negated amount
    # of the entry it corrects, under the same direction and category, so totals come out right.
    amount_fen = models.BigIntegerField(_("amount (fen)"))
    counterparty = models.CharField(_("counterparty"), max_length=100)
    payee = models.ForeignKey(
        "people.Villager",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("paid to villager"),
    )
    # The payee's stable identity (the keyed blind index of their ID number) when recorded; the hash
    # covers it, and verification compares it with the payee's row in the people table.
    payee_key = models.CharField(max_length=64, blank=True, editable=False)
    purpose = models.CharField(_("purpose"), max_length=300)
    reverses = models.OneToOneField(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="reversed_by",
        verbose_name=_("reverses entry"),
    )
    vouchers_digest = models.CharField(max_length=64, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")
    recorded_by_name = models.CharField(max_length=50)
    recorded_at = models.DateTimeField()
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64)

    # Not stored: what this reader may see, set by selectors.entries_mask (period_report sets the first).
    public_counterparty: str
    public_purpose: str
    payee_visible: bool

    class Meta:
        ordering = ["region_code", "seq"]
        verbose_name = _("ledger entry")
        verbose_name_plural = _("ledger entries")
        constraints = [models.UniqueConstraint(fields=["region_code", "seq"], name="ledger_entry_seq_unique")]
        indexes = [
            models.Index(fields=["region_code", "date"], name="ledger_entry_date"),
            models.Index(fields=["payee", "date"], name="ledger_entry_payee"),
        ]

    def __str__(self):
        return f"#{self.seq} {self.date} {self.amount_fen}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise AppendOnly("ledger entries are append-only; record a reversing entry")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnly("ledger entries are never deleted; record a reversing entry")


class Voucher(models.Model):
    """A photo or scan of the receipt behind an entry; its SHA-256 is part of the entry's hash."""

    entry = models.ForeignKey(Entry, on_delete=models.PROTECT, related_name="vouchers")
    file = models.FileField(upload_to="ledger/%Y/%m/")
    content_type = models.CharField(max_length=50)
    sha256 = models.CharField(max_length=64)
    original_name = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["entry", "id"]


class PeriodKind(models.TextChoices):
    MONTH = "month", _("Month")
    QUARTER = "quarter", _("Quarter")


class Period(models.Model):
    """A month or quarter closed by the supervision committee's sign-off, recording the chain head."""

    public_id = models.CharField(max_length=16, unique=True, default=public_id, editable=False)
    village = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="+")
    region_code = models.CharField(max_length=15, db_index=True, editable=False)
    kind = models.CharField(_("period"), max_length=8, choices=PeriodKind.choices)
    start = models.DateField(_("from"))
    end = models.DateField(_("to"))
    signed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")
    signed_by_name = models.CharField(max_length=50)
    signed_at = models.DateTimeField()
    comment = models.TextField(_("comment"), blank=True)
    head_seq = models.PositiveIntegerField()
    head_hash = models.CharField(max_length=64)
    # Figures at sign-off, so the disclosure and the paper notice can be checked against them.
    income_fen = models.BigIntegerField(default=0)
    expenditure_fen = models.BigIntegerField(default=0)
    closing_balance_fen = models.BigIntegerField(default=0)

    # Not stored: the columns other domains add to the periods page (readers.period_columns), set by that page.
    reader_cells: list[str]

    class Meta:
        ordering = ["region_code", "-start"]
        constraints = [models.UniqueConstraint(fields=["village", "start", "end"], name="ledger_period_unique")]

    def __str__(self):
        return f"{self.start:%Y-%m-%d}–{self.end:%Y-%m-%d}"

    def save(self, *args, **kwargs):
        self.region_code = self.village.code
        super().save(*args, **kwargs)


class WitnessLog(models.Model):
    """The head of one county's witness log: locked while appending; its seal fixes the log's length."""

    county_code = models.CharField(max_length=6, unique=True)
    head_seq = models.PositiveIntegerField(default=0)
    head_mac = models.CharField(max_length=64, default="0" * 64)
    seal = models.CharField(max_length=64)  # chain.log_seal of (county, head_seq, head_mac)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["county_code"]


class WitnessedHead(models.Model):
    """One village's chain head as its supervision committee signed it off, in the county's log.

    The log is append-only and keyed: each record's MAC (chain.witness_mac, with settings.
    LEDGER_WITNESS_KEY) covers its content and the record before it, so a village's ledger rewritten
    and recomputed in the database no longer matches what the county witnessed, and the log itself
    cannot be rewritten to follow without the key. Records name villages and periods by content
    (codes, dates, public ids), never by database ids.
    """

    county_code = models.CharField(max_length=6)
    seq = models.PositiveIntegerField()  # position in the county's log
    village_code = models.CharField(max_length=15, db_index=True)
    period_id = models.CharField(max_length=16)  # the Period's public id
    start = models.DateField()
    end = models.DateField()
    head_seq = models.PositiveIntegerField()
    head_hash = models.CharField(max_length=64)
    signed_by_name = models.CharField(max_length=50)
    signed_at = models.DateTimeField()
    prev_mac = models.CharField(max_length=64)
    mac = models.CharField(max_length=64)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["county_code", "seq"]
        constraints = [models.UniqueConstraint(fields=["county_code", "seq"], name="ledger_witness_seq_unique")]

    def __str__(self):
        return f"{self.county_code}#{self.seq} {self.village_code} {self.start}–{self.end} #{self.head_seq}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise AppendOnly("the witness log is append-only")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnly("the witness log is append-only")
