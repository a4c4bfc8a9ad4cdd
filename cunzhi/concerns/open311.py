"""Open311 GeoReport v2 over concerns (https://wiki.open311.org/GeoReport_v2), in JSON and XML.

- discovery, services (the categories), service definitions (attributes: village, kind, public),
  requests (list with service_request_id, service_code, start_date, end_date, status; one request),
  tokens; POST requests files a concern with an API key (manage.py open311_key, or the admin page).
- Reading is open to anyone, like the public boards: only public concerns, no names, no contact
  details. `status` is open or closed; `status_notes` the latest answer (or the status in words);
  `agency_responsible` the office (or village committee); `expected_datetime` the answer deadline.
"""

from __future__ import annotations

import datetime as dt
import re
import xml.etree.ElementTree as ET

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db.models import Prefetch
from django.http import HttpResponse, JsonResponse
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django_ratelimit.core import is_ratelimited

from cunzhi.core.links import absolute_url
from cunzhi.regions.models import Level as RegionLevel
from cunzhi.regions.models import Region

from . import selectors, services
from .models import OPEN_STATUSES, Category, Channel, Concern, Kind, Photo, Status

SPEC = "http://wiki.open311.org/GeoReport_v2"
MAX_REQUESTS = 1000  # the specification's default upper bound for one list
CREATE_RATE = "60/m"


def _max_requests() -> int:
    return settings.OPEN311_MAX_REQUESTS


# --- rendering -------------------------------------------------------------------------------------
# Characters XML 1.0 cannot carry at all (C0 controls but tab, newline and carriage return; lone
# surrogates; U+FFFE, U+FFFF). A database holds them happily; one of them in one concern would make
# the whole feed unreadable for every consumer, so the XML leaves them out (JSON escapes them).
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def _xml_value(parent, key, value, item_names):
    el = ET.SubElement(parent, key)
    if isinstance(value, list):
        for v in value:
            _xml_value(el, item_names.get(key, "item"), v, item_names)
    elif isinstance(value, dict):
        for k, v in value.items():
            _xml_value(el, k, v, item_names)
    elif isinstance(value, bool):
        el.text = "true" if value else "false"
    elif value is not None:
        el.text = _NOT_XML.sub("", str(value))


def render(data, fmt: str, root: str, item: str, status: int = 200, item_names: dict | None = None):
    """JSON as is; XML as <root><item>...</item></root> with nested lists named by `item_names`."""
    if fmt == "xml":
        names = {
            "attributes": "attribute",
            "values": "value",
            "endpoints": "endpoint",
            "formats": "format",
            "keywords": "keyword",
            **(item_names or {}),
        }
        top = ET.Element(root)
        if isinstance(data, list):
            for row in data:
                _xml_value(top, item, row, names)
        else:
            for k, v in data.items():
                _xml_value(top, k, v, names)
        body = b'<?xml version="1.0" encoding="utf-8"?>' + ET.tostring(top, encoding="utf-8", xml_declaration=False)
        return HttpResponse(body, status=status, content_type="text/xml; charset=utf-8")
    return JsonResponse(data, status=status, safe=False, json_dumps_params={"ensure_ascii": False})


def error(fmt: str, status: int, description: str):
    return render([{"code": status, "description": str(description)}], fmt, "errors", "error", status=status)


def _iso(value) -> str | None:
    return value.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ") if value else None


def _language(request):
    """Answer in the language asked for, else the site's language (names of categories, status words)."""
    lang = translation.get_language_from_request(request)
    return lang if lang else settings.LANGUAGE_CODE


# --- discovery and services ---------------------------------------------------------------------------
def discovery(request, fmt):
    """Where the endpoint is and what it speaks."""
    if request.method != "GET":
        return error(fmt, 405, _("This address does not accept this method."))
    base = absolute_url(reverse("open311:discovery", args=["json"]).rsplit("/", 1)[0] + "/")
    changed = Category.objects.order_by("-updated_at").values_list("updated_at", flat=True).first()
    data = {
        "changeset": _iso(changed or timezone.now()),
        "contact": settings.OPEN311_CONTACT,
        "key_service": _("API keys are issued by the county administrator."),
        "endpoints": [
            {
                "specification": SPEC,
                "url": base,
                "changeset": _iso(changed or timezone.now()),
                "type": "production",
                "formats": ["text/xml", "application/json"],
            }
        ],
    }
    return render(data, fmt, "discovery", "discovery")


def _service_row(c: Category) -> dict:
    return {
        "service_code": c.code,
        "service_name": c.label_text,
        "description": c.description,
        "metadata": True,
        "type": "realtime",
        "keywords": "",
        "group": c.get_level_display(),
    }


def services_list(request, fmt):
    """The categories, as Open311 services."""
    return render([_service_row(c) for c in selectors.categories_active()], fmt, "services", "service")


def service_definition(request, code, fmt):
    """A service's attributes: the village (required), the kind and whether it is public."""
    category = Category.objects.filter(code=code, active=True).first()
    if category is None:
        return error(fmt, 404, _("No such service code."))
    villages = Region.objects.filter(level=RegionLevel.VILLAGE).only("code", "name").order_by("code")
    attrs = [
        {
            "variable": True,
            "code": "village",
            "datatype": "singlevaluelist",
            "required": True,
            "datatype_description": _("The 12-digit area code of the village."),
            "order": 1,
            "description": _("Village"),
            "values": [{"key": v.code, "name": v.name} for v in villages],
        },
        {
            "variable": True,
            "code": "kind",
            "datatype": "singlevaluelist",
            "required": False,
            "datatype_description": "",
            "order": 2,
            "description": _("What kind of concern"),
            "values": [{"key": k, "name": str(label)} for k, label in Kind.choices],
        },
        {
            "variable": True,
            "code": "public",
            "datatype": "singlevaluelist",
            "required": False,
            "datatype_description": "",
            "order": 3,
            "description": _("Show it on the village's public board"),
            "values": [{"key": "true", "name": _("Yes")}, {"key": "false", "name": _("No")}],
        },
    ]
    return render({"service_code": category.code, "attributes": attrs}, fmt, "service_definition", "service_definition")


# --- requests --------------------------------------------------------------------------------------
def _request_row(request, c: Concern) -> dict:
    photos = [p for p in c.photos.all() if p.answer_id is None]
    if c.status in (Status.OPEN, Status.ACKNOWLEDGED, Status.REOPENED):
        notes = str(c.get_status_display())
    else:
        notes = c.answer_text or str(c.get_status_display())
    agency = (
        c.owner_office.name if c.owner_office_id else _("%(village)s village committee") % {"village": c.village.name}
    )
    return {
        "service_request_id": c.public_id,
        "status": c.open311_status,
        "status_notes": notes,
        "service_name": c.category.label_text,
        "service_code": c.category.code,
        "description": c.text,
        "agency_responsible": agency,
        "service_notice": "",
        "requested_datetime": _iso(c.dispatched_at),
        "updated_datetime": _iso(c.updated_at),
        "expected_datetime": _iso(c.answer_due_at) if c.status in OPEN_STATUSES else None,
        "address": " ".join(x for x in (c.village.name, c.place) if x),
        "address_id": c.region_code,
        "zipcode": "",
        "lat": float(c.lat) if c.lat is not None else None,
        "long": float(c.lon) if c.lon is not None else None,
        "media_url": absolute_url(reverse("concerns:photo", args=[photos[0].public_id])) if photos else "",
    }


def _public_requests():
    return (
        Concern.objects.filter(is_public=True)
        .exclude(status=Status.MERGED)
        .select_related("category", "village", "owner_office")
        .prefetch_related(Prefetch("photos", queryset=Photo.objects.filter(answer__isnull=True)))
    )


def _when(raw: str, *, end: bool = False):
    value = parse_datetime(raw)
    if value is None:
        day = parse_date(raw)
        if day is None:
            raise ValueError(raw)
        value = dt.datetime.combine(day + dt.timedelta(days=1) if end else day, dt.time.min)
    if timezone.is_naive(value):
        value = timezone.make_aware(value, dt.UTC)
    return value


def requests_list(request, fmt):
    """GET: public concerns, filtered as the specification says. POST: file a new one (API key)."""
    if request.method == "POST":
        return request_create(request, fmt)
    params = request.GET
    qs = _public_requests()
    ids = [i.strip() for i in params.get("service_request_id", "").split(",") if i.strip()]
    if ids:
        # The specification: ids override every other filter.
        rows = qs.filter(public_id__in=ids[: _max_requests()]).order_by("-dispatched_at")
        return render([_request_row(request, c) for c in rows], fmt, "service_requests", "request")
    codes = [c.strip() for c in params.get("service_code", "").split(",") if c.strip()]
    if codes:
        qs = qs.filter(category__code__in=codes)
    statuses = {s.strip() for s in params.get("status", "").split(",") if s.strip()}
    if statuses - {"open", "closed"}:
        return error(fmt, 400, _("status is open or closed."))
    if statuses == {"open"}:
        qs = qs.filter(status__in=OPEN_STATUSES)
    elif statuses == {"closed"}:
        qs = qs.exclude(status__in=OPEN_STATUSES)
    try:
        start = _when(params["start_date"]) if params.get("start_date") else None
        end = _when(params["end_date"], end=True) if params.get("end_date") else None
    except ValueError:
        return error(fmt, 400, _("Dates are in W3C format, for example 2026-03-01T00:00:00Z."))
    if start is None and end is None:
        start = timezone.now() - dt.timedelta(days=90)
    if start:
        qs = qs.filter(dispatched_at__gte=start)
    if end:
        qs = qs.filter(dispatched_at__lt=end)
    if params.get("village"):  # an extension: one village or township (area code prefix)
        code = params["village"].strip()
        region = Region.objects.filter(code=code).first()
        qs = qs.filter(selectors.prefix_q([region.prefix])) if region else qs.none()
    try:
        size = min(max(int(params.get("page_size", _max_requests())), 1), _max_requests())
        page = max(int(params.get("page", 1)), 1)
    except ValueError:
        return error(fmt, 400, _("page and page_size are whole numbers."))
    rows = qs.order_by("-dispatched_at", "-id")[(page - 1) * size : page * size]
    return render([_request_row(request, c) for c in rows], fmt, "service_requests", "request")


def request_detail(request, public_id, fmt):
    c = _public_requests().filter(public_id=public_id).first()
    if c is None:
        return error(fmt, 404, _("No public service request with this id."))
    return render([_request_row(request, c)], fmt, "service_requests", "request")


def token_detail(request, token, fmt):
    """Requests are created at once, so a token is the request id itself."""
    c = Concern.objects.filter(public_id=token).only("public_id").first()
    if c is None:
        return error(fmt, 404, _("No request with this token."))
    return render([{"service_request_id": c.public_id, "token": token}], fmt, "service_requests", "request")


def request_create(request, fmt):
    """File a concern from another system; the key names that system in the concern's timeline."""
    data = request.POST
    key = services.open311_key_check(key=data.get("api_key", "").strip())
    if key is None:
        return error(fmt, 403, _("A valid api_key is required to create a service request."))
    if is_ratelimited(
        request, group="open311.create", key=lambda g, r: str(key.pk), rate=CREATE_RATE, method="POST", increment=True
    ):
        return error(fmt, 429, _("Too many requests; please wait a minute and try again."))
    kind = data.get("attribute[kind]", Kind.REPORT) or Kind.REPORT
    public = data.get("attribute[public]", "true").strip().lower() != "false"
    try:
        lat = float(data["lat"]) if data.get("lat") else None
        lon = float(data["long"]) if data.get("long") else None
    except ValueError:
        return error(fmt, 400, _("lat and long are decimal degrees."))
    name = " ".join(x for x in (data.get("last_name", "").strip(), data.get("first_name", "").strip()) if x)
    phone = data.get("phone", "").strip()[:20]
    try:
        # The codes as received: the service resolves them, and matches the phone to a villager.
        concern = services.concern_submit(
            actor=None,
            category=data.get("service_code", ""),
            kind=kind,
            text=data.get("description", ""),
            villager_phone=phone,
            village=data.get("attribute[village]", "").strip(),
            place=data.get("address_string", ""),
            lat=lat,
            lon=lon,
            is_public=public,
            channel=Channel.OPEN311,
            contact_name=name or key.name,
            contact_phone=phone,
            source=key.name,
        )
    except ValidationError as exc:
        # Open311 words for what its client sent wrong: the code fields by their Open311 names.
        fields = getattr(exc, "error_dict", {})
        if "category" in fields:
            return error(fmt, 400, _("Unknown service_code: see services.%(fmt)s.") % {"fmt": fmt})
        if "village" in fields:
            return error(
                fmt, 400, _("attribute[village] must be the area code of a village (see the service definition).")
            )
        return error(fmt, 400, " ".join(exc.messages))
    return render(
        [
            {
                "service_request_id": concern.public_id,
                "token": concern.public_id,
                "service_notice": _("Answer expected by %(when)s.")
                % {"when": timezone.localtime(concern.answer_due_at).strftime("%Y-%m-%d %H:%M")},
                "account_id": None,
            }
        ],
        fmt,
        "service_requests",
        "request",
        status=201,
    )


@csrf_exempt
def dispatch(request, name: str, fmt: str, **kw):
    """One entry for every Open311 address: the format, the method, then the view."""
    if fmt not in ("json", "xml"):
        return error("json", 404, _("Formats are json and xml."))
    views = {
        "discovery": discovery,
        "services": services_list,
        "service": service_definition,
        "requests": requests_list,
        "request": request_detail,
        "token": token_detail,
    }
    if request.method not in ("GET", "HEAD") and not (name == "requests" and request.method == "POST"):
        return error(fmt, 405, _("This address does not accept this method."))
    with translation.override(_language(request)):
        return views[name](request, fmt=fmt, **kw)
