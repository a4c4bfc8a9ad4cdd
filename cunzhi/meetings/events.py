"""The audit actions of meetings, with what a person reads for each (core/events.py)."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from cunzhi.core.events import register


@register
class MeetingEvent(models.TextChoices):
    MEETING_CREATE = "meeting.create", _("Meeting called")
    MEETING_UPDATE = "meeting.update", _("Meeting updated")
    MEETING_NOTICE = "meeting.notice", _("Notice sent")
    MEETING_OPEN = "meeting.open", _("Meeting opened")
    MEETING_CLOSE = "meeting.close", _("Meeting closed")
    MEETING_CANCEL = "meeting.cancel", _("Meeting cancelled")
    MEETING_CHECK_IN = "meeting.check_in", _("Attendance recorded")
    MEETING_RSVP = "meeting.rsvp", _("Answer to the notice recorded")
    MEETING_MINUTES = "meeting.minutes", _("Minutes written")
    MEETING_MINUTES_PUBLISH = "meeting.minutes_publish", _("Minutes published")
    MEETING_DISCLOSURE = "meeting.disclosure", _("Decisions published")
    MOTION_ADD = "motion.add", _("Motion added")
    MOTION_OPEN = "motion.open", _("Voting opened")
    MOTION_CLOSE = "motion.close", _("Voting closed")
    MOTION_WITHDRAW = "motion.withdraw", _("Motion withdrawn")
    MOTION_BALLOT = "motion.ballot", _("Vote cast")
    AUTHORISATION_RECORD = "authorisation.record", _("Proxy authorisation recorded")
    AUTHORISATION_REVOKE = "authorisation.revoke", _("Proxy authorisation revoked")
    PETITION_START = "petition.start", _("Petition started")
    PETITION_SIGN = "petition.sign", _("Petition signed")
    PETITION_WITHDRAW = "petition.withdraw", _("Petition signature withdrawn")
    PETITION_CONVENED = "petition.convened", _("Petition led to a meeting")
    LIVE_START = "live.start", _("Live stream started")
    LIVE_STOP = "live.stop", _("Live stream stopped")
    LIVE_SETTINGS = "live.settings", _("Who may watch the live stream changed")
    LIVE_RECORDING = "live.recording", _("Recording of the live stream made")
    LIVE_RECORDING_REMOVED = "live.recording_removed", _("Recording of the live stream removed after its retention")
    LIVE_QUESTION = "live.question", _("Question sent during the meeting")
    LIVE_QUESTION_HANDLE = "live.question_handle", _("Question marked by the chair")
