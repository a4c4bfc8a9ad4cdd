from django.urls import include, path

app_name = "people"
urlpatterns = [
    path("roster/", include("cunzhi.people.urls_roster")),
]
