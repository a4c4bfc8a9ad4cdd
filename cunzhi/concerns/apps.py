from django.apps import AppConfig
from django.conf import settings
from django.utils.translation import gettext_lazy as _


class ConcernsConfig(AppConfig):
    name = "cunzhi.concerns"
    label = "concerns"
    verbose_name = _("Concerns")

    def ready(self):
        from cunzhi.notify.jobs import job_register

        from . import services
        job_register("concerns.escalate", lambda: services.concerns_escalate_due(),
                     every_minutes=getattr(settings, "CONCERNS_JOB_MINUTES", 5),
                     description="Escalate overdue concerns one level up; close answers left unrated too long.")
