from django.urls import path

from cunzhi.points import views

app_name = "points"
urlpatterns = [
    path("", views.index, name="index"),
    path("t/<str:code>/", views.township, name="township"),
    path("t/<str:code>/counter/", views.township_counter, name="township_counter"),
    path("item/<str:public_id>/decide/", views.item_decide, name="item_decide"),
    path("v/<str:code>/", views.board, name="board"),
    path("v/<str:code>/print/", views.board_print, name="board_print"),
    path("v/<str:code>/commended/", views.commended, name="commended"),
    path("v/<str:code>/rules/", views.village_rules, name="rules"),
    path("v/<str:code>/declare/", views.declare, name="declare"),
    path("v/<str:code>/review/", views.review, name="review"),
    path("v/<str:code>/redeem/", views.redeem, name="redeem"),
    path("v/<str:code>/counter/", views.counter, name="counter"),
    path("e/<str:public_id>/", views.entry_detail, name="entry"),
    path("e/<str:public_id>/receipt/", views.receipt, name="receipt"),
    path("e/<str:public_id>/review/", views.entry_review, name="entry_review"),
    path("e/<str:public_id>/object/", views.entry_object, name="entry_object"),
    path("e/<str:public_id>/evidence/", views.evidence, name="evidence"),
    path("o/<str:public_id>/decide/", views.objection_decide, name="objection_decide"),
    path("h/<str:public_id>/", views.household, name="household"),
]
