"""The public portal: the site root and its sections under /portal/ (no sign-in anywhere).

/parks/ and /requests/ already belong to the staff workspace, hence the /portal/ prefix."""

from django.urls import path

from . import views

app_name = "portal"

urlpatterns = [
    path("", views.home, name="home"),
    path("portal/parks/", views.parks, name="parks"),
    path("portal/contractors/", views.contractors, name="contractors"),
    path("portal/contractors/<int:pk>/", views.contractor, name="contractor"),
    path("portal/requests/", views.requests, name="requests"),
    path("portal/inspections/", views.inspections, name="inspections"),
    path("portal/sampling/", views.sampling, name="sampling"),
    path("portal/tenders/", views.tenders, name="tenders"),
    path("portal/ledger/", views.ledger, name="ledger"),
]
