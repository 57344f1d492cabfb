from django.urls import URLPattern, path

from . import views

app_name = "incentives"

urlpatterns: list[URLPattern] = [
    path("contracts/<int:contract_pk>/", views.contract_deterrence, name="contract_deterrence"),
    path(
        "contracts/<int:contract_pk>/costs/",
        views.cost_breakdown_save,
        name="cost_breakdown_save",
    ),
]
