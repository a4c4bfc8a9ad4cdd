from django.urls import path

from cunzhi.notify import door_views, sms_views, views

app_name = "notify"
urlpatterns = [
    path("inbox/", views.inbox, name="inbox"),
    path("inbox/read-all/", views.inbox_read_all, name="inbox_read_all"),
    path("preferences/", views.preferences, name="preferences"),
    path("n/<str:public_id>/", views.notice, name="notice"),
    path("notices/", views.notice_list, name="notice_list"),
    path("notices/<str:public_id>/", views.notice_report, name="report"),
    path("notices/<str:public_id>/door-to-door/", views.door_list, name="door_list"),
    path("notices/<str:public_id>/door-to-door/<str:villager_id>/", door_views.door_visit, name="door_visit"),
    path("notices/<str:public_id>/resend/", views.notice_resend, name="resend"),
    path("jobs/", views.job_list, name="jobs"),
    path("sms/delivery-report/", sms_views.delivery_report, name="sms_delivery_report"),
    path("sms/inbound/", sms_views.inbound, name="sms_inbound"),
    path("sms/", sms_views.queue, name="sms_queue"),
    path("sms/consent/", sms_views.consent, name="sms_consent"),
    path("sms/<int:pk>/close/", sms_views.queue_close, name="sms_queue_close"),
]
