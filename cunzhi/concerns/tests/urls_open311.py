"""The project's URLs with Open311 at /open311/v2/ (added here until the project URLconf includes it)."""

from django.urls import include, path

from cunzhi.urls import urlpatterns as project

_included = any(getattr(p, "namespace", None) == "open311" for p in project)
urlpatterns = list(project) if _included else [path("open311/v2/", include("cunzhi.concerns.open311_urls")), *project]
