from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ApplicationsConfig(AppConfig):
    name = "cunzhi.applications"
    label = "applications"
    verbose_name = _("Government services")

    def ready(self):
        from cunzhi.core.jobs import register_job
        from cunzhi.notify.about import about_register
        from cunzhi.notify.sms import reply_handler_register
        from cunzhi.people.rules import office_cases_register

        from . import jobs, replies, selectors

        # Notices about an application are as private as the application itself.
        about_register(
            "applications.application",
            can_read=selectors.application_readable,
            readable=selectors.applications_readable,
        )
        # An office sees the ID number and phone of the villagers whose applications it handles.
        office_cases_register(selectors.office_case_villagers)
        office_cases_register(selectors.office_step_villagers)
        # "CX <number>" by text: the status of one's own application.
        reply_handler_register(replies.STATUS, replies.status)
        register_job(
            "applications.terminate_overdue",
            lambda: jobs.applications_terminate_overdue(),
            every_minutes=5,
            description=_(
                "Terminate conditional acceptances whose materials did not "
                "arrive by the deadline; record the broken commitment."
            ),
        )
        register_job(
            "applications.escalate_overdue",
            lambda: jobs.steps_escalate_overdue(),
            every_minutes=15,
            description=_("Flag overdue application steps and tell the office and the level above."),
        )
        register_job(
            "applications.supply_reminders",
            lambda: jobs.supply_reminders(),
            every_minutes=60,
            description=_("Remind applicants two days before their missing materials are due."),
        )
