"""API authentication: the browser's session, or a bearer token for scripts and department systems.

The tokens themselves belong to cunzhi/api (model, issue, revoke): it hands the kit the function that finds
the live token for a key (`bearer_lookup_set`, called from cunzhi/api/apps.py), so domains can name these
classes (public endpoints list them before letting anyone in) without importing the API's assembly.
"""

from collections.abc import Callable
from typing import Any, Protocol

from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser
from django.http import HttpRequest
from django.utils import translation
from ninja.security import HttpBearer, SessionAuth

# key -> the live token row (with `.user`), or None. Set once at start-up.
_bearer_lookup: Callable[[str], Any] | None = None


def bearer_lookup_set(lookup: Callable[[str], Any]) -> None:
    """Plug in how a bearer key is checked (cunzhi/api does, at start-up)."""
    global _bearer_lookup
    _bearer_lookup = lookup


class Speaker(Protocol):
    """An account with a chosen language (the project's User, which the kit may not name)."""

    language: str


class BearerAuth(HttpBearer):
    """`Authorization: Bearer <token>`: a live (not expired, not revoked) token of an active account."""

    def authenticate(self, request: HttpRequest, token: str) -> AbstractBaseUser | None:
        if not token or _bearer_lookup is None:
            return None
        row = _bearer_lookup(token)
        if row is None:
            return None
        request.user = row.user
        # DELETE /auth/token revokes the very token the request came with.
        request.api_token = row  # type: ignore[attr-defined]  # our own mark on the request
        _use_account_language(request, row.user)
        return row.user


def _use_account_language(request: HttpRequest, user: Speaker) -> None:
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

    def _get_key(self, request: HttpRequest) -> str | None:
        if settings.SESSION_COOKIE_NAME not in request.COOKIES:
            return None
        return super()._get_key(request)

    def authenticate(self, request: HttpRequest, key: str | None) -> Any | None:
        if key is None:
            return None
        return super().authenticate(request, key)


# Bearer first: a script's token wins over a stale browser session on the same client.
AUTH = [BearerAuth(), BrowserSessionAuth()]


def anyone(request: HttpRequest) -> bool:
    """Last in a public endpoint's auth list: a caller without credentials is let in as a visitor."""
    return True


# Public endpoints: who the caller is when known (a cadre sees more), else a visitor.
PUBLIC = [*AUTH, anyone]
