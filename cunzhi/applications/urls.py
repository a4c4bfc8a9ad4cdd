from django.urls import path

from . import views

app_name = "applications"
urlpatterns = [
    path("", views.index, name="index"),
    path("catalogue/", views.catalogue, name="catalogue"),
    path("catalogue/new/", views.item_edit, name="item_new"),
    path("catalogue/<str:public_id>/", views.item_detail, name="item_detail"),
    path("catalogue/<str:public_id>/edit/", views.item_edit, name="item_edit"),
    path("catalogue/<str:public_id>/apply/", views.apply, name="apply"),
    path("work/", views.worklist, name="worklist"),
    path("all/", views.all_applications, name="all"),
    path("mail/", views.mail_list, name="mail_list"),
    path("mail/<str:public_id>/", views.mail_detail, name="mail_detail"),
    path("mail/<str:public_id>/raw/", views.mail_raw, name="mail_raw"),
    path("a/<str:public_id>/", views.detail, name="detail"),
    path("a/<str:public_id>/accept/", views.accept, name="accept"),
    path("a/<str:public_id>/return/", views.return_, name="return"),
    path("a/<str:public_id>/conditional/", views.conditional, name="conditional"),
    path("a/<str:public_id>/step/", views.step, name="step"),
    path("a/<str:public_id>/supply/<int:material_id>/", views.supply, name="supply"),
    path("a/<str:public_id>/not-applicable/<int:material_id>/", views.not_applicable, name="not_applicable"),
    path("a/<str:public_id>/resubmit/", views.resubmit, name="resubmit"),
    path("a/<str:public_id>/assign/", views.assign, name="assign"),
    path("a/<str:public_id>/files/<str:file_id>/", views.file_download, name="file"),
    path("a/<str:public_id>/notices/<str:notice_id>.pdf", views.notice_pdf, name="notice_pdf"),
    path("a/<str:public_id>/certificate.pdf", views.certificate_pdf, name="certificate_pdf"),
    # The public verification page; the project should also mount urls_verify at /verify/ (docs).
    path("verify/", views.verify_form, name="verify_form"),
    path("verify/<str:code>", views.verify_check, name="verify_check"),
]
