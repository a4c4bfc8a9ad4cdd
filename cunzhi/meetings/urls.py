from django.urls import path

from cunzhi.meetings import views
from cunzhi.meetings.live import urls as live_urls

app_name = "meetings"
urlpatterns = [
    path("", views.index, name="index"),
    path("new/", views.meeting_new, name="new"),
    path("petitions/", views.petition_list, name="petition_list"),
    path("petitions/new/", views.petition_new, name="petition_new"),
    path("petitions/<str:public_id>/", views.petition_detail, name="petition_detail"),
    path("delegations/", views.authorisations, name="authorisations"),
    *live_urls.rtmp_urlpatterns,
    path("<str:public_id>/", views.detail, name="detail"),
    path("<str:public_id>/edit/", views.meeting_edit, name="edit"),
    path("<str:public_id>/notice/", views.notice, name="notice"),
    path("<str:public_id>/open/", views.meeting_open, name="open"),
    path("<str:public_id>/close/", views.meeting_close, name="close"),
    path("<str:public_id>/cancel/", views.meeting_cancel, name="cancel"),
    path("<str:public_id>/invite.ics", views.ics, name="ics"),
    path("<str:public_id>/live/<str:token>/", views.live, name="live"),
    path("<str:public_id>/mine/", views.mine, name="mine"),
    path("<str:public_id>/check-in/", views.check_in, name="check_in"),
    path("<str:public_id>/rsvp/", views.rsvp, name="rsvp"),
    path("<str:public_id>/my-code/", views.my_code, name="my_code"),
    path("<str:public_id>/desk/", views.desk, name="desk"),
    path("<str:public_id>/scan/<str:code>/", views.scan, name="scan"),
    path("<str:public_id>/attendance/", views.attendance, name="attendance"),
    path("<str:public_id>/motions/new/", views.motion_new, name="motion_new"),
    path("<str:public_id>/motions/<str:motion_id>/open/", views.motion_open, name="motion_open"),
    path("<str:public_id>/motions/<str:motion_id>/close/", views.motion_close, name="motion_close"),
    path("<str:public_id>/motions/<str:motion_id>/withdraw/", views.motion_withdraw, name="motion_withdraw"),
    path("<str:public_id>/motions/<str:motion_id>/vote/", views.vote, name="vote"),
    path("<str:public_id>/minutes/", views.minutes, name="minutes"),
    path("<str:public_id>/minutes.pdf", views.minutes_pdf, name="minutes_pdf"),
    # The meeting's own live stream, its recording and the remote members' questions (meetings/live).
    *live_urls.urlpatterns,
]
