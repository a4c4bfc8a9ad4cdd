from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class InsightsConfig(AppConfig):
    name = "cunzhi.insights"
    label = "insights"
    verbose_name = _("Figures")

    def ready(self) -> None:
        from cunzhi.core.jobs import register_job
        from cunzhi.insights import events, replies, services  # noqa: F401  (events: declares the audit actions)
        from cunzhi.notify.sms import reply_handler_register

        # Seven numbers by text answer the quarterly survey (replies.py).
        reply_handler_register(replies.SURVEY, replies.survey)
        # Daily: starts the running quarter's survey in villages not yet asked (idempotent).
        register_job(
            "insights.survey",
            services.survey_nightly,
            every_minutes=24 * 60,
            description=_("Draw this quarter's survey sample in villages not yet asked and send the questions."),
        )
        # Daily: one reminder to those drawn who have not answered after INSIGHTS_SURVEY_REMIND_DAYS (never twice).
        register_job(
            "insights.survey_remind",
            services.survey_remind_nightly,
            every_minutes=24 * 60,
            description=_("Remind once those drawn for this quarter's survey who have not answered after two weeks."),
        )

        # Nightly: the daily roll-ups of the trailing window (services.py says why a window, not a day).
        register_job(
            "insights.rollup",
            services.rollup_nightly,
            every_minutes=24 * 60,
            description=_("Recompute the stored daily figures of the last 120 days."),
        )
