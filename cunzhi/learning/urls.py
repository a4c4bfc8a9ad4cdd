from django.urls import path

from cunzhi.learning import views

app_name = "learning"
urlpatterns = [
    path("", views.index, name="index"),
    path("lessons/<slug:key>/", views.lesson, name="lesson"),
    path("practice/", views.practice_start, name="practice_start"),
    path("practice/stop/", views.practice_stop, name="practice_stop"),
    path("v/<str:code>/", views.village, name="village"),
    path("v/<str:code>/new/", views.session_new, name="session_new"),
    path("s/<str:public_id>/", views.session, name="session"),
    path("s/<str:public_id>/my-code/", views.my_code, name="my_code"),
]
