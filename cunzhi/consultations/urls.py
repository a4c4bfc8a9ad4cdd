from django.urls import path

from cunzhi.consultations import views

app_name = "consultations"
urlpatterns = [
    path("", views.index, name="index"),
    path("new/", views.draft_new, name="new"),
    path("mine/", views.mine, name="mine"),
    path("filed/", views.filings, name="filings"),
    path("filed/<str:public_id>/acknowledge/", views.filing_acknowledge, name="filing_acknowledge"),
    path("comments/<str:public_id>/reply/", views.reply, name="reply"),
    path("comments/<str:public_id>/hide/", views.hide, name="hide"),
    path("comments/<str:public_id>/restore/", views.restore, name="restore"),
    path("<str:public_id>/", views.detail, name="detail"),
    path("<str:public_id>/edit/", views.draft_edit, name="edit"),
    path("<str:public_id>/publish/", views.draft_publish, name="publish"),
    path("<str:public_id>/close/", views.draft_close, name="close"),
    path("<str:public_id>/new-version/", views.draft_new_version, name="new_version"),
    path("<str:public_id>/paragraphs/<int:number>/", views.paragraph, name="paragraph"),
    path("<str:public_id>/paragraphs/<int:number>/stance/", views.stance, name="stance"),
    path("<str:public_id>/response/", views.response, name="response"),
    path("<str:public_id>/response/publish/", views.report_publish, name="report_publish"),
    path("<str:public_id>/report/", views.report, name="report"),
    path("<str:public_id>/figures/", views.figures, name="figures"),
    path("<str:public_id>/changes/", views.changes, name="changes"),
    path("<str:public_id>/adopt/", views.adopt, name="adopt"),
    path("<str:public_id>/adopt/publish/", views.adoption_publish, name="adoption_publish"),
]
