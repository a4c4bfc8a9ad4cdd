"""Attendees' check-in codes, as the meetings' desk has them: a signed token in a QR code that the desk
scans or types in. It names the villager and the session; being signed, nobody makes one for another."""

import segno
from django.core import signing
from django.urls import reverse

from cunzhi.core.links import absolute_url
from cunzhi.learning.models import TrainingSession
from cunzhi.people.models import Villager

SALT = "learning.attendee-code"


def attendee_code(*, session: TrainingSession, villager: Villager) -> str:
    return signing.dumps([session.pk, villager.pk], salt=SALT, compress=False)


def attendee_url(*, session: TrainingSession, villager: Villager) -> str:
    """The desk's address with the code filled in: desk staff who open it confirm the check-in."""
    code = attendee_code(session=session, villager=villager)
    return absolute_url(reverse("learning:session", args=[session.public_id]) + f"?code={code}")


def qr_data_uri(*, session: TrainingSession, villager: Villager) -> str:
    """The QR code as an SVG data URI (allowed by the page's CSP: img-src 'self' data:)."""
    return segno.make(attendee_url(session=session, villager=villager), error="m").svg_data_uri(scale=4, border=2)


def villager_from_code(*, session: TrainingSession, code: str) -> Villager | None:
    """The villager a scanned code (the token, or the whole address) names for this session, or None."""
    token = (code or "").strip().rsplit("code=", 1)[-1].rstrip("/").rsplit("/", 1)[-1]
    try:
        session_pk, villager_pk = signing.loads(token, salt=SALT)
    except (signing.BadSignature, ValueError, TypeError):
        return None
    if session_pk != session.pk:
        return None
    return Villager.objects.filter(pk=villager_pk, region_code=session.region_code).first()
