"""Roster pages, mounted at /people/roster/ inside the "people" namespace (people:roster_…)."""

from django.urls import path, re_path

from cunzhi.people import views_roster as views

urlpatterns = [
    path("", views.roster_home, name="roster_home"),
    path("upload/", views.roster_upload, name="roster_upload"),
    re_path(r"^template\.(?P<fmt>xlsx|csv)$", views.roster_template, name="roster_template"),
    path("export/", views.roster_export, name="roster_export"),
    path("<str:public_id>/", views.roster_detail, name="roster_detail"),
    path("<str:public_id>/confirm/", views.roster_confirm, name="roster_confirm"),
    path("<str:public_id>/file/", views.roster_file, name="roster_file"),
]
