"""The audit actions of ledger, with what a person reads for each (core/events.py)."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from cunzhi.core.events import register


@register
class LedgerEvent(models.TextChoices):
    LEDGER_ENTRY_APPEND = "ledger.entry.append", _("Entry recorded")
    LEDGER_ENTRY_REVERSE = "ledger.entry.reverse", _("Entry reversed")
    LEDGER_PERIOD_CLOSE = "ledger.period.close", _("Period closed")
