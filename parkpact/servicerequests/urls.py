from django.urls import path

from . import views

app_name = "servicerequests"

urlpatterns = [
    path("<int:pk>/", views.request_detail, name="request_detail"),
]
