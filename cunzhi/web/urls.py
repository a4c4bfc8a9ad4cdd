from django.urls import path

from cunzhi.web import code_login, views

urlpatterns = [
    path("", views.home, name="home"),
    path("login/", views.login_view, name="login"),
    path("login/code/", code_login.code_request, name="code_login"),
    path("login/code/enter/", code_login.code_enter, name="code_login_enter"),
    path("logout/", views.logout_view, name="logout"),
    path("text-size/", views.text_size, name="text_size"),
    path("villages/", views.villages, name="villages"),
    path("villages/<str:code>/", views.village, name="village"),
]
