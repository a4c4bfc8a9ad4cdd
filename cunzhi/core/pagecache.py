"""Pages cached per user (the home page), and their invalidation by the services that change them.

A villager's home page costs about ten ORM queries to build but changes rarely: it is rendered
once, kept in the shared cache, and dropped when a service changes something it shows. The
time limit bounds staleness after changes made outside the services (the admin site).
"""

from django.conf import settings
from django.core.cache import cache
from django.db import transaction

HOME_SECONDS = 600


def home_key(user_id: int, language: str) -> str:
    return f"home:{user_id}:{language}"


def home_invalidate(*user_ids: int | None) -> None:
    """Drop the cached home pages of these users (None entries are ignored)."""
    keys = [home_key(uid, lang) for uid in set(user_ids) if uid for lang, _name in settings.LANGUAGES]
    if keys:
        # After commit: dropping earlier would let a concurrent request cache the old state again.
        transaction.on_commit(lambda: cache.delete_many(keys), robust=True)  # a cache outage must not fail a write
