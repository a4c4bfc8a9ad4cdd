"""Stored daily roll-ups: per region code, day and indicator, the counts a rate is made of — never a rate.

A week, a month, a township or the county is the SUM of these rows (numerators and denominators added
separately), so a rate over a longer period or a larger area is never an average of rates.
"""

from django.conf import settings
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


class MonthRollup(models.Model):
    """The daily rows summed per month at three depths, written with them (services.rollup_range): per
    county (6-digit code prefix), per township (9) and per daily row's own code (12: a village, or an
    office's own cases). The figures page reads a county's table from its townships' month rows and its
    trends from its own: tens of rows instead of the hundreds of thousands of daily rows of a year.

    A month row holds the stored days only (finished days, before the day it was written); the running
    day is counted directly, as for the daily rows.

    Quarters and years are stored too (`months` 3 and 12, `month` their first day), as sums of their month
    rows: at ten times a county, a year's flags of 3,000 villages are 21,000 rows instead of 250,000. A
    month's N (the population rows) is not summed over a span: it is a head count, not a count of cases."""

    region_code = models.CharField(_("area code"), max_length=12)  # the code prefix at `depth` digits
    depth = models.PositiveSmallIntegerField(_("digits"))  # 6, 9 or 12
    month = models.DateField(_("month"))  # its first day
    months = models.PositiveSmallIntegerField(_("months"), default=1)  # 1, 3 (a quarter) or 12 (a year)
    indicator = models.CharField(_("indicator"), max_length=40)
    numerator = models.PositiveBigIntegerField(_("numerator"), default=0)
    denominator = models.PositiveBigIntegerField(_("denominator"), null=True, blank=True)

    class Meta:
        verbose_name = _("monthly roll-up")
        verbose_name_plural = _("monthly roll-ups")
        constraints = [
            models.UniqueConstraint(
                fields=["depth", "months", "month", "indicator", "region_code"], name="insights_month_span_unique"
            ),
        ]
        indexes = [
            # A table, a flag list or a span is "these indicators, this month (or span), codes under this
            # prefix": on PostgreSQL read from this index alone, the sums included (a county's running quarter
            # of flags at ten times: 23 ms with an index by indicator first, 7 ms). SQLite has no included
            # columns and skips it; the unique constraint's index, in the same order, serves it there.
            models.Index(
                fields=["depth", "months", "month", "indicator", "region_code"],
                include=["numerator", "denominator"],
                name="insights_month_by_span",
            ),
            # A place's 12-month lines (selectors.monthly_series): one code, every indicator, a range of months.
            models.Index(fields=["depth", "months", "region_code", "month"], name="insights_month_series"),
        ]

    def __str__(self) -> str:
        return (
            f"{self.region_code} {self.month:%Y-%m}+{self.months} {self.indicator}: {self.numerator}/{self.denominator}"
        )


# ------------------------------------------------------------------------------ the villagers' survey

# The seven items (issue 17): plain words, each answered on a 5-point scale (1 = not at all … 5 = fully).
SURVEY_ITEMS = 7
SCALE = range(1, 6)


class SurveyInvite(models.Model):
    """One adult drawn by lot for one quarter's survey: the only row that knows who was asked.

    It records THAT the person answered (one answer per person per quarter), never WHAT: the answer row
    carries no link back to the person, so results are anonymous.
    """

    quarter = models.CharField(_("quarter"), max_length=7)  # "2026-Q2"
    villager = models.ForeignKey("people.Villager", on_delete=models.CASCADE, related_name="+")
    region_code = models.CharField(max_length=15, db_index=True)  # the village's code
    # The notice that asked (its reply code routes the text answer back here: notify.sms).
    notice = models.ForeignKey("notify.Notice", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    answered = models.BooleanField(default=False)
    # The one reminder to someone who had not answered (services.survey_remind): never a second. Its notice
    # has the survey's reply code too, so a reply to the reminder answers like a reply to the question.
    reminder = models.ForeignKey("notify.Notice", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    reminded_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["quarter", "region_code", "pk"]
        constraints = [models.UniqueConstraint(fields=["quarter", "villager"], name="insights_invite_once")]

    def __str__(self) -> str:
        return f"{self.quarter} {self.region_code} #{self.pk}"


class SurveyChannel(models.TextChoices):
    WEB = "web", _("web")
    SMS = "sms", _("text message")


class SurveyAnswer(models.Model):
    """One anonymous answer: the village, the quarter, the seven scores (None: left out). No person, no time
    of day (the day alone would let a clerk match an answer to the one text received that minute)."""

    quarter = models.CharField(_("quarter"), max_length=7)
    region_code = models.CharField(max_length=15)
    channel = models.CharField(max_length=5, choices=SurveyChannel.choices)
    scores = models.JSONField(default=list)  # seven integers 1–5 or null

    class Meta:
        ordering = ["quarter", "region_code", "pk"]
        indexes = [models.Index(fields=["quarter", "region_code"], name="insights_answer_scope")]

    def __str__(self) -> str:
        return f"{self.quarter} {self.region_code}"


# ------------------------------------------------------------------------------ problem of the month


class MonthProblem(models.Model):
    """The month's problem (每月一题) a county or township picked: one concern category in one place; the
    figures page then follows how its concerns are resolved."""

    region_code = models.CharField(max_length=15)  # the county (or township) that picked it
    month = models.DateField(_("month"))  # its first day
    category_code = models.CharField(_("category"), max_length=40)
    place_code = models.CharField(_("place"), max_length=15)  # a village's (or township's) code
    note = models.CharField(_("why this one"), max_length=300, blank=True)
    chosen_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-month", "region_code"]
        constraints = [models.UniqueConstraint(fields=["region_code", "month"], name="insights_problem_once")]

    def __str__(self) -> str:
        return f"{self.region_code} {self.month:%Y-%m} {self.category_code}@{self.place_code}"


# The questions in plain words (issue 17), in the order of the scores. The texts' short form is in
# templates/notify/messages/insights_survey.*.txt.
SURVEY_QUESTIONS = [
    _("If I raise a problem, someone deals with it."),
    _("I know where the village money goes."),
    _("I can take part in village decisions."),
    _("Village notices reach me in time."),
    _("The village committee treats everyone fairly."),
    _("Overall, I am satisfied with how the village is run."),
    _("Life here has got better for me (sense of gain)."),
]
