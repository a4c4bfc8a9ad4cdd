"""Logging in with a code sent by text: for villagers and helpers who keep no password.

A code lives 5 minutes and works once; five wrong tries end it. A number may ask for a code once a
minute and five times an hour (the page limits each client address too). A number without an
account is answered exactly as one with: nobody learns from the page who has an account. Only a
keyed hash of the code is stored, and it is compared in constant time.
"""

import datetime as dt
import hashlib
import hmac
import secrets

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from cunzhi.core.idnumbers import fold_width, normalize_phone
from cunzhi.notify import transports
from cunzhi.notify.models import LoginCode
from cunzhi.people.models import User

LIFETIME = dt.timedelta(minutes=5)
MAX_ATTEMPTS = 5
GAP = dt.timedelta(minutes=1)
PER_HOUR = 5


def _hash(phone: str, code: str) -> str:
    return hmac.new(settings.SECRET_KEY.encode(), f"login-code:{phone}:{code}".encode(), hashlib.sha256).hexdigest()


def login_code_send(*, phone: str, now: dt.datetime | None = None) -> LoginCode:
    """Make a code for the number and text it to the account's phone (nothing is sent to a number
    without an active account). ValidationError when the number asks too often or the text fails."""
    now = now or timezone.now()
    phone = normalize_phone(phone)
    recent = LoginCode.objects.filter(phone=phone, created_at__gt=now - dt.timedelta(hours=1))
    if recent.filter(created_at__gt=now - GAP).exists():
        raise ValidationError(_("A code was sent less than a minute ago. Wait a moment, then ask again."))
    if recent.count() >= PER_HOUR:
        raise ValidationError(_("Too many codes for this number in the last hour. Try again later."))
    code = f"{secrets.randbelow(10**6):06d}"
    row = LoginCode(phone=phone, code_hash=_hash(phone, code), created_at=now, expires_at=now + LIFETIME)
    user = User.objects.filter(phone=phone, is_active=True).first()
    if user is not None:
        text = _("Your Cunzhi login code is %(code)s. It works once, for 5 minutes. Do not tell anyone.") % {
            "code": code
        }
        try:
            transports.SmsTransport().send(transports.Message(to=phone, subject="", body="", sms_text=text))
        except transports.TransportError as exc:
            raise ValidationError(_("The text could not be sent. Try again in a minute.")) from exc
        row.sent = True
    row.save()
    return row


def login_code_check(*, phone: str, code: str, now: dt.datetime | None = None) -> User | None:
    """The account the code logs in, or None (wrong, expired, used, too many tries)."""
    now = now or timezone.now()
    phone, code = normalize_phone(phone), fold_width(code).strip()
    row = (
        LoginCode.objects.filter(phone=phone, used_at__isnull=True, expires_at__gt=now, attempts__lt=MAX_ATTEMPTS)
        .order_by("-created_at", "-id")
        .first()
    )
    if row is None:
        return None
    LoginCode.objects.filter(pk=row.pk).update(attempts=row.attempts + 1)
    if not (code.isdigit() and len(code) == 6 and hmac.compare_digest(row.code_hash, _hash(phone, code))):
        return None
    if not LoginCode.objects.filter(pk=row.pk, used_at__isnull=True).update(used_at=now):
        return None  # used by a simultaneous request
    return User.objects.filter(phone=phone, is_active=True).first()
