from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MeetingsConfig(AppConfig):
    name = "cunzhi.meetings"
    label = "meetings"
    verbose_name = _("Village meetings")

    def ready(self):
        from cunzhi.core.jobs import register_job
        from cunzhi.meetings import replies, selectors, services
        from cunzhi.meetings.live import checks as live_checks  # noqa: F401  # registers the system check
        from cunzhi.meetings.live import services as live_services
        from cunzhi.notify.about import about_register
        from cunzhi.notify.sms import reply_handler_register

        # Meeting notices (and their reach, the door-to-door list) are for whoever may open the meeting.
        about_register("meetings.meeting", can_read=selectors.meeting_readable, readable=selectors.meetings_readable)
        # "1" will attend, "2" remotely, "3" cannot: a reply by text to the meeting notice.
        reply_handler_register(replies.RSVP, replies.rsvp)
        register_job(
            "meetings.disclosure_retry",
            services.disclosure_retry,
            every_minutes=10,
            description=_(
                "Post published meeting results to the village disclosure where that could not be done at once."
            ),
        )
        register_job(
            "meetings.live_recordings",
            live_services.live_finish_pending,
            every_minutes=1,
            description=_("Make the recording of each live stream that has ended."),
        )
        register_job(
            "meetings.live_retention",
            live_services.recordings_expire,
            every_minutes=60 * 24,
            description=_("Remove the recordings of live streams kept past their retention period."),
        )
