"""The admins' screen for Open311 API keys (outside /open311/v2/, which is the standard's)."""

from django.urls import path

from . import views_keys

app_name = "open311_keys"

urlpatterns = [
    path("", views_keys.key_list, name="key_list"),
    path("<int:pk>/revoke/", views_keys.revoke, name="revoke"),
]
