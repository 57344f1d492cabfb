"""Open311 GeoReport v2 under /open311/v2/: every resource as ``.json`` or ``.xml``."""

from django.urls import re_path

from . import views

app_name = "open311"

# The format suffix is matched loosely here so that an unknown one gets Open311's 404 answer.
FMT = r"\.(?P<fmt>\w+)$"

urlpatterns = [
    re_path(r"^discovery" + FMT, views.discovery, name="discovery"),
    re_path(r"^services" + FMT, views.service_list, name="service_list"),
    # Open311 names it services/{code}; some clients ask for service/{code}.
    re_path(r"^services?/(?P<code>[^/]+?)" + FMT, views.service_definition, name="service"),
    re_path(r"^requests" + FMT, views.requests, name="requests"),
    re_path(r"^requests/(?P<request_id>[^/]+?)" + FMT, views.request_detail, name="request"),
    re_path(r"^tokens/(?P<token>[^/]+?)" + FMT, views.token, name="token"),
    re_path(r"^(?P<path>.*)$", views.not_found),
]
