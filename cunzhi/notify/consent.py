"""Consent to texts, per mobile number: each change kept as history (a withdrawal stays on record at
least five months, as the law asks); the newest row is what holds. Texts the law requires (a
meeting notice, a deadline) go without it; every other text needs it from villagers without an
account, and stops at once for any number that replied "TD"."""

import datetime as dt

from django.db import transaction
from django.utils import timezone

from cunzhi.core.audit import audit_record
from cunzhi.core.idnumbers import normalize_phone
from cunzhi.notify.events import NotifyEvent
from cunzhi.people.actors import AnyUser
from cunzhi.people.models import ConsentSource, SmsConsent, User, Villager
from cunzhi.people.selectors import consents


def consent_given(phone: str) -> bool | None:
    """The number's newest recorded consent to non-mandatory texts (None: never recorded)."""
    return consents([normalize_phone(phone)]).get(normalize_phone(phone))


def consent_record(
    *, phone: str, given: bool, source: str, actor: AnyUser | None = None, now: dt.datetime | None = None
) -> SmsConsent:
    """Write one change of a number's consent (history kept: withdrawals stay on record)."""
    return SmsConsent.objects.create(
        phone=normalize_phone(phone),
        given=given,
        source=source,
        at=now or timezone.now(),
        recorded_by=actor if isinstance(actor, User) else None,
    )


def consent_in_person(*, actor: User, villager: Villager, given: bool, now: dt.datetime | None = None) -> SmsConsent:
    """A villager's consent given (or withdrawn) in person to a cadre or grid worker, for the number
    on their record, audited under the villager's village."""
    with transaction.atomic():
        row = consent_record(phone=villager.phone, given=given, source=ConsentSource.IN_PERSON, actor=actor, now=now)
        audit_record(
            actor=actor,
            action=NotifyEvent.SMS_CONSENT,
            obj=row,
            region_code=villager.region_code,
            after={"villager": villager.public_id, "given": given},
        )
    return row
