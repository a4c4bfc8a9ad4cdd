"""Service application pages: my services, the catalogue, applying, the application page with the
office's decisions, work lists, kept e-mail, printable notices and certificates, public verification.

Views parse input, ask rules, call a service or selector, and render. An application outside the
reader's reach answers 404; an action the reader may not take answers 403 with a reason.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from django.views.decorators.http import require_http_methods, require_POST

from cunzhi.core.crypto import blind_index
from cunzhi.core.files import private_file_response
from cunzhi.core.idnumbers import normalize_id_number
from cunzhi.core.ratelimits import limit_create
from cunzhi.core.tabular import xlsx_response_bytes
from cunzhi.core.views import add_errors, forbidden
from cunzhi.people import rules as people_rules
from cunzhi.people.models import AccessKind, Villager
from cunzhi.people.services import access_record

from . import certificates, inbound, pdf, rules, selectors, services
from .forms import (
    AllFilterForm,
    ApplyForm,
    AssignForm,
    ConditionalForm,
    ItemForm,
    MailResolveForm,
    MaterialRows,
    NotApplicableForm,
    ReturnForm,
    StepForm,
    StepRows,
    SupplyForm,
    VerifyForm,
    WhoForm,
    WorkFilterForm,
    default_deadline,
)
from .models import (
    Application,
    Channel,
    MailState,
    MaterialState,
    NoticeKind,
    ServiceItem,
    Status,
    StepState,
)

PAGE_SIZE = 20


# --- my services ---------------------------------------------------------------------------------


@login_required
def index(request):
    """My services: my applications and those of villagers I help; my pension and homestead matters."""
    user = request.user
    own = people_rules.own_villager(user)
    helping = selectors.villagers_i_help(user=user)
    villagers = ([own] if own else []) + helping
    page = Paginator(selectors.applications_of(villagers=villagers), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "applications/index.html",
        {
            "own": own,
            "helping": helping,
            "page": page,
            "matters": selectors.matters_of(villager=own) if own else [],
            "is_staff": rules.is_staff(user),
            "can_configure": rules.can_configure(user),
            "can_see_mail": rules.can_see_mail(user),
            "today": timezone.localdate(),
        },
    )


# --- catalogue -----------------------------------------------------------------------------------


@login_required
def catalogue(request):
    user = request.user
    items = list(selectors.catalogue(user=user, include_unpublished=rules.can_configure(user)))
    return render(request, "applications/catalogue.html", {"items": items, "can_configure": rules.can_configure(user)})


@login_required
def item_detail(request, public_id):
    item = selectors.item_by_public_id(public_id=public_id)
    if item is None or (not item.published and not rules.can_configure(request.user)):
        raise Http404
    return render(
        request,
        "applications/item_detail.html",
        {"item": item, "can_configure": rules.can_configure_item(request.user, item)},
    )


def _rows_initial(item: ServiceItem | None):
    if item is None or item.pk is None:
        return [], []
    steps = [
        {"name": s.name, "level": s.level, "office_kind": s.office_kind, "time_limit_days": s.time_limit_days}
        for s in item.steps.all()
    ]
    materials = [
        {
            "spec_id": m.pk,
            "name": m.name,
            "core": m.core,
            "forms_text": m.forms,
            "example": m.example,
            "source": m.source,
            "source_item": str(m.source_item_id or ""),
            "legal_basis": m.legal_basis,
            "conditional": m.conditional,
            "condition": m.condition,
        }
        for m in item.materials.all()
    ]
    return steps, materials


@login_required
@require_http_methods(["GET", "POST"])
def item_edit(request, public_id=None):
    """The county administrator configures an item: its office, clocks, steps and checklist."""
    user = request.user
    item = None
    if public_id is not None:
        item = selectors.item_by_public_id(public_id=public_id)
        if item is None:
            raise Http404
        if not rules.can_configure_item(user, item):
            return forbidden(request, _("Only the county administrator configures the catalogue."))
    elif not rules.can_configure(user):
        return forbidden(request, _("Only the county administrator configures the catalogue."))
    others = list(ServiceItem.objects.exclude(pk=item.pk if item else None).only("pk", "name"))
    step_initial, material_initial = _rows_initial(item)
    data = request.POST if request.method == "POST" else None
    form = ItemForm(data, instance=item)
    steps = StepRows(data, prefix="steps", initial=step_initial)
    materials = MaterialRows(data, prefix="materials", initial=material_initial, form_kwargs={"items": others})
    if request.method == "POST" and form.is_valid() and steps.is_valid() and materials.is_valid():
        obj = form.save(commit=False)
        if not obj.region_code:
            obj.region_code = people_rules.prefixes(user, rules.ADMIN_ROLES)[0].ljust(12, "0")
        specs = {m.pk: m for m in (item.materials.all() if item else [])}
        by_pk = {str(o.pk): o for o in others}
        step_rows = [dict(r) for r in steps.cleaned_data if r]
        material_rows = [
            {
                "spec": specs.get(r.get("spec_id")),
                "name": r.get("name", ""),
                "core": r.get("core"),
                "forms": r.get("forms_text", ""),
                "example": r.get("example", ""),
                "source": r.get("source", ""),
                "source_item": by_pk.get(r.get("source_item") or ""),
                "legal_basis": r.get("legal_basis", ""),
                "conditional": r.get("conditional"),
                "condition": r.get("condition", ""),
            }
            for r in materials.cleaned_data
            if r
        ]
        try:
            obj = services.item_configure(actor=user, item=obj, steps=step_rows, materials=material_rows)
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            messages.success(request, _("The service “%(name)s” is saved.") % {"name": obj.name})
            return redirect("applications:item_detail", public_id=obj.public_id)
    return render(
        request, "applications/item_form.html", {"form": form, "steps": steps, "materials": materials, "item": item}
    )


# --- applying ------------------------------------------------------------------------------------


def _villager_for(request, item):
    """The villager this apply page is for, from ?for=; None means the chooser must be shown."""
    user = request.user
    key = request.GET.get("for", "")
    if key:
        villager = Villager.objects.select_related("household", "village").filter(public_id=key).first()
        if villager is None or rules.apply_channel(user, villager) is None:
            raise Http404
        return villager
    own = people_rules.own_villager(user)
    if own and not selectors.villagers_i_help(user=user) and not people_rules.has_role(user, rules.STATION_ROLES):
        return own
    return None


@login_required
@limit_create
@require_http_methods(["GET", "POST"])
def apply(request, public_id):
    """Apply: choose for whom (self, a villager I help, a villager at the station), then the checklist."""
    user = request.user
    item = selectors.item_by_public_id(public_id=public_id)
    if item is None or not item.published:
        raise Http404
    villager = _villager_for(request, item)
    if villager is None:
        return _choose_villager(request, item)
    channel = rules.apply_channel(user, villager)
    barred = services.has_broken_commitment(villager)
    checklist = services.checklist_for(item=item, villager=villager)
    posted = request.method == "POST"
    form = ApplyForm(
        request.POST if posted else None,
        request.FILES if posted else None,
        checklist=checklist,
        item=item,
        channel=channel,
        commitment_barred=barred,
    )
    if request.method == "POST" and form.is_valid():
        try:
            application = services.application_submit(
                actor=user,
                item=item,
                villager=villager,
                uploads=form.uploads(),
                consents=form.consents(),
                commitment=form.cleaned_data.get("commitment", False),
                note=form.cleaned_data.get("note", ""),
                station_confirmed=form.cleaned_data.get("station_confirmed", False),
                not_applicable=form.not_applicable(),
            )
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            messages.success(
                request,
                _("Application %(number)s is submitted. The office decides whether to accept it by %(due)s.")
                % {"number": application.number, "due": timezone.localtime(application.due_at).date()},
            )
            return redirect("applications:detail", public_id=application.public_id)
    return render(
        request,
        "applications/apply.html",
        {
            "item": item,
            "villager": villager,
            "channel": channel,
            "form": form,
            "checklist": checklist,
            "barred": barred and item.conditional_allowed,
            "missing_core": [c for c in checklist if c["spec"].core and not c["reusable"]],
        },
    )


def _choose_villager(request, item):
    user = request.user
    own = people_rules.own_villager(user)
    helping = selectors.villagers_i_help(user=user)
    station = people_rules.has_role(user, rules.STATION_ROLES)
    who = WhoForm(request.POST or None) if station else None
    if request.method == "POST" and who is not None and who.is_valid():
        try:
            number = normalize_id_number(who.cleaned_data["id_number"])
        except ValidationError:
            number = ""
        villager = Villager.objects.filter(id_hash=blind_index(number)).first() if number else None
        if villager is not None and rules.apply_channel(user, villager) == Channel.STATION:
            return redirect(f"{request.path}?for={villager.public_id}")
        who.add_error("id_number", _("No villager with this ID number is registered in your village."))
    if not own and not helping and not station:
        return forbidden(
            request, _("Only a registered villager, their helper, or the village service station can apply.")
        )
    return render(request, "applications/choose.html", {"item": item, "own": own, "helping": helping, "who": who})


# --- the application page -----------------------------------------------------------------------


def _load(request, public_id) -> Application:
    application = selectors.application_detail(public_id=public_id)
    if application is None or not rules.can_view(
        request.user, application, {s.office_id for s in application.steps.all()}
    ):
        raise Http404
    return application


def _active(application):
    return next((s for s in application.steps.all() if s.state == StepState.ACTIVE), None)


def _render_detail(request, application, status=200, **forms):
    user = request.user
    step = _active(application)
    materials = list(application.materials.all())
    missing = [m for m in materials if m.state == MaterialState.MISSING]
    applicant_side = rules.is_applicant_side(user, application)
    ctx = {
        "a": application,
        "materials": materials,
        "missing": missing,
        "step": step,
        "steps": list(application.steps.all()),
        "notices": list(application.notices.all()),
        "applicant_side": applicant_side,
        "now": timezone.now(),
        "certificate": selectors.certificate_of(application=application)
        if application.status == Status.APPROVED
        else None,
        "commitment": getattr(application, "commitment", None) if application.conditional else None,
        "mail_address": services.mail_address(),
    }
    if rules.can_decide_acceptance(user, application) and application.status == Status.SUBMITTED:
        core_missing = [m for m in missing if m.spec.core]
        limit = services.conditional_deadline_limit(application)
        ctx.update(
            {
                "deciding": True,
                "core_missing": core_missing,
                "limit": limit,
                "return_form": forms.get("return_form") or ReturnForm(materials=materials),
                "conditional_form": forms.get("conditional_form")
                or ConditionalForm(missing=missing, initial={"deadline": default_deadline(limit)}),
                "broken": services.has_broken_commitment(application.villager),
            }
        )
    if rules.can_decide_step(user, application, step):
        ctx["step_form"] = forms.get("step_form") or StepForm()
    if applicant_side and application.is_open and application.status != Status.RETURNED:
        ctx["supply_form"] = forms.get("supply_form") or SupplyForm()
    # Conditional materials: who may say one does not apply (the office, or the applicant with a reason).
    ctx["na_role"] = rules.not_applicable_role(user, application)
    ctx["na_form"] = forms.get("na_form")
    ctx["na_undo"] = ctx["na_role"] == "staff" and application.status in (Status.SUBMITTED, Status.RETURNED)
    if applicant_side and application.status == Status.RETURNED:
        checklist = [{"spec": m.spec, "reusable": False, "snapshot": None, "needs_consent": False} for m in materials]
        ctx["resubmit_form"] = forms.get("resubmit_form") or ApplyForm(checklist=checklist, resubmit=True)
    if application.unsorted_files and rules.can_sort_mail(user, application) and application.is_open:
        ctx["assign_materials"] = materials
    ctx["error_message"] = forms.get("error_message")
    return render(request, "applications/detail.html", ctx, status=status)


@login_required
def detail(request, public_id):
    application = _load(request, public_id)
    user = request.user
    if not rules.is_applicant_side(user, application):
        # Staff reading the application read the applicant's data; reused records are named with their basis.
        reused = [m.spec for m in application.materials.all() if m.state == MaterialState.REUSED]
        if reused:
            access_record(
                actor=user,
                villager=application.villager,
                kind=AccessKind.DATA_REUSE,
                purpose=services.reuse_purpose(application, reused),
            )
        else:
            access_record(
                actor=user,
                villager=application.villager,
                kind=AccessKind.STAFF_READ,
                purpose=services._official(gettext_noop("Handled application %(number)s"), number=application.number),
            )
    return _render_detail(request, application)


def _act(request, public_id, allowed, message):
    """Load for a POST action; (application, None) or (None, refusal response)."""
    application = _load(request, public_id)
    if not allowed(request.user, application):
        return None, forbidden(request, message)
    return application, None


@login_required
@require_POST
def accept(request, public_id):
    application, refused = _act(
        request, public_id, rules.can_decide_acceptance, _("Only the accepting office decides on acceptance.")
    )
    if refused:
        return refused
    try:
        services.application_accept(actor=request.user, application=application)
    except ValidationError as exc:
        return _render_detail(request, application, status=400, error_message=" ".join(exc.messages))
    messages.success(request, _("Accepted. Review has started."))
    return redirect("applications:detail", public_id=public_id)


@login_required
@require_POST
def return_(request, public_id):
    application, refused = _act(
        request, public_id, rules.can_decide_acceptance, _("Only the accepting office decides on acceptance.")
    )
    if refused:
        return refused
    form = ReturnForm(request.POST, materials=list(application.materials.all()))
    if form.is_valid():
        try:
            services.application_return(
                actor=request.user,
                application=application,
                corrections=form.corrections(),
                message=form.cleaned_data["message"],
            )
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            messages.success(request, _("Returned with one notice listing every correction."))
            return redirect("applications:detail", public_id=public_id)
    return _render_detail(request, application, status=400, return_form=form)


@login_required
@require_POST
def conditional(request, public_id):
    application, refused = _act(
        request, public_id, rules.can_decide_acceptance, _("Only the accepting office decides on acceptance.")
    )
    if refused:
        return refused
    missing = [m for m in application.materials.all() if m.state == MaterialState.MISSING]
    form = ConditionalForm(request.POST, missing=missing)
    if form.is_valid():
        try:
            notice = services.application_accept_conditionally(
                actor=request.user,
                application=application,
                deadline=form.cleaned_data["deadline"],
                forms=form.forms_by_material(),
            )
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            messages.success(request, _("Accepted conditionally. The notice is ready to print."))
            return redirect(reverse("applications:detail", args=[public_id]) + f"#notice-{notice.public_id}")
    return _render_detail(request, application, status=400, conditional_form=form)


@login_required
@require_POST
def step(request, public_id):
    application, refused = _act(
        request,
        public_id,
        lambda u, a: rules.can_decide_step(u, a, _active(a)),
        _("This step is not waiting for your decision."),
    )
    if refused:
        return refused
    form = StepForm(request.POST)
    if form.is_valid():
        try:
            services.step_decide(
                actor=request.user,
                application=application,
                decision=form.cleaned_data["decision"],
                reason=form.cleaned_data["reason"],
            )
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            messages.success(request, _("Decision recorded."))
            return redirect("applications:detail", public_id=public_id)
    application = _load(request, public_id)
    return _render_detail(request, application, status=400, step_form=form)


@login_required
@limit_create
@require_POST
def supply(request, public_id, material_id):
    application, refused = _act(
        request,
        public_id,
        rules.is_applicant_side,
        _("Only the applicant, their helper or the station can add materials."),
    )
    if refused:
        return refused
    material = next((m for m in application.materials.all() if m.pk == material_id), None)
    if material is None:
        raise Http404
    form = SupplyForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            services.material_supply(
                actor=request.user, application=application, material=material, files=form.cleaned_data["file"]
            )
        except ValidationError as exc:
            if hasattr(exc, "error_dict"):
                exc = ValidationError([m for msgs in exc.message_dict.values() for m in msgs])
            add_errors(form, exc)
        else:
            messages.success(request, _("Received: %(name)s.") % {"name": material.spec.name})
            return redirect("applications:detail", public_id=public_id)
    form.material_id = material.pk
    return _render_detail(request, application, status=400, supply_form=form)


@login_required
@require_POST
def not_applicable(request, public_id, material_id):
    """A conditional material does not apply to this applicant (the office, or the applicant with a reason)."""
    application, refused = _act(
        request,
        public_id,
        lambda u, a: rules.not_applicable_role(u, a) is not None,
        _(
            "Only the accepting office or the applicant's side can say a material does not "
            "apply, while the application is open."
        ),
    )
    if refused:
        return refused
    material = next((m for m in application.materials.all() if m.pk == material_id), None)
    if material is None:
        raise Http404
    form = NotApplicableForm(request.POST)
    if form.is_valid():
        try:
            services.material_not_applicable(
                actor=request.user,
                application=application,
                material=material,
                reason=form.cleaned_data["reason"],
                applicable=form.cleaned_data["applicable"],
            )
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            messages.success(
                request,
                (
                    _("“%(name)s” is needed again.")
                    if form.cleaned_data["applicable"]
                    else _("“%(name)s” does not apply: it is no longer missing.")
                )
                % {"name": material.spec.name},
            )
            return redirect(reverse("applications:detail", args=[public_id]) + f"#material-{material.spec.order}")
    form.material_id = material.pk
    application = _load(request, public_id)
    return _render_detail(request, application, status=400, na_form=form)


@login_required
@limit_create
@require_POST
def resubmit(request, public_id):
    application, refused = _act(
        request,
        public_id,
        rules.is_applicant_side,
        _("Only the applicant, their helper or the station can correct the application."),
    )
    if refused:
        return refused
    checklist = [
        {"spec": m.spec, "reusable": False, "snapshot": None, "needs_consent": False}
        for m in application.materials.all()
    ]
    form = ApplyForm(request.POST, request.FILES, checklist=checklist, resubmit=True)
    if form.is_valid():
        try:
            services.application_resubmit(
                actor=request.user,
                application=application,
                uploads=form.uploads(),
                note=form.cleaned_data.get("note", ""),
            )
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            messages.success(request, _("Corrections sent. The office decides again on acceptance."))
            return redirect("applications:detail", public_id=public_id)
    return _render_detail(request, application, status=400, resubmit_form=form)


@login_required
@require_POST
def assign(request, public_id):
    application, refused = _act(request, public_id, rules.can_sort_mail, _("Only the office can file attachments."))
    if refused:
        return refused
    materials = list(application.materials.all())
    form = AssignForm(request.POST, materials=materials)
    file = next((f for f in application.unsorted_files if form.data.get("file") == f.public_id), None)
    if file is None or not form.is_valid():
        messages.error(request, _("Choose a file and the material it belongs to."))
    else:
        material = next(m for m in materials if m.pk == form.cleaned_data["material"])
        try:
            inbound.file_assign(actor=request.user, application=application, file=file, material=material)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, _("Filed as %(name)s.") % {"name": material.spec.name})
    return redirect("applications:detail", public_id=public_id)


@login_required
def file_download(request, public_id, file_id):
    application = _load(request, public_id)
    file = application.files.filter(public_id=file_id).first()
    if file is None:
        raise Http404
    ext = file.file.name.rsplit(".", 1)[-1]
    return private_file_response(file.file, filename=f"{application.number}-{file.pk}.{ext}")


# --- printable documents ------------------------------------------------------------------------


@login_required
def notice_pdf(request, public_id, notice_id):
    application = _load(request, public_id)
    notice = next((n for n in application.notices.all() if n.public_id == notice_id), None)
    if notice is None:
        raise Http404
    data = pdf.pdf_bytes(
        "applications/pdf/notice.html",
        {
            "a": application,
            "notice": notice,
            "commitment": getattr(application, "commitment", None),
            "address": services.mail_address(),
            "kinds": NoticeKind,
        },
    )
    return pdf.pdf_response(data, f"{application.number}-{notice.kind}.pdf")


@login_required
def certificate_pdf(request, public_id):
    application = _load(request, public_id)
    cert = selectors.certificate_of(application=application)
    if cert is None:
        raise Http404
    url = pdf.verify_url(cert.code)
    data = pdf.pdf_bytes(
        "applications/pdf/certificate.html",
        {
            "a": application,
            "cert": cert,
            "verify_url": url,
            "qr": pdf.qr_data_uri(url),
            "verify_page": pdf.verify_url("").rstrip("/") + "/" if pdf.verify_path("") else url,
        },
    )
    return pdf.pdf_response(data, f"{application.number}-certificate.pdf")


# --- staff lists ---------------------------------------------------------------------------------


@login_required
def worklist(request):
    """The office's work list: what waits for its decision, most urgent first; due soon and overdue filters."""
    user = request.user
    if not rules.is_staff(user):
        return forbidden(request, _("This page is for office staff and village committees."))
    form = WorkFilterForm(request.GET or None)
    due = form.cleaned_data.get("due") if form.is_valid() else "all"
    qs = selectors.worklist(user=user, due=due or "all")
    if request.GET.get("format") == "xlsx":
        return _worklist_xlsx(qs[:5000])
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request, "applications/worklist.html", {"form": form, "page": page, "now": timezone.now(), "due": due or "all"}
    )


def _worklist_xlsx(rows):
    header = [
        _("Application number"),
        _("Service"),
        _("Applicant"),
        _("Stage"),
        _("Handled by"),
        _("Due"),
        _("Overdue"),
    ]
    now = timezone.now()
    data = xlsx_response_bytes(
        header,
        (
            [
                a.number,
                a.item.name,
                a.villager.name,
                a.get_stage_display(),
                a.handler_office.name if a.handler_office_id else _("Village committee"),
                timezone.localtime(a.due_at).strftime("%Y-%m-%d") if a.due_at else "",
                _("yes") if a.due_at and a.due_at < now else "",
            ]
            for a in rows
        ),
        sheet_title=_("Work list"),
    )
    response = HttpResponse(data, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    response["Content-Disposition"] = 'attachment; filename="worklist.xlsx"'
    return response


@login_required
def all_applications(request):
    user = request.user
    if not rules.is_staff(user):
        return forbidden(request, _("This page is for office staff and village committees."))
    form = AllFilterForm(request.GET or None)
    data = form.cleaned_data if form.is_valid() else {}
    qs = selectors.applications_in_scope(user=user, status=data.get("status", ""), number=data.get("number", ""))
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "applications/all.html", {"form": form, "page": page})


@login_required
def mail_list(request):
    """E-mail the receiver kept because it could not be matched: staff decide what to do with it."""
    user = request.user
    if not rules.can_see_mail(user):
        return forbidden(request, _("This page is for office staff."))
    state = request.GET.get("state", MailState.UNMATCHED)
    if state not in MailState.values:
        state = MailState.UNMATCHED
    page = Paginator(selectors.mail_visible(user=user, state=state), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "applications/mail_list.html",
        {"page": page, "state": state, "states": MailState.choices, "address": services.mail_address()},
    )


@login_required
@require_http_methods(["GET", "POST"])
def mail_detail(request, public_id):
    user = request.user
    if not rules.can_see_mail(user):
        return forbidden(request, _("This page is for office staff."))
    mail = selectors.mail_visible(user=user, state="").filter(public_id=public_id).first()
    if mail is None:
        raise Http404
    form = MailResolveForm(
        request.POST or None, initial={"number": mail.application.number if mail.application else ""}
    )
    if request.method == "POST" and form.is_valid():
        number = form.cleaned_data["number"].strip()
        application = (
            Application.objects.select_related("item", "villager").filter(number=number).first() if number else None
        )
        if number and (application is None or not rules.can_sort_mail(user, application)):
            form.add_error("number", _("No application with this number is handled by your office."))
        else:
            try:
                inbound.mail_resolve(actor=user, mail=mail, application=application, note=form.cleaned_data["note"])
            except ValidationError as exc:
                add_errors(form, exc)
            else:
                messages.success(request, _("The e-mail is handled."))
                return redirect("applications:mail_list")
    parsed = inbound.parse(mail.raw.open("rb").read())
    return render(request, "applications/mail_detail.html", {"mail": mail, "form": form, "parsed": parsed})


@login_required
def mail_raw(request, public_id):
    if not rules.can_see_mail(request.user):
        return forbidden(request, _("This page is for office staff."))
    mail = selectors.mail_visible(user=request.user, state="").filter(public_id=public_id).first()
    if mail is None:
        raise Http404
    return private_file_response(mail.raw, filename=f"mail-{mail.public_id}.eml", inline=False)


# --- public verification ------------------------------------------------------------------------


def verify_form(request):
    """Anyone checks a certificate by its code (no login): the QR code leads to verify_check."""
    form = VerifyForm(request.GET or None)
    if form.is_bound and form.is_valid():
        code = certificates.code_normalize(form.cleaned_data["code"])
        if code:
            return redirect(pdf.verify_path(code))
        return _verify_render(request, "invalid", None, form.cleaned_data["code"], form)
    return render(request, "applications/verify.html", {"form": form})


def verify_check(request, code):
    state, cert = certificates.certificate_verify(code=code)
    return _verify_render(request, state, cert, code, VerifyForm(initial={"code": code}))


def _verify_render(request, state, cert, code, form):
    response = render(
        request,
        "applications/verify.html",
        {"form": form, "state": state, "cert": cert, "code": code[:40]},
        status=200 if cert else 404,
    )
    response["Cache-Control"] = "no-store"
    return response
