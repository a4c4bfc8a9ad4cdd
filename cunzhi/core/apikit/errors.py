"""One JSON shape for every refusal: {"detail": "<message in the caller's language>", "code": "<stable code>"}.

Validation failures (422) add "errors": [{"loc": [...], "msg": "...", "type": "..."}]. Scripts branch
on `code`; people read `detail`, translated by the active language (Accept-Language, or the
account's language for bearer tokens).
"""

import logging
import re
from typing import Any, TypedDict

from django.core.exceptions import PermissionDenied, RequestDataTooBig
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext_lazy
from ninja import NinjaAPI, Schema
from ninja.errors import AuthenticationError, HttpError, ValidationError

from cunzhi.core.middleware import too_large_message
from cunzhi.core.text import join_list

logger = logging.getLogger("cunzhi.api")  # the name operators filter on

CODES = {
    400: "bad_request",
    401: "not_authenticated",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "too_large",
    422: "invalid",
    429: "rate_limited",
    500: "server_error",
}


class ApiError(HttpError):
    """A refusal whose message is already written for the user (translated) and has a stable code."""

    def __init__(self, status_code: int, message: str, code: str = "", headers: dict[str, str] | None = None) -> None:
        super().__init__(status_code, str(message))
        self.code = code or CODES.get(status_code, "error")
        self.headers = headers or {}


class ErrorOut(Schema):
    detail: str
    code: str


class FieldErrorOut(Schema):
    loc: list[str | int]
    msg: str
    type: str


class ValidationErrorOut(ErrorOut):
    errors: list[FieldErrorOut] = []


class FieldError(TypedDict):
    """One entry of a 422's "errors", as FieldErrorOut documents it."""

    loc: list[str | int]
    msg: str
    type: str


def _generic_message(status: int) -> str:
    # Built here, not at import, so each message comes out in the language of the request.
    return {
        400: _("The request is not valid."),
        401: _("Log in, or send a valid bearer token (POST /api/v1/auth/token)."),
        403: _("You may not do this."),
        404: _("Not found, or you may not see it."),
        405: _("This address does not accept this method."),
        422: _("Some values are missing or not valid."),
        429: _("Too many requests; please wait a minute and try again."),
    }.get(status, _("The request could not be handled."))


# Pydantic's error types whose message names a limit: (the limit's key in the error context, the message).
_COUNTED = {
    "string_too_short": (
        "min_length",
        ngettext_lazy("Enter at least %(n)s character.", "Enter at least %(n)s characters.", "n"),
    ),
    "string_too_long": (
        "max_length",
        ngettext_lazy("Enter at most %(n)s character.", "Enter at most %(n)s characters.", "n"),
    ),
    "too_short": ("min_length", ngettext_lazy("Give at least %(n)s item.", "Give at least %(n)s items.", "n")),
    "too_long": ("max_length", ngettext_lazy("Give at most %(n)s item.", "Give at most %(n)s items.", "n")),
    "greater_than_equal": ("ge", gettext_lazy("Enter a value of at least %(n)s.")),
    "greater_than": ("gt", gettext_lazy("Enter a value greater than %(n)s.")),
    "less_than_equal": ("le", gettext_lazy("Enter a value of at most %(n)s.")),
    "less_than": ("lt", gettext_lazy("Enter a value less than %(n)s.")),
}
_WHOLE = gettext_lazy("Enter a whole number.")
_NUMBER = gettext_lazy("Enter a number.")
_YES_NO = gettext_lazy("Enter true or false.")
_DATE = gettext_lazy("Enter a date as YYYY-MM-DD.")
_DATETIME = gettext_lazy("Enter a date and time, for example 2026-03-01T09:00:00+08:00.")
_TIME = gettext_lazy("Enter a time as HH:MM.")
_OBJECT = gettext_lazy("Give an object with named fields.")
_PLAIN = {
    "missing": gettext_lazy("This field is required."),
    "int_parsing": _WHOLE,
    "int_type": _WHOLE,
    "int_from_float": _WHOLE,
    "float_parsing": _NUMBER,
    "float_type": _NUMBER,
    "decimal_parsing": _NUMBER,
    "decimal_type": _NUMBER,
    "bool_parsing": _YES_NO,
    "bool_type": _YES_NO,
    "string_type": gettext_lazy("Enter text."),
    "string_pattern_mismatch": gettext_lazy("This value does not have the expected form."),
    "date_parsing": _DATE,
    "date_type": _DATE,
    "date_from_datetime_parsing": _DATE,
    "datetime_parsing": _DATETIME,
    "datetime_type": _DATETIME,
    "datetime_from_date_parsing": _DATETIME,
    "time_parsing": _TIME,
    "time_type": _TIME,
    "list_type": gettext_lazy("Give a list."),
    "dict_type": _OBJECT,
    "model_type": _OBJECT,
    "model_attributes_type": _OBJECT,
    "json_invalid": gettext_lazy("The request body is not valid JSON."),
    "extra_forbidden": gettext_lazy("This field is not expected here."),
}


def field_message(error: dict[str, Any]) -> str:
    """One field's problem in the request's language, from pydantic's error type and context (pydantic's
    own texts are English only). A validator's own message, already written for the user, is kept."""
    kind, ctx = error.get("type", ""), error.get("ctx") or {}
    if kind in ("value_error", "assertion_error") and ctx.get("error"):
        return str(ctx["error"])
    if kind in ("enum", "literal_error"):
        choices = re.findall(r"'([^']*)'", str(ctx.get("expected", "")))
        if choices:
            return _("Choose one of: %(choices)s.") % {"choices": join_list(choices)}
    if kind in _COUNTED and _COUNTED[kind][0] in ctx:
        key, message = _COUNTED[kind]
        return str(message % {"n": ctx[key]})
    return str(_PLAIN.get(kind, gettext_lazy("This value is not valid.")))


def error_body(status: int, detail: str | None = None, code: str | None = None, **extra: object) -> dict[str, object]:
    return {"detail": str(detail or _generic_message(status)), "code": code or CODES.get(status, "error"), **extra}


def install(api: NinjaAPI) -> None:
    """Register the handlers on the NinjaAPI (replacing ninja's English-only defaults)."""

    def respond(request: HttpRequest, status: int, body: object, headers: dict[str, str] | None = None) -> HttpResponse:
        response = api.create_response(request, body, status=status)
        for key, value in (headers or {}).items():
            response[key] = value
        return response

    @api.exception_handler(ApiError)
    def api_error(request: HttpRequest, exc: ApiError) -> HttpResponse:
        headers = {**({"WWW-Authenticate": "Bearer"} if exc.status_code == 401 else {}), **exc.headers}
        return respond(request, exc.status_code, error_body(exc.status_code, exc.message, exc.code), headers)

    @api.exception_handler(AuthenticationError)
    def not_authenticated(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
        # Ninja raises this when no auth method accepted the request: no or dead token, no session.
        return respond(request, 401, error_body(401), {"WWW-Authenticate": "Bearer"})

    @api.exception_handler(HttpError)
    def http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
        # Ninja's own HttpErrors carry English-only texts ("CSRF check Failed"); give ours instead.
        detail = None
        if exc.status_code == 403 and "CSRF" in exc.message:
            detail = _("The page's security token is missing or old; reload the page and try again.")
        elif exc.status_code == 400 and "parse" in exc.message:
            detail = _("The request body is not valid JSON.")
        return respond(request, exc.status_code, error_body(exc.status_code, detail))

    @api.exception_handler(Http404)
    def not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
        # Objects outside the caller's scope also end here: existence is not revealed.
        return respond(request, 404, error_body(404))

    @api.exception_handler(PermissionDenied)
    def permission_denied(request: HttpRequest, exc: PermissionDenied) -> HttpResponse:
        return respond(request, 403, error_body(403))

    @api.exception_handler(ValidationError)
    def invalid_input(request: HttpRequest, exc: ValidationError) -> HttpResponse:
        # Only location, message and type: never the submitted value (it may be a password).
        errors: list[FieldError] = [
            {
                "loc": [str(p) if not isinstance(p, int) else p for p in e.get("loc", ())],
                "msg": field_message(e),
                "type": str(e.get("type", "")),
            }
            for e in exc.errors
        ]
        return respond(request, 422, error_body(422, errors=errors))

    @api.exception_handler(DjangoValidationError)
    def service_refused(request: HttpRequest, exc: DjangoValidationError) -> HttpResponse:
        # Services raise Django's ValidationError with messages already written for the user.
        if hasattr(exc, "error_dict"):
            errors: list[FieldError] = [
                {"loc": ["body", field], "msg": str(m), "type": "value_error"}
                for field, items in exc.message_dict.items()
                for m in items
            ]
        else:
            errors = [{"loc": ["body"], "msg": str(m), "type": "value_error"} for m in exc.messages]
        return respond(request, 422, error_body(422, errors[0]["msg"] if errors else None, errors=errors))

    @api.exception_handler(RequestDataTooBig)
    def too_large(request: HttpRequest, exc: RequestDataTooBig) -> HttpResponse:
        # The edge middleware answers most of these; a body it leaves unread (declared binary) ends here.
        return respond(request, 413, error_body(413, too_large_message()))

    @api.exception_handler(Exception)
    def server_error(request: HttpRequest, exc: Exception) -> HttpResponse:
        # Logged in full for operators; the caller gets no stack trace, whatever DEBUG says.
        logger.exception("API error on %s %s", request.method, request.path)
        return respond(
            request,
            500,
            error_body(500, _("Something went wrong on our side. Nothing was changed; please try again later.")),
        )


# Documented refusals, for the OpenAPI schema: any logged-in endpoint, lists with filters, single objects.
AUTH_ERRORS = {401: ErrorOut}
LIST_ERRORS = {401: ErrorOut, 422: ValidationErrorOut}
OBJECT_ERRORS = {401: ErrorOut, 404: ErrorOut, 422: ValidationErrorOut}
