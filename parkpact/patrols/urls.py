from django.urls import URLPattern, path  # noqa: F401

app_name = "patrols"

urlpatterns: list[URLPattern] = []
