from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PortalConfig(AppConfig):
    """The public transparency portal: read-only pages over the other apps' data (its one model
    keeps snapshots of costly figures)."""

    name = "parkpact.portal"
    label = "portal"
    verbose_name = _("Public portal")
