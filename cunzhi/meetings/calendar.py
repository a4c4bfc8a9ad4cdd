"""The meeting as an iCalendar (RFC 5545) invitation for phone calendars."""

import datetime as dt

from django.conf import settings
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from icalendar import Alarm, Calendar, Event

from cunzhi.core.links import absolute_url
from cunzhi.meetings.models import Meeting, MeetingStatus


def meeting_ics(*, meeting: Meeting) -> bytes:
    """One VEVENT: date, place, agenda, meeting page and remote-attendance address; cancelled when it is."""
    cal = Calendar()
    cal.add("prodid", "-//Cunzhi//Village meetings//ZH")
    cal.add("version", "2.0")
    cal.add("method", "PUBLISH")
    event = Event()
    event.add("uid", f"meeting-{meeting.public_id}@cunzhi")
    event.add("dtstamp", timezone.now())
    event.add("dtstart", meeting.starts_at)
    event.add("dtend", meeting.ends_at)
    event.add("sequence", meeting.sequence)
    page = absolute_url(reverse("meetings:detail", args=[meeting.public_id]))
    with translation.override(translation.get_language() or settings.LANGUAGE_CODE):
        event.add("summary", f"{meeting.get_body_display()}: {meeting.title}")
        lines = [meeting.agenda, "", _("Meeting page, check-in and voting: %(url)s") % {"url": page}]
        if meeting.stream_url:
            lines.append(_("Follow remotely: %(url)s") % {"url": meeting.stream_url})
        if meeting.urgent:
            lines.append(_("Urgent meeting: %(reason)s") % {"reason": meeting.urgent_reason})
    event.add("description", "\n".join(lines))
    event.add("location", f"{meeting.village.name} {meeting.place}")
    event.add("url", page)
    event.add("status", "CANCELLED" if meeting.status == MeetingStatus.CANCELLED else "CONFIRMED")
    alarm = Alarm()
    alarm.add("action", "DISPLAY")
    alarm.add("description", meeting.title)
    alarm.add("trigger", dt.timedelta(hours=-1))
    event.add_component(alarm)
    cal.add_component(event)
    return cal.to_ical()
