from django.urls import path

from cunzhi.elections import views

app_name = "elections"
urlpatterns = [
    path("", views.index, name="index"),
    path("v/<str:code>/new/", views.create, name="create"),
    path("e/<str:public_id>/", views.overview, name="overview"),
    path("e/<str:public_id>/step/<str:name>/", views.step, name="step"),
    path("e/<str:public_id>/voters/", views.voters, name="voters"),
    path("e/<str:public_id>/voters/print/", views.voters_print, name="voters_print"),
    path("e/<str:public_id>/voters/<str:voter_id>/remove/", views.voter_remove, name="voter_remove"),
    path("e/<str:public_id>/objections/", views.objections, name="objections"),
    path("e/<str:public_id>/proxies/", views.proxies, name="proxies"),
    path("e/<str:public_id>/nominations/", views.nominations, name="nominations"),
    path("e/<str:public_id>/candidates/", views.candidates, name="candidates"),
    path("e/<str:public_id>/stations/", views.stations, name="stations"),
    path("e/<str:public_id>/result/", views.result, name="result"),
    path("e/<str:public_id>/result.pdf", views.announcement_pdf, name="announcement_pdf"),
    path("e/<str:public_id>/recall/", views.recall_propose, name="recall_propose"),
    path("r/<str:public_id>/signers/print/", views.recall_signers, name="recall_signers"),
    path("r/<str:public_id>/<str:name>/", views.recall_step, name="recall_step"),
    path("e/<str:public_id>/away/", views.away_answer, name="away_answer"),
    path("e/<str:public_id>/term/", views.term, name="term"),
    path("v/<str:code>/supervision/", views.supervision, name="supervision"),
    path("live/<str:code>/", views.live, name="live"),
    path("o/<str:public_id>/decide/", views.objection_decide, name="objection_decide"),
    path("p/<str:public_id>/form/", views.proxy_form, name="proxy_form"),
    path("p/<str:public_id>/withdraw/", views.proxy_withdraw, name="proxy_withdraw"),
    path("s/<str:public_id>/ballots.pdf", views.ballots_pdf, name="ballots_pdf"),
    path("s/<str:public_id>/count/", views.count, name="count"),
]
