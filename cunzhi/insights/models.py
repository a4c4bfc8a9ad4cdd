"""Stored daily roll-ups: per region code, day and indicator, the counts a rate is made of — never a rate.

A week, a month, a township or the county is the SUM of these rows (numerators and denominators added
separately), so a rate over a longer period or a larger area is never an average of rates.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Rollup(models.Model):
    # The village (or, for a township or county office's own cases, that region's code): 12 digits.
    region_code = models.CharField(_("area code"), max_length=12)
    day = models.DateField(_("day"))
    indicator = models.CharField(_("indicator"), max_length=40)
    numerator = models.PositiveIntegerField(_("numerator"), default=0)
    # None for counts (participants, households), a number for rates.
    denominator = models.PositiveIntegerField(_("denominator"), null=True, blank=True)
    computed_at = models.DateTimeField(_("computed at"))

    class Meta:
        verbose_name = _("daily roll-up")
        verbose_name_plural = _("daily roll-ups")
        constraints = [
            models.UniqueConstraint(fields=["indicator", "day", "region_code"], name="insights_rollup_unique"),
        ]
        # The figures page reads "this indicator, these days, codes under this prefix".
        indexes = [models.Index(fields=["day", "region_code"], name="insights_rollup_day_code")]

    def __str__(self) -> str:
        return f"{self.region_code} {self.day} {self.indicator}: {self.numerator}/{self.denominator}"
