"""Labels for the stored values of the live state (which is cached language-neutral) and the quorum lines."""

from django import template

from cunzhi.meetings import law
from cunzhi.meetings.models import (
    AttendanceMode,
    BallotKind,
    Body,
    Choice,
    Matter,
    MeetingStatus,
    MotionStatus,
    QuorumMode,
)

register = template.Library()
_CHOICES = {
    "body": Body,
    "status": MeetingStatus,
    "ballot": BallotKind,
    "matter": Matter,
    "mode": QuorumMode,
    "attendance": AttendanceMode,
    "choice": Choice,
    "motion": MotionStatus,
}


@register.filter
def label(value, kind: str):
    """{{ live.body|label:"body" }} -> the translated label of a stored choice value."""
    choices = _CHOICES.get(kind)
    if choices is None or value in (None, ""):
        return ""
    return dict(choices.choices).get(value, value)


@register.simple_tag
def quorum_lines(live: dict) -> list:
    """The legal quorum modes of a live state, with translated labels and rules."""
    return law.quorum_modes(
        body=live["body"],
        members=live["members"],
        present=live["present"],
        households=live["households"],
        households_present=live["households_present"],
    )
