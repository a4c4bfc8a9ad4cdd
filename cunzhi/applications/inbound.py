"""Inbound e-mail: parsing a message, matching it to an application, choosing the material an
attachment belongs to, and the receipt sent back; storing a message and filing its attachments
(mail_receive), staff sorting what could not be matched (mail_resolve, file_assign). The receiver
itself (an SMTP server) is the `applications_mail_receiver` management command, which calls
mail_receive.

Matching rules (documented in docs/applications.md):
- the subject holds the application number (YYYYMMDD-NNNNNN);
- the From address is the applicant's registered e-mail, or that of the helper who filed the
  application under a delegation that is still active;
- an attachment goes to the material whose name appears in its file name, or whose checklist
  number starts it ("5-bank.jpg"), or whose name appears in the subject; otherwise, when exactly one material is
  still missing, to that one; otherwise it is kept on the application for staff to file.
"""

from __future__ import annotations

import logging
import re
import secrets
from dataclasses import dataclass, field
from email import policy
from email.parser import BytesParser
from email.utils import parseaddr
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.mail import EmailMessage
from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext as _

from cunzhi.core.audit import audit_record
from cunzhi.core.files import file_intake
from cunzhi.core.text import render_text
from cunzhi.people.actors import Actor
from cunzhi.people.models import DelegationScope, User
from cunzhi.people.rules import active_delegation

from . import rules
from .events import ApplicationEvent
from .models import Application, Channel, FileVia, InboundMail, MailState, Material, MaterialFile, MaterialState

# Filing an e-mailed file is supplying a material: the lifecycle's own steps, so that a file that
# arrives by e-mail moves the application exactly as one uploaded on the page does.
from .services import _after_supply, _mark_arrived, _store_file, _tell_staff, material_supply

logger = logging.getLogger("cunzhi.applications.mail")
NUMBER_RE = re.compile(r"(?<!\d)(\d{8}-\d{6})(?!\d)")
ORDER_RE = re.compile(r"^\s*(?:#|第)?(\d{1,2})(?:号|项)?[-_ .、）)]")
MAX_ATTACHMENTS = 20


@dataclass
class Attachment:
    filename: str
    data: bytes
    content_type: str

    def as_upload(self) -> SimpleUploadedFile:
        return SimpleUploadedFile(self.filename or "attachment", self.data, content_type=self.content_type)


@dataclass
class Parsed:
    sender: str
    subject: str
    attachments: list[Attachment] = field(default_factory=list)
    # An automatic message (bounce, out-of-office): kept, but never answered, so no mail loop starts.
    auto: bool = False


def parse(raw: bytes) -> Parsed:
    """Sender address, subject and attachments of a raw message; never raises on a malformed one."""
    try:
        msg = BytesParser(policy=policy.default).parsebytes(raw)
        sender = parseaddr(str(msg.get("From", "")))[1].strip().lower()
        subject = " ".join(str(msg.get("Subject", "")).split())
    except Exception:  # a broken header: keep the mail, match nothing
        logger.warning("unreadable e-mail headers", exc_info=True)
        return Parsed(sender="", subject="")
    auto = (
        str(msg.get("Auto-Submitted", "no")).strip().lower() not in ("", "no")
        or str(msg.get("Precedence", "")).strip().lower() in ("bulk", "junk", "list")
        or sender.startswith(("mailer-daemon@", "postmaster@"))
    )
    out = Parsed(sender=sender, subject=subject, auto=auto)
    try:
        for part in msg.walk():
            if part.is_multipart():
                continue
            filename = part.get_filename()
            if not filename and part.get_content_disposition() != "attachment":
                continue  # the text of the message itself
            payload = part.get_payload(decode=True)  # bytes (or None) for a part that is not multipart
            data = payload if isinstance(payload, bytes) else b""
            out.attachments.append(
                Attachment(
                    filename=str(filename or "attachment")[-200:], data=data, content_type=part.get_content_type()
                )
            )
            if len(out.attachments) >= MAX_ATTACHMENTS:
                break
    except Exception:
        logger.warning("unreadable e-mail body", exc_info=True)
    return out


def sender_allowed(sender: str, application: Application) -> bool:
    """The applicant's registered e-mail, or that of the helper who filed it (delegation still active)."""
    if not sender:
        return False
    user = application.villager.user
    if user is not None and user.email and user.email.strip().lower() == sender:
        return True
    helper = application.submitted_by
    return bool(
        application.channel == Channel.HELPER
        and helper is not None
        and helper.email
        and helper.email.strip().lower() == sender
        and active_delegation(helper, application.villager, DelegationScope.APPLICATIONS) is not None
    )


def match(parsed: Parsed) -> tuple[Application | None, str]:
    """(application, "") when the e-mail can be filed; otherwise the application if known and a reason code."""
    found = NUMBER_RE.search(parsed.subject)
    if not found:
        return None, "no_number"
    application = (
        Application.objects.select_related("villager__user", "submitted_by", "item", "accepting_office")
        .filter(number=found.group(1))
        .first()
    )
    if application is None:
        return None, "unknown_number"
    if not sender_allowed(parsed.sender, application):
        # The application is not revealed to a stranger, but staff see which one the mail named.
        return application, "unknown_sender"
    if not application.is_open:
        return application, "closed"
    return application, ""


def material_for(filename: str, subject: str, materials: list[Material]) -> Material | None:
    """The material an attachment belongs to, or None when it cannot be told."""

    def named(text: str) -> Material | None:
        found = [m for m in materials if m.spec.name and m.spec.name in (text or "")]
        return found[0] if len(found) == 1 else None

    by_name = named(filename)
    if by_name is not None:
        return by_name
    by_order = {m.spec.order: m for m in materials}
    found = ORDER_RE.match(filename or "")
    if found and int(found.group(1)) in by_order:
        return by_order[int(found.group(1))]
    by_subject = named(subject)
    if by_subject is not None:
        return by_subject
    missing = [m for m in materials if m.state == MaterialState.MISSING]
    return missing[0] if len(missing) == 1 else None


def reply(mail_id: int) -> bool:
    """Send the receipt (or the refusal) back to the sender; a failure is logged and shown to staff."""
    mail = (
        InboundMail.objects.select_related("application__villager__user", "application__item")
        .filter(pk=mail_id)
        .first()
    )
    if mail is None or not mail.mail_from or "@" not in mail.mail_from:
        return False
    application = mail.application
    language = settings.LANGUAGE_CODE
    if application is not None and not mail.reason and application.villager.user is not None:
        language = application.villager.user.language or language
    known = mail.reason not in ("unknown_sender",)
    context: dict[str, Any] = {
        "mail": mail,
        "application": application if known else None,
        "number": application.number if (application and known) else "",
        "ok": [r for r in mail.report if r.get("ok")],
        "refused": [r for r in mail.report if not r.get("ok")],
        "address": settings.APPLICATIONS_MAIL_ADDRESS,
    }
    with translation.override(language):
        subject = render_text("applications/mail/receipt.subject.txt", context).strip()
        body = render_text("applications/mail/receipt.body.txt", context).strip()
    try:
        EmailMessage(
            subject=subject,
            body=body,
            from_email=context["address"],
            to=[mail.mail_from],
            headers={"Auto-Submitted": "auto-replied"},
        ).send()
    except Exception:  # the mail itself is safe; staff see that no receipt went out
        logger.warning("receipt for inbound mail %s failed", mail.pk, exc_info=True)
        return False
    InboundMail.objects.filter(pk=mail.pk).update(reply_sent=True)
    return True


# --- storing and filing -------------------------------------------------------------------------


def mail_receive(*, raw: bytes, envelope_from: str = "") -> InboundMail:
    """Keep an e-mail whole, then file its valid attachments on the application named in its subject."""
    parsed = parse(raw)
    with transaction.atomic():
        mail = InboundMail(
            mail_from=parsed.sender[:254],
            envelope_from=(envelope_from or "")[:254],
            subject=parsed.subject[:300],
            state=MailState.UNMATCHED,
        )
        mail.raw.save(f"{secrets.token_hex(12)}.eml", ContentFile(raw), save=False)
        mail.save()
        application, reason = match(parsed)
        mail.application = application
        mail.region_code = application.region_code if application else ""
        report: list[dict[str, Any]] = []
        if application is not None and not reason:
            report, reason = _mail_attach(mail, application, parsed)
        mail.reason = reason
        mail.state = MailState.UNMATCHED if reason else MailState.ATTACHED
        mail.report = report
        mail.save()
        audit_record(
            actor=None,
            action=ApplicationEvent.APPLICATION_MAIL,
            obj=mail,
            region_code=mail.region_code,
            after={"state": mail.state, "reason": reason, "files": sum(1 for r in report if r["ok"])},
        )
        if not parsed.auto:
            transaction.on_commit(lambda: reply(mail.pk))
    return mail


def _mail_attach(
    mail: InboundMail, application: Application, parsed: Parsed, *, actor: Actor = None
) -> tuple[list[dict[str, Any]], str]:
    """Validate each attachment and file it on the material it names (or the only missing one)."""
    if not parsed.attachments:
        return [], "no_files"
    materials = list(application.materials.select_related("spec"))
    report: list[dict[str, Any]] = []
    stored = 0
    for att in parsed.attachments:
        try:
            content = file_intake(att.as_upload())
        except ValidationError as exc:
            report.append({"name": att.filename, "ok": False, "message": " ".join(exc.messages)})
            continue
        material = material_for(att.filename, parsed.subject, materials)
        if material is not None:
            material_supply(
                actor=actor,
                application=application,
                material=material,
                files=[content],
                via=FileVia.EMAIL,
                checked=True,
            )
        else:  # kept on the application; staff file it on the right material
            _store_file(application=application, material=None, content=content, actor=actor, via=FileVia.EMAIL)
        report.append({"name": att.filename, "ok": True, "material": material.spec.name if material else ""})
        stored += 1
    if not stored:
        return report, "no_valid_files"
    if any(r["ok"] and not r["material"] for r in report):
        _tell_staff(application, "mail_unsorted", office_id=application.accepting_office_id)
    return report, ""


def mail_resolve(*, actor: User, mail: InboundMail, application: Application | None, note: str = "") -> InboundMail:
    """Staff handle a kept e-mail: file its attachments on an application, or close it with a note."""
    if mail.state != MailState.UNMATCHED:
        raise ValidationError(_("This e-mail has been handled already."))
    note = (note or "").strip()[:300]
    if application is None and not note:
        raise ValidationError({"note": _("Say what was done with it (for example: phoned the sender).")})
    with transaction.atomic():
        if application is not None:
            if not rules.can_sort_mail(actor, application):
                raise ValidationError({"number": _("No application with this number is handled by your office.")})
            if not application.is_open:
                raise ValidationError({"number": _("This application is closed; nothing can be added.")})
            parsed = parse(mail.raw.open("rb").read())
            report, reason = _mail_attach(mail, application, parsed, actor=actor)
            if reason:
                raise ValidationError(_("The e-mail has no valid attachment to file."))
            mail.application, mail.region_code, mail.report = application, application.region_code, report
        mail.state, mail.resolved_by, mail.resolved_note = MailState.RESOLVED, actor, note
        mail.save()
        audit_record(
            actor=actor,
            action=ApplicationEvent.APPLICATION_MAIL_RESOLVE,
            obj=mail,
            region_code=mail.region_code,
            after={"application": application.number if application else None, "note": note},
        )
    return mail


def file_assign(*, actor: User, application: Application, file: MaterialFile, material: Material) -> MaterialFile:
    """Staff file an unsorted e-mail attachment on the material it belongs to."""
    if (
        not rules.can_sort_mail(actor, application)
        or file.application_id != application.pk
        or material.application_id != application.pk
    ):
        raise ValidationError(_("You may not sort this file."))
    if file.material_id is not None:
        raise ValidationError(_("This file is filed already."))
    with transaction.atomic():
        file.material = material
        file.save(update_fields=["material"])
        if material.state in (MaterialState.MISSING, MaterialState.NOT_APPLICABLE):
            _mark_arrived(application, material)
        audit_record(
            actor=actor,
            action=ApplicationEvent.APPLICATION_FILE_ASSIGN,
            obj=application,
            after={"material": material.spec.name},
        )
        _after_supply(application, actor=actor)
    return file
