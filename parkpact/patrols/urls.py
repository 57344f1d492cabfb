from django.urls import URLPattern, path

from . import views, views_contract

app_name = "patrols"

urlpatterns: list[URLPattern] = [
    path("", views.dashboard, name="dashboard"),
    path("rounds/<uuid:round_uuid>/", views.round_detail, name="round_detail"),
    path("incidents/", views.incident_list, name="incident_list"),
    path("incidents/new/", views.incident_create, name="incident_create"),
    path("incidents/<int:pk>/", views.incident_detail, name="incident_detail"),
    path("incidents/<int:pk>/on-scene/", views.incident_on_scene, name="incident_on_scene"),
    path("incidents/<int:pk>/resolve/", views.incident_resolve, name="incident_resolve"),
    path("incidents/<int:pk>/photos/", views.incident_photo, name="incident_photo"),
    path("checkpoints/", views.checkpoint_list, name="checkpoint_list"),
    path("checkpoints/<int:pk>/qr.svg", views.checkpoint_qr, name="checkpoint_qr"),
    path("checkpoints/<int:pk>/reprint/", views.checkpoint_reprint, name="checkpoint_reprint"),
    path("guard/", views.guard, name="guard"),
    path("guard/sw.js", views.guard_service_worker, name="guard_service_worker"),
    path("guard/manifest.webmanifest", views.guard_manifest, name="guard_manifest"),
    path(
        "contracts/<int:contract_pk>/",
        views_contract.contract_patrols,
        name="contract_patrols",
    ),
    path(
        "contracts/<int:contract_pk>/routes/",
        views_contract.route_create,
        name="route_create",
    ),
    path(
        "contracts/<int:contract_pk>/schedules/",
        views_contract.schedule_create,
        name="schedule_create",
    ),
    path(
        "contracts/<int:contract_pk>/schedules/<int:pk>/deactivate/",
        views_contract.schedule_deactivate,
        name="schedule_deactivate",
    ),
    path(
        "contracts/<int:contract_pk>/schedules/<int:pk>/activate/",
        views_contract.schedule_activate,
        name="schedule_activate",
    ),
    path(
        "contracts/<int:contract_pk>/response-target/",
        views_contract.response_target_set,
        name="response_target_set",
    ),
    path("scan/<str:token>", views.scan_link, name="scan_link"),
]
