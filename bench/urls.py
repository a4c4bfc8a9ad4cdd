"""The project's URLs plus /bench/bare: the cheapest Django view, through the same middleware, as a ceiling;
and /bench/cachestats, which makes the worker that answers write its cache counts (bench/cachecount.py)."""

from django.http import HttpResponse
from django.urls import include, path

from bench import cachecount


def bare(request):
    return HttpResponse("ok", content_type="text/plain")


def cachestats(request):
    cachecount.flush()
    return HttpResponse("ok", content_type="text/plain")


urlpatterns = [
    path("bench/bare", bare),
    path("bench/cachestats", cachestats),
    path("", include("cunzhi.urls")),
]
