"""API authentication: the browser's session, or a bearer token for scripts and department systems."""

from django.conf import settings
from django.utils import timezone, translation
from ninja.security import HttpBearer, SessionAuth

from cunzhi.api.models import ApiToken
from cunzhi.api.services import token_hash, token_issue  # noqa: F401  (token_issue kept importable here)


class BearerAuth(HttpBearer):
    """`Authorization: Bearer <token>`: a live (not expired, not revoked) token of an active account."""

    def authenticate(self, request, token):
        if not token:
            return None
        now = timezone.now()
        row = (
            ApiToken.objects.select_related("user")
            .filter(key_hash=token_hash(token), revoked_at__isnull=True, expires_at__gt=now, user__is_active=True)
            .first()
        )
        if row is None:
            return None
        # Write last use at most once a minute: not one write per API call.
        if row.last_used_at is None or (now - row.last_used_at).total_seconds() > 60:
            ApiToken.objects.filter(pk=row.pk).update(last_used_at=now)
        request.user = row.user
        # DELETE /auth/token revokes the very token the request came with.
        request.api_token = row
        _use_account_language(request, row.user)
        return row.user


def _use_account_language(request, user) -> None:
    """Scripts rarely send Accept-Language: answer them in the language chosen on the account."""
    if "HTTP_ACCEPT_LANGUAGE" in request.META or settings.LANGUAGE_COOKIE_NAME in request.COOKIES:
        return
    if user.language and translation.check_for_language(user.language):
        translation.activate(user.language)
        request.LANGUAGE_CODE = translation.get_language()


class BrowserSessionAuth(SessionAuth):
    """The browser's login session, with Django's CSRF check on unsafe methods."""

    # Without a session cookie there is nothing a forged request could ride on, so the CSRF check
    # only runs when the cookie is present: a script with a dead bearer token then gets a clear
    # 401, not a puzzling "CSRF failed" 403.

    def _get_key(self, request):
        if settings.SESSION_COOKIE_NAME not in request.COOKIES:
            return None
        return super()._get_key(request)

    def authenticate(self, request, key):
        if key is None:
            return None
        return super().authenticate(request, key)


# Bearer first: a script's token wins over a stale browser session on the same client.
AUTH = [BearerAuth(), BrowserSessionAuth()]
