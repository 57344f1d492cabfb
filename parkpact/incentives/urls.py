from django.urls import URLPattern, path

from . import views, views_value, views_whatif

app_name = "incentives"

urlpatterns: list[URLPattern] = [
    path("contracts/<int:contract_pk>/", views.contract_deterrence, name="contract_deterrence"),
    path(
        "contracts/<int:contract_pk>/costs/",
        views.cost_breakdown_save,
        name="cost_breakdown_save",
    ),
    path(
        "contracts/<int:contract_pk>/what-if/", views_whatif.contract_whatif, name="contract_whatif"
    ),
    path(
        "contracts/<int:contract_pk>/what-if/save/",
        views_whatif.scenario_save,
        name="scenario_save",
    ),
    path("scenarios/<int:pk>/amend/", views_whatif.scenario_amend, name="scenario_amend"),
    path("scenarios/<int:pk>/plan/", views_whatif.scenario_plan, name="scenario_plan"),
    # Value for money and the yearly outsourcing evaluation.
    path("contracts/<int:contract_pk>/value/", views_value.contract_value, name="contract_value"),
    path(
        "contracts/<int:contract_pk>/value/comparator/",
        views_value.comparator_save,
        name="comparator_save",
    ),
    path(
        "parks/<int:park_pk>/evaluation/<int:year>/",
        views_value.park_evaluation,
        name="park_evaluation",
    ),
    path(
        "parks/<int:park_pk>/evaluation/<int:year>.pdf",
        views_value.park_evaluation_pdf,
        name="park_evaluation_pdf",
    ),
    path(
        "parks/<int:park_pk>/evaluation/<int:year>.xlsx",
        views_value.park_evaluation_xlsx,
        name="park_evaluation_xlsx",
    ),
]
