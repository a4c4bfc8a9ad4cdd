from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ApplicationsConfig(AppConfig):
    name = "cunzhi.applications"
    label = "applications"
    verbose_name = _("Government services")

    def ready(self):
        from cunzhi.notify.jobs import job_register

        from . import services
        job_register("applications.terminate_overdue", lambda: services.applications_terminate_overdue(),
                     every_minutes=5, description="Terminate conditional acceptances whose materials did not "
                                                  "arrive by the deadline; record the broken commitment.")
        job_register("applications.escalate_overdue", lambda: services.steps_escalate_overdue(), every_minutes=15,
                     description="Flag overdue application steps and tell the office and the level above.")
        job_register("applications.supply_reminders", lambda: services.supply_reminders(), every_minutes=60,
                     description="Remind applicants two days before their missing materials are due.")
