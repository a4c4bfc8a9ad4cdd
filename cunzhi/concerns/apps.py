from django.apps import AppConfig
from django.conf import settings
from django.utils.translation import gettext_lazy as _


class ConcernsConfig(AppConfig):
    name = "cunzhi.concerns"
    label = "concerns"
    verbose_name = _("Concerns")

    def ready(self):
        from cunzhi.core.jobs import register_job
        from cunzhi.notify.about import about_register
        from cunzhi.notify.sms import reply_handler_register
        from cunzhi.people.rules import office_cases_register

        from . import replies, selectors, services

        # Notices about a concern are for those who see the concern whole.
        about_register("concerns.concern", can_read=selectors.concern_readable, readable=selectors.concerns_readable)
        # An office sees the ID number and phone of the villagers whose concerns it handles.
        office_cases_register(selectors.office_case_villagers)
        register_job(
            "concerns.escalate",
            lambda: services.concerns_escalate_due(),
            every_minutes=getattr(settings, "CONCERNS_JOB_MINUTES", 5),
            description=_("Escalate overdue concerns one level up; close answers left unrated too long."),
        )
        # Texts from phones (docs/sms.md): a rating replying to an answer, "CX <number>", and, after
        # every specific handler of every app, free text that becomes a concern.
        reply_handler_register(replies.RATE, replies.rate)
        reply_handler_register("concerns.status", replies.status)
        reply_handler_register("concerns.new", replies.free_text, fallback=True)
