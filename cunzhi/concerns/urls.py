from django.urls import path

from cunzhi.concerns import views

app_name = "concerns"
urlpatterns = [
    path("", views.index, name="index"),
    path("new/", views.new, name="new"),
    path("similar/", views.similar, name="similar"),
    path("list/", views.staff_list, name="list"),
    path("rates/", views.rates, name="rates"),
    path("board/<str:code>/", views.board, name="board"),
    path("photo/<str:public_id>/", views.photo, name="photo"),
    path("config/categories/", views.category_list, name="categories"),
    path("config/categories/<int:pk>/", views.category_list, name="category_edit"),
    path("config/rules/", views.rule_list, name="rules"),
    path("config/rules/<str:public_id>/", views.rule_list, name="rule_edit"),
    path("config/keys/", views.key_list, name="keys"),
    path("<str:public_id>/", views.detail, name="detail"),
    path("<str:public_id>/acknowledge/", views.acknowledge, name="acknowledge"),
    path("<str:public_id>/answer/", views.answer, name="answer"),
    path("<str:public_id>/transfer/", views.transfer, name="transfer"),
    path("<str:public_id>/confirm/", views.confirm, name="confirm"),
    path("<str:public_id>/reopen/", views.reopen, name="reopen"),
    path("<str:public_id>/me-too/", views.me_too, name="me_too"),
    path("<str:public_id>/merge/", views.merge, name="merge"),
]
