"""Periodic jobs of applications (registered with the job scheduler in apps.py): terminate
conditional acceptances whose materials did not arrive, escalate overdue decisions, remind
applicants of a supply deadline. Each is idempotent: run twice, it acts once.
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_noop

from cunzhi.core.audit import audit_record
from cunzhi.core.models import AuditEvent
from cunzhi.notify.models import Urgency
from cunzhi.people.models import Office, Role, RoleAssignment

from .events import ApplicationEvent
from .models import (
    Application,
    ApplicationStep,
    Commitment,
    CommitmentState,
    DecisionNotice,
    NoticeKind,
    Stage,
    Status,
    StepState,
)

# The lifecycle's own helpers: a job finishes an application and tells people exactly as a
# decision taken by staff does.
from .services import (
    CONSEQUENCE_TEXT,
    _accepting_office,
    _after_supply,
    _finish,
    _fmt_day,
    _missing,
    _official,
    _tell,
    _tell_staff,
    mail_address,
)


def applications_terminate_overdue(*, now: dt.datetime | None = None) -> str:
    """Terminate conditional acceptances whose deadline passed with materials missing (idempotent)."""
    now = now or timezone.now()
    done = 0
    for app_id in list(
        Application.objects.filter(supply_due_at__lt=now, status=Status.IN_REVIEW).values_list("pk", flat=True)[:1000]
    ):
        with transaction.atomic():
            # Lock only the application row (FOR UPDATE may not reach the nullable side of a join).
            application = (
                Application.objects.select_for_update(of=("self",))
                .select_related("item", "villager", "accepting_office")
                .filter(pk=app_id, supply_due_at__lt=now, status=Status.IN_REVIEW)
                .first()
            )
            if application is None:
                continue
            missing = _missing(application)
            if not missing:  # everything arrived just now: the commitment is kept, not broken
                _after_supply(application, actor=None)
                continue
            names = [m.spec.name for m in missing]
            application.steps.filter(state=StepState.ACTIVE).update(
                state=StepState.REJECTED, decided_at=now, reason=_official(CONSEQUENCE_TEXT)
            )
            _finish(application, Status.TERMINATED, now=now, note="、".join(names))
            Commitment.objects.filter(application=application, state=CommitmentState.OPEN).update(
                state=CommitmentState.BROKEN, closed_at=now
            )
            DecisionNotice.objects.create(
                application=application,
                kind=NoticeKind.TERMINATION,
                office_name=_accepting_office(application).name,
                items=[{"name": n, "form": "", "note": ""} for n in names],
                message=_official(CONSEQUENCE_TEXT),
            )
            audit_record(
                actor=None,
                action=ApplicationEvent.APPLICATION_TERMINATE,
                obj=application,
                before={"status": Status.IN_REVIEW},
                after={"status": Status.TERMINATED, "missing": names, "commitment": "broken"},
            )
            _tell(application, "terminated", urgency=Urgency.URGENT, extra={"items": names})
            _tell_staff(
                application, "terminated_staff", office_id=application.accepting_office_id, extra={"items": names}
            )
            done += 1
    return f"{done} terminated"


def steps_escalate_overdue(*, now: dt.datetime | None = None) -> str:
    """Flag overdue steps and acceptance decisions once each: tell the office and the level above."""
    now = now or timezone.now()
    count = 0
    for step in ApplicationStep.objects.filter(
        state=StepState.ACTIVE, escalated_at__isnull=True, due_at__lt=now
    ).select_related("application__item", "application__villager", "office")[:1000]:
        with transaction.atomic():
            if not ApplicationStep.objects.filter(pk=step.pk, escalated_at__isnull=True).update(escalated_at=now):
                continue
            application = step.application
            assert step.due_at is not None  # selected by due_at__lt
            above = _supervisors(step.office, application.region_code)
            audit_record(
                actor=None,
                action=ApplicationEvent.APPLICATION_STEP_OVERDUE,
                obj=application,
                after={"step": step.name, "due": step.due_at.isoformat()},
            )
            _tell_staff(
                application,
                "overdue",
                office_id=step.office_id,
                urgency=Urgency.URGENT,
                also=above,
                extra={"step": step.name, "due": _fmt_day(step.due_at)},
            )
            count += 1
    for application in Application.objects.filter(
        stage=Stage.ACCEPTANCE, escalated_at__isnull=True, due_at__lt=now
    ).select_related("item", "villager", "accepting_office__region")[:1000]:
        with transaction.atomic():
            if not Application.objects.filter(
                pk=application.pk, escalated_at__isnull=True, stage=Stage.ACCEPTANCE
            ).update(escalated_at=now):
                continue
            assert application.due_at is not None  # selected by due_at__lt
            audit_record(
                actor=None,
                action=ApplicationEvent.APPLICATION_ACCEPTANCE_OVERDUE,
                obj=application,
                after={"due": application.due_at.isoformat()},
            )
            _tell_staff(
                application,
                "overdue",
                office_id=application.accepting_office_id,
                urgency=Urgency.URGENT,
                also=_supervisors(application.accepting_office, application.region_code),
                extra={"step": _official(gettext_noop("Acceptance decision")), "due": _fmt_day(application.due_at)},
            )
            count += 1
    return f"{count} overdue steps escalated"


def _supervisors(office: Office | None, region_code: str) -> list[int]:
    """One level up: the township office of the same kind over the village, then the county office, then
    the county administrators."""
    ids = []
    if office is None:  # village step: the township's service centre or civil affairs office
        upper = Office.objects.filter(region__code=region_code[:9] + "000").order_by("kind", "pk")
        ids = list(
            RoleAssignment.objects.filter(office__in=upper, role=Role.OFFICE_STAFF).values_list("user_id", flat=True)
        )
    elif office.region.level != "county":
        upper = Office.objects.filter(region__code=region_code[:6] + "000000", kind=office.kind)
        ids = list(
            RoleAssignment.objects.filter(office__in=upper, role=Role.OFFICE_STAFF).values_list("user_id", flat=True)
        )
    if not ids:
        ids = list(
            RoleAssignment.objects.filter(role=Role.COUNTY_ADMIN, region_prefix=region_code[:6]).values_list(
                "user_id", flat=True
            )
        )
    return ids


def supply_reminders(*, now: dt.datetime | None = None) -> str:
    """Remind applicants two days before a supply deadline (once: recorded in the audit trail)."""
    now = now or timezone.now()
    soon = now + dt.timedelta(days=2)
    count = 0

    for application in Application.objects.filter(
        supply_due_at__gt=now, supply_due_at__lte=soon, status=Status.IN_REVIEW
    ).select_related("item", "villager", "accepting_office")[:1000]:
        if AuditEvent.objects.filter(
            action=ApplicationEvent.APPLICATION_REMINDER,
            object_type="applications.application",
            object_id=str(application.pk),
        ).exists():
            continue
        names = [m.spec.name for m in _missing(application)]
        if not names:
            continue
        with transaction.atomic():
            audit_record(
                actor=None, action=ApplicationEvent.APPLICATION_REMINDER, obj=application, after={"missing": names}
            )
            _tell(
                application,
                "reminder",
                urgency=Urgency.URGENT,
                extra={"items": names, "deadline": _fmt_day(application.supply_due_at), "address": mail_address()},
            )
        count += 1
    return f"{count} reminders"
