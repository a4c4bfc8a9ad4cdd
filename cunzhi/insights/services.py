"""Writing the daily roll-ups: recompute any day or range; idempotent (a day's rows are replaced whole).

Each additive indicator's domain selector is asked for one day over the whole country (prefix ""),
grouped by the 12-digit village code: one grouped query per indicator and day. Only finished days are
stored (before today, local time): the running day is always counted directly (selectors.py), so a
figure never counts a case twice and never misses today's.

Cohort figures settle: a concern dispatched on 1 March may be resolved in April, which changes the
1 March row. The nightly job therefore recomputes a trailing window (INSIGHTS_ROLLUP_DAYS, 120 days
by default); older days can be recomputed at any time with `manage.py insights_rollup`.
"""

import datetime as dt
import random
import re
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from functools import partial
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import F, Min, Sum, Value
from django.db.models.functions import Substr, TruncMonth, TruncQuarter, TruncYear
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from cunzhi.core import periods
from cunzhi.core.audit import audit_record
from cunzhi.core.links import absolute_url
from cunzhi.insights import cases
from cunzhi.insights.events import InsightsEvent
from cunzhi.insights.models import (
    SCALE,
    SURVEY_ITEMS,
    MonthProblem,
    MonthRollup,
    Rollup,
    SurveyAnswer,
    SurveyChannel,
    SurveyInvite,
)
from cunzhi.insights.registry import Indicator, indicators
from cunzhi.insights.stored import DEPTHS, VILLAGE_LENGTH, day_bounds, population_key
from cunzhi.notify.services import notice_send
from cunzhi.people import selectors as people
from cunzhi.people.actors import Actor, User
from cunzhi.people.models import Villager
from cunzhi.people.selectors import adults_in
from cunzhi.regions.models import Level, Region

Figures = dict[str, tuple[int, int | None]]  # child code -> (numerator, denominator)

# The kinds of calendar period a distinct count is stored for (core.periods' frequencies).
GRAINS = {"m": periods.MONTHLY, "q": periods.QUARTERLY, "y": periods.YEARLY}
# The PostgreSQL advisory lock that puts two roll-ups' rebuilding of the same spans one after the other.
SPANS_LOCK = 17_0006


def _collect(
    key: str, compute: Callable[..., Figures], first: dt.date, stop: dt.date, now: dt.datetime, out: list[Rollup]
) -> None:
    """The indicator's rows for the days [first, stop): a span with nothing to count is skipped in one
    query, one with cases is halved until single days remain, so sparse history costs few queries."""
    start, end = day_bounds(first)[0], day_bounds(stop)[0]
    found = compute(prefix="", length=VILLAGE_LENGTH, start=start, end=end)
    if not any(num or den for num, den in found.values()):
        return
    if (stop - first).days == 1:
        out.extend(
            Rollup(region_code=code, day=first, indicator=key, numerator=num or 0, denominator=den, computed_at=now)
            for code, (num, den) in found.items()
            if num or den  # an empty cell writes no row: the sum of nothing is 0 of 0
        )
        return
    middle = first + dt.timedelta(days=(stop - first).days // 2)
    _collect(key, compute, first, middle, now, out)
    _collect(key, compute, middle, stop, now, out)


def _first_times(ind: Indicator, first: dt.date, stop: dt.date, now: dt.datetime, out: list[Rollup]) -> None:
    """A distinct count's rows for the days [first, stop), per kind of period (month, quarter, year): on each
    day, per village, those counted for the first time in that day's period. A period's count is then the sum
    of its days, as for every other figure. One grouped query per period touched."""
    assert ind.events is not None
    for grain, frequency in GRAINS.items():
        for p_first, p_last in periods.periods_between(frequency, first, stop - dt.timedelta(days=1)):
            p_stop = p_last + dt.timedelta(days=1)
            lo, hi = max(p_first, first), min(p_stop, stop)
            # Who was first counted when, from the period's start up to the last day written: an earlier moment
            # in the period, before `lo`, puts that person on a day already stored, not on these.
            rows = (
                ind.events(
                    prefix="", start=day_bounds(p_first)[0], end=day_bounds(hi)[0], period_end=day_bounds(p_stop)[0]
                )
                .filter(who__isnull=False)
                .values("who", "code")
                .annotate(first_at=Min("at"))
                .order_by()
            )
            found: dict[tuple[str, dt.date], int] = defaultdict(int)
            for r in rows:
                day = timezone.localtime(r["first_at"]).date()
                if day >= lo:
                    found[r["code"][:VILLAGE_LENGTH], day] += 1
            key = f"{ind.key}@{grain}"
            out.extend(
                Rollup(region_code=code, day=day, indicator=key, numerator=n, denominator=None, computed_at=now)
                for (code, day), n in found.items()
            )


def _populations(first: dt.date, stop: dt.date) -> list[MonthRollup]:
    """The N of the distinct rates for every month the days [first, stop) touch, per code at three depths: the
    households as they are now, and the adults on the day after the month (the N of a period ending with it).
    Stored so that a county's page does not count half a million people; one grouped query per month."""
    households = people.households_by(prefix="", length=VILLAGE_LENGTH)
    rows: list[MonthRollup] = []
    for m_first, m_last in periods.periods_between(periods.MONTHLY, first, stop - dt.timedelta(days=1)):
        adults = people.adults_by(prefix="", length=VILLAGE_LENGTH, on=m_last + dt.timedelta(days=1))
        for kind, found in (("households", households), ("adults", adults)):
            for depth in DEPTHS:
                summed: dict[str, int] = defaultdict(int)
                for code, n in found.items():
                    summed[code[:depth]] += n
                rows.extend(
                    MonthRollup(region_code=k, depth=depth, month=m_first, indicator=population_key(kind), numerator=n)
                    for k, n in summed.items()
                )
    return rows


def _months(first: dt.date, stop: dt.date, populations: list[MonthRollup]) -> None:
    """Rebuild the month rows (three depths) of every month the days [first, stop) touch, from the daily rows."""
    m_first = first.replace(day=1)
    m_stop = periods.month_bounds(stop - dt.timedelta(days=1))[1] + dt.timedelta(days=1)
    MonthRollup.objects.filter(months=1, month__gte=m_first, month__lt=m_stop).delete()
    rows: list[MonthRollup] = list(populations)
    for depth in DEPTHS:
        summed = (
            Rollup.objects.filter(day__gte=m_first, day__lt=m_stop)
            .values("indicator", k=Substr("region_code", 1, depth), m=TruncMonth("day"))
            .annotate(depth=Value(depth), n=Sum("numerator"), d=Sum("denominator"))
            .order_by()
        )
        rows.extend(_summed(summed, months=1))
    MonthRollup.objects.bulk_create(rows, batch_size=2000)
    _spans(m_first, m_stop)


def _summed(rows: Iterable[Mapping[str, Any]], *, months: int) -> Iterable[MonthRollup]:
    """Month (or span) rows from grouped sums: indicator, code `k`, depth, first day `m`, sums `n` and `d`."""
    for r in rows:
        yield MonthRollup(
            region_code=r["k"],
            depth=r["depth"],
            month=r["m"].date() if isinstance(r["m"], dt.datetime) else r["m"],
            months=months,
            indicator=r["indicator"],
            numerator=r["n"],
            denominator=r["d"],
        )


# Spans stored beside the months (models.MonthRollup.months): their length in months, their kind of period,
# the function that finds the first month of the span holding a month, and the rows they are summed from (a
# year from its four quarters, built just before: a third of the rows of its months).
SPANS = {3: (periods.QUARTERLY, TruncQuarter, 1), 12: (periods.YEARLY, TruncYear, 3)}


def _spans(m_first: dt.date, m_stop: dt.date) -> None:
    """Rebuild the quarter and year rows of every span the months [m_first, m_stop) touch: the sums of their
    months (a year: of its quarters), those written by this run and those already stored. Two roll-ups of
    different halves of one year (a backfill in parallel) would each miss the other's months: on PostgreSQL
    they take turns here, and the second, after the first has committed, reads both halves."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [SPANS_LOCK])
    for length, (frequency, trunc, parts) in SPANS.items():
        s_first = periods.period_bounds(frequency, m_first)[0]
        s_stop = periods.period_bounds(frequency, m_stop - dt.timedelta(days=1))[1] + dt.timedelta(days=1)
        MonthRollup.objects.filter(months=length, month__gte=s_first, month__lt=s_stop).delete()
        summed = (
            MonthRollup.objects.filter(months=parts, month__gte=s_first, month__lt=s_stop)
            .exclude(indicator__startswith=population_key(""))  # a head count per month, not a sum
            .values("depth", "indicator", k=F("region_code"), m=trunc("month"))
            .annotate(n=Sum("numerator"), d=Sum("denominator"))
            .order_by()
        )
        MonthRollup.objects.bulk_create(_summed(summed, months=length), batch_size=2000)


def rollup_range(first: dt.date, last: dt.date) -> tuple[int, int]:
    """Replace the roll-up rows of every finished day from `first` to `last` (inclusive), and the month rows
    of their months, in one transaction; returns (days, daily rows). The running day is never stored (it is
    counted directly)."""
    last = min(last, timezone.localdate() - dt.timedelta(days=1))
    if last < first:
        return 0, 0
    stop = last + dt.timedelta(days=1)
    now = timezone.now()
    rows: list[Rollup] = []
    for ind in indicators():
        if ind.additive:
            _collect(ind.key, ind.compute, first, stop, now, rows)
        elif ind.events is not None:
            _first_times(ind, first, stop, now, rows)
    for what in cases.FLAGS:
        _collect(what, partial(cases.flag_counts, what), first, stop, now, rows)
    populations = _populations(first, stop)
    with transaction.atomic():
        Rollup.objects.filter(day__gte=first, day__lt=stop).delete()
        Rollup.objects.bulk_create(rows, batch_size=2000)
        _months(first, stop, populations)
    return (stop - first).days, len(rows)


def rollup_day(day: dt.date) -> int:
    """Replace the roll-up rows of one finished day; returns the number of rows written."""
    return rollup_range(day, day)[1]


def rollup_nightly() -> str:
    """The periodic job: the trailing window up to yesterday (cohort figures settle over weeks)."""
    window = int(getattr(settings, "INSIGHTS_ROLLUP_DAYS", 120))
    yesterday = timezone.localdate() - dt.timedelta(days=1)
    days, rows = rollup_range(yesterday - dt.timedelta(days=window - 1), yesterday)
    return f"{days} days, {rows} rows"


# ------------------------------------------------------------------------------ the villagers' survey

# Adults drawn by lot per village and quarter. With the ~1,000 people of a village, 40 asked give the 10
# answers results need (selectors.SURVEY_MIN) even when only a quarter of them answer.
SURVEY_SAMPLE = 40
SURVEY_REPLY = "insights.survey"  # the reply handler of the survey's texts (replies.py)


def survey_round_start(
    *,
    quarter: str,
    villages: Iterable[Region] | None = None,
    size: int = SURVEY_SAMPLE,
    rng: random.Random | None = None,
    now: dt.datetime | None = None,
) -> int:
    """Draw adults by lot in each village and ask them (inbox, and a text they may answer by reply);
    a village already asked this quarter is left alone. Returns how many were asked."""
    periods.label_bounds(quarter)  # refuses a malformed quarter
    if "-Q" not in quarter:
        raise ValueError(_("A survey round is for one quarter, e.g. 2026-Q3."))
    rng = rng or random.SystemRandom()  # a lot nobody can predict or arrange
    villages = Region.objects.filter(level=Level.VILLAGE).order_by("code") if villages is None else villages
    asked = 0
    for village in villages:
        if SurveyInvite.objects.filter(quarter=quarter, region_code=village.code).exists():
            continue
        adults = sorted(adults_in(region=village).values_list("pk", flat=True))
        chosen = sorted(rng.sample(adults, min(size, len(adults))))
        if not chosen:
            continue
        with transaction.atomic():
            notice = notice_send(
                kind="direct",
                villager_ids=chosen,
                region_code=village.code,
                template="insights_survey",
                context={"quarter": quarter, "village": village.name},
                link=absolute_url(reverse("insights:survey")),
                reply_handler=SURVEY_REPLY,
                now=now,
            )
            SurveyInvite.objects.bulk_create(
                SurveyInvite(quarter=quarter, villager_id=pk, region_code=village.code, notice=notice) for pk in chosen
            )
        asked += len(chosen)
    return asked


def survey_scores_parse(text: str) -> list[int | None]:
    """Seven scores from a text ("4 5 3 2 4 5 5", "4532455", "4，5，3…"); raises ValidationError otherwise."""
    digits = re.sub(r"[\s,，、.。;；/]+", "", text or "")
    if len(digits) != SURVEY_ITEMS or any(ch not in "12345" for ch in digits):
        raise ValidationError(_("Answer with seven numbers from 1 to 5, one for each question, e.g. 4532455."))
    return [int(ch) for ch in digits]


def survey_answer(
    *, invite: SurveyInvite, scores: list[int | None], channel: str = SurveyChannel.WEB, actor: Actor = None
) -> SurveyAnswer:
    """Keep one anonymous answer and mark the invitation answered; a second answer is refused, nothing changed."""
    if len(scores) != SURVEY_ITEMS or any(s is not None and s not in SCALE for s in scores):
        raise ValidationError(_("Each answer is a number from 1 to 5."))
    if all(s is None for s in scores):
        raise ValidationError(_("Answer at least one question."))
    with transaction.atomic():
        # The conditional update is the lock: of two answers at once, only one finds the invitation open.
        if not SurveyInvite.objects.filter(pk=invite.pk, answered=False).update(answered=True):
            raise ValidationError(_("You have already answered this quarter's survey. Thank you."))
        answer = SurveyAnswer.objects.create(
            quarter=invite.quarter, region_code=invite.region_code, channel=channel, scores=scores
        )
        # The audit row says that the invitation was answered — never what was answered.
        audit_record(actor=actor, action=InsightsEvent.SURVEY_ANSWER, obj=invite, region_code=invite.region_code)
    invite.answered = True
    return answer


def survey_invite_open(*, villager: Villager, quarter: str) -> SurveyInvite | None:
    """The villager's unanswered invitation of the quarter, if they were drawn."""
    return SurveyInvite.objects.filter(villager=villager, quarter=quarter, answered=False).first()


def survey_nightly() -> str:
    """The periodic job: start the running quarter's round in every village not yet asked (idempotent)."""
    return f"{survey_round_start(quarter=periods.current_quarter())} asked"


# Those drawn get this long to answer before the periodic job reminds them (INSIGHTS_SURVEY_REMIND_DAYS).
SURVEY_REMIND_DAYS = 14


def survey_remind(
    *,
    quarter: str,
    region: Region | None = None,
    waited: dt.timedelta | None = None,
    actor: Actor = None,
    now: dt.datetime | None = None,
) -> int:
    """Remind, once, everyone drawn for the quarter (in `region`, if given) who has not answered and was asked
    at least `waited` ago; returns how many were reminded. One notice per village, through notify's direct
    strategy: the inbox and e-mail of account holders, a text to those without an account where their
    number consented (notify.consent). Nobody is ever reminded twice: the invitations are claimed under a
    row lock inside the transaction that sends, so two runs at once (the job and a staff member) cannot
    both take the same person."""
    periods.label_bounds(quarter)  # refuses a malformed quarter
    if "-Q" not in quarter:
        raise ValueError(_("A survey round is for one quarter, e.g. 2026-Q3."))
    now = now or timezone.now()
    due = SurveyInvite.objects.filter(quarter=quarter, answered=False, reminder__isnull=True, reminded_at__isnull=True)
    if region is not None:
        due = due.filter(region_code__under=region.prefix)
    if waited is not None:
        due = due.filter(created_at__lte=now - waited)
    codes = sorted(set(due.values_list("region_code", flat=True)))
    names = dict(Region.objects.filter(code__in=codes).values_list("code", "name"))
    reminded = 0
    for code in codes:
        with transaction.atomic():
            # The lock (PostgreSQL; SQLite's IMMEDIATE transactions serialise writers) makes a concurrent run
            # wait, then re-read the row and find it reminded: per person, once.
            chosen = list(
                due.filter(region_code=code).select_for_update().order_by("pk").values_list("pk", "villager_id")
            )
            if not chosen:
                continue
            notice = notice_send(
                kind="direct",
                sender=actor,
                villager_ids=[v for _pk, v in chosen],
                region_code=code,
                template="insights_survey_reminder",
                context={"quarter": quarter, "village": names.get(code, code)},
                link=absolute_url(reverse("insights:survey")),
                reply_handler=SURVEY_REPLY,
                now=now,
            )
            SurveyInvite.objects.filter(pk__in=[pk for pk, _v in chosen]).update(reminder=notice, reminded_at=now)
            audit_record(
                actor=actor,
                action=InsightsEvent.SURVEY_REMIND,
                obj=notice,
                region_code=code,
                after={"quarter": quarter, "reminded": len(chosen)},
            )
        reminded += len(chosen)
    return reminded


def survey_remind_nightly() -> str:
    """The periodic job: remind, once, those drawn this quarter who have not answered after the waiting days."""
    days = int(getattr(settings, "INSIGHTS_SURVEY_REMIND_DAYS", SURVEY_REMIND_DAYS))
    return f"{survey_remind(quarter=periods.current_quarter(), waited=dt.timedelta(days=days))} reminded"


# ------------------------------------------------------------------------------ problem of the month


def problem_pick(
    *, actor: User, region: Region, month: dt.date, category_code: str, place_code: str, note: str = ""
) -> MonthProblem:
    """Make one category in one place the region's problem of the month; the month's choice may be changed."""
    if not place_code.startswith(region.prefix):
        raise ValidationError(_("Choose a place in this region."))
    month = month.replace(day=1)
    with transaction.atomic():
        problem, _created = MonthProblem.objects.update_or_create(
            region_code=region.code,
            month=month,
            defaults={"category_code": category_code, "place_code": place_code, "note": note[:300], "chosen_by": actor},
        )
        audit_record(
            actor=actor,
            action=InsightsEvent.PROBLEM_PICK,
            obj=problem,
            region_code=region.code,
            after={"month": f"{month:%Y-%m}", "category": category_code, "place": place_code},
        )
    return problem
