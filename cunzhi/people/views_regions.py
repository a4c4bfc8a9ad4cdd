"""Region pages: the tree within the reader's scope, one region, importing the tree, drawing grids.

They live in people because what a reader sees of the tree depends on their roles, and grids have
grid workers; the tree itself (regions) knows no people. The URLs keep their /regions/ paths.
"""

import secrets
from pathlib import PurePosixPath
from typing import BinaryIO, cast

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core import signing
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from cunzhi.core.ratelimits import limit_create
from cunzhi.core.views import add_errors, forbidden
from cunzhi.people import rules, selectors, services
from cunzhi.people.actors import AnyUser, UserRequest
from cunzhi.people.forms_regions import GridForm, RegionImportForm
from cunzhi.people.models import User
from cunzhi.regions import selectors as region_selectors
from cunzhi.regions import services as region_services
from cunzhi.regions.models import Level, Region

IMPORT_DIR = "imports/regions"
IMPORT_SALT = "cunzhi.regions.import"
IMPORT_MAX_AGE = 3600  # a preview must be confirmed within the hour


def _column_labels() -> dict:
    return {"code": _("code"), "name": _("name"), "parent": _("parent code"), "level": _("level")}


def _label_errors(errors: list[dict]) -> list[dict]:
    """Name the spreadsheet column of each error in the reader's language."""
    labels = _column_labels()
    return [{**e, "column": labels.get(e.get("field", ""), e.get("field", ""))} for e in errors]


@login_required
def tree(request: UserRequest) -> HttpResponse:
    """County → township → village within the reader's scope, with head counts for staff."""
    user = request.user
    return render(
        request,
        "regions/tree.html",
        {
            "roots": selectors.region_tree(user=user),
            "can_import": rules.can_import_regions(user),
        },
    )


def _region_or_404(user: AnyUser, code: str) -> Region:
    try:
        region = region_selectors.region_by_code(code=code)
    except Region.DoesNotExist:
        raise Http404 from None
    if not rules.can_view_region(user, region):
        raise Http404
    return region


@login_required
def detail(request: UserRequest, code: str) -> HttpResponse:
    """One region: its line up the tree, its children with counts, and a village's grids and workers."""
    user = request.user
    region = _region_or_404(user, code)
    is_village = region.level == Level.VILLAGE
    show_counts = rules.can_see_counts(user, region)
    ancestors = region_selectors.region_ancestors(region)
    for a in ancestors:
        a.viewable = rules.can_view_region(user, a)
    children = selectors.region_children(region=region) if region.level != Level.GROUP else []
    totals = None
    if show_counts and is_village:
        totals = selectors.village_counts(village=region)
    elif show_counts and region.level == Level.TOWNSHIP:
        totals = {
            key: sum(getattr(c, key) for c in children) for key in ("villager_count", "household_count", "away_count")
        }
    return render(
        request,
        "regions/detail.html",
        {
            "region": region,
            "ancestors": ancestors,
            "show_counts": show_counts,
            "children": children,
            "grids": selectors.village_grids(village=region) if is_village else [],
            "totals": totals,
            "can_create_grid": rules.can_create_grid(user, region),
            "is_village": is_village,
        },
    )


@login_required
@limit_create
@require_http_methods(["GET", "POST"])
def grid_new(request: UserRequest, code: str) -> HttpResponse:
    """A cadre of the village (or the county administrator) draws a grid and names its grid worker."""
    user = request.user
    village = _region_or_404(user, code)
    if not rules.can_create_grid(user, village):
        return forbidden(request, _("Grids are drawn by the village committee or the county administrator."))
    form = GridForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        worker = selectors.user_by_phone(phone=form.cleaned_data["worker_phone"])
        if worker is None:
            form.add_error(
                "worker_phone",
                _("Nobody has an account with this mobile number. Create the grid worker's account first."),
            )
        else:
            try:
                grid = services.grid_create(actor=user, village=village, name=form.cleaned_data["name"], worker=worker)
            except ValidationError as exc:
                add_errors(form, exc)
            else:
                messages.success(
                    request,
                    _("Grid %(name)s created; %(worker)s is its grid worker.")
                    % {"name": grid.name, "worker": worker.name or worker.phone},
                )
                return redirect("regions:detail", code=village.code)
    return render(request, "regions/grid_form.html", {"village": village, "form": form})


def _import_counties(user: User) -> list[Region]:
    return region_selectors.counties_by_prefix(prefixes=rules.import_counties(user))


def _drop_old_uploads(user: User) -> None:
    """Forget this person's earlier, unconfirmed previews (one pending import per person)."""
    try:
        _dirs, files = default_storage.listdir(IMPORT_DIR)
    except FileNotFoundError:
        return
    for name in files:
        if name.startswith(f"{user.pk}-"):
            default_storage.delete(f"{IMPORT_DIR}/{name}")


@login_required
@limit_create
@require_http_methods(["GET", "POST"])
def region_import(request: UserRequest) -> HttpResponse:
    """County administrator: upload townships/villages/groups, see every error, then confirm. All or nothing."""
    user = request.user
    counties = _import_counties(user)
    if not counties:
        return forbidden(request, _("Only the county administrator imports regions."))
    if request.method == "POST" and "token" in request.POST:
        return _import_confirm(request, counties)
    form = RegionImportForm(request.POST or None, request.FILES or None, counties=counties)
    context = {"form": form, "counties": counties}
    if request.method == "POST" and form.is_valid():
        county = next(c for c in counties if c.code == form.cleaned_data["county"])
        upload = form.cleaned_data["file"]
        try:
            created, errors = region_services.regions_import(
                actor=user, fileobj=upload, filename=upload.name, county=county, commit=False
            )
        except ValidationError as exc:
            add_errors(form, exc)
            return render(request, "regions/import.html", context)
        context.update(checked=True, created=created, errors=_label_errors(errors), county=county, filename=upload.name)
        if created and not errors:
            _drop_old_uploads(user)
            upload.seek(0)
            suffix = PurePosixPath(upload.name.lower()).suffix
            stored = default_storage.save(f"{IMPORT_DIR}/{user.pk}-{secrets.token_hex(16)}{suffix}", upload)
            context["token"] = signing.dumps(
                {"u": user.pk, "c": county.pk, "f": stored, "n": upload.name}, salt=IMPORT_SALT
            )
    return render(request, "regions/import.html", context)


def _import_confirm(request: UserRequest, counties: list[Region]) -> HttpResponse:
    user = request.user
    try:
        data = signing.loads(request.POST["token"], salt=IMPORT_SALT, max_age=IMPORT_MAX_AGE)
    except signing.BadSignature:
        data = None
    county = next((c for c in counties if data and c.pk == data.get("c")), None)
    if data is None or data.get("u") != user.pk or county is None or not default_storage.exists(data["f"]):
        messages.error(request, _("This check has expired. Upload the file again; nothing was imported."))
        return redirect("regions:import")
    if request.POST.get("action") == "cancel":
        default_storage.delete(data["f"])
        messages.info(request, _("Import cancelled; nothing was imported."))
        return redirect("regions:import")
    try:
        with default_storage.open(data["f"], "rb") as fileobj:
            created, errors = region_services.regions_import(
                # Django's File hands every read to the binary file it wraps.
                actor=user,
                fileobj=cast(BinaryIO, fileobj),
                filename=data["n"],
                county=county,
                commit=True,
            )
    except ValidationError as exc:
        created, errors = 0, [{"row": "", "field": "", "message": " ".join(exc.messages)}]
    default_storage.delete(data["f"])
    if errors:
        form = RegionImportForm(counties=counties)
        return render(
            request,
            "regions/import.html",
            {
                "form": form,
                "counties": counties,
                "checked": True,
                "created": 0,
                "errors": _label_errors(errors),
                "county": county,
                "filename": data["n"],
            },
        )
    messages.success(
        request, _("%(count)d regions imported into %(county)s.") % {"count": created, "county": county.name}
    )
    return redirect("regions:tree")
