"""Practice mode: a villager (or their helper) tries a task on the real pages, and nothing is kept.

How: while practice is on, every request of that browser session runs inside one database transaction
that is rolled back when the response is ready. The villager sees the real result page ("received as
concern 2026…", "your vote is recorded") because it is rendered inside the transaction; then nothing of
it persists — no case, no audit row, no queue entry for staff, no points, no figure — and nothing is
sent: notices are enqueued with `transaction.on_commit`, whose callbacks are discarded on rollback
(Django drops the callbacks of a rolled-back atomic block), and the database task backend's rows are
rolled back with the rest. Files stored during the request are deleted afterwards (core.files).

A page that answers a form with a redirect (post/redirect/get) would lead to a page about a case that no
longer exists, so the redirect is followed here, inside the same transaction: the result page is shown
at once, with the messages the form left.

The flag lives in the browser session (the account's id, so another account logging in on the same
phone is not in practice), is started from a lesson ("Try it in practice") and ended by the banner's
"Stop practice" on every page. The rule (learning.rules.can_practise) is asked again on every request:
staff never practise. The API: a call with the header `X-Practice: 1` by a villager's or helper's
token is run the same way (a staff token is refused with 403, nothing done).
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from urllib.parse import urlsplit

from django.conf import settings
from django.db import transaction
from django.http import HttpRequest, HttpResponse, JsonResponse, QueryDict
from django.utils.datastructures import MultiValueDict
from django.utils.translation import gettext as _

from cunzhi.core.files import stored_files_discarded
from cunzhi.learning import rules

SESSION_KEY = "learning_practice"
HEADER = "HTTP_X_PRACTICE"
REDIRECTS = (301, 302, 303, 307, 308)
MAX_FOLLOW = 3


def practice_start(request: HttpRequest) -> None:
    request.session[SESSION_KEY] = request.user.pk


def practice_stop(request: HttpRequest) -> None:
    request.session.pop(SESSION_KEY, None)


def is_on(request: HttpRequest) -> bool:
    """The browser session is in practice for the account logged in, and the account may practise."""
    if settings.SESSION_COOKIE_NAME not in request.COOKIES:  # not reading the session: no "Vary: Cookie"
        return False
    session = getattr(request, "session", None)
    if session is None or SESSION_KEY not in session:  # no query beyond the session, read for the user anyway
        return False
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or session[SESSION_KEY] != user.pk or not rules.can_practise(user):
        practice_stop(request)  # another account, or one that became staff: practice ends
        return False
    return True


class PracticeMiddleware:
    """Runs a practising session's requests in a transaction that is always rolled back (see above).
    Placed after the authentication and message middleware; the session is saved after it, outside the
    transaction, so the practice flag and the messages survive."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        by_session = is_on(request)
        by_header = not by_session and request.path.startswith("/api/") and request.META.get(HEADER) in ("1", "true")
        vars(request)["practice"] = by_session or by_header
        if not (by_session or by_header):
            return self.get_response(request)
        with stored_files_discarded(), transaction.atomic():
            response = self.get_response(request)
            if by_session and SESSION_KEY in request.session:  # not when this request stopped practice
                response = self._follow(request, response)
            if by_header and not rules.can_practise(request.user):  # the API's token named its user
                response = JsonResponse(
                    {"detail": _("Practice is for villagers and their helpers."), "code": "practice_refused"},
                    status=403,
                )
            transaction.set_rollback(True)
        response["X-Practice"] = "1"
        response["Cache-Control"] = "no-store"
        return response

    def _follow(self, request: HttpRequest, response: HttpResponse) -> HttpResponse:
        """After a form's write, show the page it redirects to (same site only), still in the transaction."""
        if request.method in ("GET", "HEAD", "OPTIONS"):
            return response
        for _hop in range(MAX_FOLLOW):
            if response.status_code not in REDIRECTS:
                break
            target = urlsplit(response["Location"])
            if (target.scheme or target.netloc) and target.netloc != request.get_host():
                break
            inner = copy.copy(request)  # shares the user, the session and the message storage
            inner.method = "GET"
            inner.path = target.path or request.path
            script = request.META.get("SCRIPT_NAME", "")  # a site mounted under a prefix
            inner.path_info = inner.path[len(script) :] if script and inner.path.startswith(script) else inner.path
            inner.META = {**request.META, "REQUEST_METHOD": "GET", "QUERY_STRING": target.query}
            inner.META.pop("CONTENT_TYPE", None)
            inner.META.pop("CONTENT_LENGTH", None)
            inner.GET = QueryDict(target.query)
            vars(inner)["_post"] = QueryDict()
            vars(inner)["_files"] = MultiValueDict()
            inner.resolver_match = None
            response = self.get_response(inner)
        return response
