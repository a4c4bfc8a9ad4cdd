from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DisclosureConfig(AppConfig):
    name = "cunzhi.disclosure"
    label = "disclosure"
    verbose_name = _("Disclosure")

    def ready(self):
        from cunzhi.core.jobs import register_job
        from cunzhi.disclosure import selectors, services, views
        from cunzhi.ledger.readers import period_column_register
        from cunzhi.notify.about import about_register

        # Notices about a post (review, approval, questions) are read by whoever may open the post.
        about_register("disclosure.post", can_read=selectors.post_readable, readable=selectors.posts_readable)
        # Disclosure reads the ledger: the ledger's periods page shows each period's finance disclosure.
        period_column_register(heading=lambda: _("Disclosure"), cells=views.ledger_period_cells)
        register_job(
            "disclosure.calendar",
            lambda: services.reminders_send(),
            every_minutes=60,
            description=_(
                "Owe each village its disclosures; remind cadres before the deadline and "
                "township staff of overdue ones (once each)."
            ),
        )
