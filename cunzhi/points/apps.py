from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PointsConfig(AppConfig):
    name = "cunzhi.points"
    label = "points"
    verbose_name = _("Points")

    def ready(self) -> None:
        from cunzhi.core.jobs import register_job
        from cunzhi.points import outcomes, services

        # Posted points count once their objection period has passed without an open objection; each
        # change is an audit row, so it is a job's write, not a computed view of the clock.
        register_job(
            "points.count",
            lambda: services.entries_count_due(),
            every_minutes=60,
            description=_("Count posted points whose objection period has ended without an open objection."),
        )
        # Real outcomes (an activity's confirmed hours, a meeting attended, a public concern confirmed resolved)
        # propose points for review; never log-ins or clicks (points/outcomes.py).
        register_job(
            "points.propose_outcomes",
            lambda: outcomes.propose_from_outcomes(),
            every_minutes=60,
            description=_("Propose points for review from outcomes the village's rule names."),
        )
