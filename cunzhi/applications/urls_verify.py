"""The public certificate check at the site root: path("verify/", include("cunzhi.applications.urls_verify"))."""

from django.urls import path

from . import views

app_name = "verify"
urlpatterns = [
    path("", views.verify_form, name="form"),
    path("<str:code>", views.verify_check, name="check"),
]
