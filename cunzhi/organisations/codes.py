"""Participants' check-in codes: a signed token in a QR code the organiser's desk scans (or types in).

The same scheme as meetings/codes.py (kept apart: feature domains do not import each other). The code names
the villager and the activity and is signed, so nobody can make a code for someone else.
"""

import segno
from django.core import signing
from django.urls import reverse

from cunzhi.core.links import absolute_url
from cunzhi.organisations.models import Activity, Participant

SALT = "organisations.participant-code"


def participant_code(*, activity: Activity, participant: Participant) -> str:
    return signing.dumps([activity.pk, participant.villager_id], salt=SALT, compress=False)


def participant_url(*, activity: Activity, participant: Participant) -> str:
    code = participant_code(activity=activity, participant=participant)
    return absolute_url(reverse("organisations:scan", args=[activity.public_id, code]))


def participant_qr_data_uri(*, activity: Activity, participant: Participant) -> str:
    """The QR code as an SVG data URI (allowed by the page's CSP: img-src 'self' data:)."""
    url = participant_url(activity=activity, participant=participant)
    return str(segno.make(url, error="m").svg_data_uri(scale=5, border=2))


def participant_from_code(*, activity: Activity, code: str) -> Participant | None:
    """The participant a scanned code (the token, or the whole address) names in this activity, or None."""
    token = (code or "").strip().rstrip("/").rsplit("/", 1)[-1]
    try:
        activity_pk, villager_pk = signing.loads(token, salt=SALT)
    except (signing.BadSignature, ValueError, TypeError):
        return None
    if activity_pk != activity.pk:
        return None
    return Participant.objects.filter(activity=activity, villager_id=villager_pk).select_related("villager").first()
