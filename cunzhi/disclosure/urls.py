from django.urls import path

from cunzhi.disclosure import views

app_name = "disclosure"
urlpatterns = [
    path("", views.index, name="index"),
    path("work/", views.work, name="work"),
    path("new/", views.post_create, name="post_create"),
    path("calendar/", views.calendar, name="calendar"),
    path("calendar.xlsx", views.calendar_export, name="calendar_export"),
    path("schedule/<str:code>/", views.schedule, name="schedule"),
    path("p/<str:public_id>/", views.post_detail, name="post"),
    path("p/<str:public_id>/notice.pdf", views.post_pdf_view, name="post_pdf"),
    path("p/<str:public_id>/attachment.pdf", views.post_attachment, name="post_attachment"),
    path("p/<str:public_id>/edit/", views.post_edit, name="post_edit"),
    path("p/<str:public_id>/publish/", views.post_publish, name="post_publish"),
    path("p/<str:public_id>/submit/", views.post_submit, name="post_submit"),
    path("p/<str:public_id>/review/", views.post_review, name="post_review"),
    path("p/<str:public_id>/ask/", views.question_ask, name="question_ask"),
    path("q/<str:public_id>/answer/", views.question_answer, name="question_answer"),
    path("ledger/<str:code>/<str:public_id>/generate/", views.finance_generate, name="finance_generate"),
]
