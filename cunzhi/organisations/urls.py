from django.urls import path

from cunzhi.organisations import views

app_name = "organisations"
urlpatterns = [
    path("", views.index, name="index"),
    path("r/<str:code>/", views.region, name="region"),
    path("r/<str:code>/new/", views.register, name="register"),
    path("o/<str:public_id>/", views.detail, name="detail"),
    path("o/<str:public_id>/contact/", views.contact, name="contact"),
    path("o/<str:public_id>/members/", views.members, name="members"),
    path("o/<str:public_id>/members/<int:pk>/remove/", views.member_remove, name="member_remove"),
    path("o/<str:public_id>/activities/new/", views.activity_new, name="activity_new"),
    path("a/<str:public_id>/", views.activity, name="activity"),
    path("a/<str:public_id>/signup/", views.sign_up, name="sign_up"),
    path("a/<str:public_id>/withdraw/", views.withdraw, name="withdraw"),
    path("a/<str:public_id>/code/", views.my_code, name="code"),
    path("a/<str:public_id>/desk/", views.desk, name="desk"),
    path("a/<str:public_id>/scan/<str:code>/", views.scan, name="scan"),
    path("a/<str:public_id>/hours/", views.hours, name="hours"),
    path("a/<str:public_id>/cancel/", views.cancel, name="cancel"),
    path("hand/<str:concern_id>/", views.hand, name="hand"),
    path("o/<str:public_id>/concerns/", views.handovers, name="handovers"),
    path("h/<str:public_id>/", views.handover, name="handover"),
]
