"""Writes for the API app: issuing, checking and revoking bearer tokens (the key mechanism is core's)."""

import datetime as dt

from django.conf import settings
from django.utils import timezone

from cunzhi.api.events import ApiEvent
from cunzhi.api.models import ApiToken
from cunzhi.core.apikeys import key_end, key_find, key_new
from cunzhi.core.audit import audit_record
from cunzhi.people.actors import Actor
from cunzhi.people.models import User


def token_issue(*, user: User, name: str = "") -> tuple[str, ApiToken]:
    """Create a bearer token; the plain key is returned once and only its hash is stored."""
    key, key_hash, key_prefix = key_new()
    token = ApiToken.objects.create(
        user=user,
        key_hash=key_hash,
        key_prefix=key_prefix,
        name=name[:100],
        expires_at=timezone.now() + dt.timedelta(days=settings.API_TOKEN_DAYS),
    )
    audit_record(
        actor=user,
        action=ApiEvent.API_TOKEN_ISSUE,
        obj=token,
        after={"prefix": token.key_prefix, "name": token.name, "expires_at": token.expires_at.isoformat()},
    )
    return key, token


def token_check(key: str) -> ApiToken | None:
    """The live (not expired, not revoked) token of an active account with this key; its use is noted."""
    live = ApiToken.objects.select_related("user").filter(
        revoked_at__isnull=True, expires_at__gt=timezone.now(), user__is_active=True
    )
    return key_find(live, key)


def token_revoke(*, token: ApiToken, actor: Actor) -> ApiToken:
    """End a bearer token now; revoking twice changes nothing."""
    if key_end(token):
        assert token.revoked_at is not None  # key_end has just set it
        audit_record(
            actor=actor,
            action=ApiEvent.API_TOKEN_REVOKE,
            obj=token,
            after={"prefix": token.key_prefix, "revoked_at": token.revoked_at.isoformat()},
        )
    return token
