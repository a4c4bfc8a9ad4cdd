"""The unread count and the late-jobs warning in every page header.

Both are kept in the "memo" cache for NOTIFY_HEADER_SECONDS, so a page (the cached home page included)
normally costs no query for them; when the memo is stale it costs one COUNT on the partial index
(recipient, read_at) WHERE channel = 'inbox'. Marking items read drops the memo at once. With Redis the
memo is shared by every app server (reading an item on one clears the count on all); on one machine
without Redis each process keeps its own (settings.CACHES["memo"]).
"""

from django.conf import settings
from django.core.cache import caches
from django.urls import reverse
from django.utils.functional import SimpleLazyObject

from cunzhi.core import jobs

_MISSING = object()


def _remember(key, compute):
    memo = caches["memo"]
    value = memo.get(key, _MISSING)
    if value is _MISSING:
        value = compute()
        memo.set(key, value, settings.NOTIFY_HEADER_SECONDS)
    return value


def _user_key(user, what):
    # date_joined tells apart accounts that reuse an id (test databases roll back and reuse ids).
    return f"notify:{what}:{user.pk}:{user.date_joined.timestamp()}"


def forget_unread(user) -> None:
    caches["memo"].delete(_user_key(user, "unread"))


def unread_count(user) -> int:
    """The user's unread inbox items (remembered in the memo cache for NOTIFY_HEADER_SECONDS)."""
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
    return _remember("notify:late_jobs", jobs.jobs_late_names)


def notify(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {
        "notify_unread": SimpleLazyObject(lambda: unread_count(user)),
        "notify_late_jobs": SimpleLazyObject(lambda: late_jobs(request)),
    }
