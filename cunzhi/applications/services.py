"""Writes for service applications, the lifecycle: catalogue, submission, the acceptance decision
(accept, return with one notice, accept conditionally), supplying materials, workflow steps.
Beside it: certificates.py (issue, verify), inbound.py (e-mailed materials), jobs.py (periodic
termination, escalation, reminders).

Every state change writes one audit row; the applicant (and the helper who filed for them) is told
of every decision through notify.services.notice_send with this app's message templates.
"""

from __future__ import annotations

import datetime as dt
import secrets

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F, ProtectedError, Q
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from cunzhi.core.audit import audit_record
from cunzhi.core.files import IntakeFile, file_intake
from cunzhi.core.links import absolute_url
from cunzhi.core.text import join_list
from cunzhi.core.workdays import add_working_days, end_of_day
from cunzhi.notify.models import Urgency
from cunzhi.notify.services import notice_send
from cunzhi.people.actors import Actor
from cunzhi.people.models import AccessKind, DelegationScope, Office, Role, RoleAssignment, User, Villager
from cunzhi.people.services import access_record, delegation_use

from . import rules
from .certificates import certificate_issue
from .events import ApplicationEvent
from .models import (
    Application,
    ApplicationStep,
    Certificate,
    Channel,
    Commitment,
    CommitmentState,
    DecisionNotice,
    FileVia,
    Level,
    Material,
    MaterialFile,
    MaterialSpec,
    MaterialState,
    NoticeKind,
    ServiceItem,
    ServiceStep,
    Source,
    Stage,
    Status,
    StepState,
)

# Text of the commitment the applicant agrees to when asking for conditional acceptance. Stored as
# agreed, in the official language (settings.LANGUAGE_CODE), with the deadline filled in.
COMMITMENT_TEXT = gettext_noop(
    "I commit to supply every missing material listed in the notice, in the form stated, by "
    "%(deadline)s. I understand that if I do not, the application is terminated, the broken "
    "commitment is recorded, and conditional acceptance will not be available to me again."
)
CONSEQUENCE_TEXT = gettext_noop(
    "If any listed material has not arrived by the deadline, the application is terminated "
    "automatically, the broken commitment is recorded, and conditional acceptance will not be "
    "available to the applicant again."
)


def accept_days() -> int:
    """Working days an office has for the acceptance decision (domain.md: on the spot or within 5)."""
    return settings.APPLICATIONS_ACCEPT_DAYS


def mail_address() -> str:
    return settings.APPLICATIONS_MAIL_ADDRESS


# --- clocks -------------------------------------------------------------------------------------
# Every time limit of this domain is in working days of the State Council's calendar (statutory
# holidays off, adjusted weekend days on), counted in cunzhi.core.workdays: end_of_day and
# add_working_days are that module's, imported here for this domain's callers.


# --- catalogue ----------------------------------------------------------------------------------


def _clean_rows(rows: list[dict], required: tuple[str, ...], label: str) -> list[dict]:
    rows = [r for r in rows if any(str(r.get(k) or "").strip() for k in required)]
    for r in rows:
        for k in required:
            if not str(r.get(k) or "").strip():
                raise ValidationError(_("%(what)s: every row needs all its fields filled in.") % {"what": label})
    return rows


def item_configure(*, actor: User, item: ServiceItem, steps: list[dict], materials: list[dict]) -> ServiceItem:
    """Save an item with its steps and checklist, all or nothing (the county administrator's form)."""
    steps = _clean_rows(steps, ("name", "level", "time_limit_days"), _("Steps"))
    materials = _clean_rows(materials, ("name", "forms"), _("Materials"))
    if not steps:
        raise ValidationError(_("An item needs at least one step."))
    if not materials:
        raise ValidationError(_("An item needs at least one material on its checklist."))
    if not any(m.get("core") for m in materials):
        raise ValidationError(_("At least one material must be a core material."))
    total = sum(int(s["time_limit_days"]) for s in steps)
    if total > item.promised_days:
        raise ValidationError(
            _("The steps take %(steps)s working days, more than the promised %(days)s.")
            % {"steps": total, "days": item.promised_days}
        )
    for s in steps:
        if s["level"] != Level.VILLAGE and not s.get("office_kind"):
            raise ValidationError(
                _("Step “%(name)s”: choose the kind of office that handles it.") % {"name": s["name"]}
            )
    for m in materials:
        if m.get("source") == Source.CERTIFICATE and not m.get("source_item"):
            raise ValidationError(_("Material “%(name)s”: choose whose certificate is reused.") % {"name": m["name"]})
        if m.get("conditional") and not (m.get("condition") or "").strip():
            raise ValidationError(
                _("Material “%(name)s”: say when it is needed (for example: if a household member is disabled).")
                % {"name": m["name"]}
            )
    if item.office_level == Level.VILLAGE:
        raise ValidationError(_("Applications are accepted by a township or county office, not the village."))
    is_new = item.pk is None
    try:
        with transaction.atomic():
            item.save()
            keep_steps, keep_materials = [], []
            for n, s in enumerate(steps, start=1):
                step, _c = ServiceStep.objects.update_or_create(
                    item=item,
                    order=n,
                    defaults={
                        "name": s["name"].strip(),
                        "level": s["level"],
                        "office_kind": "" if s["level"] == Level.VILLAGE else s["office_kind"],
                        "time_limit_days": int(s["time_limit_days"]),
                    },
                )
                keep_steps.append(step.pk)
            ServiceStep.objects.filter(item=item).exclude(pk__in=keep_steps).delete()
            # Orders are rewritten in two passes so that the unique (item, order) never collides.
            MaterialSpec.objects.filter(item=item).update(order=F("order") + 1000)
            for n, m in enumerate(materials, start=1):
                values = {
                    "item": item,
                    "order": n,
                    "name": m["name"].strip(),
                    "core": bool(m.get("core")),
                    "forms": m["forms"].strip(),
                    "example": (m.get("example") or "").strip(),
                    "source": m.get("source") or "",
                    "source_item": m.get("source_item"),
                    "legal_basis": (m.get("legal_basis") or "").strip(),
                    "conditional": bool(m.get("conditional")),
                    "condition": (m.get("condition") or "").strip()[:200] if m.get("conditional") else "",
                }
                spec = m.get("spec")
                if spec is not None and spec.item_id == item.pk:
                    for k, v in values.items():
                        setattr(spec, k, v)
                    spec.save()
                else:
                    spec = MaterialSpec.objects.create(**values)
                keep_materials.append(spec.pk)
            MaterialSpec.objects.filter(item=item).exclude(pk__in=keep_materials).delete()
    except ProtectedError:
        raise ValidationError(
            _("A material that applications already use cannot be removed; unpublish the item or keep the material.")
        ) from None
    except IntegrityError:
        raise ValidationError({"code": _("Another service already uses this short code.")}) from None
    audit_record(
        actor=actor,
        action=ApplicationEvent.APPLICATION_ITEM_CREATE if is_new else ApplicationEvent.APPLICATION_ITEM_UPDATE,
        obj=item,
        after={
            "name": item.name,
            "steps": len(steps),
            "materials": len(materials),
            "conditional": item.conditional_allowed,
            "published": item.published,
        },
    )
    return item


# --- places and people --------------------------------------------------------------------------


def office_for(*, level: str, kind: str, region_code: str) -> Office | None:
    """The office of `kind` serving a village: in its township, or the county's; None for the village itself."""
    if level == Level.VILLAGE:
        return None
    code = region_code[:9] + "000" if level == Level.TOWNSHIP else region_code[:6] + "000000"
    return Office.objects.filter(region__code=code, kind=kind).order_by("pk").first()


def _office_staff_ids(office_id: int | None, region_code: str = "") -> list[int]:
    """Accounts to tell about work arriving: the office's staff, or the village committee for village steps."""
    if office_id:
        qs = RoleAssignment.objects.filter(office_id=office_id, role=Role.OFFICE_STAFF)
    else:
        qs = RoleAssignment.objects.filter(region__code=region_code[:12], role__in=rules.VILLAGE_STEP_ROLES)
    return list(qs.values_list("user_id", flat=True).distinct())


def _official(text: str, **params: object) -> str:
    """A stored text in the platform's official language (settings.LANGUAGE_CODE)."""
    with translation.override(settings.LANGUAGE_CODE):
        return _(text) % params if params else _(text)


def _tell(
    application: Application,
    event: str,
    *,
    actor: Actor = None,
    extra: dict | None = None,
    urgency: str = Urgency.NORMAL,
) -> None:
    """Tell the applicant (and the helper who filed it) about a decision, in their own language. An
    applicant without an account is told by text: a decision on one's own case (a deadline to supply
    a material above all) needs no consent to other texts."""
    ids = []
    if application.channel == Channel.HELPER and application.submitted_by_id:
        ids.append(application.submitted_by_id)
    context = {
        "number": application.number,
        "item": application.item.name,
        "office": application.accepting_office.name if application.accepting_office else "",
    }
    context.update(extra or {})
    notice_send(
        kind="direct",
        user_ids=ids,
        villager_ids=[application.villager_id],
        mandatory=True,
        template=f"applications_{event}",
        context=context,
        link=reverse("applications:detail", args=[application.public_id]),
        urgency=urgency,
        sender=actor if getattr(actor, "is_authenticated", False) else None,
        region_code=application.region_code,
        about=application,
    )


def _tell_staff(
    application: Application,
    event: str,
    *,
    office_id: int | None,
    actor: Actor = None,
    extra: dict | None = None,
    urgency: str = Urgency.NORMAL,
    also: list[int] | None = None,
) -> None:
    ids = _office_staff_ids(office_id, application.region_code) + list(also or [])
    ids = list(dict.fromkeys(i for i in ids if not actor or i != actor.pk))
    if not ids:
        return
    context = {"number": application.number, "item": application.item.name}
    context.update(extra or {})
    notice_send(
        kind="direct",
        user_ids=ids,
        villager_ids=[application.villager_id],
        mandatory=True,
        template=f"applications_{event}",
        context=context,
        link=reverse("applications:detail", args=[application.public_id]),
        urgency=urgency,
        sender=actor if getattr(actor, "is_authenticated", False) else None,
        region_code=application.region_code,
        about=application,
    )


def _accepting_office(application: Application) -> Office:
    """The office an application was submitted to: application_submit refuses one without it."""
    office = application.accepting_office
    assert office is not None  # application_submit never creates an application without an office
    return office


def _fmt_day(when: dt.datetime | None) -> str:
    return timezone.localtime(when).date().isoformat() if when else ""


# --- once-only: what records already hold ---------------------------------------------------------


def source_snapshot(*, spec: MaterialSpec, villager: Villager) -> dict | None:
    """What a record another office holds says for this material, or None when there is no such record."""
    if spec.source == Source.IDENTITY:
        return {
            "name": villager.name,
            "id_number": villager.id_number_masked,
            "sex": villager.sex,
            "birth_date": villager.birth_date.isoformat(),
        }
    if spec.source == Source.HOUSEHOLD:
        household = villager.household
        if household is None:
            return None
        members = list(household.members.order_by("birth_date").values_list("name", flat=True)[:20])
        return {"household": household.number, "address": household.address, "members": members}
    if spec.source == Source.CERTIFICATE and spec.source_item_id:
        today = timezone.localdate()
        cert = (
            Certificate.objects.filter(
                application__villager=villager, application__item_id=spec.source_item_id, revoked_at__isnull=True
            )
            .filter(Q(valid_until__isnull=True) | Q(valid_until__gte=today))
            .order_by("-issued_at")
            .first()
        )
        if cert is None:
            return None
        return {"certificate": cert.code, "item": cert.item_name, "issued": _fmt_day(cert.issued_at)}
    return None


def checklist_for(*, item: ServiceItem, villager: Villager | None) -> list[dict]:
    """The checklist an applicant sees: each material, and whether records already hold it."""
    out = []
    for spec in item.materials.all():
        snapshot = source_snapshot(spec=spec, villager=villager) if (villager and spec.source) else None
        out.append(
            {
                "spec": spec,
                "reusable": snapshot is not None,
                "snapshot": snapshot,
                "needs_consent": snapshot is not None and not spec.legal_basis,
            }
        )
    return out


# --- submission -----------------------------------------------------------------------------------


def _number() -> str:
    day = timezone.localdate().strftime("%Y%m%d")
    for _try in range(20):
        number = f"{day}-{secrets.randbelow(10**6):06d}"
        if not Application.objects.filter(number=number).exists():
            return number
    raise RuntimeError("no free application number")  # a million a day: does not happen


def _intake_all(uploads: dict[int, list]) -> dict[int, list[IntakeFile]]:
    """Validate every uploaded file first: one bad file refuses the whole form and nothing is stored."""
    checked: dict[int, list[IntakeFile]] = {}
    errors: dict[str, list[str]] = {}
    for spec_id, files in uploads.items():
        for upload in files:
            try:
                checked.setdefault(spec_id, []).append(file_intake(upload))
            except ValidationError as exc:
                name = getattr(upload, "name", "") or ""
                errors[f"m{spec_id}"] = [f"{name}: {m}" if name else m for m in exc.messages]
    if errors:
        raise ValidationError(errors)
    return checked


def _store_file(
    *,
    application: Application,
    material: Material | None,
    content: IntakeFile,
    actor: Actor,
    via: str = FileVia.UPLOAD,
) -> MaterialFile:
    return MaterialFile.objects.create(
        application=application,
        material=material,
        file=content,
        content_type=content.content_type,
        original_name=getattr(content, "original_name", "") or "",
        size=content.size,
        via=via,
        uploaded_by=actor if getattr(actor, "is_authenticated", False) else None,
    )


def has_broken_commitment(villager: Villager) -> bool:
    return Commitment.objects.filter(villager=villager, state=CommitmentState.BROKEN).exists()


def application_submit(
    *,
    actor: User,
    item: ServiceItem,
    villager: Villager,
    uploads: dict[int, list] | None = None,
    consents: set[int] | frozenset = frozenset(),
    commitment: bool = False,
    note: str = "",
    station_confirmed: bool = False,
    not_applicable: dict[int, str] | None = None,
    now: dt.datetime | None = None,
) -> Application:
    """Apply for a service: materials uploaded, taken from records (once-only), not applicable (a conditional
    material, with the applicant's reason), or marked missing."""
    channel = rules.apply_channel(actor, villager)
    if channel is None:
        raise ValidationError(_("You may not apply for this villager."))
    if not item.published:
        raise ValidationError(_("This service is not on the published list."))
    if channel == Channel.STATION and not station_confirmed:
        raise ValidationError(
            {"station_confirmed": _("Confirm that the villager is present and asked you to apply for them.")}
        )
    if commitment and not item.conditional_allowed:
        raise ValidationError(_("Conditional acceptance is not available for this service."))
    if commitment and has_broken_commitment(villager):
        raise ValidationError(
            {
                "commitment": _(
                    "Conditional acceptance is not available: an earlier commitment to supply materials was not kept."
                )
            }
        )
    office = office_for(level=item.office_level, kind=item.office_kind, region_code=villager.region_code)
    if office is None:
        raise ValidationError(_("No office accepts this service for your village yet; please ask the township."))
    for step in item.steps.all():
        if (
            step.level != Level.VILLAGE
            and office_for(level=step.level, kind=step.office_kind, region_code=villager.region_code) is None
        ):
            raise ValidationError(
                _("No office handles the step “%(step)s” for your village yet; please ask the township.")
                % {"step": step.name}
            )
    specs = list(item.materials.all())
    spec_ids = {s.pk for s in specs}
    uploads = {k: v for k, v in (uploads or {}).items() if k in spec_ids and v}
    not_applicable = _not_applicable_reasons(specs, not_applicable, uploads)
    checked = _intake_all(uploads)
    now = now or timezone.now()
    with transaction.atomic():
        if channel == Channel.HELPER:
            delegation_use(
                helper=actor,
                villager=villager,
                scope=DelegationScope.APPLICATIONS,
                purpose=_official(gettext_noop("Applied for “%(item)s” as the villager's helper"), item=item.name),
            )
        elif channel == Channel.STATION:
            access_record(
                actor=actor,
                villager=villager,
                kind=AccessKind.STAFF_READ,
                purpose=_official(
                    gettext_noop("Applied for “%(item)s” at the village service station"), item=item.name
                ),
            )
        application = Application.objects.create(
            number=_number(),
            item=item,
            villager=villager,
            submitted_by=actor,
            channel=channel,
            region_code=villager.region_code,
            accepting_office=office,
            handler_office=office,
            status=Status.SUBMITTED,
            stage=Stage.ACCEPTANCE,
            due_at=add_working_days(now, accept_days()),
            note=note.strip()[:2000],
            commitment_offered=bool(commitment),
            submitted_at=now,
        )
        reused = []
        for spec in specs:
            files = checked.get(spec.pk)
            snapshot = None if files else (source_snapshot(spec=spec, villager=villager) if spec.source else None)
            if snapshot is not None and not spec.legal_basis and spec.pk not in consents:
                snapshot = None  # no statutory basis and no consent: the applicant provides it
            if files:
                material = Material.objects.create(application=application, spec=spec, state=MaterialState.PROVIDED)
                for content in files:
                    _store_file(application=application, material=material, content=content, actor=actor)
            elif snapshot is not None:
                Material.objects.create(
                    application=application,
                    spec=spec,
                    state=MaterialState.REUSED,
                    source=spec.source,
                    legal_basis=spec.legal_basis,
                    snapshot=snapshot,
                    consent_at=None if spec.legal_basis else now,
                )
                reused.append(spec)
            elif spec.pk in not_applicable:
                Material.objects.create(
                    application=application,
                    spec=spec,
                    state=MaterialState.NOT_APPLICABLE,
                    not_applicable_reason=not_applicable[spec.pk],
                    not_applicable_by=actor,
                    not_applicable_at=now,
                )
            else:
                Material.objects.create(application=application, spec=spec, state=MaterialState.MISSING)
        if reused and channel != Channel.SELF:
            access_record(
                actor=actor, villager=villager, kind=AccessKind.DATA_REUSE, purpose=reuse_purpose(application, reused)
            )
        audit_record(
            actor=actor,
            action=ApplicationEvent.APPLICATION_SUBMIT,
            obj=application,
            on_behalf_of=villager if channel != Channel.SELF else None,
            after={
                "item": item.code,
                "channel": channel,
                "reused": [s.name for s in reused],
                "uploaded": sum(len(v) for v in checked.values()),
                "commitment": bool(commitment),
                "not_applicable": {s.name: not_applicable[s.pk] for s in specs if s.pk in not_applicable},
            },
        )
        _tell(application, "submitted", actor=actor, extra={"due": _fmt_day(application.due_at)})
        _tell_staff(application, "new", office_id=office.pk, actor=actor)
    return application


def _not_applicable_reasons(specs: list[MaterialSpec], reasons: dict[int, str] | None, uploads: dict) -> dict[int, str]:
    """The applicant's "does not apply to me" per conditional material, each with its reason (checked)."""
    by_pk = {s.pk: s for s in specs}
    out, errors = {}, {}
    for spec_id, reason in (reasons or {}).items():
        reason = (reason or "").strip()
        spec = by_pk.get(spec_id)
        if not reason or spec is None or spec_id in uploads:
            continue  # a file was uploaded after all: it is provided
        if not spec.conditional:
            errors[f"na{spec_id}"] = _("“%(name)s” is needed in every case; it cannot be marked as not applicable.") % {
                "name": spec.name
            }
        else:
            out[spec_id] = reason[:300]
    if errors:
        raise ValidationError(errors)
    return out


def reuse_purpose(application: Application, specs: list[MaterialSpec]) -> str:
    """The line a villager reads on "who viewed my data" for a reuse: what, from where, on what basis."""
    # Records reused on the same basis are named together, so each basis is cited once.
    by_basis: dict[str, list[str]] = {}
    for spec in specs:
        by_basis.setdefault(spec.legal_basis or _official(gettext_noop("your consent")), []).append(spec.name)
    parts = [f"{'、'.join(names)}（{basis}）" for basis, names in by_basis.items()]
    return _official(
        gettext_noop("Application %(number)s “%(item)s” reused records: %(parts)s"),
        number=application.number,
        item=application.item.name,
        parts="；".join(parts),
    )


def _missing(application: Application) -> list[Material]:
    return [m for m in application.materials.select_related("spec") if m.state == MaterialState.MISSING]


# --- the acceptance decision --------------------------------------------------------------------


def _check_acceptance(actor: User, application: Application) -> None:
    if not rules.can_decide_acceptance(actor, application) or application.status != Status.SUBMITTED:
        raise ValidationError(_("This application is not waiting for your acceptance decision."))


def _start_review(application: Application, *, now: dt.datetime) -> None:
    """Accepted: the promised clock starts, the steps are created and the first one starts."""
    application.status = Status.IN_REVIEW
    application.accepted_at = now
    application.promised_due_at = add_working_days(now, application.item.promised_days)
    steps = []
    for spec in application.item.steps.all():
        office = office_for(level=spec.level, kind=spec.office_kind, region_code=application.region_code)
        steps.append(
            ApplicationStep(
                application=application,
                order=spec.order,
                name=spec.name,
                level=spec.level,
                office=office,
                time_limit_days=spec.time_limit_days,
            )
        )
    ApplicationStep.objects.bulk_create(steps)
    _activate(application, _first_step(application), now=now)


def _first_step(application: Application) -> ApplicationStep:
    step = application.steps.order_by("order").first()
    assert step is not None  # _start_review made them, and every item has a step (item_configure)
    return step


def _activate(application: Application, step: ApplicationStep, *, now: dt.datetime) -> None:
    step.state, step.started_at = StepState.ACTIVE, now
    step.due_at = add_working_days(now, step.time_limit_days)
    step.decided_at, step.decided_by, step.escalated_at = None, None, None
    step.save()
    application.stage, application.handler_office_id, application.due_at = Stage.STEP, step.office_id, step.due_at
    application.save()


def application_accept(*, actor: User, application: Application, now: dt.datetime | None = None) -> Application:
    """Accept a complete application: review starts at its first step."""
    _check_acceptance(actor, application)
    missing = _missing(application)
    if missing:
        raise ValidationError(
            _(
                "Materials are missing (%(names)s): return the application with a notice of "
                "corrections, or accept it conditionally."
            )
            % {"names": join_list(m.spec.name for m in missing)}
        )
    now = now or timezone.now()
    with transaction.atomic():
        _start_review(application, now=now)
        audit_record(
            actor=actor,
            action=ApplicationEvent.APPLICATION_ACCEPT,
            obj=application,
            before={"status": Status.SUBMITTED},
            after={"status": Status.IN_REVIEW},
        )
        _tell(application, "accepted", actor=actor, extra={"promised": _fmt_day(application.promised_due_at)})
        first = _first_step(application)
        _tell_staff(
            application,
            "step",
            office_id=first.office_id,
            actor=actor,
            extra={"step": first.name, "due": _fmt_day(first.due_at)},
        )
    return application


def application_return(
    *,
    actor: User,
    application: Application,
    corrections: dict[int, str],
    message: str = "",
    now: dt.datetime | None = None,
) -> DecisionNotice:
    """Return the application with ONE notice listing every correction the applicant must make."""
    _check_acceptance(actor, application)
    materials = {m.pk: m for m in application.materials.select_related("spec")}
    corrections = {pk: (text or "").strip()[:300] for pk, text in corrections.items() if pk in materials}
    corrections = {pk: t for pk, t in corrections.items() if t}
    message = (message or "").strip()[:2000]
    if not corrections and not message:
        raise ValidationError(_("List at least one correction: the applicant gets one notice with all of them."))
    now = now or timezone.now()
    with transaction.atomic():
        items = []
        for pk, material in materials.items():
            material.correction = corrections.get(pk, "")
            if material.correction:
                items.append({"name": material.spec.name, "form": material.spec.forms, "note": material.correction})
        Material.objects.bulk_update(materials.values(), ["correction"])
        notice = DecisionNotice.objects.create(
            application=application,
            kind=NoticeKind.RETURN,
            office_name=_accepting_office(application).name,
            issued_by=actor,
            items=items,
            message=message,
        )
        application.status, application.stage = Status.RETURNED, Stage.APPLICANT
        application.handler_office, application.due_at = None, None
        application.save()
        audit_record(
            actor=actor,
            action=ApplicationEvent.APPLICATION_RETURN,
            obj=application,
            before={"status": Status.SUBMITTED},
            after={"status": Status.RETURNED, "corrections": len(items)},
        )
        _tell(
            application,
            "returned",
            actor=actor,
            extra={"count": len(items), "message": message, "items": [f"{i['name']}：{i['note']}" for i in items]},
        )
    return notice


def conditional_deadline_limit(application: Application, now: dt.datetime | None = None) -> dt.datetime:
    """The latest allowed supply deadline: the item's promised processing time from acceptance (now)."""
    return add_working_days(now or timezone.now(), application.item.promised_days)


def application_accept_conditionally(
    *,
    actor: User,
    application: Application,
    deadline: dt.date,
    forms: dict[int, str] | None = None,
    now: dt.datetime | None = None,
) -> DecisionNotice:
    """Accept with secondary materials missing: a notice lists each one, its form, the deadline, the consequence."""
    _check_acceptance(actor, application)
    item = application.item
    if not item.conditional_allowed:
        raise ValidationError(_("This service is not on the list for conditional acceptance."))
    if not application.commitment_offered:
        raise ValidationError(
            _(
                "The applicant has not signed the commitment for conditional acceptance; "
                "return the application with a notice of corrections instead."
            )
        )
    if has_broken_commitment(application.villager):
        raise ValidationError(
            _(
                "Conditional acceptance is refused: this applicant did not keep an earlier "
                "commitment to supply materials."
            )
        )
    missing = _missing(application)
    core = [m for m in missing if m.spec.core]
    if core:
        raise ValidationError(
            _(
                "Core materials are missing (%(names)s): conditional acceptance is only possible "
                "when every core material is complete."
            )
            % {"names": join_list(m.spec.name for m in core)}
        )
    if not missing:
        raise ValidationError(_("Nothing is missing: accept the application normally."))
    now = now or timezone.now()
    today = timezone.localtime(now).date()
    limit = conditional_deadline_limit(application, now)
    if deadline <= today:
        raise ValidationError({"deadline": _("The deadline must be after today.")})
    due = end_of_day(deadline)
    if due > limit:
        raise ValidationError(
            {
                "deadline": _("The deadline may not be later than the promised processing time (%(limit)s).")
                % {"limit": _fmt_day(limit)}
            }
        )
    forms = forms or {}
    with transaction.atomic():
        items = [
            {"name": m.spec.name, "form": (forms.get(m.pk) or m.spec.forms).strip()[:200], "note": m.spec.example}
            for m in missing
        ]
        notice = DecisionNotice.objects.create(
            application=application,
            kind=NoticeKind.CONDITIONAL,
            office_name=_accepting_office(application).name,
            issued_by=actor,
            items=items,
            deadline=due,
            message=_official(CONSEQUENCE_TEXT),
        )
        Commitment.objects.create(
            application=application,
            villager=application.villager,
            agreed_by=application.submitted_by,
            agreed_at=application.submitted_at,
            text=_official(COMMITMENT_TEXT, deadline=deadline.isoformat()),
            items=[i["name"] for i in items],
            deadline=due,
        )
        application.conditional, application.supply_due_at = True, due
        _start_review(application, now=now)
        audit_record(
            actor=actor,
            action=ApplicationEvent.APPLICATION_ACCEPT_CONDITIONALLY,
            obj=application,
            before={"status": Status.SUBMITTED},
            after={"status": Status.IN_REVIEW, "missing": [i["name"] for i in items], "deadline": due.isoformat()},
        )
        _tell(
            application,
            "conditional",
            actor=actor,
            urgency=Urgency.URGENT,
            extra={
                "deadline": deadline.isoformat(),
                "items": [f"{i['name']}（{i['form']}）" for i in items],
                "address": mail_address(),
                "pdf": absolute_url(reverse("applications:notice_pdf", args=[application.public_id, notice.public_id])),
            },
        )
        first = _first_step(application)
        _tell_staff(
            application,
            "step",
            office_id=first.office_id,
            actor=actor,
            extra={"step": first.name, "due": _fmt_day(first.due_at)},
        )
    return notice


def application_resubmit(
    *,
    actor: User,
    application: Application,
    uploads: dict[int, list] | None = None,
    consents: set[int] | frozenset = frozenset(),
    note: str = "",
    now: dt.datetime | None = None,
) -> Application:
    """After a return: the corrected materials go back to the accepting office, with a new clock."""
    if application.status != Status.RETURNED or not rules.is_applicant_side(actor, application):
        raise ValidationError(_("This application is not waiting for your corrections."))
    materials = {m.spec_id: m for m in application.materials.select_related("spec")}
    uploads = {k: v for k, v in (uploads or {}).items() if k in materials and v}
    checked = _intake_all(uploads)
    now = now or timezone.now()
    with transaction.atomic():
        for spec_id, files in checked.items():
            material = materials[spec_id]
            material.files.all().delete()  # the corrected version replaces the returned one
            for content in files:
                _store_file(application=application, material=material, content=content, actor=actor)
            material.state, material.source, material.snapshot, material.correction = MaterialState.PROVIDED, "", {}, ""
            material.save()
        for spec_id, material in materials.items():
            if material.state == MaterialState.MISSING and material.spec.source:
                spec = material.spec
                if not spec.legal_basis and spec_id not in consents:
                    continue
                snapshot = source_snapshot(spec=spec, villager=application.villager)
                if snapshot is not None:
                    material.state, material.source, material.snapshot = MaterialState.REUSED, spec.source, snapshot
                    material.legal_basis = spec.legal_basis
                    material.consent_at = None if spec.legal_basis else now
                    material.save()
        if note.strip():
            application.note = (application.note + "\n" + note.strip())[:4000].strip()
        application.status, application.stage = Status.SUBMITTED, Stage.ACCEPTANCE
        application.handler_office_id = application.accepting_office_id
        application.due_at, application.escalated_at = add_working_days(now, accept_days()), None
        application.save()
        audit_record(
            actor=actor,
            action=ApplicationEvent.APPLICATION_RESUBMIT,
            obj=application,
            on_behalf_of=application.villager if actor.pk != application.villager.user_id else None,
            before={"status": Status.RETURNED},
            after={"status": Status.SUBMITTED, "uploaded": sum(len(v) for v in checked.values())},
        )
        _tell_staff(application, "new", office_id=application.accepting_office_id, actor=actor)
    return application


# --- supplying materials --------------------------------------------------------------------------


def material_supply(
    *,
    actor: Actor,
    application: Application,
    material: Material,
    files: list,
    via: str = FileVia.UPLOAD,
    checked: bool = False,
) -> list[MaterialFile]:
    """Add files to a material (a missing one is then supplied); closes the commitment when all are in."""
    if not application.is_open:
        raise ValidationError(_("This application is closed; nothing can be added."))
    if material.application_id != application.pk:
        raise ValidationError(_("This material does not belong to the application."))
    if not files:
        raise ValidationError({"file": _("Choose a file to upload.")})
    contents = files if checked else _intake_all({material.spec_id: files})[material.spec_id]
    with transaction.atomic():
        stored = [
            _store_file(application=application, material=material, content=c, actor=actor, via=via) for c in contents
        ]
        before = material.state
        if material.state in (MaterialState.MISSING, MaterialState.NOT_APPLICABLE):
            _mark_arrived(application, material)
        audit_record(
            actor=actor,
            action=ApplicationEvent.APPLICATION_SUPPLY,
            obj=application,
            on_behalf_of=None if getattr(actor, "pk", None) == application.villager.user_id else application.villager,
            before={"material": material.spec.name, "state": before},
            after={"state": material.state, "files": len(stored), "via": via},
        )
        _after_supply(application, actor=actor)
    return stored


def _mark_arrived(application: Application, material: Material) -> None:
    """A file arrived for a missing material, or for one marked not applicable (sent after all): it is there."""
    material.state = MaterialState.SUPPLIED if application.accepted_at else MaterialState.PROVIDED
    material.not_applicable_reason, material.not_applicable_by, material.not_applicable_at = "", None, None
    material.save(update_fields=["state", "not_applicable_reason", "not_applicable_by", "not_applicable_at"])


def _after_supply(application: Application, *, actor: Actor) -> None:
    """When the last missing material of a conditional acceptance arrives, the commitment is kept."""
    if application.supply_due_at is None or _missing(application):
        return
    now = timezone.now()
    Commitment.objects.filter(application=application, state=CommitmentState.OPEN).update(
        state=CommitmentState.KEPT, closed_at=now
    )
    application.supply_due_at = None
    application.save(update_fields=["supply_due_at", "updated_at"])
    audit_record(
        actor=actor, action=ApplicationEvent.APPLICATION_SUPPLIED_ALL, obj=application, after={"commitment": "kept"}
    )
    _tell(application, "supplied", actor=actor)
    _tell_staff(application, "supplied_staff", office_id=application.accepting_office_id, actor=actor)


def material_not_applicable(
    *,
    actor: User,
    application: Application,
    material: Material,
    reason: str = "",
    applicable: bool = False,
    now: dt.datetime | None = None,
) -> Material:
    """Mark a conditional material as not applicable to this applicant (or, staff only, applicable again).

    The accepting office may mark it; the applicant's side (the villager, their helper, the station)
    only with a reason. A material not applicable is never missing: it leaves the notices and the
    deadline, and when it was the last missing one under conditional acceptance the commitment is kept.
    Only staff undo a marking, and only before the application is accepted (afterwards the notice
    and the commitment have been issued on it).
    """
    who = rules.not_applicable_role(actor, application)
    if who is None:
        raise ValidationError(_("You may not change the materials of this application."))
    if material.application_id != application.pk:
        raise ValidationError(_("This material does not belong to the application."))
    spec = material.spec
    if not spec.conditional:
        raise ValidationError(
            _("“%(name)s” is needed in every case; it cannot be marked as not applicable.") % {"name": spec.name}
        )
    reason = (reason or "").strip()
    if len(reason) > 300:
        raise ValidationError({"reason": _("At most %(n)d characters, please.") % {"n": 300}})
    now = now or timezone.now()
    before = {"material": spec.name, "state": material.state}
    if applicable:
        if who != "staff" or application.status not in (Status.SUBMITTED, Status.RETURNED):
            raise ValidationError(
                _("Only the accepting office can undo this, and only before it accepts the application.")
            )
        if material.state != MaterialState.NOT_APPLICABLE:
            raise ValidationError(_("This material is not marked as not applicable."))
        material.state = MaterialState.MISSING
        material.not_applicable_reason, material.not_applicable_by, material.not_applicable_at = "", None, None
        action = ApplicationEvent.APPLICATION_MATERIAL_APPLICABLE
    else:
        if material.state != MaterialState.MISSING:
            raise ValidationError(_("Only a missing material can be marked as not applicable."))
        if who == "applicant" and not reason:
            raise ValidationError(
                {"reason": _("Say why it does not apply (for example: nobody in the household is disabled).")}
            )
        material.state = MaterialState.NOT_APPLICABLE
        material.not_applicable_reason, material.not_applicable_by, material.not_applicable_at = reason, actor, now
        action = ApplicationEvent.APPLICATION_MATERIAL_NOT_APPLICABLE
    with transaction.atomic():
        material.save(update_fields=["state", "not_applicable_reason", "not_applicable_by", "not_applicable_at"])
        audit_record(
            actor=actor,
            action=action,
            obj=application,
            on_behalf_of=None
            if who == "staff" or getattr(actor, "pk", None) == application.villager.user_id
            else application.villager,
            before=before,
            after={"state": material.state, "reason": reason, "by": who},
        )
        if not applicable:
            _after_supply(application, actor=actor)
    return material


# --- workflow steps -------------------------------------------------------------------------------


def active_step(application: Application) -> ApplicationStep | None:
    return application.steps.filter(state=StepState.ACTIVE).order_by("order").first()


# The audit action of each step decision.
_STEP_EVENTS = {
    "approve": ApplicationEvent.APPLICATION_STEP_APPROVE,
    "reject": ApplicationEvent.APPLICATION_STEP_REJECT,
    "return": ApplicationEvent.APPLICATION_STEP_RETURN,
}


def step_decide(
    *, actor: User, application: Application, decision: str, reason: str = "", now: dt.datetime | None = None
) -> Application:
    """Approve, reject with reasons, or return to the previous step; the last approval issues the certificate."""
    step = active_step(application)
    if step is None or not rules.can_decide_step(actor, application, step):
        raise ValidationError(_("This step is not waiting for your decision."))
    reason = (reason or "").strip()[:2000]
    if decision not in ("approve", "reject", "return"):
        raise ValidationError({"decision": _("Choose approve, reject or return.")})
    if decision in ("reject", "return") and not reason:
        raise ValidationError({"reason": _("Give the reasons: the applicant reads them.")})
    later = application.steps.filter(order__gt=step.order).order_by("order").first()
    earlier = application.steps.filter(order__lt=step.order).order_by("-order").first()
    if decision == "return" and earlier is None:
        raise ValidationError(
            {"decision": _("The first step cannot be returned to an earlier one; reject it with reasons instead.")}
        )
    if decision == "approve" and later is None and _missing(application):
        raise ValidationError(
            _(
                "Materials promised under conditional acceptance have not all arrived; the final "
                "approval waits for them."
            )
        )
    now = now or timezone.now()
    with transaction.atomic():
        step.decided_at, step.decided_by, step.reason = now, actor, reason
        step.state = {"approve": StepState.APPROVED, "reject": StepState.REJECTED, "return": StepState.RETURNED}[
            decision
        ]
        step.save()
        audit_record(
            actor=actor,
            action=_STEP_EVENTS[decision],
            obj=application,
            before={"step": step.name},
            after={"state": step.state, "reason": reason},
        )
        if decision == "approve" and later is not None:
            _activate(application, later, now=now)
            _tell(application, "step_done", actor=actor, extra={"step": step.name, "next": later.name})
            _tell_staff(
                application,
                "step",
                office_id=later.office_id,
                actor=actor,
                extra={"step": later.name, "due": _fmt_day(later.due_at)},
            )
        elif decision == "return":
            assert earlier is not None  # refused above
            _activate(application, earlier, now=now)
            _tell_staff(
                application,
                "step_returned",
                office_id=earlier.office_id,
                actor=actor,
                extra={"step": earlier.name, "reason": reason, "due": _fmt_day(earlier.due_at)},
            )
        elif decision == "reject":
            _finish(application, Status.REJECTED, now=now, note=reason)
            _tell(application, "rejected", actor=actor, extra={"reason": reason, "step": step.name})
        else:
            _finish(application, Status.APPROVED, now=now)
            cert = certificate_issue(application=application, now=now)
            _tell(application, "approved", actor=actor, extra={"code": cert.code})
    return application


def _finish(application: Application, status: str, *, now: dt.datetime, note: str = "") -> None:
    application.status, application.stage = status, Stage.DONE
    application.handler_office, application.due_at, application.finished_at = None, None, now
    application.supply_due_at = None
    application.result_note = note
    application.save()
