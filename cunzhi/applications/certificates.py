"""Approval certificates: issued on the last approval with a code that carries its own check part
and a signature over the certificate's facts; anyone can verify a code at /verify/.

The check part lets a mistyped code be refused without a database read; the signature makes an
altered row in the database fail verification.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets

from django.conf import settings
from django.utils import timezone

from cunzhi.core.audit import audit_record
from cunzhi.core.idnumbers import mask_id_number, mask_name

from .events import ApplicationEvent
from .models import Application, Certificate

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # Crockford base32: no I, L, O, U to misread


def _key() -> bytes:
    secret = settings.APPLICATIONS_CERTIFICATE_KEY or settings.SECRET_KEY
    return hmac.new(secret.encode(), b"cunzhi-applications-certificates", hashlib.sha256).digest()


def _check_chars(body: str) -> str:
    digest = hmac.new(_key(), b"code:" + body.encode(), hashlib.sha256).digest()
    return "".join(ALPHABET[b % 32] for b in digest[:4])


def code_normalize(raw: str) -> str:
    """What a person typed (spaces, dashes, lower case, O for 0) as a stored code, or "" if malformed."""
    text = "".join(ch for ch in (raw or "").upper() if ch.isalnum())
    text = text.translate(str.maketrans("OIL", "011"))
    if len(text) != 16 or any(ch not in ALPHABET for ch in text):
        return ""
    return "-".join(text[i : i + 4] for i in range(0, 16, 4))


def _signature(cert: Certificate, number: str) -> str:
    facts = "|".join(
        [
            cert.code,
            cert.holder_name,
            cert.holder_id,
            cert.item_name,
            cert.office_name,
            cert.issued_at.astimezone(dt.UTC).isoformat(timespec="seconds"),
            cert.valid_until.isoformat() if cert.valid_until else "",
            number,
        ]
    )
    return hmac.new(_key(), facts.encode(), hashlib.sha256).hexdigest()


def certificate_issue(*, application: Application, now: dt.datetime | None = None) -> Certificate:
    """Issue the approval certificate: a code with a check part, and a signature over its facts."""
    now = (now or timezone.now()).replace(microsecond=0)
    while True:
        body = "".join(secrets.choice(ALPHABET) for _i in range(12))
        code = code_normalize(body + _check_chars(body))
        if not Certificate.objects.filter(code=code).exists():
            break
    item = application.item
    cert = Certificate(
        application=application,
        code=code,
        holder_name=mask_name(application.villager.name),
        holder_id=mask_id_number(application.villager.id_number),
        item_name=item.name,
        office_name=application.accepting_office.name if application.accepting_office else "",
        issued_at=now,
        valid_until=(timezone.localtime(now).date() + dt.timedelta(days=item.valid_days)) if item.valid_days else None,
    )
    cert.signature = _signature(cert, application.number)
    cert.save()
    audit_record(actor=None, action=ApplicationEvent.APPLICATION_CERTIFICATE, obj=application, after={"code": code})
    return cert


def certificate_verify(*, code: str) -> tuple[str, Certificate | None]:
    """("genuine" | "revoked" | "expired" | "invalid", certificate): a made-up or altered code is "invalid"."""
    normal = code_normalize(code)
    if not normal:
        return "invalid", None
    body = normal.replace("-", "")
    if not hmac.compare_digest(_check_chars(body[:12]), body[12:]):
        return "invalid", None
    cert = Certificate.objects.select_related("application").filter(code=normal).first()
    if cert is None or not hmac.compare_digest(cert.signature, _signature(cert, cert.application.number)):
        return "invalid", None
    if cert.revoked_at:
        return "revoked", cert
    if cert.valid_until and cert.valid_until < timezone.localdate():
        return "expired", cert
    return "genuine", cert
