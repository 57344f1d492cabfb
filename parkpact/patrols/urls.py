from django.urls import URLPattern, path

from . import views

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
    path("scan/<str:token>", views.scan_link, name="scan_link"),
]
