"""The unread count and the late-jobs warning in every page header.

Both are kept per process for NOTIFY_HEADER_SECONDS, so a page (the cached home page included)
normally costs no query for them; when the memo is stale it costs one COUNT on the partial index
(recipient, read_at) WHERE channel = 'inbox'. Marking items read refreshes the memo at once.
"""

import time

from django.conf import settings
from django.urls import reverse
from django.utils.functional import SimpleLazyObject

from cunzhi.core import jobs

_memo: dict = {}


def _remember(key, compute):
    hit = _memo.get(key)
    now = time.monotonic()
    if hit is not None and hit[0] > now:
        return hit[1]
    value = compute()
    if len(_memo) > 50_000:
        _memo.clear()
    _memo[key] = (now + settings.NOTIFY_HEADER_SECONDS, value)
    return value


def _user_key(user, what):
    # date_joined tells apart accounts that reuse an id (test databases roll back and reuse ids).
    return (what, user.pk, user.date_joined.timestamp())


def forget_unread(user) -> None:
    _memo.pop(_user_key(user, "unread"), None)


def unread_count(user) -> int:
    """The user's unread inbox items (remembered by this process for NOTIFY_HEADER_SECONDS)."""
    from cunzhi.notify.models import Delivery
    from cunzhi.notify.services import unread_filter

    return _remember(_user_key(user, "unread"), lambda: Delivery.objects.filter(unread_filter(user)).count())


def late_jobs(request) -> list[str]:
    """Late periodic jobs, shown to staff on the home page only."""
    user = request.user
    if request.path != reverse("home"):
        return []
    from cunzhi.people import rules

    if not _remember(_user_key(user, "staff"), lambda: rules.has_role(user)):
        return []
    return _remember(("late_jobs",), jobs.jobs_late_names)


def notify(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {
        "notify_unread": SimpleLazyObject(lambda: unread_count(user)),
        "notify_late_jobs": SimpleLazyObject(lambda: late_jobs(request)),
    }
