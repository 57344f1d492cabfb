from django.urls import path

from . import views

app_name = "parks"

urlpatterns = [
    path("", views.park_list, name="park_list"),
    path("<int:pk>/", views.park_detail, name="park_detail"),
    path("<int:park_pk>/zones/new/", views.zone_create, name="zone_create"),
    path("<int:park_pk>/zones/<int:pk>/edit/", views.zone_update, name="zone_update"),
    path("<int:park_pk>/zones/<int:pk>/renew-qr/", views.zone_renew_qr, name="zone_renew_qr"),
    path("<int:park_pk>/facilities/new/", views.facility_create, name="facility_create"),
]
