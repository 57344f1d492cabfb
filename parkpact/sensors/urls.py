from django.urls import URLPattern, path

from . import views

app_name = "sensors"

urlpatterns: list[URLPattern] = [
    path("", views.dashboard, name="dashboard"),
    path("alerts/", views.alert_list, name="alert_list"),
    path("devices/", views.device_list, name="device_list"),
    path("devices/<int:pk>/", views.device_detail, name="device_detail"),
    path("devices/<int:pk>/revoke/", views.device_revoke, name="device_revoke"),
]
