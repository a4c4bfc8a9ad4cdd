from django.urls import path, re_path

from cunzhi.people import views_regions as views

app_name = "regions"
# A region code is 12 digits (county, township, village) or 15 (villager group).
CODE = r"(?P<code>\d{12}|\d{15})"
urlpatterns = [
    path("", views.tree, name="tree"),
    path("import/", views.region_import, name="import"),
    re_path(rf"^{CODE}/$", views.detail, name="detail"),
    re_path(rf"^{CODE}/grids/new/$", views.grid_new, name="grid_new"),
]
