from django.urls import path

from cunzhi.ledger import views

app_name = "ledger"
urlpatterns = [
    path("", views.index, name="index"),
    path("verify/", views.verify, name="verify"),
    path("mine/", views.mine, name="mine"),
    path("v/<str:code>/", views.village, name="village"),
    path("v/<str:code>/new/", views.entry_create, name="entry_create"),
    path("v/<str:code>/periods/", views.periods, name="periods"),
    path("v/<str:code>/ledger.xlsx", views.export, name="export"),
    path("e/<str:public_id>/", views.entry_detail, name="entry"),
    path("e/<str:public_id>/reverse/", views.entry_reverse, name="entry_reverse"),
    path("e/<str:public_id>/vouchers/<int:voucher_id>/", views.voucher, name="voucher"),
]
