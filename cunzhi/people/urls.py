from django.urls import include, path

from cunzhi.people import views

app_name = "people"
urlpatterns = [
    path("roster/", include("cunzhi.people.urls_roster")),
    path("villagers/", views.villager_list, name="villager_list"),
    path("villagers/<str:public_id>/", views.villager_detail, name="villager_detail"),
    path("households/", views.household_list, name="household_list"),
    path("households/<str:public_id>/", views.household_detail, name="household_detail"),
    path("offices/", views.office_list, name="office_list"),
    path("delegations/", views.delegation_list, name="delegation_list"),
    path("delegations/new/", views.delegation_new, name="delegation_new"),
    path("delegations/<str:public_id>/revoke/", views.delegation_revoke, name="delegation_revoke"),
    path("my-data/", views.data_access, name="data_access"),
    path("profile/", views.profile, name="profile"),
]
