"""The project's URLs with the public check mounted at /verify/, as docs/applications.md asks."""

from django.urls import include, path

from cunzhi.urls import urlpatterns as project

urlpatterns = [path("verify/", include("cunzhi.applications.urls_verify")), *project]
