from django.urls import path

from cunzhi.insights import views

app_name = "insights"
urlpatterns = [
    path("", views.index, name="index"),
    path("export.xlsx", views.export, name="export"),
]
