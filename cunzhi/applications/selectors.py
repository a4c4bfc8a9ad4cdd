"""Reads for service applications. Lists are scoped to the reader and run a fixed number of queries."""

import datetime as dt
from typing import Any

from django.db.models import Count, F, Prefetch, Q, QuerySet
from django.utils import timezone

from cunzhi.core.figures import as_rates, grouped
from cunzhi.people import rules as people_rules
from cunzhi.people import selectors as people_selectors
from cunzhi.people.actors import AnyUser
from cunzhi.people.models import DelegationScope, Villager

from . import rules
from .models import (
    Application,
    ApplicationStep,
    Certificate,
    InboundMail,
    MailState,
    Material,
    MaterialFile,
    ServiceItem,
    Stage,
    Status,
)

DUE_SOON_DAYS = 2
WORK_FILTERS = ("all", "soon", "overdue")


def catalogue(*, user: AnyUser, include_unpublished: bool = False) -> QuerySet[ServiceItem]:
    """Items on the list (the county administrator also sees unpublished ones), with steps and materials."""
    qs = ServiceItem.objects.prefetch_related("steps", "materials")
    if not include_unpublished:
        qs = qs.filter(published=True)
    return qs


def item_by_public_id(*, public_id: str) -> ServiceItem | None:
    return ServiceItem.objects.prefetch_related("steps", "materials__source_item").filter(public_id=public_id).first()


def villagers_i_help(*, user: AnyUser) -> list[Villager]:
    """Villagers who gave this user an active delegation to apply for services for them."""
    return people_selectors.villagers_helped(user=user, scope=DelegationScope.APPLICATIONS)


def _list_related(qs: QuerySet[Application]) -> QuerySet[Application]:
    # Lists show names only: the encrypted ID number is not loaded (nor decrypted) for each row.
    return qs.select_related("item", "villager", "accepting_office", "handler_office").defer(
        "villager__id_number", "villager__id_hash", "item__description", "note", "result_note"
    )


def applications_of(*, villagers: list[Villager]) -> QuerySet[Application]:
    """Applications of these villagers (the villager's own, and those of villagers they help), newest first."""
    return _list_related(Application.objects.filter(villager__in=villagers)).order_by("-submitted_at", "-id")


def matters_of(*, villager: Villager) -> list[dict[str, Any]]:
    """For "my services": per matter (pension, homestead...), the latest application and any valid certificate."""
    latest: dict[str, Application] = {}
    for app in Application.objects.filter(villager=villager).select_related("item").order_by("-submitted_at")[:50]:
        latest.setdefault(app.item.matter, app)
    certs: dict[str, Certificate] = {}
    for cert in (
        Certificate.objects.filter(application__villager=villager, revoked_at__isnull=True)
        .select_related("application__item")
        .order_by("-issued_at")[:50]
    ):
        certs.setdefault(cert.application.item.matter, cert)
    out = []
    for matter in ("pension", "homestead"):
        out.append({"matter": matter, "application": latest.get(matter), "certificate": certs.get(matter)})
    return out


def worklist(*, user: AnyUser, due: str = "all", now: dt.datetime | None = None) -> QuerySet[Application]:
    """What the user's offices (or village committee) must act on now, most urgent first."""
    now = now or timezone.now()
    parts = []
    offices = sorted(rules.office_ids(user))
    if offices:
        # Finished and returned applications have no handler office: this is open work only.
        parts.append(Q(handler_office_id=offices[0]) if len(offices) == 1 else Q(handler_office_id__in=offices))
    for prefix in people_rules.prefixes(user, rules.VILLAGE_STEP_ROLES):
        parts.append(Q(region_code__under=prefix, stage=Stage.STEP, handler_office__isnull=True))
    if not parts:
        return Application.objects.none()
    q = parts[0]
    for part in parts[1:]:
        q |= part
    qs = Application.objects.filter(q)
    if due == "overdue":
        qs = qs.filter(due_at__lt=now)
    elif due == "soon":
        qs = qs.filter(due_at__gte=now, due_at__lt=now + dt.timedelta(days=DUE_SOON_DAYS))
    return _list_related(qs).order_by("due_at", "id")


def applications_in_scope(*, user: AnyUser, status: str = "", number: str = "") -> QuerySet[Application]:
    """Every application a cadre or county administrator may read in their regions (office staff: theirs)."""
    parts = [Q(region_code__under=p) for p in people_rules.prefixes(user, rules.VILLAGE_READ_ROLES)]
    offices = sorted(rules.office_ids(user))
    if offices:
        parts.append(Q(accepting_office_id=offices[0]) if len(offices) == 1 else Q(accepting_office_id__in=offices))
    if not parts:
        return Application.objects.none()
    q = parts[0]
    for part in parts[1:]:
        q |= part
    qs = Application.objects.filter(q)
    if status in Status.values:
        qs = qs.filter(status=status)
    if number:
        qs = qs.filter(number__startswith=number.strip())
    return _list_related(qs).order_by("-submitted_at", "-id")


# --- registered with notify (notices about an application) and people (an office's cases) ------------


def application_readable(user: AnyUser, pk: int) -> bool:
    """Whoever may open the application may read the notices about it."""
    application = Application.objects.select_related("villager").filter(pk=pk).first()
    return application is not None and rules.can_view(user, application)


def applications_readable(user: AnyUser) -> QuerySet[Application]:
    """Applications whose notices a staff member's list of notices shows: those of their own list."""
    return applications_in_scope(user=user)


def office_case_villagers(office_ids: set[int]) -> QuerySet[Application, int]:
    """Villagers who applied for something these offices accept."""
    return (
        Application.objects.filter(accepting_office_id__in=office_ids).order_by().values_list("villager_id", flat=True)
    )


def office_step_villagers(office_ids: set[int]) -> QuerySet[ApplicationStep, int]:
    """Villagers whose application has a step these offices handle. A finder of its own, not an OR with the
    accepting office: under the OR, SQLite read every application of the county with its steps (38 ms for a
    township office's villager list at county scale); apart, each is found through its own index."""
    return (
        ApplicationStep.objects.filter(office_id__in=office_ids)
        .order_by()
        .values_list("application__villager_id", flat=True)
    )


def application_detail(*, public_id: str) -> Application | None:
    """One application with everything its page shows (fixed number of queries)."""
    return (
        Application.objects.select_related(
            "item",
            "villager__user",
            "villager__village",
            "villager__household",
            "submitted_by",
            "accepting_office",
            "handler_office",
        )
        .prefetch_related(
            Prefetch(
                "materials",
                queryset=Material.objects.select_related("spec", "not_applicable_by").prefetch_related("files"),
            ),
            Prefetch("steps", queryset=ApplicationStep.objects.select_related("office", "decided_by")),
            Prefetch(
                "files",
                queryset=MaterialFile.objects.filter(material__isnull=True).order_by("created_at"),
                to_attr="unsorted_files",
            ),
            "notices",
        )
        .filter(public_id=public_id)
        .first()
    )


def certificate_of(*, application: Application) -> Certificate | None:
    return Certificate.objects.filter(application=application).first()


def mail_visible(*, user: AnyUser, state: str = MailState.UNMATCHED) -> QuerySet[InboundMail]:
    """Kept e-mail for staff: matched to an application in their county, or not matched to any."""
    if people_rules.has_role(user, rules.ADMIN_ROLES):
        q = people_rules.scope_q(user, rules.ADMIN_ROLES) | Q(region_code="")
    elif rules.office_ids(user):
        q = Q(application__accepting_office_id__in=sorted(rules.office_ids(user))) | Q(region_code="")
    else:
        return InboundMail.objects.none()
    qs = InboundMail.objects.filter(q).select_related("application")
    if state:
        qs = qs.filter(state=state)
    return qs.order_by("-received_at", "-id")


# ---------------------------------------------------------------- figures (insights reads these; core/figures.py)


def figures_on_time_cases(*, prefix: str, start: dt.datetime, end: dt.datetime) -> tuple[QuerySet[Application], Q]:
    """The applications the on-time figure counts (decided in the period) and its numerator's condition
    (within the promised time): one definition for insights' figure and its drill-through."""
    qs = Application.objects.filter(
        region_code__under=prefix,
        finished_at__gte=start,
        finished_at__lt=end,
        status__in=[Status.APPROVED, Status.REJECTED],
    )
    return qs, Q(finished_at__lte=F("promised_due_at"))


def figures_on_time(
    *, prefix: str, length: int, start: dt.datetime, end: dt.datetime
) -> dict[str, tuple[int, int | None]]:
    """Applications decided in the period within the promised time, of all decided in the period."""
    qs, on_time = figures_on_time_cases(prefix=prefix, start=start, end=end)
    return as_rates(grouped(qs, "region_code", length, n=Count("id", filter=on_time), d=Count("id")))
