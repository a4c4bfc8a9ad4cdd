"""Password guessing slowed per account, without ever locking the owner out.

django-axes locks a phone number *at one address* after LOGIN_FAILURE_LIMIT failures; that alone lets
an attacker with many addresses try one password from each. So failures are also counted per
account, across all addresses: after LOGIN_ACCOUNT_FREE_FAILURES of them, the next try must wait
LOGIN_ACCOUNT_DELAY_SECONDS after the last failure, twice as long after each further failure, at most
LOGIN_ACCOUNT_MAX_DELAY_SECONDS. That leaves a guesser about a hundred tries a day instead of
thousands, and never locks the owner out:

- a try made while waiting is refused without checking the password and is not counted, so the
  wait never grows by trying, and ends;
- a browser that logged in to the account before (a signed cookie, LOGIN_DEVICE_COOKIE) is not made
  to wait at all: at home, the villager logs in whatever strangers try elsewhere;
- logging in clears the count.

The count lives in the cache (Redis in production, shared by every server). Two failures at the
same instant may be counted once; that costs one guess, not the limit.
"""

import datetime as dt
import hashlib
import math
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.base_user import AbstractBaseUser
from django.core import signing
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.crypto import salted_hmac

DEVICE_SALT = "cunzhi.core.logins.device"
DEVICE_DAYS = 365
DEVICE_ACCOUNTS = 5  # a shared phone or the village service station: the last few accounts
REMEMBER_SECONDS = 24 * 3600  # failures are forgotten a day after the last one


def _key(username: str) -> str:
    return "login-account:" + hashlib.sha256(username.encode()).hexdigest()


def _now() -> float:
    return timezone.now().timestamp()


def wait_seconds(username: str) -> int:
    """How long the account's next try must still wait (0: it may try now)."""
    state = cache.get(_key(username))
    if not state:
        return 0
    extra = state["failures"] - settings.LOGIN_ACCOUNT_FREE_FAILURES
    if extra < 0:
        return 0
    delay = min(settings.LOGIN_ACCOUNT_DELAY_SECONDS * 2**extra, settings.LOGIN_ACCOUNT_MAX_DELAY_SECONDS)
    return max(0, math.ceil(state["at"] + delay - _now()))


def failure_record(username: str) -> None:
    """Count one checked, wrong try for the account."""
    state = cache.get(_key(username)) or {"failures": 0}
    cache.set(_key(username), {"failures": state["failures"] + 1, "at": _now()}, REMEMBER_SECONDS)


def failures_clear(username: str) -> None:
    """The owner logged in: the count starts again."""
    cache.delete(_key(username))


# --- the owner's own browser ---------------------------------------------------------------------


def _device_mark(username: str) -> str:
    # A keyed digest, not the number: the cookie does not tell who logged in on a shared phone.
    return salted_hmac(DEVICE_SALT, username).hexdigest()[:20]


def _device_marks(request: HttpRequest) -> list[str]:
    raw = request.COOKIES.get(settings.LOGIN_DEVICE_COOKIE)
    if not raw:
        return []
    try:
        marks = signing.loads(raw, salt=DEVICE_SALT, max_age=DEVICE_DAYS * 24 * 3600)
    except signing.BadSignature:
        return []
    return [m for m in marks if isinstance(m, str)] if isinstance(marks, list) else []


def known_device(request: HttpRequest, username: str) -> bool:
    """Whether this browser logged in to the account before."""
    return _device_mark(username) in _device_marks(request)


def device_remember(request: HttpRequest, response: HttpResponse, username: str) -> None:
    """After a login by password: this browser is the owner's for the account from now on."""
    mark = _device_mark(username)
    marks = [mark, *[m for m in _device_marks(request) if m != mark][: DEVICE_ACCOUNTS - 1]]
    response.set_cookie(
        settings.LOGIN_DEVICE_COOKIE,
        signing.dumps(marks, salt=DEVICE_SALT),
        max_age=DEVICE_DAYS * 24 * 3600,
        httponly=True,
        samesite="Lax",
        secure=settings.SESSION_COOKIE_SECURE,
    )


# --- where logins are checked --------------------------------------------------------------------


class AccountDelayBackend(ModelBackend):
    """Django's password check with the account's wait before it and the count after it.

    Every way of logging in goes through authenticate() — the login page, the API's token endpoint,
    the admin — so the wait is kept here, once. A refused try is marked for django-axes as a
    lockout (`axes_locked_out`): axes then neither counts it as a failure nor lets the page through,
    and its middleware answers with `lockout_response` below.
    """

    # The stubs type the answer as AUTH_USER_MODEL (people.User), which core may not name (import-linter).
    def authenticate(  # type: ignore[override]
        self, request: HttpRequest | None, username: str | None = None, password: str | None = None, **kwargs: Any
    ) -> AbstractBaseUser | None:
        if username is None:
            username = kwargs.get(get_user_model().USERNAME_FIELD)
        if not username:
            return None
        if request is not None and not known_device(request, username):
            wait = wait_seconds(username)
            if wait:
                # Marks on the request, read by lockout_response below and by django-axes.
                request.login_wait_seconds = wait  # type: ignore[attr-defined]  # our own mark
                request.axes_locked_out = True  # type: ignore[attr-defined]  # axes' mark
                raise PermissionDenied
        user = super().authenticate(request, username=username, password=password, **kwargs)
        if user is None:
            failure_record(username)
            # The password was checked here: no later backend checks it again (nor hashes twice).
            raise PermissionDenied
        failures_clear(username)
        return user

    def get_user(self, user_id: Any) -> AbstractBaseUser | None:  # type: ignore[override]
        """The signed-in account on every request. The user model's manager may load it with what most pages
        ask next (people's `signed_in`: whether the account holds roles or helps anyone), in the same query."""
        manager = get_user_model()._default_manager
        load = getattr(manager, "signed_in", None)
        if load is None:
            return super().get_user(user_id)
        user = load(user_id)
        return user if user is not None and self.user_can_authenticate(user) else None


def lockout_response(
    request: HttpRequest, original_response: HttpResponse | None = None, credentials: dict[str, Any] | None = None
) -> HttpResponse:
    """The page for a refused login: the account's wait, or axes' lockout of this phone at this address."""
    wait = getattr(request, "login_wait_seconds", None)
    context = {
        "wait_seconds": wait,
        "until": timezone.localtime(timezone.now() + dt.timedelta(seconds=wait)) if wait else None,
        "cooloff_minutes": round(settings.AXES_COOLOFF_TIME * 60),
    }
    response = render(request, "registration/locked_out.html", context, status=429)
    response["Retry-After"] = str(wait or round(settings.AXES_COOLOFF_TIME * 3600))
    return response
