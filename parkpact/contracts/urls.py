from django.urls import path

from . import views

app_name = "contracts"

urlpatterns = [
    path("", views.contract_list, name="contract_list"),
    path("new/", views.contract_create, name="contract_create"),
    path("<int:pk>/", views.contract_detail, name="contract_detail"),
    path("<int:pk>/edit/", views.contract_update, name="contract_update"),
    path("<int:pk>/activate/", views.contract_activate, name="contract_activate"),
    path("<int:pk>/close/", views.contract_close, name="contract_close"),
    path("<int:pk>/versions/<int:number>/edit/", views.version_update, name="version_update"),
    path(
        "<int:pk>/versions/<int:number>/<slug:kind>/new/",
        views.term_part_create,
        name="term_part_create",
    ),
    path(
        "<int:pk>/<slug:kind>/<int:part_pk>/edit/",
        views.term_part_update,
        name="term_part_update",
    ),
    path(
        "<int:pk>/<slug:kind>/<int:part_pk>/delete/",
        views.term_part_delete,
        name="term_part_delete",
    ),
    path("<int:pk>/amendments/new/", views.amendment_draft, name="amendment_draft"),
    path(
        "<int:pk>/amendments/<int:amendment_pk>/approve/",
        views.amendment_approve,
        name="amendment_approve",
    ),
    path(
        "<int:pk>/amendments/<int:amendment_pk>/reject/",
        views.amendment_reject,
        name="amendment_reject",
    ),
]
