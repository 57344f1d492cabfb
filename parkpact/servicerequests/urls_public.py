"""The public's pages, at the site root: the report form behind a zone's QR code, the tracking
page and its photos; and the zones' posters, for centre staff."""

from django.urls import path

from . import views_public

app_name = "public"

urlpatterns = [
    path("q/<str:token>", views_public.report, name="report"),
    path("track/", views_public.track_lookup, name="track_lookup"),
    path("track/<str:code>", views_public.track, name="track"),
    path("track/<str:code>/feedback/", views_public.track_feedback, name="track_feedback"),
    path("photos/<uuid:uuid>.jpg", views_public.photo_display, name="photo_display"),
    path("zones/<int:pk>/poster.svg", views_public.poster_svg, name="poster_svg"),
    path("zones/<int:pk>/poster.pdf", views_public.poster_pdf, name="poster_pdf"),
]
