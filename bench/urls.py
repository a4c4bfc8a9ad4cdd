"""The project's URLs plus /bench/bare: the cheapest Django view, through the same middleware, as a ceiling."""

from django.http import HttpResponse
from django.urls import include, path


def bare(request):
    return HttpResponse("ok", content_type="text/plain")


urlpatterns = [
    path("bench/bare", bare),
    path("", include("cunzhi.urls")),
]
