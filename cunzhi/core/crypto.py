"""Encryption at rest for personal identifiers (PIPL: ID numbers encrypted, shown masked).

Fernet (AES + HMAC) for the stored value, and a keyed hash ("blind index") so we can find
duplicates and look people up by ID number without decrypting every row.
"""

import base64
import functools
import hashlib
import hmac
import unicodedata
from typing import Any

from cryptography.fernet import Fernet, InvalidToken
from django.conf import settings
from django.db import models
from django.db.backends.base.base import BaseDatabaseWrapper


@functools.cache
def _keys() -> tuple[Fernet, bytes]:
    raw = settings.FIELD_ENCRYPTION_KEY or settings.SECRET_KEY
    master = hashlib.sha256(("cunzhi-field-key:" + raw).encode()).digest()
    enc = base64.urlsafe_b64encode(hmac.new(master, b"encrypt", hashlib.sha256).digest())
    idx = hmac.new(master, b"index", hashlib.sha256).digest()
    return Fernet(enc), idx


def encrypt(value: str) -> str:
    return _keys()[0].encrypt(value.encode()).decode()


def decrypt(token: str) -> str:
    try:
        return _keys()[0].decrypt(token.encode()).decode()
    except InvalidToken:
        # A wrong key must be loud: silently showing nothing would hide data loss.
        raise ValueError("cannot decrypt a stored value: FIELD_ENCRYPTION_KEY changed?") from None


def blind_index(value: str) -> str:
    """The keyed hash of an identifier; callers pass the normalised form (core.idnumbers)."""
    # NFKC here too, so that a caller that forgot the normaliser still gives "３３０…" and "330…" one
    # hash: a second hash for the same person would register them twice.
    return hmac.new(_keys()[1], unicodedata.normalize("NFKC", value).encode(), hashlib.sha256).hexdigest()


class EncryptedTextField(models.TextField):
    """A text column stored encrypted; Python code sees the plain value."""

    def from_db_value(self, value: str | None, expression: object, connection: BaseDatabaseWrapper) -> str | None:
        return None if value is None else decrypt(value)

    def get_prep_value(self, value: Any) -> str | None:
        value = super().get_prep_value(value)
        return None if value is None else encrypt(value)
