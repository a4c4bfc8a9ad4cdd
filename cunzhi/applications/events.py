"""The audit actions of applications, with what a person reads for each (core/events.py)."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from cunzhi.core.events import register


@register
class ApplicationEvent(models.TextChoices):
    APPLICATION_SUBMIT = "application.submit", _("Application submitted")
    APPLICATION_ACCEPT = "application.accept", _("Accepted")
    APPLICATION_ACCEPT_CONDITIONALLY = "application.accept_conditionally", _("Accepted on condition")
    APPLICATION_ACCEPTANCE_OVERDUE = "application.acceptance_overdue", _("Late: not accepted in time")
    APPLICATION_CERTIFICATE = "application.certificate", _("Certificate issued")
    APPLICATION_FILE_ASSIGN = "application.file_assign", _("Materials assigned")
    APPLICATION_MAIL = "application.mail", _("Materials received by e-mail")
    APPLICATION_MAIL_RESOLVE = "application.mail_resolve", _("E-mailed materials matched")
    APPLICATION_REMINDER = "application.reminder", _("Reminder sent")
    APPLICATION_RESUBMIT = "application.resubmit", _("Resubmitted")
    APPLICATION_RETURN = "application.return", _("Returned for correction")
    APPLICATION_STEP_OVERDUE = "application.step_overdue", _("Late: a step was not decided in time")
    APPLICATION_SUPPLIED_ALL = "application.supplied_all", _("All missing materials supplied")
    APPLICATION_SUPPLY = "application.supply", _("Material supplied")
    APPLICATION_TERMINATE = "application.terminate", _("Terminated: materials not supplied in time")
    APPLICATION_STEP_APPROVE = "application.step_approve", _("Step approved")
    APPLICATION_STEP_REJECT = "application.step_reject", _("Step rejected")
    APPLICATION_STEP_RETURN = "application.step_return", _("Step returned")
    APPLICATION_MATERIAL_APPLICABLE = "application.material_applicable", _("Material marked as needed again")
    APPLICATION_MATERIAL_NOT_APPLICABLE = "application.material_not_applicable", _("Material marked as not applicable")
    APPLICATION_ITEM_CREATE = "application_item.create", _("Service item created")
    APPLICATION_ITEM_UPDATE = "application_item.update", _("Service item updated")
