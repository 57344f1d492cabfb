"""Open data, at /open-data/: the data dictionary and each dataset as CSV and XLSX."""

from django.urls import path

from . import views_opendata

app_name = "opendata"

urlpatterns = [
    path("", views_opendata.dictionary, name="dictionary"),
    path("<slug:dataset>.csv", views_opendata.download_csv, name="csv"),
    path("<slug:dataset>.xlsx", views_opendata.download_xlsx, name="xlsx"),
]
