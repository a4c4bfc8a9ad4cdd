"""API for service applications: the catalogue, applications and their status, office decisions,
and the public certificate check.

- /services/catalogue: published items with steps and checklists (any logged-in caller).
- /services/applications: the caller's own applications and those of villagers they help;
  /services/work: what the caller's offices (or village committee) must decide, most urgent first.
- /services/applications/{id}: status, steps, materials; 404 outside the caller's reach. A staff
  read is logged on the villager's "who looked at my data" like a page view.
- /services/applications/{id}/accept and /step: the office's decisions (department systems).
- /services/verify/{code}: anyone, no login: genuine or not, for whom (masked), what, when.
"""

import datetime as dt

from django.db.models import QuerySet
from django.http import Http404, HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from ninja import Field, Path, Query, Router, Schema, Status
from ninja.pagination import paginate

from cunzhi.applications.models import Application, ApplicationStep, Material, MaterialSpec, ServiceItem, ServiceStep
from cunzhi.core import workdays
from cunzhi.core.apikit.errors import LIST_ERRORS, OBJECT_ERRORS, ApiError, ErrorOut, ValidationErrorOut
from cunzhi.core.apikit.pagination import Pages
from cunzhi.people import rules as people_rules
from cunzhi.people.actors import UserRequest
from cunzhi.people.models import AccessKind
from cunzhi.people.services import access_record

from . import certificates, rules, selectors, services
from .models import MaterialState

router = Router(tags=["services"])


class StepSpecOut(Schema):
    order: int
    name: str
    level: str
    office_kind: str
    time_limit_days: int


class MaterialSpecOut(Schema):
    order: int
    name: str
    core: bool
    forms: str
    example: str
    source: str = Field(
        description="Records the material can be taken from instead (empty: the applicant provides it)."
    )
    legal_basis: str = Field(description="Statutory basis for the reuse; empty means the villager's consent is asked.")
    conditional: bool = Field(description="Needed only in some cases; may be marked not applicable for an applicant.")
    condition: str = Field(description="When a conditional material is needed.")


class ItemOut(Schema):
    id: str = Field(alias="public_id")
    code: str
    name: str
    description: str
    matter: str
    office_level: str
    office_kind: str
    promised_days: int = Field(description="Promised processing time in working days.")
    conditional_allowed: bool
    valid_days: int | None
    steps: list[StepSpecOut]
    materials: list[MaterialSpecOut]

    @staticmethod
    def resolve_steps(obj: ServiceItem) -> list[ServiceStep]:
        return list(obj.steps.all())

    @staticmethod
    def resolve_materials(obj: ServiceItem) -> list[MaterialSpec]:
        return list(obj.materials.all())


class ApplicationRowOut(Schema):
    id: str = Field(alias="public_id")
    number: str
    item: str
    applicant: str
    status: str
    status_label: str
    stage: str
    submitted_at: dt.datetime
    due_at: dt.datetime | None = Field(description="When the current decision (acceptance or step) is due.")
    due_estimated: bool = Field(
        description="due_at falls in a year whose holiday arrangement is not known yet, "
        "so it was counted Monday to Friday."
    )
    overdue: bool
    supply_due_at: dt.datetime | None = Field(description="Deadline for materials missing at conditional acceptance.")
    handler_office: str | None

    @staticmethod
    def resolve_item(obj: Application) -> str:
        return obj.item.name

    @staticmethod
    def resolve_applicant(obj: Application) -> str:
        return obj.villager.name

    @staticmethod
    def resolve_status_label(obj: Application) -> str:
        return str(obj.get_status_display())

    @staticmethod
    def resolve_due_estimated(obj: Application) -> bool:
        return workdays.is_estimated(obj.due_at)

    @staticmethod
    def resolve_overdue(obj: Application) -> bool:
        return bool(obj.is_open and obj.due_at and obj.due_at < timezone.now())

    @staticmethod
    def resolve_handler_office(obj: Application) -> str | None:
        return obj.handler_office.name if obj.handler_office else None


class StepOut(Schema):
    order: int
    name: str
    office: str | None = Field(description="Empty for the applicant's village committee.")
    state: str
    started_at: dt.datetime | None
    due_at: dt.datetime | None
    decided_at: dt.datetime | None
    reason: str

    @staticmethod
    def resolve_office(obj: ApplicationStep) -> str | None:
        return obj.office.name if obj.office else None


class MaterialOut(Schema):
    order: int
    name: str
    core: bool
    conditional: bool
    state: str = Field(description="provided, reused, missing, supplied or not_applicable.")
    source: str
    legal_basis: str
    files: int
    correction: str
    not_applicable_reason: str

    @staticmethod
    def resolve_conditional(obj: Material) -> bool:
        return obj.spec.conditional

    @staticmethod
    def resolve_order(obj: Material) -> int:
        return obj.spec.order

    @staticmethod
    def resolve_name(obj: Material) -> str:
        return obj.spec.name

    @staticmethod
    def resolve_core(obj: Material) -> bool:
        return obj.spec.core

    @staticmethod
    def resolve_files(obj: Material) -> int:
        return len(obj.files.all())


class ApplicationOut(ApplicationRowOut):
    channel: str
    accepting_office: str | None
    accepted_at: dt.datetime | None
    promised_due_at: dt.datetime | None
    promised_due_estimated: bool = Field(
        description="promised_due_at was counted Monday to Friday (year not in the holiday calendar yet)."
    )
    conditional: bool
    finished_at: dt.datetime | None
    steps: list[StepOut]
    materials: list[MaterialOut]
    certificate_code: str | None

    @staticmethod
    def resolve_promised_due_estimated(obj: Application) -> bool:
        return workdays.is_estimated(obj.promised_due_at)

    @staticmethod
    def resolve_accepting_office(obj: Application) -> str | None:
        return obj.accepting_office.name if obj.accepting_office else None

    @staticmethod
    def resolve_steps(obj: Application) -> list[ApplicationStep]:
        return list(obj.steps.all())

    @staticmethod
    def resolve_materials(obj: Application) -> list[Material]:
        return list(obj.materials.all())

    @staticmethod
    def resolve_certificate_code(obj: Application) -> str | None:
        cert = selectors.certificate_of(application=obj) if obj.status == "approved" else None
        return cert.code if cert else None


class NotApplicableIn(Schema):
    reason: str = Field("", max_length=300, description="Why it does not apply; required from the applicant's side.")
    applicable: bool = Field(False, description="True: needed after all (the accepting office, before acceptance).")


class StepDecisionIn(Schema):
    decision: str = Field(pattern="^(approve|reject|return)$")
    reason: str = Field("", max_length=2000)


class CertificateVerifyOut(Schema):
    state: str = Field(description="genuine, expired, revoked or invalid (made up or altered).")
    code: str | None = None
    holder: str | None = Field(None, description="Masked name.")
    holder_id: str | None = Field(None, description="Masked ID number.")
    item: str | None = None
    office: str | None = None
    issued_at: dt.datetime | None = None
    valid_until: dt.date | None = None


class WorkFilters(Schema):
    due: str = Field("all", pattern="^(all|soon|overdue)$", description="all, soon (within two days) or overdue.")


@router.get("/services/catalogue", response={200: list[ItemOut], **LIST_ERRORS})
@paginate(Pages)
def catalogue(request: UserRequest) -> QuerySet[ServiceItem]:
    """Published service items with their steps and checklists."""
    return selectors.catalogue(user=request.user)


@router.get("/services/catalogue/{public_id}", response={200: ItemOut, **OBJECT_ERRORS})
def catalogue_item(request: UserRequest, public_id: str = Path(..., max_length=16)) -> ServiceItem:
    """One published item."""
    item = selectors.item_by_public_id(public_id=public_id)
    if item is None or not item.published:
        raise Http404
    return item


@router.get("/services/applications", response={200: list[ApplicationRowOut], **LIST_ERRORS})
@paginate(Pages)
def my_applications(request: UserRequest) -> QuerySet[Application]:
    """The caller's own applications and those of villagers who delegated applying to them."""
    own = people_rules.own_villager(request.user)
    return selectors.applications_of(villagers=([own] if own else []) + selectors.villagers_i_help(user=request.user))


@router.get("/services/work", response={200: list[ApplicationRowOut], **LIST_ERRORS})
@paginate(Pages)
def work(request: UserRequest, filters: WorkFilters = Query(...)) -> QuerySet[Application]:
    """What the caller's offices (or village committee) must decide now, most urgent first."""
    return selectors.worklist(user=request.user, due=filters.due)


def _get(request: HttpRequest, public_id: str) -> Application:
    application = selectors.application_detail(public_id=public_id)
    if application is None or not rules.can_view(
        request.user, application, {s.office_id for s in application.steps.all()}
    ):
        raise Http404
    return application


@router.get("/services/applications/{public_id}", response={200: ApplicationOut, **OBJECT_ERRORS})
def application_detail(request: UserRequest, public_id: str = Path(..., max_length=16)) -> Application:
    """One application's status, steps and materials (staff reads are logged for the villager)."""
    application = _get(request, public_id)
    if not rules.is_applicant_side(request.user, application):
        reused = [m.spec for m in application.materials.all() if m.state == MaterialState.REUSED]
        access_record(
            actor=request.user,
            villager=application.villager,
            kind=AccessKind.DATA_REUSE if reused else AccessKind.STAFF_READ,
            purpose=services.reuse_purpose(application, reused)
            if reused
            else services._official(gettext_noop("Handled application %(number)s"), number=application.number),
        )
    return application


@router.post(
    "/services/applications/{public_id}/accept", response={200: ApplicationOut, 403: ErrorOut, **OBJECT_ERRORS}
)
def application_accept(request: UserRequest, public_id: str = Path(..., max_length=16)) -> Application:
    """The accepting office accepts a complete application (422 with the reason when materials are missing)."""
    application = _get(request, public_id)
    if not rules.can_decide_acceptance(request.user, application):
        raise ApiError(403, _("Only the accepting office decides on acceptance."), "forbidden")
    services.application_accept(actor=request.user, application=application)
    return _get(request, public_id)


@router.post("/services/applications/{public_id}/step", response={200: ApplicationOut, 403: ErrorOut, **OBJECT_ERRORS})
def application_step(
    request: UserRequest, payload: StepDecisionIn, public_id: str = Path(..., max_length=16)
) -> Application:
    """The office (or village committee) of the active step approves, rejects with reasons, or returns it."""
    application = _get(request, public_id)
    if not rules.can_decide_step(request.user, application, services.active_step(application)):
        raise ApiError(403, _("This step is not waiting for your decision."), "forbidden")
    services.step_decide(actor=request.user, application=application, decision=payload.decision, reason=payload.reason)
    return _get(request, public_id)


@router.post(
    "/services/applications/{public_id}/materials/{order}/not-applicable",
    response={200: ApplicationOut, 403: ErrorOut, **OBJECT_ERRORS},
)
def material_not_applicable(
    request: UserRequest,
    payload: NotApplicableIn,
    public_id: str = Path(..., max_length=16),
    order: int = Path(..., ge=1, le=100),
) -> Application:
    """A conditional material does not apply to this applicant: the accepting office, or the applicant's side
    with a reason. It then leaves the missing materials, the notices and the supply deadline."""
    application = _get(request, public_id)
    if rules.not_applicable_role(request.user, application) is None:
        raise ApiError(
            403,
            _(
                "Only the accepting office or the applicant's side can say a material does not "
                "apply, while the application is open."
            ),
            "forbidden",
        )
    material = next((m for m in application.materials.all() if m.spec.order == order), None)
    if material is None:
        raise Http404
    services.material_not_applicable(
        actor=request.user,
        application=application,
        material=material,
        reason=payload.reason,
        applicable=payload.applicable,
    )
    return _get(request, public_id)


@router.get(
    "/services/verify/{code}",
    auth=None,
    response={200: CertificateVerifyOut, 404: CertificateVerifyOut, 422: ValidationErrorOut},
)
def verify(request: HttpRequest, code: str = Path(..., max_length=40)) -> Status:
    """Check a certificate code (no login): genuine, expired, revoked, or invalid."""
    state, cert = certificates.certificate_verify(code=code)
    if cert is None:
        return Status(404, {"state": state})
    return Status(
        200,
        {
            "state": state,
            "code": cert.code,
            "holder": cert.holder_name,
            "holder_id": cert.holder_id,
            "item": cert.item_name,
            "office": cert.office_name,
            "issued_at": cert.issued_at,
            "valid_until": cert.valid_until,
        },
    )
