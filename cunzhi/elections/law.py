"""The arithmetic of the Organic Law of the Villagers' Committees for an election, as pure functions.

Art. 15 (2018 text): the election is valid only if more than half of the registered voters vote; a
candidate is elected with more than half of the votes of those who voted; seats left empty are filled
by a further round among the next candidates, whose winner needs at least one third of the ballots
cast. Art. 6: the committee has 3–7 members and includes a woman. Where the province reserves a seat
for women (妇女委员专职专选 or a guaranteed seat), a woman who reached a majority takes the last seat
before a man who did; when none did, that seat stays empty for a round among women.

No database, no clock: `first_round` and `runoff` take counts and return who is elected, so they are
tested against an independent reference (tests/test_law.py) over random counts.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

MIN_SEATS, MAX_SEATS = 3, 7


@dataclass(frozen=True)
class Outcome:
    valid: bool  # turnout above half of registered voters (art. 15)
    elected: tuple[str, ...]  # in order of votes, highest first
    empty_seats: int
    women_seat_open: bool  # one of the empty seats is for a woman
    runoff: tuple[str, ...] = field(default=())  # the candidates of the next round, in order of votes


def turnout_valid(*, registered: int, cast: int) -> bool:
    """More than half of the registered voters voted (art. 15)."""
    return registered > 0 and cast * 2 > registered


def _ranked(votes: Mapping[str, int]) -> list[str]:
    return sorted(votes, key=lambda c: (-votes[c], c))


def _take(ranked: list[str], votes: Mapping[str, int], seats: int) -> list[str]:
    """The first `seats` of `ranked`, leaving out a group tied across the last seat (they go to the runoff)."""
    if len(ranked) <= seats:
        return list(ranked)
    boundary = votes[ranked[seats]]
    return [c for c in ranked[:seats] if votes[c] != boundary]


def first_round(
    *,
    registered: int,
    cast: int,
    votes: Mapping[str, int],
    seats: int,
    women: Sequence[str] = (),
    women_seat: bool = False,
) -> Outcome:
    """Who is elected in the first round, and who stands in the runoff for the seats left empty."""
    if not turnout_valid(registered=registered, cast=cast):
        return Outcome(valid=False, elected=(), empty_seats=seats, women_seat_open=False)
    majority = [c for c in _ranked(votes) if votes[c] * 2 > cast]
    elected = _take(majority, votes, seats)
    women_set = set(women)
    open_for_woman = False
    if women_seat and not women_set.intersection(elected):
        woman = next((c for c in majority if c in women_set and c not in elected), None)
        if len(elected) == seats:
            elected.pop()  # the last man's seat is the women's seat
        if woman is not None:
            elected.append(woman)
        else:
            open_for_woman = True
    empty = seats - len(elected)
    rest = [c for c in _ranked(votes) if c not in elected]
    return Outcome(
        valid=True,
        elected=tuple(elected),
        empty_seats=empty,
        women_seat_open=open_for_woman,
        runoff=tuple(runoff_candidates(rest=rest, empty=empty, women=women_set if open_for_woman else set())),
    )


def runoff_candidates(*, rest: list[str], empty: int, women: set[str]) -> list[str]:
    """The runoff's candidates: the next by first-round votes, one more than the empty seats up to twice
    as many (the law's 差额 for a further round); when a seat is a woman's, the best-placed woman stands."""
    if empty <= 0:
        return []
    chosen = rest[: max(empty + 1, min(2 * empty, len(rest)))]
    if women and not women.intersection(chosen):
        best = next((c for c in rest if c in women), None)
        if best is not None:
            chosen = [*chosen[:-1], best] if len(chosen) > empty else [*chosen, best]
    return chosen


def runoff(
    *,
    registered: int,
    cast: int,
    votes: Mapping[str, int],
    empty_seats: int,
    women: Sequence[str] = (),
    women_seat_open: bool = False,
) -> Outcome:
    """The further round for the empty seats: the most votes win, with at least one third of the ballots
    cast (art. 15); a seat kept for a woman goes only to a woman."""
    if not turnout_valid(registered=registered, cast=cast):
        return Outcome(valid=False, elected=(), empty_seats=empty_seats, women_seat_open=women_seat_open)
    enough = [c for c in _ranked(votes) if votes[c] * 3 >= cast]
    women_set = set(women)
    elected: list[str] = []
    still_open = women_seat_open
    if women_seat_open:
        woman = next((c for c in enough if c in women_set), None)
        if woman is not None:
            elected.append(woman)
            still_open = False
    others = [c for c in enough if c not in elected]
    free = empty_seats - len(elected) - (1 if still_open else 0)
    elected += _take(others, votes, max(free, 0))
    return Outcome(
        valid=True,
        elected=tuple(elected),
        empty_seats=empty_seats - len(elected),
        women_seat_open=still_open,
    )


# ---------------------------------------------------------------- recall (art. 16)

RECALL_BY_VOTERS = "voters"  # proposed by at least a fifth of the registered voters
RECALL_BY_REPRESENTATIVES = "representatives"  # or by at least a third of the villager representatives


def recall_proposal_valid(*, basis: str, signers: int, eligible: int) -> bool:
    """Art. 16: a recall is proposed by ≥ 1/5 of the voters or ≥ 1/3 of the villager representatives."""
    if eligible <= 0 or signers < 0 or signers > eligible:
        return False
    if basis == RECALL_BY_VOTERS:
        return signers * 5 >= eligible
    if basis == RECALL_BY_REPRESENTATIVES:
        return signers * 3 >= eligible
    return False


def recall_passes(*, registered: int, cast: int, in_favour: int) -> bool:
    """Art. 16: more than half of the registered voters vote, and more than half of those voting are in favour."""
    return registered > 0 and 0 <= in_favour <= cast <= registered and cast * 2 > registered and in_favour * 2 > cast


# ---------------------------------------------------------------- democratic appraisal (art. 33)


def judged_incompetent(*, competent: int, basically: int, incompetent: int) -> bool:
    """A member is judged incompetent (不称职) in an appraisal when more than half of the ballots say so
    (the common provincial rule; the law leaves the count to the provinces)."""
    total = competent + basically + incompetent
    return min(competent, basically, incompetent) >= 0 and total > 0 and incompetent * 2 > total


def office_ends(judgements: Sequence[bool]) -> bool:
    """Art. 33: a member judged incompetent in two appraisals in a row leaves office. `judgements` are the
    member's appraisals in the order they were held (True: judged incompetent)."""
    return any(a and b for a, b in itertools.pairwise(judgements))


# ---------------------------------------------------------------- the term and by-elections (arts. 11, 19, 20)

TERM_YEARS = 5  # art. 11
HANDOVER_DAYS = 10  # art. 20: the work is handed over within 10 days of the new committee's election


def vacancies(*, seats: int, sitting: int) -> int:
    """Seats a by-election may fill (art. 19): the committee's seats less its sitting members."""
    return max(seats - sitting, 0)


def handover_due(elected_on: dt.date) -> dt.date:
    """Art. 20: the handover is done within 10 days of the new committee's election (that day not counted)."""
    return elected_on + dt.timedelta(days=HANDOVER_DAYS)


def term_ends(election_day: dt.date) -> dt.date:
    """Art. 11: five years from election day (29 February falls on 28 February)."""
    try:
        return election_day.replace(year=election_day.year + TERM_YEARS)
    except ValueError:
        return election_day.replace(year=election_day.year + TERM_YEARS, day=28)


def appraisal_due(last: dt.date) -> dt.date:
    """Art. 33: appraised at least once a year: the next appraisal by a year after the last (or the election)."""
    try:
        return last.replace(year=last.year + 1)
    except ValueError:
        return last.replace(year=last.year + 1, day=28)
