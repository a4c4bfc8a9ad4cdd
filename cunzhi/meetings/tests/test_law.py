"""The law's arithmetic (村民委员会组织法 arts. 21–28): quorum per body and mode, the passing threshold,
petitions, notice period, and which body may decide a reserved matter. Pure functions, no database."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cunzhi.meetings import law
from cunzhi.meetings.models import Basis, Body, Matter, PetitionKind, QuorumMode


@pytest.mark.parametrize("n,need", [(0, 1), (1, 1), (2, 2), (3, 2), (4, 3), (100, 51), (101, 51), (1000, 501)])
def test_more_than_half_is_strictly_more(n, need):
    assert law.more_than_half(n) == need


@pytest.mark.parametrize(
    "n,need", [(1, 1), (2, 2), (3, 2), (4, 3), (6, 4), (9, 6), (10, 7), (15, 10), (30, 20), (31, 21)]
)
def test_two_thirds_includes_the_boundary(n, need):
    assert law.at_least_fraction(n, 2, 3) == need


def modes(body, members, present, households=0, households_present=0):
    return {
        m.mode: m
        for m in law.quorum_modes(
            body=body, members=members, present=present, households=households, households_present=households_present
        )
    }


def test_villagers_meeting_needs_more_than_half_of_adults():
    assert not modes(Body.VILLAGERS, 100, 50)[QuorumMode.PERSONS].met
    assert modes(Body.VILLAGERS, 100, 51)[QuorumMode.PERSONS].met
    assert not modes(Body.VILLAGERS, 101, 50)[QuorumMode.PERSONS].met
    assert modes(Body.VILLAGERS, 101, 51)[QuorumMode.PERSONS].met
    assert modes(Body.VILLAGERS, 100, 48)[QuorumMode.PERSONS].short == 3


def test_villagers_meeting_or_two_thirds_of_households_by_their_representative():
    m = modes(Body.VILLAGERS, 100, 20, households=30, households_present=19)
    assert not m[QuorumMode.HOUSEHOLDS].met
    m = modes(Body.VILLAGERS, 100, 20, households=30, households_present=20)
    assert m[QuorumMode.HOUSEHOLDS].met and not m[QuorumMode.PERSONS].met
    met, mode = law.quorum_reached(body=Body.VILLAGERS, basis=Basis.PERSONS, modes=list(m.values()))
    assert met and mode == QuorumMode.HOUSEHOLDS  # either mode is enough


def test_when_both_modes_hold_the_meetings_own_basis_is_named():
    m = list(modes(Body.VILLAGERS, 100, 60, households=30, households_present=25).values())
    assert law.quorum_reached(body=Body.VILLAGERS, basis=Basis.HOUSEHOLDS, modes=m) == (True, QuorumMode.HOUSEHOLDS)
    assert law.quorum_reached(body=Body.VILLAGERS, basis=Basis.PERSONS, modes=m) == (True, QuorumMode.PERSONS)


def test_no_mode_met_is_no_quorum():
    m = list(modes(Body.VILLAGERS, 100, 50, households=30, households_present=19).values())
    assert law.quorum_reached(body=Body.VILLAGERS, basis=Basis.PERSONS, modes=m) == (False, QuorumMode.NONE)


def test_representatives_meeting_needs_two_thirds_of_members():
    assert list(modes(Body.REPRESENTATIVES, 15, 9)) == [QuorumMode.MEMBERS]
    assert not modes(Body.REPRESENTATIVES, 15, 9)[QuorumMode.MEMBERS].met
    assert modes(Body.REPRESENTATIVES, 15, 10)[QuorumMode.MEMBERS].met
    assert not modes(Body.REPRESENTATIVES, 16, 10)[QuorumMode.MEMBERS].met  # 32/3 = 10.67
    assert modes(Body.REPRESENTATIVES, 16, 11)[QuorumMode.MEMBERS].met


def test_group_meeting_needs_two_thirds_of_adults_or_of_households():
    assert not modes(Body.GROUP, 9, 5)[QuorumMode.PERSONS].met
    assert modes(Body.GROUP, 9, 6)[QuorumMode.PERSONS].met
    assert not modes(Body.GROUP, 9, 2, households=10, households_present=6)[QuorumMode.HOUSEHOLDS].met
    assert modes(Body.GROUP, 9, 2, households=10, households_present=7)[QuorumMode.HOUSEHOLDS].met


def test_council_is_informal():
    assert law.quorum_modes(body=Body.COUNCIL, members=10, present=1, households=0, households_present=0) == []
    assert law.quorum_reached(body=Body.COUNCIL, basis=Basis.PERSONS, modes=[]) == (True, QuorumMode.INFORMAL)


def test_an_empty_body_never_has_a_quorum():
    assert not modes(Body.REPRESENTATIVES, 0, 0)[QuorumMode.MEMBERS].met
    assert not modes(Body.VILLAGERS, 0, 0)[QuorumMode.HOUSEHOLDS].met


def test_a_motion_passes_with_more_than_half_of_the_attendees_not_of_votes_cast():
    assert not law.passes(yes=5, attendees=10)
    assert law.passes(yes=6, attendees=10)
    # 40 for, 10 against, 50 abstaining or silent, 100 present: a majority of votes cast, not of attendees.
    assert not law.passes(yes=40, attendees=100)
    assert not law.passes(yes=0, attendees=0)


@given(attendees=st.integers(0, 5000), share=st.floats(0, 1))
def test_passing_is_exactly_twice_yes_above_attendees(attendees, share):
    yes = int(attendees * share)  # nobody votes who is not attending
    assert law.passes(yes=yes, attendees=attendees) == (2 * yes > attendees)


@given(members=st.integers(1, 5000), present=st.integers(0, 5000))
def test_quorum_arithmetic_matches_the_fractions(members, present):
    m = modes(Body.VILLAGERS, members, present)[QuorumMode.PERSONS]
    assert m.met == (2 * present > members)
    r = modes(Body.REPRESENTATIVES, members, present)[QuorumMode.MEMBERS]
    assert r.met == (3 * present >= 2 * members)


def test_only_meetings_by_households_count_households():
    assert law.counts_households(body=Body.VILLAGERS, basis=Basis.HOUSEHOLDS)
    assert law.counts_households(body=Body.GROUP, basis=Basis.HOUSEHOLDS)
    assert not law.counts_households(body=Body.VILLAGERS, basis=Basis.PERSONS)
    assert not law.counts_households(body=Body.REPRESENTATIVES, basis=Basis.HOUSEHOLDS)


@pytest.mark.parametrize(
    "kind,eligible,need",
    [
        (PetitionKind.VILLAGERS, 95, 10),
        (PetitionKind.VILLAGERS, 100, 10),
        (PetitionKind.VILLAGERS, 101, 11),
        (PetitionKind.VILLAGERS, 5, 1),
        (PetitionKind.REPS_FOR_VILLAGERS, 15, 5),
        (PetitionKind.REPS_FOR_VILLAGERS, 16, 6),
        (PetitionKind.REPS_FOR_REPS, 15, 3),
        (PetitionKind.REPS_FOR_REPS, 16, 4),
    ],
)
def test_petition_thresholds(kind, eligible, need):
    assert law.petition_needed(kind=kind, eligible=eligible) == need


def test_petitions_ask_for_the_right_body():
    assert law.petition_body(PetitionKind.VILLAGERS) == Body.VILLAGERS
    assert law.petition_body(PetitionKind.REPS_FOR_VILLAGERS) == Body.VILLAGERS
    assert law.petition_body(PetitionKind.REPS_FOR_REPS) == Body.REPRESENTATIVES


def test_notice_days_default_to_the_law_and_can_be_configured(settings):
    assert law.notice_days(Body.VILLAGERS) == 10
    assert law.notice_days(Body.REPRESENTATIVES) == 0
    settings.MEETINGS_NOTICE_DAYS = {"representatives": 5}
    assert law.notice_days(Body.REPRESENTATIVES) == 5
    assert law.notice_days(Body.VILLAGERS) == 10


def test_reserved_matters_are_decided_by_the_villagers_meeting():
    for matter in law.RESERVED_MATTERS:
        assert law.decision_refusal(body=Body.VILLAGERS, matter=matter) == ""
        assert law.decision_refusal(body=Body.REPRESENTATIVES, matter=matter)
        assert law.decision_refusal(body=Body.REPRESENTATIVES, matter=matter, authorised=True) == ""
        assert law.decision_refusal(body=Body.COUNCIL, matter=matter, authorised=True)
    assert len(law.RESERVED_MATTERS) == 8


def test_homestead_plan_is_never_a_group_matter():
    assert law.decision_refusal(body=Body.GROUP, matter=Matter.HOMESTEAD, group_property=True)
    assert law.decision_refusal(body=Body.GROUP, matter=Matter.LAND_CONTRACT, group_property=False)
    assert law.decision_refusal(body=Body.GROUP, matter=Matter.LAND_CONTRACT, group_property=True) == ""


def test_general_matters_go_anywhere():
    for body in Body.values:
        assert law.decision_refusal(body=body, matter=Matter.GENERAL) == ""
