"""Members' check-in codes: a signed token in a QR code that desk staff scan (or type in) at the venue.

The code names the villager, not the roster row, so it stays valid when the roster is brought up
to date before the meeting opens. It is signed, so nobody can make a code for someone else.
"""

import segno
from django.core import signing
from django.urls import reverse

from cunzhi.core.links import absolute_url
from cunzhi.meetings.models import Meeting, MeetingMember

SALT = "meetings.member-code"


def member_code(*, meeting: Meeting, member: MeetingMember) -> str:
    return signing.dumps([meeting.pk, member.villager_id], salt=SALT, compress=False)


def member_url(*, meeting: Meeting, member: MeetingMember) -> str:
    code = member_code(meeting=meeting, member=member)
    return absolute_url(reverse("meetings:scan", args=[meeting.public_id, code]))


def member_qr_data_uri(*, meeting: Meeting, member: MeetingMember) -> str:
    """The QR code as an SVG data URI (allowed by the page's CSP: img-src 'self' data:)."""
    return segno.make(member_url(meeting=meeting, member=member), error="m").svg_data_uri(scale=5, border=2)


def member_from_code(*, meeting: Meeting, code: str) -> MeetingMember | None:
    """The member a scanned code (the token, or the whole address) names in this meeting, or None."""
    token = (code or "").strip().rstrip("/").rsplit("/", 1)[-1]
    try:
        meeting_pk, villager_pk = signing.loads(token, salt=SALT)
    except (signing.BadSignature, ValueError, TypeError):
        return None
    if meeting_pk != meeting.pk:
        return None
    return MeetingMember.objects.filter(meeting=meeting, villager_id=villager_pk).select_related("villager").first()
