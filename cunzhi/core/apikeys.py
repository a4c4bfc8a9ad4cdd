"""One mechanism for API keys: the bearer tokens of /api/v1 (cunzhi/api) and the Open311 keys of other
systems (cunzhi/concerns).

A key is shown once, when it is issued; only its SHA-256 is stored (a database leak must not hand out
working keys), with its first characters to tell keys apart in lists. The stored form is the plain SHA-256
of the key's text, as it always was, so every key issued before keeps working.

The models that hold keys declare `key_hash`, `key_prefix`, `last_used_at` and `revoked_at`.
"""

import datetime as dt
import hashlib
import secrets
from typing import Protocol, TypeVar, cast

from django.db.models import Model, QuerySet
from django.utils import timezone

KEY_BYTES = 32  # 256 random bits, 43 URL-safe characters
PREFIX_LENGTH = 8
# Last use is written at most this often: not one write per call.
TOUCH_SECONDS = 60


class KeyRow(Protocol):
    """The fields of a key's row that this module reads and writes (see the module notes)."""

    last_used_at: dt.datetime | None
    revoked_at: dt.datetime | None

    def save(self, *, update_fields: list[str]) -> None: ...


Row = TypeVar("Row", bound=Model)


def key_hash(key: str) -> str:
    """The stored form of a key."""
    return hashlib.sha256(key.encode()).hexdigest()


def key_new() -> tuple[str, str, str]:
    """A fresh key: (the plain key, shown once; its hash, stored; its prefix, shown in lists)."""
    key = secrets.token_urlsafe(KEY_BYTES)
    return key, key_hash(key), key[:PREFIX_LENGTH]


def key_find(queryset: QuerySet[Row], key: str) -> Row | None:
    """The row of `queryset` (already narrowed to live keys) that holds this key, or None; notes its use."""
    if not key:
        return None
    row = queryset.filter(key_hash=key_hash(key)).first()
    if row is not None:
        now = timezone.now()
        # A type can't be bound to both Model and a protocol: the row's model declares KeyRow's fields.
        last_used_at = cast(KeyRow, row).last_used_at
        if last_used_at is None or (now - last_used_at).total_seconds() > TOUCH_SECONDS:
            # The generic way to reach an unknown model's manager (`objects` for every key model).
            type(row)._default_manager.filter(pk=row.pk).update(last_used_at=now)
    return row


def key_end(row: KeyRow) -> bool:
    """Revoke a key now; False when it already was (revoking twice changes nothing)."""
    if row.revoked_at is not None:
        return False
    row.revoked_at = timezone.now()
    row.save(update_fields=["revoked_at", "updated_at"])
    return True
