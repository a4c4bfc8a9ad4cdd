"""Bearer tokens (issue, revoke) and the caller's own identity."""

import datetime as dt

from django.contrib.auth import authenticate, user_logged_in
from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django_ratelimit.core import is_ratelimited
from ninja import Field, Router, Schema, Status

from cunzhi.api.services import token_issue, token_revoke
from cunzhi.core.apikit.errors import AUTH_ERRORS, ApiError, ErrorOut, ValidationErrorOut
from cunzhi.core.idnumbers import validate_phone
from cunzhi.core.ratelimits import LOGIN_RATE
from cunzhi.people import rules
from cunzhi.people import selectors as people_selectors
from cunzhi.people.actors import UserRequest

router = Router(tags=["auth"])


class TokenIn(Schema):
    phone: str = Field(..., max_length=30, description="The mobile number the account logs in with.")
    password: str = Field(..., max_length=200)
    name: str = Field("", max_length=100, description="A label to tell your tokens apart, e.g. the script's name.")


class TokenOut(Schema):
    token: str
    token_type: str = "Bearer"  # noqa: S105
    expires_at: dt.datetime


@router.post("/auth/token", auth=None, response={200: TokenOut, 401: ErrorOut, 422: ValidationErrorOut, 429: ErrorOut})
def auth_token(request: HttpRequest, payload: TokenIn) -> dict[str, object]:
    """Exchange a phone number and password for a bearer token (failures count toward lockout)."""
    # Per address, like the login form: slows password guessing across many phone numbers.
    if is_ratelimited(request, group="api.auth_token", key="ip", rate=LOGIN_RATE, method="POST", increment=True):
        raise ApiError(429, _("Too many requests; please wait a minute and try again."), "rate_limited")
    try:
        phone = validate_phone(payload.phone)
    except ValidationError:
        phone = payload.phone.strip()  # let authentication fail with the usual message
    # authenticate(request, ...) goes through django-axes, which counts failures per phone and address.
    user = authenticate(request, username=phone, password=payload.password)
    if user is None:
        wait = getattr(request, "login_wait_seconds", None)
        if wait:
            # The account's wait (cunzhi/core/logins.py): the password was not checked.
            request.axes_locked_out = False  # type: ignore[attr-defined]  # axes' mark
            raise ApiError(
                429,
                ngettext(
                    "Several wrong passwords were tried for this mobile number recently. To protect the account, "
                    "the next try is possible in %(seconds)d second.",
                    "Several wrong passwords were tried for this mobile number recently. To protect the account, "
                    "the next try is possible in %(seconds)d seconds.",
                    wait,
                )
                % {"seconds": wait},
                "login_delayed",
                headers={"Retry-After": str(wait)},
            )
        if getattr(request, "axes_locked_out", False):
            # Answer in JSON ourselves; left set, the flag makes AxesMiddleware swap in its HTML page.
            request.axes_locked_out = False  # type: ignore[attr-defined]  # axes' mark
            raise ApiError(
                429,
                _(
                    "Too many failed attempts: this account is locked for a while. "
                    "Try again later or ask your village committee."
                ),
                "locked_out",
            )
        raise ApiError(
            401,
            _("The mobile number or password is wrong. After several failures the account is locked for a while."),
            "invalid_credentials",
        )
    # A token is a login: tell axes (which clears the failure count) and update last_login.
    user_logged_in.send(sender=user.__class__, request=request, user=user)
    key, token = token_issue(user=user, name=payload.name)
    return {"token": key, "expires_at": token.expires_at}


@router.delete("/auth/token", response={204: None, 400: ErrorOut, 401: ErrorOut})
def auth_token_revoke(request: UserRequest) -> Status:
    """Revoke the bearer token this request was sent with."""
    token = getattr(request, "api_token", None)
    if token is None:
        raise ApiError(400, _("This request did not use a bearer token; there is nothing to revoke."), "no_token")
    token_revoke(token=token, actor=request.user)
    return Status(204, None)


class RoleOut(Schema):
    role: str
    role_label: str
    region_code: str
    region_name: str
    office: str | None = None


class MeOut(Schema):
    phone: str
    name: str
    language: str
    villager_id: str | None
    village_code: str | None
    household_id: str | None
    is_staff_role: bool = Field(description="True when the account holds a role that works with villagers' records.")
    roles: list[RoleOut]


@router.get("/me", response={200: MeOut, **AUTH_ERRORS})
def me(request: UserRequest) -> dict[str, object]:
    """Who the caller is: account, own villager record, roles in regions."""
    user = request.user
    v = rules.own_villager(user)
    return {
        "phone": user.phone,
        "name": user.name,
        "language": user.language,
        "villager_id": v.public_id if v else None,
        "village_code": v.region_code if v else None,
        "household_id": v.household.public_id if v and v.household else None,
        "is_staff_role": rules.has_role(user),
        "roles": [
            {
                "role": r.role,
                "role_label": r.get_role_display(),
                "region_code": r.region.code,
                "region_name": r.region.name,
                "office": r.office.name if r.office else None,
            }
            for r in people_selectors.roles_of(user=user)
        ],
    }
