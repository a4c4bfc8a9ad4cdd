from django.contrib import admin
from django.urls import include, path

from cunzhi.api.api import api
from cunzhi.web import views as web_views

urlpatterns = [
    path("healthz", web_views.healthz, name="healthz"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("api/v1/", api.urls),
    path("admin/", admin.site.urls),
    path("regions/", include("cunzhi.people.urls_regions")),
    path("people/", include("cunzhi.people.urls")),
    path("notify/", include("cunzhi.notify.urls")),
    path("voice/", include("cunzhi.voice.urls")),
    path("concerns/", include("cunzhi.concerns.urls")),
    path("open311/v2/", include("cunzhi.concerns.open311_urls")),
    path("services/", include("cunzhi.applications.urls")),
    path("meetings/", include("cunzhi.meetings.urls")),
    path("disclosure/", include("cunzhi.disclosure.urls")),
    path("ledger/", include("cunzhi.ledger.urls")),
    path("consultations/", include("cunzhi.consultations.urls")),
    path("points/", include("cunzhi.points.urls")),
    path("learning/", include("cunzhi.learning.urls")),
    path("organisations/", include("cunzhi.organisations.urls")),
    path("elections/", include("cunzhi.elections.urls")),
    path("figures/", include("cunzhi.insights.urls")),
    path("verify/", include("cunzhi.applications.urls_verify")),
    path("", include("cunzhi.web.urls")),
]
