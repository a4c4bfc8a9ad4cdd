"""Rate-limit refusals rendered for people, not as a bare 403."""

from django.http import JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _


def ratelimited(request, exception=None):
    """The view django-ratelimit calls when a limit is hit."""
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": _("Too many requests; please wait a minute and try again.")}, status=429)
    return render(request, "web/message.html", {
        "title": _("Too many attempts"),
        "message": _("Too many requests; please wait a minute and try again. Nothing was saved."),
    }, status=429)

