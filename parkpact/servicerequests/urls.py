from django.urls import path

from . import views

app_name = "servicerequests"

urlpatterns = [
    path("", views.request_list, name="request_list"),
    path("new/", views.request_create, name="request_create"),
    path("blocklist/", views.blocklist, name="blocklist"),
    path("blocklist/<int:pk>/unblock/", views.unblock, name="unblock"),
    path("<int:pk>/", views.request_detail, name="request_detail"),
    path("<int:pk>/acknowledge/", views.request_acknowledge, name="acknowledge"),
    path("<int:pk>/start/", views.request_start, name="start"),
    path("<int:pk>/resolve/", views.request_resolve, name="resolve"),
    path("<int:pk>/validate/", views.request_validate, name="validate"),
    path("<int:pk>/send-back/", views.request_send_back, name="send_back"),
    path("<int:pk>/reject/", views.request_reject, name="reject"),
    path("<int:pk>/merge/", views.request_merge, name="merge"),
    path("<int:pk>/reroute/", views.request_reroute, name="reroute"),
    path("<int:pk>/moderate/", views.request_moderate, name="moderate"),
    path("<int:pk>/block/", views.request_block, name="block"),
    path("photos/<uuid:uuid>/", views.photo, name="photo"),
    path("photos/<uuid:uuid>/original/", views.photo_original, name="photo_original"),
]
