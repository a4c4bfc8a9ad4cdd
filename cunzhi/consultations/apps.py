from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ConsultationsConfig(AppConfig):
    name = "cunzhi.consultations"
    label = "consultations"
    verbose_name = _("Consultations")

    def ready(self):
        from cunzhi.notify.jobs import job_register

        def tick():
            from cunzhi.consultations.services import drafts_open_and_close_due
            return drafts_open_and_close_due()

        job_register("consultations.open_and_close", tick, every_minutes=5,
                     description="Open published drafts on their opening day (everyone in scope is told) "
                                 "and close consultations whose time is up.")
