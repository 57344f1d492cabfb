from django.urls import path

from . import views, views_bids, views_evaluation

app_name = "procurement"
urlpatterns = [
    path("", views.tender_list, name="tender_list"),
    path("new/", views.tender_create, name="tender_create"),
    path("<int:pk>/", views.tender_detail, name="tender_detail"),
    path("<int:pk>/lots/new/", views.lot_add, name="lot_add"),
    path("<int:pk>/requirements/", views.requirement_add, name="requirement_add"),
    path("<int:pk>/criteria/", views.criterion_add, name="criterion_add"),
    path("<int:pk>/evaluators/", views.evaluator_add, name="evaluator_add"),
    path("<int:pk>/publish/", views.tender_publish, name="tender_publish"),
    path("<int:pk>/close/", views.tender_close, name="tender_close"),
    path("<int:pk>/cancel/", views.tender_cancel, name="tender_cancel"),
    path("<int:pk>/unsuccessful/", views.tender_unsuccessful, name="tender_unsuccessful"),
    path("lots/<int:pk>/evaluation/", views_evaluation.lot_evaluation, name="lot_evaluation"),
    path("lots/<int:pk>/award/", views_evaluation.lot_award, name="lot_award"),
    path("lots/<int:pk>/scoring/", views_evaluation.lot_scoring, name="lot_scoring"),
    path("lots/<int:pk>/bid/", views_bids.bid_create, name="bid_create"),
    path("bids/", views_bids.bid_list, name="bid_list"),
    path("bids/<int:pk>/", views_bids.bid_detail, name="bid_detail"),
    path("bids/<int:pk>/withdraw/", views_bids.bid_withdraw, name="bid_withdraw"),
    path("bids/<int:pk>/explain/", views_bids.bid_explain, name="bid_explain"),
    path("bids/<int:pk>/proposal.pdf", views_bids.bid_proposal, name="bid_proposal"),
    path("bids/<int:pk>/decide/", views_evaluation.explanation_decide, name="explanation_decide"),
    path("bids/<int:pk>/score/", views_evaluation.bid_score, name="bid_score"),
]
