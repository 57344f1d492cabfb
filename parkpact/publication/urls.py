from django.urls import path, re_path

from . import views

app_name = "publication"

urlpatterns = [
    path("releases.json", views.releases, name="releases"),
    # An ocid holds the tender reference or contract number, which may contain any character.
    re_path(r"^records/(?P<ocid>.+)\.json$", views.record, name="record"),
]
