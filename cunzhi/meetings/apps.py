from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MeetingsConfig(AppConfig):
    name = "cunzhi.meetings"
    label = "meetings"
    verbose_name = _("Village meetings")

    def ready(self):
        from cunzhi.core.jobs import register_job
        from cunzhi.meetings import selectors, services
        from cunzhi.notify.about import about_register

        # Meeting notices (and their reach, the door-to-door list) are for whoever may open the meeting.
        about_register("meetings.meeting", can_read=selectors.meeting_readable, readable=selectors.meetings_readable)
        register_job(
            "meetings.disclosure_retry",
            services.disclosure_retry,
            every_minutes=10,
            description=_(
                "Post published meeting results to the village disclosure where that could not be done at once."
            ),
        )
