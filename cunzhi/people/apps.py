from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PeopleConfig(AppConfig):
    name = "cunzhi.people"
    label = "people"
    verbose_name = _("People")

    def ready(self):
        from cunzhi.core.jobs import register_job
        from cunzhi.people import roster

        register_job(
            "people.roster_files_expire",
            lambda: roster.roster_files_expire(),
            every_minutes=60,
            description=_("Delete uploaded roster files (full ID numbers) not imported within ROSTER_FILE_KEEP_DAYS."),
        )
