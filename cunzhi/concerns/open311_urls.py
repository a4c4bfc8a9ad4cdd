"""Open311 GeoReport v2 addresses. Included by the project's URLconf under /open311/v2/."""

from django.urls import re_path

from cunzhi.concerns.open311 import dispatch

app_name = "open311"
FMT = r"\.(?P<fmt>[a-z]+)$"
urlpatterns = [
    re_path(r"^discovery" + FMT, dispatch, {"name": "discovery"}, name="discovery"),
    re_path(r"^services" + FMT, dispatch, {"name": "services"}, name="services"),
    re_path(r"^services/(?P<code>[\w-]+)" + FMT, dispatch, {"name": "service"}, name="service"),
    re_path(r"^requests" + FMT, dispatch, {"name": "requests"}, name="requests"),
    re_path(r"^requests/(?P<public_id>[\w-]+)" + FMT, dispatch, {"name": "request"}, name="request"),
    re_path(r"^tokens/(?P<token>[\w-]+)" + FMT, dispatch, {"name": "token"}, name="token"),
]
