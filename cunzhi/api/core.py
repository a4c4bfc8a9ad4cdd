"""Token issue and the caller's own identity."""

from django.contrib.auth import authenticate
from django.utils.translation import gettext as _
from ninja import Router, Schema
from ninja.errors import HttpError

from cunzhi.api.auth import token_issue
from cunzhi.core.idnumbers import validate_phone

router = Router(tags=["auth"])


class TokenIn(Schema):
    phone: str
    password: str
    name: str = ""


class TokenOut(Schema):
    token: str
    token_type: str = "Bearer"
    expires_at: str


@router.post("/auth/token", auth=None, response=TokenOut)
def auth_token(request, payload: TokenIn):
    """Exchange a phone number and password for a bearer token (failures count toward lockout)."""
    try:
        phone = validate_phone(payload.phone)
    except Exception:
        phone = payload.phone
    user = authenticate(request, username=phone, password=payload.password)
    if user is None:
        raise HttpError(401, _("The mobile number or password is wrong."))
    key, token = token_issue(user=user, name=payload.name)
    return {"token": key, "expires_at": token.expires_at.isoformat()}


class RoleOut(Schema):
    role: str
    region_code: str
    region_name: str
    office: str | None = None


class MeOut(Schema):
    phone: str
    name: str
    language: str
    villager_id: str | None
    village_code: str | None
    roles: list[RoleOut]


@router.get("/me", response=MeOut)
def me(request):
    """Who the caller is: account, own villager record, roles in regions."""
    from cunzhi.people.rules import own_villager
    from cunzhi.people.selectors import roles_of
    user = request.user
    v = own_villager(user)
    return {
        "phone": user.phone, "name": user.name, "language": user.language,
        "villager_id": v.public_id if v else None, "village_code": v.region_code if v else None,
        "roles": [{"role": r.role, "region_code": r.region.code, "region_name": r.region.name,
                   "office": r.office.name if r.office else None} for r in roles_of(user=user)],
    }
