from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ConsultationsConfig(AppConfig):
    name = "cunzhi.consultations"
    label = "consultations"
    verbose_name = _("Consultations")

    def ready(self):
        from cunzhi.consultations import selectors
        from cunzhi.core.jobs import register_job
        from cunzhi.notify.about import about_register

        # Notices about a draft (opened, closed, filed) are for whoever may open the draft.
        about_register("consultations.draft", can_read=selectors.draft_readable, readable=selectors.drafts_readable)

        def tick():
            from cunzhi.consultations.services import drafts_open_and_close_due

            return drafts_open_and_close_due()

        register_job(
            "consultations.open_and_close",
            tick,
            every_minutes=5,
            description=_(
                "Open published drafts on their opening day (everyone in scope is told) "
                "and close consultations whose time is up."
            ),
        )
