from django.urls import path

from cunzhi.insights import views

app_name = "insights"
urlpatterns = [
    path("", views.index, name="index"),
    path("cases/", views.case_list, name="cases"),
    path("factors/", views.factors, name="factors"),
    path("export.xlsx", views.export, name="export"),
    path("report.pdf", views.export_pdf, name="report_pdf"),
    path("survey/", views.survey, name="survey"),
    path("survey/results/", views.survey_results, name="survey_results"),
    path("survey/remind/", views.survey_remind, name="survey_remind"),
    path("problem/", views.problem, name="problem"),
    path("points/by-item/", views.points_by_item, name="points_by_item"),
]
