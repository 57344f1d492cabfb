from django.urls import path

from . import views_orders, views_plans

app_name = "inspections"

urlpatterns = [
    # Surveillance plans (views_plans.py)
    path("contracts/<int:contract_pk>/plans/", views_plans.plan_list, name="plan_list"),
    path("contracts/<int:contract_pk>/plans/new/", views_plans.plan_create, name="plan_create"),
    path("plans/<int:pk>/", views_plans.plan_detail, name="plan_detail"),
    path("plans/<int:pk>/commit/", views_plans.plan_commit, name="plan_commit"),
    path("plans/<int:pk>/reveal/", views_plans.plan_reveal, name="plan_reveal"),
    path("plans/<int:pk>/discard/", views_plans.plan_discard, name="plan_discard"),
    # Public verification of revealed samples (no sign-in)
    path("verify/", views_plans.sample_verify, name="sample_verify"),
    path("verify/<int:pk>/", views_plans.sample_verify_detail, name="sample_verify_detail"),
    path(
        "verify/<int:pk>/parameters.json",
        views_plans.sample_parameters,
        name="sample_parameters",
    ),
    # Rectification orders, submitted inspections and evidence photos (views_orders.py)
    path("orders/", views_orders.order_list, name="order_list"),
    path("orders/<int:pk>/", views_orders.order_detail, name="order_detail"),
    path("orders/<int:pk>/rectify/", views_orders.order_rectify, name="order_rectify"),
    path("orders/<int:pk>/reinspect/", views_orders.order_reinspect, name="order_reinspect"),
    path("inspections/<int:pk>/", views_orders.inspection_detail, name="inspection_detail"),
    path("review/", views_orders.review_list, name="review_list"),
    path("review/<int:pk>/close/", views_orders.review_close, name="review_close"),
    path("evidence/<uuid:uuid>/", views_orders.evidence_display, name="evidence_display"),
    path(
        "evidence/<uuid:uuid>/original/", views_orders.evidence_original, name="evidence_original"
    ),
]
