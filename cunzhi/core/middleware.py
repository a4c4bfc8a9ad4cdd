"""The edge: refusals rendered for people and programs alike, never a bare 400/403 or a server error.

Every refusal made here speaks the caller's language and the shape the caller reads: a page for
people, `{"detail", "code"}` JSON under /api/, and GeoReport v2's error list under /open311/.
"""

import json
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterable

from django.conf import settings
from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.http.multipartparser import MultiPartParserError
from django.shortcuts import render
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

NUL = "\x00"
# Bodies that are data, not text: a zero byte is part of them (none is accepted today, but a
# recording or photo sent as the whole body must never be refused for being binary).
BINARY_TYPES = ("image/", "audio/", "video/", "application/octet-stream", "application/pdf")


def refusal(request: HttpRequest, status: int, code: str, title: str, message: str) -> HttpResponse:
    """One refusal in the shape the caller reads (see the module notes)."""
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": str(message), "code": code}, status=status)
    if request.path.startswith("/open311/"):
        # Open311 clients read a list of {code, description}, in the format the address ends with.
        if request.path.endswith(".xml"):
            root = ET.Element("errors")
            error = ET.SubElement(root, "error")
            ET.SubElement(error, "code").text = str(status)
            ET.SubElement(error, "description").text = str(message)
            return HttpResponse(
                b'<?xml version="1.0" encoding="utf-8"?>' + ET.tostring(root, encoding="utf-8", xml_declaration=False),
                status=status,
                content_type="text/xml; charset=utf-8",
            )
        return JsonResponse(
            [{"code": status, "description": str(message)}],
            status=status,
            safe=False,
            json_dumps_params={"ensure_ascii": False},
        )
    return render(request, "web/message.html", {"title": title, "message": message}, status=status)


def ratelimited(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """The view django-ratelimit calls when a limit is hit."""
    return refusal(
        request,
        429,
        "rate_limited",
        _("Too many attempts"),
        _("Too many requests; please wait a minute and try again. Nothing was saved."),
    )


def too_large_message() -> str:
    return _(
        "What you sent is too large: at most %(size)s of text and form fields can be sent at once. Nothing was saved."
    ) % {"size": filesizeformat(settings.DATA_UPLOAD_MAX_MEMORY_SIZE)}


def _pairs_hold_nul(pairs: Iterable[tuple[str, list[str]]]) -> bool:
    return any(NUL in key or any(NUL in value for value in values) for key, values in pairs)


def _json_holds_nul(data: object) -> bool:
    stack = [data]
    while stack:  # a loop, not recursion: a deeply nested body must not exhaust the stack
        item = stack.pop()
        if isinstance(item, str):
            if NUL in item:
                return True
        elif isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return False


def _submitted_nul(request: HttpRequest) -> bool:
    """Whether any text the request carries holds a NUL: address, query, headers, cookies, form
    fields, JSON.

    Reading the body here raises RequestDataTooBig (and its kin) for oversized bodies; the caller
    turns that into a 413. Uploaded files are not text and are not looked at.
    """
    if (
        NUL in request.path_info
        or _pairs_hold_nul(request.GET.lists())
        or _pairs_hold_nul((k, [v]) for k, v in request.COOKIES.items())
        # Headers too: a failed login stores the user agent (django-axes).
        or any(NUL in v for k, v in request.META.items() if k.startswith("HTTP_") and isinstance(v, str))
    ):
        return True
    if request.method in ("GET", "HEAD", "OPTIONS", "TRACE"):
        return False
    content_type = request.content_type or ""
    if content_type in ("multipart/form-data", "application/x-www-form-urlencoded") and request.method == "POST":
        return _pairs_hold_nul(request.POST.lists())
    if content_type == "multipart/form-data" or content_type.startswith(BINARY_TYPES):
        return False
    body = request.body
    if content_type == "application/x-www-form-urlencoded":
        # Each "%" starts an escape, so "%00" is always an encoded NUL.
        return b"\x00" in body or b"%00" in body
    # Any other body is read as JSON by the API (whatever its declared type) or is plain text. A NUL
    # in JSON is written as an escape; parse only when one may be there.
    if b"\x00" in body:
        return True
    if b"\\u0000" in body:
        try:
            return _json_holds_nul(json.loads(body))
        except (ValueError, RecursionError):
            return False  # not JSON: the API answers that itself
    return False


class EdgeMiddleware:
    """Refuses, before any view runs, what no view can handle: NUL characters in submitted text
    (PostgreSQL cannot store them; stored on SQLite they break every XML consumer) and bodies over
    DATA_UPLOAD_MAX_MEMORY_SIZE (413 instead of a server error or Django's bare 400).

    Placed after LocaleMiddleware (the refusal speaks the caller's language) and before anything
    that reads the session, the user or the form: a NUL in a cookie is refused, never looked up.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        try:
            nul = _submitted_nul(request)
        except (RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent):
            return refusal(request, 413, "too_large", _("Too large"), too_large_message())
        except MultiPartParserError:
            return refusal(
                request,
                400,
                "bad_request",
                _("The request could not be read"),
                _("What was sent could not be read. Go back and try again; nothing was saved."),
            )
        if nul:
            return refusal(
                request,
                400,
                "nul_character",
                _("Invisible character not accepted"),
                _(
                    "What you sent contains an invisible control character (NUL) that cannot be "
                    "stored. Remove it and try again. Nothing was saved."
                ),
            )
        return self.get_response(request)
