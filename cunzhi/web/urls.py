from django.urls import path

from cunzhi.web import views

urlpatterns = [
    path("", views.home, name="home"),
    path("login/", views.login_view, name="login"),
    path("logout/", views.logout_view, name="logout"),
    path("text-size/", views.text_size, name="text_size"),
    path("villages/", views.villages, name="villages"),
    path("villages/<str:code>/", views.village, name="village"),
]
