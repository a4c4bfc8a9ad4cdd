"""API authentication: the browser's session, or a bearer token for scripts and department systems."""

import hashlib
import secrets

from django.conf import settings
from django.utils import timezone
from ninja.security import HttpBearer, SessionAuth

from cunzhi.api.models import ApiToken


def _hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def token_issue(*, user, name: str = "") -> tuple[str, ApiToken]:
    """Create a bearer token; the plain key is returned once and only its hash is stored."""
    key = secrets.token_urlsafe(32)
    token = ApiToken.objects.create(user=user, key_hash=_hash(key), key_prefix=key[:8], name=name[:100],
                                    expires_at=timezone.now() + timezone.timedelta(days=settings.API_TOKEN_DAYS))
    return key, token


class BearerAuth(HttpBearer):
    def authenticate(self, request, token):
        now = timezone.now()
        row = (ApiToken.objects.select_related("user")
               .filter(key_hash=_hash(token), revoked_at__isnull=True, expires_at__gt=now, user__is_active=True)
               .first())
        if row is None:
            return None
        # Write last use at most once a minute: not one write per API call.
        if row.last_used_at is None or (now - row.last_used_at).total_seconds() > 60:
            ApiToken.objects.filter(pk=row.pk).update(last_used_at=now)
        request.user = row.user
        return row.user


# Session auth for the browser keeps CSRF protection on unsafe methods.
AUTH = [BearerAuth(), SessionAuth()]
