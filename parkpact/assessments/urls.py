from django.urls import path

from . import views, views_reports

app_name = "assessments"
urlpatterns = [
    path("", views.assessment_list, name="assessment_list"),
    path("compute/", views.assessment_compute, name="assessment_compute"),
    path("<int:pk>/", views.assessment_detail, name="assessment_detail"),
    path("<int:pk>/recompute/", views.assessment_recompute, name="assessment_recompute"),
    path("<int:pk>/send/", views.assessment_send, name="assessment_send"),
    path("<int:pk>/confirm/", views.assessment_confirm, name="assessment_confirm"),
    path("<int:pk>/appeal/", views.assessment_appeal, name="assessment_appeal"),
    path("<int:pk>/approve/", views.assessment_approve, name="assessment_approve"),
    path("<int:pk>/adjust/", views.assessment_adjust, name="assessment_adjust"),
    path("<int:pk>/report.pdf", views_reports.assessment_pdf, name="assessment_pdf"),
    path("<int:pk>/report.xlsx", views_reports.assessment_xlsx, name="assessment_xlsx"),
    path("summary/<str:month>.pdf", views_reports.summary_pdf, name="summary_pdf"),
    path("summary/<str:month>.xlsx", views_reports.summary_xlsx, name="summary_xlsx"),
    path("appeals/<int:pk>/decide/", views.appeal_decide, name="appeal_decide"),
    path("appeals/<int:pk>/photo.jpg", views.appeal_photo, name="appeal_photo"),
    path("certificates/", views.certificate_list, name="certificate_list"),
    path("certificates/<int:pk>/approve/", views.certificate_approve, name="certificate_approve"),
    path("providers/<int:pk>/", views.provider_record, name="provider_record"),
]
