"""Roster pages: upload, preview, confirm, progress, template, export, original file (see people.roster)."""

from typing import Any, cast

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from cunzhi.core.ratelimits import limit_create
from cunzhi.people import roster, rules
from cunzhi.people.actors import UserRequest
from cunzhi.people.models import ImportStatus, RosterImport, User
from cunzhi.regions.models import Level, Region

ERRORS_PER_PAGE = 100
IMPORTS_PER_PAGE = 20


def _villages_managed(user: User) -> QuerySet[Region]:
    """Villages whose roster this user may import into (and export)."""
    return Region.objects.filter(rules.scope_q(user, rules.ROSTER_ROLES, field="code"), level=Level.VILLAGE)


def _require_roster_role(user: User) -> None:
    if not rules.has_role(user, rules.ROSTER_ROLES):
        raise PermissionDenied


def _import_for(user: User, public_id: str) -> RosterImport:
    roster_import = get_object_or_404(
        RosterImport.objects.select_related("village", "uploaded_by"), public_id=public_id
    )
    if not rules.can_manage_roster(user, roster_import.village):
        raise PermissionDenied
    return roster_import


class UploadForm(forms.Form):
    village = forms.ModelChoiceField(
        label=gettext_lazy("Village"), queryset=Region.objects.none(), to_field_name="code", empty_label=None
    )
    file = forms.FileField(
        label=gettext_lazy("Roster file (.xlsx or .csv)"), widget=forms.FileInput(attrs={"accept": ".xlsx,.csv"})
    )

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        village = cast(forms.ModelChoiceField, self.fields["village"])  # declared just above
        village.queryset = _villages_managed(user)
        village.label_from_instance = lambda obj: f"{obj.name} ({obj.code})"  # type: ignore[method-assign]


@login_required
@require_GET
def roster_home(request: UserRequest) -> HttpResponse:
    """This user's villages' roster imports, newest first, with links to upload, template and export."""
    _require_roster_role(request.user)
    imports = (
        RosterImport.objects.filter(rules.scope_q(request.user, rules.ROSTER_ROLES))
        .select_related("village", "uploaded_by")
        .defer("errors")
    )
    page = Paginator(imports, IMPORTS_PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "people/roster_home.html",
        {
            "page": page,
            "villages": list(_villages_managed(request.user).only("code", "name")),
            "max_mb": settings.ROSTER_MAX_UPLOAD_BYTES // (1024 * 1024),
        },
    )


@login_required
@limit_create
@require_http_methods(["GET", "POST"])
def roster_upload(request: UserRequest) -> HttpResponse:
    """Upload a roster; it is checked at once (small files) or by the task worker, then previewed."""
    _require_roster_role(request.user)
    form = UploadForm(request.POST or None, request.FILES or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            roster_import = roster.roster_upload(
                actor=request.user, village=form.cleaned_data["village"], upload=form.cleaned_data["file"]
            )
        except ValidationError as exc:
            form.add_error("file", exc)
        else:
            return redirect("people:roster_detail", public_id=roster_import.public_id)
    return render(
        request,
        "people/roster_upload.html",
        {
            "form": form,
            "max_mb": settings.ROSTER_MAX_UPLOAD_BYTES // (1024 * 1024),
            "columns": [(roster.HEADERS[k][0], roster.HEADERS[k][1], roster.COLUMN_LABELS[k]) for k in roster.COLUMNS],
        },
    )


@never_cache
@login_required
@require_GET
def roster_detail(request: UserRequest, public_id: str) -> HttpResponse:
    """Preview with every problem (before confirming), progress while running, the result when done."""
    roster_import = _import_for(request.user, public_id)
    if roster_import.status in (ImportStatus.PREVIEWED, ImportStatus.REJECTED):
        errors = Paginator(roster_import.errors, ERRORS_PER_PAGE).get_page(request.GET.get("page"))
        for e in errors.object_list:
            e["label"] = roster.COLUMN_LABELS.get(e["field"], e["field"])
        rejected = len({e["row"] for e in roster_import.errors if e["row"]})
        return render(
            request,
            "people/roster_preview.html",
            {
                "ri": roster_import,
                "errors": errors,
                "rejected_rows": rejected,
                "good_rows": max(roster_import.total_rows - rejected, 0),
                "can_confirm": roster_import.status == ImportStatus.PREVIEWED and not roster_import.errors,
            },
        )
    phase = roster.roster_phase(roster_import=roster_import)
    done = roster.roster_progress(roster_import=roster_import)
    response = render(
        request,
        "people/roster_progress.html",
        {
            "ri": roster_import,
            "phase": phase,
            "done": done,
            "running": bool(phase),
            "percent": int(100 * done / roster_import.total_rows) if roster_import.total_rows else 0,
        },
    )
    if phase:
        # The page reloads itself (no JavaScript): the header for every browser, <meta> in the page too.
        response["Refresh"] = "2"
    return response


@login_required
@limit_create
@require_POST
def roster_confirm(request: UserRequest, public_id: str) -> HttpResponse:
    """Import a checked roster without problems: at once when small, in the background when large."""
    roster_import = _import_for(request.user, public_id)
    try:
        roster.roster_confirm(actor=request.user, roster_import=roster_import)
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    return redirect("people:roster_detail", public_id=roster_import.public_id)


@never_cache
@login_required
@require_GET
def roster_file(request: UserRequest, public_id: str) -> FileResponse:
    """The uploaded file as it came, only to those who manage that village (never a public URL)."""
    roster_import = _import_for(request.user, public_id)
    if not roster_import.file:  # deleted once imported, rejected, failed or expired (people.roster)
        raise Http404
    try:
        handle = roster_import.file.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    response = FileResponse(handle, as_attachment=True, filename=roster_import.original_name or "roster")
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
@require_GET
def roster_template(request: UserRequest, fmt: str) -> HttpResponse:
    """An empty roster with the header row and one example row (XLSX or CSV)."""
    _require_roster_role(request.user)
    data = roster.roster_template_bytes(fmt=fmt)
    if fmt == "csv":
        response = HttpResponse(data, content_type="text/csv; charset=utf-8")
    else:
        response = HttpResponse(data, content_type=roster.XLSX_TYPE)
    response["Content-Disposition"] = f'attachment; filename="roster-template.{fmt}"'
    return response


@never_cache
@login_required
@require_GET
def roster_export(request: UserRequest) -> HttpResponse:
    """The village roster as XLSX; ID numbers masked unless the viewer's role may see them; logged."""
    village = get_object_or_404(Region, code=request.GET.get("village", ""), level=Level.VILLAGE)
    if not rules.can_export_roster(request.user, village):
        raise PermissionDenied
    data = roster.roster_export_xlsx(viewer=request.user, village=village)
    response = HttpResponse(data, content_type=roster.XLSX_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{roster.roster_export_filename(village=village)}"'
    response["Cache-Control"] = "private, no-store"
    return response
