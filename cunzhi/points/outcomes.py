"""Points proposed from real outcomes in the platform (issue 16; domain.md "against formalism"): a volunteer
activity whose hours the organiser confirmed, a villagers' meeting attended (in person or remotely), a training
session attended (checked in at the desk), a public
report or suggestion the household raised and confirmed resolved. Never log-ins, clicks, time online or uploads.

Each village says which adopted item each outcome proposes (Adoption.outcome); a proposal is an ordinary
declaration waiting for the review group, then posted for objections, then counted. The job reads the other
domains' selectors — plain rows, never their models (the one door the "features" contract leaves open,
pyproject.toml) — and proposes each outcome once (Entry.source is unique).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import override

from cunzhi.concerns.selectors import resolved_public_since
from cunzhi.learning.selectors import attended_since as trained_since
from cunzhi.meetings.selectors import attended_since
from cunzhi.organisations.selectors import confirmed_participations
from cunzhi.points import services
from cunzhi.points.models import Adoption, ItemStatus, Outcome

# Outcomes are looked for this far back: a job that did not run for a while still proposes what happened.
LOOKBACK = dt.timedelta(days=45)


def _rows(outcome: str, since: dt.datetime) -> list[dict[str, Any]]:
    if outcome == Outcome.ACTIVITY:
        return [
            {
                "key": f"activity:{p.key}",
                "village_code": p.village_code,
                "household_id": p.household_id,
                "villager_id": p.villager_id,
                "day": p.day,
                "text": _("%(title)s, %(hours)s hours (confirmed by %(org)s)")
                % {"title": p.title, "hours": p.hours, "org": p.organisation},
                "proposer": p.organisation,
            }
            for p in confirmed_participations(since=since)
        ]
    if outcome == Outcome.MEETING:
        return [
            r | {"text": _("Attended: %(title)s") % {"title": r["title"]}, "proposer": _("Meeting attendance")}
            for r in attended_since(since=since)
        ]
    if outcome == Outcome.TRAINING:
        # Checked in at the session (the trainer's desk): held, not just announced — only sessions already begun.
        return [
            r | {"text": _("Attended training: %(title)s") % {"title": r["title"]}, "proposer": _("Training")}
            for r in trained_since(since=since, until=timezone.now())
        ]
    return [
        r | {"text": _("Concern %(number)s confirmed resolved") % {"number": r["title"]}, "proposer": _("Concerns")}
        for r in resolved_public_since(since=since)
    ]


def propose_from_outcomes(*, now: dt.datetime | None = None) -> int:
    """Propose points for every outcome of the last LOOKBACK that a village's rule proposes from; returns how
    many proposals were made (the job, hourly)."""
    now = now or timezone.now()
    since = now - LOOKBACK
    adoptions = list(
        Adoption.objects.filter(active=True, item__status=ItemStatus.APPROVED)
        .exclude(outcome="")
        .select_related("item", "village")
    )
    by_outcome: dict[str, dict[str, Adoption]] = {}
    for a in adoptions:
        by_outcome.setdefault(a.outcome, {})[a.region_code] = a
    made = 0
    # Texts are stored once, in the product's language (the board shows them as written).
    with override("zh-hans"):
        for outcome, villages in by_outcome.items():
            for row in _rows(outcome, since):
                adoption = villages.get(row["village_code"])
                if adoption is None or row["household_id"] is None:
                    continue
                entry = services.entry_propose_from_outcome(
                    adoption=adoption,
                    household_id=row["household_id"],
                    villager_id=row["villager_id"],
                    occurred_on=row["day"],
                    description=row["text"],
                    source=row["key"],
                    proposer=row["proposer"],
                )
                made += entry is not None
    return made
