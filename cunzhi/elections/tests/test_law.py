"""Art. 15's arithmetic, against an independent reference written another way: the reference decides each
candidate's fate by counting who beats them, never by sorting and slicing."""

import datetime as dt
from fractions import Fraction

from hypothesis import given
from hypothesis import strategies as st

from cunzhi.elections import law


def reference_first_round(registered, cast, votes, seats, women, women_seat):
    """Returns (valid, set elected, empty seats, women seat open)."""
    if not (registered > 0 and 2 * cast > registered):
        return False, set(), seats, False
    majority = {c for c, n in votes.items() if 2 * n > cast}
    elected = set()
    for c in majority:
        better = sum(1 for d in majority if votes[d] > votes[c])
        tied = sum(1 for d in majority if votes[d] == votes[c])
        # c holds a seat when everyone at or above its count fits in the seats
        if better + tied <= seats:
            elected.add(c)
    women_open = False
    if women_seat and not (elected & set(women)):
        # the woman with the most votes, then the first by name (the law module's order)
        cands = sorted((c for c in majority - elected if c in women), key=lambda c: (-votes[c], c))
        best_woman = cands[0] if cands else None
        if len(elected) == seats:
            lowest = min(elected, key=lambda c: (votes[c], [-ord(ch) for ch in c]))
            elected.discard(lowest)
        if best_woman is not None:
            elected.add(best_woman)
        else:
            women_open = True
    return True, elected, seats - len(elected), women_open


@st.composite
def contests(draw):
    seats = draw(st.integers(3, 7))
    n = draw(st.integers(seats + 1, min(10, 2 * seats)))
    cands = list("ABCDEFGHIJ")[:n]
    registered = draw(st.integers(1, 2000))
    cast = draw(st.integers(0, registered))
    votes = {c: draw(st.integers(0, cast)) for c in cands}
    women = draw(st.lists(st.sampled_from(cands), unique=True, max_size=3))
    return registered, cast, votes, seats, women, draw(st.booleans())


@given(contests())
def test_first_round_matches_reference(contest):
    registered, cast, votes, seats, women, women_seat = contest
    got = law.first_round(
        registered=registered, cast=cast, votes=votes, seats=seats, women=women, women_seat=women_seat
    )
    valid, elected, empty, women_open = reference_first_round(registered, cast, votes, seats, women, women_seat)
    assert got.valid == valid
    assert set(got.elected) == elected
    assert got.empty_seats == empty
    assert got.women_seat_open == women_open
    # Laws that hold whatever the counts:
    assert len(got.elected) <= seats
    assert all(2 * votes[c] > cast for c in got.elected)
    if got.valid and women_seat and got.elected and not got.women_seat_open:
        assert set(got.elected) & set(women)
    assert not set(got.runoff) & set(got.elected)
    if got.empty_seats and got.runoff:
        assert len(got.runoff) >= min(got.empty_seats + 1, len(votes) - len(got.elected))


@given(contests(), st.integers(1, 3), st.booleans())
def test_runoff_needs_a_third(contest, empty, women_open):
    registered, cast, votes, _seats, women, _ws = contest
    got = law.runoff(
        registered=registered, cast=cast, votes=votes, empty_seats=empty, women=women, women_seat_open=women_open
    )
    if not 2 * cast > registered:
        assert not got.valid and got.elected == ()
        return
    assert len(got.elected) <= empty
    assert all(3 * votes[c] >= cast for c in got.elected)
    # reference: everyone with a third who is strictly beaten by fewer than the free seats is elected
    enough = {c for c in votes if 3 * votes[c] >= cast}
    if not women_open:
        ref = {c for c in enough if sum(1 for d in enough if votes[d] >= votes[c]) <= empty}
        assert set(got.elected) == ref
    else:
        assert got.women_seat_open == (not (enough & set(women)))


def test_examples():
    # 1000 voters, 600 cast: A 400, B 350, C 310 (>300), D 290, E 100; 3 seats, no woman rule
    o = law.first_round(registered=1000, cast=600, votes={"A": 400, "B": 350, "C": 310, "D": 290, "E": 100}, seats=3)
    assert o.valid and o.elected == ("A", "B", "C") and o.empty_seats == 0
    # turnout exactly half: not valid
    assert not law.first_round(registered=1000, cast=500, votes={"A": 500}, seats=3).valid
    # exactly half the votes is not a majority: C stays out, runoff among C, D
    o = law.first_round(registered=1000, cast=600, votes={"A": 400, "B": 350, "C": 300, "D": 290}, seats=3)
    assert o.elected == ("A", "B") and o.empty_seats == 1 and o.runoff == ("C", "D")
    # women's seat: no woman with a majority keeps the third seat for a runoff among women
    o = law.first_round(
        registered=1000,
        cast=600,
        votes={"A": 400, "B": 350, "C": 310, "W": 200, "D": 100},
        seats=3,
        women=["W"],
        women_seat=True,
    )
    assert o.elected == ("A", "B") and o.women_seat_open and "W" in o.runoff
    r = law.runoff(
        registered=1000,
        cast=600,
        votes={"C": 250, "W": 200, "D": 150},
        empty_seats=1,
        women=["W"],
        women_seat_open=True,
    )
    assert r.elected == ("W",) and r.empty_seats == 0
    # a runoff winner needs a third: 199 of 600 is not enough
    r = law.runoff(registered=1000, cast=600, votes={"C": 199, "D": 150}, empty_seats=1)
    assert r.elected == () and r.empty_seats == 1


@given(st.integers(0, 3000), st.integers(0, 3000), st.integers(0, 3000))
def test_recall_vote_matches_reference(registered, cast, in_favour):
    # reference: in fractions, never integer doubling
    from fractions import Fraction

    ok = 0 <= in_favour <= cast <= registered and registered > 0
    expected = (
        ok and Fraction(cast, registered) > Fraction(1, 2) and (cast > 0 and Fraction(in_favour, cast) > Fraction(1, 2))
    )
    assert law.recall_passes(registered=registered, cast=cast, in_favour=in_favour) == expected


@given(st.sampled_from(["voters", "representatives"]), st.integers(0, 500), st.integers(1, 500))
def test_recall_proposal_matches_reference(basis, signers, eligible):
    from fractions import Fraction

    share = Fraction(1, 5) if basis == "voters" else Fraction(1, 3)
    expected = signers <= eligible and Fraction(signers, eligible) >= share
    assert law.recall_proposal_valid(basis=basis, signers=signers, eligible=eligible) == expected


def test_recall_examples():
    assert law.recall_proposal_valid(basis="voters", signers=200, eligible=1000)
    assert not law.recall_proposal_valid(basis="voters", signers=199, eligible=1000)
    assert law.recall_proposal_valid(basis="representatives", signers=10, eligible=30)
    assert not law.recall_passes(registered=1000, cast=500, in_favour=500)  # exactly half voted
    assert not law.recall_passes(registered=1000, cast=600, in_favour=300)  # exactly half in favour
    assert law.recall_passes(registered=1000, cast=600, in_favour=301)


# -------------------------------- democratic appraisal (art. 33)


@given(st.integers(0, 500), st.integers(0, 500), st.integers(0, 500))
def test_judged_incompetent_is_more_than_half_of_the_ballots(competent, basically, incompetent):
    total = competent + basically + incompetent
    expected = total > 0 and Fraction(incompetent, total) > Fraction(1, 2)
    assert law.judged_incompetent(competent=competent, basically=basically, incompetent=incompetent) == expected


@given(st.lists(st.booleans(), max_size=12))
def test_office_ends_after_two_incompetent_appraisals_in_a_row(judgements):
    # reference: walk the appraisals counting the current run of "incompetent"
    run, ended = 0, False
    for judged in judgements:
        run = run + 1 if judged else 0
        ended = ended or run >= 2
    assert law.office_ends(judgements) == ended


def test_appraisal_worked_examples():
    assert not law.judged_incompetent(competent=5, basically=0, incompetent=5)  # half is not more than half
    assert law.judged_incompetent(competent=2, basically=2, incompetent=5)
    assert not law.office_ends([True, False, True])
    assert law.office_ends([False, True, True])
    assert law.vacancies(seats=5, sitting=3) == 2 and law.vacancies(seats=3, sitting=3) == 0
    assert law.handover_due(dt.date(2026, 3, 1)) == dt.date(2026, 3, 11)
    assert law.term_ends(dt.date(2024, 2, 29)) == dt.date(2029, 2, 28)
