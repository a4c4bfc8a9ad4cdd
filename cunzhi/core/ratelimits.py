"""One place for the rate limits of forms that log in or create something."""

from collections.abc import Callable
from typing import TypeVar

from django_ratelimit.decorators import ratelimit

View = TypeVar("View", bound=Callable[..., object])

LOGIN_RATE = "20/m"
CREATE_RATE = "30/m"


def limit_login(view: View) -> View:
    """Per client address, on POST only, so reading the login page is never limited."""
    return ratelimit(key="ip", rate=LOGIN_RATE, method="POST", block=True)(view)


def limit_create(view: View) -> View:
    """Per user (or address for visitors) on POST: forms that create records."""
    return ratelimit(key="user_or_ip", rate=CREATE_RATE, method="POST", block=True)(view)
