"""The public's pages: the report form behind a zone's QR code and the tracking page."""

app_name = "public"

urlpatterns: list = []
