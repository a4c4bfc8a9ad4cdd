"""Writes for the API app: issuing and revoking bearer tokens."""

import hashlib
import secrets

from django.conf import settings
from django.utils import timezone

from cunzhi.api.models import ApiToken
from cunzhi.core.audit import audit_record


def token_hash(key: str) -> str:
    """The stored form of a token: a database leak must not hand out working tokens."""
    return hashlib.sha256(key.encode()).hexdigest()


def token_issue(*, user, name: str = "") -> tuple[str, ApiToken]:
    """Create a bearer token; the plain key is returned once and only its hash is stored."""
    key = secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        user=user,
        key_hash=token_hash(key),
        key_prefix=key[:8],
        name=name[:100],
        expires_at=timezone.now() + timezone.timedelta(days=settings.API_TOKEN_DAYS),
    )
    audit_record(
        actor=user,
        action="api_token.issue",
        obj=token,
        after={"prefix": token.key_prefix, "name": token.name, "expires_at": token.expires_at.isoformat()},
    )
    return key, token


def token_revoke(*, token: ApiToken, actor) -> ApiToken:
    """End a bearer token now; revoking twice changes nothing."""
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at", "updated_at"])
        audit_record(
            actor=actor,
            action="api_token.revoke",
            obj=token,
            after={"prefix": token.key_prefix, "revoked_at": token.revoked_at.isoformat()},
        )
    return token
